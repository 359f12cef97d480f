// What a site builder hands back to the fleet: the cluster's spec, its top component, and, once
// the control plane exists, the access that add-ons and cross-site wiring need.
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess, CloudNetworkHandle } from "../components/core/contract";
import type { Site } from "../components/core/site";
import type { ClusterSpec, FleetSpec } from "./spec";

export type { ClusterAccess };
export { k8sProviderName } from "../components/core/conventions";

export interface BuiltCluster<S extends ClusterSpec = ClusterSpec> {
    spec: S;
    /** The site's top-level component; add-ons of this cluster are parented under it. */
    component: Site;
    /** Present once the site declares a control plane. */
    access?: ClusterAccess;
    /** EKS/ACK: the cloud provider and network ids that fleet layers attach to (the links). */
    cloud?: CloudNetworkHandle;
    /** Stack outputs for this cluster (non-secret unless wrapped in pulumi.secret). */
    outputs: Record<string, pulumi.Input<unknown>>;
}

export type SiteBuilder<S extends ClusterSpec> = (spec: S, fleet: FleetSpec) => BuiltCluster<S>;
