// The links' addressing plan, in one place: which tunnels each link has and which gateway carries
// each, the inside /30 of every tunnel (allocated fleet-wide from 169.254.0.0/16), both ends' ASNs,
// the IKE/ESP suite both ends accept, and the prefixes each site announces. Pure: the spec rules
// (tunnel counts, reserved blocks) and the cloud and IDC components all read the same plan.
import type * as pulumi from "@pulumi/pulumi";
import type { FabricPeer, IdcGatewayHostPlan, TunnelCrypto, TunnelParams } from "./types";
import { byText } from "../core/order";

export type EndKind = "idc" | "eks" | "ack";
export type LinkKind = "ipsec-vpn" | "direct-connect" | "express-connect";
/** How traffic that crosses the border of mainland China is carried (a licensed product, ordered out of band). */
export type CrossBorder = "cen" | "carrier-line";

/** One site as the links see it. */
export interface LinkSite {
    /** The fleet's cluster name. */
    name: string;
    kind: EndKind;
    region: string;
    /** The site's BGP ASN (TGW/DX gateway amazon side, Alibaba VPN gateway/VBR local AS, IDC gateways). */
    asn: number;
    /** What the site announces to the others: node network or VPC, pods, IDC load balancer range. */
    announce: string[];
    /** IDC: the gateway hosts (one or two) that terminate the tunnels. */
    gateways?: { name: string; address: string; publicAddress: string; fabricPeers?: FabricPeer[] }[];
    /** IDC: the rack switches the gateways peer with (a gateway with its own `fabricPeers` peers with those instead). */
    fabricPeers?: FabricPeer[];
    /** The site re-advertises what it learns on one link to its other links. */
    transit?: boolean;
    /** The site is in mainland China (decided by the fleet from its provider and region, or an IDC's own statement). */
    mainlandChina?: boolean;
}

export interface DirectConnectLine {
    connectionId: string;
    vlan: number;
    /** "169.254.x.y/30" form, as the transit VIF takes them. */
    amazonAddress: string;
    customerAddress: string;
    /** The Direct Connect gateway's AS (differs from the Transit Gateway's). */
    amazonSideAsn: number;
    mtu: number;
}

export interface ExpressConnectLine {
    physicalConnectionId: string;
    vlan: number;
    localGatewayIp: string;
    peerGatewayIp: string;
    peeringSubnetMask: string;
}

/**
 * `crossBorder: cen`: the CEN cross-border capacity the link's traffic is licensed on: from the
 * transit router of `anchor` (an ACK site in mainland China) to a transit router in `region`
 * (an Alibaba Cloud region outside mainland China), out of a cross-border bandwidth package.
 */
export interface CenCrossing {
    anchor: string;
    region: string;
    bandwidthMbps: number;
}

export interface LinkDecl {
    between: readonly [string, string];
    kind: LinkKind;
    /** ipsec-vpn: pinned inside /30s, one per tunnel in plan order; otherwise allocated. */
    insideCidrs?: string[];
    /** ipsec-vpn: pinned XFRM interface ids of the tunnels' IDC ends, one per tunnel in plan order; otherwise derived. */
    xfrmIfIds?: number[];
    /** ipsec-vpn: how many times each tunnel's PSK was rotated, one per tunnel in plan order; 0 when unset. */
    pskRotations?: number[];
    crossBorder?: CrossBorder;
    cen?: CenCrossing;
    directConnect?: DirectConnectLine;
    expressConnect?: ExpressConnectLine;
}

/** A named IKE/ESP suite with its spelling for each implementation. */
export interface CryptoSuite {
    id: "aes256gcm-sha384-ecp384" | "aes256-sha256-modp2048";
    strongswan: TunnelCrypto;
    /** aws.ec2.VpnConnection tunnel options. */
    aws: { encryption: string[]; integrity: string[]; dhGroups: number[] };
    /** alicloud.vpn.Connection tunnel IKE/IPsec config. */
    alicloud?: { encAlg: string; authAlg: string; pfs: string };
}

// AWS Site-to-Site VPN tunnel options: phase 1 lifetime 28800 s, phase 2 3600 s (its defaults and
// maxima), DPD every 10 s on our side against AWS's 30 s DPD timeout.
const LIFETIMES = { ikeLifetimeSeconds: 28800, espLifetimeSeconds: 3600, dpdDelaySeconds: 10 };

