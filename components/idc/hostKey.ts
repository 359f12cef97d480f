// SSH host public keys the program pins on every connection (@pulumi/command's connection
// `hostKey`: the provider parses it with x/crypto's ssh.ParseAuthorizedKey, checks the server with
// ssh.FixedHostKey and offers only that key's algorithm; pulumi-command remote/connection.go v1.2.1).
// Without it the provider accepts any key (ssh.InsecureIgnoreHostKey).
import { createHash } from "node:crypto";

/**
 * Key types accepted. Not ssh-rsa: with a pinned key the provider offers only the algorithm named by
 * the key's type, and for RSA that is "ssh-rsa" (SHA-1 signatures), which OpenSSH servers refuse by
 * default since 8.8 (OpenSSH 8.8 release notes): the deploy could never connect.
 */
export const HOST_KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"] as const;

/** "<type> <base64>": one line, no comment (the comment would be a free-form string in the state). */
const LINE = /^([a-z0-9-]{1,32}) ([A-Za-z0-9+/]{16,1024}={0,2})$/;

/** ecdsa: curve name and the uncompressed point length (RFC 5656 section 3.1; SEC 1 2.3.3). */
const ECDSA: Record<string, { curve: string; point: number }> = {
    "ecdsa-sha2-nistp256": { curve: "nistp256", point: 65 },
    "ecdsa-sha2-nistp384": { curve: "nistp384", point: 97 },
    "ecdsa-sha2-nistp521": { curve: "nistp521", point: 133 },
};

/** Reads the SSH wire-format strings (RFC 4251 section 5: uint32 length, bytes) of a key blob. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
    const out: Buffer[] = [];
    let i = 0;
    while (i < blob.length) {
        if (i + 4 > blob.length) return undefined;
        const n = blob.readUInt32BE(i);
        if (i + 4 + n > blob.length) return undefined;
        out.push(blob.subarray(i + 4, i + 4 + n));
        i += 4 + n;
    }
    return out;
}

/** Why `text` is not a host key this program pins, or undefined when it is one. */
export function hostKeyProblem(text: string): string | undefined {
    const m = LINE.exec(text);
    if (!m) return 'must be "<key type> <base64>" as in the host\'s /etc/ssh/ssh_host_ed25519_key.pub, without the comment';
    const [, type, body] = m;
    if (!(HOST_KEY_TYPES as readonly string[]).includes(type)) {
        return `key type ${type} is not one of ${HOST_KEY_TYPES.join(", ")} (ssh-rsa pins SHA-1 signatures, which OpenSSH 8.8+ refuses)`;
    }
    const blob = Buffer.from(body, "base64");
    if (blob.toString("base64") !== body) return "the key body is not canonical base64";
    const parts = wireStrings(blob);
    if (!parts || parts[0]?.toString("latin1") !== type) return `the key body does not hold a ${type} key`;
    if (type === "ssh-ed25519") {
        if (parts.length !== 2 || parts[1].length !== 32) return "the key body does not hold a 32-byte ed25519 key";
    } else {
        const { curve, point } = ECDSA[type];
        if (parts.length !== 3 || parts[1].toString("latin1") !== curve || parts[2].length !== point || parts[2][0] !== 4) {
            return `the key body does not hold a ${curve} point`;
        }
    }
    return undefined;
}

/** The key's fingerprint as `ssh-keygen -l` prints it: SHA256 of the key blob, unpadded base64. */
export function hostKeyFingerprint(text: string): string {
    const body = text.split(" ")[1] ?? "";
    return `SHA256:${createHash("sha256").update(Buffer.from(body, "base64")).digest("base64").replace(/=+$/, "")}`;
}
