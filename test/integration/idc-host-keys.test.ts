// SSH host keys against ssh-keygen: keys it makes (ed25519, ECDSA P-256/384/521, RSA) are accepted
// or refused by the key format check, which fingerprints them as `ssh-keygen -l` does; malformed
// lines and bodies that do not hold the named key are refused, and the spec names the path of a
// malformed or RSA key. Keys are made in a temp dir, not as root.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hostKeyFingerprint, hostKeyProblem } from "../../components/idc/hostKey";
import { assertViolation, violationsAfter } from "../harness";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hostkeys-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** A fresh host key made by ssh-keygen: its public line (type + base64, comment dropped) and ssh-keygen's fingerprint. */
function realKey(type: string, bits?: number): { line: string; fingerprint: string } {
    const file = path.join(tmp, `${type}-${bits ?? 0}-${Math.random().toString(36).slice(2)}`);
    execFileSync("ssh-keygen", ["-q", "-t", type, ...(bits ? ["-b", String(bits)] : []), "-N", "", "-C", "", "-f", file]);
    const line = fs.readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
    const fingerprint = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${file}.pub`], { encoding: "utf8" }).split(" ")[1];
    return { line, fingerprint };
}

describe("SSH host key format (against ssh-keygen)", () => {
    for (const [type, bits] of [["ed25519"], ["ecdsa", 256], ["ecdsa", 384], ["ecdsa", 521]] as [string, number?][]) {
        it(`accepts a ${type}${bits ?? ""} key and fingerprints it as ssh-keygen -l does`, () => {
            const k = realKey(type, bits);
            assert.strictEqual(hostKeyProblem(k.line), undefined);
            assert.match(k.fingerprint, /^SHA256:/);
            assert.strictEqual(hostKeyFingerprint(k.line), k.fingerprint);
        });
    }

    it("refuses ssh-rsa (a pinned RSA key makes the provider offer only SHA-1 ssh-rsa, which OpenSSH 8.8+ refuses)", () => {
        assert.match(hostKeyProblem(realKey("rsa", 2048).line) ?? "", /key type ssh-rsa is not one of/);
    });

    it("refuses comments, newlines, bad base64 and bodies that do not hold the named key", () => {
        const { line } = realKey("ed25519");
        const [type, body] = line.split(" ");
        const p256 = realKey("ecdsa", 256).line;
        for (const bad of [
            `${line} root@cp-1`,
            `${line}\n`,
            `${line}\nssh-ed25519 ${body}`,
            ` ${line}`,
            `${type}  ${body}`,
            `${type} ${body.slice(0, -8)}`, // truncated: not the 32-byte key
            `${type} ${body.replace(/A/, "*")}`,
            `ecdsa-sha2-nistp256 ${body}`, // type and body disagree
            `ssh-ed25519 ${p256.split(" ")[1]}`,
            `ecdsa-sha2-nistp384 ${p256.split(" ")[1]}`, // a P-256 point under the P-384 name
            `ssh-dss ${body}`,
            "ssh-ed25519 $(reboot)",
            "",
        ]) {
            assert.notStrictEqual(hostKeyProblem(bad), undefined, `accepted ${JSON.stringify(bad)}`);
        }
    });
});

describe("SSH host key rules in the spec", () => {
    const IDC = 0;
    it("a malformed or RSA key is refused with its path", () => {
        const v = violationsAfter((f) => {
            f.clusters[IDC].etcd.hosts[0].sshHostKey = `${f.clusters[IDC].etcd.hosts[0].sshHostKey} root@etcd-1`;
            f.clusters[IDC].workers[0].sshHostKey = realKey("rsa", 2048).line;
        });
        assertViolation(
            v,
            'clusters[0].etcd.hosts[0].sshHostKey: must be "<key type> <base64>" as in the host\'s /etc/ssh/ssh_host_ed25519_key.pub, without the comment',
        );
        assert.ok(
            v.some((x) => x.startsWith("clusters[0].workers[0].sshHostKey: key type ssh-rsa is not one of")),
            v.join("\n"),
        );
    });
});
