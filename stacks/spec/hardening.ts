// Fleet-wide rules against careless and hostile specs: bounds that keep validation near-linear,
// names and stores that must be unique across clusters, namespaces tenants may not claim, and
// formats for the fields that reach scripts and config files.
import type { Cidr } from "../cidr";
import type { Violation } from "./violation";

/** More clusters than any fleet this program is meant for; beyond it a spec is refused, not slowly validated. */
export const MAX_CLUSTERS = 500;

/**
 * Ports an IDC control-plane host already listens on (kubernetes.io "Ports and Protocols": API
 * server 6443, etcd 2379/2380, kubelet 10250, controller-manager 10257, scheduler 10259; etcd's
 * metrics listener 2381 as kubeadm binds it; kube-proxy 10256 and its metrics 10249; kubelet
 * healthz 10248; SSH 22): the HAProxy frontend on the VIP may not take one.
 */
export const HOST_PORTS: ReadonlyMap<number, string> = new Map([
    [22, "SSH"],
    [2379, "etcd client"],
    [2380, "etcd peer"],
    [2381, "etcd metrics"],
    [6443, "kube-apiserver"],
    [10248, "kubelet healthz"],
    [10249, "kube-proxy metrics"],
    [10250, "kubelet"],
    [10256, "kube-proxy health"],
    [10257, "kube-controller-manager"],
    [10259, "kube-scheduler"],
    [10349, "kube-proxy metrics (monitoring's authenticating proxy)"],
]);

/**
 * Namespaces a tenant may not claim: Kubernetes' own (kube-*, default), and those the fleet's
 * layers install into (CNI: calico-*, tigera-operator, cilium*; mesh: istio-*; federation:
 * karmada-*; monitoring). A tenant baseline there would default-deny the system itself.
 */
export function systemNamespace(ns: string): boolean {
    return (
        ns === "default" || ns === "monitoring" || ns === "tigera-operator" || /^(kube|calico|istio|karmada|cilium)(-|$)/.test(ns) || ns.startsWith("cilium")
    );
}

/** An AWS region, e.g. ap-northeast-1, us-gov-west-1 (AWS General Reference, "Regions and zones"). */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** An Alibaba Cloud region id, e.g. cn-shanghai, ap-southeast-1, cn-hongkong (Alibaba Cloud "Regions and zones"). */
export const ALICLOUD_REGION = /^[a-z]{2}-[a-z]+(-[a-z0-9]+)?$/;
/** Whether `zone` is one of `region`'s: a cloud names its zones after the region (ap-northeast-1a, cn-shanghai-e). */
export const isZoneOf = (zone: string, region: string) => zone.startsWith(region) && zone !== region;
/** An https endpoint a backup script may call: a host name or address, an optional port and a plain path. */
export const HTTPS_ENDPOINT = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[A-Za-z0-9._~-]+)*\/?$/;

/**
 * For each block, the index of the first block before it (in input order) that it overlaps, or
 * undefined. CIDR blocks nest or are disjoint, so block b overlaps a iff a is one of b's 33
 * supernets (a map lookup) or a lies inside b (a contiguous run of the blocks sorted by start,
 * answered with a sparse-table range minimum). O(n log n), where comparing every pair was O(n^2).
 */
