// Pinned versions of Cilium.
/**
 * Cilium 1.19.9, the newest 1.19 patch release found (2026-10-15; the line's monthly patches:
 * 1.19.7 on 2026-08-18, 1.19.8 on 2026-09-15 with fixes for EKS ENI IPAM and for options the agent
 * silently ignored, cilium/cilium release notes), from its Helm repository; the agent runs in
 * kube-system (Cilium docs, "Installation using Helm"). Cilium maintains the last three minors
 * (1.20, 1.19, 1.18 since 1.20.0 of 2026-07-29), so 1.19 is supported. 1.20 is the line built
 * against Kubernetes 1.36 (its release notes: "updates to Kubernetes v1.36"); moving to it needs
 * its upgrade notes (custom CNI configuration, which EKS uses here) and its CRDs and chart values,
 * which could not be read here beyond 1.20.0. The chart values checked in the tests are 1.19.6's,
 * the newest 1.19 chart readable here (test/fixtures/charts/UPSTREAM.md).
 */
export const CILIUM = { repo: "https://helm.cilium.io", chart: "cilium", version: "1.19.9", namespace: "kube-system" } as const;
