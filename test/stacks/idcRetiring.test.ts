// A control-plane host leaving an IDC cluster (`retiring: true`), on the mock engine: the prod
// fleet's IDC site with a fourth control-plane host and its second one retiring. The retiring host
// gets only the steps that take it out, in order (its load balancer stopped, its node drained and
// deleted from the first host, the host reset); every serving host's load balancer, which drops it
// from its peers, backends and VRRP filter, runs after its load balancer stopped; and nothing else
// (kubeadm, the upgrade chains, the add-ons, the monitoring) sees it. Its SSH host key stays pinned.
// The scripts run in real bash in test/integration/idc-retire.test.ts.
import * as assert from "assert";
import { ETCD_PATHS, LB_PATHS, renderDataDiskScript, renderEtcdRetireScript } from "../../components/idc/render";
import type { IdcClusterSpec } from "../../stacks/spec";
import { hostOf, plain, stdinOf, triggersOf } from "../components/idc/commands";
import { evaluatePolicies } from "../../policy/offline";
import { entryOf } from "../../tools/mockEngine";
import type { InventoryFile } from "../../tools/planDiff";
import { Inventory, loadStackSpec, newSshHostKey, oneSiteSpec, RegisteredResource, runFleet } from "../harness";

const COMMAND = "command:remote:Command";
const COPY = "command:remote:CopyToRemote";

