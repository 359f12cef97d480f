// Karpenter's node pools: an EC2NodeClass and a NodePool per spec pool, once their CRDs exist and
// the controller (with its validation) runs.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { customResource } from "../../core/k8s";
import { ec2NodeClass, nodePool } from "./render";
import type { NodeKubelet } from "../../core/kubelet";
import type { KarpenterNodePoolSpec } from "../types";

export interface NodePoolsInputs {
    cluster: string;
    zones: string[];
    amiAlias: string;
    kubelet: NodeKubelet;
    pools: KarpenterNodePoolSpec[];
    /** Cilium runs on the nodes: they start with its taint. */
    cilium: boolean;
    nodeRoleName: pulumi.Output<string>;
    /** The fleet's tags, which every node and volume carries. */
    tags: Record<string, string>;
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

export function declareNodePools(owner: pulumi.ComponentResource, name: string, a: NodePoolsInputs): void {
    const opts = { parent: owner, provider: a.provider, dependsOn: a.dependsOn };
    for (const pool of a.pools) {
        const nodeClass = a.nodeRoleName.apply((nodeRoleName) =>
            ec2NodeClass({ cluster: a.cluster, pool, amiAlias: a.amiAlias, kubelet: a.kubelet, nodeRoleName, tags: a.tags }),
        );
        customResource(
            `${name}-${pool.name}-nodeclass`,
            { apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: nodeClass.metadata, spec: nodeClass.spec },
            opts,
        );
        customResource(`${name}-${pool.name}-nodepool`, nodePool({ pool, zones: a.zones, cilium: a.cilium }), opts);
    }
}
