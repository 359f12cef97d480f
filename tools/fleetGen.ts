// Generates valid fleet specs of any size for the benchmark (tools/bench.ts): the prod stack's
// three clusters (IDC, EKS, ACK) as templates, repeated in groups with their own names and
// address blocks, linked within each group the way prod links them and each group's IDC site
// linked to the hub. Every spec is checked with parseFleet, the program's own validation.
import type { FleetSpec } from "../stacks/spec";
import { parseFleet } from "../stacks/spec";
import { readStackFile, stackFilePath } from "./stackFile";

/** A raw (pre-validation) fleet spec as it stands in a stack file. */
export type RawFleet = Record<string, any>;

/** Replaces whole-word occurrences of `from` in every string of `value`. */
function renameIn(value: unknown, from: string, to: string): unknown {
    const word = new RegExp(`(?<![A-Za-z0-9-])${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9-])`, "g");
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") return v.replace(word, to);
        if (Array.isArray(v)) return v.map(walk);
        // Keys too: a placement's weights are keyed by cluster name.
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(word, to), walk(x)]));
        return v;
    };
    return walk(value);
}

const ADDRESS = /^(\d+)\.(\d+)(\.\d+\.\d+(?:\/\d+)?)$/;

/** Moves every address and block under the `a.b.` prefixes in `moves` to its new prefix. */
function readdress(value: unknown, moves: Map<string, string>): unknown {
    if (typeof value === "string") {
        const m = ADDRESS.exec(value);
        const to = m ? moves.get(`${m[1]}.${m[2]}`) : undefined;
        return to && m ? `${to}${m[3]}` : value;
    }
    if (Array.isArray(value)) return value.map((v) => readdress(v, moves));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readdress(v, moves)]));
    return value;
}

/** The /16 prefix (first two octets) of a block such as 10.10.0.0/20. */
const prefixOf = (block: string) => block.split(".").slice(0, 2).join(".");

/**
 * A raw spec of `count` clusters (1 to 100): cluster i is prod's cluster i mod 3 (IDC, EKS, ACK)
 * renamed `<name>-<i div 3>`. Cluster i's site block (IDC nodes or VPC) moves to 10.i.0.0/16 and
 * its pod block to 10.(100+i).0.0/16 (addresses inside keep their offsets); its service block is
 * the i-th /20 of 172.16.0.0/12. Links: prod's three within each group of three, and every
 * group's IDC cluster to the hub (the first IDC cluster) over IPsec, with the hub as transit.
 */
export function generateFleet(count: number, template: RawFleet = readStackFile(stackFilePath("prod")).rawFleet as RawFleet): RawFleet {
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`cluster count must be 1 to 100 (got ${count})`);
    const templates: any[] = template.clusters;
    const clusters: any[] = [];
    let hubMoves = new Map<string, string>();
    for (let i = 0; i < count; i++) {
        const base = templates[i % templates.length];
        const group = Math.floor(i / templates.length);
        const name = `${base.name}-${group}`;
        const net = base.network;
        const site = net.nodeCidr ?? net.vpcCidr;
        const moves = new Map([
            [prefixOf(site), `10.${i}`],
            [prefixOf(net.podCidr), `10.${100 + i}`],
        ]);
        // An IDC's LoadBalancer range moves to 10.(200 + i/3).0.0 (at most 34 IDC clusters in 100).
        if (net.loadBalancerCidr) moves.set(prefixOf(net.loadBalancerCidr), `10.${200 + Math.floor(i / templates.length)}`);
        const c: any = readdress(renameIn(structuredClone(base), base.name, name), moves);
        c.network.serviceCidr = `172.${16 + Math.floor(i / 16)}.${(i % 16) * 16}.0/20`;
        // Every site has its own BGP AS and Istio network, every IDC its own data centre, and host
        // names are unique fleet-wide.
        c.mesh = { ...c.mesh, network: `net-${name}` };
        if (c.provider === "idc" && group > 0) c.region = `${base.region}-${group}`;
        if (group > 0) c.metrics.objectStore.bucket = `${c.metrics.objectStore.bucket}-${group}`;
        if (c.gateway) c.gateway.asn = 65000 + i;
        if (c.provider === "idc") {
            const rename = (h: any) => ({ ...h, name: `${h.name}-${group}` });
            c.controlPlane.hosts = c.controlPlane.hosts.map(rename);
            c.etcd.hosts = c.etcd.hosts.map(rename);
            c.workers = (c.workers ?? []).map(rename);
            if (c.gateway?.hosts) c.gateway.hosts = c.gateway.hosts.map(rename);
        }
        if (i === 0) hubMoves = moves;
        clusters.push(c);
    }
    const names = clusters.map((c) => c.name);
    const hub = names[0];
    const links: any[] = [];
    for (let group = 0; group * templates.length < count; group++) {
        const inGroup = (n: string) => names.includes(n);
        for (const l of template.links ?? []) {
            const between = l.between.map((n: string) => `${n}-${group}`);
            if (!between.every(inGroup)) continue;
            // Pinned inside /30s are prod's own: every other group's tunnels are allocated.
            const { insideCidrs, ...rest } = structuredClone(l);
            const link: any = { ...rest, between, ...(group === 0 && insideCidrs ? { insideCidrs } : {}) };
            // A dedicated line per group: its own VLAN.
            for (const line of [link.directConnect, link.expressConnect]) if (line?.vlan !== undefined) line.vlan += group;
            links.push(link);
        }
        const site = `${templates[0].name}-${group}`;
        if (group > 0 && inGroup(site)) links.push({ between: [hub, site], kind: "ipsec-vpn" });
    }
    // Federation: the hub's address moves with its LoadBalancer range; the placement policies name
    // prod's three clusters, so they follow group 0 (and go when the fleet is smaller than a group).
    const fleet: any = structuredClone(template);
    if (fleet.federation) {
        let federation: any = readdress(fleet.federation, hubMoves);
        for (const t of templates) federation = renameIn(federation, t.name, `${t.name}-0`);
        if (count < templates.length) {
            delete federation.policies;
            delete federation.overrides;
        }
        fleet.federation = federation;
    }
    // Each group's anchor gets prod's CEN edges, its VPC at 192.168.<group>.0/24 (no site block is there).
    const cenEdges = [];
    for (let group = 0; group * templates.length < count; group++)
        for (const e of template.cenEdges ?? []) {
            const anchor = `${e.anchor}-${group}`;
            if (names.includes(anchor)) cenEdges.push({ ...structuredClone(e), anchor, vpcCidr: `192.168.${group}.0/24` });
        }
    return {
        ...fleet,
        hub,
        links,
        cenEdges,
        // Every group's IDC relays between its cloud sites and the hub.
        transit: count > templates.length ? clusters.filter((c) => c.provider === "idc").map((c) => c.name) : [],
        clusters,
    };
}

/** generateFleet, validated: the spec the program would declare, or every violation. */
export function generateValidFleet(count: number, template?: RawFleet): { raw: RawFleet; spec: FleetSpec } {
    const raw = generateFleet(count, template);
    const parsed = parseFleet(structuredClone(raw));
    if (!parsed.ok) throw new Error(`generated fleet of ${count} clusters is invalid:\n  ${parsed.violations.join("\n  ")}`);
    return { raw, spec: parsed.spec };
}
