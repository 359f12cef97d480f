// An AWS EKS cluster: its VPC, a hardened managed control plane, a system node group and Karpenter.
import { z } from "zod";
import { cloudGateway } from "./links";
import { cidr, parseCidr, within } from "../cidr";
import { ciliumOptions, calicoOptions, tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, labels, nodeKubeletFields, placeName, shutdownGraceRule, taint, Violation } from "./common";
import { AUDIT_RETENTION_FLOOR_DAYS } from "./idc";
import { EXTRA_CONTROL_PLANE_LOGS } from "../../components/eks/types";

/** Retention periods CloudWatch Logs accepts (PutRetentionPolicy API reference, retentionInDays). */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const retentionDays = z
    .number()
    .int()
    .refine(
        (d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d),
        `must be a CloudWatch Logs retention period (${CLOUDWATCH_RETENTION_DAYS.join(", ")})`,
    );

/** Karpenter durations, the pattern of NodePool `consolidateAfter` and `expireAfter` (karpenter.sh_nodepools.yaml v1.14.1). */
const karpenterDuration = z.string().regex(/^(([0-9]+(s|m|h))+|Never)$/, 'must be a duration like "30s", "720h" or "Never"');

/** An EC2 instance type, family.size, e.g. m7i.large, m7i-flex.xlarge, u-6tb1.metal. */
const awsInstanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, 'must be an EC2 instance type like "m7i.large"');

const disruptionBudget = z.strictObject({
    /** Nodes that may be disrupted at once: a count or a percentage (NodePool budgets[].nodes pattern). */
    nodes: z.string().regex(/^((100|[0-9]{1,2})%|[0-9]+)$/, 'must be a node count or a percentage like "10%"'),
    /** Cron schedule when the budget starts (five fields, or a macro: the CRD's pattern, one line); requires `duration`. */
    schedule: z
        .string()
        .regex(
            /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*/,?-]+( [0-9A-Za-z*/,?-]+){4})$/,
            'must be a cron schedule of five fields like "0 9 * * mon-fri", or a macro like "@daily"',
        )
        .optional(),
    duration: z
        .string()
        .regex(/^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/, 'must be a duration in hours and minutes like "8h" or "1h30m"')
        .optional(),
    reasons: z.array(z.enum(["Underutilized", "Empty", "Drifted"])).optional(),
});

const karpenterNodePool = z.strictObject({
    name: dnsLabel,
    capacityTypes: z
        .array(z.enum(["spot", "on-demand"]))
        .min(1)
        .default(["on-demand"]),
    architectures: z
        .array(z.enum(["amd64", "arm64"]))
        .min(1)
        .default(["amd64"]),
    instanceCategories: z
        .array(z.string().regex(/^[a-z]+$/))
        .min(1)
        .default(["c", "m", "r"]),
    /** Only instance generations greater than this (Karpenter's `Gt` requirement). */
    instanceGenerationGreaterThan: z.number().int().min(0).default(5),
    limits: z.strictObject({
        cpu: z.number().positive("must be positive"),
        /** Memory limit in GiB. */
        memoryGiB: z.number().positive("must be positive"),
    }),
    labels: labels.default({}),
    taints: z.array(taint).default([]),
    weight: z.number().int().min(1).max(100).optional(),
    disruption: z
        .strictObject({
            // Karpenter's default policy; it also replaces nodes with cheaper ones (Karpenter docs, "Disruption").
            consolidationPolicy: z.enum(["WhenEmpty", "WhenEmptyOrUnderutilized", "Balanced"]).default("WhenEmptyOrUnderutilized"),
            // Wait a minute after the last pod change before consolidating, so churn does not thrash nodes (Karpenter docs, "Disruption").
            consolidateAfter: karpenterDuration.default("1m"),
            // Karpenter's default budget: at most 10% of the pool's nodes disrupted at once (NodePool CRD default).
            budgets: z
                .array(disruptionBudget)
                .min(1)
                .default([{ nodes: "10%" }]),
        })
        .prefault({}),
    /** Nodes are replaced after this long; 720h (30 days) is Karpenter's default (NodePool CRD default). */
    expireAfter: karpenterDuration.default("720h"),
    /**
     * How long a node may drain before Karpenter deletes its remaining pods, PodDisruptionBudgets and
     * do-not-disrupt included: with `expireAfter`, a bound on every node's lifetime, so that an expired
     * or drifted node (a new AMI) is replaced even under a blocking budget. 48h: the Karpenter NodePool
     * docs' example. "Never" leaves it unset: Karpenter then waits for the drain for ever.
     */
    terminationGracePeriod: karpenterDuration.default("48h"),
});

