// Pinned versions of Calico.
/**
 * Calico v3.32.1. Since v3.32 the CRDs ship in their own chart, installed before the operator
 * (projectcalico/calico#12864: "the CRDs were moved into the separate crd.projectcalico.org.v1
 * chart in v3.32"); the operator chart pins tigera/operator v1.42.3.
 */
export const CALICO = {
    repo: "https://docs.tigera.io/calico/charts",
    version: "v3.32.1",
    crdChart: "crd.projectcalico.org.v1",
    operatorChart: "tigera-operator",
    namespace: "tigera-operator",
} as const;
