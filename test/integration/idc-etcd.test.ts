// A real 3-member etcd cluster (Debian's etcd-server) started from the member configs the IDC site
// renders, with the members moved to 127.0.0.11-13 and certificates issued by openssl for the
// test. Checks mTLS health (with the rendered health-wait script), a write read back, writes with
// one member stopped, the rendered backup script (snapshot verified by `snapshot status`, keep N)
// and the rendered defragmentation script. Everything runs on loopback; processes and temp dirs
// are always cleaned up.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ChildProcess } from "child_process";
import { loadStackSpec } from "../harness";
import {
    clientUrl,
    dataDir,
    EtcdMember,
    EtcdPaths,
    renderBackupEnv,
    renderBackupScript,
    renderClusterHealthScript,
    renderDefragScript,
    renderEtcdConfig,
    renderEtcdctlEnv,
    renderHealthWaitScript,
} from "../../components/idc/render";
import { envFile, issue, makeCa, Processes, requireTool, run, sleep, tempDir } from "./idcTools";

const prod = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!;
if (prod.provider !== "idc") throw new Error("prod has no IDC cluster");

describe("IDC etcd: a real cluster from the rendered member configs", function () {
    this.timeout(180_000);
    const processes = new Processes();
    let root: string;
    // The prod members, moved to loopback addresses.
    const members: EtcdMember[] = prod.etcd.hosts.map((h, i) => ({ name: h.name, address: `127.0.0.${11 + i}` }));
    const paths = new Map<string, EtcdPaths>();
    const env = new Map<string, NodeJS.ProcessEnv>();
    const running = new Map<string, ChildProcess>();

    const etcdctl = (member: EtcdMember, args: string[], timeoutMs = 20_000) => run("etcdctl", args, { env: env.get(member.name), timeoutMs });

    before(async function () {
        for (const tool of ["etcd", "etcdctl", "openssl", "bash", "curl"]) requireTool(tool);
        root = tempDir("idc-etcd-");
        const ca = makeCa(root, "test-etcd-ca");
        const client = issue(root, ca, "etcdctl", {}, "clientAuth");
        for (const m of members) {
            const p: EtcdPaths = { configDir: path.join(root, m.name), pkiDir: path.join(root, m.name, "pki"), mount: path.join(root, m.name, "nvme") };
            fs.mkdirSync(p.pkiDir, { recursive: true });
            fs.mkdirSync(p.mount, { recursive: true });
            fs.mkdirSync(dataDir(p), { mode: 0o700 });
            // SANs as the program issues them: name, address, 127.0.0.1, localhost.
            const sans = { dns: [m.name, "localhost"], ip: [m.address, "127.0.0.1"] };
            const server = issue(root, ca, `${m.name}-server`, sans);
            const peer = issue(root, ca, `${m.name}-peer`, sans);
            for (const [from, to] of [
                [ca.cert, "ca.crt"],
                [server.cert, "server.crt"],
                [server.key, "server.key"],
                [peer.cert, "peer.crt"],
                [peer.key, "peer.key"],
                [client.cert, "etcdctl.crt"],
                [client.key, "etcdctl.key"],
            ]) fs.copyFileSync(from, path.join(p.pkiDir, to));
            fs.writeFileSync(path.join(p.configDir, "etcd.conf.yml"), renderEtcdConfig({ member: m, members, token: `${prod.name}-etcd-test`, tuning: prod.etcd.tuning, paths: p }));
            const ctlEnv = renderEtcdctlEnv(m, members, p);
            fs.writeFileSync(path.join(p.configDir, "etcdctl.env"), ctlEnv);
            paths.set(m.name, p);
            env.set(m.name, { PATH: process.env.PATH, HOME: root, ...envFile(ctlEnv) });
        }
        // Members come up together, as the hosts' units do.
        for (const m of members) {
            running.set(m.name, processes.start("etcd", ["--config-file", path.join(paths.get(m.name)!.configDir, "etcd.conf.yml")], path.join(root, `${m.name}.log`)));
        }
    });

    after(async function () {
        await processes.stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    const logs = () => members.map((m) => `--- ${m.name}\n${fs.readFileSync(path.join(root, `${m.name}.log`), "utf8").split("\n").slice(-15).join("\n")}`).join("\n");

    it("reports every member healthy over mutual TLS (the rendered health-wait script)", function () {
        const first = members[0];
        const r = run("bash", ["-s"], { input: renderClusterHealthScript(members.map((m) => clientUrl(m)), paths.get(first.name)!), env: env.get(first.name), timeoutMs: 90_000 });
        assert.strictEqual(r.status, 0, `health script failed:\n${r.stdout}\n${r.stderr}\n${logs()}`);
        for (const m of members) assert.match(r.stdout + r.stderr, new RegExp(`https://${m.address.replace(/\./g, "\\.")}:2379 is healthy`));
        const list = etcdctl(first, ["member", "list", "-w", "simple"]);
        assert.strictEqual(list.status, 0, list.stderr);
        for (const m of members) assert.match(list.stdout, new RegExp(`started, ${m.name}, https://${m.address.replace(/\./g, "\\.")}:2380`));
    });

    it("refuses a client without a certificate (client cert auth)", function () {
        const m = members[0];
        const { ETCDCTL_CERT: _c, ETCDCTL_KEY: _k, ...noCert } = env.get(m.name)!;
        const r = run("etcdctl", ["get", "x", "--command-timeout=5s"], { env: noCert, timeoutMs: 20_000 });
        assert.notStrictEqual(r.status, 0, "a client without a certificate was served");
    });

    it("applies the rendered tuning", function () {
        const r = etcdctl(members[0], ["endpoint", "status", "-w", "json"]);
        assert.strictEqual(r.status, 0, r.stderr);
        const metrics = run("curl", ["-sf", "--max-time", "5", `http://${members[0].address}:2381/metrics`]);
        assert.strictEqual(metrics.status, 0, `metrics listener: ${metrics.stderr}`);
        const quota = metrics.stdout.match(/^etcd_server_quota_backend_bytes (\S+)$/m);
        assert.ok(quota, "no etcd_server_quota_backend_bytes metric");
        assert.strictEqual(Number(quota[1]), prod.etcd.tuning.quotaBackendBytes);
    });

    it("reads back a write from another member", function () {
        const put = etcdctl(members[0], ["put", "/hybrid-fleet/test", "written-through-member-1"]);
        assert.strictEqual(put.status, 0, put.stderr);
        const get = etcdctl(members[2], ["get", "/hybrid-fleet/test", "--print-value-only", "--consistency=l"]);
        assert.strictEqual(get.status, 0, get.stderr);
        assert.strictEqual(get.stdout.trim(), "written-through-member-1");
    });

    it("the rendered backup script: only the leader snapshots, the snapshot passes `snapshot status`, N copies kept", async function () {
        const store = path.join(root, "store");
        const keep = 2;
        // The only stub: BACKUP_TARGET=dir:<path> (a target the script supports) instead of s3.
        const script = path.join(root, "etcd-backup.sh");
        fs.writeFileSync(script, renderBackupScript(), { mode: 0o755 });
        const backupEnv = (m: EtcdMember) => ({
            ...env.get(m.name),
            ...envFile(renderBackupEnv({ dir: path.join(paths.get(m.name)!.mount, "snapshots"), keep, localKeep: 1, endpoint: "https://unused.invalid", bucket: "unused", prefix: "unused", region: "unused" })),
            BACKUP_TARGET: `dir:${store}`,
        });
        for (let round = 0; round < 3; round++) {
            const saved: string[] = [];
            for (const m of members) {
                const r = run(script, [], { env: backupEnv(m), timeoutMs: 60_000 });
                assert.strictEqual(r.status, 0, `backup on ${m.name} failed:\n${r.stdout}\n${r.stderr}`);
                if (/saved etcd-snapshot-/.test(r.stdout)) saved.push(m.name);
                else assert.match(r.stdout, /is not the leader/);
            }
            assert.strictEqual(saved.length, 1, `exactly one member (the leader) saves a snapshot per run, got ${saved.join(", ")}`);
            await sleep(1100); // snapshot names carry the second
        }
        const copies = fs.readdirSync(store).filter((f) => /^etcd-snapshot-.*\.db$/.test(f)).sort();
        assert.strictEqual(copies.length, keep, `store holds ${copies.join(", ")}`);
        const status = run("etcdctl", ["snapshot", "status", "-w", "json", path.join(store, copies[copies.length - 1])], { env: env.get(members[0].name) });
        assert.strictEqual(status.status, 0, status.stderr);
        const parsed = JSON.parse(status.stdout);
        assert.ok(parsed.totalKey >= 1 && parsed.revision >= 2, `snapshot status: ${status.stdout}`);
    });

    it("the rendered defragmentation script visits every member once, from the leader", function () {
        const script = path.join(root, "etcd-defrag.sh");
        fs.writeFileSync(script, renderDefragScript(), { mode: 0o755 });
        // The pause between members (10 s on the hosts) shortened for the test only.
        const outputs = members.map((m) => run(script, [], { env: { ...env.get(m.name), DEFRAG_PAUSE_SECONDS: "1" }, timeoutMs: 120_000 }));
        outputs.forEach((r, i) => assert.strictEqual(r.status, 0, `defrag on ${members[i].name}:\n${r.stdout}\n${r.stderr}`));
        const acting = outputs.filter((r) => /defragmenting/.test(r.stdout));
        assert.strictEqual(acting.length, 1, "only the leader defragments");
        const visited = [...acting[0].stdout.matchAll(/^defragmenting (\S+)$/gm)].map((x) => x[1]);
        assert.deepStrictEqual([...visited].sort(), members.map((m) => clientUrl(m)).sort());
    });

    it("still accepts writes with one member stopped", async function () {
        const stopped = members[2];
        await processes.stop(running.get(stopped.name)!);
        const put = etcdctl(members[0], ["put", "/hybrid-fleet/after-failure", "quorum-of-two", "--command-timeout=10s"]);
        assert.strictEqual(put.status, 0, put.stderr);
        const get = etcdctl(members[1], ["get", "/hybrid-fleet/after-failure", "--print-value-only"]);
        assert.strictEqual(get.stdout.trim(), "quorum-of-two");
        const health = run("bash", ["-s"], { input: renderHealthWaitScript([clientUrl(stopped)], 6), env: env.get(members[0].name), timeoutMs: 30_000 });
        assert.notStrictEqual(health.status, 0, "the health wait must fail for a stopped member");
    });
});
