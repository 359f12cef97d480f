// Real X.509 certificates and PKCS#10 requests for the tls mock's real mode (HYBRID_FLEET_REAL_CERTS=1),
// so tests can hand what the program wires (root, intermediates, chains) to openssl. It builds
// what terraform-provider-tls (under @pulumi/tls) builds with Go's crypto/x509, following its
// internal/provider/common_cert.go and resource_locally_signed_cert.go:
// - allowed_uses split into KeyUsage bits and ExtKeyUsage OIDs; BasicConstraints always present
//   and critical, CA per is_ca_certificate; KeyUsage critical;
// - a CA gets a SubjectKeyId (SHA-1 of the public key bits); a certificate signed by a parent that
//   has one gets it as AuthorityKeyId (Go's CreateCertificate);
// - max_path_length becomes MaxPathLen without MaxPathLenZero, so 0 writes no pathlen (Go's
//   marshalBasicConstraints) and n > 0 writes pathlen:n;
// - a locally signed certificate takes subject, public key and SANs from the request.
// ECDSA (P-256/384/521, SHA-256/384/512 as Go picks) and Ed25519 keys; the other key kinds of the
// mock are stand-ins that cannot sign.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "crypto";

// ---- DER encoding ----
function len(n: number): Buffer {
    if (n < 0x80) return Buffer.from([n]);
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, ...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
const seq = (...p: Buffer[]) => tlv(0x30, ...p);
const set = (...p: Buffer[]) => tlv(0x31, ...p);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
function int(v: bigint | number): Buffer {
    let hex = BigInt(v).toString(16);
    if (hex.length % 2) hex = "0" + hex;
    let b = Buffer.from(hex, "hex");
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return tlv(0x02, b);
}
function oid(text: string): Buffer {
    const n = text.split(".").map(Number);
    const out = [40 * n[0] + n[1]];
    for (const v of n.slice(2)) {
        const chunk = [v & 0x7f];
        for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift((x & 0x7f) | 0x80);
        out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
}
function str(s: string): Buffer {
    // Go's asn1 marshals PrintableString when it can, UTF8String otherwise.
    return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? tlv(0x13, Buffer.from(s)) : tlv(0x0c, Buffer.from(s, "utf8"));
}
function time(d: Date): Buffer {
    const p = (n: number) => String(n).padStart(2, "0");
    const body = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
    const y = d.getUTCFullYear();
    return y < 2050 ? tlv(0x17, Buffer.from(`${p(y % 100)}${body}`)) : tlv(0x18, Buffer.from(`${y}${body}`));
}

// ---- DER reading (enough for requests and certificates) ----
interface Node {
    tag: number;
    /** The whole TLV. */
    raw: Buffer;
    body: Buffer;
}
function read(buf: Buffer, at = 0): Node {
    const tag = buf[at];
    let n = buf[at + 1];
    let head = 2;
    if (n & 0x80) {
        const k = n & 0x7f;
        n = 0;
        for (let i = 0; i < k; i++) n = n * 256 + buf[at + 2 + i];
        head += k;
    }
    return { tag, raw: buf.subarray(at, at + head + n), body: buf.subarray(at + head, at + head + n) };
}
function children(node: Node): Node[] {
    const out: Node[] = [];
    for (let at = 0; at < node.body.length;) {
        const c = read(node.body, at);
        out.push(c);
        at += c.raw.length;
    }
    return out;
}
function oidText(node: Node): string {
    const b = node.body;
    const parts = [Math.floor(b[0] / 40), b[0] % 40];
    let v = 0;
    for (const x of b.subarray(1)) {
        v = v * 128 + (x & 0x7f);
        if (!(x & 0x80)) {
            parts.push(v);
            v = 0;
        }
    }
    return parts.join(".");
}

const pemOf = (label: string, der: Buffer) =>
    `-----BEGIN ${label}-----\n${der
        .toString("base64")
        .replace(/(.{64})/g, "$1\n")
        .replace(/\n$/, "")}\n-----END ${label}-----\n`;
function derOf(pem: string, label: string): Buffer {
    const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
    if (!m) throw new Error(`no ${label} PEM block`);
    return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

// ---- X.509 pieces ----
export interface Subject {
    commonName?: string;
    organization?: string;
    organizationalUnit?: string;
    locality?: string;
    province?: string;
    country?: string;
    postalCode?: string;
    serialNumber?: string;
}

/** pkix.Name.ToRDNSequence's order: C, ST, L, POSTAL, O, OU, CN, SERIALNUMBER (one value each). */
function name(s: Subject): Buffer {
    const attrs: [string, string | undefined][] = [
        ["2.5.4.6", s.country],
        ["2.5.4.8", s.province],
        ["2.5.4.7", s.locality],
        ["2.5.4.17", s.postalCode],
        ["2.5.4.10", s.organization],
        ["2.5.4.11", s.organizationalUnit],
        ["2.5.4.3", s.commonName],
        ["2.5.4.5", s.serialNumber],
    ];
    return seq(...attrs.filter(([, v]) => v !== undefined && v !== "").map(([o, v]) => set(seq(oid(o), str(v!)))));
}

const KEY_USAGE_BITS: Record<string, number> = {
    digital_signature: 0,
    content_commitment: 1,
    key_encipherment: 2,
    data_encipherment: 3,
    key_agreement: 4,
    cert_signing: 5,
    crl_signing: 6,
    encipher_only: 7,
    decipher_only: 8,
};
const EXT_KEY_USAGES: Record<string, string> = {
    any_extended: "2.5.29.37.0",
    server_auth: "1.3.6.1.5.5.7.3.1",
    client_auth: "1.3.6.1.5.5.7.3.2",
    code_signing: "1.3.6.1.5.5.7.3.3",
    email_protection: "1.3.6.1.5.5.7.3.4",
    ipsec_end_system: "1.3.6.1.5.5.7.3.5",
    ipsec_tunnel: "1.3.6.1.5.5.7.3.6",
    ipsec_user: "1.3.6.1.5.5.7.3.7",
    timestamping: "1.3.6.1.5.5.7.3.8",
    ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function keyUsage(uses: string[]): Buffer | undefined {
    const set_ = uses.map((u) => KEY_USAGE_BITS[u]).filter((b) => b !== undefined);
    if (set_.length === 0) return undefined;
    const length = Math.max(...set_) + 1;
    const bytes = Buffer.alloc(Math.ceil(length / 8));
    for (const b of set_) bytes[b >> 3] |= 0x80 >> (b & 7);
    return extension("2.5.29.15", true, bits(bytes, bytes.length * 8 - length));
}

function san(dnsNames: string[], ipAddresses: string[]): Buffer | undefined {
    if (dnsNames.length + ipAddresses.length === 0) return undefined;
    const names = [...dnsNames.map((d) => tlv(0x82, Buffer.from(d))), ...ipAddresses.map((ip) => tlv(0x87, Buffer.from(ip.split(".").map(Number))))];
    return extension("2.5.29.17", false, seq(...names));
}

/** The subjectPublicKey bits of an SPKI: what Go hashes for a SubjectKeyId. */
function publicKeyBits(spki: Buffer): Buffer {
    const [, bitString] = children(read(spki));
    return bitString.body.subarray(1);
}

interface Signer {
    algorithm: Buffer;
    sign(data: Buffer): Buffer;
}
function signer(privateKeyPem: string): Signer {
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType === "ed25519") return { algorithm: seq(oid("1.3.101.112")), sign: (d) => sign(null, d, key) };
    if (key.asymmetricKeyType === "ec") {
        const curve = key.asymmetricKeyDetails?.namedCurve;
        const [hash, id] =
            curve === "secp384r1"
                ? ["sha384", "1.2.840.10045.4.3.3"]
                : curve === "secp521r1"
                  ? ["sha512", "1.2.840.10045.4.3.4"]
                  : ["sha256", "1.2.840.10045.4.3.2"];
        return { algorithm: seq(oid(id)), sign: (d) => sign(hash, d, { key, dsaEncoding: "der" }) };
    }
    throw new Error(`the mock signs with ECDSA and Ed25519 keys only, not ${key.asymmetricKeyType}`);
}

/** Whether a PEM block holds DER (a real object), not one of the mock's JSON stand-ins. */
export function isDer(pem: unknown, label: string): boolean {
    try {
        return typeof pem === "string" && derOf(pem, label)[0] === 0x30;
    } catch {
        return false;
    }
}

/** Whether a PEM private key is one the mock can sign with. */
export function canSign(privateKeyPem: string | undefined): boolean {
    try {
        const t = createPrivateKey(privateKeyPem ?? "").asymmetricKeyType;
        return t === "ec" || t === "ed25519";
    } catch {
        return false;
    }
}

export interface CertificateOptions {
    /** DER of the subject Name. */
    subject: Buffer;
    spki: Buffer;
    dnsNames: string[];
    ipAddresses: string[];
    allowedUses: string[];
    isCa: boolean;
    maxPathLength?: number;
    validityHours: number;
    setSubjectKeyId?: boolean;
    issuer: { name: Buffer; subjectKeyId?: Buffer; privateKeyPem: string };
}

function certificate(o: CertificateOptions): { pem: string; subjectKeyId?: Buffer } {
    const s = signer(o.issuer.privateKeyPem);
    const notBefore = new Date();
    const notAfter = new Date(notBefore.getTime() + o.validityHours * 3600 * 1000);
    const ski = o.isCa || o.setSubjectKeyId ? createHash("sha1").update(publicKeyBits(o.spki)).digest() : undefined;
    const selfIssued = o.issuer.name.equals(o.subject);
    const aki = !selfIssued && o.issuer.subjectKeyId ? o.issuer.subjectKeyId : undefined;
    const eku = o.allowedUses.map((u) => EXT_KEY_USAGES[u]).filter((x) => x !== undefined);
    // Go: MaxPathLen 0 without MaxPathLenZero is "unset"; the provider never sets MaxPathLenZero.
    const pathLen = o.isCa && o.maxPathLength !== undefined && o.maxPathLength > 0 ? o.maxPathLength : undefined;
    const exts = [
        keyUsage(o.allowedUses),
        eku.length > 0 ? extension("2.5.29.37", false, seq(...eku.map(oid))) : undefined,
        extension("2.5.29.19", true, seq(...(o.isCa ? [bool(true)] : []), ...(pathLen !== undefined ? [int(pathLen)] : []))),
        ski ? extension("2.5.29.14", false, octets(ski)) : undefined,
        aki ? extension("2.5.29.35", false, seq(tlv(0x80, aki))) : undefined,
        san(o.dnsNames, o.ipAddresses),
    ].filter((e): e is Buffer => e !== undefined);
    const serial = BigInt("0x" + randomBytes(16).toString("hex"));
    const tbs = seq(
        tlv(0xa0, int(2)),
        int(serial),
        s.algorithm,
        o.issuer.name,
        seq(time(notBefore), time(notAfter)),
        o.subject,
        o.spki,
        tlv(0xa3, seq(...exts)),
    );
    return { pem: pemOf("CERTIFICATE", seq(tbs, s.algorithm, bits(s.sign(tbs)))), subjectKeyId: ski };
}

const spkiOf = (privateKeyPem: string) => createPublicKey(privateKeyPem).export({ type: "spki", format: "der" }) as Buffer;

/** tls.SelfSignedCert. */
export function selfSignedCert(i: {
    privateKeyPem: string;
    subject?: Subject;
    dnsNames?: string[];
    ipAddresses?: string[];
    allowedUses?: string[];
    isCaCertificate?: boolean;
    maxPathLength?: number;
    validityPeriodHours: number;
    setSubjectKeyId?: boolean;
}): string {
    const subject = name(i.subject ?? {});
    return certificate({
        subject,
        spki: spkiOf(i.privateKeyPem),
        dnsNames: i.dnsNames ?? [],
        ipAddresses: i.ipAddresses ?? [],
        allowedUses: i.allowedUses ?? [],
        isCa: i.isCaCertificate === true,
        maxPathLength: i.maxPathLength,
        validityHours: i.validityPeriodHours,
        setSubjectKeyId: i.setSubjectKeyId,
        issuer: { name: subject, privateKeyPem: i.privateKeyPem },
    }).pem;
}

/** tls.CertRequest: PKCS#10 with the SANs as an extensionRequest attribute (Go's CreateCertificateRequest). */
export function certRequest(i: { privateKeyPem: string; subject?: Subject; dnsNames?: string[]; ipAddresses?: string[] }): string {
    const s = signer(i.privateKeyPem);
    const ext = san(i.dnsNames ?? [], i.ipAddresses ?? []);
    const attributes = ext ? tlv(0xa0, seq(oid("1.2.840.113549.1.9.14"), set(seq(ext)))) : tlv(0xa0);
    const info = seq(int(0), name(i.subject ?? {}), spkiOf(i.privateKeyPem), attributes);
    return pemOf("CERTIFICATE REQUEST", seq(info, s.algorithm, bits(s.sign(info))));
}

/** The parts of a request a locally signed certificate takes: subject, public key, SANs. */
function parseRequest(pem: string): { subject: Buffer; spki: Buffer; dnsNames: string[]; ipAddresses: string[] } {
    const [info] = children(read(derOf(pem, "CERTIFICATE REQUEST")));
    const [, subject, spki, attributes] = children(info);
    const dnsNames: string[] = [];
    const ipAddresses: string[] = [];
    for (const attr of attributes ? children(attributes) : []) {
        const [id, values] = children(attr);
        if (oidText(id) !== "1.2.840.113549.1.9.14") continue;
        for (const ext of children(children(values)[0])) {
            const parts = children(ext);
            if (oidText(parts[0]) !== "2.5.29.17") continue;
            for (const gn of children(read(parts[parts.length - 1].body))) {
                if (gn.tag === 0x82) dnsNames.push(gn.body.toString());
                if (gn.tag === 0x87) ipAddresses.push([...gn.body].join("."));
            }
        }
    }
    return { subject: subject.raw, spki: spki.raw, dnsNames, ipAddresses };
}

/** A certificate's subject Name (DER) and SubjectKeyId. */
function parseIssuer(pem: string): { name: Buffer; subjectKeyId?: Buffer } {
    const [tbs] = children(read(derOf(pem, "CERTIFICATE")));
    const f = children(tbs);
    const subject = f[5];
    let subjectKeyId: Buffer | undefined;
    const extWrapper = f.find((n) => n.tag === 0xa3);
    for (const ext of extWrapper ? children(children(extWrapper)[0]) : []) {
        const parts = children(ext);
        if (oidText(parts[0]) === "2.5.29.14") subjectKeyId = read(parts[parts.length - 1].body).body;
    }
    return { name: subject.raw, subjectKeyId };
}

/** tls.LocallySignedCert. */
export function locallySignedCert(i: {
    certRequestPem: string;
    caCertPem: string;
    caPrivateKeyPem: string;
    allowedUses?: string[];
    isCaCertificate?: boolean;
    maxPathLength?: number;
    validityPeriodHours: number;
    setSubjectKeyId?: boolean;
}): string {
    const req = parseRequest(i.certRequestPem);
    const issuer = parseIssuer(i.caCertPem);
    return certificate({
        ...req,
        allowedUses: i.allowedUses ?? [],
        isCa: i.isCaCertificate === true,
        maxPathLength: i.maxPathLength,
        validityHours: i.validityPeriodHours,
        setSubjectKeyId: i.setSubjectKeyId,
        issuer: { ...issuer, privateKeyPem: i.caPrivateKeyPem },
    }).pem;
}
