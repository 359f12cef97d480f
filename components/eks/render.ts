// Pure renderers for the EKS site: the address plan, subnet tags, IAM and queue policy documents,
// the interruption event patterns, the add-on settings, the Karpenter Helm values and custom
// resources, the default StorageClass and the kubeconfig. Spec in, data out.
import { cidr, subnet } from "../core/cidr";
import type { EksClusterShape as EksClusterSpec } from "./types";
import { EXTRA_CONTROL_PLANE_LOGS, KarpenterNodePoolSpec } from "./types";

// ---------------------------------------------------------------------------------------------
// Address plan

/** vpcCidr and podCidr are each split in 2^ZONE_BITS blocks: block i serves zone i. */
export const ZONE_BITS = 3;
/** The last block of vpcCidr holds the public subnets, 2^PUBLIC_BITS of them. */
export const PUBLIC_BITS = 3;

export interface ZoneSubnets {
    zone: string;
    /** Nodes and internal load balancers. */
    privateCidr: string;
    /** NAT gateways and internet-facing load balancers only; nothing else gets a public address. */
    publicCidr: string;
    /** Pod addresses (VPC CNI custom networking or Cilium ENI IPAM), carved from podCidr. */
    podCidr: string;
}

export interface AddressPlan {
    vpcCidr: string;
    /** podCidr, associated with the VPC as a secondary IPv4 block. */
    podCidr: string;
    zones: ZoneSubnets[];
}

/**
 * Zone i gets block i of vpcCidr and of podCidr (each split in 8) and public block i inside the
 * last eighth of vpcCidr: appending a zone never moves an existing subnet.
 */
export function addressPlan(spec: EksClusterSpec): AddressPlan {
    const vpc = cidr(spec.network.vpcCidr);
    const pods = cidr(spec.network.podCidr);
    const publicBlock = subnet(vpc, vpc.prefix + ZONE_BITS, 2 ** ZONE_BITS - 1);
    return {
        vpcCidr: vpc.text,
        podCidr: pods.text,
        zones: spec.zones.map((zone, i) => ({
            zone,
            privateCidr: subnet(vpc, vpc.prefix + ZONE_BITS, i).text,
            publicCidr: subnet(publicBlock, publicBlock.prefix + PUBLIC_BITS, i).text,
            podCidr: subnet(pods, pods.prefix + ZONE_BITS, i).text,
        })),
    };
}

export const DISCOVERY_TAG = "karpenter.sh/discovery";
export const clusterTagKey = (cluster: string) => `kubernetes.io/cluster/${cluster}`;

/**
 * Subnet tags the AWS Load Balancer Controller and Karpenter select on (AWS LBC docs, "Subnet
 * auto-discovery"; Karpenter docs, "subnetSelectorTerms"). Only node subnets are discoverable by Karpenter.
 */
export function subnetTags(cluster: string, role: "private" | "public" | "pods"): Record<string, string> {
    const shared = { [clusterTagKey(cluster)]: "shared", "hybrid-fleet.io/subnet-role": role };
    if (role === "public") return { ...shared, "kubernetes.io/role/elb": "1" };
    if (role === "private") return { ...shared, "kubernetes.io/role/internal-elb": "1", [DISCOVERY_TAG]: cluster };
    return shared;
}

// ---------------------------------------------------------------------------------------------
// IAM documents

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

export interface AwsContext {
    partition: string;
    accountId: string;
    region: string;
    /** The partition's DNS suffix, e.g. amazonaws.com. */
    dnsSuffix: string;
}

/** A role a service assumes; `sourceArn` pins it to one resource (confused-deputy protection, IAM docs). */
export function serviceTrustPolicy(service: string, actions: string[], guard?: { accountId: string; sourceArn: string }): PolicyDocument {
    const statement: PolicyStatement = { Effect: "Allow", Principal: { Service: service }, Action: actions };
    if (guard) statement.Condition = { StringEquals: { "aws:SourceAccount": guard.accountId }, ArnLike: { "aws:SourceArn": guard.sourceArn } };
    return doc(statement);
}

/** EKS Pod Identity: pods.eks.amazonaws.com assumes and tags the session (EKS docs, "Pod Identity role"), only for this cluster. */
export function podIdentityTrustPolicy(ctx: AwsContext, clusterArn: string): PolicyDocument {
    return serviceTrustPolicy("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"], { accountId: ctx.accountId, sourceArn: clusterArn });
}

