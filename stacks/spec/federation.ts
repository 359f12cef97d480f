// The federation layer's spec (`federation:` at the fleet level): Karmada's control plane on the
// hub, which clusters are members, cluster failover, and the placement and override policies.
// Each member's sync mode stays on the cluster (`clusters[].federation.syncMode`).
import { z } from "zod";
import { cidr, contains, parseIp } from "../cidr";
import { dnsLabel, ipv4, labels, type Violation } from "./common";
import { mapping } from "./mapping";
import { reachabilityViolations } from "./reachability";

/** Karmada rejects longer Cluster names (pkg/apis/cluster/validation/validation.go, clusterNameMaxLength = 48). */
export const KARMADA_CLUSTER_NAME_MAX = 48;

/** A DNS-1123 subdomain: what Kubernetes object names accept. */
const dnsSubdomain = z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS-1123 subdomain (lowercase letters, digits, '-', '.')");

const hostname = z
    .string()
    .max(253)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/, "must be a fully qualified DNS name");

/** A workload selected by name: `apps/v1` `Deployment` `payments-api`. */
const resourceRef = z.strictObject({
    apiVersion: z.string().regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/, 'must be an API version like "apps/v1" or "v1"'),
    kind: z.string().regex(/^[A-Z][A-Za-z0-9]{0,62}$/, "must be a Kind (PascalCase)"),
    name: dnsSubdomain,
});

const placementPolicy = z.strictObject({
    /** The policy's name (and the PropagationPolicy's). */
    name: dnsLabel,
    /** Named workloads are in this namespace: a PropagationPolicy there. */
    namespace: dnsLabel.optional(),
    resources: z.array(resourceRef).default([]),
    /** Whole namespaces (and what Karmada propagates with them): a ClusterPropagationPolicy. */
    namespaces: z.array(dnsLabel).default([]),
    /** Where the workloads may run; default: every member. Exclusive with `failover`. */
    clusters: z.array(dnsLabel).min(1, "must name at least one cluster").optional(),
    /** Ordered groups (Karmada clusterAffinities): the scheduler uses the first group that fits, the next when it fails. */
    failover: z.array(z.array(dnsLabel).min(1, "a failover group must name at least one cluster")).min(1, "must list at least one group").optional(),
    replicas: z
        .discriminatedUnion("divide", [
            /** Every selected cluster runs the full replica count. */
            z.strictObject({ divide: z.literal("duplicate") }),
            /** Replicas split by fixed weights per cluster. */
            z.strictObject({ divide: z.literal("static"), weights: mapping(dnsLabel, z.number().int().positive("a weight must be a positive integer")) }),
            /** Replicas split by each cluster's available capacity (dynamicWeight: AvailableReplicas). */
            z.strictObject({ divide: z.literal("dynamic") }),
        ])
        .prefault({ divide: "duplicate" }),
    /** Spread over this many regions / providers at least (Karmada spreadConstraints). */
    spread: z
        .strictObject({
            by: z.enum(["region", "provider"]),
            minGroups: z.number().int().min(1).default(2),
            maxGroups: z.number().int().min(1).optional(),
        })
        .optional(),
});

const overrideRule = z.strictObject({
    clusters: z.array(dnsLabel).min(1, "must name at least one cluster"),
    /** Pull images from this registry in these clusters (the registry part of every image is replaced). */
    imageRegistry: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/, "must be a registry host[:port][/path]")
        .optional(),
    /** Replica count in these clusters (spec.replicas). */
    replicas: z.number().int().min(0).optional(),
    /** Labels added to the workload in these clusters. */
    labels: labels.optional(),
});

const overridePolicy = z.strictObject({
    name: dnsLabel,
    namespace: dnsLabel,
    resources: z.array(resourceRef).min(1, "must select at least one resource"),
    rules: z.array(overrideRule).min(1, "must have at least one rule"),
});

