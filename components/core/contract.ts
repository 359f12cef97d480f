// The contract every add-on plugs into. A *cluster add-on* is installed on one cluster (a CNI,
// tenants, a Prometheus); a *fleet add-on* spans clusters and runs once after every site exists
// (links, mesh, federation, observability). Both see a cluster only through `ClusterHandle`, a
// plain typed value: it can be filled by this program's own site builders or, later, from another
// stack's outputs. Add-ons never read the fleet spec: builders in `stacks/` map it to each add-on's
// own args (Pulumi's `<Name>Args` convention). Modelled on cdk-eks-blueprints' ClusterAddOn.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export type SiteKind = "idc" | "eks" | "ack";

/** An S3-style object store a cluster writes long-term data (metrics blocks, backups) to. */
export interface ObjectStoreHandle {
    kind: "s3" | "oss" | "s3-compatible";
    bucket: string;
    region?: string;
    /** https endpoint (s3-compatible stores; optional otherwise). */
    endpoint?: string;
    /** Access key pair as Pulumi secrets, for stores that take only a static key (s3-compatible). */
    credentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
    /** The in-cluster identity the site already trusts to write the bucket (EKS Pod Identity, ACK RRSA). */
    writer?: { namespace: string; serviceAccount: string; roleArn?: pulumi.Input<string> };
}

/** Everything an add-on may know about one cluster. */
export interface ClusterHandle {
    /** The fleet's cluster name: istiod's clusterName, Karmada's Cluster, Thanos' `cluster` label. */
    name: string;
    site: SiteKind;
    region: string;
    zones: string[];
    /** As the spec gives it for the site ("1.36.1" idc, "1.36" eks, "1.36.1-aliyun.1" ack). */
    kubernetesVersion: string;
    environment: string;
    /** The cluster's own explicit Kubernetes provider. */
    provider: k8s.Provider;
    /** Admin kubeconfig, a Pulumi secret. */
    kubeconfig: pulumi.Output<string>;
    /** The HA API endpoint (VIP, private managed endpoint), never one node. */
    apiServer: { host: pulumi.Input<string>; port: pulumi.Input<number> };
    /** The cluster's API server CA (PEM), where the site knows it. */
    caCertificate?: pulumi.Input<string>;
    network: {
        /** The IDC node network or the cloud VPC. */
        siteCidr: string;
        podCidr: string;
        serviceCidr: string;
        /** IDC: the range `LoadBalancer` Services take addresses from, announced by the CNI. */
        loadBalancerCidr?: string;
        /** The Istio network this cluster is on. */
        meshNetwork: string;
    };
    federation: { syncMode: "Push" | "Pull" };
    objectStore: ObjectStoreHandle;
    /** Resources that must exist before workloads are installed: nodes joined, DNS and storage running. */
    ready: pulumi.Resource[];
    /** What a CNI itself waits for, when that differs from `ready` (Cilium on EKS). Defaults to `ready`. */
    cniReady?: pulumi.Resource[];
    /** The site's top component: everything of this cluster is parented under it. */
    parent: pulumi.Resource;
    /** The site's own cloud provider (ACK: alicloud), for add-ons that declare cloud resources. */
    cloudProvider?: pulumi.ProviderResource;
    /**
     * IDC: what monitoring needs to scrape the external etcd from inside the cluster (the members'
     * addresses, and the etcd CA that signs Prometheus' own etcd client certificate).
     */
    controlPlaneMetrics?: {
        etcdHosts: string[];
        etcdCa: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> };
    };
    /** What this cluster's cluster add-ons handed back, by add-on name (set once they are installed). */
    addons?: ReadonlyMap<string, AddonResult>;
}

/** What an installed add-on hands back: what dependants wait for. */
export interface AddonResult {
    ready: pulumi.Resource[];
}

/**
 * Installed on one cluster. `needs` names other cluster add-ons that must be ready first (the CNI
 * before anything that schedules pods); their `ready` arrives in `after`. The args are mapped from
 * the spec by the registry (`stacks/addons.ts`); `undefined` args mean this cluster does not get it.
 */
export interface ClusterAddon<A> {
    readonly name: string;
    readonly needs: readonly string[];
    install(cluster: ClusterHandle, args: A, after: pulumi.Resource[]): AddonResult;
}

/**
 * Spans the fleet. Runs once, after every site and every cluster add-on exists, and sees every
 * cluster's handle. `needs` names other fleet add-ons (the mesh needs the links).
 */
export interface FleetAddon<A> {
    readonly name: string;
    readonly needs: readonly string[];
    install(clusters: ClusterHandle[], args: A, after: pulumi.Resource[]): AddonResult;
}
