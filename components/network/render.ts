// Pure renderers for cluster networking: the Calico operator's custom resources, the Cilium Helm
// values and the tenant baseline objects. Spec in, plain Kubernetes objects out; the components
// (calico.ts, cilium.ts, tenants.ts) only wire them to resources.
import type { EksClusterShape as EksClusterSpec } from "../eks/types";
import type { IdcClusterShape as IdcClusterSpec } from "../idc/types";
import { cidr } from "../core/cidr";
import { CalicoOptions, ciliumRouting, defaultPoolCidr, labelSelectorOf, TenantSpec } from "./options";
import { subnetTags, systemTolerations } from "../eks/render";

// ---------------------------------------------------------------------------------------------
// Versions, pinned

/**
 * Calico v3.32.1. Since v3.32 the CRDs ship in their own chart, installed before the operator
 * (projectcalico/calico#12864: "the CRDs were moved into the separate crd.projectcalico.org.v1
 * chart in v3.32"); the operator chart pins tigera/operator v1.42.3.
 */
export const CALICO = {
    repo: "https://docs.tigera.io/calico/charts",
    version: "v3.32.1",
    crdChart: "crd.projectcalico.org.v1",
    operatorChart: "tigera-operator",
    namespace: "tigera-operator",
} as const;

/**
 * Cilium 1.19.6 (the 1.19 line's patch release of 2026-07-21, github.com/cilium/cilium/releases)
 * from its Helm repository; the agent runs in kube-system (Cilium docs, "Installation using Helm").
 */
export const CILIUM = { repo: "https://helm.cilium.io", chart: "cilium", version: "1.19.6", namespace: "kube-system" } as const;

/**
 * The ConfigMap (and its key) holding the CNI configuration of EKS Cilium nodes. The chart's `eni`
 * block has no per-node subnet selection in 1.19 (only the cluster-wide subnetTagsFilter, which
 * also filters the node's own first ENI), so the ENI settings go through a custom CNI configuration
 * (Cilium docs, "AWS ENI" > "Create a CNI configuration"; the custom CNI configuration wins over
 * Helm values where both set a field). Only `cni.configMap` is set: with it the 1.19 chart's
 * cilium-config reads the file (read-cni-conf) and still writes the conflist exclusively
 * (write-cni-conf-when-ready, cni-exclusive), which removes a leftover VPC CNI config; adding
 * `cni.customConf` takes the chart's legacy (<= 1.13) branch, which drops cni-exclusive.
 */
export const CILIUM_CNI_CONFIG = { name: "cilium-cni-configuration", key: "cni-config" } as const;

// ---------------------------------------------------------------------------------------------
// Calico

/**
 * Which API group the program writes Calico objects in: projectcalico.org/v3, served by the Calico
 * API server (the operator runs it when an operator.tigera.io APIServer exists). That is Calico's
 * user-facing API with its validation and defaulting; crd.projectcalico.org/v1 is the raw backing
 * store and writing it directly bypasses both (Calico docs, "Calico API server"). The native v3
 * CRDs are tech preview in v3.32, so production stays on the GA aggregated API server.
 */
export const CALICO_API = "projectcalico.org/v3";
export const OPERATOR_API = "operator.tigera.io/v1";

/** The operator only accepts an Installation and an APIServer named `default` (CEL rules of their CRDs). */
export const CALICO_SINGLETON = "default";

/** Encapsulation of the pools: None for routed BGP in an IDC, VXLANCrossSubnet elsewhere (issue 7). */
export function calicoEncapsulation(site: "idc" | "eks", calico: CalicoOptions): string {
    return calico.encapsulation ?? (site === "idc" ? "None" : "VXLANCrossSubnet");
}

export interface CalicoPool {
    name: string;
    cidr: string;
    blockSize: number;
    encapsulation: string;
    natOutgoing: "Enabled" | "Disabled";
    nodeSelector: string;
    assignmentMode: "Automatic" | "Manual";
}

/**
 * Every pool of an IDC cluster: the default pool, then the spec's business pools. Business pools
 * are Manual: Calico hands out their addresses only to pods whose pod or namespace annotation
 * names the pool (IPPool CRD assignmentMode, Automatic | Manual), so no other pod on the selected
 * nodes takes one of them; the tenant namespaces that use a pool carry that annotation.
 */
