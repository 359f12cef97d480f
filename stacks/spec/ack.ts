// An Alibaba Cloud ACK Pro cluster: its VPC and vSwitches, the managed control plane and node pools.
import { z } from "zod";
import { cloudGateway } from "./links";
import { cidr, overlaps } from "../cidr";
import { tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, labels, podPidsLimit, taint, Violation } from "./common";
// How the site carves its address blocks: the rules check the prefixes the renderer will cut.
import { NODE_VSWITCH_BITS, POD_VSWITCH_BITS, SLS_PROJECT_NAME, slsProjectNames } from "../../components/ack/types";

/** A vSwitch mask must be /16 to /29 (Alibaba Cloud VPC docs, "Create and manage a vSwitch"). */
export const VSWITCH_PREFIX = { min: 16, max: 29 } as const;

const weekday = z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);

const nodePool = z.strictObject({
    name: dnsLabel,
    /** The pool that runs cluster add-ons (tainted for them). */
    system: z.boolean().default(false),
    /** ECS instance types, ecs.family.size, e.g. ecs.g7.xlarge. */
    instanceTypes: z.array(z.string().regex(/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/, 'must be an ECS instance type like "ecs.g7.xlarge"')).min(1),
    minSize: z.number().int().min(0, "must not be negative"),
    maxSize: z.number().int().min(1, "must be positive"),
    spot: z.boolean().default(false),
    labels: labels.default({}),
    taints: z.array(taint).default([]),
    /** ESSD system disk; ACK's console default is 120 GiB (ACK docs, "Create a node pool"). */
    systemDiskGiB: z.number().int().min(20, "must be at least 20 (ACK system disk minimum)").max(2048).default(120),
    /** ESSD data disk for containerd and kubelet (ACK allows 40 to 32768 GiB). */
    dataDiskGiB: z.number().int().min(40, "must be at least 40 (ACK data disk minimum)").max(32768).default(200),
});

export const ackCluster = z.strictObject({
    provider: z.literal("ack"),
    ...clusterBase,
    kubernetesVersion: z.string().regex(/^1\.\d{2}\.\d+(-aliyun\.\d+)?$/, 'must be an ACK version like "1.33.3-aliyun.1"'),
    /**
     * ACK managed cluster edition; Pro is the production tier with an SLA. The provisioned tiers
     * (xlarge and up) are those alicloud.cs.ManagedKubernetes documents for `clusterSpec`.
     */
    clusterSpec: z.enum(["ack.pro.small", "ack.pro.xlarge", "ack.pro.2xlarge", "ack.pro.4xlarge"]).default("ack.pro.small"),
    network: z.strictObject({
        vpcCidr: cidrBlock,
        /** terway: a secondary VPC block, one pod vSwitch per zone; flannel: the overlay's pod CIDR. */
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        /** terway: ENI-based pod networking (ACK's default); flannel: overlay on podCidr. */
        cni: z
            .enum(["terway", "flannel"], {
                error: (issue) => `ACK runs terway or flannel, not ${JSON.stringify(issue.input)}`,
            })
            .default("terway"),
        /**
         * Flannel only: the per-node pod block. /25 = 128 addresses, room for the kubelet's 110
         * pods per node (kubernetes.io, "Considerations for large clusters").
         */
        nodeCidrMask: z.number().int().min(24, "ACK allows a node CIDR mask of /24 to /28").max(28, "ACK allows a node CIDR mask of /24 to /28").default(25),
        tenants: z.array(tenant).max(1000, "must list at most 1000 tenants").default([]),
        /** Days the VPC's flow logs are kept in SLS (Store retentionPeriod: 1 to 3650, where 3650 keeps them for good). */
        flowLogRetentionDays: z.number().int().min(1, "SLS keeps logs 1 to 3650 days").max(3650, "SLS keeps logs 1 to 3650 days").default(365),
    }),
    /** The API server's load balancer: internal (VPC only) unless asked; never internet-facing in prod. */
    apiServer: z
        .strictObject({
            internetFacing: z.boolean().default(false),
        })
        .prefault({}),
    /** Control-plane and audit logs in an SLS project. */
    logging: z
        .strictObject({
            /** PCI DSS v4.0 req. 10.5.1: keep audit logs at least 12 months. */
            retentionDays: z.number().int().min(1).max(3000, "ACK keeps control-plane logs 1 to 3000 days (UpdateControlPlaneLog log_ttl)").default(365),
        })
        .prefault({}),
    /** When ACK may upgrade the control plane and managed node pools (UTC+8, the region's time). */
    maintenanceWindow: z
        .strictObject({
            days: z.array(weekday).min(1).default(["Saturday"]),
            /** Local start time, HH:MM. */
            start: z
                .string()
                .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:MM")
                .default("02:00"),
            /** ACK accepts 1 to 24 hours. */
            durationHours: z.number().int().min(1).max(24).default(4),
        })
        .prefault({}),
    nodePools: z.array(nodePool).min(1, "must list at least one node pool"),
    /**
     * The kubelet of every node pool. No seccompDefault and no shutdown periods: the node pools'
     * kubelet configuration (alicloud cs.NodePool kubeletConfiguration) has no such fields.
     */
    kubelet: z.strictObject({ podPidsLimit }).prefault({}),
    autoscaling: z
        .strictObject({
            /** Cluster autoscaler on the node pools. */
            enabled: z.boolean().default(true),
        })
        .prefault({}),
    /** The site's BGP ASN on its links (stacks/spec/links.ts). */
    gateway: cloudGateway.optional(),
});
export type AckClusterSpec = z.output<typeof ackCluster>;

