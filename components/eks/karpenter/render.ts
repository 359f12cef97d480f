// Pure renderers for Karpenter: the controller's IAM policy, the interruption queue's policy and
// EventBridge patterns, the chart values, and each pool's EC2NodeClass and NodePool. Spec in, data out.
import { FLEET_KEYS, systemNodeSelector, systemTolerations } from "../../core/conventions";
import { type AwsContext, DISCOVERY_TAG, policyDocument as doc, type PolicyDocument } from "../render";
import type { NodeKubelet } from "../../core/kubelet";
import { karpenterUserData } from "../kubelet";
import type { KarpenterNodePoolSpec } from "../types";
import { KARPENTER } from "./versions";

/**
 * The Karpenter v1 controller policy, statement for statement as terraform-aws-eks
 * modules/karpenter/policy.tf ("v1.0.x Controller IAM Policy"): every mutating action is scoped
 * to resources tagged for this cluster, PassRole only to EC2 and only for the node role.
 */
export function karpenterControllerPolicy(ctx: AwsContext, a: { cluster: string; queueArn: string; nodeRoleArn: string }): PolicyDocument {
    const { partition: p, region: r, accountId } = ctx;
    const owned = { [`aws:RequestTag/kubernetes.io/cluster/${a.cluster}`]: "owned" };
    const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${a.cluster}`]: "owned" };
    const tagged = (kinds: string[]) => kinds.map((k) => `arn:${p}:ec2:${r}:*:${k}/*`);
    const launched = tagged(["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"]);
    const profiles = `arn:${p}:iam::${accountId}:instance-profile/*`;
    return doc(
        {
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Resource: [
                `arn:${p}:ec2:${r}::image/*`,
                `arn:${p}:ec2:${r}::snapshot/*`,
                ...tagged(["security-group", "subnet", "capacity-reservation", "placement-group"]),
            ],
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        },
        {
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Resource: tagged(["launch-template"]),
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Resource: launched,
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Condition: {
                StringEquals: { ...owned, "aws:RequestTag/eks:eks-cluster-name": a.cluster },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Resource: launched,
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: {
                    ...owned,
                    "aws:RequestTag/eks:eks-cluster-name": a.cluster,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Resource: tagged(["instance"]),
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: ownedResource,
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": a.cluster },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Resource: tagged(["instance", "launch-template"]),
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
        },
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Resource: "*",
            // Exactly upstream's list at v1.14.1 (cloudformation.yaml, KarpenterControllerResourceDiscoveryPolicy):
            // capacity reservations, instance status and placement groups are read by the v1.14 controller.
            Action: [
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            Condition: { StringEquals: { "aws:RequestedRegion": r } },
        },
        {
            // Zonal shift status of this cluster only (upstream v1.14.1, KarpenterControllerZonalShiftPolicy).
            Sid: "AllowZonalShiftStatusReadOnly",
            Effect: "Allow",
            Resource: "*",
            Action: "arc-zonal-shift:GetManagedResource",
            Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": `arn:${p}:eks:${r}:${accountId}:cluster/${a.cluster}` } },
        },
        { Sid: "AllowSSMReadActions", Effect: "Allow", Resource: `arn:${p}:ssm:${r}::parameter/aws/service/*`, Action: "ssm:GetParameter" },
        { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
        {
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Resource: a.queueArn,
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        },
        {
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Resource: a.nodeRoleArn,
            Action: "iam:PassRole",
            Condition: { StringEquals: { "iam:PassedToService": `ec2.${ctx.dnsSuffix}` } },
        },
        {
            Sid: "AllowScopedInstanceProfileCreationActions",
            Effect: "Allow",
            Resource: profiles,
            Action: "iam:CreateInstanceProfile",
            Condition: {
                StringEquals: { ...owned, "aws:RequestTag/eks:eks-cluster-name": a.cluster, "aws:RequestTag/topology.kubernetes.io/region": r },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileTagActions",
            Effect: "Allow",
            Resource: profiles,
            Action: "iam:TagInstanceProfile",
            Condition: {
                StringEquals: {
                    ...ownedResource,
                    "aws:ResourceTag/topology.kubernetes.io/region": r,
                    ...owned,
                    "aws:RequestTag/eks:eks-cluster-name": a.cluster,
                    "aws:RequestTag/topology.kubernetes.io/region": r,
                },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Condition: {
                StringEquals: { ...ownedResource, "aws:ResourceTag/topology.kubernetes.io/region": r },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: profiles, Action: "iam:GetInstanceProfile" },
        // The instance-profile garbage collector lists every profile; ListInstanceProfiles takes no
        // resource scope (IAM service authorization reference), so it is the one unscoped statement
        // (Karpenter v1 docs' controller policy; terraform-aws-eks modules/karpenter, same Sid).
        { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
        {
            Sid: "AllowAPIServerEndpointDiscovery",
            Effect: "Allow",
            Resource: `arn:${p}:eks:${r}:${accountId}:cluster/${a.cluster}`,
            Action: "eks:DescribeCluster",
        },
    );
}

/**
 * The controller policy as managed policies the way Karpenter's own CloudFormation splits it
 * (getting-started cloudformation.yaml, v1.14: NodeLifecycle, IAMIntegration, EKSIntegration,
 * Interruption, ZonalShift, ResourceDiscovery): one document would be ~6,100 of the 6,144
 * characters IAM allows a managed policy (IAM quotas), and a longer cluster name passes it.
 */
export const CONTROLLER_POLICY_GROUPS = {
    nodeLifecycle: [
        "AllowScopedEC2InstanceAccessActions",
        "AllowScopedEC2LaunchTemplateAccessActions",
        "AllowScopedEC2InstanceActionsWithTags",
        "AllowScopedResourceCreationTagging",
        "AllowScopedResourceTagging",
        "AllowScopedDeletion",
    ],
    iamIntegration: [
        "AllowPassingInstanceRole",
        "AllowScopedInstanceProfileCreationActions",
        "AllowScopedInstanceProfileTagActions",
        "AllowScopedInstanceProfileActions",
        "AllowInstanceProfileReadActions",
    ],
    eksIntegration: ["AllowAPIServerEndpointDiscovery"],
    interruption: ["AllowInterruptionQueueActions"],
    zonalShift: ["AllowZonalShiftStatusReadOnly"],
    resourceDiscovery: ["AllowRegionalReadActions", "AllowSSMReadActions", "AllowPricingReadActions", "AllowUnscopedInstanceProfileListAction"],
} as const;
export type ControllerPolicyGroup = keyof typeof CONTROLLER_POLICY_GROUPS;

/** karpenterControllerPolicy's statements, one document per group; a statement in no group is an error. */
export function karpenterControllerPolicies(
    ctx: AwsContext,
    a: { cluster: string; queueArn: string; nodeRoleArn: string },
): Record<ControllerPolicyGroup, PolicyDocument> {
    const statements = karpenterControllerPolicy(ctx, a).Statement;
    const groupOf = new Map<string, string>(Object.entries(CONTROLLER_POLICY_GROUPS).flatMap(([g, sids]) => sids.map((sid) => [sid, g] as const)));
    const stray = statements.filter((st) => !groupOf.has(String(st.Sid)));
    if (stray.length > 0) throw new Error(`Karpenter controller statements in no policy group: ${stray.map((st) => st.Sid).join(", ")}`);
    const groups = Object.keys(CONTROLLER_POLICY_GROUPS) as ControllerPolicyGroup[];
    return Object.fromEntries(groups.map((g) => [g, doc(...statements.filter((st) => groupOf.get(String(st.Sid)) === g))])) as Record<
        ControllerPolicyGroup,
        PolicyDocument
    >;
}

/**
 * Only EventBridge rules of this account and region may send (EventBridge user guide, "Amazon SQS
 * permissions": the events.amazonaws.com grant conditioned on aws:SourceArn). A service principal
 * without a source condition lets any account's rule target the queue (IAM user guide, "The confused
 * deputy problem"). The rule ARN pattern, not the five exact ARNs: the policy must exist before the
 * rules' targets and the rules are auto-named. terraform-aws-eks also grants sqs.amazonaws.com;
 * nothing here sends as the SQS service, so it is left out. Nobody may use the queue without TLS.
 */
export function interruptionQueuePolicy(ctx: AwsContext, queueArn: string): PolicyDocument {
    return doc(
        {
            Sid: "EventBridgeRulesOfThisAccount",
            Effect: "Allow",
            // The global service principal, as terraform-aws-eks and the EventBridge guide write it.
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: queueArn,
            Condition: { ArnLike: { "aws:SourceArn": `arn:${ctx.partition}:events:${ctx.region}:${ctx.accountId}:rule/*` } },
        },
        {
            Sid: "DenyHTTP",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: queueArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    );
}

/**
 * The events Karpenter handles (Karpenter docs, "Interruption"; its CloudFormation template),
 * spelled exactly as EventBridge emits them.
 */
export const INTERRUPTION_EVENTS = [
    { key: "health-event", source: "aws.health", detailType: "AWS Health Event" },
    { key: "spot-interruption", source: "aws.ec2", detailType: "EC2 Spot Instance Interruption Warning" },
    { key: "rebalance", source: "aws.ec2", detailType: "EC2 Instance Rebalance Recommendation" },
    { key: "state-change", source: "aws.ec2", detailType: "EC2 Instance State-change Notification" },
    { key: "capacity-reservation-interruption", source: "aws.ec2", detailType: "EC2 Capacity Reservation Instance Interruption Warning" },
] as const;

export const eventPattern = (e: (typeof INTERRUPTION_EVENTS)[number]) => ({ source: [e.source], "detail-type": [e.detailType] });

/** Values of the Karpenter chart (charts/karpenter/values.yaml v1.14.1). */
export function karpenterValues(a: { cluster: string; endpoint: string; queueName: string }) {
    return {
        settings: {
            clusterName: a.cluster,
            clusterEndpoint: a.endpoint,
            interruptionQueue: a.queueName,
            // Pods never use the primary ENI (VPC CNI custom networking; Cilium's CNI config sets
            // first-interface-index 1): Karpenter must not count it in max pods (Karpenter docs, "Settings: reservedENIs").
            reservedENIs: "1",
        },
        serviceAccount: { name: KARPENTER.serviceAccount },
        // Two replicas with leader election: one can be lost or drained (Karpenter docs, "Getting started").
        replicas: 2,
        nodeSelector: systemNodeSelector,
        tolerations: systemTolerations,
        podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
        // The requests and limits the Karpenter getting-started guide sets for the controller.
        controller: { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
    };
}

/** Root volume of Karpenter nodes; AL2023 boots from /dev/xvda, Bottlerocket keeps data on /dev/xvdb (Karpenter docs, "EC2NodeClass blockDeviceMappings"). */
function rootDevice(amiAlias: string): string {
    return amiAlias.startsWith("bottlerocket@") ? "/dev/xvdb" : "/dev/xvda";
}

/** The EC2NodeClass of one pool (karpenter.k8s.aws/v1). */
export function ec2NodeClass(a: {
    cluster: string;
    pool: KarpenterNodePoolSpec;
    amiAlias: string;
    kubelet: NodeKubelet;
    nodeRoleName: string;
    tags: Record<string, string>;
}) {
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: a.pool.name },
        spec: {
            role: a.nodeRoleName,
            amiSelectorTerms: [{ alias: a.amiAlias }],
            subnetSelectorTerms: [{ tags: { [DISCOVERY_TAG]: a.cluster } }],
            securityGroupSelectorTerms: [{ tags: { [DISCOVERY_TAG]: a.cluster } }],
            // IMDSv2 only, and one hop: pods cannot reach the node's credentials (EKS best practices, "Restrict access to IMDS").
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: [
                {
                    deviceName: rootDevice(a.amiAlias),
                    // Karpenter's AL2023 default is 20Gi (EC2NodeClass docs); 50Gi leaves room for image layers.
                    ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true },
                },
            ],
            tags: { ...a.tags, [FLEET_KEYS.nodePool]: a.pool.name },
            // Kubelet settings EC2NodeClass.spec.kubelet has no field for; a change is drift: Karpenter replaces the nodes.
            userData: karpenterUserData(a.amiAlias, a.kubelet),
        },
    };
}

