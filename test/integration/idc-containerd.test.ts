// The containerd rollout's step and the packages script's containerd branch, run by real bash (and
// real sha256sum) in a temp dir against stand-ins for dpkg-query, apt-get, apt-mark, systemctl,
// crictl, curl and sleep that log their argv: a host already at the pin and configuration is left
// alone; a missing record, an old configuration or another containerd.io version restarts containerd
// (upgrading it first where the version differs) and records only once it answers at the pin; a
// configuration the program did not place, or a containerd that never comes back, fails the step
// without a record. A new host's packages step records exactly what the rollout then expects.
// No root needed.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    CONTAINERD_READY_WAIT,
    containerdPackageVersion,
    containerdRecord,
    containerdRelease,
    NODE_PATHS,
    renderContainerdConfig,
    renderContainerdRolloutScript,
    renderKubePackagesScript,
} from "../../components/idc/render";
import { loadIdcSpec } from "../harness";

const prod = loadIdcSpec("prod");

/**
 * A host in a temp dir: the containerd configuration and the record moved into it, stand-ins on PATH.
 * `DPKG_VERSION` is what dpkg-query says containerd.io is (empty: not installed); `CRI_VERSION` what
 * crictl reports as RuntimeVersion (`NEW_CRI_VERSION` once systemctl restarted containerd).
 */
