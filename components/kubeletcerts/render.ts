// Pure renderer for the kubelet serving-certificate approver: the kubelet-csr-approver chart's values.
import type { PinnedChart } from "../core/k8s";

/**
 * postfinance/kubelet-csr-approver, chart 1.2.14 (tag v1.2.14, 2026-04-09: the newest release;
 * the chart's version is the tag without its "v", its image the tag, per the project's publish workflow).
 */
export const KUBELET_CSR_APPROVER: PinnedChart = {
    chart: "kubelet-csr-approver",
    version: "1.2.14",
    namespace: "kube-system",
    repo: "https://postfinance.github.io/kubelet-csr-approver",
};

export interface KubeletCsrApproverValuesInput {
    /** Every node name of the cluster (DNS labels, checked by the spec). */
    nodeNames: string[];
    /** The networks the nodes' addresses are in: every IP SAN must fall inside one. */
    nodeCidrs: string[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;

/**
 * Approves a kubernetes.io/kubelet-serving CSR only when it comes from system:node:<name>, its one
 * DNS SAN is that node's name and one the spec declares (providerRegex, an exact alternation), and
 * every IP SAN is in the node network (providerIpPrefixes); anything else is denied. Names are not
 * looked up in DNS (bypassDnsResolution): IDC host names need not resolve; the IP prefix check
 * still applies (kubelet-csr-approver README v1.2.14, the approval criteria list).
 */
export function kubeletCsrApproverValues(input: KubeletCsrApproverValuesInput) {
    if (input.nodeNames.length === 0) throw new Error("kubelet-csr-approver: no node names");
    for (const n of input.nodeNames) if (!DNS_LABEL.test(n)) throw new Error(`kubelet-csr-approver: ${JSON.stringify(n)} is not a DNS label`);
    for (const c of input.nodeCidrs) if (!CIDR.test(c)) throw new Error(`kubelet-csr-approver: ${JSON.stringify(c)} is not an IPv4 CIDR`);
    return {
        providerRegex: `^(${[...new Set(input.nodeNames)].sort().join("|")})$`,
        providerIpPrefixes: input.nodeCidrs,
        bypassDnsResolution: true,
        allowedDnsNames: 1,
        replicas: 2,
    };
}
