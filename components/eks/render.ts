// Pure renderers for the EKS site: the address plan, subnet tags, IAM policy documents, the add-on
// settings, the default StorageClass and the kubeconfig. Spec in, data out. Karpenter's own
// renderers are in karpenter/render.ts.
import { cidr, subnet } from "../core/cidr";
import type { EksClusterShape as EksClusterSpec } from "./types";
import { EXTRA_CONTROL_PLANE_LOGS } from "./types";
import { FLEET_KEYS, systemNodeSelector, systemTolerations } from "../core/conventions";

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
export const policyDocument = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

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
    return policyDocument(statement);
}

/** The ServiceAccount a Pod Identity role is for. */
export interface PodIdentitySubject {
    namespace: string;
    serviceAccount: string;
}

/**
 * EKS Pod Identity: pods.eks.amazonaws.com assumes and tags the session, and only for one
 * ServiceAccount of this cluster. EKS sets the session tags eks-cluster-arn, kubernetes-namespace
 * and kubernetes-service-account on every assume (EKS docs, "Create IAM role with trust policy
 * required by EKS Pod Identity", Setting Conditions; "Enable or disable session tags"): the trust
 * policy checks those, not aws:SourceArn, which is the association's ARN (podidentityassociation/...),
 * never the cluster's.
 */
export function podIdentityTrustPolicy(ctx: AwsContext, clusterArn: string, subject: PodIdentitySubject): PolicyDocument {
    return policyDocument({
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
            StringEquals: {
                "aws:SourceAccount": ctx.accountId,
                "aws:RequestTag/eks-cluster-arn": clusterArn,
                "aws:RequestTag/kubernetes-namespace": subject.namespace,
                "aws:RequestTag/kubernetes-service-account": subject.serviceAccount,
            },
        },
    });
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
    return policyDocument({
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
    return policyDocument(
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
/** Where the site's Site-to-Site VPN tunnels log (the links layer's connections). */
export const vpnLogGroupName = (cluster: string) => `/aws/vpn/${cluster}/tunnels`;

export const CLUSTER_ADMIN_POLICY = (partition: string) => `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`;

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
 * release namespace, kube-system (components/network/cilium/versions.ts CILIUM.namespace).
 */
export const CILIUM_OPERATOR = { namespace: "kube-system", serviceAccount: "cilium-operator" } as const;

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
    return policyDocument(
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
            Condition: { StringEquals: { [`aws:ResourceTag/${FLEET_KEYS.cluster}`]: a.cluster } },
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
    return policyDocument({
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
    return policyDocument(
        { Sid: "ListBlocks", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn },
        { Sid: "ReadWriteBlocks", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucketArn}/*` },
        { Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: kmsKeyArn },
    );
}
