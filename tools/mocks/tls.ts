// Mock outputs for tls resources (see tools/mocks/index.ts). Keys are deterministic, derived from
// the resource's name, so two plans of the same commit are identical (a PR's plan diff shows only
// real changes) and no run pays for key generation:
// - ED25519 and ECDSA keys are real key pairs from a seed (sha512 of the name), so code deriving
//   values from them (e.g. kubeadm's CA public-key pin) runs on real data;
// - RSA keys have a real public key (a seeded modulus; nothing here factors or signs with it) and
//   a PEM-shaped stand-in private key, which is a secret and never shown.
// Certificates are PEM-shaped stand-ins naming their subject (no CA signs here), except in real
// mode (HYBRID_FLEET_REAL_CERTS=1, read per call): then requests and certificates made with ECDSA
// or Ed25519 keys are real, signed as the provider signs them (x509.ts), for tests that hand them
// to openssl. Real certificates carry real validity times and serials, so plans stay on stand-ins.
import { createECDH, createHash, createPrivateKey, createPublicKey } from "crypto";
import type { CallMock, OutputsMock } from "./types";
import * as x509 from "./x509";

const realMode = () => process.env.HYBRID_FLEET_REAL_CERTS === "1";
/** The Pulumi wire marker of a secret value ({ <sig>: <secret sig>, value }). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Inputs with secrets unwrapped: the provider sees plain values. */
function plain(v: any): any {
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") {
        if (v["4dabf18193072939515e22adb298388d"] === SECRET_SIG) return plain(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    }
    return v;
}

const seed = (name: string, bytes: number): Buffer => {
    const out: Buffer[] = [];
    for (let i = 0; Buffer.concat(out).length < bytes; i++) out.push(createHash("sha512").update(`${name}/${i}`).digest());
    return Buffer.concat(out).subarray(0, bytes);
};

function keyPair(name: string, algorithm: string, curve: string | undefined, rsaBits: number | undefined): { privateKey: string; publicKey: string } {
    const pemOf = (key: ReturnType<typeof createPrivateKey>) => ({
        privateKey: key.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKey: createPublicKey(key).export({ type: "spki", format: "pem" }).toString(),
    });
    if (algorithm === "ED25519") {
        // PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
        const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed(name, 32)]);
        return pemOf(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
    }
    if (algorithm === "ECDSA") {
        // JWK knows P-256/384/521; the provider's P224 default is served as P-256.
        const c = ({ P384: ["P-384", "secp384r1", 48], P521: ["P-521", "secp521r1", 66] } as Record<string, [string, string, number]>)[curve ?? ""] ?? [
            "P-256",
            "prime256v1",
            32,
        ];
        const d = seed(name, c[2]);
        if (c[0] === "P-521") d[0] &= 0x01; // a 521-bit scalar
        const ecdh = createECDH(c[1]);
        ecdh.setPrivateKey(d);
        const point = ecdh.getPublicKey();
        const half = (point.length - 1) / 2;
        const b64 = (b: Buffer) => b.toString("base64url");
        return pemOf(
            createPrivateKey({
                key: { kty: "EC", crv: c[0], d: b64(d), x: b64(point.subarray(1, 1 + half)), y: b64(point.subarray(1 + half)) },
                format: "jwk",
            }),
        );
    }
    const bits = rsaBits ?? 2048;
    const n = seed(name, bits / 8);
    n[0] |= 0x80; // full length
    n[n.length - 1] |= 0x01; // odd
    const publicKey = createPublicKey({ key: { kty: "RSA", n: n.toString("base64url"), e: "AQAB" }, format: "jwk" })
        .export({ type: "spki", format: "pem" })
        .toString();
    return { privateKey: pem("PRIVATE KEY", { mock: name, algorithm: "RSA", bits }), publicKey };
}

/** The OpenSSH authorized_keys form of an RSA or Ed25519 public key, as the tls provider returns it. */
function openssh(publicKeyPem: string): string | undefined {
    const jwk = createPublicKey(publicKeyPem).export({ format: "jwk" });
    const field = (b: Buffer) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(b.length);
        return Buffer.concat([len, b]);
    };
    const mpint = (b64: string) => {
        const raw = Buffer.from(b64, "base64url");
        return field(raw[0] & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
    };
    if (jwk.kty === "RSA") {
        return `ssh-rsa ${Buffer.concat([field(Buffer.from("ssh-rsa")), mpint(jwk.e!), mpint(jwk.n!)]).toString("base64")}\n`;
    }
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
        return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(Buffer.from(jwk.x!, "base64url"))]).toString("base64")}\n`;
    }
    return undefined;
}

const pem = (label: string, body: unknown) =>
    `-----BEGIN ${label}-----\n${Buffer.from(JSON.stringify(body))
        .toString("base64")
        .replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;

export const outputs: Record<string, OutputsMock> = {
    "tls:index/privateKey:PrivateKey": (a) => {
        const { privateKey, publicKey } = keyPair(a.name, a.inputs.algorithm, a.inputs.ecdsaCurve, a.inputs.rsaBits);
        const publicKeyOpenssh = openssh(publicKey);
        return { privateKeyPem: privateKey, privateKeyPemPkcs8: privateKey, publicKeyPem: publicKey, ...(publicKeyOpenssh ? { publicKeyOpenssh } : {}) };
    },
    "tls:index/certRequest:CertRequest": (a) => {
        const i = plain(a.inputs);
        return {
            certRequestPem:
                realMode() && x509.canSign(i.privateKeyPem)
                    ? x509.certRequest(i)
                    : pem("CERTIFICATE REQUEST", { mock: a.name, subject: a.inputs.subject ?? {} }),
        };
    },
    "tls:index/selfSignedCert:SelfSignedCert": (a) => {
        const i = plain(a.inputs);
        return {
            certPem:
                realMode() && x509.canSign(i.privateKeyPem)
                    ? x509.selfSignedCert(i)
                    : pem("CERTIFICATE", { mock: a.name, subject: a.inputs.subject ?? {}, ca: a.inputs.isCaCertificate === true }),
            validityStartTime: "2026-01-01T00:00:00Z",
        };
    },
    "tls:index/locallySignedCert:LocallySignedCert": (a) => {
        const i = plain(a.inputs);
        const real =
            realMode() && x509.canSign(i.caPrivateKeyPem) && x509.isDer(i.certRequestPem, "CERTIFICATE REQUEST") && x509.isDer(i.caCertPem, "CERTIFICATE");
        return {
            certPem: real ? x509.locallySignedCert(i) : pem("CERTIFICATE", { mock: a.name, uses: a.inputs.allowedUses ?? [] }),
            validityStartTime: "2026-01-01T00:00:00Z",
        };
    },
};
export const calls: Record<string, CallMock> = {};
