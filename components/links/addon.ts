// The links as a fleet add-on: the addressing plan (plan.ts) turned into both ends of every link.
// Cloud ends are declared under their own site, on that site's provider: a Transit Gateway per EKS
// site and a dual-tunnel VPN gateway per ACK site (the hubs), then per link the VPN connections, the
// Direct Connect or Express Connect logical side. The IDC ends get one gateway plan per host (its
// tunnels with the cloud's outside addresses and PSKs, its fabric peers, its prefixes), handed back
// for the IDC gateway hosts. A cross-border link on CEN between an EKS site and a mainland anchor
// (or a mainland IDC behind it) declares nothing of its own: its traffic rides the anchor's CEN edge
// in the outside region, whose gateway faces the EKS site's Transit Gateway. No cycle: hubs (and
// edges) first, then AWS connections (whose customer gateways are the Alibaba gateway's IPs), then
// Alibaba connections (whose customer gateways are AWS's tunnel addresses), then the IDC hosts.
import type * as alicloud from "../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { inBatches } from "../core/batches";
import type { AddonResult, ClusterHandle, FleetAddon } from "../core/contract";
import type { SshLogin } from "../idc/host";
import { AlicloudCenCrossBorder } from "./alicloud/cenCrossBorder";
import { AlicloudCenEdge } from "./alicloud/cenEdge";
import { AlicloudCenHub, AlicloudCenStaticRoutes, CenHubRef } from "./alicloud/cenHub";
import { AlicloudExpressConnect } from "./alicloud/expressConnect";
import { AlicloudVpn, AlicloudVpnTunnel } from "./alicloud/vpn";
import { AlicloudVpnHub } from "./alicloud/vpnHub";
import { AwsDirectConnect } from "./aws/directConnect";
import { AwsTransitHub } from "./aws/transitHub";
import { AwsVpn, AwsVpnTunnel } from "./aws/vpn";
import { IdcGateway } from "./idcGateway";
import { IngressNeed, ingressPorts, LinkIngress } from "./ingress";
import { alicloudQuotaWarnings, awsQuotaWarnings, remotePrefixesOf } from "./quotas";
import { TunnelKeys } from "./keys";
import {
    CenEdgeDecl,
    cenEdgeFlowLogProject,
    cenEdgeGatewayName,
    cenCrossBorderPlans,
    idcGatewayHostPlans,
    LinkDecl,
    LinksPlan,
    LinkSite,
    PlannedLink,
    PlannedTunnel,
    planLinks,
    suiteFor,
    TunnelRuntime,
} from "./plan";
import type { IdcGatewayHostPlan } from "./types";

export interface LinksArgs {
    sites: LinkSite[];
    links: LinkDecl[];
    /** The mainland anchors' gateways in outside regions: the AWS ends of the cross-border links face them. */
    cenEdges?: CenEdgeDecl[];
    /** IDC sites by cluster name: how their gateway hosts are reached (the cluster's SSH settings). */
    logins: Record<string, SshLogin>;
    /** Alibaba VPN gateway bandwidth, Mbit/s. */
    vpnGatewayBandwidthMbps: number;
    /** Ports of cloud sites that other sites dial over the links (from the fleet layers): security-group rules. */
    ingress?: IngressNeed[];
}

export interface LinksResult extends AddonResult {
    plan: LinksPlan;
    /** Per IDC cluster: what each of its gateway hosts runs (tunnels, fabric peers, announced prefixes). */
    gatewayHosts: Map<string, IdcGatewayHostPlan[]>;
}

const short = (t: PlannedTunnel) => `c${t.connection}t${t.index}`;
/** An AWS connection's tunnel as AwsVpn takes it: its inside /30 and its PSK's rotation count. */
const awsTunnel = (t: PlannedTunnel): AwsVpnTunnel => ({ insideCidr: t.insideCidr, pskRotation: t.pskRotation });

