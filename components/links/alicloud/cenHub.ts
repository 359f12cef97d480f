// The Alibaba Cloud site's CEN transit router: a CEN instance, an Enterprise Edition transit router
// in the site's region with a route table of its own, and the site's VPC attached in two zones.
// Every attachment (the VPC, an Express Connect VBR, a cross-border peer connection) is associated
// with that route table and propagates into it, and the transit router publishes what it learns
// into the VPC's route table and towards the VBRs (autoPublishRouteEnabled), so the IDC's BGP
// routes from the line reach the VPC and the VPC's CIDRs reach the IDC (CEN "Transit router
// route tables": association picks the table that forwards an attachment's traffic, propagation
// puts the attachment's routes into a table).
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";

export interface AlicloudCenHubArgs {
    vpcId: pulumi.Input<string>;
    /** Two node vSwitches in two zones the transit router supports (its primary and secondary zone). */
    zoneMappings: { zoneId: string; vswitchId: pulumi.Input<string> }[];
    tags: Record<string, string>;
}

/** What an attachment to the hub needs. */
export interface CenHubRef {
    cenId: pulumi.Input<string>;
    transitRouterId: pulumi.Input<string>;
    routeTableId: pulumi.Input<string>;
}

/** Associates an attachment with the hub's route table and propagates its routes into it. */
export function joinRouteTable(name: string, hub: CenHubRef, attachmentId: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Resource[] {
    const args = { transitRouterAttachmentId: attachmentId, transitRouterRouteTableId: hub.routeTableId };
    return [
        new alicloud.cen.TransitRouterRouteTableAssociation(`${name}-assoc`, args, { parent }),
        new alicloud.cen.TransitRouterRouteTablePropagation(`${name}-prop`, args, { parent }),
    ];
}

export class AlicloudCenHub extends pulumi.ComponentResource implements CenHubRef {
    readonly cenId: pulumi.Output<string>;
    readonly transitRouterId: pulumi.Output<string>;
    readonly routeTableId: pulumi.Output<string>;
    /** The VPC's attachment: the next hop of static routes to prefixes behind the VPC (an IPsec link's VPN gateway). */
    readonly vpcAttachmentId: pulumi.Output<string>;

    constructor(name: string, args: AlicloudCenHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudCenHub", name, {}, opts);
        const parent = { parent: this };
        const cen = new alicloud.cen.Instance(
            `${name}-cen`,
            { cenInstanceName: `${name}-cen`, description: `${name}: site-to-site links`, tags: args.tags },
            parent,
        );
        const tr = new alicloud.cen.TransitRouter(
            `${name}-tr`,
            { cenId: cen.id, transitRouterName: `${name}-tr`, transitRouterDescription: `${name}: links`, tags: args.tags },
            parent,
        );
        const table = new alicloud.cen.TransitRouterRouteTable(
            `${name}-tr-rtb`,
            { transitRouterId: tr.transitRouterId, transitRouterRouteTableName: `${name}-links`, tags: args.tags },
            parent,
        );
        this.cenId = cen.id;
        this.transitRouterId = tr.transitRouterId;
        this.routeTableId = table.transitRouterRouteTableId;
        const vpc = new alicloud.cen.TransitRouterVpcAttachment(
            `${name}-tr-vpc`,
            {
                cenId: cen.id,
                transitRouterId: tr.transitRouterId,
                vpcId: args.vpcId,
                zoneMappings: args.zoneMappings,
                transitRouterVpcAttachmentName: `${name}-vpc`,
                // The transit router writes the routes it learns (the IDC's, over the line) into the VPC's route table.
                autoPublishRouteEnabled: true,
                tags: args.tags,
            },
            parent,
        );
        joinRouteTable(`${name}-tr-vpc`, this, vpc.transitRouterAttachmentId, this);
        this.vpcAttachmentId = vpc.transitRouterAttachmentId;
        this.registerOutputs({ cenId: this.cenId, transitRouterId: this.transitRouterId, routeTableId: this.routeTableId });
    }
}

/**
 * Static routes of a transit router's table to one attachment: prefixes the attachment does not
 * propagate itself (what a VPN gateway in an attached VPC learned by BGP; a VPC attachment
 * propagates only the VPC's vSwitch blocks).
 */
export class AlicloudCenStaticRoutes extends pulumi.ComponentResource {
    constructor(
        name: string,
        args: { routeTableId: pulumi.Input<string>; attachmentId: pulumi.Input<string>; prefixes: string[]; purpose: string },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("hybrid:links:AlicloudCenStaticRoutes", name, {}, opts);
        for (const prefix of args.prefixes) {
            const id = prefix.replace(/[./]/g, "-");
            new alicloud.cen.TransitRouterRouteEntry(
                `${name}-${id}`,
                {
                    transitRouterRouteTableId: args.routeTableId,
                    transitRouterRouteEntryName: `${name}-${id}`,
                    transitRouterRouteEntryDescription: `${name}: ${args.purpose}`,
                    transitRouterRouteEntryDestinationCidrBlock: prefix,
                    transitRouterRouteEntryNextHopType: "Attachment",
                    transitRouterRouteEntryNextHopId: args.attachmentId,
                },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}
