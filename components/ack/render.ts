// Pure renderers for the ACK site: the address plan, the control-plane settings derived from
// the spec, node pool labels and taints, and the RAM policy documents. Spec in, data out.
import { cidr, subnet } from "../core/cidr";
import { FLEET_KEYS, SYSTEM_TAINT } from "../core/conventions";
import type { AckClusterShape as AckClusterSpec } from "./types";
import { NODE_VSWITCH_BITS, POD_VSWITCH_BITS } from "./types";

export interface ZonePlan {
    zone: string;
    /** The zone's node vSwitch, carved from vpcCidr. */
    nodeCidr: string;
    /** Terway only: the zone's pod vSwitch, carved from podCidr (a secondary VPC block). */
    podCidr?: string;
}

export interface AddressPlan {
    vpcCidr: string;
    /** Terway only: podCidr added to the VPC as a secondary IPv4 block. */
    secondaryCidr?: string;
    zones: ZonePlan[];
}

/**
 * Zone i gets block i of vpcCidr split in 2^NODE_VSWITCH_BITS and, with Terway, block i of
 * podCidr split in 2^POD_VSWITCH_BITS: appending a zone never moves an existing vSwitch.
 */
export function addressPlan(spec: AckClusterSpec): AddressPlan {
    const vpc = cidr(spec.network.vpcCidr);
    const pod = cidr(spec.network.podCidr);
    const terway = spec.network.cni === "terway";
    return {
        vpcCidr: vpc.text,
        secondaryCidr: terway ? pod.text : undefined,
        zones: spec.zones.map((zone, i) => ({
            zone,
            nodeCidr: subnet(vpc, vpc.prefix + NODE_VSWITCH_BITS, i).text,
            podCidr: terway ? subnet(pod, pod.prefix + POD_VSWITCH_BITS, i).text : undefined,
        })),
    };
}

/** Control-plane components whose logs ACK ships to SLS (alicloud.cs.ManagedKubernetes docs). */
export const CONTROL_PLANE_LOG_COMPONENTS = ["apiserver", "kcm", "scheduler", "ccm", "controlplane-events"];

/**
 * The control-plane logs to collect: with node auto scaling, also the cluster-autoscaler's, which
 * runs in ACK's managed control plane (a component of ACK's UpdateControlPlaneLog API): its
 * scale-up decisions and failures are visible nowhere else, since no metric of it reaches the
 * cluster's Prometheus.
 */
export function controlPlaneLogComponents(spec: AckClusterSpec): string[] {
    return [...CONTROL_PLANE_LOG_COMPONENTS, ...(spec.autoscaling.enabled ? ["cluster-autoscaler"] : [])];
}

/** ACK's maintenance window: first window at the next such weekday, in the region's UTC+8. */
export function maintenanceWindow(spec: AckClusterSpec) {
    const w = spec.maintenanceWindow;
    return {
        enable: true,
        // The date only anchors the first window (a Monday); ACK repeats it on `weeklyPeriod`.
        maintenanceTime: `2025-01-06T${w.start}:00.000+08:00`,
        duration: `${w.durationHours}h`,
        weeklyPeriod: w.days.join(","),
    };
}

/** Add-ons installed with the cluster (only on create; ACK manages their versions). */
export function clusterAddons(spec: AckClusterSpec): { name: string; config?: string }[] {
    const cni =
        spec.network.cni === "terway"
            ? // ENI multi-IP mode: pods take addresses from the pod vSwitches; Pro clusters run its controller managed (ACK docs, "Terway").
              // NetworkPolicy on: the tenant baseline's policies are enforced (ACK docs, "Configure add-ons
              // with Terraform": terway-eniip config). IPVlan stays off: it needs Alibaba Cloud Linux nodes.
              [{ name: "terway-controlplane" }, { name: "terway-eniip", config: JSON.stringify({ IPVlan: "false", NetworkPolicy: "true" }) }]
            : [{ name: "flannel" }];
    return [
        ...cni,
        { name: "csi-plugin" },
        { name: "managed-csiprovisioner" },
        // Injects RRSA tokens into pods whose ServiceAccount names a RAM role (ACK docs, "RRSA").
        { name: "ack-pod-identity-webhook" },
    ];
}

/**
 * The default StorageClass: encrypted ESSD disks through ACK's CSI plug-in (provisioner and
 * parameters as in alibaba-cloud-csi-driver's disk StorageClasses; `encrypted` uses the account's
 * KMS service key for ECS). A disk lives in one zone, so it is created where the pod lands.
 */
export function defaultStorageClass(environment: string) {
    return {
        apiVersion: "storage.k8s.io/v1" as const,
        kind: "StorageClass" as const,
        metadata: { name: "essd-encrypted", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "diskplugin.csi.alibabacloud.com",
        parameters: { type: "cloud_essd", performanceLevel: "PL1", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        // In prod a deleted claim keeps its disk until someone removes it on purpose.
        reclaimPolicy: environment === "prod" ? "Retain" : "Delete",
    };
}

/** The system pool carries the fleet's system label and taint: only add-ons that tolerate it run there. */
export function nodePoolLabels(pool: AckClusterSpec["nodePools"][number]): { key: string; value: string }[] {
    const labels: Record<string, string> = { ...pool.labels, [FLEET_KEYS.nodePool]: pool.name };
    if (pool.system) labels[FLEET_KEYS.system] = "true";
    if (pool.spot) labels["hybrid-fleet.io/capacity-type"] = "spot";
    return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

export function nodePoolTaints(pool: AckClusterSpec["nodePools"][number]): { key: string; value?: string; effect: string }[] {
    const taints = pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    if (pool.system && !taints.some((t) => t.key === SYSTEM_TAINT.key)) taints.unshift({ ...SYSTEM_TAINT });
    return taints;
}

/**
 * RAM trust policy that lets one Kubernetes ServiceAccount assume a role through the cluster's
 * RRSA OIDC provider (ACK docs, "Use RRSA to authorize different pods to access different cloud services").
 */
export function rrsaTrustPolicy(args: { oidcProviderArn: string; issuerUrl: string; namespace: string; serviceAccount: string }): string {
    return JSON.stringify({
        Version: "1",
        Statement: [
            {
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Principal: { Federated: [args.oidcProviderArn] },
                Condition: {
                    StringEquals: {
                        "oidc:aud": "sts.aliyuncs.com",
                        "oidc:iss": args.issuerUrl,
                        "oidc:sub": `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                    },
                },
            },
        ],
    });
}

/**
 * Least privilege for a metrics writer (Thanos): list the one bucket, read/write/delete its
 * objects, and use its KMS key for SSE-KMS (OSS docs, "Server-side encryption": the caller
 * needs kms:GenerateDataKey and kms:Decrypt on the CMK).
 */
export function bucketWriterPolicy(args: { bucket: string; kmsKeyArn: string }): string {
    return JSON.stringify({
        Version: "1",
        Statement: [
            { Effect: "Allow", Action: ["oss:ListObjects", "oss:GetBucketInfo"], Resource: [`acs:oss:*:*:${args.bucket}`] },
            {
                Effect: "Allow",
                Action: ["oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts"],
                Resource: [`acs:oss:*:*:${args.bucket}/*`],
            },
            { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [args.kmsKeyArn] },
        ],
    });
}

/** The host of an ACK endpoint such as "https://10.30.0.5:6443". */
export function endpointHost(endpoint: string): string {
    return new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`).hostname;
}