export async function installLinks(clusters: ClusterHandle[], args: LinksArgs, after: pulumi.Resource[]): Promise<LinksResult> {
    const plan = planLinks(args.sites, args.links, args.cenEdges ?? []);
    // Before anything is created: a fleet this large needs AWS quotas raised first (preview shows it).
    for (const w of [...awsQuotaWarnings(plan, args.ingress ?? []), ...alicloudQuotaWarnings(plan, args.ingress ?? [])]) void pulumi.log.warn(w);
    const handleOf = (name: string): ClusterHandle => {
        const h = clusters.find((c) => c.name === name);
        if (!h) throw new Error(`links: cluster ${name} has no handle (no control plane?)`);
        return h;
    };
    const ready: pulumi.Resource[] = [];
    const runtime = new Map<string, TunnelRuntime>();

    const awsHubs = new Map<string, AwsTransitHub>();
    const awsHub = (site: LinkSite) => {
        if (!awsHubs.has(site.name)) {
            const h = handleOf(site.name);
            const cloud = h.cloud?.aws;
            if (!cloud) throw new Error(`links: ${site.name} has no AWS network in its handle (ClusterHandle.cloud.aws)`);
            const hub = new AwsTransitHub(
                `${site.name}-links`,
                {
                    asn: site.asn,
                    vpcId: cloud.vpcId,
                    subnetIds: cloud.privateSubnetIds,
                    routeTableIds: cloud.privateRouteTableIds,
                    remotePrefixes: remotePrefixesOf(plan, site.name),
                },
                { parent: h.parent, providers: [cloud.provider], dependsOn: after },
            );
            awsHubs.set(site.name, hub);
            ready.push(hub);
        }
        return awsHubs.get(site.name)!;
    };
    /** Every AWS VPN connection of a site logs into that site's VPN log group (its EKS VPC's). */
    const vpnLogGroupOf = (siteName: string) => handleOf(siteName).cloud!.aws!.vpnLogGroupArn;
    const aliHubs = new Map<string, AlicloudVpnHub>();
    const aliHub = (site: LinkSite) => {
        if (!aliHubs.has(site.name)) {
            const h = handleOf(site.name);
            const cloud = h.cloud?.alicloud;
            if (!cloud) throw new Error(`links: ${site.name} has no Alibaba Cloud network in its handle (ClusterHandle.cloud.alicloud)`);
            if (cloud.vswitchIds.length < 2) throw new Error(`links: ${site.name} needs vSwitches in two zones for a dual-tunnel VPN gateway`);
            const hub = new AlicloudVpnHub(
                `${site.name}-links`,
                { vpcId: cloud.vpcId, vswitchIds: [cloud.vswitchIds[0], cloud.vswitchIds[1]], bandwidth: args.vpnGatewayBandwidthMbps, tags: cloud.tags },
                { parent: h.parent, providers: [cloud.provider], dependsOn: after },
            );
            aliHubs.set(site.name, hub);
            ready.push(hub);
        }
        return aliHubs.get(site.name)!;
    };
    const cenHubs = new Map<string, AlicloudCenHub>();
    const cenHub = (siteName: string) => {
        if (!cenHubs.has(siteName)) {
            const h = handleOf(siteName);
            const cloud = h.cloud?.alicloud;
            if (!cloud) throw new Error(`links: ${siteName} has no Alibaba Cloud network in its handle (ClusterHandle.cloud.alicloud)`);
            if (cloud.vswitchIds.length < 2 || h.zones.length < 2)
                throw new Error(`links: ${siteName} needs vSwitches in two zones for its CEN transit router's VPC attachment`);
            const hub = new AlicloudCenHub(
                `${siteName}-links`,
                { vpcId: cloud.vpcId, zoneMappings: [0, 1].map((i) => ({ zoneId: h.zones[i], vswitchId: cloud.vswitchIds[i] })), tags: cloud.tags },
                { parent: h.parent, providers: [cloud.provider], dependsOn: after },
            );
            cenHubs.set(siteName, hub);
            ready.push(hub);
        }
        return cenHubs.get(siteName)!;
    };
    const awsOpts = (site: string) => {
        const h = handleOf(site);
        return { parent: h.parent, providers: [h.cloud!.aws!.provider] };
    };
    const aliOpts = (site: string) => {
        const h = handleOf(site);
        return { parent: h.parent, providers: [h.cloud!.alicloud!.provider] };
    };
    const awsCrypto = (l: Pick<PlannedLink, "crypto">) => ({
        ...l.crypto.aws,
        phase1LifetimeSeconds: l.crypto.strongswan.ikeLifetimeSeconds,
        phase2LifetimeSeconds: l.crypto.strongswan.espLifetimeSeconds,
    });
    const aliCrypto = (l: Pick<PlannedLink, "crypto">) => ({
        ...l.crypto.alicloud!,
        ikeLifetimeSeconds: l.crypto.strongswan.ikeLifetimeSeconds,
        ipsecLifetimeSeconds: l.crypto.strongswan.espLifetimeSeconds,
    });
    /** Tunnels by AWS connection, in connection order: each connection's tunnel 1 and 2. */
    const connectionsOf = (tunnels: PlannedTunnel[]) =>
        [...new Set(tunnels.map((t) => t.connection))].map((c) => tunnels.filter((t) => t.connection === c) as [PlannedTunnel, PlannedTunnel]);

    /**
     * An AWS Transit Gateway and an Alibaba VPN gateway facing each other: one AWS connection per
     * public IP of the Alibaba gateway (connection 1 faces IP 1, connection 2 IP 2), and Alibaba
     * connection k takes tunnel k of both AWS connections: its master tunnel (IP 1) faces AWS
     * connection 1, its slave tunnel (IP 2) AWS connection 2, as each AWS connection's customer
     * gateway is one Alibaba IP. No cycle: gateway -> AWS connections -> Alibaba connections.
     */
    const facing = (
        awsName: string,
        aliName: string,
        tunnels: PlannedTunnel[],
        link: Pick<PlannedLink, "crypto">,
        eks: LinkSite,
        aliAsn: number,
        vpngw: { gatewayId: pulumi.Output<string>; publicIps: [pulumi.Output<string>, pulumi.Output<string>] },
        aliOptions: pulumi.CustomResourceOptions,
        tags: Record<string, string>,
    ): pulumi.Resource[] => {
        const tgw = awsHub(eks);
        const aws = new AwsVpn(
            awsName,
            {
                transitGatewayId: tgw.transitGatewayId,
                connections: connectionsOf(tunnels).map((ts) => ({
                    key: `c${ts[0].connection}`,
                    peer: { address: vpngw.publicIps[ts[0].connection - 1], asn: aliAsn },
                    tunnels: [awsTunnel(ts[0]), awsTunnel(ts[1])],
                })),
                crypto: awsCrypto(link),
                startupAction: "start",
                dependsOn: [tgw.attachment],
                logGroupArn: vpnLogGroupOf(eks.name),
            },
            awsOpts(eks.name),
        );
        const pskOf = (t: PlannedTunnel) => aws.psks.get(`c${t.connection}`)![t.index - 1];
        const aliTunnel = (t: PlannedTunnel): AlicloudVpnTunnel => ({
            peer: { key: `aws-${short(t)}`, address: aws.tunnelAddresses.get(`c${t.connection}`)![t.index - 1], asn: eks.asn },
            insideCidr: t.insideCidr,
            localInside: t.b.inside,
            psk: pskOf(t),
        });
        const byKey = (c: number, i: number) => tunnels.find((t) => t.connection === c && t.index === i)!;
        const ali = new AlicloudVpn(
            aliName,
            {
                vpnGatewayId: vpngw.gatewayId,
                localAsn: aliAsn,
                connections: [1, 2].map((i) => ({
                    key: `t${i}`,
                    tunnels: [aliTunnel(byKey(1, i)), aliTunnel(byKey(2, i))] as [AlicloudVpnTunnel, AlicloudVpnTunnel],
                })),
                crypto: aliCrypto(link),
                tags,
            },
            aliOptions,
        );
        for (const t of tunnels)
            runtime.set(t.name, {
                outside: { a: aws.tunnelAddresses.get(`c${t.connection}`)![t.index - 1], b: vpngw.publicIps[t.connection - 1] },
                psk: pskOf(t),
            });
        return [aws, ali];
    };

    // In batches of links, and of IDC sites below (core/batches.ts): a 100-cluster fleet has ~140 links.
    await inBatches(plan.links, (link) => {
        // A link riding a CEN edge has no tunnels of its own: the edge crossing's carry it (declared below).
        if (link.cenEdge) return;
        const { a, b } = link;
        const pair = `${a.kind}-${b.kind}`;
        const name = `${a.name}-link-${b.name}`;
        if (link.kind === "ipsec-vpn" && pair === "eks-idc") {
            const hub = awsHub(a);
            const vpn = new AwsVpn(
                name,
                {
                    transitGatewayId: hub.transitGatewayId,
                    connections: connectionsOf(link.tunnels).map((ts) => {
                        const gw = b.gateways!.find((g) => g.name === ts[0].b.gateway)!;
                        return {
                            key: `c${ts[0].connection}`,
                            peer: { address: gw.publicAddress, asn: b.asn },
                            tunnels: [awsTunnel(ts[0]), awsTunnel(ts[1])],
                        };
                    }),
                    crypto: awsCrypto(link),
                    // The IDC gateways also initiate (strongSwan start_action); AWS starts too, so a tunnel comes up from either side.
                    startupAction: "start",
                    dependsOn: [hub.attachment],
                    logGroupArn: vpnLogGroupOf(a.name),
                },
                awsOpts(a.name),
            );
            for (const t of link.tunnels) {
                runtime.set(t.name, {
                    outside: { a: vpn.tunnelAddresses.get(`c${t.connection}`)![t.index - 1] },
                    psk: vpn.psks.get(`c${t.connection}`)![t.index - 1],
                });
            }
            ready.push(vpn);
        } else if (link.kind === "ipsec-vpn" && pair === "ack-idc") {
            const hub = aliHub(a);
            const [t1, t2] = link.tunnels;
            const tunnel = (t: PlannedTunnel): AlicloudVpnTunnel => {
                const gw = b.gateways!.find((g) => g.name === t.b.gateway)!;
                return {
                    peer: { key: gw.name, address: gw.publicAddress, asn: b.asn },
                    insideCidr: t.insideCidr,
                    localInside: t.a.inside,
                    pskRotation: t.pskRotation,
                };
            };
            const tunnels: [AlicloudVpnTunnel, AlicloudVpnTunnel] = [tunnel(t1), tunnel(t2)];
            const vpn = new AlicloudVpn(
                name,
                {
                    vpnGatewayId: hub.gatewayId,
                    localAsn: a.asn,
                    connections: [{ key: "c1", tunnels }],
                    crypto: aliCrypto(link),
                    tags: handleOf(a.name).cloud!.alicloud!.tags,
                },
                aliOpts(a.name),
            );
            // Tunnel 1 leaves from the gateway's first IP (master), tunnel 2 from its second.
            link.tunnels.forEach((t, i) => runtime.set(t.name, { outside: { a: hub.publicIps[i] }, psk: vpn.psks.get("c1")![i] }));
            ready.push(vpn);
        } else if (link.kind === "ipsec-vpn" && pair === "eks-ack") {
            const vpngw = aliHub(b);
            ready.push(
                ...facing(name, `${b.name}-link-${a.name}`, link.tunnels, link, a, b.asn, vpngw, aliOpts(b.name), handleOf(b.name).cloud!.alicloud!.tags),
            );
        } else if (link.kind === "ipsec-vpn" && pair === "idc-idc") {
            const keys = new TunnelKeys(
                name,
                { tunnels: link.tunnels.map((t) => ({ key: short(t), pskRotation: t.pskRotation })) },
                { parent: handleOf(a.name).parent },
            );
            const outside = (site: LinkSite, host?: string) => site.gateways!.find((g) => g.name === host)!.publicAddress;
            for (const t of link.tunnels)
                runtime.set(t.name, { outside: { a: outside(a, t.a.gateway), b: outside(b, t.b.gateway) }, psk: keys.psks.get(short(t))! });
        } else if (link.kind === "direct-connect" && link.directConnect) {
            const hub = awsHub(a);
            const dx = link.directConnect;
            ready.push(
                new AwsDirectConnect(
                    `${a.name}-dx-${b.name}`,
                    {
                        transitGatewayId: hub.transitGatewayId,
                        amazonSideAsn: dx.amazonSideAsn,
                        connectionId: dx.connectionId,
                        vlan: dx.vlan,
                        amazonAddress: dx.amazonAddress,
                        customerAddress: dx.customerAddress,
                        customerAsn: b.asn,
                        mtu: dx.mtu,
                        allowedPrefixes: a.announce,
                    },
                    awsOpts(a.name),
                ),
            );
        } else if (link.kind === "express-connect" && link.expressConnect) {
            const ec = link.expressConnect;
            ready.push(
                new AlicloudExpressConnect(
                    `${a.name}-ec-${b.name}`,
                    { ...ec, localAsn: a.asn, peerAsn: b.asn, tags: handleOf(a.name).cloud!.alicloud!.tags, hub: cenHub(a.name) },
                    aliOpts(a.name),
                ),
            );
        } else {
            throw new Error(`links: no implementation for a ${link.kind} link between ${a.kind} and ${b.kind} (${link.name})`);
        }
    });

    // The cross-border capacity of the links on CEN: per mainland anchor and area, from the anchor's transit router.
    const remotes = new Map<string, { hub: CenHubRef; provider: alicloud.Provider }>();
    for (const cb of cenCrossBorderPlans(plan)) {
        const hub = cenHub(cb.anchor);
        const crossing = new AlicloudCenCrossBorder(
            `${cb.anchor}-cen-${cb.area.toLowerCase()}`,
            { hub, area: cb.area, bandwidthMbps: cb.bandwidthMbps, regions: cb.regions, tags: handleOf(cb.anchor).cloud!.alicloud!.tags },
            { ...aliOpts(cb.anchor), dependsOn: after },
        );
        for (const [region, remote] of crossing.remotes) remotes.set(`${cb.anchor}-${region}`, remote);
        ready.push(crossing);
    }

    // The CEN edges: per anchor and outside region a VPN gateway in a VPC attached to that region's
    // transit router, and per EKS site the tunnels between its Transit Gateway and that gateway.
    for (const edge of plan.cenEdges) {
        const remote = remotes.get(edge.name);
        if (!remote) throw new Error(`links: CEN edge ${edge.name} has no cross-border connection to ${edge.region}`);
        const h = handleOf(edge.anchor.name);
        const tags = h.cloud!.alicloud!.tags;
        const edgeOpts = { parent: h.parent, providers: [remote.provider] };
        const gw = new AlicloudCenEdge(
            cenEdgeGatewayName(edge.anchor.name, edge.region),
            {
                hub: remote.hub,
                vpcCidr: edge.vpcCidr,
                zones: edge.zones,
                bandwidth: args.vpnGatewayBandwidthMbps,
                awsPrefixes: edge.awsPrefixes,
                flowLogs: { projectName: cenEdgeFlowLogProject(edge.anchor.name, edge.region, pulumi.getStack()), retentionDays: edge.flowLogRetentionDays },
                tags,
            },
            { ...edgeOpts, dependsOn: after },
        );
        ready.push(gw);
        for (const c of edge.crossings) {
            const link = { crypto: suiteFor("eks", "ack") };
            ready.push(
                ...facing(`${c.eks.name}-link-${edge.name}`, `${edge.name}-link-${c.eks.name}`, c.tunnels, link, c.eks, edge.anchor.asn, gw, edgeOpts, tags),
            );
        }
    }
    // Mainland IDCs behind an anchor's VPN gateway (in its VPC): the anchor's transit router routes them to its VPC, once per anchor.
    const anchors = [...new Set(plan.cenEdges.map((e) => e.anchor.name))].sort();
    for (const anchor of anchors) {
        const prefixes = [...new Set(plan.cenEdges.filter((e) => e.anchor.name === anchor).flatMap((e) => e.anchorVpcPrefixes))];
        if (prefixes.length === 0) continue;
        const hub = cenHub(anchor);
        ready.push(
            new AlicloudCenStaticRoutes(
                `${anchor}-links-vpc-routes`,
                { routeTableId: hub.routeTableId, attachmentId: hub.vpcAttachmentId, prefixes, purpose: "behind the VPN gateway in the VPC" },
                { ...aliOpts(anchor), dependsOn: after },
            ),
        );
    }

    // Security-group rules on every cloud site that other sites dial, on that site's provider.
    for (const site of [...new Set((args.ingress ?? []).map((n) => n.site))].sort()) {
        const h = handleOf(site);
        const ports = ingressPorts(args.ingress!, site);
        const aws = h.cloud?.aws;
        const ali = h.cloud?.alicloud;
        const sg = aws?.securityGroupId ?? ali?.securityGroupId;
        if (!sg) throw new Error(`links: ${site} has no cluster security group in its handle (ClusterHandle.cloud.*.securityGroupId)`);
        ready.push(
            new LinkIngress(
                `${site}-links-ingress`,
                { kind: aws ? "aws" : "alicloud", securityGroupId: sg, ports },
                { parent: h.parent, providers: [aws ? aws.provider : ali!.provider], dependsOn: after },
            ),
        );
    }

    const gatewayHosts = new Map<string, IdcGatewayHostPlan[]>();
    const idcSites = args.sites.filter((site) => {
        // Declared gateway hosts stay managed with the tunnels they have left, possibly none (every
        // link riding a CEN edge, the last link removed or replaced by a line): the tunnels they
        // carried are torn down by the next apply, not left running on the hosts.
        const carries = plan.links.some((l) => l.tunnels.some((t) => t.a.site === site.name || t.b.site === site.name));
        return site.kind === "idc" && (carries || (site.gateways?.length ?? 0) > 0);
    });
    await inBatches(idcSites, (site) => {
        const hosts = idcGatewayHostPlans(plan, site, runtime);
        gatewayHosts.set(site.name, hosts);
        const login = args.logins[site.name];
        if (!login) throw new Error(`links: IDC ${site.name} has no SSH login for its gateway hosts`);
        for (const hostPlan of hosts) {
            // The host's strongSwan and FRR, under its own site: the cloud ends' addresses and PSKs arrive as outputs.
            ready.push(
                new IdcGateway(`${site.name}-${hostPlan.host.name}`, { plan: hostPlan, login }, { parent: handleOf(site.name).parent, dependsOn: after }),
            );
        }
    });
    return { ready, plan, gatewayHosts };
}

export const linksAddon: FleetAddon<LinksArgs> = {
    name: "links",
    needs: [],
    install: installLinks,
};
