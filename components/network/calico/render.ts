// Pure renderers for Calico: the operator's chart values and custom resources, and the
// projectcalico.org/v3 objects of IDC BGP and IPAM. Spec in, plain Kubernetes objects out;
// calico.ts only wires them to resources.
import { cidr } from "../../core/cidr";
import type { EksClusterShape as EksClusterSpec } from "../../eks/types";
import type { IdcClusterShape as IdcClusterSpec } from "../../idc/types";
import { CalicoOptions, defaultPoolCidr } from "../options";

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

/** Encapsulation of the pools: None for routed BGP in an IDC, VXLANCrossSubnet elsewhere, unless the spec names one. */
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
