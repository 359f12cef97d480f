// A re-imaged IDC host (its spec gets the new SSH host key) joins the cluster again, on the mock
// engine: the prod fleet's IDC site as it is, and with a worker and a control-plane host re-imaged. The host's key is a trigger of its token mint and its join, so a new key mints a new
// token and re-runs the join (a join re-run for the connection change alone would send the token of
// the last join, deleted after it); a re-imaged control-plane host also re-uploads the control-plane
// certificates (kubeadm keeps them 2 h), which only control-plane hosts' keys trigger. No other
// step's host keys move. Without a pinned key (outside prod) nothing is added.
import * as assert from "assert";
import { Host } from "../../components/idc/host";
import type { IdcClusterSpec } from "../../stacks/spec";
import { triggersOf } from "../components/idc/commands";
import { Inventory, loadStackSpec, newSshHostKey, oneSiteSpec, RegisteredResource, runFleet } from "../harness";

const COMMAND = "command:remote:Command";

describe("IDC re-imaged hosts join again on the mock engine (prod fleet's IDC site)", () => {
    let idc: IdcClusterSpec;
    let base: Inventory;
    /** The second worker and the second control-plane host re-imaged. */
    let rebuilt: Inventory;
    const NEW_WORKER_KEY = newSshHostKey();
    const NEW_CP_KEY = newSshHostKey();

    before(async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const spec = oneSiteSpec("prod", name);
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        ({ inventory: base } = await runFleet(spec));
        ({ inventory: rebuilt } = await runFleet(
            oneSiteSpec("prod", name, (site) => {
                site.workers[1].sshHostKey = NEW_WORKER_KEY;
                site.controlPlane.hosts[1].sshHostKey = NEW_CP_KEY;
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
    // The generated secrets (certificate key, encryption key) differ between mock runs, so a step's
    // triggers are compared by the host keys they hold, the only part a re-imaged host changes.
    const keysIn = (r: RegisteredResource) => triggersOf(r).filter((t) => typeof t === "string" && t.startsWith("ssh-"));

    it("every join and its mint carry the host's pinned key as a trigger; the certificate upload, the control-plane hosts' keys only", () => {
        for (const { host, mint, join } of joinSteps(base)) {
            assert.deepStrictEqual(keysIn(join), [host.sshHostKey], `${join.name} is not triggered by ${host.name}'s key alone`);
            assert.deepStrictEqual(triggersOf(mint), triggersOf(join), `${mint.name}: not the join's triggers`);
        }
        assert.deepStrictEqual(
            keysIn(upload(base)),
            idc.controlPlane.hosts.slice(1).map((h) => h.sshHostKey),
        );
    });

    it("a re-imaged worker or control-plane host mints a new token and joins again; no other host's steps move", () => {
        const now = new Map(joinSteps(rebuilt).map((s) => [s.host.name, s]));
        const newKey = new Map([
            [idc.workers[1].name, NEW_WORKER_KEY],
            [idc.controlPlane.hosts[1].name, NEW_CP_KEY],
        ]);
        for (const before of joinSteps(base)) {
            const want = [newKey.get(before.host.name) ?? before.host.sshHostKey];
            for (const k of ["mint", "join"] as const) assert.deepStrictEqual(keysIn(now.get(before.host.name)![k]), want, now.get(before.host.name)![k].name);
        }
    });

    it("a re-imaged control-plane host also re-uploads the control-plane certificates before it joins", () => {
        const reimaged = idc.controlPlane.hosts[1];
        assert.deepStrictEqual(
            keysIn(upload(rebuilt)),
            idc.controlPlane.hosts.slice(1).map((h) => (h === reimaged ? NEW_CP_KEY : h.sshHostKey)),
        );
        // The join runs after the upload (through the chain of joins that starts at it).
        assert.ok(rebuilt.dependencyClosure(rebuilt.named(COMMAND, `${cp()}-${reimaged.name}-kubeadm-join`)).has(upload(rebuilt).urn));
    });

    it("without a pinned key (outside prod, allowUnpinnedHostKeys) a host adds no key to any trigger", () => {
        const login = { user: "ops", port: 22, privateKey: undefined as never, hostKeys: { pinned: NEW_WORKER_KEY } };
        const parent = undefined as never;
        assert.deepStrictEqual(new Host(parent, "p", { name: "unpinned", address: "10.0.0.1" }, login).rebuilt, []);
        assert.deepStrictEqual(new Host(parent, "p", { name: "pinned", address: "10.0.0.2" }, login).rebuilt, [NEW_WORKER_KEY]);
    });
});
