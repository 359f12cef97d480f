// A real 3-member etcd cluster (etcd 3.5, the hosts' minor: .ci/run fetches Debian unstable's
// build) started from the member configs the IDC site renders, with the members moved to 127.0.0.11-13 and certificates issued by openssl for the
// test. Checks mTLS health (with the rendered health-wait script), a write read back, writes with
// one member stopped, the rendered backup script against a local S3 (moto server,
// Debian's AWS CLI: upload, keep N, a failed upload leaves no snapshot behind)
// and the rendered defragmentation script. Everything runs on loopback; processes and temp dirs
// are always cleaned up.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ChildProcess } from "child_process";
import * as net from "net";
import { loadIdcSpec, loadStackSpec } from "../harness";
import {
    clientUrl,
    dataDir,
    EtcdMember,
    EtcdPaths,
    renderBackupCredentialsEnv,
    renderBackupEnv,
    renderBackupScript,
    renderEtcdRestoreScript,
    renderClusterHealthScript,
    renderDefragScript,
    renderEtcdConfig,
    renderEtcdctlEnv,
    renderHealthWaitScript,
    renderMemberStartScript,
    renderInitScript,
    KUBEADM_PATHS,
} from "../../components/idc/render";
import { envFile, etcdMemberPki, issue, makeCa, Processes, requireTool, run, sleep, tempDir } from "./idcTools";

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

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
    /** The test CA and the client certificate etcdctl (and here the API server's stand-in) uses. */
    let tls: { ca: string; cert: string; key: string };

    const etcdctl = (member: EtcdMember, args: string[], timeoutMs = 20_000) => run("etcdctl", args, { env: env.get(member.name), timeoutMs });

    before(async function () {
        for (const tool of ["etcd", "etcdctl", "openssl", "bash", "curl"]) requireTool(tool);
        root = tempDir("idc-etcd-");
        const ca = makeCa(root, "test-etcd-ca");
        const client = issue(root, ca, "etcdctl", {}, "clientAuth");
        tls = { ca: ca.cert, cert: client.cert, key: client.key };
        for (const m of members) {
            const p: EtcdPaths = { configDir: path.join(root, m.name), pkiDir: path.join(root, m.name, "pki"), mount: path.join(root, m.name, "nvme") };
            fs.mkdirSync(p.pkiDir, { recursive: true });
            fs.mkdirSync(p.mount, { recursive: true });
            fs.mkdirSync(dataDir(p), { mode: 0o700 });
            etcdMemberPki(root, ca, m, p.pkiDir, [
                [client.cert, "etcdctl.crt"],
                [client.key, "etcdctl.key"],
            ]);
            fs.writeFileSync(
                path.join(p.configDir, "etcd.conf.yml"),
                renderEtcdConfig({ member: m, members, token: `${prod.name}-etcd-test`, tuning: prod.etcd.tuning, paths: p, metricsListener: "member" }),
            );
            const ctlEnv = renderEtcdctlEnv(m, members, p);
            fs.writeFileSync(path.join(p.configDir, "etcdctl.env"), ctlEnv);
            paths.set(m.name, p);
            env.set(m.name, { PATH: process.env.PATH, HOME: root, ...envFile(ctlEnv) });
        }
        // Members come up together, as the hosts' units do.
        for (const m of members) {
            running.set(
                m.name,
                processes.start("etcd", ["--config-file", path.join(paths.get(m.name)!.configDir, "etcd.conf.yml")], path.join(root, `${m.name}.log`)),
            );
        }
    });

    after(async function () {
        await processes.stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    const logs = () =>
        members
            .map(
                (m) =>
                    `--- ${m.name}\n${fs
                        .readFileSync(path.join(root, `${m.name}.log`), "utf8")
                        .split("\n")
                        .slice(-15)
                        .join("\n")}`,
            )
            .join("\n");

    /** The rendered health-wait script over every member, from the first. */
    const clusterHealth = () =>
        run("bash", ["-s"], {
            input: renderClusterHealthScript(
                members.map((m) => clientUrl(m)),
                paths.get(members[0].name)!,
            ),
            env: env.get(members[0].name),
            timeoutMs: 90_000,
        });

    it("reports every member healthy over mutual TLS (the rendered health-wait script)", function () {
        const first = members[0];
        const r = clusterHealth();
        assert.strictEqual(r.status, 0, `health script failed:\n${r.stdout}\n${r.stderr}\n${logs()}`);
        for (const m of members) assert.match(r.stdout + r.stderr, new RegExp(`https://${m.address.replace(/\./g, "\\.")}:2379 is healthy`));
        const list = etcdctl(first, ["member", "list", "-w", "simple"]);
        assert.strictEqual(list.status, 0, list.stderr);
        for (const m of members) assert.match(list.stdout, new RegExp(`started, ${m.name}, https://${m.address.replace(/\./g, "\\.")}:2380`));
    });

    it("refuses a client without a certificate (client cert auth)", function () {
        const m = members[0];
        const { ETCDCTL_CERT: _c, ETCDCTL_KEY: _k, ...noCert } = env.get(m.name)!;
        const log = path.join(root, `${m.name}.log`);
        const before = fs.statSync(log).size;
        const r = run("etcdctl", ["get", "x", "--command-timeout=5s"], { env: noCert, timeoutMs: 20_000 });
        assert.notStrictEqual(r.status, 0, "a client without a certificate was served");
        // Refused for that reason: the member says so about this request, and the same client with its certificate is served.
        assert.match(fs.readFileSync(log).subarray(before).toString("utf8"), /client didn't provide a certificate/);
        const withCert = run("etcdctl", ["get", "x", "--command-timeout=5s"], { env: env.get(m.name)!, timeoutMs: 20_000 });
        assert.strictEqual(withCert.status, 0, withCert.stderr);
    });

    it("applies the rendered backend quota (the tuning value that differs from etcd's default)", function () {
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

    describe("the rendered backup script against a local S3 (moto server) with Debian's AWS CLI", function () {
        const keep = 2;
        const bucket = "etcd-backups";
        const prefix = `etcd-backups/${prod.name}`;
        let endpoint: string;
        let key: { id: string; secret: string };
        let script: string;
        // Debian's AWS CLI (/usr/bin/aws, the one the hosts install), not another aws earlier in PATH.
        const awsEnv = (k: { id: string; secret: string }) => ({
            PATH: `/usr/bin:/bin:${process.env.PATH}`,
            HOME: root,
            AWS_ACCESS_KEY_ID: k.id,
            AWS_SECRET_ACCESS_KEY: k.secret,
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
        });
        const aws = (args: string[], k = key) =>
            run("/usr/bin/aws", ["--endpoint-url", endpoint, "--output", "json", ...args], { env: awsEnv(k), timeoutMs: 60_000 });
        const storedKeys = (): string[] => {
            const r = aws(["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", `${prefix}/`]);
            assert.strictEqual(r.status, 0, r.stderr);
            return ((r.stdout.trim() ? JSON.parse(r.stdout).Contents : undefined) ?? []).map((o: { Key: string }) => o.Key).sort();
        };
        const backupEnv = (m: EtcdMember, k = key): NodeJS.ProcessEnv => ({
            ...env.get(m.name),
            ...envFile(
                renderBackupEnv({ dir: path.join(paths.get(m.name)!.mount, "snapshots"), keep, localKeep: 1, endpoint, bucket, prefix, region: "us-east-1" }),
            ),
            ...awsEnv(k),
        });
        const localSnapshots = (m: EtcdMember) => {
            const dir = path.join(paths.get(m.name)!.mount, "snapshots");
            return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
        };

        before(async function () {
            requireTool("python3");
            if (!fs.existsSync("/usr/bin/aws")) throw new Error("Debian's awscli is not installed (apt-get install -y awscli)");
            const probe = run("python3", ["-c", "import moto.server"]);
            if (probe.status !== 0) throw new Error(`moto is not importable by python3: ${probe.stderr}`);
            const port = await freePort();
            endpoint = `http://127.0.0.1:${port}`;
            // moto without IAM auth: with INITIAL_NO_AUTH_ACTION_COUNT its own SigV4 check rejects any
            // listing whose prefix holds "/" (it re-signs the decoded query), which the real S3 and RGW accept.
            processes.start("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], path.join(root, "moto.log"));
            for (let i = 0; i < 60 && run("curl", ["-s", "-o", "/dev/null", `${endpoint}/moto-api/`]).status !== 0; i++) await sleep(250);
            key = { id: "AKIAETCDBACKUPTEST00", secret: "test-secret-from-the-env-file" };
            const mb = aws(["s3api", "create-bucket", "--bucket", bucket]);
            assert.strictEqual(mb.status, 0, mb.stderr);
            script = path.join(root, "etcd-backup.sh");
            fs.writeFileSync(script, renderBackupScript(), { mode: 0o755 });
        });

        it("only the leader uploads; the object lands in the bucket, verified by `snapshot status`; keep N there, 1 here", async function () {
            const uploaded: string[] = [];
            for (let round = 0; round < 3; round++) {
                const saved: string[] = [];
                for (const m of members) {
                    const r = run(script, [], { env: backupEnv(m), timeoutMs: 90_000 });
                    assert.strictEqual(
                        r.status,
                        0,
                        `backup on ${m.name} failed:\n${r.stdout}\n${r.stderr}\n${fs.readFileSync(path.join(root, "moto.log"), "utf8").slice(-2000)}`,
                    );
                    const name = /saved (etcd-snapshot-\S+\.db)/.exec(r.stdout)?.[1];
                    if (name) {
                        saved.push(m.name);
                        uploaded.push(name);
                    } else assert.match(r.stdout, /is not the leader/);
                }
                assert.strictEqual(saved.length, 1, `exactly one member (the leader) saves a snapshot per run, got ${saved.join(", ")}`);
                await sleep(1100); // snapshot names carry the second
            }
            assert.deepStrictEqual(
                storedKeys(),
                uploaded.slice(-keep).map((n) => `${prefix}/${n}`),
            );
            for (const m of members) assert.ok(localSnapshots(m).length <= 1, `${m.name} keeps ${localSnapshots(m).join(", ")}`);
            const copy = path.join(root, "downloaded.db");
            const get = aws(["s3", "cp", `s3://${bucket}/${prefix}/${uploaded[uploaded.length - 1]}`, copy]);
            assert.strictEqual(get.status, 0, get.stderr);
            const status = run("etcdctl", ["snapshot", "status", "-w", "json", copy], { env: env.get(members[0].name) });
            assert.strictEqual(status.status, 0, status.stderr);
            const parsed = JSON.parse(status.stdout);
            assert.ok(parsed.totalKey >= 1 && parsed.totalSize > 0, `snapshot status: ${status.stdout}`);
        });

        it("a failed upload (no such bucket) fails the run and leaves no extra snapshot or part file on the disk", function () {
            const before = storedKeys();
            const results = members.map((m) => run(script, [], { env: { ...backupEnv(m), BACKUP_S3_BUCKET: "no-such-bucket" }, timeoutMs: 90_000 }));
            const failed = results.filter((r) => r.status !== 0);
            assert.strictEqual(failed.length, 1, "the leader's run must fail");
            assert.match(failed[0].stderr, /NoSuchBucket/);
            for (const m of members) {
                const files = localSnapshots(m);
                assert.ok(files.length <= 1 && files.every((f) => !f.endsWith(".part")), `${m.name} keeps ${files.join(", ")}`);
            }
            assert.deepStrictEqual(storedKeys(), before);
        });

        it("the rendered restore script brings the whole cluster back from a stored snapshot: a new cluster on every member, the later write gone", async function () {
            // What the hosts hold beside the scripts: backup.env and its credentials, read by --from-store.
            const token = `${prod.name}-etcd-test`;
            const bin = path.join(root, "restore-bin");
            fs.mkdirSync(bin, { recursive: true });
            // systemctl stood in: the member's unit is not active (the members are stopped below, or refused before).
            fs.writeFileSync(path.join(bin, "systemctl"), '#!/bin/bash\n[ "$1" = is-active ] && exit 3\nexit 0\n', { mode: 0o755 });
            const restoreScript = (m: EtcdMember) => {
                const p = paths.get(m.name)!;
                const file = path.join(p.configDir, "etcd-restore.sh");
                fs.writeFileSync(file, renderEtcdRestoreScript({ member: m, members, token, paths: p }), { mode: 0o750 });
                fs.writeFileSync(
                    path.join(p.configDir, "backup.env"),
                    renderBackupEnv({ dir: path.join(p.mount, "snapshots"), keep, localKeep: 1, endpoint, bucket, prefix, region: "us-east-1" }),
                );
                fs.writeFileSync(path.join(p.configDir, "backup-credentials.env"), renderBackupCredentialsEnv(key.id, key.secret), { mode: 0o600 });
                return file;
            };
            const restore = (m: EtcdMember, args: string[]) =>
                run("bash", [restoreScript(m), ...args], { env: { PATH: `${bin}:/usr/bin:/bin:${process.env.PATH}`, HOME: root }, timeoutMs: 120_000 });
            const clusterId = (m: EtcdMember) => {
                const r = etcdctl(m, ["endpoint", "status", "-w", "json"]);
                assert.strictEqual(r.status, 0, r.stderr);
                // As printed: a uint64, past what a JSON number holds exactly.
                return /"cluster_id":(\d+)/.exec(r.stdout)![1];
            };
            const first = members[0];
            assert.strictEqual(etcdctl(first, ["put", "/hybrid-fleet/restore", "in-the-snapshot"]).status, 0);
            let name: string | undefined;
            for (const m of members) {
                const r = run(script, [], { env: backupEnv(m), timeoutMs: 90_000 });
                assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
                name ??= /saved (etcd-snapshot-\S+\.db)/.exec(r.stdout)?.[1];
            }
            assert.ok(name, "the leader saved no snapshot");
            assert.strictEqual(etcdctl(first, ["put", "/hybrid-fleet/restore", "after-the-snapshot"]).status, 0);
            const before = clusterId(first);

            // What the store holds, oldest first: the operator picks from this list.
            const listed = restore(first, ["--list"]);
            assert.strictEqual(listed.status, 0, listed.stderr);
            assert.deepStrictEqual(
                listed.stdout.trim().split("\n"),
                storedKeys().map((k) => k.slice(prefix.length + 1)),
            );
            assert.strictEqual(listed.stdout.trim().split("\n").pop(), name);

            const serving = restore(first, ["--from-store", name]);
            assert.strictEqual(serving.status, 1, `${serving.stdout}\n${serving.stderr}`);
            assert.match(serving.stderr, /is healthy[\s\S]*a member still serves: stop etcd-member\.service on every member first/);
            for (const bad of [["--from-store", "../../etc/passwd"], [], ["a", "b"], ["--list", "x"]])
                assert.strictEqual(restore(first, bad).status, 2, bad.join(" "));

            for (const m of members) await processes.stop(running.get(m.name)!);
            // A snapshot that is not one fails its check before any data moves.
            const corrupt = path.join(root, "corrupt.db");
            fs.writeFileSync(corrupt, "not a snapshot");
            const refused = restore(first, [corrupt]);
            // Refused by the snapshot check (etcdutl's `snapshot status`), not by an earlier guard.
            assert.strictEqual(refused.status, 1, `${refused.stdout}\n${refused.stderr}`);
            assert.match(refused.stderr, /invalid database/);
            assert.doesNotMatch(refused.stderr, /no snapshot at|still serves|usage:/);
            assert.ok(fs.existsSync(path.join(dataDir(paths.get(first.name)!), "member")), "the corrupt snapshot moved the data");
            assert.ok(!fs.readdirSync(paths.get(first.name)!.mount).some((f) => f.startsWith("data.")), "the corrupt snapshot left a data.* directory");

            for (const m of members) {
                const r = restore(m, ["--from-store", name]);
                assert.strictEqual(r.status, 0, `restore on ${m.name}:\n${r.stdout}\n${r.stderr}`);
                assert.match(
                    r.stdout,
                    new RegExp(`^restored ${m.name} from .*${name.replace(/\./g, "\\.")} \\(cluster token ${token}-restored-[0-9a-f]{16}\\)`, "m"),
                );
                assert.strictEqual(
                    fs.readdirSync(paths.get(m.name)!.mount).filter((f) => f.startsWith("data.before-restore-")).length,
                    1,
                    `${m.name}: old data not set aside`,
                );
            }
            for (const m of members) {
                running.set(
                    m.name,
                    processes.start("etcd", ["--config-file", path.join(paths.get(m.name)!.configDir, "etcd.conf.yml")], path.join(root, `${m.name}.log`)),
                );
            }
            const health = clusterHealth();
            assert.strictEqual(health.status, 0, `${health.stdout}\n${health.stderr}\n${logs()}`);
            for (const m of members)
                assert.strictEqual(etcdctl(m, ["get", "/hybrid-fleet/restore", "--print-value-only"]).stdout.trim(), "in-the-snapshot", m.name);
            const after = members.map(clusterId);
            assert.ok(after.every((id) => id === after[0]) && after[0] !== before, `cluster ids: before ${before}, after ${after.join(", ")}`);
            assert.strictEqual(etcdctl(first, ["member", "list"]).stdout.trim().split("\n").length, members.length);
        });
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

    it("kubeadm init refuses to run over an etcd that holds a cluster (real curl to etcd's JSON gateway with a client certificate)", function () {
        // The init script's check for these members, its certificate paths moved to the test's.
        const spec = { ...loadIdcSpec("prod"), etcd: { ...loadIdcSpec("prod").etcd, hosts: members.map((m) => ({ ...prod.etcd.hosts[0], ...m })) } };
        const guard = (hosts: EtcdMember[]) => {
            const init = renderInitScript({ ...spec, etcd: { ...spec.etcd, hosts: hosts.map((m) => ({ ...prod.etcd.hosts[0], ...m })) } });
            const block = init.slice(init.indexOf('registry_keys=""'), init.indexOf("kubeadm init --config"));
            return run(
                "bash",
                [
                    "-c",
                    `set -euo pipefail\n${block}\necho "registry keys: $registry_keys"`
                        .split(KUBEADM_PATHS.etcdCa)
                        .join(tls.ca)
                        .split(KUBEADM_PATHS.etcdClientCert)
                        .join(tls.cert)
                        .split(KUBEADM_PATHS.etcdClientKey)
                        .join(tls.key),
                ],
                {
                    timeoutMs: 60_000,
                },
            );
        };
        const empty = guard(members);
        assert.strictEqual(empty.status, 0, empty.stderr);
        assert.match(empty.stdout, /^registry keys: 0$/m);
        for (const key of ["/registry/namespaces/default", "/registry/namespaces/kube-system"]) {
            const put = etcdctl(members[0], ["put", key, "x"]);
            assert.strictEqual(put.status, 0, put.stderr);
        }
        try {
            const held = guard(members);
            assert.strictEqual(held.status, 1);
            assert.match(held.stderr, /refusing kubeadm init: etcd already holds a Kubernetes cluster \(2 keys under \/registry\/\)/);
            // The first member not answering: the next one is asked.
            const past = guard([{ name: "gone", address: "127.0.0.99" }, ...members]);
            assert.strictEqual(past.status, 1);
            assert.match(past.stderr, /\(2 keys under \/registry\/\)/);
            // None answering: refused too.
            const none = guard([{ name: "gone", address: "127.0.0.99" }]);
            assert.strictEqual(none.status, 1);
            assert.match(none.stderr, /not running kubeadm init: no etcd member answered \(https:\/\/127\.0\.0\.99:2379\)/);
        } finally {
            etcdctl(members[0], ["del", "/registry/", "--prefix"]);
        }
    });

    /** The rendered start script for `member` with the real etcdctl against this cluster; systemctl stood in (it logs). */
    const startScript = (member: EtcdMember) => {
        const bin = path.join(root, "start-bin");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/bash\necho "$*" >> ${JSON.stringify(path.join(root, "systemctl.log"))}\n`, { mode: 0o755 });
        fs.rmSync(path.join(root, "systemctl.log"), { force: true });
        const r = run("bash", ["-c", renderMemberStartScript(member, paths.get(member.name)!)], {
            env: { ...env.get(member.name), PATH: `${bin}:${process.env.PATH}` },
            timeoutMs: 150_000,
        });
        const systemctl = fs.existsSync(path.join(root, "systemctl.log")) ? fs.readFileSync(path.join(root, "systemctl.log"), "utf8") : "";
        return { ...r, systemctl };
    };

    it("the rendered start script restarts a member of a healthy cluster and waits until it answers", function () {
        const r = startScript(members[0]);
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.systemctl, /^restart etcd-member\.service$/m);
    });

    describe("with one member stopped (last: the cluster stays degraded)", function () {
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

        it("the rendered start script refuses to restart another member while one is down (its quorum would go)", function () {
            const r = startScript(members[0]);
            assert.strictEqual(r.status, 1, `${r.stdout}\n${r.stderr}`);
            assert.match(r.stderr, /not restarting etcd-1: the other members are not all healthy/);
            assert.doesNotMatch(r.systemctl, /restart|start/);
        });
    });
});
