// Kubernetes version changes on IDC clusters. On the mock engine (prod fleet, and the same fleet with
// kubernetesVersion one minor up): the upgrade chain exists, runs one node at a time in the kubeadm
// upgrade order, is triggered by the version, runs each step on the right host, and the new version
// reaches no other script than the chain and the fresh-host branch of the packages script. With real
// bash: the rendered scripts run against stub kubeadm/kubelet/kubectl/apt-get/systemctl on PATH in a
// temp dir (same version -> no-op, +1 minor -> the upgrade steps in order, +2 minors or a downgrade ->
// refused before anything changes), and the packages script's prepared-host branch.
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
} from "../../../components/idc/render";
import type { FleetSpec, IdcClusterSpec } from "../../../stacks/spec";
import { Inventory, loadStackSpec, oneSiteSpec, RegisteredResource, runFleet, SecretValue } from "../../harness";

const JOIN_TOKEN = "abcdef.0123456789abcdef";
const COMMAND = "command:remote:Command";
const plain = (v: unknown) => (v instanceof SecretValue ? v.value : v);
const hostOf = (r: RegisteredResource) => (plain(r.inputs.connection) as { host: string }).host;
const stdinOf = (r: RegisteredResource) => String(plain(r.inputs.stdin));

/** The prod fleet with its IDC cluster at another kubernetesVersion. */
function withVersion(spec: FleetSpec, version: string): FleetSpec {
    const copy: FleetSpec = JSON.parse(JSON.stringify(spec));
    (copy.clusters.find((c) => c.provider === "idc") as IdcClusterSpec).kubernetesVersion = version;
    return copy;
}

