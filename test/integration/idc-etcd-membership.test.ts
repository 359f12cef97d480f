// etcd membership changes with real etcd 3.5 and etcdctl, through the rendered scripts: the
// members' start scripts (systemctl stood in by a stand-in that starts the real etcd from the
// member's rendered config) and the membership step. A new cluster of three bootstraps in the start
// chain's order; it grows to five, each new member joining the running cluster as a learner and
// promoted; a failed member leaves the spec and a new one takes its place (the membership step
// removes the failed one first); a running member the spec lost is refused, not removed; two members
// retire through the rendered retire script (5 -> 3), the leader among them. Members on
// 127.0.0.21-26, certificates by openssl; everything on loopback, every process stopped after.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    clientUrl,
    EtcdMember,
    EtcdPaths,
    renderClusterHealthScript,
    renderEtcdConfig,
    renderEtcdctlEnv,
    renderEtcdMembershipScript,
    renderEtcdRetireScript,
    ETCD_UNITS,
    renderMemberStartScript,
} from "../../components/idc/render";
import { loadStackSpec } from "../harness";
import { envFile, etcdMemberPki, issue, makeCa, requireTool, run, RunResult, sleep, tempDir } from "./idcTools";

const prod = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!;
if (prod.provider !== "idc") throw new Error("prod has no IDC cluster");

