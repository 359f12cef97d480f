// An AWS EKS cluster: its VPC, a hardened managed control plane, a system node group and Karpenter.
import { z } from "zod";
import { ciliumOptions, calicoOptions, tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, labels, taint, Violation } from "./common";

const karpenterNodePool = z.strictObject({
    name: dnsLabel,
    capacityTypes: z.array(z.enum(["spot", "on-demand"])).min(1).default(["on-demand"]),
    architectures: z.array(z.enum(["amd64", "arm64"])).min(1).default(["amd64"]),
    instanceCategories: z.array(z.string().regex(/^[a-z]+$/)).min(1).default(["c", "m", "r"]),
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
});

export const eksCluster = z.strictObject({
    provider: z.literal("eks"),
    ...clusterBase,
    /** EKS takes a minor version. */
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, 'must be an EKS minor version like "1.33"'),
    network: z.strictObject({
        vpcCidr: cidrBlock,
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        /** vpc-cni: AWS VPC CNI; calico: VPC CNI for addresses + Calico for policy; cilium: Cilium in ENI mode. */
        cni: z.enum(["vpc-cni", "calico", "cilium"]).default("vpc-cni"),
        calico: calicoOptions,
        cilium: ciliumOptions,
        tenants: z.array(tenant).default([]),
        /** One NAT gateway per zone (HA, the production default) or a single shared one. */
        natGateways: z.enum(["perZone", "single"]).default("perZone"),
        flowLogRetentionDays: z.number().int().positive().default(365),
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
    systemNodeGroup: z
        .strictObject({
            instanceTypes: z.array(z.string().min(1)).min(1).default(["m7i.large"]),
            minSize: z.number().int().min(1, "must be positive").default(2),
            maxSize: z.number().int().min(1, "must be positive").default(4),
            desiredSize: z.number().int().min(1, "must be positive").default(3),
        })
        .prefault({}),
    karpenter: z.strictObject({ nodePools: z.array(karpenterNodePool).default([]) }).prefault({}),
});
export type EksClusterSpec = z.output<typeof eksCluster>;

export function eksRules(c: EksClusterSpec, at: (string | number)[], environment: string): Violation[] {
    const out: Violation[] = [];
    if (environment === "prod" && c.zones.length < 2) {
        out.push({ path: [...at, "zones"], rule: `at least 2 zones in prod (got ${c.zones.length})` });
    }
    const g = c.systemNodeGroup;
    if (g.minSize > g.desiredSize || g.desiredSize > g.maxSize) {
        out.push({ path: [...at, "systemNodeGroup"], rule: `sizes must satisfy minSize <= desiredSize <= maxSize (got ${g.minSize}/${g.desiredSize}/${g.maxSize})` });
    }
    const seen = new Map<string, number>();
    c.karpenter.nodePools.forEach((p, i) => {
        if (seen.has(p.name)) {
            out.push({ path: [...at, "karpenter", "nodePools", i, "name"], rule: `Karpenter pool name ${p.name} is already used by karpenter.nodePools[${seen.get(p.name)}]` });
        } else seen.set(p.name, i);
    });
    return out;
}
