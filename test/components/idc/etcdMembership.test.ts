// etcd membership on the mock engine (the prod fleet's IDC site, and the same with two members
// added): the membership step on the first member runs before any member starts and is triggered by
// the spec's members; a member's start script and its triggers hold nothing of the other members,
// so adding members changes nothing a running member re-runs for (no restart); the new members'
// starts follow in the chain. The scripts run against real etcd in
// test/integration/idc-etcd-membership.test.ts.
import * as assert from "assert";
import { ETCD_PATHS, peerUrl } from "../../../components/idc/render";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { Inventory, loadStackSpec, newSshHostKey, oneSiteSpec, runFleet } from "../../harness";
import { hostOf, stdinOf, triggersOf } from "./commands";

const COMMAND = "command:remote:Command";

describe("IDC etcd membership on the mock engine (prod fleet's IDC site, then two members added)", () => {
    let idc: IdcClusterSpec;
    let grown: IdcClusterSpec;
    let current: Inventory;
    let after: Inventory;

    before(async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const site = (spec: ReturnType<typeof oneSiteSpec>) => spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        const spec = oneSiteSpec("prod", name);
        const bigger = oneSiteSpec("prod", name, (s) => {
            for (const n of [4, 5]) s.etcd.hosts.push({ ...s.etcd.hosts[0], name: `etcd-${n}`, address: `10.10.1.1${n}`, sshHostKey: newSshHostKey() });
        });
        idc = site(spec);
        grown = site(bigger);
        ({ inventory: current } = await runFleet(spec));
        ({ inventory: after } = await runFleet(bigger));
    });

    const etcd = () => `${idc.name}-etcd`;
    const step = (inv: Inventory, host: string, what: string) => inv.named(COMMAND, `${etcd()}-${host}-${what}`);

    it("the membership step runs on the first member, after its etcdctl files and packages, before the first member starts; the spec's members trigger it", () => {
        const first = idc.etcd.hosts[0];
        const membership = step(current, first.name, "membership");
        assert.strictEqual(hostOf(membership), first.address);
        assert.deepStrictEqual(
            triggersOf(membership),
            idc.etcd.hosts.map((h) => peerUrl(h)),
        );
        assert.ok(step(current, first.name, "start").dependencies.includes(membership.urn), "the first start does not wait for the membership step");
        const deps = membership.dependencies.map((u) => current.byUrn(u).name);
        for (const what of ["packages", "etcdctl-env-install", "etcdctl-key-install", "ca-cert-install"])
            assert.ok(deps.includes(`${etcd()}-${first.name}-${what}`), `not after ${what}`);
        // Only on the first member.
        assert.deepStrictEqual(
            current
                .ofType(COMMAND)
                .filter((c) => c.name.endsWith("-membership"))
                .map((c) => c.name),
            [`${etcd()}-${first.name}-membership`],
        );
        assert.match(stdinOf(membership), new RegExp(`keep=' ${idc.etcd.hosts.map((h) => peerUrl(h).replace(/\./g, "\\.")).join(" ")} '`));
    });

    it("a member's start names no other member, and adding two changes neither its script nor its triggers (no running member restarts)", () => {
        for (const h of idc.etcd.hosts) {
            const start = step(current, h.name, "start");
            for (const other of idc.etcd.hosts.filter((o) => o !== h))
                assert.ok(!stdinOf(start).includes(other.address), `${h.name}'s start names ${other.name}`);
            const grownStart = step(after, h.name, "start");
            assert.strictEqual(stdinOf(grownStart), stdinOf(start), h.name);
            assert.deepStrictEqual(triggersOf(grownStart), triggersOf(start), `${h.name}: its configuration trigger moved`);
        }
        // Its files do change (the members for a bootstrap, etcdctl's endpoints): installed, not restarted for.
        const env = (inv: Inventory) => stdinOf(step(inv, idc.etcd.hosts[0].name, "etcdctl-env-install"));
        assert.notStrictEqual(env(after), env(current));
    });

    it("the new members start after the others, in the spec's order, and the membership step re-runs for them", () => {
        const starts = grown.etcd.hosts.map((h) => step(after, h.name, "start"));
        starts.slice(1).forEach((s, i) => assert.ok(s.dependencies.includes(starts[i].urn), `${s.name} does not follow ${starts[i].name}`));
        assert.deepStrictEqual(
            triggersOf(step(after, grown.etcd.hosts[0].name, "membership")),
            grown.etcd.hosts.map((h) => peerUrl(h)),
        );
        // The health gate waits for all five.
        const healthy = step(after, grown.etcd.hosts[0].name, "healthy");
        for (const h of grown.etcd.hosts) assert.ok(stdinOf(healthy).includes(`https://${h.address}:2379`), h.name);
        assert.ok(stdinOf(starts[3]).includes(`${ETCD_PATHS.configDir}/etcd.conf.yml`));
    });
});
