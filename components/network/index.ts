// Cluster networking for every site: the CNI the spec chooses (Calico or Cilium where this
// program installs it; the VPC CNI, Terway and Flannel come with the EKS/ACK site) plus the
// zero-trust tenant baseline. Everything is parented under the cluster's site component and goes
// through the cluster's own Kubernetes provider, after the cluster's `access.ready`.
import type * as pulumi from "@pulumi/pulumi";
import type { FleetSpec } from "../../stacks/spec";
import type { BuiltCluster } from "../../stacks/types";
import { Calico } from "./calico";
import { Cilium } from "./cilium";
import { tenantPools } from "./render";
import { Tenants } from "./tenants";

export function addClusterNetworking(cluster: BuiltCluster, _fleet: FleetSpec): void {
    const access = cluster.access;
    if (!access) return;
    const spec = cluster.spec;
    const opts = { parent: cluster.component };
    let cni: pulumi.Resource[] = [];
    if (spec.provider !== "ack") {
        if (spec.network.cni === "calico") cni = new Calico(`${spec.name}-calico`, { spec, access }, opts).ready;
        else if (spec.network.cni === "cilium") cni = [new Cilium(`${spec.name}-cilium`, { spec, access }, opts).release];
    }
    if (spec.network.tenants.length > 0) {
        const poolsOf = (namespace: string) => (spec.provider === "ack" ? [] : tenantPools(spec, namespace));
        new Tenants(`${spec.name}-tenants`, { tenants: spec.network.tenants, access, cni, poolsOf }, opts);
    }
}