export const CRYPTO_SUITES: Record<CryptoSuite["id"], CryptoSuite> = {
    // AWS and strongSwan both do AES-GCM with ECP-384 (AWS VPN "Tunnel options": AES256-GCM-16,
    // SHA2-384, DH group 20). Alibaba's VPN gateway has no GCM (IkeEncAlg: aes, aes192, aes256, des,
    // 3des, sm4), so it never gets this suite.
    "aes256gcm-sha384-ecp384": {
        id: "aes256gcm-sha384-ecp384",
        strongswan: { ike: "aes256gcm16-prfsha384-ecp384", esp: "aes256gcm16-ecp384", ...LIFETIMES },
        aws: { encryption: ["AES256-GCM-16"], integrity: ["SHA2-384"], dhGroups: [20] },
    },
    // What AWS and Alibaba both accept: AES-256-CBC, SHA2-256, DH group 14 (Alibaba IkePfs group14,
    // AWS DH group 14); PFS with the same group in phase 2.
    "aes256-sha256-modp2048": {
        id: "aes256-sha256-modp2048",
        strongswan: { ike: "aes256-sha256-modp2048", esp: "aes256-sha256-modp2048", ...LIFETIMES },
        aws: { encryption: ["AES256"], integrity: ["SHA2-256"], dhGroups: [14] },
        alicloud: { encAlg: "aes256", authAlg: "sha256", pfs: "group14" },
    },
};

/** The suite of a link: GCM where no Alibaba VPN gateway is an end, the common CBC suite otherwise. */
export function suiteFor(a: EndKind, b: EndKind): CryptoSuite {
    return a === "ack" || b === "ack" ? CRYPTO_SUITES["aes256-sha256-modp2048"] : CRYPTO_SUITES["aes256gcm-sha384-ecp384"];
}

/** One end of a tunnel. */
export interface TunnelEnd {
    site: string;
    /** Inside address (the first host of the /30 on end `a`, the second on end `b`). */
    inside: string;
    asn: number;
    /** IDC end: the gateway host that carries the tunnel. */
    gateway?: string;
    /** IDC end: the XFRM interface id on that host. */
    ifId?: number;
}

export interface PlannedTunnel {
    /** Unique in the fleet: names the swanctl connection and the cloud resources of the tunnel. */
    name: string;
    /** AWS: the VPN connection (one per customer gateway) and its tunnel 1 or 2; Alibaba: see the components. */
    connection: number;
    index: 1 | 2;
    insideCidr: string;
    a: TunnelEnd;
    b: TunnelEnd;
    /** How many times the tunnel's PSK was rotated (`links[].pskRotations`); absent for 0. */
    pskRotation?: number;
}

/**
 * A mainland anchor's gateway in an outside region (`cenEdges[]`): a small VPC with two vSwitches
 * and a dual-tunnel VPN gateway, attached to the CEN transit router of that region. The AWS ends of
 * the anchor's cross-border links face it instead of a mainland gateway.
 */
export interface CenEdgeDecl {
    anchor: string;
    region: string;
    vpcCidr: string;
    /** Two zones of `region` that offer dual-tunnel VPN gateways and transit router attachments. */
    zones: [string, string];
    /** Per EKS site: how many times each of its crossing's tunnels' PSK was rotated, in plan order; 0 when unset. */
    pskRotations?: Record<string, number[]>;
    /** Days the edge VPC's flow logs are kept: the anchor's own VPC's (its network.flowLogRetentionDays). */
    flowLogRetentionDays: number;
}

/** A CEN edge's name: `<anchor>-<region>`. */
export const cenEdgeName = (anchor: string, region: string) => `${anchor}-${region}`;
/** Its gateway's component (the VPC, the VPN gateway, the attachment, the flow logs): `<anchor>-<region>-edge`. */
export const cenEdgeGatewayName = (anchor: string, region: string) => `${cenEdgeName(anchor, region)}-edge`;
/**
 * The SLS project of its VPC's flow logs (in its region: a flow log writes to a project of its own
 * region), beside the anchor's own `<anchor>-<stack>-vpc-flow-logs`; the spec checks it against SLS's rule.
 */
export const cenEdgeFlowLogProject = (anchor: string, region: string, stack: string) => `${anchor}-${stack}-${region}-flow-logs`;

