// Bringing a running IDC cluster's containerd to its pin and configuration: one chain of steps, one
// host at a time in the upgrade chain's order (control-plane hosts, then workers), each restarting
// containerd only where it does not yet run the pinned package on this configuration and waiting for
// it (and the kubelet) to be healthy before the next host. A new pin or a new configuration (a new
// Kubernetes minor changes the pinned pause image) re-triggers every step; a new cluster or host
// passes straight through (its packages step records what containerd started with).
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Host, HostSpec, SshLogin } from "./host";
import { containerdRecord, renderContainerdConfig, renderContainerdRolloutScript } from "./render";

export interface ContainerdRolloutArgs {
    /** The cluster's version: the containerd configuration every host has is rendered from it (its pause image). */
    kubernetesVersion: string;
    controlPlaneHosts: HostSpec[];
    workers: HostSpec[];
    login: SshLogin;
    /**
     * The chain starts after these: kubeadm init and every join, which come after each host's
     * packages and containerd configuration file.
     */
    after: pulumi.Input<pulumi.Resource>[];
}

export class ContainerdRollout extends pulumi.ComponentResource {
    /** The steps in the order they run; each depends on the one before. */
    readonly steps: remote.Command[] = [];

    constructor(name: string, args: ContainerdRolloutArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:ContainerdRollout", name, {}, opts);
        // The same configuration every host's node base places (nodeBase.ts).
        const config = renderContainerdConfig(args.kubernetesVersion);
        // The pinned version and the configuration's hash: what a step is re-run for.
        const triggers = [containerdRecord(config)];
        let previous: pulumi.Input<pulumi.Resource>[] = args.after;
        const hosts = [...args.controlPlaneHosts.map((h) => ({ h, controlPlane: true })), ...args.workers.map((h) => ({ h, controlPlane: false }))];
        for (const { h, controlPlane } of hosts) {
            const step = new Host(this, name, h, args.login).run("apply", renderContainerdRolloutScript({ config, controlPlane }), {
                triggers,
                dependsOn: previous,
            });
            this.steps.push(step);
            previous = [step];
        }
        this.registerOutputs({ done: this.steps[this.steps.length - 1].id });
    }
}
