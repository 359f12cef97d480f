// The contract every add-on plugs into. A *cluster add-on* is installed on one cluster (a CNI,
// tenants, a Prometheus); a *fleet add-on* spans clusters and runs once after every site exists
// (links, mesh, federation, observability). Both see a cluster only through `ClusterHandle`, a
// plain typed value: it can be filled by this program's own site builders or, later, from another
// stack's outputs. Add-ons never read the fleet spec: builders in `stacks/` map it to each add-on's
// own args (Pulumi's `<Name>Args` convention). Modelled on cdk-eks-blueprints' ClusterAddOn.
import type * as alicloud from "./sdk/alicloud";
import type * as aws from "./sdk/aws";
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
    /** The bucket's server-side encryption key (ACK: its KMS key ARN), for writers that need its use granted. */
    kmsKeyArn?: pulumi.Input<string>;
}

/** What a component needs to declare objects in a cluster: its provider, endpoint and readiness. */
export interface ClusterAccess {
    /** The cluster's own explicit Kubernetes provider, named `<cluster>-k8s` (the offline plan maps objects to clusters by it). */
    provider: k8s.Provider;
    /** Admin kubeconfig, a Pulumi secret. */
    kubeconfig: pulumi.Output<string>;
    /** The HA API endpoint that in-cluster agents use (the VIP or the managed endpoint), never one node. */
    apiServer: { host: pulumi.Input<string>; port: pulumi.Input<number> };
    /** The API server's CA (PEM), where the site knows it (IDC: its own Kubernetes CA). */
    caCertificate?: pulumi.Input<string>;
    /** Resources that must exist before workloads are installed: nodes joined, DNS and storage running. */
    ready: pulumi.Resource[];
    /**
     * What a CNI itself waits for, when that differs from `ready`: a CNI the program installs
     * (Cilium on EKS) must go on before the nodes can become Ready. Defaults to `ready`.
     */
    cniReady?: pulumi.Resource[];
    /**
     * IDC: what monitoring needs to watch the external etcd from inside the cluster: the members'
     * addresses, whether their plain metrics listener (http :2381) is on those addresses, and the
     * etcd CA's certificate (public) that verifies their serving certificates.
     */
    controlPlaneMetrics?: {
        etcdHosts: string[];
        /** The port of etcd's plain metrics listener on the members' addresses; absent where it stays on 127.0.0.1. */
        etcdMetricsPort?: number;
        etcdCaCertPem: pulumi.Output<string>;
        /** host:port of every control-plane host's own API server (its serving certificate is probed). */
        apiServerEndpoints?: string[];
        /** kube-proxy runs on the nodes (its metrics on 127.0.0.1:10249); false where the CNI replaces it. */
        kubeProxy?: boolean;
    };
}

/** The cloud network a managed cluster lives in, for layers that attach to it (the links). */
export interface CloudNetworkHandle {
    aws?: {
        /** The site's own AWS provider (its region, its default tags). */
        provider: aws.Provider;
        vpcId: pulumi.Input<string>;
        /** Node subnets, one per zone: where a Transit Gateway attachment takes its ENIs. */
        privateSubnetIds: pulumi.Input<string>[];
        /** The route tables of the node and pod subnets, one per zone. */
        privateRouteTableIds: pulumi.Input<string>[];
        /** The EKS cluster security group (control-plane ENIs, managed nodes, pods): where other sites' traffic is let in. */
        securityGroupId?: pulumi.Input<string>;
        tags: Record<string, string>;
        /** The site's log group for VPN tunnels (encrypted, kept as long as its flow logs): every AWS VPN connection logs there. */
        vpnLogGroupArn: pulumi.Input<string>;
    };
    alicloud?: {
        /** The site's own Alicloud provider (its region). */
        provider: alicloud.Provider;
        vpcId: pulumi.Input<string>;
        /** Node vSwitches, one per zone in zone order (a dual-tunnel VPN gateway takes two). */
        vswitchIds: pulumi.Input<string>[];
        /** The ACK cluster security group (nodes and Terway ENI pods): where other sites' traffic is let in. */
        securityGroupId?: pulumi.Input<string>;
        tags: Record<string, string>;
    };
}

/** Everything an add-on may know about one cluster. */
export interface ClusterHandle extends ClusterAccess {
    /** The fleet's cluster name: istiod's clusterName, Karmada's Cluster, Thanos' `cluster` label. */
    name: string;
    site: SiteKind;
    region: string;
    zones: string[];
    /** As the spec gives it for the site ("1.36.1" idc, "1.36" eks, "1.36.1-aliyun.1" ack). */
    kubernetesVersion: string;
    environment: string;
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
    /** What each cluster add-on installed on it handed back as ready, by add-on name (e.g. `tenants`). */
    addons?: Record<string, pulumi.Resource[]>;
    /** The site's top component: everything of this cluster is parented under it. */
    parent: pulumi.Resource;
    /** EKS/ACK: the site's cloud provider and network ids. */
    cloud?: CloudNetworkHandle;
}

/** What an installed add-on hands back: what dependants wait for. */
export interface AddonResult {
    ready: pulumi.Resource[];
    /** Stack outputs of a fleet layer (e.g. the Karmada kubeconfig, a secret). */
    outputs?: Record<string, pulumi.Input<unknown>>;
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
 * cluster's handle. `needs` names other fleet add-ons (the mesh needs the links). An add-on whose
 * resources grow with the fleet may declare them in batches (core/batches.ts `inBatches`) and
 * return a promise of its result; nothing in it may wait for an engine answer.
 */
export interface FleetAddon<A> {
    readonly name: string;
    readonly needs: readonly string[];
    install(clusters: ClusterHandle[], args: A, after: pulumi.Resource[]): AddonResult | Promise<AddonResult>;
}