/** The tunnels between one EKS site's Transit Gateway and a CEN edge gateway, shared by every cross-border link they carry. */
export interface PlannedEdgeCrossing {
    /** `<eks>-<anchor>-<region>`: names the tunnels and the VPN connections. */
    name: string;
    eks: LinkSite;
    /** Two AWS connections (one per edge IP), two tunnels each: the eks <-> ack layout. */
    tunnels: PlannedTunnel[];
    /** The links that ride these tunnels (their own `tunnels` are empty). */
    links: string[];
}

export interface PlannedCenEdge {
    /** `<anchor>-<region>`. */
    name: string;
    anchor: LinkSite;
    region: string;
    vpcCidr: string;
    zones: [string, string];
    /** One per EKS site whose cross-border links ride this edge. */
    crossings: PlannedEdgeCrossing[];
    flowLogRetentionDays: number;
    /** What the edge's transit router routes to the edge VPC (the AWS prefixes: the VPC attachment propagates only the VPC's own vSwitch blocks). */
    awsPrefixes: string[];
    /**
     * Prefixes of mainland IDCs whose cross-border links ride this edge and that reach the anchor
     * over an IPsec link to its VPN gateway (in the anchor's VPC, not on its transit router): the
     * anchor's transit router routes them to its VPC attachment. An Express Connect line's VBR
     * propagates them itself.
     */
    anchorVpcPrefixes: string[];
}

export interface PlannedLink {
    /** `<a>-<b>`: the cloud end first (eks, then ack, then idc). */
    name: string;
    kind: LinkKind;
    a: LinkSite;
    b: LinkSite;
    tunnels: PlannedTunnel[];
    crypto: CryptoSuite;
    crossBorder?: CrossBorder;
    cen?: CenCrossing;
    directConnect?: DirectConnectLine;
    expressConnect?: ExpressConnectLine;
    /** What each end routes over the link: the other end's prefixes and, through a transit site, what it relays. */
    routesTo: { a: string[]; b: string[] };
    /** The link's traffic rides this CEN edge (`<anchor>-<region>`): AWS <-> edge gateway tunnels, then CEN; it has no tunnels of its own. */
    cenEdge?: string;
    /** With `cenEdge` and a mainland IDC end: how the IDC reaches the anchor (its link to it). */
    anchorPath?: LinkKind;
}

export interface LinksPlan {
    links: PlannedLink[];
    cenEdges: PlannedCenEdge[];
}

// ---- address arithmetic (components do not import the spec's helpers) ----
const ipToInt = (ip: string) => ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
const LINK_LOCAL = ipToInt("169.254.0.0");

/** AWS refuses these inside CIDRs (VPN "Tunnel options": 169.254.0.0/30 .. 169.254.5.0/30, 169.254.169.252/30). */
export const RESERVED_INSIDE_CIDRS = [
    "169.254.0.0/30",
    "169.254.1.0/30",
    "169.254.2.0/30",
    "169.254.3.0/30",
    "169.254.4.0/30",
    "169.254.5.0/30",
    "169.254.169.252/30",
];

/** Allocation starts above AWS's reserved blocks, so pinned and allocated /30s read apart. */
const FIRST_ALLOCATED = ipToInt("169.254.10.0");

const END_ORDER: Record<EndKind, number> = { eks: 0, ack: 1, idc: 2 };

/** The two ends in plan order: the cloud end first (eks before ack before idc); spec order otherwise. */
export function orderEnds(x: LinkSite, y: LinkSite): [LinkSite, LinkSite] {
    return END_ORDER[y.kind] < END_ORDER[x.kind] ? [y, x] : [x, y];
}

/**
 * The tunnels a link has, without addresses: per connection and index, the IDC gateway (by
 * position) each end's tunnel lands on.
 * - eks <-> idc: one AWS VPN connection per IDC gateway (its customer gateway), both its tunnels on that host;
 * - ack <-> idc: one dual-tunnel connection, tunnel 1 on the first gateway, tunnel 2 on the second (or the only one);
 * - eks <-> ack: two AWS connections (one per public IP of the Alibaba gateway), four tunnels;
 * - idc <-> idc: two tunnels, gateway i facing gateway i.
 * Dedicated lines and links riding a CEN edge (`edgeOf`) have no tunnels.
 */