/** The NodePool of one pool (karpenter.sh/v1). */
/** Cilium's agent-not-ready taint, which the Cilium operator removes once the agent runs on the node (Cilium docs, "Installation using Helm": EKS and Karpenter). */
export const CILIUM_STARTUP_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NoExecute" } as const;

export function nodePool(a: { pool: KarpenterNodePoolSpec; zones: string[]; cilium?: boolean }) {
    const p = a.pool;
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: p.name },
        spec: {
            template: {
                metadata: { labels: { ...p.labels, [FLEET_KEYS.nodePool]: p.name } },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: p.name },
                    requirements: [
                        { key: "karpenter.sh/capacity-type", operator: "In", values: [...p.capacityTypes] },
                        { key: "kubernetes.io/arch", operator: "In", values: [...p.architectures] },
                        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                        { key: "karpenter.k8s.aws/instance-category", operator: "In", values: [...p.instanceCategories] },
                        { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: [String(p.instanceGenerationGreaterThan)] },
                        { key: "topology.kubernetes.io/zone", operator: "In", values: [...a.zones] },
                    ],
                    taints: p.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })),
                    // With Cilium, no pod lands on a new node before its agent can give it networking;
                    // a startup taint is expected to go away, so Karpenter does not plan around it.
                    ...(a.cilium ? { startupTaints: [{ ...CILIUM_STARTUP_TAINT }] } : {}),
                    expireAfter: p.expireAfter,
                    ...(p.terminationGracePeriod !== "Never" ? { terminationGracePeriod: p.terminationGracePeriod } : {}),
                },
            },
            limits: { cpu: String(p.limits.cpu), memory: `${p.limits.memoryGiB}Gi` },
            disruption: {
                consolidationPolicy: p.disruption.consolidationPolicy,
                consolidateAfter: p.disruption.consolidateAfter,
                budgets: p.disruption.budgets.map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined))),
            },
            ...(p.weight !== undefined ? { weight: p.weight } : {}),
        },
    };
}
