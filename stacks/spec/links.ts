// The links' part of the fleet spec: each site's BGP ASN and, in an IDC, its gateway hosts and
// fabric peers; the per-link extensions (pinned tunnel /30s, dedicated line parameters, the
// cross-border product); and the rules that make the addressing plan and the reachability every
// fleet layer relies on correct before anything is declared.
import { z } from "zod";
import { SLS_PROJECT_NAME } from "../../components/ack/types";
import { cenEdgeFlowLogProject, edgeInside, RESERVED_INSIDE_CIDRS, tunnelLayout } from "../../components/links/plan";
import { cidr, contains, formatIp, overlaps, parseIp, usableHost, within } from "../cidr";
import { cidrBlock, dnsLabel, formatPath, ipv4, Violation } from "./common";
import { mapping } from "./mapping";
import { sshHostKey } from "./hostKeys";
import { isZoneOf } from "./hardening";

/** ASNs a cloud keeps for itself: AWS's default VGW AS 7224 and its regional 9059; Alibaba's VPN gateway AS 45104. */
export const RESERVED_ASNS = [7224, 9059, 45104] as const;

/** A private ASN (RFC 6996): 64512-65534 or 4200000000-4294967294; the clouds take only these for their side. */
export const privateAsn = z
    .number()
    .int()
    .refine((n) => !(RESERVED_ASNS as readonly number[]).includes(n), {
        error: (i) => `${i.input} is reserved by AWS or Alibaba Cloud (${RESERVED_ASNS.join(", ")})`,
    })
    .refine(
        (n) => (n >= 64512 && n <= 65534) || (n >= 4200000000 && n <= 4294967294),
        "must be a private ASN (64512-65534 or 4200000000-4294967294, RFC 6996)",
    );

/** eks / ack: the site's ASN (Transit Gateway and Direct Connect gateway amazon side; Alibaba VPN gateway and VBR local AS). */
export const cloudGateway = z.strictObject({ asn: privateAsn });

/** A rack switch (ToR) a gateway speaks eBGP with. */
const fabricPeer = z.strictObject({ name: dnsLabel, peerIp: ipv4, asn: z.number().int().min(1).max(4294967295) });

/** idc: the Linux gateway hosts (strongSwan + FRR) that terminate the site's tunnels, and their fabric peers. */
export const idcGateway = z.strictObject({
    asn: privateAsn,
    /** One or two hosts; with two, each carries one tunnel of every connection. Reached over the cluster's SSH settings. */
    hosts: z
        .array(
            z.strictObject({
                name: dnsLabel,
                address: ipv4,
                publicAddress: ipv4,
                sshHostKey: sshHostKey.optional(),
                /** This host's own ToRs (gateways in different racks); unset: the site's `fabricPeers`. */
                fabricPeers: z.array(fabricPeer).optional(),
            }),
        )
        .max(2, "one or two gateway hosts")
        .default([]),
    /** The rack switches (ToRs) the gateways peer with, so the fabric learns the other sites' prefixes. */
    fabricPeers: z.array(fabricPeer).default([]),
    /**
     * Whether the data centre is in mainland China. An IDC's `region` is free text, so it cannot
     * tell; required when the IDC is an end of a link (it decides which links cross the border).
     */
    mainlandChina: z.boolean().optional(),
});

/** IDC `network.loadBalancerCidr`: the range LoadBalancer Services take addresses from. */
export const loadBalancerCidr = cidrBlock.optional();

const addressWithPrefix = z.string().refine((s) => {
    const [ip, p] = s.split("/");
    return parseIp(ip) !== undefined && /^(2[4-9]|3[01])$/.test(p ?? "");
}, 'must be an address with its prefix length (/24 to /31) like "169.254.100.1/30"');

/**
 * Alibaba Cloud regions outside mainland China where a CEN transit router can end a cross-border
 * connection (Alibaba Cloud "Regions and zones": Hong Kong, Tokyo, Seoul, Singapore, Kuala Lumpur,
 * Jakarta, Manila, Bangkok, Virginia, Silicon Valley, Frankfurt, London, Dubai, Riyadh).
 */
export const CEN_OUTSIDE_REGIONS = [
    "cn-hongkong",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "us-east-1",
    "us-west-1",
    "eu-central-1",
    "eu-west-1",
    "me-east-1",
    "me-central-1",
] as const;

/** How many times each tunnel's PSK was rotated, in plan order: a count per tunnel. */
const rotationCounts = z.array(z.number().int().min(0).max(1_000_000));

