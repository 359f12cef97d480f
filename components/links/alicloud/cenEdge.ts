// A mainland site's gateway outside mainland China, on its CEN (Alibaba Cloud "Connect a data center
// to VPCs across regions with VPN Gateway and CEN"): in the outside region a small VPC with two
// vSwitches in two zones, a public VPN gateway in dual-tunnel mode in it, and the VPC attached to the
// CEN transit router of that region, joined to that router's route table. The tunnels to AWS end
// here, so what crosses the border rides the inter-region connection bought from the cross-border
// bandwidth package, never internet IPsec across the border.
// Routes: the transit router writes what it learns (the anchor's VPC and pods, the mainland IDCs
// behind it) into the VPC's system route table (autoPublishRouteEnabled), and the VPN gateway
// announces that table over BGP to AWS (VPN Gateway "Configure BGP dynamic routing": the gateway
// learns the system route table's routes and advertises them to the peer). BGP routes from AWS go
// into that same table (autoPropagate), but a VPC attachment propagates only the VPC's own vSwitch
// blocks to the transit router, so the AWS prefixes enter the transit router as static routes to
// the VPC attachment; from there the inter-region connection carries them to the anchor's router.
// The VPC's flow logs go to an SLS project of the edge's own, in its region, as the anchor's VPC's do.
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { alicloudVpcFlowLogs } from "../../core/alicloudFlowLogs";
import { CenHubRef, joinRouteTable } from "./cenHub";
import { AlicloudVpnHub } from "./vpnHub";

export interface AlicloudCenEdgeArgs {
    /** The CEN transit router of the outside region (and its route table). */
    hub: CenHubRef;
    vpcCidr: string;
    /** Two zones offering dual-tunnel VPN gateways and transit router attachments. */
    zones: [string, string];
    /** VPN gateway bandwidth, Mbit/s. */
    bandwidth: number;
    /** Prefixes behind the VPN gateway (the AWS sites'): static routes of the transit router to the VPC attachment. */
    awsPrefixes: string[];
    /** The VPC's flow logs: their SLS project (cenEdgeFlowLogProject) and how many days they are kept (as the anchor's VPC's). */
    flowLogs: { projectName: string; retentionDays: number };
    tags: Record<string, string>;
}

/** The two halves of a block: the edge's two vSwitches. */
export function halves(block: string): [string, string] {
    const [ip, len] = block.split("/");
    const n = ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
    const half = 2 ** (32 - Number(len) - 1);
    const text = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join(".");
    return [`${text(n)}/${Number(len) + 1}`, `${text(n + half)}/${Number(len) + 1}`];
}

/** A route's resource name from its prefix: `10.20.0.0/16` -> `10-20-0-0-16`. */
export const prefixName = (cidr: string) => cidr.replace(/[./]/g, "-");

export class AlicloudCenEdge extends pulumi.ComponentResource {
    readonly gatewayId: pulumi.Output<string>;
    /** The VPN gateway's public IP of tunnel 1 (master) and of tunnel 2 (disaster recovery): AWS's customer gateways. */
    readonly publicIps: [pulumi.Output<string>, pulumi.Output<string>];
    readonly vpcAttachmentId: pulumi.Output<string>;

    constructor(name: string, args: AlicloudCenEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudCenEdge", name, {}, opts);
        const parent = { parent: this };
        const vpc = new alicloud.vpc.Network(`${name}-vpc`, { vpcName: name, cidrBlock: args.vpcCidr, tags: args.tags }, parent);
        const blocks = halves(args.vpcCidr);
        const vswitches = args.zones.map(
            (zone, i) =>
                new alicloud.vpc.Switch(
                    `${name}-vsw-${zone}`,
                    { vswitchName: `${name}-${zone}`, vpcId: vpc.id, zoneId: zone, cidrBlock: blocks[i], tags: args.tags },
                    parent,
                ),
        );
        const vpn = new AlicloudVpnHub(
            name,
            { vpcId: vpc.id, vswitchIds: [vswitches[0].id, vswitches[1].id], bandwidth: args.bandwidth, tags: args.tags },
            parent,
        );
        const attachment = new alicloud.cen.TransitRouterVpcAttachment(
            `${name}-tr-vpc`,
            {
                cenId: args.hub.cenId,
                transitRouterId: args.hub.transitRouterId,
                vpcId: vpc.id,
                zoneMappings: args.zones.map((zoneId, i) => ({ zoneId, vswitchId: vswitches[i].id })),
                transitRouterVpcAttachmentName: `${name}-vpc`,
                // The transit router writes the anchor's and the mainland IDCs' routes into the VPC, whose VPN gateway announces them to AWS.
                autoPublishRouteEnabled: true,
                tags: args.tags,
            },
            parent,
        );
        joinRouteTable(`${name}-tr-vpc`, args.hub, attachment.transitRouterAttachmentId, this);
        alicloudVpcFlowLogs(name, { vpcId: vpc.id, ...args.flowLogs, tags: args.tags }, this);
        for (const prefix of args.awsPrefixes) {
            new alicloud.cen.TransitRouterRouteEntry(
                `${name}-tr-rt-${prefixName(prefix)}`,
                {
                    transitRouterRouteTableId: args.hub.routeTableId,
                    transitRouterRouteEntryName: `${name}-${prefixName(prefix)}`,
                    transitRouterRouteEntryDescription: `${name}: behind the VPN gateway (AWS)`,
                    transitRouterRouteEntryDestinationCidrBlock: prefix,
                    transitRouterRouteEntryNextHopType: "Attachment",
                    transitRouterRouteEntryNextHopId: attachment.transitRouterAttachmentId,
                },
                parent,
            );
        }
        this.gatewayId = vpn.gatewayId;
        this.publicIps = vpn.publicIps;
        this.vpcAttachmentId = attachment.transitRouterAttachmentId;
        this.registerOutputs({ gatewayId: this.gatewayId, publicIps: this.publicIps, vpcAttachmentId: this.vpcAttachmentId });
    }
}
