// The Alibaba Cloud end of every IPsec link of one ACK site: one public VPN gateway in dual-tunnel
// mode (two vSwitches in two zones, so each tunnel of a connection leaves from its own zone and
// public IP), with BGP routes propagated into the VPC's route table (autoPropagate). Dual-tunnel
// connections are active/standby: the gateway switches to the standby tunnel when the active one
// fails (VPN Gateway docs, "Dual-tunnel mode"); the zones must be ones that offer dual-tunnel
// gateways (e.g. China (Shanghai) B, D-G, K-N; the console's list prevails).
import * as alicloud from "../../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";

export interface AlicloudVpnHubArgs {
    vpcId: pulumi.Input<string>;
    /** Two node vSwitches in different zones: tunnel 1 (master) and tunnel 2 (disaster recovery). */
    vswitchIds: [pulumi.Input<string>, pulumi.Input<string>];
    /** Mbit/s: 10, 100, 200, 500 or 1000 (VPN gateway specifications). */
    bandwidth: number;
    tags: Record<string, string>;
}

export class AlicloudVpnHub extends pulumi.ComponentResource {
    readonly gatewayId: pulumi.Output<string>;
    /** The public IP of tunnel 1 (master) and of tunnel 2 (disaster recovery). */
    readonly publicIps: [pulumi.Output<string>, pulumi.Output<string>];

    constructor(name: string, args: AlicloudVpnHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:links:AlicloudVpnHub", name, {}, opts);
        const gateway = new alicloud.vpn.Gateway(
            `${name}-vpngw`,
            {
                vpnGatewayName: `${name}-vpngw`,
                vpcId: args.vpcId,
                vswitchId: args.vswitchIds[0],
                disasterRecoveryVswitchId: args.vswitchIds[1],
                networkType: "public",
                vpnType: "Normal",
                bandwidth: args.bandwidth,
                enableIpsec: true,
                enableSsl: false,
                paymentType: "PayAsYouGo",
                // Routes learned by BGP over the tunnels go into the VPC's system route table.
                autoPropagate: true,
                tags: args.tags,
            },
            { parent: this },
        );
        this.gatewayId = gateway.id;
        this.publicIps = [gateway.internetIp, gateway.disasterRecoveryInternetIp];
        this.registerOutputs({ gatewayId: this.gatewayId, publicIps: this.publicIps });
    }
}
