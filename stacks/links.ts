// Maps the validated fleet spec to the links add-on's args: each cluster as a link site (its ASN,
// the prefixes it announces, an IDC's gateway hosts and fabric peers), each link as declared, and
// the SSH login of every IDC's gateway hosts (the cluster's own settings).
import type { LinksArgs } from "../components/links/addon";
import { KARMADA_APISERVER_PORT } from "../components/federation/versions";
import type { IngressNeed } from "../components/links/ingress";
import { CROSS_NETWORK_PORT } from "../components/mesh/render";
import { PORTS as THANOS_PORTS } from "../components/observability/versions";
import { federationMembers } from "./spec/federation";
import type { CenEdgeDecl, LinkDecl, LinkSite } from "../components/links/plan";
import { cenAnchorOf, cenRegionOf, siteInMainlandChina } from "./spec/links";
import { configSecret } from "./config";
import { hostKeysOf } from "./spec/hostKeys";
import type { ClusterSpec, FleetSpec } from "./spec";

/** Mbit/s of every Alibaba VPN gateway (VPN gateway specifications: 10, 100, 200, 500, 1000). */
export const VPN_GATEWAY_BANDWIDTH_MBPS = 200;

/** What a site announces to the others: node network or VPC, routable pods, the IDC load balancer range. */
export function announcedPrefixes(c: ClusterSpec): string[] {
    switch (c.provider) {
        case "idc":
            return [c.network.nodeCidr, c.network.podCidr, ...(c.network.loadBalancerCidr ? [c.network.loadBalancerCidr] : [])];
        case "eks":
            // Pods take addresses from podCidr, a secondary block of the VPC (VPC CNI and Cilium ENI mode).
            return [c.network.vpcCidr, c.network.podCidr];
        case "ack":
            // Terway pods are on VPC vSwitches in podCidr; Flannel's overlay is not routable outside the cluster.
            return [c.network.vpcCidr, ...(c.network.cni === "terway" ? [c.network.podCidr] : [])];
    }
}

export function linkSites(fleet: FleetSpec): LinkSite[] {
    return fleet.clusters
        .filter((c) => c.gateway)
        .map((c) => ({
            name: c.name,
            kind: c.provider,
            region: c.region,
            asn: c.gateway!.asn,
            announce: announcedPrefixes(c),
            transit: fleet.transit.includes(c.name),
            mainlandChina: siteInMainlandChina(c) === true,
            ...(c.provider === "idc" ? { gateways: c.gateway!.hosts, fabricPeers: c.gateway!.fabricPeers } : {}),
        }));
}

/** A CEN link's crossing: the mainland ACK anchor, the outside region, the bandwidth (defaults resolved); none without a mainland ACK site. */
function cenCrossing(fleet: FleetSpec, l: FleetSpec["links"][number]): LinkDecl["cen"] {
    if (l.crossBorder !== "cen") return undefined;
    const ends = l.between.map((n) => fleet.clusters.find((c) => c.name === n)!);
    const outside = ends.find((c) => siteInMainlandChina(c) === false)!;
    const anchor = cenAnchorOf(fleet.clusters, ends, fleet.links);
    if (!anchor) return undefined;
    return { anchor: anchor.name, region: cenRegionOf(outside, l.cen)!, bandwidthMbps: l.cen?.bandwidthMbps ?? CEN_BANDWIDTH_MBPS };
}

/** Mbit/s of a CEN cross-border connection when the link does not say (the schema's default). */
export const CEN_BANDWIDTH_MBPS = 100;

export function linkDecls(fleet: FleetSpec): LinkDecl[] {
    return fleet.links.map((l) => ({
        between: l.between,
        kind: l.kind,
        ...(l.insideCidrs ? { insideCidrs: l.insideCidrs } : {}),
        ...(l.xfrmIfIds ? { xfrmIfIds: l.xfrmIfIds } : {}),
        ...(l.pskRotations ? { pskRotations: l.pskRotations } : {}),
        ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
        ...(cenCrossing(fleet, l) ? { cen: cenCrossing(fleet, l) } : {}),
        ...(l.directConnect ? { directConnect: l.directConnect } : {}),
        ...(l.expressConnect ? { expressConnect: l.expressConnect } : {}),
    }));
}

/** The CEN edges as the links add-on takes them. */
export function cenEdgeDecls(fleet: FleetSpec): CenEdgeDecl[] {
    return fleet.cenEdges.map((e) => {
        // The spec's rules make the anchor an ack cluster: the edge keeps its flow logs as long as the anchor's VPC does.
        const anchor = fleet.clusters.find((c) => c.name === e.anchor);
        if (anchor?.provider !== "ack") throw new Error(`cenEdges: anchor ${e.anchor} is not an ack cluster`);
        return {
            anchor: e.anchor,
            region: e.region,
            vpcCidr: e.vpcCidr,
            zones: [e.zones[0], e.zones[1]],
            ...(e.pskRotations ? { pskRotations: e.pskRotations } : {}),
            flowLogRetentionDays: anchor.network.flowLogRetentionDays,
        };
    });
}

