// The mesh's spec: the fleet's mesh (id, trust domain, CA lifetimes, locality failover hosts) and
// each cluster's membership (network, on/off, intermediate CA generation, east-west gateway,
// tenant namespaces that join), and the rules that keep one mesh consistent across sites.
import { z } from "zod";
import { ISTIO, istioSupports } from "../../components/mesh/versions";
// Schemas are built from common.ts's building blocks handed in (common.ts hooks the cluster part
// in, so a runtime import of common.ts here would be circular).
import { mapping } from "./mapping";
import type { Violation } from "./violation";
import { pathsOver, reachabilityViolations, type Reachability, type ReachabilityNeed } from "./reachability";

/** A Go/Envoy duration as Istio's API takes it, e.g. "30s", "1m", "500ms". */
const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'must be a duration like "30s", "1m" or "500ms"');

/** A service host as DestinationRule.spec.host takes it: a DNS name, e.g. search-api.search.svc.cluster.local. */
const serviceHost = z
    .string()
    .max(253)
    .regex(
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
        "must be a fully qualified service host like search-api.search.svc.cluster.local",
    );

type Blocks = { dnsLabel: z.ZodString; labels: z.ZodType<Record<string, string>> };

/** What the mesh rules read of a validated fleet (the FleetSpec satisfies it). */
interface MeshFleet extends Reachability {
    mesh: { localityFailover: { host: string }[] };
    clusters: {
        name: string;
        kubernetesVersion: string;
        network: { tenants: { namespace: string }[] };
        mesh: { enabled: boolean; network: string; injection: Record<string, unknown> };
    }[];
}

export const fleetMeshSchema = ({ dnsLabel }: Pick<Blocks, "dnsLabel">) =>
    z.strictObject({
        /** Istio mesh id shared by every cluster. */
        id: dnsLabel,
        /** SPIFFE trust domain of every workload (meshConfig.trustDomain). */
        trustDomain: z
            .string()
            .max(253)
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a DNS name like acme.internal (a SPIFFE trust domain)")
            .default("cluster.local"),
        ca: z
            .strictObject({
                /** The root's lifetime; Istio's tools/certs uses 10 years. */
                rootValidityDays: z
                    .number()
                    .int()
                    .min(365)
                    .max(3650 * 2)
                    .default(3650),
                /** Each cluster's intermediate; re-issued on the first `pulumi up` within 30 days of expiry. */
                intermediateValidityDays: z.number().int().min(60).max(3650).default(730),
            })
            .prefault({}),
        /** Hosts whose traffic prefers the caller's locality and ejects failing endpoints (a DestinationRule in every member). */
        localityFailover: z
            .array(
                z.strictObject({
                    host: serviceHost,
                    consecutive5xxErrors: z.number().int().min(1).max(100).default(3),
                    interval: duration.default("30s"),
                    baseEjectionTime: duration.default("60s"),
                }),
            )
            .default([]),
    });

export const clusterMeshSchema = ({ dnsLabel, labels }: Blocks) =>
    z.strictObject({
        /** Istio network name: clusters on one flat network share it; others reach each other via east-west gateways. */
        network: dnsLabel,
        /** false leaves the cluster out of the mesh (no istiod, no remote secrets to or from it). */
        enabled: z.boolean().default(true),
        /** Bump to rotate the cluster's intermediate CA (a new key and certificate, signed by the same root). */
        caGeneration: z.number().int().min(1).default(1),
        /** Tenant namespaces (network.tenants) that join the mesh, and how: sidecar injection or ambient. */
        injection: mapping(dnsLabel, z.enum(["sidecar", "ambient"])).default({}),
        eastWestGateway: z
            .strictObject({
                /** Minimum replicas (the chart's HPA scales above it). */
                replicas: z.number().int().min(1).max(10).default(2),
                /** IDC without a LoadBalancer range: the nodes whose addresses front the NodePort gateway. */
                nodeSelector: labels.default({ "kubernetes.io/os": "linux" }),
            })
            .prefault({}),
    });
export type FleetMeshSpec = z.output<ReturnType<typeof fleetMeshSchema>>;
export type ClusterMeshSpec = z.output<ReturnType<typeof clusterMeshSchema>>;

/**
 * The mesh's cross-field rules: the pinned Istio supports every member's Kubernetes version;
 * clusters sharing a network are routed to each other (one flat network); every istiod reaches
 * every other member's API server and east-west gateway over the links; injected namespaces are
 * tenants of their cluster; locality hosts are unique.
 */
export function meshRules(fleet: MeshFleet): Violation[] {
    const out: Violation[] = [];
    const members = fleet.clusters.map((c, i) => ({ c, i })).filter(({ c }) => c.mesh.enabled);
    for (const { c, i } of fleet.clusters.map((c, i) => ({ c, i }))) {
        const at = ["clusters", i, "mesh"];
        const tenants = new Set(c.network.tenants.map((t) => t.namespace));
        for (const ns of Object.keys(c.mesh.injection)) {
            if (!c.mesh.enabled) out.push({ path: [...at, "injection", ns], rule: `${c.name} is not in the mesh (mesh.enabled is false)` });
            else if (!tenants.has(ns)) out.push({ path: [...at, "injection", ns], rule: `${ns} is not a tenant of ${c.name} (network.tenants)` });
        }
        if (c.mesh.enabled && !istioSupports(c.kubernetesVersion)) {
            out.push({
                path: ["clusters", i, "kubernetesVersion"],
                rule: `Istio ${ISTIO.version} (the mesh) supports Kubernetes 1.${ISTIO.kubernetes.minMinor} to 1.${ISTIO.kubernetes.maxMinor}, not ${c.kubernetesVersion}: leave the cluster out of the mesh (mesh.enabled: false) or move it to a supported version`,
            });
        }
    }
    // One network = one flat network: endpoints are reached directly, pod to pod, so the pods of
    // two clusters on one network must be routed to each other over a link.
    const pathBetween = pathsOver(fleet);
    members.forEach(({ c: b, i: j }, k) => {
        for (const { c: a } of members.slice(0, k)) {
            if (a.mesh.network === b.mesh.network && !pathBetween(a.name, b.name)) {
                out.push({
                    path: ["clusters", j, "mesh", "network"],
                    rule: `${b.mesh.network} is also the network of ${a.name}, but no declared link routes their pods to each other: give them distinct networks (east-west gateways) or link them`,
                });
            }
        }
    });
    // Multi-primary: every istiod watches every other member's API server and sends cross-network
    // traffic to its east-west gateway.
    const needs: ReachabilityNeed[] = members.flatMap(({ c: a, i }) =>
        members
            .filter(({ c: b }) => b.name !== a.name)
            .map(({ c: b }) => ({
                from: a.name,
                to: b.name,
                layer: "mesh (istiod watches its API server and east-west gateway)",
                path: ["clusters", i, "mesh"],
            })),
    );
    out.push(...reachabilityViolations(fleet, needs));
    const hosts = new Map<string, number>();
    fleet.mesh.localityFailover.forEach((h, k) => {
        if (hosts.has(h.host))
            out.push({ path: ["mesh", "localityFailover", k, "host"], rule: `${h.host} is already listed by localityFailover[${hosts.get(h.host)}]` });
        else hosts.set(h.host, k);
    });
    return out;
}