describe("IDC Kubernetes version changes on the mock engine (prod fleet)", () => {
    let idc: IdcClusterSpec;
    let inventory: Inventory;
    let bumped: Inventory;
    const NEXT = "1.36.4";

    before(async () => {
        // The prod fleet runs NEXT; the chain is checked stepping up to it from the minor before.
        const prod = loadStackSpec("prod");
        assert.strictEqual(prod.clusters.find((c) => c.provider === "idc")!.kubernetesVersion, NEXT, "the prod fleet moved: NEXT must be its version");
        // The IDC site alone: the chain and its scripts are the IDC cluster's own.
        const spec = withVersion(oneSiteSpec("prod", prod.clusters.find((c) => c.provider === "idc")!.name), "1.35.2");
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        ({ inventory } = await runFleet(spec));
        ({ inventory: bumped } = await runFleet(withVersion(spec, NEXT)));
    });

    /** The chain's steps in the order the kubeadm upgrade guide gives, as [name, host address]. */
    const expectedChain = () => {
        const u = `${idc.name}-upgrade`;
        const [first, ...others] = idc.controlPlane.hosts;
        return [
            [`${u}-${first.name}-apply`, first.address],
            ...others.map((h) => [`${u}-${h.name}-node`, h.address]),
            ...idc.workers.flatMap((w) => [
                [`${u}-${first.name}-drain-${w.name}`, first.address],
                [`${u}-${w.name}-node`, w.address],
                [`${u}-${first.name}-uncordon-${w.name}`, first.address],
            ]),
        ] as [string, string][];
    };
    const chainIn = (inv: Inventory) => {
        const component = inv.named("hybrid:idc:KubernetesUpgrade", `${idc.name}-upgrade`);
        return expectedChain().map(([name]) => {
            const step = inv.named(COMMAND, name);
            assert.strictEqual(step.parent, component.urn, `${name} is not a child of the upgrade component`);
            return step;
        });
    };

    it("declares one step per node (drain, upgrade, uncordon for workers), each on its host, and nothing else under the component", () => {
        const chain = chainIn(inventory);
        assert.strictEqual(chain.length, idc.controlPlane.hosts.length + 3 * idc.workers.length);
        expectedChain().forEach(([name, address], i) => assert.strictEqual(hostOf(chain[i]), address, name));
        const component = inventory.named("hybrid:idc:KubernetesUpgrade", `${idc.name}-upgrade`);
        assert.deepStrictEqual(
            inventory
                .childrenOf(component.urn)
                .map((r) => r.name)
                .sort(),
            expectedChain()
                .map(([n]) => n)
                .sort(),
        );
    });

    it("is sequential: cp-1 -> cp-2 -> cp-3 -> drain/upgrade/uncordon worker-1 -> worker-2 ..., each step depending on exactly the one before", () => {
        const chain = chainIn(inventory);
        const commands = new Set(inventory.ofType(COMMAND).map((c) => c.urn));
        chain.forEach((step, i) => {
            if (i === 0) return;
            const onCommands = step.dependencies.filter((d) => commands.has(d));
            assert.deepStrictEqual(onCommands, [chain[i - 1].urn], `${step.name} depends on ${onCommands.map((u) => inventory.byUrn(u).name)}`);
        });
        // The first step waits for kubeadm init and every join (their re-runs upload the cluster configuration first).
        const joins = [
            inventory.named(COMMAND, `${idc.name}-control-plane-${idc.controlPlane.hosts[0].name}-kubeadm-init`),
            ...idc.controlPlane.hosts.slice(1).map((h) => inventory.named(COMMAND, `${idc.name}-control-plane-${h.name}-kubeadm-join`)),
            ...idc.workers.map((w) => inventory.named(COMMAND, `${idc.name}-workers-${w.name}-kubeadm-join`)),
        ];
        for (const j of joins) assert.ok(chain[0].dependencies.includes(j.urn), `the chain starts before ${j.name}`);
    });

    it("is triggered by the spec's version, and the new version re-triggers every step with the new target", () => {
        const before = chainIn(inventory);
        const after = chainIn(bumped);
        for (const [i, step] of before.entries()) {
            assert.deepStrictEqual((step.inputs.triggers as unknown[]).map(plain), [idc.kubernetesVersion], step.name);
            assert.deepStrictEqual((after[i].inputs.triggers as unknown[]).map(plain), [NEXT], step.name);
            assert.match(stdinOf(step), new RegExp(`KUBE_TARGET=v${idc.kubernetesVersion.replace(/\./g, "\\.")}\\n`));
            assert.match(stdinOf(after[i]), new RegExp(`KUBE_TARGET=v${NEXT.replace(/\./g, "\\.")}\\n`));
        }
        assert.match(stdinOf(after[0]), new RegExp(`kubeadm upgrade apply v${NEXT.replace(/\./g, "\\.")} -y --config ${UPGRADE_CONFIG}\\n`));
    });

    it("the new version's packages reach no script but the chain and the packages script's fresh-host branch", () => {
        const pkg = `${NEXT}-1.1`;
        const chainNames = new Set(expectedChain().map(([n]) => n));
        for (const c of bumped.ofType(COMMAND)) {
            const script = stdinOf(c);
            if (!script.includes(pkg)) continue;
            if (chainNames.has(c.name)) continue;
            assert.match(c.name, /-packages$/, `${c.name} installs ${pkg}`);
            // Only inside kube_packages, which a prepared host empties.
            const lines = script.split("\n").filter((l) => l.includes(pkg));
            assert.deepStrictEqual(lines, [`kube_packages="kubelet=${pkg} kubeadm=${pkg} kubectl=${pkg}"`], c.name);
            // Installed means "install ok installed" or, once held as every prepared host's are, "hold ok installed".
            assert.match(script, /if dpkg-query -W -f='\$\{Status\}' "\$p" [^\n]*grep -qE ' ok installed\$'; then\n[^\n]*\n\s+kube_packages=""/);
        }
        // The configuration re-runs keep the version the host runs (kubeadm's), whatever the spec says.
        const init = bumped.named(COMMAND, `${idc.name}-control-plane-${idc.controlPlane.hosts[0].name}-kubeadm-init`);
        assert.match(
            stdinOf(init),
            /installed=\$\(kubeadm version -o short\)\nsed -i -E "s\/\^kubernetesVersion: \.\*\/kubernetesVersion: \$installed\/" "\$cfg"\n/,
        );
    });

    it("kubeadm steps log nothing and keep stdout/stderr secret; drain and uncordon keep their logs", () => {
        for (const step of chainIn(inventory)) {
            const kubeadm = /-(apply|node)$/.test(step.name);
            assert.strictEqual(step.inputs.logging, kubeadm ? "none" : undefined, step.name);
            assert.strictEqual(step.additionalSecretOutputs.includes("stdout"), kubeadm, step.name);
        }
    });
});

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
            assert.deepStrictEqual(changes(host.run(drain, { NODE_KUBELET: `v${TARGET}` }).calls), []);
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
            assert.deepStrictEqual(changes(refused.calls), []);
        } finally {
            host.cleanup();
        }
    });

    it("configuration re-runs pin kubernetesVersion to the installed kubeadm (sed on a real file), so they never move the control plane", () => {
        const prod = loadStackSpec("prod").clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
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