export function calicoPools(spec: IdcClusterSpec): CalicoPool[] {
    const calico = spec.network.calico;
    const common = { encapsulation: calicoEncapsulation("idc", calico), natOutgoing: calico.natOutgoing ? "Enabled" : "Disabled" } as const;
    return [
        {
            name: "default-ipv4-ippool",
            cidr: defaultPoolCidr(spec),
            blockSize: calico.blockSize,
            nodeSelector: "all()",
            assignmentMode: "Automatic",
            ...common,
        },
        ...calico.ipPools.map((p) => ({
            name: p.name,
            cidr: p.cidr,
            blockSize: p.blockSize ?? calico.blockSize,
            nodeSelector: p.nodeSelector,
            assignmentMode: "Manual" as const,
            ...common,
        })),
    ];
}

/**
 * The operator's Installation. IDC: Calico CNI and IPAM, the pools listed here (the operator
 * creates and reconciles the pools of its Installation), BGP on, node addresses from the node
 * network. EKS: policy only on top of the VPC CNI (Calico docs, "Amazon EKS": kubernetesProvider
 * EKS, cni.type AmazonVPC), so no Calico pools and no BGP.
 */
export function calicoInstallation(spec: IdcClusterSpec | EksClusterSpec) {
    const base = { apiVersion: OPERATOR_API, kind: "Installation", metadata: { name: CALICO_SINGLETON } };
    if (spec.provider === "eks") {
        return {
            ...base,
            spec: {
                variant: "Calico",
                kubernetesProvider: "EKS",
                cni: { type: "AmazonVPC" },
                calicoNetwork: { bgp: "Disabled" },
                serviceCIDRs: [spec.network.serviceCidr],
            },
        };
    }
    return {
        ...base,
        spec: {
            variant: "Calico",
            cni: { type: "Calico", ipam: { type: "Calico" } },
            calicoNetwork: {
                bgp: "Enabled",
                ipPools: calicoPools(spec),
                // Peer and route from the address on the node network, not whatever NIC comes first.
                nodeAddressAutodetectionV4: { cidrs: [spec.network.nodeCidr] },
            },
            serviceCIDRs: [spec.network.serviceCidr],
        },
    };
}

/**
 * The Calico API server, which serves projectcalico.org/v3. Pulumi waits until the operator
 * reports it Ready (pulumi-kubernetes `pulumi.com/waitFor`), so that v3 objects apply after it.
 */
export function calicoApiServer() {
    return {
        apiVersion: OPERATOR_API,
        kind: "APIServer",
        metadata: { name: CALICO_SINGLETON, annotations: { "pulumi.com/waitFor": "jsonpath={.status.state}=Ready" } },
        spec: {},
    };
}

/** Values of the tigera-operator chart: the program declares the Installation and APIServer itself. */
export function tigeraOperatorValues(apiServer: { host: string; port: number }) {
    return {
        installation: { enabled: false },
        apiServer: { enabled: false },
        // Flow aggregation and its UI are opt-in here: not part of the secure minimal install.
        goldmane: { enabled: false },
        whisker: { enabled: false },
        // The operator and calico-node reach the API through the HA endpoint, not through kube-proxy
        // (tigera-operator chart values, kubernetesServiceEndpoint).
        kubernetesServiceEndpoint: { host: apiServer.host, port: String(apiServer.port) },
    };
}

/**
 * The cluster-wide BGP settings: the AS, the node-to-node mesh off when the nodes peer with the
 * racks' switches instead (Calico docs, "Configure BGP peering": disable the full mesh with ToR
 * peering), and the service CIDR advertised so that the racks route to ClusterIPs.
 */
export function bgpConfiguration(spec: IdcClusterSpec) {
    const bgp = spec.network.calico.bgp!;
    return {
        apiVersion: CALICO_API,
        kind: "BGPConfiguration",
        metadata: { name: CALICO_SINGLETON },
        spec: {
            asNumber: bgp.asNumber,
            nodeToNodeMeshEnabled: bgp.peers.length === 0,
            serviceClusterIPs: [{ cidr: spec.network.serviceCidr }],
            // The LoadBalancer range: each node announces the Service addresses taken from it
            // (Calico docs, "Advertise Kubernetes service IP addresses": serviceLoadBalancerIPs).
            ...(spec.network.loadBalancerCidr ? { serviceLoadBalancerIPs: [{ cidr: spec.network.loadBalancerCidr }] } : {}),
            logSeverityScreen: "Info",
        },
    };
}

/** The Calico pool LoadBalancer Services take addresses from. */
export const CALICO_LB_POOL = "loadbalancer-ipv4-ippool";

