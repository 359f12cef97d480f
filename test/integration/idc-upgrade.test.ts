// The IDC upgrade scripts run by real bash in a temp dir, against stand-ins for kubeadm, kubelet,
// kubectl, apt-get, apt-mark, systemctl and curl on PATH that log their argv: same version -> no-op,
// +1 minor -> the upgrade steps in the kubeadm guide's order, +2 minors or a downgrade -> refused
// before anything changes; a worker's drain and uncordon; the configuration re-runs' version pin
// on a real file and the packages script's prepared-host branch. Also `bash -n` on every upgrade
// script. No root needed.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    DRAINED_ANNOTATION,
    renderControlPlaneUpgradeScript,
    renderDrainScript,
    renderInitScript,
    renderJoinScript,
    renderKubePackagesScript,
    renderUncordonScript,
    renderUpgradeConfig,
    renderWorkerUpgradeScript,
    apiServerCertSans,
    UPGRADE_CONFIG,
} from "../../components/idc/render";
import { JOIN_TOKEN, loadIdcSpec } from "../harness";

/** A temp dir with stub commands on PATH that log their argv to calls.log; returns a runner. */
function stubHost(kubelet: string, kubeadm: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idc-upgrade-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const state = path.join(dir, "annotation");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    stub("kubelet", `[ "$1" = --version ] && echo "Kubernetes ${kubelet}"`);
    stub("kubeadm", `[ "$1 $2 $3" = "version -o short" ] && echo "${kubeadm}"; exit 0`);
    // kubectl: node fields from the environment; the drained mark kept in a file.
    stub(
        "kubectl",
        `case "$*" in
  *jsonpath=\\{.status.nodeInfo.kubeletVersion\\}*) echo -n "$NODE_KUBELET" ;;
  *jsonpath=\\{.spec.unschedulable\\}*) echo -n "\${NODE_UNSCHEDULABLE:-}" ;;
  *upgrade-drained\\}*) [ -f ${state} ] && cat ${state} ;;
  *Ready*) echo -n True ;;
  *"annotate node"*"${DRAINED_ANNOTATION}-"*) rm -f ${state} ;;
  *"annotate node"*"${DRAINED_ANNOTATION}="*) echo -n "\${*##*=}" > ${state} ;;
  *" drain "*) [ -z "\${DRAIN_FAILS:-}" ]; exit ;;
  *"get nodes"*) printf "\${NODE_LIST:-}" ;;
esac
exit 0`,
    );
    for (const name of ["apt-get", "apt-mark", "systemctl", "curl"]) stub(name, "exit 0");
    const run = (script: string, env: Record<string, string> = {}) => {
        const moved = script.split(UPGRADE_CONFIG).join(path.join(dir, "kubeadm-upgrade.yaml")).split("/run/hybrid-fleet").join(dir);
        assert.doesNotMatch(moved, /\/run\//);
        const r = spawnSync("bash", ["-s"], { input: moved, encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, ...env }, timeout: 20_000 });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        fs.rmSync(log, { force: true });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, drained: fs.existsSync(state) };
    };
    return { run, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe("IDC upgrade scripts with real bash against stub kubeadm/kubelet/kubectl/apt", () => {
    const TARGET = "1.34.1";
    const changes = (calls: string[]) => calls.filter((c) => !/^(kubelet --version|kubeadm version -o short|kubectl .* get node)/.test(c));

    it("every upgrade script is valid bash (bash -n), and the UpgradeConfiguration is kubeadm v1beta4 without etcd", () => {
        for (const script of [
            renderControlPlaneUpgradeScript({ kubernetesVersion: TARGET, node: "cp-1", first: true }),
            renderControlPlaneUpgradeScript({ kubernetesVersion: TARGET, node: "cp-2", first: false }),
            renderDrainScript({ kubernetesVersion: TARGET, node: "w-1" }),
            renderWorkerUpgradeScript(TARGET),
            renderUncordonScript({ kubernetesVersion: TARGET, node: "w-1" }),
        ]) {
            const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        }
        const cfg = parse(renderUpgradeConfig(TARGET));
        assert.deepStrictEqual([cfg.apiVersion, cfg.kind], ["kubeadm.k8s.io/v1beta4", "UpgradeConfiguration"]);
        assert.strictEqual(cfg.apply.kubernetesVersion, `v${TARGET}`);
        assert.strictEqual(cfg.apply.etcdUpgrade, false, "external etcd is not kubeadm's");
        assert.strictEqual(cfg.node.etcdUpgrade, false);
    });

    for (const [what, first] of [
        ["first control-plane host (kubeadm upgrade apply)", true],
        ["other control-plane host (kubeadm upgrade node)", false],
    ] as const) {
        it(`${what}: same version no-op, +1 minor upgrades in the guide's order, +2 minors and downgrades refused untouched`, () => {
            const script = renderControlPlaneUpgradeScript({ kubernetesVersion: TARGET, node: "cp-1", first });
            const same = stubHost(`v${TARGET}`, `v${TARGET}`);
            const next = stubHost("v1.33.5", "v1.33.5");
            const skip = stubHost("v1.32.9", "v1.32.9");
            const down = stubHost("v1.35.0", "v1.35.0");
            try {
                const a = same.run(script);
                assert.strictEqual(a.status, 0, a.stderr);
                assert.deepStrictEqual(changes(a.calls), [], "a node at the target is left alone");

                const b = next.run(script, { NODE_KUBELET: "v1.33.5" });
                assert.strictEqual(b.status, 0, b.stderr);
                const order = (re: RegExp) => {
                    const i = b.calls.findIndex((c) => re.test(c));
                    assert.ok(i >= 0, `${re} never ran: ${b.calls.join(" | ")}`);
                    return i;
                };
                const steps = [
                    order(/^apt-get update/),
                    order(/^apt-mark unhold kubeadm$/),
                    order(new RegExp(`apt-get install .* kubeadm=${TARGET}-1\\.1$`)),
                    ...(first
                        ? [
                              order(new RegExp(`^kubeadm upgrade plan v${TARGET}$`)),
                              order(new RegExp(`^kubeadm upgrade apply v${TARGET} -y --config \\S+kubeadm-upgrade\\.yaml$`)),
                          ]
                        : [order(/^kubeadm upgrade node --config \S+kubeadm-upgrade\.yaml$/)]),
                    order(new RegExp(`annotate node cp-1 --overwrite ${DRAINED_ANNOTATION}=v${TARGET}$`)),
                    order(/drain cp-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s$/),
                    order(new RegExp(`apt-get install .* kubelet=${TARGET}-1\\.1 kubectl=${TARGET}-1\\.1$`)),
                    order(/^systemctl daemon-reload$/),
                    order(/^systemctl restart kubelet$/),
                    order(/^curl .*\/readyz/),
                    order(/uncordon cp-1$/),
                ];
                assert.deepStrictEqual(
                    steps,
                    [...steps].sort((x, y) => x - y),
                    `out of order: ${b.calls.join(" | ")}`,
                );
                assert.ok(!b.drained, "the drain mark is removed after the uncordon");
                // A new minor waits for every node to run the control plane's current one (the first host checks).
                const behind = next.run(script, { NODE_KUBELET: "v1.33.5", NODE_LIST: "cp-1 v1.33.5\\nworker-2 v1.32.9\\n" });
                if (first) {
                    assert.notStrictEqual(behind.status, 0);
                    assert.match(
                        behind.stderr,
                        /refusing v1\.34\.1: these nodes still run an older minor than the control plane \(1\.33\): worker-2 v1\.32\.9; set kubernetesVersion back to 1\.33\.x/,
                    );
                    assert.deepStrictEqual(changes(behind.calls), [], "something changed before the refusal");
                } else assert.strictEqual(behind.status, 0, behind.stderr);
                const level = next.run(script, { NODE_KUBELET: "v1.33.5", NODE_LIST: "cp-1 v1.33.5\\nworker-2 v1.33.5\\n" });
                assert.strictEqual(level.status, 0, level.stderr);

                for (const [host, from] of [
                    [skip, "v1.32.9"],
                    [down, "v1.35.0"],
                ] as const) {
                    const r = host.run(script);
                    assert.notStrictEqual(r.status, 0, `${from} -> v${TARGET} was not refused`);
                    assert.match(
                        r.stderr,
                        from === "v1.32.9" ? /skips a minor; kubeadm upgrades one minor at a time \(set kubernetesVersion to 1\.33\.x first\)/ : /a downgrade/,
                    );
                    assert.deepStrictEqual(changes(r.calls), [], `${from}: something changed before the refusal`);
                }
            } finally {
                for (const h of [same, next, skip, down]) h.cleanup();
            }
        });
    }

    it("a worker: patch and +1 minor upgrade (kubeadm, upgrade node, kubelet, restart), same version and +2 minors change nothing", () => {
        const script = renderWorkerUpgradeScript(TARGET);
        for (const [from, outcome] of [
            ["v1.34.0", "upgrade"],
            ["v1.33.5", "upgrade"],
            [`v${TARGET}`, "noop"],
            ["v1.32.9", "refuse"],
        ] as const) {
            const host = stubHost(from, from);
            try {
                const r = host.run(script);
                if (outcome === "refuse") {
                    assert.notStrictEqual(r.status, 0, from);
                    assert.match(
                        r.stderr,
                        new RegExp(`refusing v1\\.32\\.9 -> v${TARGET.replace(/\./g, "\\.")}: skips a minor; kubeadm upgrades one minor at a time`),
                        from,
                    );
                    assert.deepStrictEqual(changes(r.calls), [], from);
                    continue;
                }
                assert.strictEqual(r.status, 0, `${from}: ${r.stderr}`);
                const ran = changes(r.calls)
                    .filter((c) => /^(kubeadm|apt-get install|systemctl)/.test(c))
                    .map((c) =>
                        c.startsWith("apt-get install")
                            ? `install ${c
                                  .split(" ")
                                  .filter((t) => /^[a-z.]+=\d/.test(t))
                                  .join(" ")}`
                            : c.replace(/--config \S+/, "--config F"),
                    );
                assert.deepStrictEqual(
                    ran,
                    outcome === "noop"
                        ? []
                        : [
                              `install kubeadm=${TARGET}-1.1`,
                              "kubeadm upgrade node --config F",
                              `install kubelet=${TARGET}-1.1 kubectl=${TARGET}-1.1`,
                              "systemctl daemon-reload",
                              "systemctl restart kubelet",
                          ],
                    from,
                );
            } finally {
                host.cleanup();
            }
        }
    });

    it("drain and uncordon from the first control-plane host: only a node behind the target is drained, only a node this chain drained is uncordoned", () => {
        const host = stubHost(`v${TARGET}`, `v${TARGET}`);
        try {
            const drain = renderDrainScript({ kubernetesVersion: TARGET, node: "w-1" });
            const uncordon = renderUncordonScript({ kubernetesVersion: TARGET, node: "w-1" });
            // At the target already: no drain, and nothing to uncordon.
            const atTarget = host.run(drain, { NODE_KUBELET: `v${TARGET}` });
            assert.strictEqual(atTarget.status, 0, atTarget.stderr);
            assert.deepStrictEqual(changes(atTarget.calls), []);
            const idle = host.run(uncordon, { NODE_KUBELET: `v${TARGET}` });
            assert.strictEqual(idle.status, 0, idle.stderr);
            assert.deepStrictEqual(changes(idle.calls), []);
            // An operator's cordon is not ours: drained, not marked, so never uncordoned.
            const cordoned = host.run(drain, { NODE_KUBELET: "v1.33.5", NODE_UNSCHEDULABLE: "true" });
            assert.ok(!cordoned.drained && changes(cordoned.calls).some((c) => / drain w-1 /.test(c)));
            // One minor behind: marked and drained; after its upgrade, uncordoned and unmarked.
            const d = host.run(drain, { NODE_KUBELET: "v1.33.5" });
            assert.strictEqual(d.status, 0, d.stderr);
            assert.ok(d.drained, "not marked");
            assert.ok(changes(d.calls).some((c) => c.endsWith("drain w-1 --ignore-daemonsets --delete-emptydir-data --timeout=600s")));
            const u = host.run(uncordon, { NODE_KUBELET: `v${TARGET}` });
            assert.strictEqual(u.status, 0, u.stderr);
            assert.ok(changes(u.calls).some((c) => c.endsWith("uncordon w-1")) && !u.drained);
            // A drain that cannot finish (a PodDisruptionBudget): the node is given back, the step fails.
            const blocked = host.run(drain, { NODE_KUBELET: "v1.33.5", DRAIN_FAILS: "1" });
            assert.notStrictEqual(blocked.status, 0);
            assert.match(blocked.stderr, /w-1: the drain did not finish within 600 s/);
            assert.ok(changes(blocked.calls).some((c) => c.endsWith("uncordon w-1")) && !blocked.drained, blocked.calls.join("\n"));
            // An operator's cordon stays, even then.
            const theirs = host.run(drain, { NODE_KUBELET: "v1.33.5", NODE_UNSCHEDULABLE: "true", DRAIN_FAILS: "1" });
            assert.notStrictEqual(theirs.status, 0);
            assert.ok(!changes(theirs.calls).some((c) => c.endsWith("uncordon w-1")), theirs.calls.join("\n"));
            // Two minors behind: refused before any drain.
            const refused = host.run(drain, { NODE_KUBELET: "v1.32.9" });
            assert.notStrictEqual(refused.status, 0);
            assert.match(refused.stderr, new RegExp(`refusing v1\\.32\\.9 -> v${TARGET.replace(/\./g, "\\.")}: skips a minor`));
            assert.deepStrictEqual(changes(refused.calls), []);
        } finally {
            host.cleanup();
        }
    });

    it("configuration re-runs pin kubernetesVersion to the installed kubeadm (sed on a real file), so they never move the control plane", () => {
        const prod = loadIdcSpec("prod");
        const host = stubHost("v1.33.5", "v1.33.5");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idc-pin-"));
        try {
            for (const script of [renderInitScript(prod), renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN)]) {
                const line = script.split("\n").findIndex((l) => l.includes("installed=$(kubeadm version -o short)"));
                assert.ok(line >= 0);
                const [get, sed] = script
                    .split("\n")
                    .slice(line, line + 2)
                    .map((l) => l.trim());
                const file = path.join(dir, "cfg.yaml");
                fs.writeFileSync(
                    file,
                    `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v${TARGET}\n---\nkind: KubeletConfiguration\n`,
                );
                const target = sed.match(/ (\S+)$/)![1];
                const r = host.run(`set -euo pipefail\n${get}\n${sed.replace(target, file)}\n`);
                assert.strictEqual(r.status, 0, r.stderr);
                assert.strictEqual(parse(fs.readFileSync(file, "utf8").split("---")[0]).kubernetesVersion, "v1.33.5");
            }
            assert.ok(renderKubePackagesScript(TARGET).includes('kube_packages=""'));
        } finally {
            host.cleanup();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