/** An EKS add-on version, e.g. "v1.12.4-eksbuild.1" (`aws eks describe-addon-versions`). */
const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, 'must be an EKS add-on version like "v1.12.4-eksbuild.1"');

export const EKS_ADDONS = ["coredns", "kubeProxy", "vpcCni", "podIdentityAgent", "ebsCsiDriver"] as const;
export type EksAddon = (typeof EKS_ADDONS)[number];

export const eksCluster = z.strictObject({
    provider: z.literal("eks"),
    ...clusterBase,
    // Each zone gets private block i of vpcCidr split in 8; the last block holds the public subnets.
    zones: z
        .array(placeName("zone"))
        .min(1, "must list at least one zone")
        .max(6, "must list at most 6 zones (the most an AWS region has)")
        .refine((zs) => new Set(zs).size === zs.length, "zones must be distinct"),
    /** EKS takes a minor version. */
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, 'must be an EKS minor version like "1.33"'),
    network: z.strictObject({
        vpcCidr: cidrBlock,
        /** A secondary VPC block: one pod subnet per zone, used by VPC CNI custom networking or Cilium's ENI IPAM. */
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        /** vpc-cni: AWS VPC CNI; calico: VPC CNI for addresses + Calico for policy; cilium: Cilium in ENI mode. */
        cni: z
            .enum(["vpc-cni", "calico", "cilium"], {
                error: (issue) => `EKS runs vpc-cni, calico (policy only, on the VPC CNI) or cilium (ENI mode), not ${JSON.stringify(issue.input)}`,
            })
            .default("vpc-cni"),
        calico: calicoOptions,
        cilium: ciliumOptions,
        tenants: z.array(tenant).max(1000, "must list at most 1000 tenants").default([]),
        /** One NAT gateway per zone (HA, the production default) or a single shared one. */
        natGateways: z.enum(["perZone", "single"]).default("perZone"),
        flowLogRetentionDays: retentionDays.default(365),
    }),
    endpoint: z
        .strictObject({
            privateAccess: z.boolean().default(true),
            /** CIDRs allowed to reach the public endpoint; empty means the public endpoint is off. */
            publicAccessCidrs: z.array(cidrBlock).default([]),
        })
        .prefault({}),
    /** IAM principal ARNs that get cluster-admin access entries. */
    adminPrincipals: z
        .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, "must be an IAM role or user ARN"))
        .min(1, "must list at least one admin principal"),
    /**
     * What EKS does at the end of the version's standard support: STANDARD upgrades the control
     * plane; EXTENDED keeps it on paid extended support (EKS API UpgradePolicyRequest; EKS's own
     * default is EXTENDED). The program refuses a version past standard support anyway.
     */
    supportType: z.enum(["STANDARD", "EXTENDED"]).default("STANDARD"),
    controlPlaneLogs: z
        .strictObject({
            /** Logged in addition to api, audit and authenticator. */
            extraTypes: z.array(z.enum(EXTRA_CONTROL_PLANE_LOGS)).default([]),
            // One year of audit trail, the retention PCI DSS 10.5.1 asks for.
            retentionDays: retentionDays.default(365),
        })
        .prefault({}),
    /** EKS add-on versions; unset ones take the most recent version EKS publishes for the cluster's Kubernetes version. */
    addons: z
        .strictObject(Object.fromEntries(EKS_ADDONS.map((a) => [a, addonVersion.optional()])) as Record<EksAddon, z.ZodOptional<typeof addonVersion>>)
        .prefault({}),
    /**
     * AmazonSSMManagedInstanceCore on every node role (Session Manager shells and SSM agent). Off unless
     * asked: a node needs neither, and the policy lets every pod with node credentials use SSM's APIs.
     */
    ssmAccess: z.boolean().default(false),
    systemNodeGroup: z
        .strictObject({
            instanceTypes: z.array(awsInstanceType).min(1).default(["m7i.large"]),
            minSize: z.number().int().min(1, "must be positive").default(2),
            maxSize: z.number().int().min(1, "must be positive").default(4),
            desiredSize: z.number().int().min(1, "must be positive").default(3),
        })
        .prefault({}),
    karpenter: z
        .strictObject({
            /** The EKS-optimized AMI release of Karpenter's nodes, pinned (amazon-eks-ami release tags); never @latest. */
            amiAlias: z
                .string()
                .regex(/^(al2023@v\d{8}|bottlerocket@v\d+\.\d+\.\d+)$/, 'must pin an AMI release like "al2023@v20260903" or "bottlerocket@v1.65.0"')
                // amazon-eks-ami release v20260903 (AL2023 1.35.7-20260903, named as a release version in entigolabs/entigo-infralib PR 1488); a year-old AMI misses a year of kernel fixes.
                .default("al2023@v20260903"),
            nodePools: z.array(karpenterNodePool).default([]),
        })
        .prefault({}),
    /** The kubelet of every node, the system node group's and Karpenter's. */
    kubelet: z.strictObject(nodeKubeletFields).prefault({}),
    /** The site's BGP ASN on its links (stacks/spec/links.ts). */
    gateway: cloudGateway.optional(),
});
export type EksClusterSpec = z.output<typeof eksCluster>;
export type KarpenterNodePoolSpec = EksClusterSpec["karpenter"]["nodePools"][number];