export function firstOverlaps(blocks: readonly Cidr[]): (number | undefined)[] {
    const n = blocks.length;
    const span = (c: Cidr) => 2 ** (32 - c.prefix);
    const firstByBlock = new Map<number, number>();
    // base * 64 + prefix: a unique, exact number (< 2^38) for a block.
    const keyOf = (base: number, prefix: number) => base * 64 + prefix;
    blocks.forEach((c, i) => {
        const key = keyOf(c.base, c.prefix);
        if (!firstByBlock.has(key)) firstByBlock.set(key, i);
    });
    const order = blocks.map((_, i) => i).sort((a, b) => blocks[a].base - blocks[b].base || a - b);
    const bases = order.map((i) => blocks[i].base);
    // table[k][j] = smallest input index among order[j .. j + 2^k).
    const table: number[][] = [order.slice()];
    for (let k = 1; 1 << k <= n; k++) {
        const prev = table[k - 1];
        const half = 1 << (k - 1);
        table.push(Array.from({ length: n - (1 << k) + 1 }, (_, j) => Math.min(prev[j], prev[j + half])));
    }
    const rangeMin = (lo: number, hi: number): number => {
        if (lo >= hi) return Infinity;
        const k = 31 - Math.clz32(hi - lo);
        return Math.min(table[k][lo], table[k][hi - (1 << k)]);
    };
    const lowerBound = (x: number): number => {
        let lo = 0;
        let hi = n;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (bases[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    };
    return blocks.map((b, i) => {
        let best = rangeMin(lowerBound(b.base), lowerBound(b.base + span(b)));
        for (let p = 0; p <= b.prefix; p++) {
            const size = 2 ** (32 - p);
            const at = firstByBlock.get(keyOf(b.base - (b.base % size), p));
            if (at !== undefined && at < best) best = at;
        }
        // The block itself is in both sets; an identical earlier block is found by the lookup.
        if (best === i) {
            const twin = firstByBlock.get(keyOf(b.base, b.prefix));
            best = twin !== undefined && twin < i ? twin : Infinity;
        }
        return best < i ? best : undefined;
    });
}

/** The parts of a validated spec these rules read (structural, so this file needs no schema import). */
interface HardeningFleet {
    clusters: readonly (
        | {
              provider: "idc";
              name: string;
              region: string;
              network: { tenants: readonly { namespace: string }[] };
              controlPlane: { port: number; hosts: readonly { name: string }[] };
              etcd: { hosts: readonly { name: string }[]; backup: { prefix?: string; objectStore?: { bucket: string; endpoint?: string; region?: string } } };
              workers: readonly { name: string }[];
              metrics: { objectStore: { bucket: string; endpoint?: string; region?: string } };
          }
        | {
              provider: "eks" | "ack";
              name: string;
              region: string;
              zones: readonly string[];
              network: { tenants: readonly { namespace: string }[] };
              metrics: { objectStore: { bucket: string; endpoint?: string; region?: string } };
          }
    )[];
}

export function hardeningRules(fleet: HardeningFleet): Violation[] {
    const out: Violation[] = [];
    const hostNames = new Map<string, string>();
    const backups = new Map<string, string>();
    fleet.clusters.forEach((c, i) => {
        const at = ["clusters", i];
        c.network.tenants.forEach((t, j) => {
            if (systemNamespace(t.namespace)) {
                out.push({
                    path: [...at, "network", "tenants", j, "namespace"],
                    rule: `${t.namespace} is a system namespace (kube-*, default, the CNI's, mesh's, federation's or monitoring's); a tenant may not claim it`,
                });
            }
        });
        if (c.provider === "eks" && !AWS_REGION.test(c.region))
            out.push({ path: [...at, "region"], rule: `must be an AWS region like ap-northeast-1 (got ${JSON.stringify(c.region)})` });
        if (c.provider === "ack" && !ALICLOUD_REGION.test(c.region))
            out.push({ path: [...at, "region"], rule: `must be an Alibaba Cloud region like cn-shanghai (got ${JSON.stringify(c.region)})` });
        // A cloud's zone names begin with their region's (ap-northeast-1a, cn-shanghai-e): another region's zone fails only at apply.
        if (c.provider !== "idc")
            c.zones.forEach((zone, k) => {
                if (!isZoneOf(zone, c.region))
                    out.push({ path: [...at, "zones", k], rule: `${zone} is not a zone of ${c.region} (a zone's name begins with its region's)` });
            });
        const stores: [string[], { endpoint?: string; region?: string } | undefined][] = [[["metrics", "objectStore"], c.metrics.objectStore]];
        if (c.provider === "idc") {
            stores.push([["etcd", "backup", "objectStore"], c.etcd.backup.objectStore]);
            // The plan writes files by host name, and a node name is its identity wherever it is seen.
            const groups = [
                ["controlPlane", c.controlPlane.hosts],
                ["etcd", c.etcd.hosts],
                ["workers", c.workers],
            ] as const;
            for (const [group, hosts] of groups) {
                hosts.forEach((h, k) => {
                    const where = `clusters[${i}].${group === "workers" ? "workers" : `${group}.hosts`}[${k}]`;
                    const twin = hostNames.get(h.name);
                    if (twin && !twin.startsWith(`clusters[${i}].`)) {
                        out.push({
                            path: group === "workers" ? [...at, "workers", k, "name"] : [...at, group, "hosts", k, "name"],
                            rule: `host name ${h.name} is already used by ${twin}; host names are unique fleet-wide`,
                        });
                    } else if (!twin) hostNames.set(h.name, where);
                });
            }
            const port = c.controlPlane.port;
            if (HOST_PORTS.has(port)) {
                out.push({
                    path: [...at, "controlPlane", "port"],
                    rule: `${port} is the ${HOST_PORTS.get(port)} port on the control-plane hosts; the HAProxy frontend needs a free port (e.g. 8443)`,
                });
            }
            // Two clusters' snapshots under one bucket+prefix would interleave and prune each other's.
            const store = c.etcd.backup.objectStore ?? c.metrics.objectStore;
            const prefix = c.etcd.backup.prefix ?? `etcd-backups/${c.name}`;
            const key = `${store.endpoint ?? ""}|${store.bucket}|${prefix}`;
            const twin = backups.get(key);
            if (twin)
                out.push({
                    path: [...at, "etcd", "backup", "prefix"],
                    rule: `etcd backups to bucket ${store.bucket} under ${prefix} are already written by ${twin}; give each cluster its own prefix`,
                });
            else backups.set(key, `clusters[${i}]`);
        }
        for (const [path, store] of stores) {
            if (!store) continue;
            if (store.endpoint !== undefined && !HTTPS_ENDPOINT.test(store.endpoint)) {
                out.push({
                    path: [...at, ...path, "endpoint"],
                    rule: "must be https://host[:port][/path] with a plain host and path (letters, digits, '.', '-', '_', '~')",
                });
            }
            if (store.region !== undefined && !/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/.test(store.region)) {
                out.push({ path: [...at, ...path, "region"], rule: "must be a region name (lowercase letters, digits, '-')" });
            }
        }
    });
    return out;
}
