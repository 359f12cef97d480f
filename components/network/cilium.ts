// hybrid:network:Cilium: the Cilium 1.19.4 chart as the cluster's CNI and kube-proxy replacement,
// with Hubble and its relay; native routing in an IDC, ENI mode on EKS.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterSpec, IdcClusterSpec } from "../../stacks/spec";
import type { ClusterAccess } from "../../stacks/types";
import { CILIUM, ciliumValues } from "./render";

export interface CiliumArgs {
    spec: IdcClusterSpec | EksClusterSpec;
    access: ClusterAccess;
}

export class Cilium extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CiliumArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:network:Cilium", name, {}, opts);
        const { spec, access } = args;
        this.release = new k8s.helm.v3.Release(
            `${name}-chart`,
            {
                name: "cilium",
                chart: CILIUM.chart,
                version: CILIUM.version,
                namespace: CILIUM.namespace,
                repositoryOpts: { repo: CILIUM.repo },
                values: pulumi
                    .output(access.apiServer)
                    .apply((a) => ciliumValues(spec, { apiServer: { host: String(a.host), port: Number(a.port) } })),
                // Roll back a failed upgrade rather than leave the cluster half-networked (Helm docs, "--atomic").
                atomic: true,
                timeout: 600,
            },
            { parent: this, provider: access.provider, dependsOn: access.ready },
        );
        this.registerOutputs({});
    }
}
