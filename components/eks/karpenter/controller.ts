// The Karpenter controller: its Pod Identity role with the scoped v1 policy, then the CRD chart and
// the controller chart (pinned, from the OCI registry), the controller on the system nodes.
import * as aws from "../../core/sdk/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../../core/k8s";
import { AwsContext, podIdentityTrustPolicy } from "../render";
import { CONTROLLER_POLICY_GROUPS, type ControllerPolicyGroup, karpenterControllerPolicies, karpenterValues } from "./render";
import { KARPENTER } from "./versions";

export interface ControllerInputs {
    cluster: string;
    ctx: pulumi.Output<AwsContext>;
    clusterName: pulumi.Input<string>;
    clusterArn: pulumi.Input<string>;
    clusterEndpoint: pulumi.Input<string>;
    queue: aws.sqs.Queue;
    nodeRole: aws.iam.Role;
    provider: k8s.Provider;
    /** What the controller's pods need: the system nodes, the queue's policy, the nodes' access entry. */
    dependsOn: pulumi.Input<pulumi.Resource[]>;
    tags: Record<string, string>;
}

export function declareController(
    owner: pulumi.ComponentResource,
    name: string,
    a: ControllerInputs,
): { role: aws.iam.Role; crds: k8s.helm.v3.Release; release: k8s.helm.v3.Release } {
    const { ctx, tags } = a;
    const parent = { parent: owner };
    const role = new aws.iam.Role(
        `${name}-controller`,
        {
            description: `${a.cluster}: Karpenter controller (Pod Identity ${KARPENTER.namespace}/${KARPENTER.serviceAccount})`,
            assumeRolePolicy: pulumi.all([ctx, a.clusterArn]).apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn, KARPENTER))),
            tags,
        },
        parent,
    );
    // One managed policy per group, as Karpenter's CloudFormation splits them (size quota); the
    // node-lifecycle one keeps the name the single policy had.
    const documents = pulumi
        .all([ctx, a.clusterName, a.queue.arn, a.nodeRole.arn])
        .apply(([c, cluster, queueArn, nodeRoleArn]) => karpenterControllerPolicies(c, { cluster, queueArn, nodeRoleArn }));
    const attachments = (Object.keys(CONTROLLER_POLICY_GROUPS) as ControllerPolicyGroup[]).map((group) => {
        const id = group === "nodeLifecycle" ? `${name}-controller` : `${name}-controller-${kebab(group)}`;
        const policy = new aws.iam.Policy(
            id,
            {
                description: `${a.cluster}: Karpenter controller, ${kebab(group).replace(/-/g, " ")} (scoped to this cluster's tags)`,
                policy: documents.apply((d) => JSON.stringify(d[group])),
                tags,
            },
            parent,
        );
        return new aws.iam.RolePolicyAttachment(id, { role: role.name, policyArn: policy.arn }, parent);
    });
    const association = new aws.eks.PodIdentityAssociation(
        `${name}-controller`,
        { clusterName: a.clusterName, namespace: KARPENTER.namespace, serviceAccount: KARPENTER.serviceAccount, roleArn: role.arn, tags },
        { parent: owner, dependsOn: attachments },
    );

    // The CRDs first, from their own chart, so that upgrades update them too (see KARPENTER.crdChart).
    const crds = pinnedRelease(
        `${name}-crd`,
        { release: "karpenter-crd", chart: { chart: KARPENTER.crdChart, version: KARPENTER.version, namespace: KARPENTER.namespace }, timeoutSeconds: 300 },
        // Only the API server is needed: the chart has no workloads (its conversion webhook is off by default).
        // Kept if Pulumi ever deletes the release: `helm uninstall` deletes chart-template CRDs, and with
        // them every NodePool and NodeClaim, which drains and terminates every Karpenter node.
        { parent: owner, provider: a.provider, retainOnDelete: true },
    );
    const release = pinnedRelease(
        `${name}-chart`,
        {
            release: KARPENTER.release,
            chart: { chart: KARPENTER.chart, version: KARPENTER.version, namespace: KARPENTER.namespace },
            // The CRDs belong to the karpenter-crd release; two owners would fight over them.
            skipCrds: true,
            values: pulumi
                .all([a.clusterName, a.clusterEndpoint, a.queue.name])
                .apply(([cluster, endpoint, queueName]) => karpenterValues({ cluster, endpoint, queueName })),
            // Helm waits for the controller's pods (5 minutes, Helm's default timeout).
            timeoutSeconds: 300,
        },
        {
            parent: owner,
            provider: a.provider,
            dependsOn: pulumi.output(a.dependsOn).apply((d) => [...d, crds, association] as pulumi.Resource[]),
        },
    );
    return { role, crds, release };
}

/** `nodeLifecycle` -> `node-lifecycle`. */
const kebab = (group: string) => group.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
