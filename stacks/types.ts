// What a site builder hands back to the fleet: the cluster's spec, its top component, and, once
// the control plane exists, the access that add-ons and cross-site wiring need.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle } from "../components/core/contract";
import type { Site } from "../components/site";
import type { ClusterSpec, FleetSpec } from "./spec";

export interface ClusterAccess {
    /** The cluster's own explicit Kubernetes provider, named `<cluster>-k8s` (the offline plan maps objects to clusters by it). */
    provider: k8s.Provider;
    /** Admin kubeconfig, a Pulumi secret. */
    kubeconfig: pulumi.Output<string>;
    /** The HA API endpoint that in-cluster agents use (the VIP or the managed endpoint), never one node. */
    apiServer: { host: pulumi.Input<string>; port: pulumi.Input<number> };
    /** Resources that must exist before add-ons are installed: nodes joined, DNS and storage running. */
    ready: pulumi.Resource[];
    /**
     * What the CNI itself waits for, when that differs from `ready`: a CNI the program installs
     * (Cilium on EKS) must go on before the nodes can become Ready. Defaults to `ready`.
     */
    cniReady?: pulumi.Resource[];
    /** The site's own cloud provider (see ClusterHandle). */
    cloudProvider?: pulumi.ProviderResource;
    /** IDC: the etcd members and CA, for monitoring (see ClusterHandle). */
    controlPlaneMetrics?: ClusterHandle["controlPlaneMetrics"];
}

export interface BuiltCluster<S extends ClusterSpec = ClusterSpec> {
    spec: S;
    /** The site's top-level component; add-ons of this cluster are parented under it. */
    component: Site;
    /** Present once the site declares a control plane. */
    access?: ClusterAccess;
    /** Stack outputs for this cluster (non-secret unless wrapped in pulumi.secret). */
    outputs: Record<string, pulumi.Input<unknown>>;
}

export type SiteBuilder<S extends ClusterSpec> = (spec: S, fleet: FleetSpec) => BuiltCluster<S>;

/** Name of the Kubernetes provider of a cluster; the offline plan relies on it. */
export const k8sProviderName = (cluster: string) => `${cluster}-k8s`;