/** Fields a link may carry beyond `between` and `kind`. */
export const linkExtensions = {
    /** ipsec-vpn: the inside /30 of every tunnel, in plan order; allocated from 169.254.10.0 up when unset. */
    insideCidrs: z.array(cidrBlock).optional(),
    /** ipsec-vpn: the XFRM interface id of every tunnel on its IDC gateway host(s), in plan order; derived from the tunnel's key when unset. */
    xfrmIfIds: z.array(z.number().int().min(1).max(0xfffffffe)).optional(),
    /**
     * ipsec-vpn: how many times each tunnel's PSK was rotated, in plan order (0, the default: never).
     * Raising a tunnel's number gives it a new PSK at the next `pulumi up`, at both ends.
     */
    pskRotations: rotationCounts.optional(),
    /**
     * A link with one end in mainland China (a `cn-*` region other than cn-hongkong) and one outside
     * needs a licensed cross-border product: `cen` (Alibaba CEN cross-border bandwidth) or
     * `carrier-line` (a licensed carrier's cross-border circuit for a dedicated line).
     */
    crossBorder: z.enum(["cen", "carrier-line"]).optional(),
    /**
     * `crossBorder: cen`: where the CEN cross-border connection lands outside mainland China and its
     * bandwidth. `region` defaults to the outside end's own region when it is an Alibaba Cloud region
     * id too (AWS ap-northeast-1 and Alibaba ap-northeast-1 are both Tokyo).
     */
    cen: z
        .strictObject({
            region: z.enum(CEN_OUTSIDE_REGIONS).optional(),
            bandwidthMbps: z.number().int().min(2, "a CEN bandwidth package has at least 2 Mbit/s").max(10000).default(100),
        })
        .optional(),
    directConnect: z
        .strictObject({
            connectionId: z.string().regex(/^dxcon-[a-z0-9]{8}$/, "must be a Direct Connect connection id like dxcon-fg5678gh"),
            vlan: z.number().int().min(1).max(4094),
            amazonAddress: addressWithPrefix,
            customerAddress: addressWithPrefix,
            /** The Direct Connect gateway's AS: AWS requires it to differ from the Transit Gateway's (the site's gateway.asn). */
            amazonSideAsn: privateAsn,
            /** 1500, or 8500 (jumbo frames on a transit VIF). */
            mtu: z.union([z.literal(1500), z.literal(8500)]).default(1500),
        })
        .optional(),
    expressConnect: z
        .strictObject({
            physicalConnectionId: z.string().regex(/^pc-[a-z0-9]{8,}$/, "must be a physical connection id like pc-uf6a1b2c3d4e5f"),
            vlan: z.number().int().min(0).max(2999, "Express Connect VLAN ids are 0-2999"),
            localGatewayIp: ipv4,
            peerGatewayIp: ipv4,
            peeringSubnetMask: z.string().regex(/^255\.255\.255\.(252|248|240|224|192|128|0)$/, "must be a subnet mask from 255.255.255.0 to 255.255.255.252"),
        })
        .optional(),
};

/**
 * `cenEdges[]`: a mainland ACK anchor's gateway in an outside region. The AWS tunnels of the anchor's
 * cross-border links end there (a VPC with two vSwitches and a dual-tunnel VPN gateway, attached to
 * that region's CEN transit router), so what crosses the border rides the CEN connection.
 */
export const cenEdgesSchema = z
    .array(
        z.strictObject({
            /** The mainland ack cluster whose CEN the edge hangs off. */
            anchor: dnsLabel,
            region: z.enum(CEN_OUTSIDE_REGIONS),
            /** The edge VPC: /16 to /28 of RFC 1918 space, unique in the fleet; its two halves are the vSwitches. */
            vpcCidr: cidrBlock,
            /** Two zones of `region` that offer dual-tunnel VPN gateways (tunnel 1, tunnel 2) and transit router attachments. */
            zones: z.tuple([
                z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, "must be a zone id like ap-northeast-1a"),
                z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, "must be a zone id like ap-northeast-1b"),
            ]),
            /**
             * Per eks cluster whose tunnels end at this edge: how many times each of those four tunnels'
             * PSK was rotated, in plan order (as `links[].pskRotations` for a link's own tunnels).
             */
            pskRotations: mapping(dnsLabel, rotationCounts).optional(),
        }),
    )
    .default([]);

