// What every Kubernetes host of an IDC cluster gets before its role: the directories this program
// writes into, kernel settings, containerd, and kubelet/kubeadm/kubectl at the spec's version.
import { remote } from "@pulumi/command";
import type { Host } from "./host";
import { NODE_PATHS, OwnedDir, renderAptSource, renderContainerdConfig, renderKubePackagesScript, renderModules, renderSysctl } from "./render";

export interface PreparedNode {
    /** The directories exist (owned by the SSH user): files may be copied. */
    dirs: remote.Command;
    /** containerd and the Kubernetes packages are installed (and on a new host, started with their configuration). */
    packages: remote.Command;
}

export function prepareKubeNode(host: Host, kubernetesVersion: string, roleDirs: OwnedDir[]): PreparedNode {
    const dirs = host.dirs([
        { path: NODE_PATHS.fleetDir, group: "root" },
        { path: "/etc/containerd", group: "root" },
        { path: "/etc/kubernetes", group: "root" },
        ...roleDirs,
    ]);
    const contents = {
        sysctl: renderSysctl(),
        modules: renderModules(),
        aptSource: renderAptSource(kubernetesVersion),
        containerd: renderContainerdConfig(kubernetesVersion),
    };
    const after = { dependsOn: [dirs] };
    const files = [
        host.file("sysctl", NODE_PATHS.sysctl, contents.sysctl, after),
        host.file("modules", NODE_PATHS.modules, contents.modules, after),
        host.file("apt-source", NODE_PATHS.aptSource, contents.aptSource, after),
        host.file("containerd-config", NODE_PATHS.containerd, contents.containerd, after),
    ];
    const script = renderKubePackagesScript(kubernetesVersion);
    // Not re-run for a new containerd configuration: on a running host the containerd rollout
    // (containerdRollout.ts) restarts containerd with it, one host at a time.
    const packages = host.run("packages", script, { triggers: [contents.sysctl, contents.modules, contents.aptSource], dependsOn: files });
    return { dirs, packages };
}
