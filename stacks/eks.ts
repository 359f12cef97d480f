// Builds one EKS cluster: its own AWS provider (the spec's region, the fleet's default tags), the
// VPC, the hardened control plane with its system nodes and add-ons, Karpenter and the metrics
// bucket.
import * as aws from "../components/core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { CiliumOperatorIdentity } from "../components/eks/ciliumOperator";
import { EksCluster } from "../components/eks/cluster";
import { Karpenter } from "../components/eks/karpenter/karpenter";
import { EksMetricsStore } from "../components/eks/metricsStore";
import { endpointHost, usesVpcCni } from "../components/eks/render";
import { EksVpc } from "../components/eks/vpc";
import type { EksClusterSpec } from "./spec";
import { addonVersionOf, EKS_ADDONS, EksAddon } from "./spec/eks";
import { fleetTags } from "../components/core/conventions";
import { Site } from "../components/core/site";
import type { SiteBuilder } from "./types";

/** The ServiceAccount that writes this site's metrics blocks (Thanos, observability). */
export const EKS_METRICS_WRITER = { namespace: "monitoring", serviceAccount: "thanos" } as const;

export const buildEksSite: SiteBuilder<EksClusterSpec> = (spec, fleet) => {
    const site = new Site("eks", spec.name);
    const name = spec.name;
    // The cluster tag also reaches every node (launch template, EC2NodeClass): the Cilium operator policy selects on it.
    const tags = fleetTags(name, fleet.environment);

    // Every AWS resource of this cluster goes through its own provider, in the spec's region,
    // and carries the fleet's tags (cost allocation, ownership).
    const provider = new aws.Provider(`${name}-aws`, { region: spec.region as aws.Region, defaultTags: { tags } }, { parent: site });
    const opts = { parent: site, providers: [provider] };

    const identity = aws.getCallerIdentityOutput({}, { provider, parent: site });
    const partition = aws.getPartitionOutput({}, { provider, parent: site });
    const context = pulumi
        .all([identity.accountId, partition.partition, partition.dnsSuffix])
        .apply(([accountId, p, dnsSuffix]) => ({ accountId, partition: p, dnsSuffix, region: spec.region }));

    const vpc = new EksVpc(name, { spec, aws: context, environment: fleet.environment }, opts);
    const cluster = new EksCluster(
        name,
        {
            spec,
            addonVersions: Object.fromEntries(EKS_ADDONS.map((a) => [a, addonVersionOf(spec, a)])) as Partial<Record<EksAddon, string>>,
            environment: fleet.environment,
            aws: context,
            vpcId: vpc.vpcId,
            privateSubnetIds: vpc.privateSubnetIds,
            podSubnetIds: vpc.podSubnetIds,
            tags,
        },
        opts,
    );
    const karpenter = new Karpenter(
        `${name}-karpenter`,
        {
            cluster: name,
            zones: spec.zones,
            karpenter: spec.karpenter,
            vpcCni: usesVpcCni(spec),
            ssmAccess: spec.ssmAccess,
            kubelet: spec.kubelet,
            aws: context,
            clusterName: cluster.clusterName,
            clusterArn: cluster.clusterArn,
            clusterEndpoint: cluster.endpoint,
            provider: cluster.provider,
            dependsOn: cluster.ready,
            tags,
        },
        opts,
    );
    const metrics = new EksMetricsStore(
        `${name}-metrics`,
        {
            bucket: spec.metrics.objectStore.bucket,
            aws: context,
            clusterName: cluster.clusterName,
            clusterArn: cluster.clusterArn,
            writer: EKS_METRICS_WRITER,
            tags,
        },
        opts,
    );

    // Cilium in ENI mode: the operator's EC2 identity, in place before the chart installs it.
    const ciliumOperator = usesVpcCni(spec)
        ? undefined
        : new CiliumOperatorIdentity(
              `${name}-cilium-operator`,
              { cluster: name, aws: context, clusterName: cluster.clusterName, clusterArn: cluster.clusterArn, vpcId: vpc.vpcId, tags },
              opts,
          );

    return {
        spec,
        component: site,
        cloud: {
            aws: {
                provider,
                vpcId: vpc.vpcId,
                privateSubnetIds: vpc.privateSubnetIds,
                privateRouteTableIds: vpc.privateRouteTableIds,
                securityGroupId: cluster.clusterSecurityGroupId,
                tags,
                vpnLogGroupArn: vpc.vpnLogGroupArn,
            },
        },
        access: {
            provider: cluster.provider,
            kubeconfig: cluster.kubeconfig,
            apiServer: { host: cluster.endpoint.apply(endpointHost), port: 443 },
            // Add-ons need the system nodes, DNS, storage, and Karpenter to give them capacity.
            ready: [...cluster.ready, karpenter.release],
            // With Cilium the CNI comes first: without it the system nodes stay NotReady (and CoreDNS
            // and Karpenter cannot run), so Cilium installs as soon as the control plane and the
            // admins' access exist, while the node group is created (its nodes tainted
            // agent-not-ready until the agent runs), and after the operator's Pod Identity
            // association: EKS injects credentials only into pods created after it.
            ...(ciliumOperator ? { cniReady: [...cluster.controlPlane, ciliumOperator.association] } : {}),
        },
        outputs: {
            clusterName: cluster.clusterName,
            vpcId: vpc.vpcId,
            apiServer: cluster.endpoint,
            natPublicIps: vpc.natPublicIps,
            podSubnetIds: vpc.podSubnetIds,
            karpenterInterruptionQueue: karpenter.queueName,
            metricsBucket: metrics.bucketName,
            metricsWriterRoleArn: metrics.writerRoleArn,
            ...(ciliumOperator ? { ciliumOperatorRoleArn: ciliumOperator.roleArn } : {}),
        },
    };
};
