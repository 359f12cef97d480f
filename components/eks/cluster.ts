// A hardened EKS control plane and its system nodes, declared with aws.eks.Cluster: @pulumi/eks
// `Cluster` (v4) cannot turn off the implicit creator admin (its ClusterArgs has no
// bootstrapClusterCreatorAdminPermissions) nor pre-create the log group with a retention and a
// KMS key, and as a remote component it hides its children from previews and tests.
//
// What it declares: secrets envelope-encrypted with a rotating, protected KMS key; private endpoint,
// public only for listed CIDRs; api/audit/authenticator logs (+ extras) into a pre-created encrypted
// log group; authentication mode API with access entries for the spec's admins only; deletion
// protection in prod; no self-managed add-ons, every add-on managed and pinned; an on-demand system
// node group over the private subnets of every zone, labelled and tainted CriticalAddonsOnly; the
// EBS CSI driver with its own Pod Identity role; the default encrypted gp3 StorageClass; and the
// cluster's own Kubernetes provider from an exec kubeconfig (a secret).
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterSpec } from "../../stacks/spec";
import { addonVersionOf } from "../../stacks/spec/eks";
import { k8sProviderName } from "../../stacks/types";
import {
    AwsContext,
    CLUSTER_ADMIN_POLICY,
    controlPlaneLogGroupName,
    controlPlaneLogTypes,
    corednsConfiguration,
    defaultStorageClass,
    DISCOVERY_TAG,
    EBS_CSI_SERVICE_ACCOUNT,
    ebsCsiConfiguration,
    ENI_CONFIG,
    eniConfig,
    kubeconfig,
    logsKeyPolicy,
    managedPolicy,
    nodeRolePolicies,
    podIdentityTrustPolicy,
    serviceTrustPolicy,
    SYSTEM_LABEL,
    SYSTEM_TAINT,
    usesVpcCni,
    vpcCniConfiguration,
    vpcCniEnforcesPolicy,
} from "./render";

