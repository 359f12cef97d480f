// Cluster networking options: which CNI, its settings, and the zero-trust tenants.
// Each site's schema picks the CNIs it can run (see idc.ts, eks.ts, ack.ts); the fleet-wide
// rules (pools inside the pod CIDR, block sizes, Cilium cluster ids) are in networkRules below.
import { z } from "zod";
import { cidr, overlaps, within } from "../cidr";
import { cidrBlock, dnsLabel, ipv4, labels, Violation } from "./common";
import type { FleetNetwork as FleetSpec } from "./fleetNetwork";

/**
 * A Calico selector expression (Calico docs, "Selectors"), e.g. `rack == 'a'` or `all()`: one line of
 * printable ASCII (Calico parses the rest when the object is applied).
 */
const calicoSelector = z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[\x20-\x7e]+$/, "must be one line of printable ASCII (a Calico selector)");

/** A BGP AS number: 1 to 4294967295 (4-byte ASNs, RFC 6793; Calico's asNumber is a uint32). */
const asNumber = z.number().int().min(1).max(4294967295);

const bgpPeer = z.strictObject({
    /** The BGPPeer's name, e.g. `rack-a-tor-1`. */
    name: dnsLabel,
    /** The ToR switch's address. */
    peerIp: ipv4,
    asNumber,
    /** Nodes that peer with it (e.g. one rack's nodes); unset = every node (a global peer). */
    nodeSelector: calicoSelector.optional(),
});

/** BGP to the racks' switches: the cluster's AS and its peers. One schema for Calico and Cilium. */
const bgpOptions = z.strictObject({
    asNumber,
    peers: z.array(bgpPeer).max(256, "must list at most 256 BGP peers").default([]),
});
export type BgpOptions = z.output<typeof bgpOptions>;

const ipPool = z.strictObject({
    name: dnsLabel,
    /** Inside network.podCidr, disjoint from the default pool and from every other pool. */
    cidr: cidrBlock,
    /** Nodes that may take blocks from this pool (Calico selector). */
    nodeSelector: calicoSelector,
    /** Defaults to calico.blockSize. */
    blockSize: z.number().int().min(20).max(32).optional(),
    /**
     * The tenant namespaces (network.tenants) whose pods take addresses from this pool. The pool
     * is Manual: only these namespaces' pods get its addresses, never another pod on its nodes.
     */
    namespaces: z.array(dnsLabel).default([]),
});

export const calicoOptions = z
    .strictObject({
        /** IPAM block size per node; Calico's default is /26 (64 addresses; Calico docs, "IPPool" blockSize). */
        blockSize: z.number().int().min(20, "Calico IPv4 blocks are /20 to /32").max(32, "Calico IPv4 blocks are /20 to /32").default(26),
        /** None for routed BGP in an IDC; VXLANCrossSubnet elsewhere. Default chosen per site. */
        encapsulation: z.enum(["None", "VXLANCrossSubnet", "VXLAN", "IPIPCrossSubnet", "IPIP"]).optional(),
        /** SNAT pod traffic leaving the pools (Calico's default for pools, natOutgoing: true). */
        natOutgoing: z.boolean().default(true),
        /** The default pool; podCidr unless extra pools take part of it (Calico pools may not overlap). */
        defaultPoolCidr: cidrBlock.optional(),
        /** Extra business pools, each for the nodes its selector picks. */
        ipPools: z.array(ipPool).max(256, "must list at most 256 IP pools").default([]),
        /** Routed BGP to the top-of-rack switches (IDC only). */
        bgp: bgpOptions.optional(),
    })
    .prefault({});