/**
 * The add-on version the spec pins, or undefined: then the cluster looks up, at deploy time, the
 * most recent version EKS publishes for its Kubernetes version (aws.eks.getAddonVersion, the
 * `aws eks describe-addon-versions` data), instead of hand pins that rot with every minor.
 */
export function addonVersionOf(c: EksClusterSpec, addon: EksAddon): string | undefined {
    return c.addons[addon];
}

/** The blocks EKS accepts as a service range (EKS API, KubernetesNetworkConfigRequest.serviceIpv4Cidr). */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(cidr);

/** EKS service quota "Public endpoint access CIDR ranges per cluster": 40, not adjustable (EKS user guide, "Service quotas"). */
export const MAX_PUBLIC_ACCESS_CIDRS = 40;
/**
 * The widest block prod lets reach the public API endpoint. Rejecting only /0 is no rule: 0.0.0.0/1
 * plus 128.0.0.0/1 is the same internet. No upstream number exists, so the floor is ours: a /16
 * (65,536 addresses) is more than any one organization's egress (office NAT, VPN, CI runners) needs,
 * and with the 40-block quota prod can never admit more than 40 x 2^16 = 2.6M addresses (0.06% of IPv4).
 */
export const MIN_PUBLIC_ACCESS_PREFIX = 16;