/** What the rules read: loose structural types, so this file does not depend on the spec's index. */
interface SiteLike {
    name: string;
    provider: "idc" | "eks" | "ack";
    region: string;
    zones: string[];
    network: {
        podCidr: string;
        serviceCidr: string;
        nodeCidr?: string;
        vpcCidr?: string;
        loadBalancerCidr?: string;
        calico?: { bgp?: { asNumber: number } };
        cilium?: { bgp?: { asNumber: number } };
    };
    gateway?: {
        asn: number;
        hosts?: { name: string; address: string; publicAddress: string; fabricPeers?: { name: string; peerIp: string; asn: number }[] }[];
        fabricPeers?: { name: string; peerIp: string; asn: number }[];
        mainlandChina?: boolean;
    };
    federation: { syncMode: "Push" | "Pull" };
    controlPlane?: { vip: string; hosts: { name: string; address: string }[] };
    etcd?: { hosts: { name: string; address: string }[] };
    workers?: { name: string; address: string }[];
}
interface LinkLike {
    between: readonly [string, string] | [string, string];
    kind: "ipsec-vpn" | "direct-connect" | "express-connect";
    insideCidrs?: string[];
    xfrmIfIds?: number[];
    pskRotations?: number[];
    crossBorder?: string;
    cen?: { region?: string; bandwidthMbps: number };
    directConnect?: { amazonAddress: string; customerAddress: string; amazonSideAsn: number };
    expressConnect?: { localGatewayIp: string; peerGatewayIp: string; peeringSubnetMask: string };
}
interface FleetLike {
    hub: string;
    transit: string[];
    links: LinkLike[];
    clusters: SiteLike[];
    cenEdges?: { anchor: string; region: string; vpcCidr: string; zones: [string, string]; pskRotations?: Record<string, number[]> }[];
}

/**
 * Whether a site is in mainland China, from what really decides it: a cloud site by its region id
 * (AWS's China regions cn-north-1 and cn-northwest-1; Alibaba's `cn-*` regions except cn-hongkong),
 * an IDC by its own `gateway.mainlandChina` (its region is free text). Undefined: the IDC does not say.
 */
export function siteInMainlandChina(c: {
    provider: "idc" | "eks" | "ack";
    region: string;
    gateway?: { asn: number; mainlandChina?: boolean };
}): boolean | undefined {
    switch (c.provider) {
        case "eks":
            return c.region === "cn-north-1" || c.region === "cn-northwest-1";
        case "ack":
            return c.region.startsWith("cn-") && c.region !== "cn-hongkong";
        case "idc":
            return c.gateway?.mainlandChina;
    }
}

/** Where a link's CEN cross-border connection lands: `cen.region`, or the outside end's region when Alibaba has it. */
export function cenRegionOf(outside: { provider: string; region: string }, cen?: { region?: string }): string | undefined {
    if (cen?.region) return cen.region;
    return outside.provider !== "idc" && (CEN_OUTSIDE_REGIONS as readonly string[]).includes(outside.region) ? outside.region : undefined;
}

/**
 * The ACK site in mainland China whose transit router carries a CEN link: the link's own mainland
 * ack end, else a mainland ack site the link's IDC end has a link to (its traffic reaches that
 * site's CEN), else the fleet's first.
 */
export function cenAnchorOf<C extends SiteLike>(clusters: C[], ends: C[], links: LinkLike[] = []): C | undefined {
    const mainlandAck = (c: C) => c.provider === "ack" && siteInMainlandChina(c) === true && c.gateway !== undefined;
    const linkedTo = (c: C) => ends.some((e) => e.provider === "idc" && links.some((l) => l.between.includes(e.name) && l.between.includes(c.name)));
    return ends.find(mainlandAck) ?? clusters.find((c) => mainlandAck(c) && linkedTo(c)) ?? clusters.find(mainlandAck);
}

/**
 * The CEN edge a link's AWS tunnels end at: an ipsec-vpn link on `crossBorder: cen` with a mainland
 * ACK anchor, its outside end an EKS site and its mainland end the anchor or an IDC (the decision
 * is the plan's own `edgeInside`, components/links/plan.ts, on the spec's sites).
 */
