// The logical AWS side of a Direct Connect line (the physical connection is ordered out of band):
// a Direct Connect gateway, a transit virtual interface on the line's connection and VLAN with BGP
// to the IDC's router, and the gateway's association with the site's Transit Gateway, announcing
// the site's prefixes.
import * as aws from "../../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AwsDirectConnectArgs {
    transitGatewayId: pulumi.Input<string>;
    /** The Direct Connect gateway's AS (must differ from the Transit Gateway's). */
    amazonSideAsn: number;
    connectionId: string;
    vlan: number;
    amazonAddress: string;
    customerAddress: string;
    /** The IDC router's AS. */
    customerAsn: number;
    mtu: number;
    /** What the site announces over the line (AWS's allowed prefixes of the association). */
    allowedPrefixes: string[];
}

/**
 * A virtual interface's customer ASN: `bgpAsn` takes 1 to 2147483646, a 4-byte ASN above that goes
 * in `bgpAsnLong` (aws.directconnect.TransitVirtualInterface: exactly one of them).
 */
export function virtualInterfaceAsn(asn: number): { bgpAsn: number } | { bgpAsnLong: string } {
    return asn <= 2147483646 ? { bgpAsn: asn } : { bgpAsnLong: String(asn) };
}

export class AwsDirectConnect extends pulumi.ComponentResource {
    readonly virtualInterfaceId: pulumi.Output<string>;
    constructor(name: string, args: AwsDirectConnectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AwsDirectConnect", name, {}, opts);
        const parent = { parent: this };
        const dxgw = new aws.directconnect.Gateway(`${name}-dxgw`, { name: `${name}-dxgw`, amazonSideAsn: String(args.amazonSideAsn) }, parent);
        new aws.directconnect.GatewayAssociation(
            `${name}-tgw`,
            { dxGatewayId: dxgw.id, associatedGatewayId: args.transitGatewayId, allowedPrefixes: args.allowedPrefixes },
            parent,
        );
        const vif = new aws.directconnect.TransitVirtualInterface(
            `${name}-vif`,
            {
                name: `${name}-vif`,
                connectionId: args.connectionId,
                dxGatewayId: dxgw.id,
                vlan: args.vlan,
                addressFamily: "ipv4",
                ...virtualInterfaceAsn(args.customerAsn),
                amazonAddress: args.amazonAddress,
                customerAddress: args.customerAddress,
                mtu: args.mtu,
            },
            parent,
        );
        this.virtualInterfaceId = vif.id;
        this.registerOutputs({ virtualInterfaceId: this.virtualInterfaceId });
    }
}
