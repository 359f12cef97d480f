// The Istio release the mesh runs, its chart repository, and the Kubernetes minors it supports:
// support windows as data in one place. Istio's support table (istio.io "Supported Releases",
// istio/istio.io data/compatibility/supportStatus.yml) lists 1.31 (released 2026-08-27) with
// Kubernetes 1.32-1.36 on the published page (the data file adds 1.37; the window here is the
// smaller one). 1.31.1 (2026-09-21) is the 1.31 security patch.
export const ISTIO = {
    version: "1.31.1",
    /** Istio's Helm repository (istio.io "Install with Helm"). */
    repo: "https://istio-release.storage.googleapis.com/charts",
    namespace: "istio-system",
    /** Supported Kubernetes minors, inclusive. */
    kubernetes: { minMinor: 32, maxMinor: 36 },
} as const;

/** The minor of a Kubernetes version as the sites give it ("1.36", "1.36.1", "1.36.1-aliyun.1"). */
export function kubernetesMinor(version: string): number | undefined {
    const m = /^1\.(\d+)(\.|-|$)/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/** Whether the pinned Istio supports a cluster on this Kubernetes version. */
export function istioSupports(version: string): boolean {
    const minor = kubernetesMinor(version);
    return minor !== undefined && minor >= ISTIO.kubernetes.minMinor && minor <= ISTIO.kubernetes.maxMinor;
}
