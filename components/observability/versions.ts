// Pinned versions of the observability layer. Checked 2026-11-29:
// - kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts tag kube-prometheus-stack-88.5.3,
//   Chart.yaml appVersion v0.93.1 = the prometheus-operator it runs; its CRDs are vendored in
//   test/fixtures/crds/prometheus-operator and its values.yaml in test/fixtures/charts/). Newer
//   releases exist (93.9.0, operator v0.94.x; prometheus-community/helm-charts release notes), but
//   re-checked 2026-11-30 the newest chart source readable here still ends at 88.5.3 (the repository
//   snapshot of 2026-08-22 and its forks), so neither their values.yaml nor their CRDs can be checked.
// - Thanos v0.42.4 (thanos-io/thanos CHANGELOG, 2026-07-30): the official quay.io image. The
//   Thanos components run as plain workloads rendered here rather than from a chart: the Bitnami
//   chart's images left Docker Hub's free catalogue, and no maintained official chart exists.
export const KUBE_PROMETHEUS_STACK = {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
    operatorVersion: "v0.93.1",
    /** Short release names: every object is named `kps-*` (fullnameOverride). */
    fullname: "kps",
} as const;

// - blackbox_exporter v0.29.1 (prometheus-community/helm-charts prometheus-blackbox-exporter-11.20.1,
//   "Update dependency prometheus/blackbox_exporter to v0.29.1"; re-checked 2026-11-30: the chart's
//   later releases, up to 11.20.3, carry no newer exporter): probes the IDC serving certificates.
export const BLACKBOX_EXPORTER = {
    version: "v0.29.1",
    image: "quay.io/prometheus/blackbox-exporter:v0.29.1",
    name: "blackbox-exporter",
    port: 9115,
} as const;

// - kube-rbac-proxy v0.22.1 (the project moved to github.com/kube-rbac-proxy/kube-rbac-proxy; its
//   releases list v0.22.1 newest, after v0.22.0 of 2026-04-27, "Update Kubernetes dependencies to
//   1.36", published at quay.io/brancz/kube-rbac-proxy and ghcr.io/kube-rbac-proxy/kube-rbac-proxy;
//   dependency bumps only since v0.21.0, the flags used here unchanged): the authenticating proxy in
//   front of kube-proxy's plain-HTTP /metrics on the IDC nodes.
export const KUBE_RBAC_PROXY = {
    version: "v0.22.1",
    image: "quay.io/brancz/kube-rbac-proxy:v0.22.1",
    /** The proxy's https port on every node's address (kube-proxy keeps 127.0.0.1:10249). */
    port: 10349,
} as const;

export const THANOS = {
    version: "v0.42.4",
    image: "quay.io/thanos/thanos:v0.42.4",
} as const;

/** Where everything of this layer lives in each cluster. */
export const MONITORING_NAMESPACE = "monitoring";
/** The ServiceAccount the EKS/ACK metrics stores trust (Pod Identity / RRSA): Prometheus and the Thanos workloads run as it. */
export const THANOS_SERVICE_ACCOUNT = "thanos";
/** The replica label kube-prometheus-stack's Prometheus adds; Thanos Query deduplicates along it. */
export const REPLICA_LABEL = "prometheus_replica";
/** Every Thanos gRPC server certificate carries this name; Thanos Query checks it on every endpoint. */
export const GRPC_SERVER_NAME = "thanos-grpc.monitoring.fleet";
export const PORTS = { grpc: 10901, http: 10902 } as const;
