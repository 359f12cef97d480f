// Pure renderers for the tenant baseline: a tenant namespace's objects and the Calico pools it
// takes addresses from. Spec in, plain Kubernetes objects out; tenants.ts only wires them to resources.
import { CalicoOptions, TenantSpec } from "../options";

const NAME_LABEL = "kubernetes.io/metadata.name";

type Selector = { matchLabels: Record<string, string> };
interface PolicyPeer {
    namespaceSelector: Selector;
    podSelector: Selector;
}
interface PolicyPort {
    port: number;
    protocol: string;
}
/** A networking.k8s.io/v1 NetworkPolicy, as far as the baseline writes one. */
interface NetworkPolicy {
    apiVersion: "networking.k8s.io/v1";
    kind: "NetworkPolicy";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        podSelector: Record<string, never>;
        policyTypes: ("Ingress" | "Egress")[];
        ingress?: { from: PolicyPeer[]; ports?: PolicyPort[] }[];
        egress?: { to: PolicyPeer[]; ports?: PolicyPort[] }[];
    };
}

function peerRule(p: TenantSpec["allowFrom"][number]): { peers: PolicyPeer[]; ports?: PolicyPort[] } {
    return {
        ...(p.ports.length > 0 ? { ports: p.ports.map((x) => ({ port: x.port, protocol: x.protocol })) } : {}),
        peers: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: p.namespace } }, podSelector: { matchLabels: { ...p.podLabels } } }],
    };
}

/** Calico's namespace annotation naming the pools its pods take addresses from (Calico docs, "Use a specific IP address pool"). */
export const CALICO_POOLS_ANNOTATION = "cni.projectcalico.org/ipv4pools";

/** The Manual Calico pools whose spec names this tenant namespace (IDC Calico clusters only). */
export function tenantPools(spec: { provider: string; network: { cni: string; calico: CalicoOptions } }, namespace: string): string[] {
    if (spec.provider !== "idc" || spec.network.cni !== "calico") return [];
    return spec.network.calico.ipPools.filter((p) => p.namespaces.includes(namespace)).map((p) => p.name);
}

/** The baseline of one tenant namespace, in apply order: the namespace first; `pools` are the Calico pools it uses. */
export function tenantObjects(t: TenantSpec, pools: string[] = []) {
    const ns = t.namespace;
    const meta = (name: string) => ({ name, namespace: ns, labels: { "app.kubernetes.io/managed-by": "hybrid-fleet" } });
    const namespace = {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: ns,
            labels: {
                "app.kubernetes.io/managed-by": "hybrid-fleet",
                "hybrid-fleet.io/tenant": "true",
                "pod-security.kubernetes.io/enforce": t.podSecurity,
                "pod-security.kubernetes.io/enforce-version": "latest",
            },
            ...(pools.length > 0 ? { annotations: { [CALICO_POOLS_ANNOTATION]: JSON.stringify(pools) } } : {}),
        },
    };
    const defaultDeny: NetworkPolicy = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("default-deny"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
    const dns: NetworkPolicy = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("allow-dns"),
        spec: {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    };
    const policies = [defaultDeny, dns];
    const peers = (name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta(name),
        spec,
    });
    if (t.allowFrom.length > 0) {
        const ingress = t.allowFrom.map(peerRule).map((r) => ({ from: r.peers, ...(r.ports ? { ports: r.ports } : {}) }));
        policies.push(peers("allow-from-peers", { podSelector: {}, policyTypes: ["Ingress"], ingress }));
    }
    if (t.allowTo.length > 0) {
        const egress = t.allowTo.map(peerRule).map((r) => ({ to: r.peers, ...(r.ports ? { ports: r.ports } : {}) }));
        policies.push(peers("allow-to-peers", { podSelector: {}, policyTypes: ["Egress"], egress }));
    }
    const q = t.quota;
    const quota = {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: meta("tenant-quota"),
        spec: {
            hard: {
                "requests.cpu": q.requestsCpu,
                "requests.memory": q.requestsMemory,
                "limits.cpu": q.limitsCpu,
                "limits.memory": q.limitsMemory,
                pods: String(q.pods),
                "services.loadbalancers": String(q.servicesLoadBalancers),
                "services.nodeports": String(q.servicesNodePorts),
            },
        },
    };
    const d = t.containerDefaults;
    const limits = {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: meta("tenant-defaults"),
        spec: {
            limits: [
                { type: "Container", defaultRequest: { cpu: d.cpuRequest, memory: d.memoryRequest }, default: { cpu: d.cpuLimit, memory: d.memoryLimit } },
            ],
        },
    };
    return { namespace, policies, quota, limits };
}
