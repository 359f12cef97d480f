// Pure renderers of the mesh layer: Helm values, the Istio custom resources, the remote secrets'
// kubeconfigs and the tenant namespaces' mesh policy. Spec in, objects and text out; the
// components only wire them to resources. Sources: Istio's "Install Multi-Primary on different
// networks" and "Plug in CA certificates" guides, samples/multicluster/expose-services.yaml,
// istioctl's create-remote-secret (istioctl/pkg/multicluster/remote_secret.go) and tools/certs.
import * as YAML from "yaml";
import { ISTIO } from "./versions";

export const NS = ISTIO.namespace;
export type Site = "idc" | "eks" | "ack";
export type DataPlane = "sidecar" | "ambient";

/** The east-west gateway: the gateway chart's release, and the `istio` label its pods carry. */
export const EASTWEST = { release: "istio-eastwestgateway", label: "eastwestgateway" } as const;

/** What istioctl create-remote-secret names and reads (remote_secret.go). */
export const READER = {
    serviceAccount: "istio-reader-service-account",
    /** tokenSecretName(): `<sa>-istio-remote-secret-token`. */
    tokenSecret: "istio-reader-service-account-istio-remote-secret-token",
    remoteSecretPrefix: "istio-remote-secret-",
} as const;

/**
 * Key usages of Istio's own plug-in CA certificates (tools/certs common.mk: keyUsage = critical,
 * digitalSignature, nonRepudiation, keyEncipherment, keyCertSign), in @pulumi/tls allowedUses terms
 * (nonRepudiation is X.509's contentCommitment).
 */
export const CA_USES = ["digital_signature", "content_commitment", "key_encipherment", "cert_signing"] as const;
/** The intermediate's SAN, as tools/certs writes it (INTERMEDIATE_SAN_DNS). */
export const ISTIOD_SAN = `istiod.${NS}.svc`;

/** How a cluster's east-west gateway is reached from the other networks. */
export type Exposure =
    | { type: "LoadBalancer"; annotations: Record<string, string> }
    /** istiod takes the addresses of the selected nodes (their ExternalIP) and the Service's node port. */
    | { type: "NodePort"; nodeSelector: Record<string, string> };

/**
 * Per site: an internal load balancer in the clouds, the IDC's own LoadBalancer range when the
 * CNI announces one, otherwise a NodePort Service that istiod maps to the selected nodes
 * (`traffic.istio.io/nodeSelector`, pilot/pkg/serviceregistry/kube/controller/util.go).
 */
export function exposureFor(site: Site, opts: { loadBalancerCidr?: string; nodeSelector: Record<string, string> }): Exposure {
    switch (site) {
        case "eks":
            // An internal NLB from the in-cluster AWS cloud provider (Kubernetes docs, "Service",
            // aws-load-balancer-type / aws-load-balancer-internal). An NLB has a hostname, not an IP:
            // istiod resolves it for the cross-network gateway address (RESOLVE_HOSTNAME_GATEWAYS,
            // the answer to istio#29359), set explicitly in istiodValues.
            return {
                type: "LoadBalancer",
                annotations: {
                    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                    "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
                },
            };
        case "ack":
            // An intranet CLB in the cluster's VPC (Alibaba Cloud CCM annotations, "Create an internal-facing CLB instance").
            return { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" } };
        case "idc":
            return opts.loadBalancerCidr ? { type: "LoadBalancer", annotations: {} } : { type: "NodePort", nodeSelector: opts.nodeSelector };
    }
}

/** Where a meshed pod dials another network's east-west gateway: its addresses and the ports on them. */
export interface RemoteGateway {
    cidr: string;
    ports: { port: number; endPort?: number }[];
}

/** The east-west gateway's cross-network mTLS port (AUTO_PASSTHROUGH, the Gateway below): the only one multi-primary dials across networks. */
export const CROSS_NETWORK_PORT = 15443;

/** Kubernetes' default Service node port range (kube-apiserver --service-node-port-range), which the IDC clusters keep. */
export const NODE_PORTS = { port: 30000, endPort: 32767 } as const;

/**
 * How a pod of another network reaches this cluster's east-west gateway (as exposureFor exposes it):
 * the load balancer's address on 15443 (in the cloud VPC, or the IDC's LoadBalancer range), or an
 * IDC node's address on the Service's node port, which Kubernetes picks from its range.
 */
export function remoteGateway(site: Site, network: { siteCidr: string; loadBalancerCidr?: string }): RemoteGateway {
    if (site !== "idc") return { cidr: network.siteCidr, ports: [{ port: CROSS_NETWORK_PORT }] };
    return network.loadBalancerCidr
        ? { cidr: network.loadBalancerCidr, ports: [{ port: CROSS_NETWORK_PORT }] }
        : { cidr: network.siteCidr, ports: [{ ...NODE_PORTS }] };
}

export interface MeshClusterView {
    /** The fleet's cluster name: istiod's clusterName, the remote secrets' name, key and annotation. */
    name: string;
    network: string;
    meshId: string;
    trustDomain: string;
    /** Any tenant namespace on ambient: the cluster then runs istio-cni and ztunnel. */
    ambient: boolean;
    gatewayReplicas: number;
    exposure: Exposure;
    /**
     * The node and pod prefixes of the members on other networks: the east-west gateway's only
     * clients. A load-balanced gateway admits them alone (Service loadBalancerSourceRanges).
     */
    gatewayClientCidrs: string[];
}

/** The istio-system namespace, on the cluster's network (topology.istio.io/network). */
export function istioSystemNamespace(network: string) {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels: { "topology.istio.io/network": network } } };
}