/** Every string in a resource's inputs, secrets unwrapped. */
const textsOf = (r: RegisteredResource): string[] => {
    const out: string[] = [];
    const walk = (v: unknown): void => {
        v = plain(v);
        if (typeof v === "string") out.push(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(r.inputs);
    return out;
};

/** The names of the resources whose inputs hold `word` (a host name or address) as a whole word. */
function namingIn(inventory: Inventory, word: string): string[] {
    const pattern = new RegExp(`(?<![-a-z0-9.])${word.replace(/\./g, "\\.")}(?![-a-z0-9]|\\.[0-9])`);
    return inventory.resources.filter((r) => textsOf(r).some((t) => pattern.test(t))).map((r) => r.name);
}

describe("IDC control-plane host retiring on the mock engine (prod fleet's IDC site, 4 hosts, the second retiring)", () => {
    let idc: IdcClusterSpec;
    let inventory: Inventory;
    let retiring: { name: string; address: string };
    let serving: { name: string; address: string }[];
    const cp = () => `${idc.name}-control-plane`;

    before(async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const spec = oneSiteSpec("prod", name, (site) => {
            const hosts = site.controlPlane.hosts;
            hosts.push({ ...hosts[2], name: "cp-4", address: "10.10.0.14", sshHostKey: newSshHostKey() });
            hosts[1].retiring = true;
        });
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        retiring = idc.controlPlane.hosts[1];
        serving = idc.controlPlane.hosts.filter((h) => !h.retiring);
        assert.deepStrictEqual(
            serving.map((h) => h.name),
            ["cp-1", "cp-3", "cp-4"],
        );
        ({ inventory } = await runFleet(spec));
    });

    const on = (address: string) => inventory.resources.filter((r) => (r.type === COMMAND || r.type === COPY) && hostOf(r) === address);
    const step = (n: string) => inventory.named(COMMAND, n);
    const retirement = () => [
        step(`${cp()}-${retiring.name}-retire-load-balancer`),
        step(`${cp()}-${serving[0].name}-node-${retiring.name}-retire`),
        step(`${cp()}-${retiring.name}-retire-reset`),
    ];

    it("declares on the retiring host only its load balancer's stop and its reset, and on the first host its node's drain and deletion", () => {
        assert.deepStrictEqual(
            on(retiring.address)
                .map((r) => r.name)
                .sort(),
            [`${cp()}-${retiring.name}-retire-load-balancer`, `${cp()}-${retiring.name}-retire-reset`],
        );
        const [lb, evict, reset] = retirement();
        assert.strictEqual(hostOf(evict), serving[0].address);
        assert.match(stdinOf(lb), /^systemctl disable --now keepalived haproxy$/m);
        assert.ok(stdinOf(lb).includes(`https://${idc.controlPlane.vip}:${idc.controlPlane.port}/readyz`), "does not wait for the VIP elsewhere");
        assert.match(stdinOf(evict), new RegExp(`kubectl drain ${retiring.name} .*\\n\\s*kubectl delete node ${retiring.name} `));
        assert.match(stdinOf(reset), /^kubeadm reset -f$/m);
        // Run once, when declared: no triggers.
        for (const r of retirement()) assert.strictEqual(r.inputs.triggers, undefined, r.name);
    });

    it("stops the load balancer, then drains and deletes the node (after kubeadm init), then resets the host", () => {
        const [lb, evict, reset] = retirement();
        const init = step(`${cp()}-${serving[0].name}-kubeadm-init`);
        assert.deepStrictEqual(evict.dependencies.slice().sort(), [lb.urn, init.urn].sort());
        assert.deepStrictEqual(reset.dependencies, [evict.urn]);
    });

    it("every serving host's load balancer runs after the retiring one stopped, and no longer names it", () => {
        const [lb] = retirement();
        for (const h of serving) {
            const own = step(`${cp()}-${h.name}-load-balancer`);
            assert.ok(own.dependencies.includes(lb.urn), `${h.name}'s load balancer does not wait for ${retiring.name}'s to stop`);
            for (const file of [LB_PATHS.haproxyCfg, LB_PATHS.keepalivedConf, LB_PATHS.vrrpFilter]) {
                const copy = on(h.address).find((r) => r.type === COPY && String(r.inputs.remotePath).endsWith(file.slice(1)))!;
                const text = String((plain(copy.inputs.source) as { text: string }).text);
                assert.ok(!text.includes(retiring.address), `${h.name}: ${file} still names ${retiring.address}`);
                for (const other of serving)
                    if (other !== h || file === LB_PATHS.haproxyCfg) assert.ok(text.includes(other.address), `${h.name}: ${file} lacks ${other.address}`);
            }
        }
    });

    const naming = (word: string) => namingIn(inventory, word);

    it("leaves the retiring host out of kubeadm, both upgrade chains and the add-ons, and keeps its SSH host key pinned", () => {
        // Its name: only in the first host's drain and deletion. Its address: only in the retirement's own connections.
        assert.deepStrictEqual(naming(retiring.name), [`${cp()}-${serving[0].name}-node-${retiring.name}-retire`]);
        assert.deepStrictEqual(naming(retiring.address).sort(), [`${cp()}-${retiring.name}-retire-load-balancer`, `${cp()}-${retiring.name}-retire-reset`]);
        // The positive control: a serving host is named throughout.
        assert.ok(naming(serving[1].address).length > 20);
        const pinned = loadStackSpec("prod").clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!.controlPlane.hosts[1].sshHostKey;
        for (const r of on(retiring.address)) {
            const key = (plain(r.inputs.connection) as { hostKey?: string }).hostKey;
            assert.strictEqual(key, pinned, `${r.name} does not pin ${retiring.name}'s host key`);
        }
    });
});

describe("IDC control-plane hosts listed in another order on the mock engine (prod fleet's IDC site)", () => {
    it("keeps every worker's drain-on-removal under its URN: another first host deletes none of them, which would drain every worker", async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const evicts = async (spec: ReturnType<typeof oneSiteSpec>) =>
            (await runFleet(spec)).inventory
                .ofType(COMMAND)
                .filter((c) => c.inputs.delete !== undefined && c.name.endsWith("-evict"))
                .map((c) => [c.urn, hostOf(c)]);
        const before = await evicts(oneSiteSpec("prod", name));
        const after = await evicts(
            oneSiteSpec("prod", name, (site) => {
                const [a, b, ...rest] = site.controlPlane.hosts;
                site.controlPlane.hosts = [b, a, ...rest];
            }),
        );
        assert.strictEqual(before.length, loadStackSpec("prod").clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!.workers.length);
        assert.deepStrictEqual(
            after.map(([urn]) => urn),
            before.map(([urn]) => urn),
        );
        // Run from the new first host.
        assert.notDeepStrictEqual(
            after.map(([, host]) => host),
            before.map(([, host]) => host),
        );
    });
});

