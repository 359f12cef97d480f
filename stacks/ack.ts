// Builds one ACK cluster: its own Alicloud provider (the spec's region), the VPC, the managed
// control plane, the node pools and the metrics bucket.
import * as alicloud from "../components/core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { AckCluster } from "../components/ack/cluster";
import { AckMetricsStore } from "../components/ack/metricsStore";
import { AckNodePools } from "../components/ack/nodePools";
import { AckVpc } from "../components/ack/vpc";
import type { AckClusterSpec } from "./spec";
import { fleetTags } from "../components/core/conventions";
import { Site } from "../components/core/site";
import type { SiteBuilder } from "./types";

/** The ServiceAccount that writes this site's metrics blocks (Thanos, observability). */
export const ACK_METRICS_WRITER = { namespace: "monitoring", serviceAccount: "thanos" } as const;

export const buildAckSite: SiteBuilder<AckClusterSpec> = (spec, fleet) => {
    const site = new Site("ack", spec.name);
    const name = spec.name;
    const tags = fleetTags(name, fleet.environment);

    // Every Alicloud resource of this cluster goes through its own provider, in the spec's region.
    const provider = new alicloud.Provider(`${name}-alicloud`, { region: spec.region }, { parent: site });
    const opts = { parent: site, providers: [provider] };

    const vpc = new AckVpc(name, { spec, tags }, opts);
    const cluster = new AckCluster(
        name,
        {
            spec,
            environment: fleet.environment,
            vpcId: vpc.vpcId,
            vswitchIds: vpc.nodeVswitchIds,
            podVswitchIds: vpc.podVswitchIds,
            tags,
        },
        opts,
    );
    const nodes = new AckNodePools(
        name,
        {
            pools: spec.nodePools,
            kubelet: spec.kubelet,
            autoscaling: spec.autoscaling.enabled,
            clusterId: cluster.clusterId,
            vswitchIds: vpc.nodeVswitchIds,
            tags,
        },
        opts,
    );
    const metrics = new AckMetricsStore(
        `${name}-metrics`,
        {
            bucket: spec.metrics.objectStore.bucket,
            oidcProviderArn: cluster.oidcProviderArn,
            oidcIssuerUrl: cluster.oidcIssuerUrl,
            writer: ACK_METRICS_WRITER,
            tags,
        },
        opts,
    );

    return {
        spec,
        component: site,
        cloud: { alicloud: { provider, vpcId: vpc.vpcId, vswitchIds: vpc.nodeVswitchIds, securityGroupId: cluster.securityGroupId, tags } },
        access: {
            provider: cluster.provider,
            kubeconfig: cluster.kubeconfig,
            apiServer: { host: cluster.apiServerHost, port: 6443 },
            // Add-ons need nodes to schedule on.
            ready: nodes.pools,
        },
        outputs: {
            clusterId: cluster.clusterId,
            vpcId: vpc.vpcId,
            egressIp: vpc.egressIp,
            flowLogProject: vpc.flowLogProject,
            apiServer: pulumi.interpolate`https://${cluster.apiServerHost}:6443`,
            rrsaOidcIssuer: cluster.oidcIssuerUrl,
            metricsBucket: metrics.bucketName,
            metricsWriterRoleArn: metrics.writerRoleArn,
            metricsKeyArn: metrics.keyArn,
        },
    };
};
