// The AWS end of every link of one EKS site: a Transit Gateway with the site's ASN, attached to the
// VPC's node subnets, with default route-table association and propagation (so every VPN and
// Direct Connect attachment learns and announces routes by BGP), and a route in each of the VPC's
// private route tables (nodes and pods) to a prefix list of every prefix the site reaches over its links.
import * as aws from "../../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AwsTransitHubArgs {
    /** The site's ASN: the Transit Gateway's amazon side (private, 64512-65534 or 4200000000-4294967294). */
    asn: number;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    routeTableIds: pulumi.Input<string>[];
    /** Every prefix reached over the links (the other sites' node/VPC, pod and load balancer ranges). */
    remotePrefixes: string[];
}

export class AwsTransitHub extends pulumi.ComponentResource {
    readonly transitGatewayId: pulumi.Output<string>;
    /** What VPN and Direct Connect attachments wait for before traffic can flow into the VPC. */
    readonly attachment: aws.ec2transitgateway.VpcAttachment;

    constructor(name: string, args: AwsTransitHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AwsTransitHub", name, {}, opts);
        const parent = { parent: this };
        const tgw = new aws.ec2transitgateway.TransitGateway(
            `${name}-tgw`,
            {
                description: `${name}: site-to-site links`,
                amazonSideAsn: args.asn,
                // Every attachment joins the default route table and propagates into it: BGP routes of
                // the VPN tunnels reach the VPC attachment, the VPC's CIDRs reach the tunnels.
                defaultRouteTableAssociation: "enable",
                defaultRouteTablePropagation: "enable",
                // Both tunnels of a connection (and both connections) carry traffic: ECMP over them.
                vpnEcmpSupport: "enable",
                dnsSupport: "enable",
                autoAcceptSharedAttachments: "disable",
                tags: { Name: `${name}-tgw` },
            },
            parent,
        );
        this.transitGatewayId = tgw.id;
        this.attachment = new aws.ec2transitgateway.VpcAttachment(
            `${name}-vpc`,
            { transitGatewayId: tgw.id, vpcId: args.vpcId, subnetIds: args.subnetIds, dnsSupport: "enable", tags: { Name: `${name}-vpc` } },
            parent,
        );
        // The remote prefixes as one managed prefix list and one route per route table to it: a site
        // more in the fleet is an entry more, not a route more in every table (the list's maxEntries
        // still counts against the route-table quota: EC2 "Prefix lists" quotas).
        if (args.remotePrefixes.length > 0) {
            const remote = new aws.ec2.ManagedPrefixList(
                `${name}-remote-prefixes`,
                {
                    name: `${name}-remote-prefixes`,
                    addressFamily: "IPv4",
                    maxEntries: args.remotePrefixes.length,
                    entries: args.remotePrefixes.map((cidr) => ({ cidr, description: "reached over the links" })),
                    tags: { Name: `${name}-remote-prefixes` },
                },
                parent,
            );
            args.routeTableIds.forEach(
                (table, i) =>
                    new aws.ec2.Route(
                        `${name}-rt${i}-remote`,
                        { routeTableId: table, destinationPrefixListId: remote.id, transitGatewayId: tgw.id },
                        { parent: this, dependsOn: [this.attachment] },
                    ),
            );
        }
        this.registerOutputs({ transitGatewayId: this.transitGatewayId });
    }
}