export function eksRules(c: EksClusterSpec, at: (string | number)[], environment: string): Violation[] {
    const out: Violation[] = [...shutdownGraceRule(c.kubelet, [...at, "kubelet"])];
    if (environment === "prod" && c.zones.length < 2) {
        out.push({ path: [...at, "zones"], rule: `at least 2 zones in prod (got ${c.zones.length})` });
    }
    // Pulumi's kubeconfig assumes the first admin role; an IAM user cannot be assumed, and the
    // cluster creator gets no access of its own (bootstrapClusterCreatorAdminPermissions: false).
    if (!c.adminPrincipals.some((arn) => /:role\//.test(arn))) {
        out.push({
            path: [...at, "adminPrincipals"],
            rule: "must include an IAM role: Pulumi's kubeconfig assumes the first one (a user cannot be assumed, and the cluster's creator has no access of its own)",
        });
    }
    // The audit trail's floor in prod, as for IDC (AUDIT_RETENTION_FLOOR_DAYS, PCI DSS v4.0 10.5.1).
    if (environment === "prod" && c.controlPlaneLogs.retentionDays < AUDIT_RETENTION_FLOOR_DAYS) {
        out.push({
            path: [...at, "controlPlaneLogs", "retentionDays"],
            rule: `must keep control-plane and audit logs at least ${AUDIT_RETENTION_FLOOR_DAYS} days in prod (got ${c.controlPlaneLogs.retentionDays})`,
        });
    }
    const g = c.systemNodeGroup;
    if (g.minSize > g.desiredSize || g.desiredSize > g.maxSize) {
        out.push({
            path: [...at, "systemNodeGroup"],
            rule: `sizes must satisfy minSize <= desiredSize <= maxSize (got ${g.minSize}/${g.desiredSize}/${g.maxSize})`,
        });
    }
    const seen = new Map<string, number>();
    c.karpenter.nodePools.forEach((p, i) => {
        if (seen.has(p.name)) {
            out.push({
                path: [...at, "karpenter", "nodePools", i, "name"],
                rule: `Karpenter pool name ${p.name} is already used by karpenter.nodePools[${seen.get(p.name)}]`,
            });
        } else seen.set(p.name, i);
        p.disruption.budgets.forEach((b, j) => {
            if ((b.schedule === undefined) !== (b.duration === undefined)) {
                out.push({ path: [...at, "karpenter", "nodePools", i, "disruption", "budgets", j], rule: "schedule and duration must be set together" });
            }
        });
    });

    // The endpoint: never open to the world in prod, and always reachable somehow.
    const e = c.endpoint;
    if (e.publicAccessCidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
        out.push({
            path: [...at, "endpoint", "publicAccessCidrs"],
            rule: `at most ${MAX_PUBLIC_ACCESS_CIDRS} blocks (EKS quota "Public endpoint access CIDR ranges per cluster") (got ${e.publicAccessCidrs.length})`,
        });
    }
    e.publicAccessCidrs.forEach((text, i) => {
        const prefix = parseCidr(text)!.prefix;
        if (environment !== "prod" || prefix >= MIN_PUBLIC_ACCESS_PREFIX) return;
        const rule =
            prefix === 0
                ? `${text} opens the public API endpoint to the whole internet (not allowed in prod)`
                : `${text} opens the public API endpoint to a /${prefix} slice of the internet; prod allows /${MIN_PUBLIC_ACCESS_PREFIX} or narrower (an office, VPN or CI egress range)`;
        out.push({ path: [...at, "endpoint", "publicAccessCidrs", i], rule });
    });
    if (environment === "prod" && !e.privateAccess) {
        out.push({ path: [...at, "endpoint", "privateAccess"], rule: "must be true in prod (nodes and add-ons reach the API server inside the VPC)" });
    } else if (!e.privateAccess && e.publicAccessCidrs.length === 0) {
        out.push({ path: [...at, "endpoint"], rule: "the API server needs privateAccess or publicAccessCidrs (both are off)" });
    }

    // Address plan: VPC blocks are /16 to /28 (Amazon VPC user guide, "VPC CIDR blocks"); both
    // blocks are split in 8 per-zone subnets, which must stay at least a /23.
    for (const key of ["vpcCidr", "podCidr"] as const) {
        const prefix = cidr(c.network[key]).prefix;
        if (prefix < 16 || prefix > 20) {
            out.push({
                path: [...at, "network", key],
                rule: `must be a /16 to /20 block (AWS allows /16 at most per VPC block; each zone gets an eighth) (got /${prefix})`,
            });
        }
    }
    const service = cidr(c.network.serviceCidr);
    if (service.prefix < 12 || service.prefix > 24 || !PRIVATE_RANGES.some((r) => within(service, r))) {
        out.push({
            path: [...at, "network", "serviceCidr"],
            rule: "must be a /12 to /24 block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (EKS service IPv4 range)",
        });
    }

    return out;
}