export const federationSchema = z
    .strictObject({
        /** The hub (which hosts Karmada) is a member cluster too. */
        hubIsMember: z.boolean().default(true),
        /** How members and Pulumi reach karmada-apiserver; the certificate names these. */
        apiServer: z
            .strictObject({
                /** A DNS name that resolves to the API server's load balancer (required on an eks/ack hub). */
                dnsName: hostname.optional(),
                /** The load balancer address requested from the IDC's LoadBalancer range (required on an idc hub). */
                address: ipv4.optional(),
            })
            .prefault({}),
        etcd: z
            .strictObject({
                /** Members of karmada's etcd, one per node; 1 only outside prod. */
                replicas: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: "must be 1, 3 or 5" }).default(3),
                storageClass: dnsSubdomain.optional(),
                size: z
                    .string()
                    .regex(/^[1-9][0-9]*(Gi|Ti)$/, 'must be a size like "20Gi"')
                    .default("20Gi"),
            })
            .prefault({}),
        /** Cluster failover: a cluster NotReady is tainted NoExecute and its workloads move to other clusters. */
        failover: z
            .strictObject({
                enabled: z.boolean().default(false),
                /** Gracefully: start the workloads elsewhere before removing them; Directly: remove first. */
                purgeMode: z.enum(["Gracefully", "Directly"]).default("Gracefully"),
            })
            .prefault({}),
        policies: z.array(placementPolicy).default([]),
        overrides: z.array(overridePolicy).default([]),
    })
    .prefault({});

export type FederationSpec = z.output<typeof federationSchema>;
export type PlacementPolicySpec = FederationSpec["policies"][number];
export type OverridePolicySpec = FederationSpec["overrides"][number];

/** What the federation rules read of the fleet. */
export interface FederationFleet {
    environment: string;
    hub: string;
    federation: FederationSpec;
    links: { between: readonly [string, string] | string[] }[];
    transit: string[];
    clusters: {
        name: string;
        provider: "idc" | "eks" | "ack";
        region: string;
        network: { podCidr: string; serviceCidr: string; tenants: readonly { namespace: string }[] };
        federation: { syncMode: "Push" | "Pull" };
    }[];
}

/** The member clusters: every cluster, the hub unless `hubIsMember: false`. */
export function federationMembers<F extends Pick<FederationFleet, "hub" | "federation" | "clusters">>(fleet: F): F["clusters"] {
    return fleet.clusters.filter((c) => c.name !== fleet.hub || fleet.federation.hubIsMember) as F["clusters"];
}

/** The names of the clusters among `members` that list `namespace` as a tenant. */
export function tenantMembers(members: readonly Pick<FederationFleet["clusters"][number], "name" | "network">[], namespace: string): string[] {
    return members.filter((m) => m.network.tenants.some((t) => t.namespace === namespace)).map((m) => m.name);
}

