// The AWS side of one IPsec link: a customer gateway per peer address (an IDC gateway host, or one
// public IP of an Alibaba VPN gateway) and a Site-to-Site VPN connection on the Transit Gateway per
// customer gateway, with BGP (staticRoutesOnly false) and both tunnels set explicitly: inside /30,
// PSK, IKEv2 only, one encryption/integrity/DH choice per phase, lifetimes, DPD, startup, and their
// IKE/IPsec and BGP logs.
import * as aws from "../../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { tunnelPsk } from "../keys";

export interface AwsVpnTunnel {
    insideCidr: string;
    /** How many times the tunnel's PSK was rotated (0 when unset). */
    pskRotation?: number;
}

export interface AwsVpnConnectionPlan {
    /** Names the connection and its customer gateway, e.g. "c1". */
    key: string;
    /** The peer's public address and ASN. */
    peer: { address: pulumi.Input<string>; asn: number };
    tunnels: [AwsVpnTunnel, AwsVpnTunnel];
}

export interface AwsVpnArgs {
    transitGatewayId: pulumi.Input<string>;
    connections: AwsVpnConnectionPlan[];
    /** Phase 1 and 2 proposals (AWS spelling), lifetimes. */
    crypto: { encryption: string[]; integrity: string[]; dhGroups: number[]; phase1LifetimeSeconds: number; phase2LifetimeSeconds: number };
    /** "start": AWS initiates IKE (the peer need not); "add": the peer must. */
    startupAction: "start" | "add";
    /** Waits for the VPC attachment, so traffic can flow once the tunnels are up. */
    dependsOn?: pulumi.Resource[];
    /** The site's VPN log group (ClusterHandle.cloud.aws.vpnLogGroupArn): every tunnel's IKE/IPsec and BGP events, as JSON. */
    logGroupArn: pulumi.Input<string>;
}

/**
 * A customer gateway's ASN: `bgpAsn` takes 1 to 2147483647, a 4-byte ASN above that goes in
 * `bgpAsnExtended` (aws.ec2.CustomerGateway; the two conflict).
 */
export function customerGatewayAsn(asn: number): { bgpAsn: string } | { bgpAsnExtended: string } {
    return asn <= 2147483647 ? { bgpAsn: String(asn) } : { bgpAsnExtended: String(asn) };
}

export class AwsVpn extends pulumi.ComponentResource {
    /** Per connection key: the AWS outside addresses of tunnel 1 and 2. */
    readonly tunnelAddresses: Map<string, [pulumi.Output<string>, pulumi.Output<string>]>;
    readonly connections: aws.ec2.VpnConnection[];
    /** Per connection key: the PSKs of tunnel 1 and 2 (secrets), for the other end. */
    readonly psks: Map<string, [pulumi.Output<string>, pulumi.Output<string>]>;

    constructor(name: string, args: AwsVpnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AwsVpn", name, {}, opts);
        this.tunnelAddresses = new Map();
        this.psks = new Map();
        const c = args.crypto;
        const tunnel = (n: 1 | 2, t: AwsVpnTunnel, psk: pulumi.Output<string>) => ({
            [`tunnel${n}InsideCidr`]: t.insideCidr,
            [`tunnel${n}PresharedKey`]: psk,
            [`tunnel${n}IkeVersions`]: ["ikev2"],
            [`tunnel${n}Phase1EncryptionAlgorithms`]: c.encryption,
            [`tunnel${n}Phase1IntegrityAlgorithms`]: c.integrity,
            [`tunnel${n}Phase1DhGroupNumbers`]: c.dhGroups,
            [`tunnel${n}Phase1LifetimeSeconds`]: c.phase1LifetimeSeconds,
            [`tunnel${n}Phase2EncryptionAlgorithms`]: c.encryption,
            [`tunnel${n}Phase2IntegrityAlgorithms`]: c.integrity,
            [`tunnel${n}Phase2DhGroupNumbers`]: c.dhGroups,
            [`tunnel${n}Phase2LifetimeSeconds`]: c.phase2LifetimeSeconds,
            // Restart the IKE negotiation when the peer stops answering DPD for 30 s (AWS's minimum).
            [`tunnel${n}DpdTimeoutAction`]: "restart",
            [`tunnel${n}DpdTimeoutSeconds`]: 30,
            [`tunnel${n}StartupAction`]: args.startupAction,
            [`tunnel${n}LogOptions`]: {
                cloudwatchLogOptions: {
                    logEnabled: true,
                    logGroupArn: args.logGroupArn,
                    logOutputFormat: "json",
                    bgpLogEnabled: true,
                    bgpLogGroupArn: args.logGroupArn,
                    bgpLogOutputFormat: "json",
                },
            },
        });
        this.connections = args.connections.map((conn) => {
            const cgw = new aws.ec2.CustomerGateway(
                `${name}-${conn.key}-cgw`,
                { type: "ipsec.1", ipAddress: conn.peer.address, ...customerGatewayAsn(conn.peer.asn), tags: { Name: `${name}-${conn.key}` } },
                { parent: this },
            );
            const psks: [pulumi.Output<string>, pulumi.Output<string>] = [
                tunnelPsk(`${name}-${conn.key}t1-psk`, this, conn.tunnels[0].pskRotation),
                tunnelPsk(`${name}-${conn.key}t2-psk`, this, conn.tunnels[1].pskRotation),
            ];
            this.psks.set(conn.key, psks);
            const vpn = new aws.ec2.VpnConnection(
                `${name}-${conn.key}`,
                {
                    type: "ipsec.1",
                    customerGatewayId: cgw.id,
                    transitGatewayId: args.transitGatewayId,
                    // BGP over both tunnels, never static routes.
                    staticRoutesOnly: false,
                    ...tunnel(1, conn.tunnels[0], psks[0]),
                    ...tunnel(2, conn.tunnels[1], psks[1]),
                    tags: { Name: `${name}-${conn.key}` },
                } as aws.ec2.VpnConnectionArgs,
                { parent: this, dependsOn: args.dependsOn ?? [] },
            );
            this.tunnelAddresses.set(conn.key, [vpn.tunnel1Address, vpn.tunnel2Address]);
            return vpn;
        });
        this.registerOutputs({ connectionIds: this.connections.map((v) => v.id) });
    }
}