export function tunnelLayout(
    kind: LinkKind,
    a: { kind: EndKind; gateways?: unknown[] },
    b: { kind: EndKind; gateways?: unknown[] },
    viaCenEdge = false,
): { connection: number; index: 1 | 2; aGateway?: number; bGateway?: number }[] {
    // A link that rides a CEN edge has no tunnels of its own: the edge crossing's carry it.
    if (kind !== "ipsec-vpn" || viaCenEdge) return [];
    const [x, y] = END_ORDER[b.kind] < END_ORDER[a.kind] ? [b, a] : [a, b];
    const gws = (s: { gateways?: unknown[] }) => Math.max(1, s.gateways?.length ?? 0);
    const pair = `${x.kind}-${y.kind}`;
    if (pair === "eks-idc") {
        return Array.from({ length: gws(y) }, (_, g) => [1, 2].map((i) => ({ connection: g + 1, index: i as 1 | 2, bGateway: g }))).flat();
    }
    if (pair === "ack-idc") return [1, 2].map((i) => ({ connection: 1, index: i as 1 | 2, bGateway: (i - 1) % gws(y) }));
    if (pair === "eks-ack") return [1, 2].flatMap((c) => [1, 2].map((i) => ({ connection: c, index: i as 1 | 2 })));
    if (pair === "idc-idc") return [1, 2].map((i) => ({ connection: 1, index: i as 1 | 2, aGateway: (i - 1) % gws(x), bGateway: (i - 1) % gws(y) }));
    return [];
}

/** The /30s pinned by the spec (insideCidrs, Direct Connect peerings in 169.254/16): allocation skips them. */
function pinnedBlocks(links: LinkDecl[]): Set<number> {
    const out = new Set<number>();
    const add = (text: string) => {
        const ip = ipToInt(text.split("/")[0]);
        out.add(ip - (ip % 4));
    };
    for (const l of links) {
        (l.insideCidrs ?? []).forEach(add);
        if (l.directConnect) [l.directConnect.amazonAddress, l.directConnect.customerAddress].forEach(add);
    }
    return out;
}

/** Prefixes reachable from `from` over the link to `to`: `to`'s own and, if `to` relays, those behind it. */
function prefixesVia(sites: Map<string, LinkSite>, links: LinkDecl[], from: string, to: string): string[] {
    const seen = new Set([from, to]);
    const out = [...(sites.get(to)?.announce ?? [])];
    const queue = sites.get(to)?.transit ? [to] : [];
    while (queue.length > 0) {
        const at = queue.shift()!;
        for (const l of links) {
            const [p, q] = l.between;
            const next = p === at ? q : q === at ? p : undefined;
            if (!next || seen.has(next)) continue;
            seen.add(next);
            out.push(...(sites.get(next)?.announce ?? []));
            if (sites.get(next)?.transit) queue.push(next);
        }
    }
    return out;
}

/** FNV-1a, 32 bits: a stable, well-spread hash of a tunnel's key (no crypto needed, only spread). */
function fnv1a(text: string): number {
    let h = 0x811c9dc5;
    for (const ch of Buffer.from(text, "utf8")) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
    return h;
}

/** /30 slots from 169.254.10.0 to the end of 169.254.0.0/16. */
const SLOTS = (LINK_LOCAL + 2 ** 16 - FIRST_ALLOCATED) / 4;

/** The key an unpinned tunnel's /30 is derived from: its link's two ends (sorted, so `between` order does not matter) and its slot. */
export const tunnelKey = (ends: readonly [string, string], connection: number, index: number) => `${[...ends].sort().join("|")}|c${connection}t${index}`;

/**
 * Unpinned /30s, stable under insertion: each tunnel starts at the slot its key hashes to (from
 * 169.254.10.0 up) and probes forward past pinned, reserved and already taken blocks; keys are
 * taken in sorted order, not spec order. Adding or removing a link moves another's /30 only if
 * their probe chains meet (about 1 in 15,700 per tunnel pair); pin `insideCidrs` where that matters.
 */
function allocateInside(keys: string[], taken: Set<number>): Map<string, number> {
    const out = new Map<string, number>();
    for (const key of [...keys].sort()) {
        const start = fnv1a(key) % SLOTS;
        let found: number | undefined;
        for (let i = 0; i < SLOTS && found === undefined; i++) {
            const base = FIRST_ALLOCATED + ((start + i) % SLOTS) * 4;
            if (!taken.has(base)) found = base;
        }
        if (found === undefined) throw new Error("169.254.0.0/16 has no free /30 left for tunnels");
        taken.add(found);
        out.set(key, found);
    }
    return out;
}

