// Maps the validated fleet spec to the links add-on's args: each cluster as a link site (its ASN,
// the prefixes it announces, an IDC's gateway hosts and fabric peers), each link as declared, and
// the SSH login of every IDC's gateway hosts (the cluster's own settings).
import type { LinksArgs } from "../components/links/addon";
import type { LinkDecl, LinkSite } from "../components/links/plan";
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
    const anchor = cenAnchorOf(fleet.clusters, ends);
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
        ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
        ...(cenCrossing(fleet, l) ? { cen: cenCrossing(fleet, l) } : {}),
        ...(l.directConnect ? { directConnect: l.directConnect } : {}),
        ...(l.expressConnect ? { expressConnect: l.expressConnect } : {}),
    }));
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
    return { sites: linkSites(fleet), links: linkDecls(fleet), logins, vpnGatewayBandwidthMbps: VPN_GATEWAY_BANDWIDTH_MBPS };
}
