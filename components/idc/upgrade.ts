// Changing the Kubernetes version of a running IDC cluster: one chain of steps, one node at a time,
// in the order of kubernetes.io "Upgrading kubeadm clusters": the first control-plane host
// (`kubeadm upgrade apply`), the other control-plane hosts (`kubeadm upgrade node`), then each
// worker (drained from the first control-plane host, `kubeadm upgrade node`, uncordoned). Every step
// re-runs when the spec's version changes and is a no-op on a node that already runs it, so a new
// cluster (or a new host) passes through the chain without change.
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Host, HostSpec, SshLogin } from "./host";
import { renderControlPlaneUpgradeScript, renderDrainScript, renderUncordonScript, renderWorkerUpgradeScript } from "./render";

export interface KubernetesUpgradeArgs {
    /** The version every node is brought to. */
    kubernetesVersion: string;
    /** The control-plane hosts, the first one (where `kubeadm upgrade apply` runs) first. */
    controlPlaneHosts: HostSpec[];
    workers: HostSpec[];
    login: SshLogin;
    /**
     * The chain starts after these: kubeadm init and every join, whose re-runs upload the spec's
     * cluster configuration at the version the hosts run (and which come after each host's packages,
     * so the apt source already points at the target minor).
     */
    after: pulumi.Input<pulumi.Resource>[];
}

export class KubernetesUpgrade extends pulumi.ComponentResource {
    /** The steps in the order they run; each depends on the one before. */
    readonly steps: remote.Command[] = [];

    constructor(name: string, args: KubernetesUpgradeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:KubernetesUpgrade", name, {}, opts);
        const { kubernetesVersion, login } = args;
        let previous: pulumi.Input<pulumi.Resource>[] = args.after;
        // kubeadm may print what it configures: its steps log nothing and keep stdout/stderr secret.
        const step = (host: Host, what: string, script: string, secretOutput: boolean) => {
            const command = host.run(what, script, { triggers: [kubernetesVersion], dependsOn: previous, secretOutput });
            this.steps.push(command);
            previous = [command];
        };

        const [first, ...others] = args.controlPlaneHosts;
        const firstHost = new Host(this, name, first, login);
        step(firstHost, "apply", renderControlPlaneUpgradeScript({ kubernetesVersion, node: first.name, first: true }), true);
        for (const h of others) {
            step(new Host(this, name, h, login), "node", renderControlPlaneUpgradeScript({ kubernetesVersion, node: h.name, first: false }), true);
        }
        for (const w of args.workers) {
            step(firstHost, `drain-${w.name}`, renderDrainScript({ kubernetesVersion, node: w.name }), false);
            step(new Host(this, name, w, login), "node", renderWorkerUpgradeScript(kubernetesVersion), true);
            step(firstHost, `uncordon-${w.name}`, renderUncordonScript({ kubernetesVersion, node: w.name }), false);
        }
        this.registerOutputs({ done: this.steps[this.steps.length - 1].id });
    }
}
