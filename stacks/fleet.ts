// buildFleet: the whole fleet from one validated FleetSpec. Each site builder declares its
// cluster; every cluster then gets its cluster add-ons (stacks/addons.ts), and once every site
// exists the fleet add-ons run over every cluster's handle.
//
// Declared in batches of DECLARE_BATCH clusters, yielding to the event loop between batches
// (components/core/batches.ts: what the SDK holds per pending registration, and why nothing
// waits for the engine); the fleet add-ons yield before each add-on and may declare in batches
// themselves. The order of declarations, every name, input and dependency is the same as
// declaring in one go.
import type * as pulumi from "@pulumi/pulumi";
import { DECLARE_BATCH, yieldToEventLoop } from "../components/core/batches";
import type { AddonResult, ClusterHandle } from "../components/core/contract";
import { buildAckSite } from "./ack";
import { installClusterAddons, installFleetAddons } from "./addons";
import { configSecret } from "./config";
import { buildEksSite } from "./eks";
import { buildIdcSite } from "./idc";
import { networkBlocks, type ClusterSpec, type FleetSpec } from "./spec";
import type { BuiltCluster } from "./types";

export interface Fleet {
    spec: FleetSpec;
    clusters: BuiltCluster[];
    /** Each cluster as add-ons see it (clusters with a control plane). */
    handles: ClusterHandle[];
    /** What each fleet add-on handed back, by add-on name. */
    layers: Map<string, AddonResult>;
}

export { DECLARE_BATCH };

export async function buildFleet(spec: FleetSpec, options: { batch?: number } = {}): Promise<Fleet> {
    const batch = options.batch ?? DECLARE_BATCH;
    const clusters: BuiltCluster[] = [];
    for (const [i, c] of spec.clusters.entries()) {
        if (i > 0 && i % batch === 0) await yieldToEventLoop();
        clusters.push(buildSite(c, spec));
    }
    const handles: ClusterHandle[] = [];
    for (const [i, cluster] of clusters.entries()) {
        if (i % batch === 0) await yieldToEventLoop();
        if (cluster.access) {
            const handle = clusterHandle(cluster, spec);
            const installed = installClusterAddons(handle, cluster.spec, spec);
            handles.push({ ...handle, addons: Object.fromEntries([...installed].map(([name, r]) => [name, r.ready])) });
        }
        cluster.component.complete(cluster.outputs);
    }
    const layers = await installFleetAddons(handles, spec);
    return { spec, clusters, handles, layers };
}

function buildSite(c: ClusterSpec, spec: FleetSpec): BuiltCluster {
    switch (c.provider) {
        case "idc":
            return buildIdcSite(c, spec);
        case "eks":
            return buildEksSite(c, spec);
        case "ack":
            return buildAckSite(c, spec);
    }
}

/** The plain typed handle of one built cluster: all that add-ons may know of it. */
export function clusterHandle(cluster: BuiltCluster, fleet: FleetSpec): ClusterHandle {
    const spec: ClusterSpec = cluster.spec;
    const access = cluster.access!;
    const [site, pods, services] = networkBlocks(spec);
    const store = spec.metrics.objectStore;
    // EKS and ACK sites trust one in-cluster writer for their bucket (Pod Identity, RRSA).
    const writerRoleArn = cluster.outputs.metricsWriterRoleArn as pulumi.Input<string> | undefined;
    const kmsKeyArn = cluster.outputs.metricsKeyArn as pulumi.Input<string> | undefined;
    return {
        name: spec.name,
        site: spec.provider,
        region: spec.region,
        zones: spec.zones,
        kubernetesVersion: spec.kubernetesVersion,
        environment: fleet.environment,
        provider: access.provider,
        kubeconfig: access.kubeconfig,
        apiServer: access.apiServer,
        ...(access.caCertificate ? { caCertificate: access.caCertificate } : {}),
        network: {
            siteCidr: site.text,
            podCidr: pods.text,
            serviceCidr: services.text,
            ...(spec.provider === "idc" && spec.network.loadBalancerCidr ? { loadBalancerCidr: spec.network.loadBalancerCidr } : {}),
            meshNetwork: spec.mesh.network,
        },
        federation: { syncMode: spec.federation.syncMode },
        objectStore: {
            kind: store.kind,
            bucket: store.bucket,
            ...(store.region ? { region: store.region } : {}),
            ...(store.endpoint ? { endpoint: store.endpoint } : {}),
            ...(store.credentials
                ? {
                      credentials: {
                          accessKeyId: configSecret(store.credentials.accessKeyIdKey),
                          secretAccessKey: configSecret(store.credentials.secretAccessKeyKey),
                      },
                  }
                : {}),
            ...(kmsKeyArn ? { kmsKeyArn } : {}),
            ...(writerRoleArn ? { writer: { namespace: "monitoring", serviceAccount: "thanos", roleArn: writerRoleArn } } : {}),
        },
        ready: access.ready,
        ...(access.cniReady ? { cniReady: access.cniReady } : {}),
        ...(access.controlPlaneMetrics ? { controlPlaneMetrics: access.controlPlaneMetrics } : {}),
        parent: cluster.component,
        ...(cluster.cloud ? { cloud: cluster.cloud } : {}),
    };
}