/**
 * The pool of the cluster's LoadBalancer range, or undefined without one (Calico docs, "LoadBalancer
 * IP address management"): allowedUses LoadBalancer only (the CRD rejects it combined with
 * Workload or Tunnel, and with IPIP or VXLAN), so pods and tunnels never take its addresses;
 * Automatic, so calico-kube-controllers (the operator enables its loadbalancer controller,
 * ENABLED_CONTROLLERS node,loadbalancer) gives every LoadBalancer Service an address, and a Service
 * may still ask for one (`projectcalico.org/loadBalancerIPs`). Its blocks get a virtual affinity,
 * not a node's, so nodeSelector plays no part and stays all() as in Calico's own LoadBalancer tests.
 * BGP export stays on: disableBGPExport filters every route inside the pool, which would also drop
 * the Service addresses the BGPConfiguration announces. A block is at most the whole range
 * (blockSize 20 to 32, the pool at least one block).
 */
export function calicoLoadBalancerPool(spec: IdcClusterSpec) {
    const lb = spec.network.loadBalancerCidr;
    if (!lb) return undefined;
    return {
        apiVersion: CALICO_API,
        kind: "IPPool",
        metadata: { name: CALICO_LB_POOL },
        spec: {
            cidr: lb,
            blockSize: Math.max(26, cidr(lb).prefix),
            allowedUses: ["LoadBalancer"],
            assignmentMode: "Automatic",
            ipipMode: "Never",
            vxlanMode: "Never",
            natOutgoing: false,
            disableBGPExport: false,
            nodeSelector: "all()",
        },
    };
}

/** One BGPPeer per spec peer: global, or for the nodes its selector picks (e.g. one rack). */
export function bgpPeers(spec: IdcClusterSpec) {
    return (spec.network.calico.bgp?.peers ?? []).map((p) => ({
        apiVersion: CALICO_API,
        kind: "BGPPeer",
        metadata: { name: p.name },
        spec: { peerIP: p.peerIp, asNumber: p.asNumber, ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}) },
    }));
}

/**
 * Strict IPAM affinity: a node never borrows addresses from another node's block, so each node
 * announces only its own blocks to the racks (Calico docs, "IPAMConfiguration": strictAffinity).
 */
export function ipamConfiguration() {
    return { apiVersion: CALICO_API, kind: "IPAMConfiguration", metadata: { name: CALICO_SINGLETON }, spec: { strictAffinity: true } };
}

// ---------------------------------------------------------------------------------------------
// Cilium

export interface CiliumContext {
    /** The HA API endpoint (VIP or managed endpoint): kube-proxy replacement talks to it, never to one node. */
    apiServer: { host: string; port: number };
}

/**
 * Helm values of the Cilium chart. Both sites: kube-proxy replacement, Hubble with its relay, the
 * cluster's name and mesh id. IDC: native routing with cluster-pool IPAM on the pod CIDR, either
 * between nodes of one L2 segment (routing directRoutes: autoDirectNodeRoutes) or through the
 * racks' switches (routing bgp: the BGP control plane announces each node's pod CIDR, the nodes'
 * default gateway routes it; Cilium docs, "Routing", native routing). EKS: ENI mode, pods on the pod
 * subnets (Cilium docs, "Installation using Helm", EKS: eni.enabled, ipam.mode eni,
 * egressMasqueradeInterfaces eth+, routingMode native).
 */
export function ciliumValues(spec: IdcClusterSpec | EksClusterSpec, ctx: CiliumContext) {
    const common = {
        cluster: { name: spec.name, id: spec.network.cilium.clusterId },
        kubeProxyReplacement: true,
        k8sServiceHost: ctx.apiServer.host,
        k8sServicePort: ctx.apiServer.port,
        hubble: {
            enabled: true,
            relay: { enabled: true },
            // Certificates from a CronJob, not regenerated by every `helm upgrade` (Cilium docs, "Hubble TLS": auto.method cronJob).
            tls: { enabled: true, auto: { enabled: true, method: "cronJob" } },
        },
        operator: { replicas: 2 },
        routingMode: "native",
    };
    if (spec.provider === "eks") {
        return {
            ...common,
            eni: { enabled: true },
            ipam: { mode: "eni" },
            egressMasqueradeInterfaces: "eth+",
            // The pods' ENI settings (pod subnets, first interface) from ciliumEniCniConfig.
            cni: { configMap: CILIUM_CNI_CONFIG.name, configMapKey: CILIUM_CNI_CONFIG.key },
            // The operator tolerates every taint by default (chart operator.tolerations [{operator:
            // Exists}]); the relay and the Hubble certificate Job default to none, but before Karpenter
            // runs (it needs pod networking) only the CriticalAddonsOnly system nodes exist.
            hubble: { ...common.hubble, relay: { ...common.hubble.relay, tolerations: systemTolerations } },
            certgen: { tolerations: systemTolerations },
        };
    }
    const bgp = ciliumRouting(spec) === "bgp";
    return {
        ...common,
        autoDirectNodeRoutes: !bgp,
        ...(bgp
            ? {
                  bgpControlPlane: { enabled: true },
                  // ClusterIPs are announced to the racks (ciliumBgpAdvertisement); with kube-proxy
                  // replacement they answer outside traffic only with this on (Cilium docs, "External
                  // Access To ClusterIP Services").
                  bpf: { lbExternalClusterIP: true },
              }
            : {}),
        ipv4NativeRoutingCIDR: spec.network.podCidr,
        ipam: {
            mode: "cluster-pool",
            operator: { clusterPoolIPv4PodCIDRList: [spec.network.podCidr], clusterPoolIPv4MaskSize: spec.network.cilium.nodeMaskSize },
        },
    };
}

