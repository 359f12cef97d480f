// The Alibaba Cloud side of one IPsec link: a customer gateway per peer address and dual-tunnel
// IPsec connections on the site's VPN gateway, each tunnel with its own customer gateway, IKEv2
// and IPsec proposals, PSK, DPD, and a BGP session over its inside /30 (route-based: both traffic
// selectors 0.0.0.0/0, routes by BGP).
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { tunnelPsk } from "../keys";

export interface AlicloudVpnTunnel {
    /** The peer's public address and ASN (an IDC gateway host, or an AWS tunnel outside address). */
    peer: { key: string; address: pulumi.Input<string>; asn: number };
    insideCidr: string;
    /** Alibaba's inside address in the /30. */
    localInside: string;
    /** The tunnel's PSK when the other end owns it (an AWS connection); generated here otherwise. */
    psk?: pulumi.Output<string>;
    /** How many times a PSK generated here was rotated (0 when unset). */
    pskRotation?: number;
}

export interface AlicloudVpnArgs {
    vpnGatewayId: pulumi.Input<string>;
    localAsn: number;
    /** Each connection: tunnel 1 (master, the gateway's first IP), tunnel 2 (slave, its second). */
    connections: { key: string; tunnels: [AlicloudVpnTunnel, AlicloudVpnTunnel] }[];
    crypto: { encAlg: string; authAlg: string; pfs: string; ikeLifetimeSeconds: number; ipsecLifetimeSeconds: number };
    tags: Record<string, string>;
}

export class AlicloudVpn extends pulumi.ComponentResource {
    readonly connections: alicloud.vpn.Connection[];
    /** Per connection key: the PSKs of tunnel 1 and 2 (secrets). */
    readonly psks: Map<string, [pulumi.Output<string>, pulumi.Output<string>]>;

    constructor(name: string, args: AlicloudVpnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudVpn", name, {}, opts);
        const c = args.crypto;
        const gateways = new Map<string, alicloud.vpn.CustomerGateway>();
        const customerGateway = (peer: AlicloudVpnTunnel["peer"]) => {
            if (!gateways.has(peer.key)) {
                gateways.set(
                    peer.key,
                    new alicloud.vpn.CustomerGateway(
                        `${name}-${peer.key}-cgw`,
                        { customerGatewayName: `${name}-${peer.key}`, ipAddress: peer.address, asn: String(peer.asn), tags: args.tags },
                        { parent: this },
                    ),
                );
            }
            return gateways.get(peer.key)!;
        };
        this.psks = new Map();
        this.connections = args.connections.map((conn) => {
            const psks = conn.tunnels.map((t, i) => t.psk ?? tunnelPsk(`${name}-${conn.key}t${i + 1}-psk`, this, t.pskRotation)) as [
                pulumi.Output<string>,
                pulumi.Output<string>,
            ];
            this.psks.set(conn.key, psks);
            return new alicloud.vpn.Connection(
                `${name}-${conn.key}`,
                {
                    vpnConnectionName: `${name}-${conn.key}`,
                    vpnGatewayId: args.vpnGatewayId,
                    // Route-based: the selectors take everything, BGP decides what goes through.
                    localSubnets: ["0.0.0.0/0"],
                    remoteSubnets: ["0.0.0.0/0"],
                    enableTunnelsBgp: true,
                    tunnelOptionsSpecifications: conn.tunnels.map((t, i) => ({
                        role: i === 0 ? "master" : "slave",
                        customerGatewayId: customerGateway(t.peer).id,
                        enableDpd: true,
                        enableNatTraversal: true,
                        tunnelIkeConfig: {
                            ikeVersion: "ikev2",
                            ikeMode: "main",
                            ikeEncAlg: c.encAlg,
                            ikeAuthAlg: c.authAlg,
                            ikePfs: c.pfs,
                            ikeLifetime: c.ikeLifetimeSeconds,
                            psk: psks[i],
                        },
                        tunnelIpsecConfig: { ipsecEncAlg: c.encAlg, ipsecAuthAlg: c.authAlg, ipsecPfs: c.pfs, ipsecLifetime: c.ipsecLifetimeSeconds },
                        tunnelBgpConfig: { localAsn: String(args.localAsn), localBgpIp: t.localInside, tunnelCidr: t.insideCidr },
                    })),
                    tags: args.tags,
                },
                { parent: this },
            );
        });
        this.registerOutputs({ connectionIds: this.connections.map((x) => x.id) });
    }
}
