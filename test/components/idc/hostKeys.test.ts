// Pinned SSH host keys: the spec's rules (required in prod, opt-out only outside prod), and on the
// mock engine that every SSH connection the program declares to an IDC host pins that host's own
// key. The key format against keys ssh-keygen makes and fingerprints is checked in
// test/integration/idc-host-keys.test.ts.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../../../components/idc/host";
import { hostKeyProblem } from "../../../components/idc/hostKey";
import { parseFleet } from "../../../stacks/spec";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { assertViolation, loadStackSpec, rawStackFleet, RegisteredResource, runFleet, SecretValue, violationsAfter } from "../../harness";

describe("SSH host key rules in the spec", () => {
    const IDC = 0;
    it("the checked-in stacks pin a key for every IDC host", () => {
        for (const stack of ["prod", "dev"] as const) {
            const c = loadStackSpec(stack).clusters.find((x): x is IdcClusterSpec => x.provider === "idc")!;
            for (const h of [...c.controlPlane.hosts, ...c.etcd.hosts, ...c.workers, ...(c.gateway?.hosts ?? [])]) {
                assert.strictEqual(hostKeyProblem(h.sshHostKey ?? ""), undefined, `${stack} ${h.name}`);
            }
        }
    });

    it("prod: a host without its key is refused, for every kind of host", () => {
        const v = violationsAfter((f) => {
            delete f.clusters[IDC].controlPlane.hosts[1].sshHostKey;
            delete f.clusters[IDC].etcd.hosts[2].sshHostKey;
            delete f.clusters[IDC].workers[3].sshHostKey;
            delete f.clusters[IDC].gateway.hosts[0].sshHostKey;
        });
        const rule = (name: string) =>
            `is required: ${name}'s SSH host public key (ssh-keyscan -t ed25519, checked against the host's console) is pinned on every connection`;
        assertViolation(v, `clusters[0].controlPlane.hosts[1].sshHostKey: ${rule("cp-2")}`);
        assertViolation(v, `clusters[0].etcd.hosts[2].sshHostKey: ${rule("etcd-3")}`);
        assertViolation(v, `clusters[0].workers[3].sshHostKey: ${rule("worker-4")}`);
        assertViolation(v, `clusters[0].gateway.hosts[0].sshHostKey: ${rule("gw-1")}`);
    });

    it("prod refuses ssh.allowUnpinnedHostKeys", () => {
        const v = violationsAfter((f) => (f.clusters[IDC].ssh = { ...(f.clusters[IDC].ssh ?? {}), allowUnpinnedHostKeys: true }));
        assertViolation(v, "clusters[0].ssh.allowUnpinnedHostKeys: must be false in prod: every host's SSH host key is pinned");
    });

    it("dev: a missing key is refused unless ssh.allowUnpinnedHostKeys is set", () => {
        const v = violationsAfter((f) => delete f.clusters[IDC].workers[0].sshHostKey, "dev");
        assertViolation(
            v,
            "clusters[0].workers[0].sshHostKey: is required: dev-worker-1's SSH host public key (ssh-keyscan -t ed25519, checked against the host's console) is pinned on every connection (or set ssh.allowUnpinnedHostKeys outside prod)",
        );
        const fleet = rawStackFleet("dev");
        delete fleet.clusters[IDC].workers[0].sshHostKey;
        fleet.clusters[IDC].ssh = { ...(fleet.clusters[IDC].ssh ?? {}), allowUnpinnedHostKeys: true };
        const result = parseFleet(fleet);
        assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
    });
});

const connectionOf = (r: RegisteredResource) => {
    const c = r.inputs.connection;
    return (c instanceof SecretValue ? c.value : c) as { host: string; hostKey?: unknown };
};