/** The EKS pod subnets' selecting tag: the role tag the EKS VPC puts on them (components/eks/render.ts subnetTags "pods"). */
export function ciliumPodSubnetTags(cluster: string): Record<string, string> {
    const role = "hybrid-fleet.io/subnet-role";
    return { [role]: subnetTags(cluster, "pods")[role] };
}

/**
 * The CNI configuration of EKS Cilium nodes (Cilium docs, "AWS ENI" > "Create a CNI
 * configuration" and "ENI Allocation Parameters"): pods take addresses from ENIs in the subnets
 * carrying the pod-subnet tag (same VPC and zone as the node), and never from eth0, the node's
 * primary ENI in the node subnet (first-interface-index 1; 0 would put pods on the node subnet).
 */
export function ciliumEniCniConfig(spec: EksClusterSpec) {
    const conf = {
        cniVersion: "0.3.1",
        name: "cilium",
        plugins: [{ cniVersion: "0.3.1", type: "cilium-cni", eni: { "subnet-tags": ciliumPodSubnetTags(spec.name), "first-interface-index": 1 } }],
    };
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: CILIUM_CNI_CONFIG.name, namespace: CILIUM.namespace },
        data: { [CILIUM_CNI_CONFIG.key]: JSON.stringify(conf, null, 2) },
    };
}

/** Cilium's BGP resources: cilium.io/v2, the served and storage version of their CRDs in Cilium 1.19 (v2alpha1 is deprecated). */
export const CILIUM_API = "cilium.io/v2";
/** The one CiliumBGPPeerConfig every ToR peer uses. */
export const CILIUM_PEER_CONFIG = "tor";
/** The label that ties the peer config's ipv4 family to the advertisement. */
export const CILIUM_ADVERTISE_LABEL = { "hybrid-fleet.io/bgp-advertise": CILIUM_PEER_CONFIG } as const;

/**
 * The session settings of every ToR peer (Cilium docs, "BGP Control Plane Resources"):
 * - timers: the docs' datacenter recommendation, hold 9 s / keepalive 3 s (the minimum; the CRD
 *   defaults 90/30 take 90 s to notice a dead switch) and connectRetry 5 s for a fast reconnect
 *   (default 120);
 * - graceful restart with the default restartTime 120 s: a restarting agent keeps its routes on the
 *   switch while the datapath forwards (it must exceed the agent's boot time);
 * - ipv4 unicast only (unset, Cilium offers ipv4 and ipv6), announcing what the advertisement with
 *   CILIUM_ADVERTISE_LABEL selects (without one, nothing is announced).
 */
export function ciliumBgpPeerConfig() {
    return {
        apiVersion: CILIUM_API,
        kind: "CiliumBGPPeerConfig",
        metadata: { name: CILIUM_PEER_CONFIG },
        spec: {
            timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 5 },
            gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
            families: [{ afi: "ipv4", safi: "unicast", advertisements: { matchLabels: { ...CILIUM_ADVERTISE_LABEL } } }],
        },
    };
}

/**
 * What each node announces, as Calico's BGPConfiguration does: its own pod CIDR (cluster-pool IPAM:
 * advertisementType PodCIDR), and the service CIDR, aggregated from every Service's ClusterIP to the
 * service CIDR's prefix (Cilium docs, "Routing Aggregation"; without it every ClusterIP is a /32 per
 * node, straining the switches' ECMP tables). All Services: the docs' NotIn selector on a key no
 * Service carries. With a LoadBalancer range, also every Service's LoadBalancer address (from
 * ciliumLoadBalancerIpPool), not aggregated: each is its own /32, announced by the nodes with a
 * local endpoint under externalTrafficPolicy Local (Cilium docs, "Service Virtual IPs").
 */