/** base chart: CRDs and the istio-reader ServiceAccount the remote secrets authenticate as. */
export function baseValues() {
    return { global: { istioNamespace: NS, enableReaderRBAC: true } };
}

/** istiod chart (multi-primary, multi-network guide: meshID, multiCluster.clusterName, network). */
export function istiodValues(c: MeshClusterView) {
    return {
        ...(c.ambient ? { profile: "ambient" } : {}),
        global: { meshID: c.meshId, multiCluster: { clusterName: c.name }, network: c.network },
        meshConfig: { trustDomain: c.trustDomain },
        // Two replicas: proxies of every cluster's network depend on this istiod.
        autoscaleMin: 2,
        // EKS gateways are NLB hostnames: resolve them for the cross-network endpoints (istio#29359).
        env: { RESOLVE_HOSTNAME_GATEWAYS: "true" },
    };
}

/** gateway chart as the east-west gateway of `network` (networkGateway: ports 15021/15443/15012/15017). */
export function eastWestGatewayValues(c: MeshClusterView) {
    const service =
        c.exposure.type === "LoadBalancer"
            ? {
                  type: "LoadBalancer",
                  annotations: c.exposure.annotations,
                  // Enforced by the cloud's controller (the EKS in-tree NLB writes them into the node
                  // security group) or by kube-proxy/Cilium on the node: nobody else reaches 15443/15012/15017.
                  ...(c.gatewayClientCidrs.length > 0 ? { loadBalancerSourceRanges: c.gatewayClientCidrs } : {}),
              }
            : { type: "NodePort", annotations: { "traffic.istio.io/nodeSelector": JSON.stringify(c.exposure.nodeSelector) } };
    return {
        name: EASTWEST.release,
        labels: { istio: EASTWEST.label, "topology.istio.io/network": c.network },
        networkGateway: c.network,
        env: { ISTIO_META_REQUESTED_NETWORK_VIEW: c.network },
        autoscaling: { minReplicas: c.gatewayReplicas },
        service,
    };
}

/** istio-cni (ambient redirection) and ztunnel, on clusters with an ambient tenant. */
export function cniValues() {
    return { profile: "ambient" };
}
export function ztunnelValues(c: MeshClusterView) {
    return { profile: "ambient", multiCluster: { clusterName: c.name }, network: c.network };
}

/** Routes `*.local` mTLS traffic from other networks to this one (samples/multicluster/expose-services.yaml). */
export function crossNetworkGateway() {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "cross-network-gateway", namespace: NS },
        spec: {
            selector: { istio: EASTWEST.label },
            servers: [{ port: { number: CROSS_NETWORK_PORT, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
        },
    };
}

/** Mesh-wide STRICT mTLS: a PeerAuthentication named default in the root namespace. */
export function meshPeerAuthentication() {
    return { apiVersion: "security.istio.io/v1", kind: "PeerAuthentication", metadata: { name: "default", namespace: NS }, spec: { mtls: { mode: "STRICT" } } };
}

export interface LocalityHost {
    host: string;
    consecutive5xxErrors: number;
    interval: string;
    baseEjectionTime: string;
}

/**
 * Locality load balancing with outlier detection for one host, in the root namespace so it applies
 * mesh-wide (Istio "Locality failover": localityLbSetting needs outlierDetection to fail over).
 */
export function localityDestinationRule(h: LocalityHost) {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: `locality-${h.host}`, namespace: NS },
        spec: {
            host: h.host,
            exportTo: ["*"],
            trafficPolicy: {
                loadBalancer: { localityLbSetting: { enabled: true } },
                outlierDetection: { consecutive5xxErrors: h.consecutive5xxErrors, interval: h.interval, baseEjectionTime: h.baseEjectionTime },
            },
        },
    };
}

