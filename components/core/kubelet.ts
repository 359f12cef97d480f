// The kubelet settings every site's nodes take alike, and how they read as KubeletConfiguration
// (kubelet.config.k8s.io/v1beta1) fields: the IDC kubeadm config embeds them, EKS nodes get them in
// their user data (components/eks/kubelet.ts).

export interface NodeKubelet {
    /** RuntimeDefault seccomp for every container that sets no profile. */
    seccompDefault: boolean;
    /** Most PIDs one pod may use. */
    podPidsLimit: number;
    /** Graceful node shutdown: the whole period and the critical pods' share, in seconds (0: off). */
    shutdownGracePeriodSeconds: number;
    shutdownGracePeriodCriticalPodsSeconds: number;
}

/** The settings as KubeletConfiguration fields (the shutdown periods are durations). */
export function kubeletConfigFields(k: NodeKubelet) {
    return {
        seccompDefault: k.seccompDefault,
        podPidsLimit: k.podPidsLimit,
        shutdownGracePeriod: `${k.shutdownGracePeriodSeconds}s`,
        shutdownGracePeriodCriticalPods: `${k.shutdownGracePeriodCriticalPodsSeconds}s`,
    };
}