/**
 * Whether a link's traffic rides a CEN edge: an ipsec-vpn link on `crossBorder: cen` with a mainland
 * anchor, whose outside end is an EKS site and whose mainland end an ACK site (the anchor) or an IDC
 * (which reaches the anchor over its own link). The AWS tunnels then end at the anchor's edge gateway
 * in the outside region, never at a mainland gateway across the border.
 */
export function edgeOf(l: Pick<LinkDecl, "kind" | "crossBorder" | "cen">, x: LinkSite, y: LinkSite): { anchor: string; region: string } | undefined {
    if (!l.cen || edgeInside(l, x, y) === undefined) return undefined;
    return { anchor: l.cen.anchor, region: l.cen.region };
}

/**
 * Whether a link rides a CEN edge, and which end is the mainland one (0 or 1): an ipsec-vpn link on
 * `crossBorder: cen` between an end in mainland China that is not eks and an eks end outside it.
 * The one decision the plan (edgeOf) and the spec rules (stacks/spec/links.ts cenEdgeOf) share.
 */
export function edgeInside(
    l: { kind: string; crossBorder?: string },
    x: { kind: EndKind; mainlandChina?: boolean },
    y: { kind: EndKind; mainlandChina?: boolean },
): 0 | 1 | undefined {
    if (l.kind !== "ipsec-vpn" || l.crossBorder !== "cen") return undefined;
    if (x.mainlandChina === undefined || y.mainlandChina === undefined || x.mainlandChina === y.mainlandChina) return undefined;
    const [inside, outside] = x.mainlandChina ? [x, y] : [y, x];
    if (outside.kind !== "eks" || inside.kind === "eks") return undefined;
    return x.mainlandChina ? 0 : 1;
}

/** The key of an edge crossing's tunnels: the EKS site and the edge (`<anchor>@<region>`). */
const edgeEnds = (eks: string, anchor: string, region: string) => [eks, `${anchor}@${region}`] as const;

/** XFRM interface ids derived from a tunnel's key start here, above any small pinned id. */
export const FIRST_DERIVED_IF_ID = 256;
/** Derived ids stay below this (xfrm<id> stays short; ids are per host, a host carries few tunnels). */
const IF_ID_SLOTS = 65536 - FIRST_DERIVED_IF_ID;

/**
 * The whole plan: links in spec order, tunnels in layout order, each tunnel its pinned /30 or one
 * derived from its key (`allocateInside`), so inserting a link in front of others keeps theirs.
 * XFRM interface ids on IDC gateway hosts the same way: pinned (`xfrmIfIds`), else derived from
 * the tunnel's key and probed past the ids already taken on that host.
 */
