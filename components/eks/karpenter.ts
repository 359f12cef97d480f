// Karpenter, all of it, modelled on terraform-aws-eks modules/karpenter: the controller's Pod
// Identity role and least-privilege policy, the node role with its EC2_LINUX access entry, the
// interruption queue and its five EventBridge rules, the CRD and controller Helm releases (pinned,
// from the OCI registry) with the controller on the system nodes, and one EC2NodeClass + NodePool per spec pool.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterSpec } from "../../stacks/spec";
import {
    AwsContext,
    ec2NodeClass,
    eventPattern,
    INTERRUPTION_EVENTS,
    interruptionQueuePolicy,
    KARPENTER,
    karpenterControllerPolicy,
    karpenterValues,
    managedPolicy,
    nodePool,
    nodeRolePolicies,
    podIdentityTrustPolicy,
    serviceTrustPolicy,
    usesVpcCni,
} from "./render";

export interface KarpenterArgs {
    spec: EksClusterSpec;
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
        const spec = args.spec;
        const ctx = pulumi.output(args.aws);
        const parent = { parent: this };
        const tags = args.tags;
        const vpcCni = usesVpcCni(spec);

        // --- Nodes Karpenter launches: their role and their right to join the cluster.
        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            { description: `${spec.name}: nodes launched by Karpenter`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", ["sts:AssumeRole"])), tags },
            parent,
        );
        const nodePolicies = nodeRolePolicies(vpcCni).map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: ctx.apply((c) => managedPolicy(c, policy)) }, parent),
        );
        const nodeAccess = new aws.eks.AccessEntry(
            `${name}-node`,
            { clusterName: args.clusterName, principalArn: nodeRole.arn, type: "EC2_LINUX", tags },
            { parent: this, dependsOn: nodePolicies },
        );
        this.nodeRoleName = nodeRole.name;

        // --- Interruption handling: EventBridge -> SQS -> the controller drains ahead of time.
        const queue = new aws.sqs.Queue(
            `${name}-interruption`,
            {
                name: `${spec.name}-karpenter`,
                // Interruption notices are stale after five minutes (terraform-aws-eks karpenter module; Karpenter CloudFormation).
                messageRetentionSeconds: 300,
                sqsManagedSseEnabled: true,
                tags,
            },
            parent,
        );
        const queuePolicy = new aws.sqs.QueuePolicy(
            `${name}-interruption`,
            { queueUrl: queue.url, policy: pulumi.all([ctx, queue.arn]).apply(([c, arn]) => JSON.stringify(interruptionQueuePolicy(c, arn))) },
            parent,
        );
        for (const event of INTERRUPTION_EVENTS) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${event.key}`,
                { description: `Karpenter interruption (${spec.name}): ${event.detailType}`, eventPattern: JSON.stringify(eventPattern(event)), tags },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${event.key}`,
                { rule: rule.name, targetId: "KarpenterInterruptionQueueTarget", arn: queue.arn },
                { parent: this, dependsOn: [queuePolicy] },
            );
        }
        this.queueName = queue.name;

        // --- The controller: a Pod Identity role with the scoped v1 policy.
        const controllerRole = new aws.iam.Role(
            `${name}-controller`,
            {
                description: `${spec.name}: Karpenter controller (Pod Identity ${KARPENTER.namespace}/${KARPENTER.serviceAccount})`,
                assumeRolePolicy: pulumi.all([ctx, args.clusterArn]).apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn))),
                tags,
            },
            parent,
        );
        const controllerPolicy = new aws.iam.Policy(
            `${name}-controller`,
            {
                description: `${spec.name}: what the Karpenter controller may do, scoped to this cluster's tags`,
                policy: pulumi
                    .all([ctx, args.clusterName, queue.arn, nodeRole.arn])
                    .apply(([c, cluster, queueArn, nodeRoleArn]) => JSON.stringify(karpenterControllerPolicy(c, { cluster, queueArn, nodeRoleArn }))),
                tags,
            },
            parent,
        );
        const controllerAttachment = new aws.iam.RolePolicyAttachment(`${name}-controller`, { role: controllerRole.name, policyArn: controllerPolicy.arn }, parent);
        const association = new aws.eks.PodIdentityAssociation(
            `${name}-controller`,
            { clusterName: args.clusterName, namespace: KARPENTER.namespace, serviceAccount: KARPENTER.serviceAccount, roleArn: controllerRole.arn, tags },
            { parent: this, dependsOn: [controllerAttachment] },
        );
        this.controllerRoleArn = controllerRole.arn;

        // The CRDs first, from their own chart, so that upgrades update them too (see KARPENTER.crdChart).
        const crds = new k8s.helm.v3.Release(
            `${name}-crd`,
            {
                name: "karpenter-crd",
                chart: KARPENTER.crdChart,
                version: KARPENTER.version,
                namespace: KARPENTER.namespace,
                atomic: true,
                timeout: 300,
            },
            // Only the API server is needed: the chart has no workloads (its conversion webhook is off by default).
            { parent: this, provider: args.provider },
        );

        this.release = new k8s.helm.v3.Release(
            `${name}-chart`,
            {
                name: "karpenter",
                chart: KARPENTER.chart,
                version: KARPENTER.version,
                namespace: KARPENTER.namespace,
                // The CRDs belong to the karpenter-crd release; two owners would fight over them.
                skipCrds: true,
                values: pulumi
                    .all([args.clusterName, args.clusterEndpoint, queue.name])
                    .apply(([cluster, endpoint, queueName]) => karpenterValues({ cluster, endpoint, queueName })),
                // Roll back a failed upgrade instead of leaving half a controller (Helm docs, "--atomic").
                atomic: true,
                // Helm waits for the controller's pods (5 minutes, Helm's default timeout).
                timeout: 300,
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: pulumi.output(args.dependsOn).apply((d) => [...d, crds, association, queuePolicy, nodeAccess] as pulumi.Resource[]),
            },
        );

        // --- Node pools: an EC2NodeClass and a NodePool per spec pool, once their CRDs exist and the
        // controller (with its validation) runs.
        const crOpts = { parent: this, provider: args.provider, dependsOn: [crds, this.release] };
        const fleetTags = Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith("kubernetes.io/cluster")));
        for (const pool of spec.karpenter.nodePools) {
            const nodeClass = nodeRole.name.apply((nodeRoleName) => ec2NodeClass({ cluster: spec.name, pool, amiAlias: spec.karpenter.amiAlias, nodeRoleName, tags: fleetTags }));
            new k8s.apiextensions.CustomResource(
                `${name}-${pool.name}-nodeclass`,
                { apiVersion: "karpenter.k8s.aws/v1", kind: "EC2NodeClass", metadata: nodeClass.metadata, spec: nodeClass.spec },
                crOpts,
            );
            const rendered = nodePool({ pool, zones: spec.zones, cilium: !vpcCni });
            new k8s.apiextensions.CustomResource(
                `${name}-${pool.name}-nodepool`,
                { apiVersion: rendered.apiVersion, kind: rendered.kind, metadata: rendered.metadata, spec: rendered.spec },
                crOpts,
            );
        }

        this.registerOutputs({ controllerRoleArn: this.controllerRoleArn, nodeRoleName: this.nodeRoleName, queueName: this.queueName });
    }
}
