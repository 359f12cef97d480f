// Pinned versions of Karpenter, checked against the vendored CRDs and chart values.
/**
 * The Karpenter release this program installs: 1.14.3 (2026-10-23), the newest patch of 1.14, a
 * long-term-support minor maintained until July 2027. Karpenter supports a regular minor only until
 * the next one and an LTS minor for a year, and asks for the newest patch of a supported minor
 * (karpenter.sh, "Compatibility": Support Policy); 1.14.2 (2026-10-12) moved Go and golang.org/x
 * for vulnerabilities, 1.14.3 classifies SpotMaxPriceTooLow as insufficient capacity and treats a
 * reclaiming capacity reservation as unavailable (release notes). 1.15 is newer but a regular minor.
 * Its compatibility matrix (website/content/en/docs/upgrading/compatibility.md at v1.14.1) lists
 * Kubernetes 1.36 from Karpenter 1.13 on.
 */
export const KARPENTER = {
    chart: "oci://public.ecr.aws/karpenter/karpenter",
    /**
     * The CRDs as their own chart, at the controller's version. Helm installs a chart's crds/ on
     * first install only and never upgrades them; karpenter-crd ships them as templates, so every
     * upgrade brings them along (Karpenter docs, "Upgrade Guide: CRD Upgrades").
     */
    crdChart: "oci://public.ecr.aws/karpenter/karpenter-crd",
    version: "1.14.3",
    /**
     * The release whose CRDs, chart values and controller policy the tests check against (test/fixtures:
     * the newest readable here; the aws/karpenter-provider-aws snapshot ends on 2026-08-23). The same
     * minor: patch releases only backport fixes (Support Policy), and the notes of 1.14.2 and 1.14.3 list no
     * API or chart change. Copy 1.14.3's files over the fixtures when they can be read.
     */
    checkedAgainst: "1.14.1",
    namespace: "kube-system",
    serviceAccount: "karpenter",
    /** The Helm release name: the chart's Service selects app.kubernetes.io/instance=<release> (monitoring scrapes it). */
    release: "karpenter",
} as const;