export function planLinks(sites: LinkSite[], links: LinkDecl[], edges: CenEdgeDecl[] = []): LinksPlan {
    const byName = new Map(sites.map((s) => [s.name, s]));
    const taken = pinnedBlocks(links);
    for (const r of RESERVED_INSIDE_CIDRS) taken.add(ipToInt(r.split("/")[0]));
    const siteOf = (n: string) => {
        const s = byName.get(n);
        if (!s) throw new Error(`link end ${n} is not a site of the plan`);
        return s;
    };
    const edgeOfDecl = (l: LinkDecl) => {
        const [x, y] = l.between.map((n) => byName.get(n));
        return x && y ? edgeOf(l, x, y) : undefined;
    };
    const unpinned: string[] = [];
    for (const l of links) {
        const ends = l.between.map((n) => byName.get(n));
        if (ends.some((e) => !e)) continue;
        tunnelLayout(l.kind, ends[0]!, ends[1]!, edgeOfDecl(l) !== undefined).forEach((slot, i) => {
            if (!l.insideCidrs?.[i]) unpinned.push(tunnelKey(l.between, slot.connection, slot.index));
        });
    }

    // The CEN edges and, per EKS site, the crossing that carries its cross-border links to that edge.
    const crossingsOf = new Map<string, { edge: CenEdgeDecl; eks: LinkSite; links: string[] }>();
    for (const l of links) {
        const e = edgeOfDecl(l);
        if (!e) continue;
        const edge = edges.find((d) => d.anchor === e.anchor && d.region === e.region);
        if (!edge) throw new Error(`link ${l.between.join(" <-> ")} rides ${e.anchor}'s CEN edge in ${e.region}, which cenEdges does not declare`);
        const eks = l.between.map(siteOf).find((s) => s.kind === "eks")!;
        const key = `${e.anchor}-${e.region}/${eks.name}`;
        const c = crossingsOf.get(key) ?? { edge, eks, links: [] };
        crossingsOf.set(key, c);
        const [a, b] = orderEnds(...(l.between.map(siteOf) as [LinkSite, LinkSite]));
        c.links.push(`${a.name}-${b.name}`);
    }
    for (const c of crossingsOf.values())
        tunnelLayout("ipsec-vpn", { kind: "eks" }, { kind: "ack" }).forEach((slot) =>
            unpinned.push(tunnelKey(edgeEnds(c.eks.name, c.edge.anchor, c.edge.region), slot.connection, slot.index)),
        );
    const allocated = allocateInside(unpinned, taken);

    // XFRM interface ids: pinned ones first (every host's), then derived ones in key order.
    const ifIds = new Map<string, Map<string, number>>(); // host -> tunnel key -> id
    const usedIds = (host: string) => {
        if (!ifIds.has(host)) ifIds.set(host, new Map());
        return ifIds.get(host)!;
    };
    const idcHosts: { host: string; key: string }[] = [];
    for (const l of links) {
        const ends = l.between.map((n) => byName.get(n));
        if (ends.some((e) => !e)) continue;
        const [a, b] = orderEnds(ends[0]!, ends[1]!);
        tunnelLayout(l.kind, a, b, edgeOfDecl(l) !== undefined).forEach((slot, i) => {
            const key = tunnelKey(l.between, slot.connection, slot.index);
            for (const [site, g] of [
                [a, slot.aGateway],
                [b, slot.bGateway],
            ] as const) {
                const host = g !== undefined ? site.gateways?.[g]?.name : undefined;
                if (!host) continue;
                const pinned = l.xfrmIfIds?.[i];
                if (pinned !== undefined) usedIds(`${site.name}/${host}`).set(key, pinned);
                else idcHosts.push({ host: `${site.name}/${host}`, key });
            }
        });
    }
    for (const { host, key } of [...idcHosts].sort((x, y) => byText(x.key, y.key) || byText(x.host, y.host))) {
        const used = new Set(usedIds(host).values());
        const start = fnv1a(key) % IF_ID_SLOTS;
        let id: number | undefined;
        for (let i = 0; i < IF_ID_SLOTS && id === undefined; i++) {
            const candidate = FIRST_DERIVED_IF_ID + ((start + i) % IF_ID_SLOTS);
            if (!used.has(candidate)) id = candidate;
        }
        if (id === undefined) throw new Error(`${host} has no free XFRM interface id left`);
        usedIds(host).set(key, id);
    }
    const ifIdOf = (site: string, host: string, key: string) => ifIds.get(`${site}/${host}`)!.get(key)!;

    const end = (site: LinkSite, inside: number, key: string, gateway?: number): TunnelEnd => {
        const host = gateway !== undefined ? site.gateways?.[gateway]?.name : undefined;
        return { site: site.name, inside: intToIp(inside), asn: site.asn, ...(host ? { gateway: host, ifId: ifIdOf(site.name, host, key) } : {}) };
    };

    const planned = links.map((l): PlannedLink => {
        const [x, y] = l.between.map(siteOf);
        const [a, b] = orderEnds(x, y);
        const name = `${a.name}-${b.name}`;
        const edge = edgeOfDecl(l);
        const tunnels = tunnelLayout(l.kind, a, b, edge !== undefined).map((slot, i): PlannedTunnel => {
            const pinned = l.insideCidrs?.[i];
            const key = tunnelKey(l.between, slot.connection, slot.index);
            const base = pinned ? ipToInt(pinned.split("/")[0]) : allocated.get(key)!;
            const rotation = l.pskRotations?.[i] ?? 0;
            return {
                name: `${name}-c${slot.connection}t${slot.index}`,
                connection: slot.connection,
                index: slot.index,
                insideCidr: `${intToIp(base)}/30`,
                a: end(a, base + 1, key, slot.aGateway),
                b: end(b, base + 2, key, slot.bGateway),
                ...(rotation > 0 ? { pskRotation: rotation } : {}),
            };
        });
        // A mainland IDC on an edge link reaches the anchor over its own link to it (the spec requires one).
        const idc = [a, b].find((s) => s.kind === "idc");
        const toAnchor =
            edge && idc
                ? (links.find((m) => m.between.includes(idc.name) && m.between.includes(edge.anchor) && m.kind === "express-connect") ??
                  links.find((m) => m.between.includes(idc.name) && m.between.includes(edge.anchor)))
                : undefined;
        return {
            name,
            kind: l.kind,
            a,
            b,
            tunnels,
            crypto: suiteFor(a.kind, b.kind),
            ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
            ...(l.cen ? { cen: l.cen } : {}),
            ...(l.directConnect ? { directConnect: l.directConnect } : {}),
            ...(l.expressConnect ? { expressConnect: l.expressConnect } : {}),
            routesTo: { a: prefixesVia(byName, links, a.name, b.name), b: prefixesVia(byName, links, b.name, a.name) },
            ...(edge ? { cenEdge: cenEdgeName(edge.anchor, edge.region) } : {}),
            ...(toAnchor ? { anchorPath: toAnchor.kind } : {}),
        };
    });

    const cenEdges: PlannedCenEdge[] = [];
    for (const edge of edges) {
        const anchor = siteOf(edge.anchor);
        const crossings = [...crossingsOf.values()]
            .filter((c) => c.edge === edge)
            .sort((p, q) => byText(p.eks.name, q.eks.name))
            .map((c): PlannedEdgeCrossing => {
                const name = `${c.eks.name}-${edge.anchor}-${edge.region}`;
                const edgeSite: LinkSite = { ...anchor };
                const tunnels = tunnelLayout("ipsec-vpn", { kind: "eks" }, { kind: "ack" }).map((slot, i): PlannedTunnel => {
                    const key = tunnelKey(edgeEnds(c.eks.name, edge.anchor, edge.region), slot.connection, slot.index);
                    const base = allocated.get(key)!;
                    const rotation = edge.pskRotations?.[c.eks.name]?.[i] ?? 0;
                    return {
                        name: `${name}-c${slot.connection}t${slot.index}`,
                        connection: slot.connection,
                        index: slot.index,
                        insideCidr: `${intToIp(base)}/30`,
                        a: end(c.eks, base + 1, key),
                        b: end(edgeSite, base + 2, key),
                        ...(rotation > 0 ? { pskRotation: rotation } : {}),
                    };
                });
                return { name, eks: c.eks, tunnels, links: c.links };
            });
        const ridden = planned.filter((l) => l.cenEdge === cenEdgeName(edge.anchor, edge.region));
        const viaVpc = ridden
            .filter((l) => l.anchorPath === "ipsec-vpn")
            .flatMap((l) => [l.a, l.b].filter((s) => s.kind === "idc"))
            .flatMap((s) => s.announce);
        cenEdges.push({
            name: cenEdgeName(edge.anchor, edge.region),
            anchor,
            region: edge.region,
            vpcCidr: edge.vpcCidr,
            zones: edge.zones,
            crossings,
            flowLogRetentionDays: edge.flowLogRetentionDays,
            awsPrefixes: [...new Set(crossings.flatMap((c) => c.eks.announce))],
            anchorVpcPrefixes: [...new Set(viaVpc)],
        });
    }
    return { links: planned, cenEdges };
}

