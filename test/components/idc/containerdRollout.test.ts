// The containerd rollout of an IDC cluster on the mock engine (the prod fleet's IDC site, at the minor
// before prod's and at prod's): one step per host in the upgrade chain's order, each after the one
// before, the first after every join and the Kubernetes upgrade chain after the last; each step
// carries the pin and the hash of the configuration its host is given, re-triggered by a new minor's
// configuration and not by a patch (the renderers); the packages steps, which run on every host at
// once, are not re-run by the containerd configuration and restart containerd only on a new host. The rendered scripts run by real bash against
// stand-ins in test/integration/idc-containerd.test.ts.
import * as assert from "assert";
import { createHash } from "crypto";
import {
    CONTAINERD_PACKAGE,
    containerdRecord,
    NODE_PATHS,
    renderAptSource,
    renderContainerdConfig,
    renderModules,
    renderSysctl,
} from "../../../components/idc/render";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { Inventory, loadStackSpec, oneSiteSpec, runFleet } from "../../harness";
import { hostOf, plain, stdinOf, triggersOf, withIdcVersion } from "./commands";

const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

describe("IDC containerd rollout on the mock engine (prod fleet's IDC site)", () => {
    let idc: IdcClusterSpec;
    let inventory: Inventory;
    /** The same cluster one minor up (a new pause image). */
    let nextMinor: Inventory;
    const PIN = CONTAINERD_PACKAGE.split("=")[1];

    before(async () => {
        const prod = loadStackSpec("prod");
        const site = oneSiteSpec("prod", prod.clusters.find((c) => c.provider === "idc")!.name);
        const version = site.clusters.find((c) => c.provider === "idc")!.kubernetesVersion;
        const [major, minor] = version.split(".").map(Number);
        const spec = withIdcVersion(site, `${major}.${minor - 1}.2`);
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        ({ inventory } = await runFleet(spec));
        ({ inventory: nextMinor } = await runFleet(withIdcVersion(spec, version)));
    });

    /** [step name, host address, control plane?] in the order the steps run. */
    const expected = () => {
        const c = `${idc.name}-containerd`;
        return [
            ...idc.controlPlane.hosts.map((h) => [`${c}-${h.name}-apply`, h.address, true] as const),
            ...idc.workers.map((w) => [`${c}-${w.name}-apply`, w.address, false] as const),
        ];
    };
    const stepsIn = (inv: Inventory) => {
        const component = inv.named("hybrid:idc:ContainerdRollout", `${idc.name}-containerd`);
        return expected().map(([name]) => {
            const step = inv.named(COMMAND, name);
            assert.strictEqual(step.parent, component.urn, `${name} is not a child of the rollout component`);
            return step;
        });
    };
    /** The containerd configuration copied to the host at `address`. */
    const configOn = (inv: Inventory, address: string) => {
        const copy = inv
            .ofType(COPY)
            .find((c) => hostOf(c) === address && String(c.inputs.remotePath).endsWith(NODE_PATHS.containerd.slice(1)) && /containerd-config$/.test(c.name));
        assert.ok(copy, `no containerd configuration copied to ${address}`);
        return String((plain(copy.inputs.source) as { text: string }).text);
    };

    it("declares one step per Kubernetes host, control-plane hosts first, each on its host, and nothing else under the component", () => {
        const steps = stepsIn(inventory);
        assert.strictEqual(steps.length, idc.controlPlane.hosts.length + idc.workers.length);
        expected().forEach(([name, address], i) => assert.strictEqual(hostOf(steps[i]), address, name));
        const component = inventory.named("hybrid:idc:ContainerdRollout", `${idc.name}-containerd`);
        assert.deepStrictEqual(
            inventory
                .childrenOf(component.urn)
                .map((r) => r.name)
                .sort(),
            expected()
                .map(([n]) => n)
                .sort(),
        );
        // No etcd host runs containerd.
        for (const h of idc.etcd.hosts) assert.ok(!steps.some((s) => hostOf(s) === h.address), h.name);
    });

    it("is sequential, starts after every join, and the Kubernetes upgrade chain starts after its last step", () => {
        const steps = stepsIn(inventory);
        const commands = new Set(inventory.ofType(COMMAND).map((c) => c.urn));
        const joins = [
            inventory.named(COMMAND, `${idc.name}-control-plane-${idc.controlPlane.hosts[0].name}-kubeadm-init`),
            ...idc.controlPlane.hosts.slice(1).map((h) => inventory.named(COMMAND, `${idc.name}-control-plane-${h.name}-kubeadm-join`)),
            ...idc.workers.map((w) => inventory.named(COMMAND, `${idc.name}-workers-${w.name}-kubeadm-join`)),
        ];
        steps.forEach((step, i) => {
            const onCommands = step.dependencies.filter((d) => commands.has(d));
            if (i === 0) assert.deepStrictEqual(onCommands.sort(), joins.map((j) => j.urn).sort(), step.name);
            else assert.deepStrictEqual(onCommands, [steps[i - 1].urn], `${step.name} depends on ${onCommands.map((u) => inventory.byUrn(u).name)}`);
        });
        const apply = inventory.named(COMMAND, `${idc.name}-upgrade-${idc.controlPlane.hosts[0].name}-apply`);
        assert.ok(apply.dependencies.includes(steps[steps.length - 1].urn), "the upgrade chain does not wait for the containerd rollout");
    });

    it("each step comes after its host's packages and containerd configuration (through the joins)", () => {
        for (const [i, step] of stepsIn(inventory).entries()) {
            const [, address] = expected()[i];
            const before = [...inventory.dependencyClosure(step)].map((u) => inventory.byUrn(u));
            const onHost = before.filter((r) => r.type === COMMAND && hostOf(r) === address).map((r) => r.name);
            assert.ok(
                onHost.some((n) => n.endsWith("-packages")),
                `${step.name}: not after its host's packages`,
            );
            assert.ok(
                onHost.some((n) => n.endsWith("-containerd-config-install")),
                `${step.name}: not after its host's containerd configuration`,
            );
        }
    });

    it("carries the pin and the sha256 of the configuration its host is given, as trigger and in its script; control-plane steps wait for their API server", () => {
        for (const [i, step] of stepsIn(inventory).entries()) {
            const [name, address, controlPlane] = expected()[i];
            const sha = createHash("sha256").update(configOn(inventory, address)).digest("hex");
            assert.deepStrictEqual(triggersOf(step), [`${PIN} ${sha}`], name);
            const script = stdinOf(step);
            assert.ok(script.includes(`want='${PIN} ${sha}'\n`), name);
            assert.ok(script.includes(` != '${sha}' ]; then`), `${name}: does not check the configuration on the host`);
            assert.strictEqual(/127\.0\.0\.1:6443\/readyz/.test(script), controlPlane, `${name}: API server wait`);
            assert.match(script, /127\.0\.0\.1:10248\/healthz/, name);
        }
    });

    it("a new minor (another pause image) re-triggers every step, and no packages step re-runs for the containerd configuration", () => {
        const before = stepsIn(inventory);
        const minor = stepsIn(nextMinor);
        for (const [i, step] of before.entries()) {
            assert.notDeepStrictEqual(triggersOf(minor[i]), triggersOf(step), `${step.name}: not re-run for the new minor's configuration`);
            assert.deepStrictEqual(triggersOf(minor[i]), [`${PIN} ${createHash("sha256").update(configOn(nextMinor, expected()[i][1])).digest("hex")}`]);
        }
        const packages = (inv: Inventory) => inv.ofType(COMMAND).filter((c) => /-(control-plane|workers)-[^-].*-packages$/.test(c.name));
        assert.strictEqual(packages(nextMinor).length, idc.controlPlane.hosts.length + idc.workers.length);
        for (const p of packages(nextMinor)) {
            assert.ok(!triggersOf(p).some((t) => typeof t === "string" && t.includes("pinned_images")), `${p.name} re-runs for a containerd configuration`);
            // containerd restarts only in the new-host branch (nothing runs on it yet).
            const lines = stdinOf(p).split("\n");
            const branch = lines.indexOf('if [ -n "$containerd_package" ]; then');
            const end = lines.indexOf("else", branch);
            const restarts = lines.flatMap((l, n) => (/systemctl (re)?start containerd/.test(l) ? [n] : []));
            assert.ok(branch > 0 && restarts.length > 0 && restarts.every((n) => n > branch && n < end), `${p.name} restarts containerd outside a new host`);
        }
    });

    it("a new patch changes neither the rollout's trigger nor the packages steps' (the same configuration, apt source and kernel settings)", () => {
        const [major, minor] = idc.kubernetesVersion.split(".").map(Number);
        const patch = `${major}.${minor}.${Number(idc.kubernetesVersion.split(".")[2]) + 1}`;
        assert.strictEqual(containerdRecord(renderContainerdConfig(patch)), containerdRecord(renderContainerdConfig(idc.kubernetesVersion)));
        assert.strictEqual(renderAptSource(patch), renderAptSource(idc.kubernetesVersion));
        // And what the program declares is those renderings: the packages step's triggers, the rollout's.
        const address = idc.workers[0].address;
        const packagesStep = inventory.ofType(COMMAND).find((c) => c.name.endsWith(`-${idc.workers[0].name}-packages`))!;
        assert.deepStrictEqual(triggersOf(packagesStep), [renderSysctl(), renderModules(), renderAptSource(idc.kubernetesVersion)]);
        assert.strictEqual(configOn(inventory, address), renderContainerdConfig(idc.kubernetesVersion));
    });
});