/** VPC flow logs publish to one log group (VPC docs, "IAM role for publishing flow logs to CloudWatch Logs"). */
export function flowLogTrustPolicy(ctx: AwsContext): PolicyDocument {
    return serviceTrustPolicy("vpc-flow-logs.amazonaws.com", ["sts:AssumeRole"], {
        accountId: ctx.accountId,
        sourceArn: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:vpc-flow-log/*`,
    });
}

export function flowLogPolicy(logGroupArn: string): PolicyDocument {
    const group = logGroupArn.replace(/:\*$/, "");
    return doc({
        Sid: "WriteFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [group, `${group}:log-stream:*`],
    });
}

/**
 * A KMS key that CloudWatch Logs may use only for the named log groups (CloudWatch Logs docs,
 * "Encrypt log data using AWS KMS"); the account keeps administration through IAM.
 */
export function logsKeyPolicy(ctx: AwsContext, logGroupNames: string[]): PolicyDocument {
    return doc(
        {
            Sid: "AccountAdministers",
            Effect: "Allow",
            Principal: { AWS: `arn:${ctx.partition}:iam::${ctx.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "CloudWatchLogsEncrypts",
            Effect: "Allow",
            Principal: { Service: `logs.${ctx.region}.${ctx.dnsSuffix}` },
            Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resource: "*",
            Condition: {
                ArnEquals: {
                    "kms:EncryptionContext:aws:logs:arn": logGroupNames.map((n) => `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${n}`),
                },
            },
        },
    );
}

export const managedPolicy = (ctx: { partition: string }, name: string) => `arn:${ctx.partition}:iam::aws:policy/${name}`;

/**
 * AWS managed policies of a node role (EKS docs, "Amazon EKS node IAM role": worker node policy, ECR
 * pull, the CNI policy where the VPC CNI runs). AmazonSSMManagedInstanceCore (Session Manager instead
 * of SSH) only when the spec asks for it: the node does not need it to run (terraform-aws-eks attaches
 * it optionally too).
 */
export function nodeRolePolicies(usesVpcCni: boolean, ssmAccess: boolean): string[] {
    return [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryPullOnly",
        ...(ssmAccess ? ["AmazonSSMManagedInstanceCore"] : []),
        ...(usesVpcCni ? ["AmazonEKS_CNI_Policy"] : []),
    ];
}

/** Whether the AWS VPC CNI runs (vpc-cni, and calico which uses it for addresses); Cilium replaces it and kube-proxy. */
export const usesVpcCni = (spec: EksClusterSpec) => spec.network.cni !== "cilium";

/** The control-plane log types: api, audit, authenticator always, plus the spec's extras, in EKS's order. */
export function controlPlaneLogTypes(spec: EksClusterSpec): string[] {
    const extra = new Set(spec.controlPlaneLogs.extraTypes);
    return ["api", "audit", "authenticator", ...EXTRA_CONTROL_PLANE_LOGS.filter((t) => extra.has(t))];
}

/** The log group EKS writes control-plane logs to; its name is fixed by EKS (EKS docs, "Control plane logs"). */
export const controlPlaneLogGroupName = (cluster: string) => `/aws/eks/${cluster}/cluster`;
export const flowLogGroupName = (cluster: string) => `/aws/vpc/${cluster}/flow-logs`;

export const CLUSTER_ADMIN_POLICY = (partition: string) => `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;

// ---------------------------------------------------------------------------------------------
// Karpenter

/**
 * The Karpenter release this program installs; it matches the vendored CRDs and chart values
 * (v1.14.1). Its compatibility matrix (website/content/en/docs/upgrading/compatibility.md at v1.14.1)
 * lists Kubernetes 1.36 from Karpenter 1.13 on.
 */
export const KARPENTER = {
    chart: "oci://public.ecr.aws/karpenter/karpenter",
    /**
     * The CRDs as their own chart, at the controller's version. Helm installs a chart's crds/ on
     * first install only and never upgrades them; karpenter-crd ships them as templates, so every
     * upgrade brings them along (Karpenter docs, "Upgrade Guide: CRD Upgrades").
     */
    crdChart: "oci://public.ecr.aws/karpenter/karpenter-crd",
    version: "1.14.1",
    namespace: "kube-system",
    serviceAccount: "karpenter",
    /** The Helm release name: the chart's Service selects app.kubernetes.io/instance=<release> (monitoring scrapes it). */
    release: "karpenter",
} as const;

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
            Resource: [`arn:${p}:ec2:${r}::image/*`, `arn:${p}:ec2:${r}::snapshot/*`, ...tagged(["security-group", "subnet", "capacity-reservation"])],
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

/** Labels and taint of the system node group; only add-ons that tolerate it run there. */
export const SYSTEM_LABEL = "hybrid-fleet.io/system";
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" } as const;
export const systemNodeSelector = { [SYSTEM_LABEL]: "true" };
export const systemTolerations = [{ key: SYSTEM_TAINT.key, operator: "Exists", effect: SYSTEM_TAINT.effect }];

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

export const POOL_LABEL = "hybrid-fleet.io/node-pool";

/** Root volume of Karpenter nodes; AL2023 boots from /dev/xvda, Bottlerocket keeps data on /dev/xvdb (Karpenter docs, "EC2NodeClass blockDeviceMappings"). */
function rootDevice(amiAlias: string): string {
    return amiAlias.startsWith("bottlerocket@") ? "/dev/xvdb" : "/dev/xvda";
}

/** The EC2NodeClass of one pool (karpenter.k8s.aws/v1). */
export function ec2NodeClass(a: { cluster: string; pool: KarpenterNodePoolSpec; amiAlias: string; nodeRoleName: string; tags: Record<string, string> }) {
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
            tags: { ...a.tags, [POOL_LABEL]: a.pool.name },
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
                metadata: { labels: { ...p.labels, [POOL_LABEL]: p.name } },
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

// ---------------------------------------------------------------------------------------------
// Add-ons, storage, access

/**
 * Whether the VPC CNI itself enforces NetworkPolicy: with cni vpc-cni it is the only engine, so the
 * tenants' default-deny policies hold only if it is on. With cni calico, Calico enforces policy and
 * the VPC CNI's engine stays off: the EKS user guide ("Limit Pod traffic with Kubernetes network
 * policies", Considerations > Migration) says another policy solution must be removed "so that it
 * isn't managing the same policies", i.e. never two engines. Cilium replaces the VPC CNI altogether.
 */
export const vpcCniEnforcesPolicy = (spec: EksClusterSpec) => spec.network.cni === "vpc-cni";

/**
 * The vpc-cni add-on's configurationValues (its schema: `aws eks describe-addon-configuration
 * --addon-name vpc-cni`). Custom networking: pods take addresses from the zone's ENIConfig subnet
 * (EKS docs, "Custom networking"; network policies work with it, "cni-network-policy").
 * enableNetworkPolicy is a string in the schema, "true" or "false" (EKS docs, "Restrict Pod
 * network traffic", step "Enable the network policy parameter for the add-on"; needs VPC CNI
 * >= v1.14 and kernel >= 5.10, both given by the pinned add-on and AL2023). The node agent stays in
 * its default "standard" enforcing mode: "strict" would start every pod, kube-system included,
 * behind a default deny that no policy of this program opens.
 */
export function vpcCniConfiguration(a: { networkPolicy: boolean }): string {
    return JSON.stringify({
        enableNetworkPolicy: String(a.networkPolicy),
        env: { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true", ENI_CONFIG_LABEL_DEF: "topology.kubernetes.io/zone" },
    });
}

export const ENI_CONFIG = { apiVersion: "crd.k8s.amazonaws.com/v1alpha1", kind: "ENIConfig" } as const;

/** One ENIConfig per zone, named after it (the label ENI_CONFIG_LABEL_DEF points at). */
export function eniConfig(a: { zone: string; subnetId: string; securityGroupIds: string[] }) {
    return {
        ...ENI_CONFIG,
        metadata: { name: a.zone },
        spec: { subnet: a.subnetId, securityGroups: a.securityGroupIds },
    };
}

// ---------------------------------------------------------------------------------------------
// Cilium operator (cni cilium, ENI mode)

/**
 * The identity the Cilium chart's operator runs as: the chart's default operator ServiceAccount
 * (values.yaml serviceAccounts.operator.name, templates/cilium-operator/serviceaccount.yaml) in the
 * release namespace, kube-system (components/network/render.ts CILIUM.namespace).
 */
export const CILIUM_OPERATOR = { namespace: "kube-system", serviceAccount: "cilium-operator" } as const;

/** The tag this program puts on every node it launches (system node group launch template, Karpenter EC2NodeClass). */
export const CLUSTER_TAG = "hybrid-fleet.io/cluster";

/**
 * What the Cilium operator needs to run ENI IPAM (Cilium docs, "AWS ENI" > "Required Privileges"):
 * it alone calls EC2, creating ENIs in the pod subnets, attaching them to nodes, marking them
 * delete-on-termination, assigning secondary IPs and tagging the ENIs for its garbage collection.
 * Mutating actions are scoped to this cluster's VPC (ec2:Vpc on the ENI, subnet and security group)
 * and to instances carrying this cluster's tag; the Describe calls (cache of ENIs, subnets, VPCs,
 * route tables, security groups, instance types) cannot be scoped by resource and stay on "*",
 * limited to the region. UnassignPrivateIpAddresses is granted because Cilium releases addresses
 * with it (excess IP release, prefix release); DescribeInstances is included for the
 * instance-tags filter and DescribeTags for ENI GC without custom gc tags. Not granted:
 * DetachNetworkInterface (Cilium never detaches; ENIs go with their instance), IPv6 actions (IPv4 cluster).
 */
export function ciliumOperatorPolicy(ctx: AwsContext, a: { cluster: string; vpcId: string }): PolicyDocument {
    const { partition: p, region: r, accountId } = ctx;
    const arn = (kind: string) => `arn:${p}:ec2:${r}:${accountId}:${kind}`;
    const inVpc = { ArnEquals: { "ec2:Vpc": arn(`vpc/${a.vpcId}`) } };
    return doc(
        {
            Sid: "ManageEnisInClusterVpc",
            Effect: "Allow",
            Action: [
                "ec2:CreateNetworkInterface",
                "ec2:AttachNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:ModifyNetworkInterfaceAttribute",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            Resource: [arn("network-interface/*"), arn("subnet/*"), arn("security-group/*")],
            Condition: inVpc,
        },
        {
            Sid: "AttachEnisToClusterNodes",
            Effect: "Allow",
            Action: "ec2:AttachNetworkInterface",
            Resource: arn("instance/*"),
            Condition: { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: a.cluster } },
        },
        {
            Sid: "TagEnisInClusterVpc",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: arn("network-interface/*"),
            Condition: inVpc,
        },
        {
            Sid: "DescribeNetwork",
            Effect: "Allow",
            Action: [
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeTags",
                "ec2:DescribeManagedPrefixLists",
                "ec2:GetManagedPrefixListEntries",
            ],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": r } },
        },
    );
}

/** Keep a Deployment add-on on the system nodes (CoreDNS and EBS CSI add-on configuration schemas). */
export function corednsConfiguration(): string {
    return JSON.stringify({ nodeSelector: systemNodeSelector, tolerations: systemTolerations });
}
export function ebsCsiConfiguration(): string {
    return JSON.stringify({ controller: { nodeSelector: systemNodeSelector, tolerations: systemTolerations } });
}

/** The service account the EBS CSI controller runs as (aws-ebs-csi-driver chart). */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** The default StorageClass: encrypted gp3, bound where the pod lands (EBS CSI docs, "StorageClass parameters"). */
export function defaultStorageClass(environment: string) {
    return {
        apiVersion: "storage.k8s.io/v1" as const,
        kind: "StorageClass" as const,
        metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        // An EBS volume lives in one zone: create it where the pod is scheduled.
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        // In prod a deleted claim keeps its volume until someone removes it on purpose.
        reclaimPolicy: environment === "prod" ? "Retain" : "Delete",
    };
}

/**
 * The admin kubeconfig: tokens come from `aws eks get-token` (EKS docs, "Create a kubeconfig"),
 * as the first admin role when one is listed, so the deployer acts through an access entry.
 */
export function kubeconfig(a: { cluster: string; endpoint: string; certificateAuthority: string; region: string; roleArn?: string }): string {
    const args = ["eks", "get-token", "--cluster-name", a.cluster, "--region", a.region, "--output", "json", ...(a.roleArn ? ["--role-arn", a.roleArn] : [])];
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: a.cluster, cluster: { server: a.endpoint, "certificate-authority-data": a.certificateAuthority } }],
        contexts: [{ name: a.cluster, context: { cluster: a.cluster, user: a.cluster } }],
        "current-context": a.cluster,
        users: [{ name: a.cluster, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args, interactiveMode: "Never" } } }],
    });
}

/** `https://ABC.gr7.region.eks.amazonaws.com` -> `ABC.gr7.region.eks.amazonaws.com`. */
export function endpointHost(endpoint: string): string {
    return new URL(endpoint).hostname;
}

// ---------------------------------------------------------------------------------------------
// Metrics bucket

/** Nobody may use the bucket without TLS (S3 docs, "Enforce encryption of data in transit"). */
export function bucketTlsOnlyPolicy(bucketArn: string): PolicyDocument {
    return doc({
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
}

/** What Thanos needs on its bucket (Thanos docs, "Object storage: S3 policy") and the key that encrypts it. */
export function bucketWriterPolicy(bucketArn: string, kmsKeyArn: string): PolicyDocument {
    return doc(
        { Sid: "ListBlocks", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
        { Sid: "ReadWriteBlocks", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucketArn}/*` },
        { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
    );
}
