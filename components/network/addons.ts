// The cluster's networking as cluster add-ons: the CNI this program installs (Calico or Cilium;
// the VPC CNI, Terway and Flannel come with their site) and the tenant baseline after it.
import type { ClusterAddon } from "../core/contract";
import { Calico, CalicoArgs } from "./calico/calico";
import { Cilium, CiliumArgs } from "./cilium/cilium";
import { Tenants, TenantsArgs } from "./tenants/tenants";

export type CniArgs = { kind: "calico"; spec: CalicoArgs["spec"] } | { kind: "cilium"; spec: CiliumArgs["spec"] };

export const cniAddon: ClusterAddon<CniArgs> = {
    name: "cni",
    needs: [],
    install(cluster, args) {
        const opts = { parent: cluster.parent };
        if (args.kind === "calico") return { ready: new Calico(`${cluster.name}-calico`, { spec: args.spec, access: cluster }, opts).ready };
        return { ready: [new Cilium(`${cluster.name}-cilium`, { spec: args.spec, access: cluster }, opts).release] };
    },
};

export const tenantsAddon: ClusterAddon<Pick<TenantsArgs, "tenants" | "poolsOf">> = {
    name: "tenants",
    needs: ["cni"],
    install(cluster, args, after) {
        const tenants = new Tenants(`${cluster.name}-tenants`, { ...args, access: cluster, cni: after }, { parent: cluster.parent });
        return { ready: [tenants] };
    },
};