describe("IDC etcd members listed in another order on the mock engine (prod fleet's IDC site)", () => {
    it("restarts no member and keeps every data disk's URN: only the first member's membership step and health gate move to the new first", async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const etcdSteps = async (spec: ReturnType<typeof oneSiteSpec>) =>
            new Map(
                (await runFleet(spec)).inventory
                    .ofType(COMMAND)
                    .filter((c) => c.name.startsWith(`${name}-etcd-`))
                    .map((c) => [c.urn, JSON.stringify([stdinOf(c), triggersOf(c), c.protect])]),
            );
        const before = await etcdSteps(oneSiteSpec("prod", name));
        const after = await etcdSteps(
            oneSiteSpec("prod", name, (site) => {
                const [a, b, ...rest] = site.etcd.hosts;
                site.etcd.hosts = [b, a, ...rest];
            }),
        );
        const gone = [...before.keys()].filter((u) => !after.has(u)).map((u) => u.split("::").pop());
        const added = [...after.keys()].filter((u) => !before.has(u)).map((u) => u.split("::").pop());
        assert.deepStrictEqual(gone.sort(), [`${name}-etcd-etcd-1-healthy`, `${name}-etcd-etcd-1-membership`]);
        assert.deepStrictEqual(added.sort(), [`${name}-etcd-etcd-2-healthy`, `${name}-etcd-etcd-2-membership`]);
        // Every other step as it was: the starts (no restart), the disks (protected, same script), the files' installs
        // whose content does not list the members; those that do (etcdctl.env, the config's initial-cluster) restart nothing.
        const changed = [...before]
            .filter(([u, v]) => after.has(u) && after.get(u) !== v)
            .map(([u]) => u.split("::").pop()!)
            .filter((n) => !/-(config|etcdctl-env)-install$/.test(n));
        assert.deepStrictEqual(changed, []);
        assert.ok([...after.keys()].some((u) => u.endsWith(`${name}-etcd-etcd-1-start`)));
    });
});