export interface EksClusterArgs {
    spec: EksClusterSpec;
    environment: string;
    aws: pulumi.Input<AwsContext>;
    /** Node subnets, one per zone in spec.zones order. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Pod subnets (VPC CNI custom networking), one per zone in spec.zones order. */
    podSubnetIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

/**
 * With Cilium, nodes start tainted until the Cilium agent runs on them; the operator then removes
 * the taint (chart operator.removeNodeTaints), so no pod starts on a node before Cilium manages it
 * (Cilium docs, "Installation using Helm", EKS, and "Considerations on Node Pool Taints").
 */
export const CILIUM_AGENT_NOT_READY_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" } as const;

/** AWS's longest KMS waiting period, to catch a mistaken deletion (KMS docs, "Deleting AWS KMS keys"). */
const KMS_DELETION_WINDOW_DAYS = 30;

export class EksCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** Admin kubeconfig (exec credentials), a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly systemNodeGroup: aws.eks.NodeGroup;
    /** The control plane and the admins' access to it: what a CNI installed by Helm needs (no nodes). */
    readonly controlPlane: pulumi.Resource[];
    /** What add-ons need before they install: system nodes up, DNS and storage running. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:eks:Cluster", name, {}, opts);
        const spec = args.spec;
        const prod = args.environment === "prod";
        const ctx = pulumi.output(args.aws);
        const parent = { parent: this };
        const tags = args.tags;
        const vpcCni = usesVpcCni(spec);

        // --- Encryption and logs, in place before the control plane exists.
        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `${spec.name}: envelope encryption of Kubernetes secrets`,
                enableKeyRotation: true,
                deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
                tags,
            },
            { parent: this, protect: true },
        );
        const logGroupName = controlPlaneLogGroupName(spec.name);
        const logsKey = new aws.kms.Key(
            `${name}-logs`,
            {
                description: `${spec.name}: encrypts the control-plane logs`,
                enableKeyRotation: true,
                deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
                policy: ctx.apply((c) => JSON.stringify(logsKeyPolicy(c, [logGroupName]))),
                tags,
            },
            { parent: this, protect: true },
        );
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            { name: logGroupName, retentionInDays: spec.controlPlaneLogs.retentionDays, kmsKeyId: logsKey.arn, deletionProtectionEnabled: prod, tags },
            { parent: this, protect: true },
        );

        // --- The control plane's role: EKS's managed policy, and use of the secrets key only.
        const clusterRole = new aws.iam.Role(
            `${name}-cluster`,
            { description: `${spec.name}: the EKS control plane`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])), tags },
            parent,
        );
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster`,
            { role: clusterRole.name, policyArn: ctx.apply((c) => managedPolicy(c, "AmazonEKSClusterPolicy")) },
            parent,
        );
        const clusterKeyUse = new aws.iam.RolePolicy(
            `${name}-cluster-secrets-key`,
            {
                role: clusterRole.id,
                policy: secretsKey.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        // What EKS needs for envelope encryption (terraform-aws-eks "cluster_encryption" policy).
                        Statement: [{ Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"], Resource: arn }],
                    }),
                ),
            },
            parent,
        );

        const publicCidrs = spec.endpoint.publicAccessCidrs;
        const cluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: spec.name,
                version: spec.kubernetesVersion,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: args.privateSubnetIds,
                    endpointPrivateAccess: spec.endpoint.privateAccess,
                    endpointPublicAccess: publicCidrs.length > 0,
                    ...(publicCidrs.length > 0 ? { publicAccessCidrs: publicCidrs } : {}),
                },
                kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: spec.network.serviceCidr },
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                enabledClusterLogTypes: controlPlaneLogTypes(spec),
                // Every add-on below is managed and pinned; EKS installs nothing unmanaged.
                bootstrapSelfManagedAddons: false,
                deletionProtection: prod,
                tags,
            },
            // The cluster's etcd holds the workloads' state.
            { parent: this, protect: true, dependsOn: [logGroup, clusterPolicy, clusterKeyUse] },
        );
        this.clusterName = cluster.name;
        this.clusterArn = cluster.arn;
        this.endpoint = cluster.endpoint;
        this.clusterSecurityGroupId = cluster.vpcConfig.clusterSecurityGroupId;

        // Karpenter finds the node security group by the discovery tag.
        new aws.ec2.Tag(`${name}-cluster-sg-discovery`, { resourceId: this.clusterSecurityGroupId, key: DISCOVERY_TAG, value: spec.name }, parent);

        // --- Access: the spec's admins, nobody implicitly.
        const adminAccess = spec.adminPrincipals.map((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags }, parent);
            return new aws.eks.AccessPolicyAssociation(
                `${name}-admin-${i}`,
                { clusterName: cluster.name, principalArn, policyArn: ctx.apply((c) => CLUSTER_ADMIN_POLICY(c.partition)), accessScope: { type: "cluster" } },
                { parent: this, dependsOn: [entry] },
            );
        });

        const adminRole = spec.adminPrincipals.find((arn) => /:role\//.test(arn));
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => kubeconfig({ cluster: clusterName, endpoint, certificateAuthority: ca.data ?? "", region: spec.region, roleArn: adminRole })),
        );
        this.provider = new k8s.Provider(k8sProviderName(spec.name), { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: adminAccess });
        this.controlPlane = [cluster, ...adminAccess];
        const k8sOpts = (dependsOn: pulumi.Resource[]) => ({ parent: this, provider: this.provider, dependsOn });

        // --- Add-ons nodes need to become Ready: networking and pod credentials.
        const addon = (addonName: string, key: Parameters<typeof addonVersionOf>[1], extra: Partial<aws.eks.AddonArgs> = {}, dependsOn: pulumi.Resource[] = []) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                {
                    clusterName: cluster.name,
                    addonName,
                    addonVersion: addonVersionOf(spec, key) ?? aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: spec.kubernetesVersion, mostRecent: true }, { parent: this }).version,
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                    tags,
                    ...extra,
                },
                { parent: this, dependsOn },
            );
        const podIdentityAgent = addon("eks-pod-identity-agent", "podIdentityAgent");
        const beforeNodes: pulumi.Resource[] = [podIdentityAgent];
        if (vpcCni) {
            const cni = addon("vpc-cni", "vpcCni", { configurationValues: vpcCniConfiguration({ networkPolicy: vpcCniEnforcesPolicy(spec) }) });
            const kubeProxy = addon("kube-proxy", "kubeProxy");
            // Pods of zone z take addresses from the zone's pod subnet.
            const eniConfigs = spec.zones.map((zone, i) => {
                const rendered = pulumi
                    .all([args.podSubnetIds[i], this.clusterSecurityGroupId])
                    .apply(([subnetId, sg]) => eniConfig({ zone, subnetId, securityGroupIds: [sg] }));
                return new k8s.apiextensions.CustomResource(
                    `${name}-eniconfig-${zone}`,
                    { apiVersion: ENI_CONFIG.apiVersion, kind: ENI_CONFIG.kind, metadata: rendered.metadata, spec: rendered.spec },
                    k8sOpts([cni]),
                );
            });
            beforeNodes.push(cni, kubeProxy, ...eniConfigs);
        }

        // --- System nodes: on demand, every zone, only for what tolerates CriticalAddonsOnly.
        const nodeRole = new aws.iam.Role(
            `${name}-system-nodes`,
            { description: `${spec.name}: system node group`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", ["sts:AssumeRole"])), tags },
            parent,
        );
        const nodePolicies = nodeRolePolicies(vpcCni).map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-system-nodes-${policy}`,
                    { role: nodeRole.name, policyArn: ctx.apply((c) => managedPolicy(c, policy)) },
                    parent,
                ),
        );
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-system-nodes`,
            {
                description: `${spec.name}: system node group`,
                // IMDSv2 only, one hop: pods cannot reach the node's credentials (EKS best practices, "Restrict access to IMDS").
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        // EKS's default node disk is 20 GiB (aws.eks.NodeGroup diskSize docs); 50 leaves room for add-on images.
                        ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                tagSpecifications: [
                    { resourceType: "instance", tags: { ...tags, Name: `${spec.name}-system` } },
                    { resourceType: "volume", tags: { ...tags, Name: `${spec.name}-system` } },
                ],
                updateDefaultVersion: true,
                tags,
            },
            parent,
        );
        const g = spec.systemNodeGroup;
        const arm = g.instanceTypes.every((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
        this.systemNodeGroup = new aws.eks.NodeGroup(
            `${name}-system`,
            {
                clusterName: cluster.name,
                nodeGroupName: `${spec.name}-system`,
                version: spec.kubernetesVersion,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.privateSubnetIds,
                capacityType: "ON_DEMAND",
                amiType: arm ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
                instanceTypes: g.instanceTypes,
                scalingConfig: { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize },
                // Replace one node at a time: system pods keep a quorum during upgrades.
                updateConfig: { maxUnavailable: 1 },
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                labels: { [SYSTEM_LABEL]: "true" },
                taints: [
                    { key: SYSTEM_TAINT.key, value: SYSTEM_TAINT.value, effect: "NO_SCHEDULE" },
                    ...(vpcCni ? [] : [CILIUM_AGENT_NOT_READY_TAINT]),
                ],
                nodeRepairConfig: { enabled: true },
                tags,
            },
            { parent: this, dependsOn: [...nodePolicies, ...beforeNodes], ignoreChanges: ["scalingConfig.desiredSize"] },
        );

        // --- Add-ons that run as Deployments on the system nodes.
        const coredns = addon("coredns", "coredns", { configurationValues: corednsConfiguration() }, [this.systemNodeGroup]);
        const ebsRole = new aws.iam.Role(
            `${name}-ebs-csi`,
            {
                description: `${spec.name}: EBS CSI controller (Pod Identity kube-system/${EBS_CSI_SERVICE_ACCOUNT})`,
                assumeRolePolicy: pulumi.all([ctx, cluster.arn]).apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn))),
                tags,
            },
            parent,
        );
        const ebsPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-ebs-csi`,
            { role: ebsRole.name, policyArn: ctx.apply((c) => managedPolicy(c, "service-role/AmazonEBSCSIDriverPolicy")) },
            parent,
        );
        const ebsCsi = addon(
            "aws-ebs-csi-driver",
            "ebsCsiDriver",
            { configurationValues: ebsCsiConfiguration(), podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }] },
            [this.systemNodeGroup, podIdentityAgent, ebsPolicy],
        );
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, defaultStorageClass(args.environment), k8sOpts([ebsCsi]));

        this.ready = [this.systemNodeGroup, coredns, ebsCsi, storageClass];
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            endpoint: this.endpoint,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            kubeconfig: this.kubeconfig,
        });
    }
}