describe("IDC etcd membership: real etcd through the rendered start and membership scripts", function () {
    this.timeout(180_000);
    const all: EtcdMember[] = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `etcd-${n}`, address: `127.0.0.${20 + n}` }));
    const [m1, m2, m3, m4, m5, m6] = all;
    let root: string;
    let bin: string;
    let client: { cert: string; key: string };
    const paths = new Map<string, EtcdPaths>();
    const pids = () => path.join(root, "pids");

    before(function () {
        for (const tool of ["etcd", "etcdctl", "openssl", "bash", "paste"]) requireTool(tool);
        root = tempDir("idc-etcd-membership-");
        const ca = makeCa(root, "test-etcd-ca");
        client = issue(root, ca, "etcdctl", {}, "clientAuth");
        for (const m of all) {
            // As on a host: the configuration (and keys) apart from the data disk.
            const p: EtcdPaths = {
                configDir: path.join(root, m.name, "etc"),
                pkiDir: path.join(root, m.name, "etc", "pki"),
                mount: path.join(root, m.name, "nvme"),
            };
            fs.mkdirSync(p.pkiDir, { recursive: true });
            fs.mkdirSync(p.mount, { recursive: true });
            etcdMemberPki(root, ca, m, p.pkiDir, [
                [client.cert, "etcdctl.crt"],
                [client.key, "etcdctl.key"],
            ]);
            paths.set(m.name, p);
        }
        bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        // systemctl: `start` runs the member's real etcd in the background, `disable --now` of the
        // member's unit stops it; anything else (link, daemon-reload, enable, cat) is logged;
        // `restart` fails the test (no member restarts here).
        fs.writeFileSync(
            path.join(bin, "systemctl"),
            `#!/bin/bash
echo "$*" >> "$STANDIN_LOG"
case "$1" in
  start) nohup etcd --config-file "$ETCD_CONFIG" >> "$ETCD_LOG" 2>&1 < /dev/null & echo "$ETCD_MEMBER $!" >> ${pids()} ;;
  restart) exit 1 ;;
  disable)
    if [ "$2 $3" = "--now ${ETCD_UNITS.member}" ]; then
      for pid in $(awk -v m="$ETCD_MEMBER" '$1 == m { print $2 }' ${pids()}); do kill "$pid" 2>/dev/null || true; done
    fi ;;
esac
exit 0
`,
            { mode: 0o755 },
        );
        // No etcd group on this machine: chgrp stood in.
        fs.writeFileSync(path.join(bin, "chgrp"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    });

    after(function () {
        if (root && fs.existsSync(pids())) {
            for (const [, pid] of started()) {
                try {
                    process.kill(Number(pid), "SIGKILL");
                } catch {
                    // already gone
                }
            }
        }
        if (root && !process.env.KEEP) fs.rmSync(root, { recursive: true, force: true });
    });

    /** [member, pid] of every etcd the systemctl stand-in started. */
    const started = () =>
        fs
            .readFileSync(pids(), "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split(" ") as [string, string]);

    /** What the program places on a member's host for a spec listing `spec`: its config and etcdctl.env. */
    const place = (m: EtcdMember, spec: EtcdMember[]) => {
        const p = paths.get(m.name)!;
        fs.writeFileSync(
            path.join(p.configDir, "etcd.conf.yml"),
            renderEtcdConfig({
                member: m,
                members: spec,
                token: `${prod.name}-etcd-membership`,
                tuning: prod.etcd.tuning,
                paths: p,
                metricsListener: "member",
            }),
        );
        fs.writeFileSync(path.join(p.configDir, "etcdctl.env"), renderEtcdctlEnv(m, spec, p));
    };
    const envOf = (m: EtcdMember): NodeJS.ProcessEnv => ({
        PATH: `${bin}:${process.env.PATH}`,
        HOME: root,
        ETCD_CONFIG: path.join(paths.get(m.name)!.configDir, "etcd.conf.yml"),
        ETCD_MEMBER: m.name,
        ETCD_LOG: path.join(root, `${m.name}.log`),
        STANDIN_LOG: path.join(root, `${m.name}.systemctl`),
    });
    const script = (m: EtcdMember, text: string, timeoutMs = 150_000): RunResult => run("bash", ["-c", text], { env: envOf(m), timeoutMs });
    const start = (m: EtcdMember) => script(m, renderMemberStartScript(m, paths.get(m.name)!));
    const membership = (m: EtcdMember, spec: EtcdMember[]) => script(m, renderEtcdMembershipScript(spec, paths.get(m.name)!), 60_000);
    const etcdctl = (args: string[]) => {
        // The certificates of etcdctl.env, the endpoints given here (etcdctl refuses both).
        const { ETCDCTL_ENDPOINTS: _e, ...env } = envFile(renderEtcdctlEnv(m1, [m1], paths.get(m1.name)!));
        return run("etcdctl", args, { env: { PATH: process.env.PATH, ...env }, timeoutMs: 30_000 });
    };
    /** The cluster's members as `etcdctl member list` gives them: name -> [status, is learner]. */
    const listed = (endpoints: EtcdMember[]) => {
        const r = etcdctl([`--endpoints=${endpoints.map((m) => clientUrl(m)).join(",")}`, "member", "list"]);
        assert.strictEqual(r.status, 0, r.stderr);
        return new Map(
            r.stdout
                .trim()
                .split("\n")
                .map((l) => l.split(", "))
                .map((f) => [f[2] || f[3], `${f[1]} ${f[5] === "true" ? "learner" : "voter"}`]),
        );
    };
    const healthy = (spec: EtcdMember[]) =>
        script(
            m1,
            renderClusterHealthScript(
                spec.map((m) => clientUrl(m)),
                paths.get(m1.name)!,
            ),
            120_000,
        );
    const logs = (ms: EtcdMember[]) =>
        ms
            .map(
                (m) =>
                    `--- ${m.name}\n${
                        fs.existsSync(path.join(root, `${m.name}.log`))
                            ? fs
                                  .readFileSync(path.join(root, `${m.name}.log`), "utf8")
                                  .split("\n")
                                  .slice(-8)
                                  .join("\n")
                            : ""
                    }`,
            )
            .join("\n");
    const ok = (r: RunResult, what: string, ms: EtcdMember[]) => assert.strictEqual(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}\n${logs(ms)}`);

    it("a new cluster of three: the membership step finds no cluster, the members start in the chain's order, all healthy", function () {
        const spec = [m1, m2, m3];
        for (const m of spec) place(m, spec);
        const none = membership(m1, spec);
        ok(none, "membership", spec);
        assert.match(none.stdout, /a new cluster, no membership to change/);
        for (const m of spec) ok(start(m), `start ${m.name}`, spec);
        ok(healthy(spec), "cluster health", spec);
        assert.deepStrictEqual(listed(spec), new Map(spec.map((m) => [m.name, "started voter"])));
    });

    it("grows to five: each new member joins the running cluster as a learner, is promoted, and no member restarts", function () {
        const spec = [m1, m2, m3, m4, m5];
        for (const m of spec) place(m, spec);
        const same = membership(m1, spec);
        ok(same, "membership", spec);
        assert.match(same.stdout, /every member of the cluster is in the spec/);
        for (const m of [m4, m5]) {
            const r = start(m);
            ok(r, `start ${m.name}`, spec);
            // etcd-1's own log: the member was added as a learner, then promoted.
            const log = fs.readFileSync(path.join(root, `${m1.name}.log`), "utf8").split("\n");
            const added = log
                .map((l) => (l ? JSON.parse(l) : {}))
                .find((e) => e.msg === "added member" && e["added-peer-peer-urls"]?.[0] === `https://${m.address}:2380`);
            assert.ok(added, `etcd-1 never applied the add of ${m.name}`);
            assert.strictEqual(added["added-peer-is-learner"], true, `${m.name} was added as a voting member`);
            assert.ok(
                log.some((l) => l.includes('"msg":"promote member"') && l.includes(`"promoted-member-id":"${added["added-peer-id"]}"`)),
                `${m.name} was not promoted`,
            );
            // It ran with the cluster's members and as an existing member.
            const conf = fs.readFileSync(path.join(paths.get(m.name)!.configDir, "etcd.conf.yml"), "utf8");
            assert.match(conf, /^initial-cluster-state: existing$/m);
        }
        ok(healthy(spec), "cluster health", spec);
        assert.deepStrictEqual(listed(spec), new Map(spec.map((m) => [m.name, "started voter"])));
        for (const m of spec) assert.doesNotMatch(fs.readFileSync(path.join(root, `${m.name}.systemctl`), "utf8"), /restart/, m.name);
    });

    it("replaces a failed member: the membership step removes it (not in the spec, down), then the new member joins", function () {
        const pid = started().find(([m]) => m === m2.name)?.[1];
        assert.ok(pid, "etcd-2 was not started");
        process.kill(Number(pid), "SIGKILL");
        const spec = [m1, m3, m4, m5, m6];
        for (const m of spec) place(m, spec);
        const removed = membership(m1, spec);
        ok(removed, "membership", spec);
        assert.match(removed.stdout, /removed etcd member etcd-2 \([0-9a-f]+\): not in the spec and not running/);
        ok(start(m6), "start etcd-6", spec);
        ok(healthy(spec), "cluster health", spec);
        assert.deepStrictEqual(listed(spec), new Map(spec.map((m) => [m.name, "started voter"])));
    });

    it("refuses to remove a running member the spec lost (a typo, or a member still to stop), and removes nothing", function () {
        const spec = [m1, m3, m4, m6];
        const refused = membership(m1, spec);
        assert.strictEqual(refused.status, 1, refused.stdout);
        assert.match(refused.stderr, /etcd member etcd-5 \(https:\/\/127\.0\.0\.25:2379\) is not in the spec but is running: stop it first/);
        assert.strictEqual(listed([m1, m3]).size, 5);
    });

    it("retires two members (5 -> 3): the leader hands over first, each leaves the cluster, stops, keeps its data aside and loses its keys", async function () {
        const serving = [m1, m3, m4];
        const retire = (m: EtcdMember, stay: EtcdMember[]) => script(m, renderEtcdRetireScript(m, stay, paths.get(m.name)!), 60_000);
        /** endpoint -> is leader, from etcdctl's simple format ("endpoint, ID, version, db size, is leader, ..."). */
        const leaders = (ms: EtcdMember[]) => {
            const r = etcdctl([`--endpoints=${ms.map((m) => clientUrl(m)).join(",")}`, "endpoint", "status"]);
            assert.strictEqual(r.status, 0, r.stderr);
            return r.stdout
                .trim()
                .split("\n")
                .filter((l) => l.split(", ")[4] === "true")
                .map((l) => l.split(", ")[0]);
        };
        const idOf = (m: EtcdMember) =>
            etcdctl([`--endpoints=${clientUrl(m1)}`, "member", "list"])
                .stdout.split("\n")
                .find((l) => l.split(", ")[2] === m.name)!
                .split(", ")[0];
        const alive = (pid: number) => {
            try {
                process.kill(pid, 0);
                return true;
            } catch {
                return false;
            }
        };

        // A serving member down (etcd-2 was killed above): refused, nothing removed.
        const refused = retire(m5, [...serving, m2]);
        assert.strictEqual(refused.status, 1, refused.stdout);
        assert.match(refused.stderr, /not retiring etcd-5: the serving members are not all healthy/);
        assert.strictEqual(listed([m1]).size, 5);

        // etcd-6 leads when it retires.
        const moved = etcdctl([`--endpoints=${[m1, m3, m4, m5, m6].map((m) => clientUrl(m)).join(",")}`, "move-leader", idOf(m6)]);
        assert.strictEqual(moved.status, 0, moved.stderr);
        assert.deepStrictEqual(leaders([m6]), [clientUrl(m6)]);

        for (const m of [m6, m5]) {
            const pid = Number(started().find(([name]) => name === m.name)![1]);
            const r = retire(m, serving);
            ok(r, `retire ${m.name}`, [...serving, m]);
            assert.match(r.stdout, new RegExp(`removed ${m.name} \\([0-9a-f]+\\) from the cluster`));
            // Stopped by the script (or by etcd itself once removed): gone within 5 s.
            for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
            assert.ok(!alive(pid), `${m.name}'s etcd still runs`);
            const p = paths.get(m.name)!;
            assert.ok(!fs.existsSync(path.join(p.mount, "data", "member")), `${m.name}'s data is still where etcd would start from it`);
            assert.strictEqual(fs.readdirSync(p.mount).filter((d) => /^member\.removed-\d{8}T\d{6}Z$/.test(d)).length, 1, `${m.name}'s data was not set aside`);
            assert.ok(!fs.existsSync(p.configDir), `${m.name} keeps its keys and etcdctl's`);
            // Its unit and timers disabled (the stand-in stopped etcd on the unit's), then systemd reloaded.
            const calls = fs
                .readFileSync(path.join(root, `${m.name}.systemctl`), "utf8")
                .trim()
                .split("\n");
            for (const unit of [ETCD_UNITS.member, ETCD_UNITS.backupTimer, ETCD_UNITS.defragTimer])
                assert.ok(calls.includes(`disable --now ${unit}`), `${m.name}: ${unit} left enabled`);
            assert.strictEqual(calls.at(-1), "daemon-reload");
        }
        // The leader moved to a serving member before etcd-6 left (etcd-6's own log: it transferred leadership).
        assert.ok(fs.readFileSync(path.join(root, `${m6.name}.log`), "utf8").includes("leadership transfer finished"), "etcd-6 did not hand over leadership");
        assert.deepStrictEqual(listed([m1]), new Map(serving.map((m) => [m.name, "started voter"])));
        ok(healthy(serving), "cluster health", serving);
        assert.strictEqual(leaders(serving).length, 1);

        // Run again (a retry): nothing left to do.
        const again = retire(m5, serving);
        ok(again, "retire etcd-5 again", serving);
        assert.match(again.stdout, /etcd-5: no etcdctl.env, retired already/);
    });
});
