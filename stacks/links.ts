// Maps the validated fleet spec to the links add-on's args: each cluster as a link site (its ASN,
// the prefixes it announces, an IDC's gateway hosts and fabric peers), each link as declared, and
// the SSH login of every IDC's gateway hosts (the cluster's own settings).
import type { LinksArgs } from "../components/links/addon";
import type { LinkDecl, LinkSite } from "../components/links/plan";
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
            ...(c.provider === "idc" ? { gateways: c.gateway!.hosts, fabricPeers: c.gateway!.fabricPeers } : {}),
        }));
}

export function linkDecls(fleet: FleetSpec): LinkDecl[] {
    return fleet.links.map((l) => ({
        between: l.between,
        kind: l.kind,
        ...(l.insideCidrs ? { insideCidrs: l.insideCidrs } : {}),
        ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
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