/** CEN bandwidth package areas (alicloud.cen.BandwidthPackage geographicRegionA/BId); the mainland side is `China`. */
export type CenArea = "China" | "Asia-Pacific" | "North-America" | "Europe" | "Middle-East";

/** The CEN area of an Alibaba Cloud region outside mainland China (Hong Kong is Asia-Pacific). */
export function cenArea(region: string): CenArea {
    if (region === "cn-hongkong" || region.startsWith("ap-")) return "Asia-Pacific";
    if (region.startsWith("us-")) return "North-America";
    if (region.startsWith("eu-")) return "Europe";
    if (region.startsWith("me-")) return "Middle-East";
    throw new Error(`no CEN area for region ${region}`);
}

/** What one anchor (mainland ACK site) buys towards one area: a bandwidth package, and per outside region a peer connection's share. */
export interface CenCrossBorderPlan {
    anchor: string;
    area: CenArea;
    /** The package's bandwidth: the sum of its peer connections'. */
    bandwidthMbps: number;
    /** Per outside region (sorted): the bandwidth of the inter-region connection and the links that ride it. */
    regions: { region: string; bandwidthMbps: number; links: string[] }[];
}

/** The CEN cross-border purchases of a plan, grouped per anchor and area, deterministic (sorted). */
export function cenCrossBorderPlans(plan: LinksPlan): CenCrossBorderPlan[] {
    const byKey = new Map<string, CenCrossBorderPlan>();
    for (const l of plan.links) {
        if (l.crossBorder !== "cen" || !l.cen) continue;
        const area = cenArea(l.cen.region);
        const key = `${l.cen.anchor}/${area}`;
        const p = byKey.get(key) ?? { anchor: l.cen.anchor, area, bandwidthMbps: 0, regions: [] };
        byKey.set(key, p);
        const r = p.regions.find((x) => x.region === l.cen!.region);
        if (r) {
            r.bandwidthMbps += l.cen.bandwidthMbps;
            r.links.push(l.name);
        } else p.regions.push({ region: l.cen.region, bandwidthMbps: l.cen.bandwidthMbps, links: [l.name] });
        p.bandwidthMbps += l.cen.bandwidthMbps;
    }
    return [...byKey.values()]
        .sort((x, y) => byText(`${x.anchor}/${x.area}`, `${y.anchor}/${y.area}`))
        .map((p) => ({ ...p, regions: p.regions.sort((x, y) => byText(x.region, y.region)) }));
}

