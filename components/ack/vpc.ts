// The ACK site's network foundation: a VPC with a node vSwitch per zone (and, with Terway, the
// pod CIDR as a secondary block carved into a pod vSwitch per zone), one enhanced NAT gateway
// with an EIP, SNAT entries so that nodes and pods reach the internet without public IPs, and the
// VPC's flow logs in an encrypted SLS Logstore of its own project.
import * as alicloud from "../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { alicloudVpcFlowLogs } from "../core/alicloudFlowLogs";
import { addressPlan } from "./render";
import { type AckClusterShape, slsProjectNames } from "./types";

export interface AckVpcArgs {
    /** The cluster as the address plan reads it: zones, VPC and pod CIDRs, CNI, flow-log retention. */
    spec: AckClusterShape;
    tags: Record<string, string>;
}

export class AckVpc extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** One per zone, in spec.zones order. */
    readonly nodeVswitchIds: pulumi.Output<string>[];
    /** Terway only: one per zone, in spec.zones order (empty with Flannel). */
    readonly podVswitchIds: pulumi.Output<string>[];
    readonly natGatewayId: pulumi.Output<string>;
    readonly egressIp: pulumi.Output<string>;
    /** The SLS project holding the flow logs (Logstore FLOW_LOG_STORE, components/core/alicloudFlowLogs.ts). */
    readonly flowLogProject: pulumi.Output<string>;

    constructor(name: string, args: AckVpcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:ack:Vpc", name, {}, opts);
        const plan = addressPlan(args.spec);
        const tags = args.tags;

        const vpc = new alicloud.vpc.Network(`${name}-vpc`, { vpcName: name, cidrBlock: plan.vpcCidr, tags }, { parent: this });
        this.vpcId = vpc.id;

        const nodeSwitches = plan.zones.map(
            (z) =>
                new alicloud.vpc.Switch(
                    `${name}-nodes-${z.zone}`,
                    { vswitchName: `${name}-nodes-${z.zone}`, vpcId: vpc.id, zoneId: z.zone, cidrBlock: z.nodeCidr, tags },
                    { parent: this },
                ),
        );
        this.nodeVswitchIds = nodeSwitches.map((s) => s.id);

        // Terway: pods get VPC addresses from their own vSwitches, in podCidr added to the VPC.
        let podSwitches: alicloud.vpc.Switch[] = [];
        if (plan.secondaryCidr) {
            const podBlock = new alicloud.vpc.Ipv4CidrBlock(`${name}-pods`, { vpcId: vpc.id, secondaryCidrBlock: plan.secondaryCidr }, { parent: this });
            podSwitches = plan.zones.map(
                (z) =>
                    new alicloud.vpc.Switch(
                        `${name}-pods-${z.zone}`,
                        { vswitchName: `${name}-pods-${z.zone}`, vpcId: vpc.id, zoneId: z.zone, cidrBlock: z.podCidr!, tags },
                        { parent: this, dependsOn: [podBlock] },
                    ),
            );
        }
        this.podVswitchIds = podSwitches.map((s) => s.id);

        // Enhanced (VPC-type) internet NAT gateway: standard NAT gateways can no longer be created
        // (VPC docs, "Internet NAT gateway"). It lives in the first zone's node vSwitch.
        const nat = new alicloud.vpc.NatGateway(
            `${name}-nat`,
            {
                vpcId: vpc.id,
                natGatewayName: name,
                natType: "Enhanced",
                networkType: "internet",
                paymentType: "PayAsYouGo",
                internetChargeType: "PayByLcu",
                vswitchId: nodeSwitches[0].id,
                tags,
            },
            { parent: this },
        );
        this.natGatewayId = nat.id;

        const eip = new alicloud.ecs.EipAddress(
            `${name}-nat-eip`,
            {
                addressName: `${name}-nat`,
                paymentType: "PayAsYouGo",
                internetChargeType: "PayByTraffic",
                // Pay-by-traffic EIPs cap peak bandwidth at 200 Mbit/s (EIP docs, "Billing overview").
                bandwidth: "200",
                tags,
            },
            { parent: this },
        );
        const association = new alicloud.ecs.EipAssociation(
            `${name}-nat-eip`,
            { allocationId: eip.id, instanceId: nat.id, instanceType: "Nat" },
            { parent: this },
        );
        this.egressIp = eip.ipAddress;

        // Every node and pod vSwitch leaves through the NAT gateway's EIP.
        [...nodeSwitches, ...podSwitches].forEach(
            (vsw, i) =>
                new alicloud.vpc.SnatEntry(
                    `${name}-snat-${i < nodeSwitches.length ? "nodes" : "pods"}-${plan.zones[i % plan.zones.length].zone}`,
                    { snatTableId: nat.snatTableIds, sourceVswitchId: vsw.id, snatIp: eip.ipAddress },
                    { parent: this, dependsOn: [association] },
                ),
        );

        const flowLogs = alicloudVpcFlowLogs(
            name,
            { vpcId: vpc.id, projectName: slsProjectNames(name, pulumi.getStack()).flowLogs, retentionDays: args.spec.network.flowLogRetentionDays, tags },
            this,
        );
        this.flowLogProject = flowLogs.projectName;

        this.registerOutputs({
            vpcId: this.vpcId,
            nodeVswitchIds: this.nodeVswitchIds,
            podVswitchIds: this.podVswitchIds,
            natGatewayId: this.natGatewayId,
            egressIp: this.egressIp,
            flowLogProject: this.flowLogProject,
        });
    }
}
