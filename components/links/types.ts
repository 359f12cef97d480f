// The parameters of one site-to-site tunnel, as the program gives them to both ends: the managed
// gateway (AWS VPN connection, Alibaba Cloud VPN connection) and an IDC gateway host (strongSwan
// + FRR). One value drives both sides, so the integration test can emulate the cloud end from
// exactly what the cloud is told (`mirrorTunnel`).
import type * as pulumi from "@pulumi/pulumi";

/** IKEv2/ESP proposals in strongSwan's syntax (swanctl.conf `proposals` / `esp_proposals`). */
export interface TunnelCrypto {
    /** e.g. "aes256gcm16-prfsha384-ecp384" */
    ike: string;
    /** e.g. "aes256gcm16-ecp384" (PFS with the same group) */
    esp: string;
    ikeLifetimeSeconds: number;
    espLifetimeSeconds: number;
    /** Dead peer detection interval; the tunnel restarts when the peer is gone. */
    dpdDelaySeconds: number;
}

export interface TunnelParams {
    /** Unique in the fleet; names the swanctl connection and the XFRM interface's purpose. */
    name: string;
    /** XFRM interface id on the gateway host that carries it (unique per host, 1..). */
    ifId: number;
    /** This end's public (outside) address. */
    localOutside: pulumi.Input<string>;
    /** The other end's public address (often known only once the cloud gateway exists). */
    remoteOutside: pulumi.Input<string>;
    /** The tunnel's inside /30 (169.254.x.y/30, allocated fleet-wide) and both inside addresses. */
    insideCidr: string;
    localInside: string;
    remoteInside: string;
    /** Pre-shared key, a Pulumi secret from birth. */
    psk: pulumi.Output<string>;
    localAsn: number;
    remoteAsn: number;
    crypto: TunnelCrypto;
}

/** The same tunnel seen from the other end. */
export function mirrorTunnel(t: TunnelParams): TunnelParams {
    return {
        ...t,
        localOutside: t.remoteOutside,
        remoteOutside: t.localOutside,
        localInside: t.remoteInside,
        remoteInside: t.localInside,
        localAsn: t.remoteAsn,
        remoteAsn: t.localAsn,
    };
}

/** A BGP neighbour of an IDC gateway in the rack fabric (a ToR switch). */
export interface FabricPeer {
    name: string;
    peerIp: string;
    asn: number;
}

/** What one IDC gateway host runs: its tunnels (one of each connection with two gateways), its fabric sessions. */
export interface IdcGatewayHostPlan {
    host: { name: string; address: string; publicAddress: string };
    localAsn: number;
    tunnels: TunnelParams[];
    fabricPeers: FabricPeer[];
    /** Prefixes this site announces to the other sites (node network, pods, load balancer range). */
    announce: string[];
    /** The interface that holds the public address, the XFRM interfaces' underlying device (optional for the kernel). */
    uplink?: string;
    /** Re-advertise what one tunnel teaches to the other tunnels (this site is a transit hub); off: no transit leaks. */
    transit?: boolean;
}

/** A tunnel with every value known: what the renderers write. */
export interface ResolvedTunnel extends Omit<TunnelParams, "localOutside" | "remoteOutside" | "psk"> {
    localOutside: string;
    remoteOutside: string;
    psk: string;
}

/** An IDC gateway host's plan with every value known (inside an apply, for the rendered files only). */
export interface ResolvedGatewayHost extends Omit<IdcGatewayHostPlan, "tunnels"> {
    tunnels: ResolvedTunnel[];
}