export function federationRules(fleet: FederationFleet): Violation[] {
    const out: Violation[] = [];
    const f = fleet.federation;
    const at = ["federation"];
    const members = federationMembers(fleet);
    const memberNames = new Set(members.map((m) => m.name));
    const hubIndex = fleet.clusters.findIndex((c) => c.name === fleet.hub);
    const hub = fleet.clusters[hubIndex];

    fleet.clusters.forEach((c, i) => {
        if (memberNames.has(c.name) && c.name.length > KARMADA_CLUSTER_NAME_MAX) {
            out.push({
                path: ["clusters", i, "name"],
                rule: `a Karmada member's name is at most ${KARMADA_CLUSTER_NAME_MAX} characters (got ${c.name.length})`,
            });
        }
    });

    if (fleet.environment === "prod" && f.etcd.replicas < 3) {
        out.push({ path: [...at, "etcd", "replicas"], rule: `must be 3 or 5 in prod (got ${f.etcd.replicas}): one member is lost with its node` });
    }
    if (hub) {
        // The certificate and every member's kubeconfig name one stable address of the API server's load balancer.
        if (hub.provider === "idc" && !f.apiServer.address) {
            out.push({
                path: [...at, "apiServer", "address"],
                rule: `is required on an idc hub (${hub.name}): the LoadBalancer address karmada-apiserver takes from the IDC's range`,
            });
        }
        if (hub.provider !== "idc" && !f.apiServer.dnsName) {
            out.push({
                path: [...at, "apiServer", "dnsName"],
                rule: `is required on an ${hub.provider} hub (${hub.name}): the cloud assigns the internal load balancer's address, so members use a DNS name pointed at it`,
            });
        }
        // A LoadBalancer address is routed to the hub's nodes; inside a pod or service range it would be shadowed.
        const address = f.apiServer.address ? parseIp(f.apiServer.address) : undefined;
        // On an IDC hub the address comes from the range the CNI announces for LoadBalancer Services.
        const lbRange = hub.provider === "idc" ? (hub.network as { loadBalancerCidr?: string }).loadBalancerCidr : undefined;
        if (address !== undefined && lbRange && !contains(cidr(lbRange), address)) {
            out.push({
                path: [...at, "apiServer", "address"],
                rule: `${f.apiServer.address} is not inside the hub's network.loadBalancerCidr ${lbRange}: the load balancer could not take it`,
            });
        }
        if (address !== undefined) {
            fleet.clusters.forEach((c, i) => {
                for (const key of ["podCidr", "serviceCidr"] as const) {
                    if (contains(cidr(c.network[key]), address)) {
                        out.push({
                            path: [...at, "apiServer", "address"],
                            rule: `${f.apiServer.address} is inside clusters[${i}].network.${key} ${c.network[key]}`,
                        });
                    }
                }
            });
        }
        // Push: karmada-controller-manager on the hub calls the member's API; Pull: the agent calls karmada-apiserver.
        out.push(
            ...reachabilityViolations(
                fleet,
                fleet.clusters.flatMap((c, i) => {
                    if (!memberNames.has(c.name) || c.name === fleet.hub) return [];
                    const path = ["clusters", i, "federation", "syncMode"];
                    return c.federation.syncMode === "Push"
                        ? [
                              {
                                  from: fleet.hub,
                                  to: c.name,
                                  layer: "federation (Push: karmada-controller-manager on the hub calls the member's API server)",
                                  path,
                              },
                          ]
                        : [{ from: c.name, to: fleet.hub, layer: "federation (Pull: the member's karmada-agent calls karmada-apiserver on the hub)", path }];
                }),
            ),
        );
    }

    const member = (name: string, path: (string | number)[]) => {
        if (memberNames.has(name)) return;
        const known = fleet.clusters.some((c) => c.name === name);
        out.push({
            path,
            rule: known ? `${name} is not a federation member (the hub is not a member: hubIsMember is false)` : `${name} is not the name of a cluster`,
        });
    };
    const policyNames = new Map<string, number>();
    f.policies.forEach((p, i) => {
        const pat = [...at, "policies", i];
        const key = `${p.namespace ?? ""}/${p.name}`;
        if (policyNames.has(key)) out.push({ path: [...pat, "name"], rule: `duplicates federation.policies[${policyNames.get(key)}] (${p.name})` });
        else policyNames.set(key, i);
        if (p.resources.length === 0 && p.namespaces.length === 0) out.push({ path: pat, rule: "must select resources or namespaces" });
        if (p.resources.length > 0 && p.namespaces.length > 0)
            out.push({ path: pat, rule: "selects either named resources (a PropagationPolicy) or namespaces (a ClusterPropagationPolicy), not both" });
        if (p.resources.length > 0 && !p.namespace)
            out.push({ path: [...pat, "namespace"], rule: "is required with resources (the namespace the named workloads are in)" });
        if (p.namespaces.length > 0 && p.namespace)
            out.push({ path: [...pat, "namespace"], rule: "is not used with namespaces (a ClusterPropagationPolicy is cluster-scoped)" });
        if (p.clusters && p.failover)
            out.push({ path: [...pat, "failover"], rule: "is exclusive with clusters (Karmada: clusterAffinities cannot co-exist with clusterAffinity)" });
        p.clusters?.forEach((c, j) => member(c, [...pat, "clusters", j]));
        p.failover?.forEach((group, g) => group.forEach((c, j) => member(c, [...pat, "failover", g, j])));
        const placed = p.clusters ?? (p.failover ? [...new Set(p.failover.flat())] : [...memberNames]);
        // A tenant's namespace is the tenant layer's on every member that lists it (its baseline:
        // Pod Security labels, quota, network policies); Karmada only brings workloads into it.
        const placedMembers = placed.filter((c) => memberNames.has(c));
        p.namespaces.forEach((ns, j) => {
            const tenantOn = tenantMembers(members, ns);
            const owned = placedMembers.filter((c) => tenantOn.includes(c));
            if (owned.length > 0)
                out.push({
                    path: [...pat, "namespaces", j],
                    rule: `${ns} is a tenant on ${owned.join(", ")}: the tenant layer makes that namespace there, and Karmada applies nothing over an object it did not create (taking it over would replace the tenant's labels); propagate the workloads in it with a policy of resources`,
                });
        });
        if (p.namespace && p.resources.length > 0) {
            const ns = p.namespace;
            const tenantAnywhere = tenantMembers(members, ns);
            const missing = placedMembers.filter((c) => !tenantAnywhere.includes(c));
            if (tenantAnywhere.length > 0 && missing.length > 0)
                out.push({
                    path: [...pat, "namespace"],
                    rule: `${ns} is a tenant on ${tenantAnywhere.join(", ")} but not on ${missing.join(", ")}, where this policy may place its workloads: Karmada does not copy a tenant's namespace to members, so it would not exist there; add the tenant to those clusters or keep the policy off them`,
                });
        }
        if (p.replicas.divide === "static") {
            const weighted = Object.keys(p.replicas.weights);
            if (weighted.length === 0) out.push({ path: [...pat, "replicas", "weights"], rule: "must give at least one cluster a weight" });
            for (const c of weighted) {
                member(c, [...pat, "replicas", "weights", c]);
                if (memberNames.has(c) && !placed.includes(c))
                    out.push({ path: [...pat, "replicas", "weights", c], rule: `${c} is not one of the policy's clusters` });
            }
        }
        if (p.spread) {
            if (p.spread.maxGroups !== undefined && p.spread.maxGroups < p.spread.minGroups) {
                out.push({ path: [...pat, "spread", "maxGroups"], rule: `must be at least minGroups (${p.spread.minGroups})` });
            }
            const groupOf = (name: string) => {
                const c = fleet.clusters.find((x) => x.name === name);
                return p.spread!.by === "provider" ? c?.provider : c?.region;
            };
            // The scheduler applies the spread to each failover group on its own: each must span enough groups.
            const sets = p.failover
                ? p.failover.map((g, i) => ({ what: `failover group ${i}`, clusters: g }))
                : [{ what: "the policy's clusters", clusters: placed }];
            for (const set of sets) {
                const groups = new Set(set.clusters.filter((c) => memberNames.has(c)).map(groupOf));
                if (groups.size < p.spread.minGroups) {
                    out.push({
                        path: [...pat, "spread", "minGroups"],
                        rule: `${set.what} span ${groups.size} ${p.spread.by}(s), fewer than ${p.spread.minGroups}`,
                    });
                }
            }
        }
    });

    f.overrides.forEach((o, i) => {
        const pat = [...at, "overrides", i];
        o.rules.forEach((r, j) => {
            r.clusters.forEach((c, k) => member(c, [...pat, "rules", j, "clusters", k]));
            if (r.imageRegistry === undefined && r.replicas === undefined && r.labels === undefined) {
                out.push({ path: [...pat, "rules", j], rule: "must override something (imageRegistry, replicas or labels)" });
            }
        });
    });
    return out;
}
