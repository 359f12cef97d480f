// hybrid:kubeletcerts:KubeletCsrApprover: approves the kubelets' serving-certificate CSRs
// (serverTLSBootstrap) for the cluster's own nodes, so that the API server can verify the kubelets
// it calls (--kubelet-certificate-authority) and the certificates renew without an operator.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "../core/contract";
import { pinnedRelease } from "../core/k8s";
import { KUBELET_CSR_APPROVER, kubeletCsrApproverValues, KubeletCsrApproverValuesInput } from "./render";

export interface KubeletCsrApproverArgs extends KubeletCsrApproverValuesInput {
    access: ClusterAccess;
    /** The CNI's readiness: the approver's pods need the pod network. */
    after: pulumi.Resource[];
}

export class KubeletCsrApprover extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: KubeletCsrApproverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:kubeletcerts:KubeletCsrApprover", name, {}, opts);
        this.release = pinnedRelease(
            `${name}-chart`,
            {
                release: "kubelet-csr-approver",
                chart: KUBELET_CSR_APPROVER,
                values: kubeletCsrApproverValues({ nodeNames: args.nodeNames, nodeAddresses: args.nodeAddresses }),
                timeoutSeconds: 300,
            },
            { parent: this, provider: args.access.provider, dependsOn: [...args.access.ready, ...args.after] },
        );
        this.registerOutputs({});
    }
}
