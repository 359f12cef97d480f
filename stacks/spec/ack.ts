// An Alibaba Cloud ACK Pro cluster: its VPC and vSwitches, the managed control plane and node pools.
import { z } from "zod";
import { tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, labels, taint, Violation } from "./common";

const nodePool = z.strictObject({
    name: dnsLabel,
    /** The pool that runs cluster add-ons (tainted for them). */
    system: z.boolean().default(false),
    instanceTypes: z.array(z.string().min(1)).min(1),
    minSize: z.number().int().min(0, "must not be negative"),
    maxSize: z.number().int().min(1, "must be positive"),
    spot: z.boolean().default(false),
    labels: labels.default({}),
    taints: z.array(taint).default([]),
});

export const ackCluster = z.strictObject({
    provider: z.literal("ack"),
    ...clusterBase,
    kubernetesVersion: z.string().regex(/^1\.\d{2}\.\d+(-aliyun\.\d+)?$/, 'must be an ACK version like "1.33.3-aliyun.1"'),
    /** ACK managed cluster edition; Pro is the production tier with an SLA. */
    clusterSpec: z.enum(["ack.pro.small", "ack.pro.medium", "ack.pro.large", "ack.pro.xlarge"]).default("ack.pro.small"),
    network: z.strictObject({
        vpcCidr: cidrBlock,
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        /** terway: ENI-based pod networking (ACK's default); flannel: overlay on podCidr. */
        cni: z.enum(["terway", "flannel"], {
            error: (issue) => `ACK runs terway or flannel, not ${JSON.stringify(issue.input)}`,
        }).default("terway"),
        tenants: z.array(tenant).default([]),
    }),
    nodePools: z.array(nodePool).min(1, "must list at least one node pool"),
    autoscaling: z
        .strictObject({
            /** Cluster autoscaler on the node pools. */
            enabled: z.boolean().default(true),
        })
        .prefault({}),
});
export type AckClusterSpec = z.output<typeof ackCluster>;

export function ackRules(c: AckClusterSpec, at: (string | number)[], environment: string): Violation[] {
    const out: Violation[] = [];
    if (environment === "prod" && c.zones.length < 2) {
        out.push({ path: [...at, "zones"], rule: `at least 2 zones in prod (got ${c.zones.length})` });
    }
    const seen = new Map<string, number>();
    c.nodePools.forEach((p, i) => {
        if (p.minSize > p.maxSize) {
            out.push({ path: [...at, "nodePools", i, "minSize"], rule: `must not exceed maxSize (${p.minSize} > ${p.maxSize})` });
        }
        if (seen.has(p.name)) {
            out.push({ path: [...at, "nodePools", i, "name"], rule: `node pool name ${p.name} is already used by nodePools[${seen.get(p.name)}]` });
        } else seen.set(p.name, i);
    });
    return out;
}
