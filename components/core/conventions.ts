// Names, labels, taints and tags every site and add-on shares, so that selectors in one place match
// what another place sets.

/** Name of the Kubernetes provider of a cluster; the offline plan maps objects to clusters by it. */
export const k8sProviderName = (cluster: string) => `${cluster}-k8s`;

/** A DNS-1123 label (RFC 1123, Kubernetes' node and namespace names): every host, node and connection name the renderers take. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The fleet's own label and tag keys. */
export const FLEET_KEYS = {
    cluster: "hybrid-fleet.io/cluster",
    environment: "hybrid-fleet.io/environment",
    /** Nodes for cluster-critical add-ons only. */
    system: "hybrid-fleet.io/system",
    nodePool: "hybrid-fleet.io/node-pool",
} as const;

/** What keeps workloads off the system nodes: only add-ons that tolerate it run there (EKS and ACK docs, "CriticalAddonsOnly"). */
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" } as const;
/** What a cluster-critical add-on sets to run on the system nodes, and only there. */
export const systemNodeSelector = { [FLEET_KEYS.system]: "true" };
export const systemTolerations = [{ key: SYSTEM_TAINT.key, operator: "Exists", effect: SYSTEM_TAINT.effect }];

/** The tags every cloud resource of a cluster carries (cost allocation, ownership, the Cilium operator's scope). */
export function fleetTags(cluster: string, environment: string): Record<string, string> {
    return { [FLEET_KEYS.cluster]: cluster, [FLEET_KEYS.environment]: environment };
}

/**
 * How long a versioned metrics bucket keeps what was overwritten or deleted: a month to undo a
 * wrong deletion (a compactor bug, a bad retention) before the space is given back. Without a rule,
 * versioning keeps every old version for ever (S3 docs, "Managing the lifecycle of objects";
 * OSS docs, "Lifecycle rules based on the last modified time for versioned buckets"). Unfinished
 * multipart uploads (a sidecar killed mid-upload) go after a week.
 */
export const BUCKET_LIFECYCLE = { ruleId: "old-versions-and-uploads", noncurrentVersionDays: 30, incompleteUploadDays: 7 } as const;
