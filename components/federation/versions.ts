// Pinned versions of the federation layer, checked 2026-11-29. Karmada keeps the three newest
// minors supported (karmada.io, "Release cadence"); 1.18 is one of them (v1.19.0 and v1.18.3 were
// released 2026-08-31, after the source snapshot the chart's values and CRDs were checked against).
export const KARMADA = {
    /** The released chart package (`karmada-chart-v1.18.2.tgz`, chart version `v1.18.2` in the repo index). */
    chart: "karmada",
    version: "v1.18.2",
    repo: "https://raw.githubusercontent.com/karmada-io/karmada/master/charts",
    namespace: "karmada-system",
    /** Every karmada/* image of the release (the chart in git says `latest`). */
    imageTag: "v1.18.2",
    /** kube-apiserver and kube-controller-manager of karmada's control plane: the chart's own pin at v1.18.2. */
    kubeTag: "v1.35.2",
    /** etcd: the chart's own pin at v1.18.2 (registry.k8s.io/etcd). */
    etcdTag: "3.6.6-0",
    /** The chart's init containers and hook jobs run bash and openssl/cfssl from these (the chart says `latest`). */
    cfssl: { registry: "docker.io", repository: "cfssl/cfssl", tag: "v1.6.5" },
    kubectl: { registry: "docker.io", repository: "alpine/k8s", tag: "1.35.2" },
} as const;

/** Where karmada-apiserver listens (the chart's Service port, templates/karmada-apiserver.yaml). */
export const KARMADA_APISERVER_PORT = 5443;