/** One tunnel at run time: the outside (public) address of its ends, as the clouds hand them out, and its PSK. */
export interface TunnelRuntime {
    /** Per end (`a`, `b` of the planned tunnel); an IDC end's is its gateway host's public address. */
    outside: { a?: pulumi.Input<string>; b?: pulumi.Input<string> };
    psk: pulumi.Output<string>;
}

/** A planned tunnel seen from one of its ends, with the run-time values filled in. */
export function tunnelParams(
    link: PlannedLink,
    t: PlannedTunnel,
    side: "a" | "b",
    rt: { localOutside: pulumi.Input<string>; remoteOutside: pulumi.Input<string>; psk: pulumi.Output<string> },
): TunnelParams {
    const [local, remote] = side === "a" ? [t.a, t.b] : [t.b, t.a];
    return {
        name: t.name,
        ifId: local.ifId ?? t.index,
        localOutside: rt.localOutside,
        remoteOutside: rt.remoteOutside,
        insideCidr: t.insideCidr,
        localInside: local.inside,
        remoteInside: remote.inside,
        psk: rt.psk,
        localAsn: local.asn,
        remoteAsn: remote.asn,
        crypto: link.crypto.strongswan,
    };
}

/**
 * The plan of every gateway host of one IDC site: with two gateways each carries one tunnel of
 * every connection (AWS: every connection of its own customer gateway), so losing one keeps every
 * link up. `runtime` gives, per tunnel name, the other end's outside address and the PSK.
 */
export function idcGatewayHostPlans(plan: LinksPlan, site: LinkSite, runtime: Map<string, TunnelRuntime>): IdcGatewayHostPlan[] {
    return (site.gateways ?? []).map((host) => {
        const tunnels: TunnelParams[] = [];
        for (const link of plan.links) {
            for (const t of link.tunnels) {
                const side = t.a.gateway === host.name && t.a.site === site.name ? "a" : t.b.gateway === host.name && t.b.site === site.name ? "b" : undefined;
                if (!side) continue;
                const rt = runtime.get(t.name);
                const remoteOutside = rt?.outside[side === "a" ? "b" : "a"];
                if (!rt || remoteOutside === undefined) throw new Error(`tunnel ${t.name} has no run-time end (outside address, PSK)`);
                tunnels.push(tunnelParams(link, t, side, { localOutside: host.publicAddress, remoteOutside, psk: rt.psk }));
            }
        }
        // A host's own fabric peers (gateways in different racks face different ToRs), else the site's.
        const { fabricPeers: own, ...hostOnly } = host;
        return {
            host: hostOnly,
            localAsn: site.asn,
            tunnels,
            fabricPeers: [...(own ?? site.fabricPeers ?? [])],
            announce: [...site.announce],
            // A transit site's gateways re-advertise to each tunnel what the others taught (frr.conf TUNNEL-OUT).
            ...(site.transit ? { transit: true } : {}),
        };
    });
}

/** Alibaba's VPN connection PSK and AWS's: 8-64 of [A-Za-z0-9._], not starting with 0 (AWS, the stricter). */
export const PSK_PATTERN = /^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/;