for (const stack of ["prod", "dev"] as const) {
    for (const preview of [false, true]) {
        describe(`every SSH connection pins its host's own key (${stack} fleet${preview ? ", preview" : ""})`, () => {
            it("each Command and CopyToRemote to an IDC host carries that host's sshHostKey", async () => {
                const spec = loadStackSpec(stack);
                const c = spec.clusters.find((x): x is IdcClusterSpec => x.provider === "idc")!;
                const byAddress = new Map([...c.controlPlane.hosts, ...c.etcd.hosts, ...c.workers, ...(c.gateway?.hosts ?? [])].map((h) => [h.address, h]));
                const { inventory } = await runFleet(spec, stack, { preview });
                const remote = inventory.resources.filter((r) => r.type === "command:remote:Command" || r.type === "command:remote:CopyToRemote");
                assert.ok(remote.length > 20, `only ${remote.length} remote resources`);
                const seen = new Set<string>();
                for (const r of remote) {
                    const conn = connectionOf(r);
                    const host = byAddress.get(conn.host);
                    assert.ok(host, `${r.name}: connection to ${conn.host}, not an IDC host of the spec`);
                    assert.strictEqual(conn.hostKey, host.sshHostKey, `${r.name} (${host.name}) does not pin its host's key`);
                    seen.add(host.name);
                }
                // Every host is reached (so every host's key is actually exercised).
                assert.deepStrictEqual([...seen].sort(), [...byAddress.values()].map((h) => h.name).sort());
                // Keys of two hosts differ, so a connection pinning its neighbour's key would fail above.
                assert.strictEqual(new Set([...byAddress.values()].map((h) => h.sshHostKey)).size, byAddress.size);
            });
        });
    }
}

describe("SSH host key format: bodies one field off what their type names", () => {
    /** An SSH key blob: each part as an RFC 4251 string (uint32 length, bytes). */
    const blob = (...parts: (string | Buffer)[]) =>
        Buffer.concat(
            parts.map((p) => {
                const bytes = typeof p === "string" ? Buffer.from(p) : p;
                const length = Buffer.alloc(4);
                length.writeUInt32BE(bytes.length);
                return Buffer.concat([length, bytes]);
            }),
        );
    const line = (type: string, b: Buffer) => `${type} ${b.toString("base64")}`;
    const ed25519 = (bytes: number) => line("ssh-ed25519", blob("ssh-ed25519", Buffer.alloc(bytes, 7)));
    /** An uncompressed point starts with 4 (SEC 1 2.3.3); 2 or 3 is a compressed one. */
    const point = (bytes: number, first = 4) => Buffer.concat([Buffer.from([first]), Buffer.alloc(bytes - 1, 9)]);
    const ecdsa = (type: string, curve: string, p: Buffer) => line(type, blob(type, curve, p));
    const P256 = "ecdsa-sha2-nistp256";

    it("takes a well-formed ed25519 and P-256 body", () => {
        assert.strictEqual(hostKeyProblem(ed25519(32)), undefined);
        assert.strictEqual(hostKeyProblem(ecdsa(P256, "nistp256", point(65))), undefined);
    });

    it("refuses a key of the wrong length, a compressed or wrong-sized point, another curve inside, a non-canonical body", () => {
        const good = ecdsa(P256, "nistp256", point(65));
        // 104 bytes: the last base64 digit before "=" carries 2 unused bits; setting one decodes to the same bytes.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const last = good.length - 2;
        const nonCanonical = good.slice(0, last) + alphabet[alphabet.indexOf(good[last]) ^ 1] + good.slice(last + 1);
        assert.deepStrictEqual(Buffer.from(nonCanonical.split(" ")[1], "base64"), Buffer.from(good.split(" ")[1], "base64"));
        for (const [what, bad] of [
            ["a 31-byte ed25519 key", ed25519(31)],
            ["a 33-byte ed25519 key", ed25519(33)],
            ["a compressed P-256 point", ecdsa(P256, "nistp256", point(33, 2))],
            ["an uncompressed-sized point marked compressed", ecdsa(P256, "nistp256", point(65, 2))],
            ["a P-384-sized point", ecdsa(P256, "nistp256", point(97))],
            ["the P-384 curve inside a P-256 key", ecdsa(P256, "nistp384", point(65))],
            ["a body whose unused bits are set", nonCanonical],
        ]) {
            assert.notStrictEqual(hostKeyProblem(bad), undefined, `accepted ${what}`);
        }
    });

    it("a host named after an Object property (constructor) without a key connects unpinned, not with the property", () => {
        const login = { user: "admin", port: 22, privateKey: pulumi.secret("key"), hostKeys: {} };
        const host = new Host({} as pulumi.Resource, "idc", { name: "constructor", address: "10.0.0.1" }, login);
        assert.strictEqual((host.connection as { hostKey?: unknown }).hostKey, undefined);
        assert.deepStrictEqual(host.rebuilt, []);
    });
});
