// Pure renderer for the kubelet serving-certificate approver: the kubelet-csr-approver chart's values.
import { parseIp } from "../core/cidr";
import { DNS_LABEL } from "../core/conventions";
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
    /** Every node's own address: an IP SAN must be one of them (never the VIP or another host of the node network). */
    nodeAddresses: string[];
}

/**
 * Approves a kubernetes.io/kubelet-serving CSR only when it comes from system:node:<name>, its one
 * DNS SAN starts with that node's name and is one the spec declares (providerRegex, an exact
 * alternation), and every IP SAN is one of the nodes' own addresses (providerIpPrefixes, each a
 * /32): not the VIP, not an etcd or gateway host of the same network. Names are not looked up in DNS
 * (bypassDnsResolution): IDC host names need not resolve; the IP check still applies
 * (kubelet-csr-approver v1.2.14, internal/controller/regex_ip_checks.go). Without DNS nothing ties
 * an address to the node that asks for it: a node may get a certificate for another node's
 * address (or a node name it prefixes); its CA signs kubelet certificates only (ClusterPki).
 */
export function kubeletCsrApproverValues(input: KubeletCsrApproverValuesInput) {
    if (input.nodeNames.length === 0) throw new Error("kubelet-csr-approver: no node names");
    for (const n of input.nodeNames) if (!DNS_LABEL.test(n)) throw new Error(`kubelet-csr-approver: ${JSON.stringify(n)} is not a DNS label`);
    for (const a of input.nodeAddresses) if (parseIp(a) === undefined) throw new Error(`kubelet-csr-approver: ${JSON.stringify(a)} is not an IPv4 address`);
    return {
        providerRegex: `^(${[...new Set(input.nodeNames)].sort().join("|")})$`,
        providerIpPrefixes: [...new Set(input.nodeAddresses)].sort().map((a) => `${a}/32`),
        bypassDnsResolution: true,
        allowedDnsNames: 1,
        replicas: 2,
    };
}
