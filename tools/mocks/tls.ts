// Mock outputs for tls resources (see tools/mocks/index.ts). Private keys are real keys made with
// node's crypto, so that code deriving values from them (e.g. kubeadm's CA public-key pin) runs on
// real data; certificates are PEM-shaped stand-ins naming their subject (no CA signs here).
import { createPublicKey, generateKeyPairSync } from "crypto";
import type { CallMock, OutputsMock } from "./index";

// Key generation dominates a mock run (RSA especially): keep one key per resource name and
// algorithm for the life of the process, so every run of a fleet sees the same keys.
const keys = new Map<string, { privateKey: string; publicKey: string }>();
function cachedKeyPair(name: string, algorithm: string, curve: string | undefined, rsaBits: number | undefined) {
    const id = `${name}/${algorithm}/${curve ?? ""}/${rsaBits ?? ""}`;
    const pair = keys.get(id) ?? (keyPair(algorithm, curve, rsaBits));
    keys.set(id, pair);
    return pair;
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

function keyPair(algorithm: string, curve: string | undefined, rsaBits: number | undefined): { privateKey: string; publicKey: string } {
    const curves: Record<string, string> = { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" };
    const pair =
        algorithm === "ECDSA"
            ? generateKeyPairSync("ec", { namedCurve: curves[curve ?? "P224"] ?? "P-256" })
            : algorithm === "ED25519"
              ? generateKeyPairSync("ed25519")
              : generateKeyPairSync("rsa", { modulusLength: rsaBits ?? 2048 });
    return {
        privateKey: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKey: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
}

const pem = (label: string, body: unknown) =>
    `-----BEGIN ${label}-----\n${Buffer.from(JSON.stringify(body)).toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;

export const outputs: Record<string, OutputsMock> = {
    "tls:index/privateKey:PrivateKey": (a) => {
        const { privateKey, publicKey } = cachedKeyPair(a.name, a.inputs.algorithm, a.inputs.ecdsaCurve, a.inputs.rsaBits);
        const publicKeyOpenssh = openssh(publicKey);
        return { privateKeyPem: privateKey, privateKeyPemPkcs8: privateKey, publicKeyPem: publicKey, ...(publicKeyOpenssh ? { publicKeyOpenssh } : {}) };
    },
    "tls:index/certRequest:CertRequest": (a) => ({ certRequestPem: pem("CERTIFICATE REQUEST", { mock: a.name, subject: a.inputs.subject ?? {} }) }),
    "tls:index/selfSignedCert:SelfSignedCert": (a) => ({
        certPem: pem("CERTIFICATE", { mock: a.name, subject: a.inputs.subject ?? {}, ca: a.inputs.isCaCertificate === true }),
        validityStartTime: "2026-01-01T00:00:00Z",
    }),
    "tls:index/locallySignedCert:LocallySignedCert": (a) => ({
        certPem: pem("CERTIFICATE", { mock: a.name, uses: a.inputs.allowedUses ?? [] }),
        validityStartTime: "2026-01-01T00:00:00Z",
    }),
};
export const calls: Record<string, CallMock> = {};
