// The EKS site's network foundation: a VPC across the spec's zones with a public, a private (nodes)
// and a pod subnet per zone (podCidr is a secondary VPC block), an internet gateway, NAT gateways
// (one per zone or one shared), route tables, a closed default security group, VPC flow logs to a
// KMS-encrypted CloudWatch log group written by a role that can do nothing else, and the log group
// the site's VPN tunnels log to (the links layer's connections), under the same key.
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { protectedKey } from "./kms";
import { addressPlan, AwsContext, flowLogGroupName, flowLogPolicy, flowLogTrustPolicy, logsKeyPolicy, subnetTags, vpnLogGroupName } from "./render";
import type { EksClusterShape } from "./types";

export interface EksVpcArgs {
    /** The cluster as the address plan reads it (zones, VPC and pod CIDRs), its NAT layout and flow-log retention. */
    spec: EksClusterShape;
    /** Account, partition and region the provider talks to. */
    aws: pulumi.Input<AwsContext>;
    environment: string;
}

export class EksVpc extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** Per zone, in spec.zones order. */
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly podSubnetIds: pulumi.Output<string>[];
    readonly natPublicIps: pulumi.Output<string>[];
    /** Per zone: the route table of its private (node) and pod subnets. */
    readonly privateRouteTableIds: pulumi.Output<string>[];
    readonly flowLogGroupName: pulumi.Output<string>;
    /** Where every VPN tunnel of the site sends its IKE/IPsec and BGP events (components/links). */
    readonly vpnLogGroupArn: pulumi.Output<string>;

    constructor(name: string, args: EksVpcArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:eks:Vpc", name, {}, opts);
        const spec = args.spec;
        const plan = addressPlan(spec);
        const parent = { parent: this };
        const named = (suffix: string, tags: Record<string, string> = {}) => ({ ...tags, Name: `${name}-${suffix}` });

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            // EKS needs DNS hostnames and resolution for its private endpoint (EKS docs, "VPC requirements").
            { cidrBlock: plan.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: named("vpc") },
            parent,
        );
        this.vpcId = vpc.id;
        const podBlock = new aws.ec2.VpcIpv4CidrBlockAssociation(`${name}-pods`, { vpcId: vpc.id, cidrBlock: plan.podCidr }, parent);

        // No rule in the default security group: nothing lands in it by accident (CIS AWS Foundations 5.4).
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: named("default-closed") }, parent);

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named("igw") }, parent);

        const subnetOf = (role: "private" | "public" | "pods", zone: string, cidrBlock: string, extra?: pulumi.CustomResourceOptions) =>
            new aws.ec2.Subnet(
                `${name}-${role}-${zone}`,
                { vpcId: vpc.id, availabilityZone: zone, cidrBlock, mapPublicIpOnLaunch: false, tags: named(`${role}-${zone}`, subnetTags(spec.name, role)) },
                { parent: this, ...extra },
            );
        const publicSubnets = plan.zones.map((z) => subnetOf("public", z.zone, z.publicCidr));
        const privateSubnets = plan.zones.map((z) => subnetOf("private", z.zone, z.privateCidr));
        const podSubnets = plan.zones.map((z) => subnetOf("pods", z.zone, z.podCidr, { dependsOn: [podBlock] }));
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.podSubnetIds = podSubnets.map((s) => s.id);

        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: named("public") }, parent);
        new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
        publicSubnets.forEach(
            (s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${plan.zones[i].zone}`, { subnetId: s.id, routeTableId: publicRoutes.id }, parent),
        );

        // perZone: a zone keeps its egress when another zone fails (VPC docs, "NAT gateway basics").
        const natZones = spec.network.natGateways === "perZone" ? plan.zones : plan.zones.slice(0, 1);
        const nats = natZones.map((z, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${z.zone}`, { domain: "vpc", tags: named(`nat-${z.zone}`) }, { parent: this, dependsOn: [igw] });
            const nat = new aws.ec2.NatGateway(
                `${name}-nat-${z.zone}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, connectivityType: "public", tags: named(`nat-${z.zone}`) },
                { parent: this, dependsOn: [igw] },
            );
            return { eip, nat };
        });
        this.natPublicIps = nats.map((n) => n.eip.publicIp);

        // Nodes and pods of a zone leave through that zone's NAT gateway (or the single one).
        this.privateRouteTableIds = plan.zones.map((z, i) => {
            const table = new aws.ec2.RouteTable(`${name}-private-${z.zone}`, { vpcId: vpc.id, tags: named(`private-${z.zone}`) }, parent);
            new aws.ec2.Route(
                `${name}-private-${z.zone}-nat`,
                { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].nat.id },
                parent,
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${z.zone}`, { subnetId: privateSubnets[i].id, routeTableId: table.id }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-pods-${z.zone}`, { subnetId: podSubnets[i].id, routeTableId: table.id }, parent);
            return table.id;
        });

        // Flow logs: every accepted and rejected flow, kept for the spec's retention, encrypted.
        const groupName = flowLogGroupName(spec.name);
        const vpnGroupName = vpnLogGroupName(spec.name);
        const key = protectedKey(
            `${name}-flow-logs`,
            {
                description: `${spec.name}: encrypts the VPC flow logs and the VPN tunnel logs`,
                policy: pulumi.output(args.aws).apply((ctx) => JSON.stringify(logsKeyPolicy(ctx, [groupName, vpnGroupName]))),
                tags: named("flow-logs"),
            },
            this,
        );
        // The site's network logs, under that key, kept for the spec's retention, protected.
        const networkLogGroup = (suffix: string, logGroupName: string) =>
            new aws.cloudwatch.LogGroup(
                `${name}-${suffix}`,
                {
                    name: logGroupName,
                    retentionInDays: spec.network.flowLogRetentionDays,
                    kmsKeyId: key.arn,
                    deletionProtectionEnabled: args.environment === "prod",
                    tags: named(suffix),
                },
                { parent: this, protect: true },
            );
        const logGroup = networkLogGroup("flow-logs", groupName);
        this.flowLogGroupName = logGroup.name;
        // The VPN tunnels' log group: the site's, not the links', so that removing the last link never
        // deletes (or, protected, blocks on) the logs kept so far. Empty while the site has no VPN link.
        this.vpnLogGroupArn = networkLogGroup("vpn-logs", vpnGroupName).arn;

        const role = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                description: `${spec.name}: VPC flow logs write to ${groupName}`,
                assumeRolePolicy: pulumi.output(args.aws).apply((ctx) => JSON.stringify(flowLogTrustPolicy(ctx))),
                tags: named("flow-logs"),
            },
            parent,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            { role: role.id, policy: logGroup.arn.apply((arn) => JSON.stringify(flowLogPolicy(arn))) },
            parent,
        );
        new aws.ec2.FlowLog(
            `${name}-flow-logs`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: role.arn,
                // One-minute aggregation instead of ten, for timely incident response (VPC docs, "Flow log records").
                maxAggregationInterval: 60,
                tags: named("flow-logs"),
            },
            { parent: this, dependsOn: [rolePolicy] },
        );

        this.registerOutputs({
            vpcId: this.vpcId,
            privateSubnetIds: this.privateSubnetIds,
            publicSubnetIds: this.publicSubnetIds,
            podSubnetIds: this.podSubnetIds,
            natPublicIps: this.natPublicIps,
            flowLogGroupName: this.flowLogGroupName,
            vpnLogGroupArn: this.vpnLogGroupArn,
        });
    }
}
