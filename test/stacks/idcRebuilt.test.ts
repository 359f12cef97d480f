// A re-imaged IDC host (its spec gets the new SSH host key) joins the cluster again, on the mock
// engine: the prod fleet's IDC site as it is, with a worker re-imaged, and with a control-plane host
// re-imaged. The host's key is a trigger of its token mint and its join, so a new key mints a new
// token and re-runs the join (a join re-run for the connection change alone would send the token of
// the last join, deleted after it); a re-imaged control-plane host also re-uploads the control-plane
// certificates (kubeadm keeps them 2 h). No other step's host keys move. Without a pinned key
// (outside prod) nothing is added.
import * as assert from "assert";
import type { IdcClusterSpec } from "../../stacks/spec";
import { plain, triggersOf } from "../components/idc/commands";
import { Inventory, loadStackSpec, newSshHostKey, oneSiteSpec, RegisteredResource, runFleet } from "../harness";

const COMMAND = "command:remote:Command";

describe("IDC re-imaged hosts join again on the mock engine (prod fleet's IDC site)", () => {
    let idc: IdcClusterSpec;
    let base: Inventory;
    let workerRebuilt: Inventory;
    let controlPlaneRebuilt: Inventory;
    let unpinned: Inventory;
    const NEW_KEY = newSshHostKey();

    before(async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const spec = oneSiteSpec("prod", name);
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        ({ inventory: base } = await runFleet(spec));
        ({ inventory: workerRebuilt } = await runFleet(oneSiteSpec("prod", name, (site) => (site.workers[1].sshHostKey = NEW_KEY))));
        ({ inventory: controlPlaneRebuilt } = await runFleet(oneSiteSpec("prod", name, (site) => (site.controlPlane.hosts[1].sshHostKey = NEW_KEY))));
        const dev = loadStackSpec("dev").clusters.find((c) => c.provider === "idc")!.name;
        ({ inventory: unpinned } = await runFleet(
            oneSiteSpec("dev", dev, (site) => {
                site.ssh = { ...site.ssh, allowUnpinnedHostKeys: true };
                delete site.workers[0].sshHostKey;
            }),
        ));
    });

    const cp = () => `${idc.name}-control-plane`;
    const first = () => idc.controlPlane.hosts[0].name;
    /** Per host that joins: its mint (on the first host) and its join. */
    const joinSteps = (inv: Inventory) => [
        ...idc.controlPlane.hosts.slice(1).map((h) => ({
            host: h,
            mint: inv.named(COMMAND, `${cp()}-${first()}-join-token-${h.name}`),
            join: inv.named(COMMAND, `${cp()}-${h.name}-kubeadm-join`),
        })),
        ...idc.workers.map((w) => ({
            host: w,
            mint: inv.named(COMMAND, `${cp()}-${first()}-join-token-${w.name}`),
            join: inv.named(COMMAND, `${idc.name}-workers-${w.name}-kubeadm-join`),
        })),
    ];
    const upload = (inv: Inventory) => inv.named(COMMAND, `${cp()}-${first()}-join-token`);

    it("every join and its mint carry the host's pinned key as a trigger", () => {
        for (const { host, mint, join } of joinSteps(base)) {
            assert.ok(triggersOf(join).includes(host.sshHostKey), `${join.name} is not triggered by ${host.name}'s key`);
            assert.deepStrictEqual(triggersOf(mint), triggersOf(join), `${mint.name}: not the join's triggers`);
        }
        for (const h of idc.controlPlane.hosts.slice(1))
            assert.ok(triggersOf(upload(base)).includes(h.sshHostKey), `the certificate upload is not triggered by ${h.name}'s key`);
    });

    // The generated secrets (certificate key, encryption key) differ between mock runs, so a step's
    // triggers are compared by the host keys they hold, the only part a re-imaged host changes.
    const keysIn = (r: RegisteredResource) => triggersOf(r).filter((t) => typeof t === "string" && t.startsWith("ssh-"));

    it("a re-imaged worker mints a new token and joins again; no other step's host keys move", () => {
        const rebuilt = idc.workers[1];
        const after = new Map(joinSteps(workerRebuilt).map((s) => [s.host.name, s]));
        for (const before of joinSteps(base)) {
            const now = after.get(before.host.name)!;
            const want = before.host === rebuilt ? [NEW_KEY] : [before.host.sshHostKey];
            for (const k of ["mint", "join"] as const) assert.deepStrictEqual(keysIn(now[k]), want, now[k].name);
            assert.deepStrictEqual(keysIn(before.join), [before.host.sshHostKey]);
        }
        assert.deepStrictEqual(keysIn(upload(workerRebuilt)), keysIn(upload(base)), "a worker re-uploads the control-plane certificates");
    });

    it("a re-imaged control-plane host also re-uploads the control-plane certificates before it joins", () => {
        const rebuilt = idc.controlPlane.hosts[1];
        const after = new Map(joinSteps(controlPlaneRebuilt).map((s) => [s.host.name, s]));
        for (const before of joinSteps(base)) {
            assert.deepStrictEqual(keysIn(after.get(before.host.name)!.join), before.host === rebuilt ? [NEW_KEY] : [before.host.sshHostKey]);
        }
        assert.deepStrictEqual(
            keysIn(upload(controlPlaneRebuilt)),
            idc.controlPlane.hosts.slice(1).map((h) => (h === rebuilt ? NEW_KEY : h.sshHostKey)),
        );
        // The join runs after the upload (through the chain of joins that starts at it).
        const seen = new Set<string>();
        const walk = (urn: string) => {
            if (seen.has(urn)) return;
            seen.add(urn);
            controlPlaneRebuilt.byUrn(urn).dependencies.forEach(walk);
        };
        walk(after.get(rebuilt.name)!.join.urn);
        assert.ok(seen.has(upload(controlPlaneRebuilt).urn));
    });

    it("without a pinned key (outside prod, allowUnpinnedHostKeys) the join's triggers hold no key", () => {
        const dev = loadStackSpec("dev").clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        const w = dev.workers[0];
        const join = unpinned.named(COMMAND, `${dev.name}-workers-${w.name}-kubeadm-join`);
        assert.ok(!triggersOf(join).some((t) => typeof t === "string" && t.startsWith("ssh-")), JSON.stringify(triggersOf(join)).slice(0, 200));
        assert.strictEqual((plain(join.inputs.connection) as { hostKey?: string }).hostKey, undefined);
    });
});
