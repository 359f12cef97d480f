// The AWS end of every link of one EKS site: a Transit Gateway with the site's ASN, attached to the
// VPC's node subnets, with default route-table association and propagation (so every VPN and
// Direct Connect attachment learns and announces routes by BGP), and routes in the VPC's private
// route tables (nodes and pods) to every prefix the site reaches over its links.
import * as aws from "@pulumi/aws";
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
        args.routeTableIds.forEach((table, i) =>
            args.remotePrefixes.forEach(
                (prefix) =>
                    new aws.ec2.Route(
                        `${name}-rt${i}-${prefix.replace(/[./]/g, "-")}`,
                        { routeTableId: table, destinationCidrBlock: prefix, transitGatewayId: tgw.id },
                        { parent: this, dependsOn: [this.attachment] },
                    ),
            ),
        );
        this.registerOutputs({ transitGatewayId: this.transitGatewayId });
    }
}