describe("IDC etcd members retiring on the mock engine (prod fleet's IDC site, 5 members, the last two retiring)", () => {
    let idc: IdcClusterSpec;
    let inventory: Inventory;
    /** The same site with only its three serving members: the fleet before the additions and after the removal. */
    let base: Inventory;
    let retiring: IdcClusterSpec["etcd"]["hosts"];
    let serving: IdcClusterSpec["etcd"]["hosts"];
    const etcd = () => `${idc.name}-etcd`;
    const cp = () => `${idc.name}-control-plane`;

    before(async () => {
        const name = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!.name;
        const spec = oneSiteSpec("prod", name, (site) => {
            const hosts = site.etcd.hosts;
            for (const n of [4, 5]) hosts.push({ ...hosts[0], name: `etcd-${n}`, address: `10.10.1.${10 + n}`, sshHostKey: newSshHostKey(), retiring: true });
        });
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        retiring = idc.etcd.hosts.filter((h) => h.retiring);
        serving = idc.etcd.hosts.filter((h) => !h.retiring);
        assert.deepStrictEqual(
            serving.map((h) => h.name),
            ["etcd-1", "etcd-2", "etcd-3"],
        );
        ({ inventory } = await runFleet(spec));
        ({ inventory: base } = await runFleet(oneSiteSpec("prod", name)));
    });

    const on = (inv: Inventory, address: string) => inv.resources.filter((r) => (r.type === COMMAND || r.type === COPY) && hostOf(r) === address);
    const step = (n: string) => inventory.named(COMMAND, n);

    it("declares on a retiring member only its data disk, now unprotected and otherwise as it was, and its retirement", () => {
        for (const m of retiring) {
            assert.deepStrictEqual(
                on(inventory, m.address)
                    .map((r) => r.name)
                    .sort(),
                [`${etcd()}-${m.name}-data-disk`, `${etcd()}-${m.name}-retire`],
            );
            const disk = step(`${etcd()}-${m.name}-data-disk`);
            assert.strictEqual(disk.protect, false, `${m.name}: the disk would block the member's removal from the spec`);
            assert.strictEqual(stdinOf(disk), renderDataDiskScript(m.nvmeDevice, idc.etcd.dataDir));
            for (const r of on(inventory, m.address)) {
                assert.strictEqual((plain(r.inputs.connection) as { hostKey?: string }).hostKey, m.sshHostKey, `${r.name} does not pin ${m.name}'s host key`);
            }
        }
        for (const m of serving) assert.strictEqual(step(`${etcd()}-${m.name}-data-disk`).protect, true, m.name);
    });

    it("retires one member after the other, once every API server has its new etcd endpoints and the serving members are healthy", () => {
        const [first, second] = retiring.map((m) => step(`${etcd()}-${m.name}-retire`));
        const apiServers = [
            step(`${cp()}-${idc.controlPlane.hosts[0].name}-kubeadm-init`),
            ...idc.controlPlane.hosts.slice(1).map((h) => step(`${cp()}-${h.name}-kubeadm-join`)),
        ];
        const healthy = step(`${etcd()}-${serving[0].name}-healthy`);
        for (const [r, m] of [
            [first, retiring[0]],
            [second, retiring[1]],
        ] as const) {
            for (const before of [healthy, step(`${etcd()}-${m.name}-data-disk`), ...apiServers]) {
                assert.ok(r.dependencies.includes(before.urn), `${r.name} does not wait for ${before.name}`);
            }
            assert.strictEqual(r.inputs.triggers, undefined, `${r.name}: run once, when declared`);
            assert.strictEqual(stdinOf(r), renderEtcdRetireScript(m, serving, { ...ETCD_PATHS, mount: idc.etcd.dataDir }));
        }
        assert.ok(second.dependencies.includes(first.urn), "the two members leave at the same time");
        // The API servers' configuration lists the serving members only.
        const clusterConfig = on(inventory, idc.controlPlane.hosts[0].address).find(
            (r) => r.type === COPY && String(r.inputs.remotePath).endsWith("kubeadm-cluster.yaml"),
        )!;
        const text = String((plain(clusterConfig.inputs.source) as { text: string }).text);
        for (const m of serving) assert.ok(text.includes(`https://${m.address}:2379`), m.name);
        for (const m of retiring) assert.ok(!text.includes(m.address), `${m.name} is still an etcd endpoint of the API servers`);
    });

    it("names a retiring member only in its own steps and the membership step, which keeps it", () => {
        const membership = step(`${etcd()}-${serving[0].name}-membership`);
        for (const m of retiring) {
            assert.deepStrictEqual(
                namingIn(inventory, m.address).sort(),
                [membership.name, `${etcd()}-${m.name}-data-disk`, `${etcd()}-${m.name}-retire`].sort(),
                m.name,
            );
            assert.ok(stdinOf(membership).includes(`https://${m.address}:2380`), `the membership step would remove ${m.name} as a lost member`);
        }
        // The positive control: a serving member is named throughout (its files, start, the API servers, the monitoring).
        assert.ok(namingIn(inventory, serving[1].address).length > 20);
    });

    it("restarts no serving member, and removing the retired entries afterwards drops only their steps and disks", () => {
        for (const m of serving) {
            const start = `${etcd()}-${m.name}-start`;
            assert.deepStrictEqual(triggersOf(step(start)), triggersOf(base.named(COMMAND, start)), start);
            assert.strictEqual(stdinOf(step(start)), stdinOf(base.named(COMMAND, start)), start);
        }
        const urns = (inv: Inventory) => new Set(inv.resources.map((r) => r.urn));
        const [now, after] = [urns(inventory), urns(base)];
        assert.deepStrictEqual(
            [...now]
                .filter((u) => !after.has(u))
                .map((u) => u.split("::").pop())
                .sort(),
            retiring.flatMap((m) => [`${etcd()}-${m.name}-data-disk`, `${etcd()}-${m.name}-retire`]).sort(),
        );
        assert.deepStrictEqual(
            [...after].filter((u) => !now.has(u)),
            [],
        );
    });
    it("passes the policy pack: the unprotected disk is a retirement's, and only that exempts it", () => {
        const inv: InventoryFile = { project: "hybrid-fleet", stack: "prod", resources: inventory.resources.map((r) => entryOf(r)) };
        const mandatory = (file: InventoryFile) => evaluatePolicies(file).violations.filter((v) => v.enforcementLevel === "mandatory");
        assert.deepStrictEqual(mandatory(inv), []);
        // The same disk without the retirement depending on it: reported.
        const retire = inv.resources.find((r) => r.name === `${etcd()}-${retiring[0].name}-retire`)!;
        const disk = inv.resources.find((r) => r.name === `${etcd()}-${retiring[0].name}-data-disk`)!;
        retire.dependencies = retire.dependencies.filter((u) => u !== disk.urn);
        assert.deepStrictEqual(
            mandatory(inv).map((v) => [v.urn, v.message]),
            [[disk.urn, "a command that formats a data disk must be protected"]],
        );
    });
});
