// Building blocks shared by every site's schema: names, addresses, CIDRs and the per-cluster
// fleet membership (mesh network, federation mode, metrics store).
import { z } from "zod";
import { parseCidr, parseIp } from "../cidr";
import { mapping } from "./mapping";
import { clusterMeshSchema } from "./mesh";
import type { Violation } from "./violation";

/** DNS-1123 label: what Kubernetes, Karmada and cloud resource names all accept. */
export const dnsLabel = z
    .string()
    .max(63, "must be at most 63 characters (DNS-1123 label)")
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label (lowercase letters, digits, '-')");

export const ipv4 = z.string().refine((s) => parseIp(s) !== undefined, "must be an IPv4 address");

export const cidrBlock = z.string().refine((s) => parseCidr(s) !== undefined, "must be an IPv4 CIDR network address (a.b.c.d/n, host bits zero)");

/** The name of a stack config key that holds a secret (set with `pulumi config set --secret`). */
export const secretConfigKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "must be a config key name (letters, digits, '_', '.', '-')");

/**
 * A label key (apimachinery IsQualifiedName): an optional DNS-subdomain prefix of at most 253 characters
 * and '/', then a name of at most 63, alphanumeric at both ends with '-', '_', '.' between.
 */
export const labelKey = z
    .string()
    .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
        "must be a label key: [prefix/]name, the prefix a DNS subdomain, the name at most 63 letters, digits, '-', '_', '.' (alphanumeric at both ends)",
    )
    .refine((k) => k.indexOf("/") <= 253, "must be a label key: its prefix is at most 253 characters");
/** A label value (apimachinery IsValidLabelValue): empty, or at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends. */
export const labelValue = z
    .string()
    .regex(
        /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
        "must be a label value: empty, or at most 63 letters, digits, '-', '_', '.' (alphanumeric at both ends)",
    );

/** Kubernetes labels: the API server refuses any other key or value when the object is applied, half-way through a deploy. */
export const labels = mapping(labelKey, labelValue);

/** A taint (core/v1 validation: the key a qualified name, the value a label value). */
export const taint = z.strictObject({
    key: labelKey,
    value: labelValue.optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/** A region or zone name: lowercase letters, digits and '-' (each cloud's own format is checked beside it, hardening.ts). */
export const placeName = (what: string) =>
    z.string().regex(/^[a-z0-9]([-a-z0-9]{0,62}[a-z0-9])?$/, `must be a ${what} name (at most 64 lowercase letters, digits, '-')`);

/** Where a cluster's long-term metrics blocks (Thanos) and backups go. */
export const objectStore = z.strictObject({
    /** s3: an AWS bucket; oss: an Alibaba Cloud bucket; s3-compatible: e.g. Ceph RGW or MinIO in the IDC. */
    kind: z.enum(["s3", "oss", "s3-compatible"]),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid bucket name (3-63 lowercase letters, digits, '.', '-')"),
    region: z.string().optional(),
    /** Required for s3-compatible stores: the HTTPS endpoint. */
    endpoint: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
    /** Config keys of the access key pair, for stores that this program does not create (s3-compatible). */
    credentials: z.strictObject({ accessKeyIdKey: secretConfigKey, secretAccessKeyKey: secretConfigKey }).optional(),
});

/** A cluster's membership in the fleet-wide layers: mesh, federation, monitoring. */
export const fleetMembership = {
    /** The cluster's mesh membership (stacks/spec/mesh.ts). */
    mesh: clusterMeshSchema({ dnsLabel, labels }),
    federation: z
        .strictObject({
            /** Karmada sync mode: Push (the hub reaches the member's API) or Pull (an agent in the member dials out). */
            syncMode: z.enum(["Push", "Pull"]).default("Push"),
        })
        .prefault({}),
    metrics: z.strictObject({ objectStore }),
};

/**
 * A dated exception to the support rule: stepping an old cluster up one minor per `pulumi up`
 * passes through minors that may be past their support. At most MAX_EXCEPTION_DAYS ahead.
 */
export const versionException = z.strictObject({
    until: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
        .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "must be a real date"),
    reason: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[^\n\r]*$/, "must be one line"),
});

/**
 * The container runtime's RuntimeDefault seccomp profile for every container that sets none
 * (kubernetes.io, "Restrict a Container's Syscalls with seccomp"); off leaves those Unconfined.
 */
const seccompDefault = z.boolean().default(true);

/**
 * Most processes (threads included) a pod may run, so that one pod cannot exhaust the node's PIDs
 * (kubernetes.io, "Process ID Limits And Reservations"). 4096: OpenShift's default since 4.11
 * ("Configuring PID limits"); at least 1024 (GKE's floor for the same setting), at most the kernel's 4194304.
 */
export const podPidsLimit = z
    .number()
    .int()
    .min(1024, "must be at least 1024")
    .max(4194304, "must be at most 4194304 (the kernel's pid_max limit)")
    .default(4096);

/**
 * Graceful node shutdown: when the host shuts down, the kubelet holds it (a systemd inhibitor lock)
 * this long and terminates pods in two phases, the critical ones in the last
 * `shutdownGracePeriodCriticalPodsSeconds` (kubernetes.io, "Node Shutdowns"). 30 and 10 s: the
 * documentation's example; 0 turns the feature off, as the kubelet's own default does.
 */
const shutdownGracePeriodSeconds = z.number().int().min(0).max(3600, "must be at most 3600 (an hour)").default(30);
const shutdownGracePeriodCriticalPodsSeconds = z.number().int().min(0).max(3600, "must be at most 3600 (an hour)").default(10);

/** The kubelet settings IDC and EKS nodes take alike (components/core/kubelet.ts); ACK's node pools can set only podPidsLimit. */
export const nodeKubeletFields = { seccompDefault, podPidsLimit, shutdownGracePeriodSeconds, shutdownGracePeriodCriticalPodsSeconds };

/** The kubelet's own rule (its configuration validation): the critical pods' share is within the whole period. */
export function shutdownGraceRule(
    k: { shutdownGracePeriodSeconds: number; shutdownGracePeriodCriticalPodsSeconds: number },
    at: (string | number)[],
): Violation[] {
    return k.shutdownGracePeriodCriticalPodsSeconds > k.shutdownGracePeriodSeconds
        ? [
              {
                  path: [...at, "shutdownGracePeriodCriticalPodsSeconds"],
                  rule: `must be at most shutdownGracePeriodSeconds (${k.shutdownGracePeriodCriticalPodsSeconds} > ${k.shutdownGracePeriodSeconds}): the critical pods' share of the shutdown`,
              },
          ]
        : [];
}

/** Fields every cluster has, whatever its provider. */
export const clusterBase = {
    name: dnsLabel,
    region: placeName("region"),
    zones: z
        .array(placeName("zone"))
        .min(1, "must list at least one zone")
        // Two entries of one zone would pass "2 zones in prod" and put every replica in one failure domain.
        .refine((zs) => new Set(zs).size === zs.length, "zones must be distinct"),
    /** Lets prod run a version past its end of support for a short, dated while (./versions.ts). */
    versionException: versionException.optional(),
    ...fleetMembership,
};

export type { Violation } from "./violation";

/** Formats a zod-style path as `clusters[2].network.podCidr`. */
export function formatPath(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}