export function ciliumBgpAdvertisement(spec: IdcClusterSpec) {
    const allServices = { matchExpressions: [{ key: "hybrid-fleet.io/never-set", operator: "NotIn", values: ["never-used-value"] }] };
    return {
        apiVersion: CILIUM_API,
        kind: "CiliumBGPAdvertisement",
        metadata: { name: "pod-and-service-cidrs", labels: { ...CILIUM_ADVERTISE_LABEL } },
        spec: {
            advertisements: [
                { advertisementType: "PodCIDR" },
                {
                    advertisementType: "Service",
                    service: { addresses: ["ClusterIP"], aggregationLengthIPv4: cidr(spec.network.serviceCidr).prefix },
                    selector: allServices,
                },
                ...(spec.network.loadBalancerCidr ? [{ advertisementType: "Service", service: { addresses: ["LoadBalancerIP"] }, selector: allServices }] : []),
            ],
        },
    };
}

/** The Cilium pool LoadBalancer Services take addresses from. */
export const CILIUM_LB_POOL = "loadbalancer";

/**
 * Cilium's LB IPAM pool of the cluster's LoadBalancer range, or undefined without one (Cilium docs,
 * "LoadBalancer IP Address Management": LB IPAM is always on and wakes up with the first pool, no
 * chart value; cilium.io/v2 is the served and storage version of the 1.19 CRD). No serviceSelector:
 * every LoadBalancer Service takes an address, and a Service may ask for one (`lbipam.cilium.io/ips`).
 * allowFirstLastIPs No: the range's first and last addresses are reserved (unset means Yes, CRD
 * description), since some clients drop traffic to an address ending in .0 or .255.
 */
export function ciliumLoadBalancerIpPool(spec: IdcClusterSpec) {
    const lb = spec.network.loadBalancerCidr;
    if (!lb) return undefined;
    return {
        apiVersion: CILIUM_API,
        kind: "CiliumLoadBalancerIPPool",
        metadata: { name: CILIUM_LB_POOL },
        spec: { blocks: [{ cidr: lb }], allowFirstLastIPs: "No" },
    };
}

/**
 * One CiliumBGPClusterConfig per distinct peer nodeSelector (a cluster config has one nodeSelector
 * for all its peers), named after its first peer; a peer without nodeSelector is global. Each has
 * one BGP instance with the cluster's AS and its peers, all on the shared peer config. The spec
 * rules keep the groups disjoint (stacks/spec/idc.ts) and every selector translatable.
 */
export function ciliumBgpClusterConfigs(spec: IdcClusterSpec) {
    const bgp = spec.network.cilium.bgp;
    if (!bgp) return [];
    const groups = new Map<string, typeof bgp.peers>();
    for (const p of bgp.peers) groups.set(p.nodeSelector ?? "", [...(groups.get(p.nodeSelector ?? "") ?? []), p]);
    return [...groups].map(([selector, peers]) => {
        const nodeSelector = selector === "" ? undefined : labelSelectorOf(selector);
        if (selector !== "" && nodeSelector === undefined) throw new Error(`nodeSelector ${selector} has no label-selector form (the spec rules reject it)`);
        return {
            apiVersion: CILIUM_API,
            kind: "CiliumBGPClusterConfig",
            metadata: { name: `bgp-${peers[0].name}` },
            spec: {
                ...(nodeSelector ? { nodeSelector } : {}),
                bgpInstances: [
                    {
                        name: `instance-${bgp.asNumber}`,
                        localASN: bgp.asNumber,
                        peers: peers.map((p) => ({ name: p.name, peerAddress: p.peerIp, peerASN: p.asNumber, peerConfigRef: { name: CILIUM_PEER_CONFIG } })),
                    },
                ],
            },
        };
    });
}

// ---------------------------------------------------------------------------------------------
// Tenant baseline

const NAME_LABEL = "kubernetes.io/metadata.name";

function peerRule(p: TenantSpec["allowFrom"][number]) {
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
    const defaultDeny = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("default-deny"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
    const dns = {
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
    if (t.allowFrom.length > 0) {
        policies.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta("allow-from-peers"),
            spec: {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: t.allowFrom.map((p) => {
                    const r = peerRule(p);
                    return { from: r.peers, ...(r.ports ? { ports: r.ports } : {}) };
                }),
            } as any,
        });
    }
    if (t.allowTo.length > 0) {
        policies.push({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta("allow-to-peers"),
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: t.allowTo.map((p) => {
                    const r = peerRule(p);
                    return { to: r.peers, ...(r.ports ? { ports: r.ports } : {}) };
                }),
            } as any,
        });
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