function host() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idc-containerd-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const restarted = path.join(dir, "restarted");
    const config = path.join(dir, "config.toml");
    const record = path.join(dir, "containerd-applied");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    // dpkg: every package at DPKG_VERSION (none installed when empty), containerd.io at what apt-get installed last.
    const installed = path.join(dir, "containerd.io-version");
    stub(
        "dpkg-query",
        `v=$DPKG_VERSION; case "$*" in *containerd.io*) [ -f ${installed} ] && v=$(cat ${installed}) ;; esac
[ -n "$v" ] || exit 1
case "$*" in *Status*) echo -n "hold ok installed" ;; *) echo -n "$v" ;; esac`,
    );
    stub("apt-get", `for a in "$@"; do case "$a" in containerd.io=*) echo -n "\${a#containerd.io=}" > ${installed} ;; esac; done; exit 0`);
    stub("systemctl", `[ "$1" = restart ] && touch ${restarted}; exit 0`);
    stub(
        "crictl",
        `if [ -f ${restarted} ]; then v=\${NEW_CRI_VERSION:-$CRI_VERSION}; else v=$CRI_VERSION; fi
printf 'Version:  0.1.0\\nRuntimeName:  containerd\\nRuntimeVersion:  %s\\nRuntimeApiVersion:  v1\\n' "$v"`,
    );
    for (const name of ["apt-mark", "curl", "sleep"]) stub(name, "exit 0");
    const localize = (script: string) => script.split(NODE_PATHS.containerdApplied).join(record).split(NODE_PATHS.containerd).join(config);
    const run = (script: string, env: Record<string, string>) => {
        const moved = localize(script);
        assert.doesNotMatch(moved, /\/etc\//, "the script still names a host path");
        const r = spawnSync("bash", ["-s"], { input: moved, encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, timeout: 20_000 });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        fs.rmSync(log, { force: true });
        fs.rmSync(restarted, { force: true });
        fs.rmSync(installed, { force: true });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
    };
    return {
        run,
        config,
        record,
        recorded: () => (fs.existsSync(record) ? fs.readFileSync(record, "utf8") : undefined),
        cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

describe("IDC containerd rollout and the packages script's containerd branch, with real bash against stand-ins", () => {
    const config = renderContainerdConfig(prod.kubernetesVersion);
    const PIN = containerdPackageVersion();
    const AT_PIN = { DPKG_VERSION: PIN, CRI_VERSION: containerdRelease() };
    /** What changes the host: anything but reading dpkg and asking crictl. */
    const changes = (calls: string[]) => calls.filter((c) => !/^(dpkg-query|crictl|curl|sleep) /.test(c));
    let h: ReturnType<typeof host>;
    beforeEach(() => {
        h = host();
        fs.writeFileSync(h.config, config);
    });
    afterEach(() => h.cleanup());

    it("every script is valid bash (bash -n), for a control-plane host and a worker", () => {
        for (const controlPlane of [true, false]) {
            const r = spawnSync("bash", ["-n"], { input: renderContainerdRolloutScript({ config, controlPlane }), encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        }
        assert.notStrictEqual(spawnSync("bash", ["-n"], { input: "if then fi" }).status, 0, "bash -n must reject a broken script");
    });

    it("a host that runs the pin on this configuration: nothing changes, nothing restarts", () => {
        fs.writeFileSync(h.record, `${containerdRecord(config)}\n`);
        const r = h.run(renderContainerdRolloutScript({ config, controlPlane: false }), AT_PIN);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /nothing to do/);
        assert.deepStrictEqual(changes(r.calls), []);
    });

    it("no record yet (a host prepared before the rollout) or an old configuration's: restarted at the pin, healthy, then recorded; no package moves", () => {
        const other = renderContainerdConfig("1.35.2");
        assert.notStrictEqual(other, config);
        for (const before of [undefined, `${containerdRecord(other)}\n`]) {
            if (before) fs.writeFileSync(h.record, before);
            const r = h.run(renderContainerdRolloutScript({ config, controlPlane: true }), AT_PIN);
            assert.strictEqual(r.status, 0, r.stderr);
            assert.deepStrictEqual(changes(r.calls), ["systemctl restart containerd"]);
            // The kubelet and this host's API server answered (curl) before the record.
            assert.ok(
                r.calls.some((c) => c.includes("127.0.0.1:10248/healthz")) && r.calls.some((c) => c.includes("127.0.0.1:6443/readyz")),
                r.calls.join("\n"),
            );
            assert.strictEqual(h.recorded(), `${containerdRecord(config)}\n`);
        }
    });

    it("another containerd.io version (1.7 LTS, or Debian's containerd) is upgraded to the pin, unheld and held again, then restarted", () => {
        for (const installed of ["1.7.27-1", ""]) {
            fs.rmSync(h.record, { force: true });
            const r = h.run(renderContainerdRolloutScript({ config, controlPlane: false }), {
                DPKG_VERSION: installed,
                CRI_VERSION: "1.7.27",
                NEW_CRI_VERSION: `v${containerdRelease()}`,
            });
            assert.strictEqual(r.status, 0, r.stderr);
            const steps = changes(r.calls);
            assert.deepStrictEqual(steps.slice(0, 2), ["apt-mark unhold containerd.io", "apt-mark unhold containerd"]);
            assert.match(steps[2], /^apt-get update$/);
            assert.match(steps[3], new RegExp(`^apt-get install .*--force-confold containerd\\.io=${PIN.replace(/[.~+]/g, "\\$&")}$`));
            assert.deepStrictEqual(steps.slice(4), ["apt-mark hold containerd.io", "systemctl restart containerd"]);
            assert.ok(!r.calls.some((c) => c.includes(":6443/readyz")), "a worker waits for an API server");
            assert.strictEqual(h.recorded(), `${containerdRecord(config)}\n`);
        }
    });

    it("a configuration on the host that the program did not place: the step fails before it changes anything", () => {
        fs.writeFileSync(h.config, `${config}# edited by hand\n`);
        const r = h.run(renderContainerdRolloutScript({ config, controlPlane: false }), AT_PIN);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /is not the configuration this program placed/);
        assert.deepStrictEqual(changes(r.calls), []);
        assert.strictEqual(h.recorded(), undefined);
    });

    it("a containerd that does not come back at the pin: the step fails after its bounded wait, with no record (the next host's step does not start)", () => {
        const r = h.run(renderContainerdRolloutScript({ config, controlPlane: false }), { DPKG_VERSION: PIN, CRI_VERSION: "1.7.27" });
        assert.strictEqual(r.status, 1);
        assert.match(
            r.stderr,
            new RegExp(
                `does not answer on the CRI at ${containerdRelease().replace(/\./g, "\\.")} after ${CONTAINERD_READY_WAIT.tries * CONTAINERD_READY_WAIT.sleepSeconds} s`,
            ),
        );
        assert.strictEqual(r.calls.filter((c) => c.startsWith("sleep ")).length, CONTAINERD_READY_WAIT.tries - 1);
        assert.strictEqual(h.recorded(), undefined);
    });

    /** The packages script's tail, from the containerd decision to the end, with the Kubernetes packages found installed. */
    const packagesTail = () => {
        const full = renderKubePackagesScript(prod.kubernetesVersion);
        const start = full.indexOf("installed() {");
        assert.ok(start > 0, "the packages script moved");
        return `set -euo pipefail\napt_retry() { "$@"; }\n${full.slice(start)}`;
    };

    it("a new host's packages step installs the pin, starts containerd on its configuration and records it: the rollout then changes nothing", () => {
        const r = h.run(packagesTail(), { DPKG_VERSION: "" });
        assert.strictEqual(r.status, 0, r.stderr);
        const steps = changes(r.calls);
        assert.match(steps[0], new RegExp(`^apt-get install .* containerd\\.io=${PIN.replace(/[.~+]/g, "\\$&")} kubelet=`));
        assert.deepStrictEqual(steps.slice(-3), ["apt-mark hold containerd.io", "systemctl enable containerd", "systemctl restart containerd"]);
        // dpkg's version and sha256sum's hash: the record the rollout expects, computed by the program.
        assert.strictEqual(h.recorded(), `${containerdRecord(config)}\n`);
        const rollout = h.run(renderContainerdRolloutScript({ config, controlPlane: false }), AT_PIN);
        assert.strictEqual(rollout.status, 0, rollout.stderr);
        assert.match(rollout.stdout, /nothing to do/);
        assert.deepStrictEqual(changes(rollout.calls), []);
    });

    it("a prepared host's packages step (any containerd installed) installs no containerd, restarts nothing and records nothing", () => {
        const r = h.run(packagesTail(), { DPKG_VERSION: "1.7.27-1" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /containerd\.io 1\.7\.27-1 is installed: left as is/);
        const steps = changes(r.calls);
        assert.ok(!steps.some((c) => /containerd\.io=|restart containerd/.test(c)), steps.join("\n"));
        assert.strictEqual(steps[steps.length - 1], "systemctl enable --now containerd");
        assert.strictEqual(h.recorded(), undefined);
    });
});
