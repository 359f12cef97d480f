// The worker hosts of an IDC cluster: node base, then `kubeadm join` with the cluster's bootstrap
// token, pinned to the cluster CA, with the spec's labels and taints.
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { JoinTokens } from "./haControlPlane";
import { Host, SshLogin } from "./host";
import { prepareKubeNode } from "./nodeBase";
import { KUBEADM_PATHS, renderJoinConfig, renderJoinScript, renderNodeResetScript } from "./render";
import type { IdcClusterShape } from "./types";

export interface WorkersArgs {
    /** The cluster as the kubeadm join renderer reads it (its version, API endpoint, kubelet settings and `workers`). */
    spec: IdcClusterShape;
    login: SshLogin;
    /** The CA pin, from the control plane. */
    caCertHash: pulumi.Output<string>;
    /** Mints a bootstrap token per join on the first control-plane host, and deletes it after. */
    joinTokens: JoinTokens;
    /** The kubelet configuration the first control-plane host uploads: a change restarts every kubelet with it. */
    kubeletConfig: string;
}

export class IdcWorkers extends pulumi.ComponentResource {
    readonly joins: remote.Command[];

    constructor(name: string, args: WorkersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:Workers", name, {}, opts);
        const { spec } = args;
        // One worker after the other, as the control-plane hosts: a re-run restarts the kubelet with
        // a new configuration and waits for it to be healthy, so a bad one stops at the first worker
        // instead of taking every node NotReady at once; each token is minted right before its join.
        let previous: pulumi.Resource | undefined;
        this.joins = spec.workers.map((w) => {
            const host = new Host(this, name, { name: w.name, address: w.address }, args.login);
            const node = prepareKubeNode(host, spec.kubernetesVersion, []);
            // No secret in a worker's join file (the token comes per join): the plan shows it.
            const joinConfig = args.caCertHash.apply((hash) => renderJoinConfig({ spec, host: w, caCertHash: hash, labels: w.labels, taints: w.taints }));
            const file = host.file("kubeadm-join", KUBEADM_PATHS.joinConfig, joinConfig, { dependsOn: [node.dirs], mode: "0600" });
            const triggers = [joinConfig, args.kubeletConfig, ...host.rebuilt];
            const after = [node.packages, file, ...(previous ? [previous] : [])];
            const minted = args.joinTokens.mint(w.name, triggers, after);
            const join = host.run("kubeadm-join", pulumi.secret(minted.token.apply((t) => renderJoinScript(false, t))), {
                triggers,
                dependsOn: [minted.minted, ...after],
                secretOutput: true,
            });
            previous = args.joinTokens.retire(w.name, minted, join);
            // When the worker leaves the spec: drained and deleted from the cluster first (the
            // first control-plane host's resource depends on this one, so Pulumi deletes it
            // first), then reset on the host. Nothing runs while the worker stays.
            const reset = host.onDelete("node-reset", renderNodeResetScript(), { dependsOn: [join] });
            args.joinTokens.evictOnRemoval(w.name, [reset]);
            return join;
        });
        this.registerOutputs({ joined: this.joins.map((j) => j.id) });
    }
}