/** The EKS API endpoint's port (the private endpoint's ENIs carry the cluster security group). */
export const EKS_API_PORT = 443;

/** Prefixes a site's traffic leaves from towards other sites: what it announces, without the IDC LoadBalancer range (an address nobody dials from). */
export function sourcePrefixes(c: ClusterSpec): string[] {
    return announcedPrefixes(c).filter((p) => c.provider !== "idc" || p !== c.network.loadBalancerCidr);
}

/**
 * The ports of cloud sites that the other layers dial across the links, and from where:
 * - mesh (multi-primary): every member's istiod watches every other member's API server (EKS:
 *   443 on the private endpoint); cross-network traffic enters a member's east-west gateway on
 *   15443 (ACK with Terway: the CLB forwards to the gateway pod's own port).
 * - federation: Push members' API servers from the hub (karmada-controller-manager); Pull
 *   members dial karmada-apiserver (5443) on an ACK/Terway hub.
 * - monitoring: Thanos Query on the hub dials every other cluster's sidecar and store gateway
 *   (gRPC 10901) on ACK/Terway.
 * Where a cloud load balancer reaches the pods through NodePorts (EKS's in-tree NLB, ACK with
 * Flannel) the cloud controller opens them itself from the Service's loadBalancerSourceRanges, so
 * no rule is stated here; the ACK API server is a managed CLB that security groups do not filter.
 */
export function ingressNeeds(fleet: FleetSpec): IngressNeed[] {
    const out: IngressNeed[] = [];
    const linked = new Set(fleet.links.flatMap((l) => [...l.between]));
    const byName = new Map(fleet.clusters.map((c) => [c.name, c]));
    const add = (to: ClusterSpec, from: ClusterSpec, port: number, purpose: string) => {
        if (to.name === from.name || !linked.has(to.name) || !linked.has(from.name)) return;
        out.push({ site: to.name, port, from: { site: from.name, cidrs: sourcePrefixes(from) }, purpose });
    };
    const podPorts = (c: ClusterSpec) => c.provider === "ack" && c.network.cni === "terway";
    // Only the private endpoint's ENIs carry the security group; a public-only endpoint is reached over the internet.
    const privateApi = (c: ClusterSpec) => c.provider === "eks" && c.endpoint.privateAccess;
    const members = fleet.clusters.filter((c) => c.mesh.enabled);
    for (const b of members)
        for (const a of members) {
            if (privateApi(b)) add(b, a, EKS_API_PORT, `mesh: istiod of ${a.name} watches the API server`);
            if (podPorts(b)) add(b, a, CROSS_NETWORK_PORT, `mesh: ${a.name} to the east-west gateway`);
        }
    const hub = byName.get(fleet.hub);
    if (hub) {
        for (const m of federationMembers(fleet)) {
            if (m.federation.syncMode === "Push" && privateApi(m)) add(m, hub, EKS_API_PORT, `federation: Karmada on ${hub.name} calls the API server (Push)`);
            if (m.federation.syncMode === "Pull" && podPorts(hub))
                add(hub, m, KARMADA_APISERVER_PORT, `federation: karmada-agent of ${m.name} calls karmada-apiserver (Pull)`);
        }
        for (const c of fleet.clusters)
            if (podPorts(c)) add(c, hub, THANOS_PORTS.grpc, `monitoring: Thanos Query on ${hub.name} reads the sidecar and store gateway`);
    }
    return out;
}

/** The links add-on's args, or undefined for a fleet without links. */
export function linksArgs(fleet: FleetSpec): LinksArgs | undefined {
    if (fleet.links.length === 0) return undefined;
    const logins: LinksArgs["logins"] = {};
    for (const c of fleet.clusters) {
        if (c.provider === "idc" && (c.gateway?.hosts.length ?? 0) > 0) {
            logins[c.name] = { user: c.ssh.user, port: c.ssh.port, privateKey: configSecret(c.ssh.privateKeyConfigKey), hostKeys: hostKeysOf(c) };
        }
    }
    return {
        sites: linkSites(fleet),
        links: linkDecls(fleet),
        cenEdges: cenEdgeDecls(fleet),
        logins,
        vpnGatewayBandwidthMbps: VPN_GATEWAY_BANDWIDTH_MBPS,
        ingress: ingressNeeds(fleet),
    };
}