export function cenEdgeOf<C extends SiteLike>(
    clusters: C[],
    l: LinkLike,
    links: LinkLike[] = [],
): { anchor: C; region: string; inside: C; outside: C } | undefined {
    const ends = l.between.map((n) => clusters.find((c) => c.name === n));
    if (ends.some((e) => !e)) return undefined;
    const [x, y] = ends as [C, C];
    const end = (c: C) => ({ kind: c.provider, mainlandChina: siteInMainlandChina(c) });
    const i = edgeInside(l, end(x), end(y));
    if (i === undefined) return undefined;
    const [inside, outside] = i === 0 ? [x, y] : [y, x];
    const anchor = cenAnchorOf(clusters, [x, y], links);
    const region = cenRegionOf(outside, l.cen);
    return anchor && region ? { anchor, region, inside, outside } : undefined;
}

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(cidr);
const NOT_PUBLIC = [...RFC1918, ...["100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "224.0.0.0/3"].map(cidr)];
const LINK_LOCAL = cidr("169.254.0.0/16");

/**
 * Every rule of the links layer; `fleet` is a well-formed spec, `stack` the stack it is deployed to
 * when known (a CEN edge's SLS project name carries it).
 */
export function linksRules(fleet: FleetLike, stack?: string): Violation[] {
    const out: Violation[] = [];
    const index = new Map(fleet.clusters.map((c, i) => [c.name, i]));
    const site = (name: string) => fleet.clusters[index.get(name)!];

    // ---- per-site: ASN unique, gateway hosts, fabric peers, load balancer range ----
    const asns = new Map<number, number>();
    fleet.clusters.forEach((c, i) => {
        const at = ["clusters", i];
        const lb = c.network.loadBalancerCidr;
        if (lb && !RFC1918.some((r) => within(cidr(lb), r))) {
            out.push({
                path: [...at, "network", "loadBalancerCidr"],
                rule: `${lb} must lie inside RFC 1918 space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)`,
            });
        }
        const gw = c.gateway;
        if (!gw) return;
        const twin = asns.get(gw.asn);
        if (twin !== undefined)
            out.push({ path: [...at, "gateway", "asn"], rule: `AS ${gw.asn} is already clusters[${twin}].gateway.asn: every site needs its own ASN` });
        else asns.set(gw.asn, i);
        if (c.provider !== "idc") return;
        const fabric = [...(gw.fabricPeers ?? []), ...(gw.hosts ?? []).flatMap((h) => h.fabricPeers ?? [])];
        const fabricAs = fabric.find((p) => p.asn === gw.asn);
        if (fabricAs)
            out.push({
                path: [...at, "gateway", "asn"],
                rule: `AS ${gw.asn} is the fabric's AS (fabricPeers ${fabricAs.name}): the gateways speak eBGP to the ToRs`,
            });
        // The nodes learn the other sites' routes from the ToRs with the gateways' AS in the path:
        // the same AS on the nodes would drop them (BGP loop prevention).
        const nodeAs = c.network.calico?.bgp?.asNumber ?? c.network.cilium?.bgp?.asNumber;
        if (nodeAs === gw.asn)
            out.push({
                path: [...at, "gateway", "asn"],
                rule: `AS ${gw.asn} is the nodes' AS (the CNI's bgp.asNumber): their routes to other sites would be dropped as loops`,
            });
        const nodeCidr = cidr(c.network.nodeCidr!);
        const used = new Map<string, string>();
        const usedNames = new Set<string>();
        for (const h of [...(c.controlPlane?.hosts ?? []), ...(c.etcd?.hosts ?? []), ...(c.workers ?? [])]) {
            used.set(h.address, h.name);
            usedNames.add(h.name);
        }
        if (c.controlPlane) used.set(c.controlPlane.vip, "the control-plane VIP");
        (gw.hosts ?? []).forEach((h, j) => {
            const hp = [...at, "gateway", "hosts", j];
            const ip = parseIp(h.address)!;
            if (!usableHost(nodeCidr, ip))
                out.push({ path: [...hp, "address"], rule: `${h.address} is not a host address of network.nodeCidr ${c.network.nodeCidr}` });
            if (used.has(h.address)) out.push({ path: [...hp, "address"], rule: `${h.address} is already used by ${used.get(h.address)}` });
            used.set(h.address, h.name);
            if (usedNames.has(h.name)) out.push({ path: [...hp, "name"], rule: `host name ${h.name} is already used in this cluster` });
            usedNames.add(h.name);
            const pub = parseIp(h.publicAddress)!;
            if (NOT_PUBLIC.some((b) => contains(b, pub)))
                out.push({ path: [...hp, "publicAddress"], rule: `${h.publicAddress} is not a public address (the cloud gateways dial it over the internet)` });
        });
        const peerRules = (peers: { name: string; peerIp: string }[], path: (string | number)[]) => {
            const names = new Set<string>();
            peers.forEach((p, j) => {
                if (!usableHost(nodeCidr, parseIp(p.peerIp)!))
                    out.push({ path: [...path, j, "peerIp"], rule: `${p.peerIp} is not a host address of network.nodeCidr ${c.network.nodeCidr}` });
                if (names.has(p.name)) out.push({ path: [...path, j, "name"], rule: `${p.name} is already a fabric peer of this gateway` });
                names.add(p.name);
            });
        };
        peerRules(gw.fabricPeers ?? [], [...at, "gateway", "fabricPeers"]);
        (gw.hosts ?? []).forEach((h, j) => {
            if (h.fabricPeers) peerRules(h.fabricPeers, [...at, "gateway", "hosts", j, "fabricPeers"]);
        });
    });

    // ---- per link: ends, kind, gateways, fields per kind, cross-border ----
    const blocks: { path: (string | number)[]; text: string }[] = [];
    const claim = (path: (string | number)[], text: string) => {
        const twin = blocks.find((b) => overlaps(cidr(b.text), cidr(text)));
        if (twin) out.push({ path, rule: `${text} is already used by ${formatPath(twin.path)}: tunnel and peering /30s are unique in the fleet` });
        else blocks.push({ path, text });
    };
    const ifIdsByHost = new Map<string, string>();
    fleet.links.forEach((l, i) => {
        const at = ["links", i];
        if (!l.between.every((n) => index.has(n)) || l.between[0] === l.between[1]) return; // reference rules report it
        const [x, y] = l.between.map(site);
        if (x.provider === y.provider && (x.provider !== "idc" || x.region === y.region)) {
            out.push({
                path: [...at, "between"],
                rule: `a link joins two sites: clusters of different providers, or two IDCs in different regions (${x.name} and ${y.name} are both ${x.provider} in ${x.region})`,
            });
            return;
        }
        const edge = cenEdgeOf(fleet.clusters, l, fleet.links);
        for (const [j, end] of [x, y].entries()) {
            if (!end.gateway)
                out.push({
                    path: ["clusters", index.get(end.name)!, "gateway"],
                    rule: `is required: ${end.name} is an end of links[${i}] (its BGP ASN${end.provider === "idc" ? ", gateway hosts and fabric peers" : ""})`,
                });
            else if (end.provider === "idc" && l.kind === "ipsec-vpn" && !edge && (end.gateway.hosts ?? []).length === 0) {
                out.push({
                    path: ["clusters", index.get(end.name)!, "gateway", "hosts"],
                    rule: `needs one or two gateway hosts: ${end.name} terminates the tunnels of links[${i}]`,
                });
            }
            // The dual-tunnel VPN gateway takes a vSwitch in each of two zones (the first two node vSwitches).
            if (end.provider === "ack" && l.kind === "ipsec-vpn" && end.zones.length < 2) {
                out.push({
                    path: ["clusters", index.get(end.name)!, "zones"],
                    rule: `needs at least two zones: ${end.name}'s dual-tunnel VPN gateway for links[${i}] takes a vSwitch in each of two zones`,
                });
            }
            // The line reaches the VPC through the site's CEN transit router, attached to vSwitches in two zones.
            if (end.provider === "ack" && l.kind === "express-connect" && end.zones.length < 2) {
                out.push({
                    path: ["clusters", index.get(end.name)!, "zones"],
                    rule: `needs at least two zones: ${end.name}'s CEN transit router for links[${i}] attaches the VPC in two zones`,
                });
            }
            void j;
        }
        const kinds = new Set([x.provider, y.provider]);
        if (l.kind === "direct-connect" && !(kinds.has("eks") && kinds.has("idc")))
            out.push({ path: [...at, "kind"], rule: "direct-connect joins an eks cluster and an idc cluster (a transit VIF to the IDC's router)" });
        if (l.kind === "express-connect" && !(kinds.has("ack") && kinds.has("idc")))
            out.push({ path: [...at, "kind"], rule: "express-connect joins an ack cluster and an idc cluster (a VBR facing the IDC's router)" });
        if (l.kind !== "direct-connect" && l.directConnect)
            out.push({ path: [...at, "directConnect"], rule: `only a direct-connect link has a directConnect line (this one is ${l.kind})` });
        if (l.kind !== "express-connect" && l.expressConnect)
            out.push({ path: [...at, "expressConnect"], rule: `only an express-connect link has an expressConnect line (this one is ${l.kind})` });
        if (l.kind === "direct-connect" && !l.directConnect)
            out.push({
                path: [...at, "directConnect"],
                rule: "is required for a direct-connect link (connection id, VLAN, addresses: the line is ordered out of band)",
            });
        if (l.kind === "express-connect" && !l.expressConnect)
            out.push({
                path: [...at, "expressConnect"],
                rule: "is required for an express-connect link (physical connection id, VLAN, addresses: the line is ordered out of band)",
            });

        const [xIn, yIn] = [siteInMainlandChina(x), siteInMainlandChina(y)];
        for (const end of [x, y]) {
            if (end.provider === "idc" && end.gateway && siteInMainlandChina(end) === undefined)
                out.push({
                    path: ["clusters", index.get(end.name)!, "gateway", "mainlandChina"],
                    rule: `is required: ${end.name} is an end of links[${i}] and an IDC's region is free text; say whether the data centre is in mainland China (it decides whether the link crosses the border)`,
                });
        }
        if (xIn !== undefined && yIn !== undefined) {
            const crosses = xIn !== yIn;
            const [inside, outside] = xIn ? [x, y] : [y, x];
            if (crosses && !l.crossBorder) {
                out.push({
                    path: [...at, "crossBorder"],
                    rule: `${inside.name} (${inside.region}) is in mainland China and ${outside.name} (${outside.region}) is not: cross-border traffic needs a licensed product, set crossBorder: cen (CEN cross-border bandwidth) or carrier-line, not plain internet IPsec`,
                });
            }
            if (!crosses && l.crossBorder)
                out.push({
                    path: [...at, "crossBorder"],
                    rule: `the link does not cross the border of mainland China (${x.name} and ${y.name} are both ${xIn ? "in" : "outside"} it)`,
                });
            if (crosses && l.crossBorder === "cen") {
                // Without an ACK site in mainland China there is no transit router to buy the crossing on:
                // crossBorder stays an acknowledgement (ordered out of band), and a cen block cannot be honoured.
                const anchor = cenAnchorOf(fleet.clusters, [x, y], fleet.links);
                const anchored = anchor !== undefined;
                if (anchor && anchor.zones.length < 2)
                    out.push({
                        path: ["clusters", index.get(anchor.name)!, "zones"],
                        rule: `needs at least two zones: ${anchor.name}'s CEN transit router, the cross-border anchor of links[${i}], attaches the VPC in two zones`,
                    });
                if (!anchored && l.cen)
                    out.push({
                        path: [...at, "cen"],
                        rule: "needs an ack cluster in mainland China with a gateway: its CEN transit router carries the cross-border connection",
                    });
                if (anchored && !cenRegionOf(outside, l.cen))
                    out.push({
                        path: [...at, "cen", "region"],
                        rule: `is required: ${outside.name}'s region ${outside.region} is not an Alibaba Cloud region outside mainland China; name the one the CEN connection lands in (${CEN_OUTSIDE_REGIONS.join(", ")})`,
                    });
            }
        }
        // An IPsec link across the border is carried by CEN only when it rides a CEN edge (its outside
        // end an EKS site, its mainland end an ACK anchor or an IDC behind one); any other would run its
        // tunnels over the internet across the border, which crossBorder: cen exists to avoid.
        if (xIn !== undefined && yIn !== undefined && xIn !== yIn && l.kind === "ipsec-vpn" && l.crossBorder === "cen" && !edge)
            out.push({
                path: [...at, "crossBorder"],
                rule: `${x.name} <-> ${y.name} cannot ride a CEN edge (that needs an eks site outside mainland China and an ack site in it with a gateway, as anchor): its IPsec tunnels would cross the border over the internet; join these sites with a dedicated line (express-connect or direct-connect, crossBorder: carrier-line) or through an anchored site`,
            });
        if (l.cen && l.crossBorder !== "cen") out.push({ path: [...at, "cen"], rule: "only a link with crossBorder: cen has a cen connection" });
        if (l.crossBorder === "carrier-line" && l.kind === "ipsec-vpn")
            out.push({ path: [...at, "crossBorder"], rule: "carrier-line is for a dedicated line; an ipsec-vpn link crosses on cen" });

        if (edge) {
            const declared = (fleet.cenEdges ?? []).some((e) => e.anchor === edge.anchor.name && e.region === edge.region);
            if (!declared)
                out.push({
                    path: ["cenEdges"],
                    rule: `needs an entry { anchor: ${edge.anchor.name}, region: ${edge.region} } (vpcCidr, zones): links[${i}] (${x.name} <-> ${y.name}) crosses the border on cen, so its AWS tunnels end at ${edge.anchor.name}'s VPN gateway in ${edge.region}, not in mainland China`,
                });
            // A mainland IDC reaches AWS through the anchor: over its own link to it, then CEN, then the edge.
            if (edge.inside.provider === "idc" && !fleet.links.some((m) => m.between.includes(edge.inside.name) && m.between.includes(edge.anchor.name)))
                out.push({
                    path: [...at, "crossBorder"],
                    rule: `${edge.inside.name} reaches ${edge.outside.name} over ${edge.anchor.name}'s CEN (the AWS tunnels end at its gateway in ${edge.region}): ${edge.inside.name} needs a link to ${edge.anchor.name} (express-connect, or ipsec-vpn to its VPN gateway)`,
                });
            for (const key of ["insideCidrs", "xfrmIfIds", "pskRotations"] as const)
                if (l[key])
                    out.push({
                        path: [...at, key],
                        rule: `the link rides ${edge.anchor.name}'s CEN edge in ${edge.region} and has no tunnels of its own (the edge's tunnels to ${edge.outside.name} carry it)`,
                    });
        }
        const layout = tunnelLayout(
            l.kind,
            { kind: x.provider, gateways: x.gateway?.hosts },
            { kind: y.provider, gateways: y.gateway?.hosts },
            edge !== undefined,
        );
        if (l.xfrmIfIds && !edge) {
            const hostsOf = (c: SiteLike, g?: number) => (g !== undefined && c.provider === "idc" ? c.gateway?.hosts?.[g]?.name : undefined);
            if (l.kind !== "ipsec-vpn" || (x.provider !== "idc" && y.provider !== "idc"))
                out.push({ path: [...at, "xfrmIfIds"], rule: "only tunnels with an IDC end have XFRM interfaces (an ipsec-vpn link to an idc cluster)" });
            else if (l.xfrmIfIds.length !== layout.length)
                out.push({
                    path: [...at, "xfrmIfIds"],
                    rule: `this link has ${layout.length} tunnels: give ${layout.length} XFRM interface ids (got ${l.xfrmIfIds.length})`,
                });
            else {
                // Plan order puts the cloud end first; with two IDCs the spec order stands.
                const order = { eks: 0, ack: 1, idc: 2 } as const;
                const [p, q] = order[y.provider] < order[x.provider] ? [y, x] : [x, y];
                layout.forEach((slot, k) => {
                    for (const host of [
                        hostsOf(p, slot.aGateway) && `${p.name}/${hostsOf(p, slot.aGateway)}`,
                        hostsOf(q, slot.bGateway) && `${q.name}/${hostsOf(q, slot.bGateway)}`,
                    ]) {
                        if (!host) continue;
                        const id = l.xfrmIfIds![k];
                        const twin = ifIdsByHost.get(`${host}#${id}`);
                        if (twin)
                            out.push({
                                path: [...at, "xfrmIfIds", k],
                                rule: `${id} is already ${twin}'s XFRM interface id on ${host}: ids are unique per gateway host`,
                            });
                        else ifIdsByHost.set(`${host}#${id}`, formatPath([...at, "xfrmIfIds", k]));
                    }
                });
            }
        }
        // A list with one entry per tunnel: only an ipsec-vpn link has tunnels, and it needs them all.
        const perTunnel = (key: "pskRotations" | "insideCidrs", list: unknown[], what: string) => {
            if (l.kind !== "ipsec-vpn") out.push({ path: [...at, key], rule: `only an ipsec-vpn link has tunnels (this one is ${l.kind})` });
            else if (list.length !== layout.length)
                out.push({ path: [...at, key], rule: `this link has ${layout.length} tunnels: give ${layout.length} ${what} (got ${list.length})` });
        };
        if (l.pskRotations && !edge) perTunnel("pskRotations", l.pskRotations, "rotation counts");
        if (l.insideCidrs && !edge) {
            perTunnel("insideCidrs", l.insideCidrs, "inside /30s");
            l.insideCidrs.forEach((text, j) => {
                const p = [...at, "insideCidrs", j];
                const block = cidr(text);
                if (block.prefix !== 30 || !within(block, LINK_LOCAL)) return out.push({ path: p, rule: `${text} must be a /30 inside 169.254.0.0/16` });
                const reserved = RESERVED_INSIDE_CIDRS.find((r) => overlaps(cidr(r), block));
                if (reserved) return out.push({ path: p, rule: `${text} is reserved by AWS (${reserved}): pick another /30 of 169.254.0.0/16` });
                claim(p, text);
            });
        }
        if (l.directConnect) {
            const { amazonAddress, customerAddress, amazonSideAsn } = l.directConnect;
            const twin = asns.get(amazonSideAsn);
            if (twin !== undefined)
                out.push({
                    path: [...at, "directConnect", "amazonSideAsn"],
                    rule: `AS ${amazonSideAsn} is already clusters[${twin}].gateway.asn: the Direct Connect gateway needs an AS of its own`,
                });
            const [aIp, aLen] = amazonAddress.split("/");
            const [cIp, cLen] = customerAddress.split("/");
            const size = 2 ** (32 - Number(aLen));
            const [av, cv] = [parseIp(aIp)!, parseIp(cIp)!];
            if (aLen !== cLen || av === cv || Math.floor(av / size) !== Math.floor(cv / size)) {
                out.push({
                    path: [...at, "directConnect", "customerAddress"],
                    rule: `${customerAddress} and amazonAddress ${amazonAddress} must be two addresses of one peering subnet`,
                });
            } else if (contains(LINK_LOCAL, av)) claim([...at, "directConnect", "amazonAddress"], `${formatIp(av - (av % size))}/${aLen}`);
        }
        if (l.expressConnect) {
            const e = l.expressConnect;
            const len = 24 + [0, 128, 192, 224, 240, 248, 252].indexOf(Number(e.peeringSubnetMask.split(".")[3]));
            const size = 2 ** (32 - len);
            const [lo, pe] = [parseIp(e.localGatewayIp)!, parseIp(e.peerGatewayIp)!];
            if (lo === pe || Math.floor(lo / size) !== Math.floor(pe / size)) {
                out.push({
                    path: [...at, "expressConnect", "peerGatewayIp"],
                    rule: `${e.peerGatewayIp} and localGatewayIp ${e.localGatewayIp} must be two addresses of one ${e.peeringSubnetMask} subnet`,
                });
            }
        }
    });

    out.push(...cenEdgeRules(fleet, index, stack));
    return out;
}

/** The CEN edges: anchored on a mainland ACK site, used by a link, two zones of their region, a VPC block of their own. */
function cenEdgeRules(fleet: FleetLike, index: Map<string, number>, stack: string | undefined): Violation[] {
    const out: Violation[] = [];
    const blocks: { path: (string | number)[]; text: string }[] = [];
    fleet.clusters.forEach((c, i) => {
        const n = c.network;
        for (const [key, text] of [
            ["nodeCidr", n.nodeCidr],
            ["vpcCidr", n.vpcCidr],
            ["podCidr", n.podCidr],
            ["serviceCidr", n.serviceCidr],
            ["loadBalancerCidr", n.loadBalancerCidr],
        ] as const)
            if (text) blocks.push({ path: ["clusters", i, "network", key], text });
    });
    const riding = fleet.links.flatMap((l) => {
        const e = cenEdgeOf(fleet.clusters, l, fleet.links);
        return e ? [{ key: `${e.anchor.name}/${e.region}`, eks: e.outside.name }] : [];
    });
    const used = new Set(riding.map((r) => r.key));
    const seen = new Map<string, number>();
    (fleet.cenEdges ?? []).forEach((e, j) => {
        const at = ["cenEdges", j];
        const anchor = index.has(e.anchor) ? fleet.clusters[index.get(e.anchor)!] : undefined;
        if (!anchor || anchor.provider !== "ack" || siteInMainlandChina(anchor) !== true || !anchor.gateway)
            out.push({
                path: [...at, "anchor"],
                rule: `${e.anchor} is not an ack cluster in mainland China with a gateway: an edge hangs off that site's CEN`,
            });
        const project = stack === undefined ? undefined : cenEdgeFlowLogProject(e.anchor, e.region, stack);
        if (project !== undefined && !SLS_PROJECT_NAME.test(project))
            out.push({
                path: at,
                rule: `in stack ${JSON.stringify(stack)} names the SLS project ${JSON.stringify(project)} of its VPC's flow logs, which SLS refuses (3 to 63 characters of [a-z0-9-], a letter or digit at each end)`,
            });
        const key = `${e.anchor}/${e.region}`;
        if (seen.has(key)) out.push({ path: at, rule: `duplicates cenEdges[${seen.get(key)}] (${e.anchor} in ${e.region})` });
        else seen.set(key, j);
        if (!used.has(key))
            out.push({
                path: at,
                rule: `no link rides it: no ipsec-vpn link between an eks cluster outside mainland China and ${e.anchor} (or a mainland IDC) crosses on cen to ${e.region}`,
            });
        e.zones.forEach((z, k) => {
            if (!isZoneOf(z, e.region)) out.push({ path: [...at, "zones", k], rule: `${z} is not a zone of ${e.region}` });
        });
        const crossing = tunnelLayout("ipsec-vpn", { kind: "eks" }, { kind: "ack" }).length;
        for (const [eks, counts] of Object.entries(e.pskRotations ?? {})) {
            if (!riding.some((r) => r.key === key && r.eks === eks))
                out.push({
                    path: [...at, "pskRotations", eks],
                    rule: `${eks} has no tunnels to this edge: no ipsec-vpn link of an eks cluster of that name rides it`,
                });
            else if (counts.length !== crossing)
                out.push({
                    path: [...at, "pskRotations", eks],
                    rule: `${eks}'s crossing has ${crossing} tunnels: give ${crossing} rotation counts (got ${counts.length})`,
                });
        }
        if (e.zones[0] === e.zones[1])
            out.push({
                path: [...at, "zones"],
                rule: "must be two different zones: the VPN gateway's two tunnels and the transit router's attachment each take one",
            });
        const block = cidr(e.vpcCidr);
        if (block.prefix < 16 || block.prefix > 28 || !RFC1918.some((r) => within(block, r)))
            out.push({
                path: [...at, "vpcCidr"],
                rule: `${e.vpcCidr} must be a /16 to /28 of RFC 1918 space (an Alibaba Cloud VPC; its halves are the two vSwitches)`,
            });
        else {
            const twin = blocks.find((b) => overlaps(cidr(b.text), block));
            if (twin)
                out.push({
                    path: [...at, "vpcCidr"],
                    rule: `${e.vpcCidr} overlaps ${formatPath(twin.path)} ${twin.text}: the edge VPC is routed over CEN and announced to AWS like every site's blocks`,
                });
            blocks.push({ path: [...at, "vpcCidr"], text: e.vpcCidr });
        }
    });
    return out;
}