export const ciliumOptions = z
    .strictObject({
        /** Cluster mesh id, unique across the fleet (1-255; Cilium's default max-connected-clusters 255). Required with cni cilium. */
        clusterId: z.number().int().min(1).max(255).optional(),
        /** IDC cluster-pool IPAM: the per-node block; /24 is Cilium's default clusterPoolIPv4MaskSize. */
        nodeMaskSize: z.number().int().min(16).max(30).default(24),
        /**
         * IDC only: the Cilium BGP control plane peers every node with the racks' switches, which
         * route the pod CIDRs (routing `bgp`). Unset: direct routes between nodes (routing
         * `directRoutes`, autoDirectNodeRoutes), which only works when every node shares one L2 segment.
         * nodeSelector uses the Calico selector syntax of calico.bgp, limited to what a Kubernetes
         * label selector can say: ==, !=, in, not in, has() and !has() joined by &&.
         */
        bgp: bgpOptions.optional(),
    })
    .prefault({});

/** Another workload a tenant may talk to: pods with these labels in that namespace. */
const tenantPeer = z.strictObject({
    namespace: dnsLabel,
    /** Empty = every pod of the namespace. */
    podLabels: labels.default({}),
    /** Empty = every port. */
    ports: z.array(z.strictObject({ port: z.number().int().min(1).max(65535), protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP") })).default([]),
});

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity like "500m", "2" or "4Gi"');

/** A namespace that gets the zero-trust baseline (default deny, DNS allow, quota). */
export const tenant = z.strictObject({
    namespace: dnsLabel,
    /** Pod Security Standard enforced on the namespace; restricted is the hardened profile (kubernetes.io, "Pod Security Standards"). */
    podSecurity: z.enum(["restricted", "baseline", "privileged"]).default("restricted"),
    /** Ingress allowed from these peers (everything else is denied). */
    allowFrom: z.array(tenantPeer).default([]),
    /** Egress allowed to these peers, besides DNS (everything else is denied). */
    allowTo: z.array(tenantPeer).default([]),
    /** ResourceQuota hard limits. Sized for one team's namespace: our defaults, override per tenant. */
    quota: z
        .strictObject({
            requestsCpu: quantity.default("20"),
            requestsMemory: quantity.default("64Gi"),
            limitsCpu: quantity.default("40"),
            limitsMemory: quantity.default("128Gi"),
            pods: z.number().int().min(1).default(200),
            /** No LoadBalancer or NodePort services: exposure goes through the mesh gateways (NSA/CISA Kubernetes Hardening Guide, "Network separation"). */
            servicesLoadBalancers: z.number().int().min(0).default(0),
            servicesNodePorts: z.number().int().min(0).default(0),
        })
        .prefault({}),
    /** LimitRange container defaults: the kubernetes.io "Configure Default CPU/Memory Requests and Limits" examples (0.5/1 CPU, 256Mi/512Mi). */
    containerDefaults: z
        .strictObject({
            cpuRequest: quantity.default("500m"),
            cpuLimit: quantity.default("1"),
            memoryRequest: quantity.default("256Mi"),
            memoryLimit: quantity.default("512Mi"),
        })
        .prefault({}),
});
export type TenantSpec = z.output<typeof tenant>;
export type CalicoOptions = z.output<typeof calicoOptions>;
export type CiliumOptions = z.output<typeof ciliumOptions>;

export { cidrBlock };

// The derivations the renderers share with the rules live beside the network add-ons (one copy).
import { labelSelectorOf } from "../../components/network/options";
export { ciliumRouting, defaultPoolCidr, labelSelectorOf, type LabelSelector } from "../../components/network/options";

/**
 * Fleet-wide networking rules (called by the fleet schema once the structure is valid): Calico
 * pools inside the pod CIDR and disjoint, block sizes that fit, BGP only where Calico routes,
 * Cilium cluster ids present and unique across the fleet, tenant names unique per cluster.
 */
export function networkRules(fleet: FleetSpec): Violation[] {
    const out: Violation[] = [];
    const ciliumIds = new Map<number, number>();
    fleet.clusters.forEach((c, i) => {
        const net = ["clusters", i, "network"];
        const seenTenants = new Map<string, number>();
        c.network.tenants.forEach((t, j) => {
            const twin = seenTenants.get(t.namespace);
            if (twin !== undefined)
                out.push({ path: [...net, "tenants", j, "namespace"], rule: `tenant ${t.namespace} is already declared by tenants[${twin}]` });
            else seenTenants.set(t.namespace, j);
        });
        if (c.provider === "ack") return;

        const calico = c.network.calico;
        const at = [...net, "calico"];
        if (c.network.cni === "calico") {
            if (c.provider === "eks") {
                // EKS keeps the VPC CNI for addresses; Calico only enforces policy (Calico docs, "Amazon EKS").
                for (const key of ["bgp", "defaultPoolCidr", "encapsulation"] as const) {
                    if (calico[key] !== undefined)
                        out.push({ path: [...at, key], rule: "must be unset on EKS: Calico enforces policy only, the VPC CNI assigns pod addresses" });
                }
                if (calico.ipPools.length > 0)
                    out.push({ path: [...at, "ipPools"], rule: "must be empty on EKS: Calico enforces policy only, the VPC CNI assigns pod addresses" });
            } else {
                out.push(...calicoPoolRules(c.network.podCidr, calico, at));
                out.push(...bgpRules(calico, at));
                // The pool is named on the tenant's namespace by the tenant baseline: only tenants have one.
                calico.ipPools.forEach((p, k) =>
                    p.namespaces.forEach((ns, m) => {
                        if (!seenTenants.has(ns))
                            out.push({ path: [...at, "ipPools", k, "namespaces", m], rule: `${ns} is not a tenant of ${c.name} (network.tenants)` });
                    }),
                );
            }
        } else if (calico.bgp !== undefined || calico.ipPools.length > 0 || calico.defaultPoolCidr !== undefined) {
            out.push({ path: at, rule: `is set but network.cni is ${c.network.cni}` });
        }

        const ciliumBgp = c.network.cilium.bgp;
        const bgpAt = [...net, "cilium", "bgp"];
        if (ciliumBgp !== undefined && c.network.cni !== "cilium") {
            out.push({ path: bgpAt, rule: `is set but network.cni is ${c.network.cni}` });
        } else if (ciliumBgp !== undefined && c.provider === "eks") {
            // ENI mode: pods take VPC addresses and the VPC routes them (Cilium docs, "Installation using Helm", EKS).
            out.push({ path: bgpAt, rule: "must be unset on EKS: Cilium runs in ENI mode there and the VPC routes pod addresses" });
        } else if (ciliumBgp !== undefined) {
            if (ciliumBgp.peers.length === 0) {
                out.push({
                    path: [...bgpAt, "peers"],
                    rule: "needs at least one peer: Cilium has no node-to-node mesh, the racks' switches route the pod CIDRs (leave bgp unset for direct routes on one L2 segment)",
                });
            }
            out.push(...bgpPeerRules(ciliumBgp, bgpAt));
            ciliumBgp.peers.forEach((p, k) => {
                if (p.nodeSelector !== undefined && labelSelectorOf(p.nodeSelector) === undefined) {
                    out.push({
                        path: [...bgpAt, "peers", k, "nodeSelector"],
                        rule: `Cilium selects nodes with a Kubernetes label selector: use ==, !=, in, not in, has() and !has() joined by && with valid label values (not "${p.nodeSelector}")`,
                    });
                }
            });
        }

        if (c.network.cni === "cilium") {
            const id = c.network.cilium.clusterId;
            if (id === undefined) {
                out.push({ path: [...net, "cilium", "clusterId"], rule: "is required with cni cilium (a fleet-unique 1-255 keeps cluster mesh possible)" });
            } else {
                const twin = ciliumIds.get(id);
                if (twin !== undefined)
                    out.push({ path: [...net, "cilium", "clusterId"], rule: `${id} is already the Cilium cluster id of clusters[${twin}]` });
                else ciliumIds.set(id, i);
            }
            const pod = cidr(c.network.podCidr);
            const mask = c.network.cilium.nodeMaskSize;
            if (c.provider === "idc" && mask < pod.prefix) {
                out.push({ path: [...net, "cilium", "nodeMaskSize"], rule: `/${mask} node blocks do not fit in podCidr ${pod.text}` });
            }
        }
    });
    return out;
}

function calicoPoolRules(podCidrText: string, calico: CalicoOptions, at: (string | number)[]): Violation[] {
    const out: Violation[] = [];
    const pod = cidr(podCidrText);
    const pools: { path: (string | number)[]; text: string; what: string }[] = [];
    const fits = (block: string, blockSize: number, path: (string | number)[]) => {
        const c = cidr(block);
        if (blockSize < c.prefix) out.push({ path, rule: `/${blockSize} blocks do not fit in ${c.text}` });
    };

    const defaultPool = calico.defaultPoolCidr ?? podCidrText;
    if (calico.defaultPoolCidr !== undefined && !within(cidr(defaultPool), pod)) {
        out.push({ path: [...at, "defaultPoolCidr"], rule: `${defaultPool} is outside network.podCidr ${pod.text}` });
    }
    fits(defaultPool, calico.blockSize, [...at, "blockSize"]);
    pools.push({ path: [...at, "defaultPoolCidr"], text: defaultPool, what: `the default pool ${defaultPool}` });

    const names = new Map<string, number>();
    calico.ipPools.forEach((p, k) => {
        const path = [...at, "ipPools", k];
        if (names.has(p.name)) out.push({ path: [...path, "name"], rule: `pool name ${p.name} is already used by ipPools[${names.get(p.name)}]` });
        else names.set(p.name, k);
        if (!within(cidr(p.cidr), pod)) {
            out.push({ path: [...path, "cidr"], rule: `${p.cidr} is outside network.podCidr ${pod.text}` });
        }
        fits(p.cidr, p.blockSize ?? calico.blockSize, [...path, p.blockSize === undefined ? "cidr" : "blockSize"]);
        // Calico rejects overlapping pools (libcalico-go: "IPPool(...) CIDR overlaps with IPPool(...)").
        const twin = pools.find((q) => overlaps(cidr(q.text), cidr(p.cidr)));
        if (twin) {
            const hint =
                twin.path[twin.path.length - 1] === "defaultPoolCidr" && calico.defaultPoolCidr === undefined
                    ? " (set calico.defaultPoolCidr to a part of podCidr outside the extra pools)"
                    : "";
            out.push({ path: [...path, "cidr"], rule: `${p.cidr} overlaps ${twin.what}${hint}` });
        }
        pools.push({ path, text: p.cidr, what: `ipPools[${k}] ${p.cidr}` });
    });
    return out;
}

function bgpRules(calico: CalicoOptions, at: (string | number)[]): Violation[] {
    const out: Violation[] = [];
    if (!calico.bgp) return out;
    const encapsulation = calico.encapsulation ?? "None";
    if (calico.bgp.peers.length > 0 && encapsulation !== "None" && !encapsulation.endsWith("CrossSubnet")) {
        out.push({
            path: [...at, "encapsulation"],
            rule: `${encapsulation} tunnels every packet; peering with the racks' switches needs None or a CrossSubnet mode`,
        });
    }
    out.push(...bgpPeerRules(calico.bgp, [...at, "bgp"]));
    return out;
}

/** Peer names unique, and no switch peered twice with the same nodes (Calico and Cilium alike). */
function bgpPeerRules(bgp: BgpOptions, at: (string | number)[]): Violation[] {
    const out: Violation[] = [];
    const names = new Map<string, number>();
    const peers = new Map<string, number>();
    bgp.peers.forEach((p, k) => {
        const path = [...at, "peers", k];
        if (names.has(p.name)) out.push({ path: [...path, "name"], rule: `peer name ${p.name} is already used by bgp.peers[${names.get(p.name)}]` });
        else names.set(p.name, k);
        const key = `${p.peerIp}|${p.nodeSelector ?? ""}`;
        if (peers.has(key)) out.push({ path: [...path, "peerIp"], rule: `${p.peerIp} is already peered with the same nodes by bgp.peers[${peers.get(key)}]` });
        else peers.set(key, k);
    });
    return out;
}
