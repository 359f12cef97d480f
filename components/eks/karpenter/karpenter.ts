// Karpenter, all of it, modelled on terraform-aws-eks modules/karpenter: the nodes' identity
// (nodeIdentity.ts), the interruption queue and its EventBridge rules (interruption.ts), the
// controller's Pod Identity role and its pinned CRD and controller charts (controller.ts), and one
// EC2NodeClass + NodePool per spec pool (nodePools.ts). The pure renderers are in ../render.ts.
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AwsContext } from "../render";
import type { EksClusterShape } from "../types";
import { declareController } from "./controller";
import { declareInterruptionQueue } from "./interruption";
import { declareNodeIdentity } from "./nodeIdentity";
import { declareNodePools } from "./nodePools";

export interface KarpenterArgs {
    /** The fleet's name of the cluster: descriptions, the queue's name, the node classes' discovery tag. */
    cluster: string;
    zones: string[];
    /** The AMI alias and the node pools. */
    karpenter: EksClusterShape["karpenter"];
    /** The nodes run the VPC CNI; otherwise Cilium (its startup taint, no CNI policy on the node role). */
    vpcCni: boolean;
    /** AmazonSSMManagedInstanceCore on the nodes' role. */
    ssmAccess: boolean;
    /** Kubelet settings beyond Karpenter's own, in the node classes' user data. */
    kubelet: EksClusterShape["kubelet"];
    aws: pulumi.Input<AwsContext>;
    clusterName: pulumi.Input<string>;
    clusterArn: pulumi.Input<string>;
    clusterEndpoint: pulumi.Input<string>;
    /** The cluster's own Kubernetes provider. */
    provider: k8s.Provider;
    /** What must exist before the controller can run: the system nodes and their add-ons. */
    dependsOn: pulumi.Input<pulumi.Resource[]>;
    tags: Record<string, string>;
}

export class Karpenter extends pulumi.ComponentResource {
    readonly controllerRoleArn: pulumi.Output<string>;
    readonly nodeRoleName: pulumi.Output<string>;
    readonly queueName: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:eks:Karpenter", name, {}, opts);
        const ctx = pulumi.output(args.aws);
        const { cluster, tags } = args;

        const node = declareNodeIdentity(this, name, { cluster, vpcCni: args.vpcCni, ssmAccess: args.ssmAccess, ctx, clusterName: args.clusterName, tags });
        this.nodeRoleName = node.role.name;

        const interruption = declareInterruptionQueue(this, name, { cluster, ctx, tags });
        this.queueName = interruption.queue.name;

        const controller = declareController(this, name, {
            cluster,
            ctx,
            clusterName: args.clusterName,
            clusterArn: args.clusterArn,
            clusterEndpoint: args.clusterEndpoint,
            queue: interruption.queue,
            nodeRole: node.role,
            provider: args.provider,
            dependsOn: pulumi.output(args.dependsOn).apply((d) => [...d, interruption.policy, node.access] as pulumi.Resource[]),
            tags,
        });
        this.controllerRoleArn = controller.role.arn;
        this.release = controller.release;

        declareNodePools(this, name, {
            cluster,
            zones: args.zones,
            amiAlias: args.karpenter.amiAlias,
            kubelet: args.kubelet,
            pools: args.karpenter.nodePools,
            cilium: !args.vpcCni,
            nodeRoleName: node.role.name,
            tags: Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith("kubernetes.io/cluster"))),
            provider: args.provider,
            dependsOn: [controller.crds, controller.release],
        });

        this.registerOutputs({ controllerRoleArn: this.controllerRoleArn, nodeRoleName: this.nodeRoleName, queueName: this.queueName });
    }
}
