// Pinned versions of Karpenter, checked against the vendored CRDs and chart values.
/**
 * The Karpenter release this program installs; it matches the vendored CRDs and chart values
 * (v1.14.1). Its compatibility matrix (website/content/en/docs/upgrading/compatibility.md at v1.14.1)
 * lists Kubernetes 1.36 from Karpenter 1.13 on.
 */
export const KARPENTER = {
    chart: "oci://public.ecr.aws/karpenter/karpenter",
    /**
     * The CRDs as their own chart, at the controller's version. Helm installs a chart's crds/ on
     * first install only and never upgrades them; karpenter-crd ships them as templates, so every
     * upgrade brings them along (Karpenter docs, "Upgrade Guide: CRD Upgrades").
     */
    crdChart: "oci://public.ecr.aws/karpenter/karpenter-crd",
    version: "1.14.1",
    namespace: "kube-system",
    serviceAccount: "karpenter",
    /** The Helm release name: the chart's Service selects app.kubernetes.io/instance=<release> (monitoring scrapes it). */
    release: "karpenter",
} as const;
