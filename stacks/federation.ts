// The federation layer's args from the validated spec: members, the control plane's settings
// (the API server's load balancer kind from the hub's site), the policies as the renderer takes them.
import type { FederationAddonArgs } from "../components/federation/addon";
import type { FleetSpec } from "./spec";
import { federationMembers, tenantMembers } from "./spec/federation";

/** Cluster.spec.provider per site: the cloud, or the data centre. */
const KARMADA_PROVIDER = { idc: "idc", eks: "aws", ack: "alibabacloud" } as const;

/** Annotations that keep karmada-apiserver's LoadBalancer Service inside the fleet's networks. */
export function apiServerServiceAnnotations(fleet: FleetSpec): Record<string, string> {
    const hub = fleet.clusters.find((c) => c.name === fleet.hub)!;
    const address = fleet.federation.apiServer.address;
    switch (hub.provider) {
        case "eks":
            // The AWS cloud provider's Service controller: an internal NLB (kubernetes/cloud-provider-aws).
            return { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-internal": "true" };
        case "ack":
            // Alibaba Cloud CCM: a private (intranet) CLB in the cluster's VPC.
            return { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" };
        case "idc":
            // The CNI's LoadBalancer IPAM hands out the address from the IDC range and announces it (BGP).
            return hub.network.cni === "cilium" ? { "lbipam.cilium.io/ips": address! } : { "projectcalico.org/loadBalancerIPs": JSON.stringify([address]) };
    }
}

export function federationArgs(fleet: FleetSpec): FederationAddonArgs {
    const f = fleet.federation;
    return {
        hub: fleet.hub,
        members: federationMembers(fleet).map((c) => ({ name: c.name, provider: KARMADA_PROVIDER[c.provider] })),
        endpoint: { ...(f.apiServer.dnsName ? { dnsName: f.apiServer.dnsName } : {}), ...(f.apiServer.address ? { address: f.apiServer.address } : {}) },
        controlPlane: {
            etcd: { replicas: f.etcd.replicas, size: f.etcd.size, ...(f.etcd.storageClass ? { storageClass: f.etcd.storageClass } : {}) },
            serviceAnnotations: apiServerServiceAnnotations(fleet),
            ...(f.failover.enabled ? { failover: { purgeMode: f.failover.purgeMode } } : {}),
        },
        policies: f.policies.map((p) => ({
            name: p.name,
            ...(p.namespace ? { namespace: p.namespace } : {}),
            resources: p.resources,
            namespaces: p.namespaces,
            ...(p.clusters ? { clusters: p.clusters } : {}),
            ...(p.failover ? { failover: p.failover } : {}),
            replicas: p.replicas,
            ...(p.spread ? { spread: p.spread } : {}),
        })),
        overrides: f.overrides,
        namespaces: karmadaNamespaces(fleet),
    };
}

/** The namespaces of the namespaced policies, each marked when it is a tenant on a member (the spec rules keep it one on every member its workloads go to). */
export function karmadaNamespaces(fleet: FleetSpec): { name: string; tenant: boolean }[] {
    const members = federationMembers(fleet);
    const used = [...fleet.federation.policies.flatMap((p) => (p.namespace ? [p.namespace] : [])), ...fleet.federation.overrides.map((o) => o.namespace)];
    return [...new Set(used)].map((name) => ({ name, tenant: tenantMembers(members, name).length > 0 }));
}
