// Kubernetes version changes on IDC clusters. On the mock engine (prod fleet, and the same fleet with
// kubernetesVersion one minor up): the upgrade chain exists, runs one node at a time in the kubeadm
// upgrade order, is triggered by the version, runs each step on the right host, and the new version
// reaches no other script than the chain and the fresh-host branch of the packages script. The
// rendered scripts run by real bash against stand-ins in test/integration/idc-upgrade.test.ts.
import * as assert from "assert";
import { UPGRADE_CONFIG } from "../../../components/idc/render";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { Inventory, loadStackSpec, oneSiteSpec, runFleet } from "../../harness";
import { hostOf, plain, stdinOf, withIdcVersion } from "./commands";

const COMMAND = "command:remote:Command";

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
        const spec = withIdcVersion(oneSiteSpec("prod", prod.clusters.find((c) => c.provider === "idc")!.name), "1.35.2");
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        ({ inventory } = await runFleet(spec));
        ({ inventory: bumped } = await runFleet(withIdcVersion(spec, NEXT)));
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
            assert.match(script, /installed\(\) \{ dpkg-query -W -f='\$\{Status\}' "\$1" [^\n]*grep -qE ' ok installed\$'; \}\n/);
            assert.match(script, /for p in kubelet kubeadm; do\n\s+if installed "\$p"; then\n[^\n]*\n\s+kube_packages=""/);
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
