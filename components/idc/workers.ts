// The worker hosts of an IDC cluster: node base, then `kubeadm join` with the cluster's bootstrap
// token, pinned to the cluster CA, with the spec's labels and taints.
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Host, SshLogin } from "./host";
import { prepareKubeNode } from "./nodeBase";
import { KUBEADM_PATHS, renderJoinConfig, renderJoinScript } from "./render";
import type { IdcClusterShape } from "./types";

export interface WorkersArgs {
    /** The cluster as the kubeadm join renderer reads it (its version, API endpoint, kubelet settings and `workers`). */
    spec: IdcClusterShape;
    login: SshLogin;
    /** Secret bootstrap token and the CA pin, from the control plane. */
    token: pulumi.Output<string>;
    caCertHash: pulumi.Output<string>;
    /** The bootstrap token exists on the cluster. */
    joinToken: pulumi.Resource;
    /** The kubelet configuration the first control-plane host uploads: a change restarts every kubelet with it. */
    kubeletConfig: string;
}

export class IdcWorkers extends pulumi.ComponentResource {
    readonly joins: remote.Command[];

    constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:Workers", name, {}, opts);
        const { spec } = args;
        this.joins = spec.workers.map((w) => {
            const host = new Host(this, name, { name: w.name, address: w.address }, args.login);
            const node = prepareKubeNode(host, spec.kubernetesVersion, []);
            const joinConfig = pulumi
                .all([args.token, args.caCertHash])
                .apply(([token, hash]) => renderJoinConfig({ spec, host: w, token, caCertHash: hash, labels: w.labels, taints: w.taints }));
            const file = host.file("kubeadm-join", KUBEADM_PATHS.joinConfig, joinConfig, { dependsOn: [node.dirs], secret: true });
            return host.run("kubeadm-join", renderJoinScript(false), {
                triggers: [joinConfig, args.kubeletConfig],
                dependsOn: [args.joinToken, node.packages, file],
                secretOutput: true,
            });
        });
        this.registerOutputs({ joined: this.joins.map((j) => j.id) });
    }
}
