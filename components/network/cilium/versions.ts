// Pinned versions of Cilium.
/**
 * Cilium 1.19.6 (the 1.19 line's patch release of 2026-07-21, github.com/cilium/cilium/releases)
 * from its Helm repository; the agent runs in kube-system (Cilium docs, "Installation using Helm").
 */
export const CILIUM = { repo: "https://helm.cilium.io", chart: "cilium", version: "1.19.6", namespace: "kube-system" } as const;