/** The cacerts Secret istiod reads at start (Plug in CA certificates): chain = intermediate then root. */
export function caCertsData(p: { caCert: string; caKey: string; rootCert: string }) {
    const pem = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
    return { "ca-cert.pem": pem(p.caCert), "ca-key.pem": pem(p.caKey), "root-cert.pem": pem(p.rootCert), "cert-chain.pem": pem(p.caCert) + pem(p.rootCert) };
}

/** The long-lived token Secret for the reader ServiceAccount, as istioctl creates it. */
export function readerTokenSecret() {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: READER.tokenSecret, namespace: NS, annotations: { "kubernetes.io/service-account.name": READER.serviceAccount } },
        type: "kubernetes.io/service-account-token",
    };
}

/** Metadata of the secret through which a cluster's istiod watches `watched` (createRemoteServiceAccountSecret). */
export function remoteSecretMetadata(watched: string) {
    return {
        name: `${READER.remoteSecretPrefix}${watched}`,
        namespace: NS,
        labels: { "istio/multiCluster": "true" },
        annotations: { "networking.istio.io/cluster": watched },
    };
}

export function serverUrl(host: string, port: number): string {
    if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new Error(`API server host ${JSON.stringify(host)} is not a hostname or IPv4 address`);
    return `https://${host}:${port}`;
}

/** A bearer-token kubeconfig for one cluster, shaped as createBearerTokenKubeconfig makes it. */
export function remoteKubeconfig(p: { cluster: string; server: string; caPem: string; token: string }): string {
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: p.cluster, cluster: { "certificate-authority-data": Buffer.from(p.caPem).toString("base64"), server: p.server } }],
        contexts: [{ name: p.cluster, context: { cluster: p.cluster, user: p.cluster } }],
        "current-context": p.cluster,
        preferences: {},
        users: [{ name: p.cluster, user: { token: p.token } }],
    });
}

/** Labels a tenant namespace takes to join the mesh (Istio docs: istio-injection, istio.io/dataplane-mode). */
export function injectionLabels(mode: DataPlane): Record<string, string> {
    return mode === "sidecar" ? { "istio-injection": "enabled" } : { "istio.io/dataplane-mode": "ambient" };
}

/**
 * What a meshed tenant needs past its default-deny baseline: sidecars reach istiod (xDS and
 * certificates on 15012) and the other networks' east-west gateways (15443); the local east-west
 * gateway delivers cross-network mTLS traffic to the workloads' own ports; ambient pods accept
 * HBONE (15008) from ztunnel.
 */
export function tenantMeshPolicy(namespace: string, mode: DataPlane, remoteGateways: RemoteGateway[]) {
    const istioSystem = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } } };
    const ingress: unknown[] = [{ from: [{ ...istioSystem, podSelector: { matchLabels: { istio: EASTWEST.label } } }] }];
    if (mode === "ambient") ingress.push({ ports: [{ port: 15008, protocol: "TCP" }] });
    const egress: unknown[] = [{ to: [{ ...istioSystem, podSelector: { matchLabels: { app: "istiod" } } }], ports: [{ port: 15012, protocol: "TCP" }] }];
    // One rule per set of ports, each with every gateway reached on them.
    const byPorts = new Map<string, RemoteGateway[]>();
    for (const g of remoteGateways) {
        const key = JSON.stringify(g.ports);
        byPorts.set(key, [...(byPorts.get(key) ?? []), g]);
    }
    for (const gateways of byPorts.values())
        egress.push({
            to: gateways.map((g) => ({ ipBlock: { cidr: g.cidr } })),
            ports: gateways[0].ports.map((p) => ({ port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: "TCP" })),
        });
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-mesh-dataplane", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress, egress },
    };
}
