// The logical Alibaba Cloud side of an Express Connect line (the physical connection is ordered out
// of band): a virtual border router on the line's VLAN with both peering addresses, a BGP group
// (local and peer AS) and the BGP peer (the IDC's router) with BFD. The VBR is attached to the
// site's CEN transit router, which joins it to the VPC: without it the line ends at the VBR.
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { CenHubRef, joinRouteTable } from "./cenHub";

export interface AlicloudExpressConnectArgs {
    physicalConnectionId: string;
    vlan: number;
    localGatewayIp: string;
    peerGatewayIp: string;
    peeringSubnetMask: string;
    localAsn: number;
    peerAsn: number;
    tags: Record<string, string>;
    /** The site's transit router (and through it the VPC). */
    hub: CenHubRef;
}

export class AlicloudExpressConnect extends pulumi.ComponentResource {
    readonly virtualBorderRouterId: pulumi.Output<string>;
    constructor(name: string, args: AlicloudExpressConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudExpressConnect", name, {}, opts);
        const vbr = new alicloud.expressconnect.VirtualBorderRouter(
            `${name}-vbr`,
            {
                virtualBorderRouterName: `${name}-vbr`,
                physicalConnectionId: args.physicalConnectionId,
                vlanId: args.vlan,
                localGatewayIp: args.localGatewayIp,
                peerGatewayIp: args.peerGatewayIp,
                peeringSubnetMask: args.peeringSubnetMask,
                tags: args.tags,
            },
            { parent: this },
        );
        const group = new alicloud.vpc.BgpGroup(
            `${name}-bgp`,
            { bgpGroupName: `${name}-bgp`, routerId: vbr.id, localAsn: args.localAsn, peerAsn: args.peerAsn },
            { parent: this },
        );
        // BFD: a failed line is detected in about a second instead of the BGP hold time.
        new alicloud.vpc.BgpPeer(`${name}-bgp-peer`, { bgpGroupId: group.id, peerIpAddress: args.peerGatewayIp, enableBfd: true }, { parent: this });
        const attachment = new alicloud.cen.TransitRouterVbrAttachment(
            `${name}-tr-vbr`,
            {
                cenId: args.hub.cenId,
                transitRouterId: args.hub.transitRouterId,
                vbrId: vbr.id,
                transitRouterAttachmentName: `${name}-vbr`,
                // The transit router announces the VPC's routes to the VBR, whose BGP peer (the IDC) learns them.
                autoPublishRouteEnabled: true,
                tags: args.tags,
            },
            { parent: this },
        );
        joinRouteTable(`${name}-tr-vbr`, args.hub, attachment.transitRouterAttachmentId, this);
        this.virtualBorderRouterId = vbr.id;
        this.registerOutputs({ virtualBorderRouterId: this.virtualBorderRouterId });
    }
}