/** `stack`: the stack the spec is deployed to, when known (the site's SLS project names carry it). */
export function ackRules(c: AckClusterSpec, at: (string | number)[], environment: string, stack?: string): Violation[] {
    const out: Violation[] = [];
    if (stack !== undefined) {
        for (const project of Object.values(slsProjectNames(c.name, stack))) {
            if (!SLS_PROJECT_NAME.test(project))
                out.push({
                    path: [...at, "name"],
                    rule: `in stack ${JSON.stringify(stack)} names the SLS project ${JSON.stringify(project)}, which SLS refuses (3 to 63 characters of [a-z0-9-], a letter or digit at each end)`,
                });
        }
    }
    const net = [...at, "network"];
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
    if (!c.nodePools.some((p) => p.system)) {
        out.push({ path: [...at, "nodePools"], rule: "must include a system pool (system: true) for the cluster add-ons" });
    }
    // The system pool is tainted CriticalAddonsOnly: the fleet's own workloads (mesh gateway,
    // Karmada agent, monitoring, Thanos) and the tenants' need an untainted pool.
    if (!c.nodePools.some((p) => !p.system)) {
        out.push({
            path: [...at, "nodePools"],
            rule: "must include a pool that is not the system pool (system pools are tainted CriticalAddonsOnly: nothing else would schedule)",
        });
    }
    // Flannel has no policy engine: a tenant's default-deny would silently allow everything.
    if (c.network.cni === "flannel" && c.network.tenants.length > 0) {
        out.push({ path: [...net, "tenants"], rule: "flannel does not enforce NetworkPolicy; tenants need cni terway" });
    }
    if (environment === "prod" && c.apiServer.internetFacing) {
        out.push({ path: [...at, "apiServer", "internetFacing"], rule: "must be false in prod (the API server load balancer stays internal)" });
    }

    const store = c.metrics.objectStore;
    if (store.region !== undefined && store.region !== c.region) {
        out.push({ path: [...at, "metrics", "objectStore", "region"], rule: `must be the cluster's region ${c.region} (the site creates its bucket there)` });
    }

    // ACK rejects pod and service CIDRs inside the VPC (ACK docs, "Plan the network of an ACK cluster").
    const vpc = cidr(c.network.vpcCidr);
    for (const key of ["podCidr", "serviceCidr"] as const) {
        const block = cidr(c.network[key]);
        if (overlaps(block, vpc)) {
            out.push({ path: [...net, key], rule: `${block.text} must lie outside network.vpcCidr ${vpc.text} (ACK rejects it inside the VPC)` });
        }
    }

    // One node vSwitch per zone, carved from vpcCidr.
    const zoneSlots = 2 ** NODE_VSWITCH_BITS;
    if (c.zones.length > zoneSlots) {
        out.push({
            path: [...at, "zones"],
            rule: `vpcCidr is carved into ${zoneSlots} node vSwitches, one per zone: at most ${zoneSlots} zones (got ${c.zones.length})`,
        });
    }
    const nodeSwitch = vpc.prefix + NODE_VSWITCH_BITS;
    if (nodeSwitch < VSWITCH_PREFIX.min || nodeSwitch > VSWITCH_PREFIX.max) {
        out.push({
            path: [...net, "vpcCidr"],
            rule: `must be /${VSWITCH_PREFIX.min - NODE_VSWITCH_BITS} to /${VSWITCH_PREFIX.max - NODE_VSWITCH_BITS} so that its node vSwitches (/${nodeSwitch}) are /${VSWITCH_PREFIX.min} to /${VSWITCH_PREFIX.max}`,
        });
    }

    const pod = cidr(c.network.podCidr);
    if (c.network.cni === "terway") {
        const podSlots = 2 ** POD_VSWITCH_BITS;
        if (c.zones.length > podSlots) {
            out.push({
                path: [...at, "zones"],
                rule: `terway carves podCidr into ${podSlots} pod vSwitches, one per zone: at most ${podSlots} zones (got ${c.zones.length})`,
            });
        }
        const podSwitch = pod.prefix + POD_VSWITCH_BITS;
        if (podSwitch < VSWITCH_PREFIX.min || podSwitch > VSWITCH_PREFIX.max) {
            out.push({
                path: [...net, "podCidr"],
                rule: `with terway must be /${VSWITCH_PREFIX.min - POD_VSWITCH_BITS} to /${VSWITCH_PREFIX.max - POD_VSWITCH_BITS} so that its pod vSwitches (/${podSwitch}) are /${VSWITCH_PREFIX.min} to /${VSWITCH_PREFIX.max}`,
            });
        }
    } else {
        // Flannel gives every node a /nodeCidrMask block of podCidr: the pools' maximum must fit.
        const mask = c.network.nodeCidrMask;
        const maxNodes = c.nodePools.reduce((sum, p) => sum + p.maxSize, 0);
        const blocks = mask >= pod.prefix ? 2 ** (mask - pod.prefix) : 0;
        if (blocks < maxNodes) {
            out.push({
                path: [...net, "nodeCidrMask"],
                rule: `podCidr ${pod.text} holds ${blocks} node blocks of /${mask}, fewer than the node pools' maxSize total ${maxNodes}`,
            });
        }
    }
    return out;
}
