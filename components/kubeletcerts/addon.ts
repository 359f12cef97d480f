// The kubelet serving-certificate approver as a cluster add-on (IDC: kubeadm clusters with serverTLSBootstrap).
import type { ClusterAddon } from "../core/contract";
import { KubeletCsrApprover } from "./approver";
import type { KubeletCsrApproverValuesInput } from "./render";

export const kubeletCsrApproverAddon: ClusterAddon<KubeletCsrApproverValuesInput> = {
    name: "kubelet-csr-approver",
    needs: ["cni"],
    install(cluster, args, after) {
        const approver = new KubeletCsrApprover(`${cluster.name}-kubelet-csr-approver`, { ...args, access: cluster, after }, { parent: cluster.parent });
        return { ready: [approver.release] };
    },
};
