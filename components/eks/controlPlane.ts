// The EKS control plane of an EksCluster: the protected KMS keys (secrets envelope, logs), the
// pre-created encrypted log group, the cluster role, the aws.eks.Cluster itself, the spec's admins'
// access entries and the cluster's own Kubernetes provider from an exec kubeconfig (a secret).
import * as aws from "../core/sdk/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { k8sProviderName } from "../core/conventions";
import { protectedKey } from "./kms";
import {
    AwsContext,
    CLUSTER_ADMIN_POLICY,
    controlPlaneLogGroupName,
    controlPlaneLogTypes,
    kubeconfig,
    logsKeyPolicy,
    managedPolicy,
    serviceTrustPolicy,
} from "./render";
import type { EksClusterShape } from "./types";

export interface ControlPlaneInputs {
    spec: EksClusterShape;
    prod: boolean;
    ctx: pulumi.Output<AwsContext>;
    privateSubnetIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

export interface ControlPlane {
    cluster: aws.eks.Cluster;
    /** The spec's admins' access policies: the provider waits for them. */
    adminAccess: aws.eks.AccessPolicyAssociation[];
    kubeconfig: pulumi.Output<string>;
    provider: k8s.Provider;
}

/** Declares the control plane as children of `owner` (the EksCluster), names prefixed with `name`. */
export function declareControlPlane(owner: pulumi.ComponentResource, name: string, a: ControlPlaneInputs): ControlPlane {
    const { spec, prod, ctx, tags } = a;
    const parent = { parent: owner };

    // --- Encryption and logs, in place before the control plane exists.
    const secretsKey = protectedKey(`${name}-secrets`, { description: `${spec.name}: envelope encryption of Kubernetes secrets`, tags }, owner);
    const logGroupName = controlPlaneLogGroupName(spec.name);
    const logsKey = protectedKey(
        `${name}-logs`,
        {
            description: `${spec.name}: encrypts the control-plane logs`,
            policy: ctx.apply((c) => JSON.stringify(logsKeyPolicy(c, [logGroupName]))),
            tags,
        },
        owner,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-control-plane`,
        { name: logGroupName, retentionInDays: spec.controlPlaneLogs.retentionDays, kmsKeyId: logsKey.arn, deletionProtectionEnabled: prod, tags },
        { parent: owner, protect: true },
    );

    // --- The control plane's role: EKS's managed policy, and use of the secrets key only.
    const clusterRole = new aws.iam.Role(
        `${name}-cluster`,
        {
            description: `${spec.name}: the EKS control plane`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])),
            tags,
        },
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
                subnetIds: a.privateSubnetIds,
                endpointPrivateAccess: spec.endpoint.privateAccess,
                endpointPublicAccess: publicCidrs.length > 0,
                ...(publicCidrs.length > 0 ? { publicAccessCidrs: publicCidrs } : {}),
            },
            kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: spec.network.serviceCidr },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: controlPlaneLogTypes(spec),
            // Every add-on is managed and pinned; EKS installs nothing unmanaged.
            bootstrapSelfManagedAddons: false,
            deletionProtection: prod,
            // Set, not left to EKS's default (EXTENDED: paid extended support without anyone deciding it).
            upgradePolicy: { supportType: spec.supportType },
            tags,
        },
        // The cluster's etcd holds the workloads' state.
        { parent: owner, protect: true, dependsOn: [logGroup, clusterPolicy, clusterKeyUse] },
    );

    // Karpenter finds the node security group by the discovery tag: the nodes' own group carries it
    // (nodeSecurityGroup.ts), never the cluster security group.

    // --- Access: the spec's admins, nobody implicitly.
    const adminAccess = spec.adminPrincipals.map((principalArn, i) => {
        const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags }, parent);
        return new aws.eks.AccessPolicyAssociation(
            `${name}-admin-${i}`,
            { clusterName: cluster.name, principalArn, policyArn: ctx.apply((c) => CLUSTER_ADMIN_POLICY(c.partition)), accessScope: { type: "cluster" } },
            { parent: owner, dependsOn: [entry] },
        );
    });

    const adminRole = spec.adminPrincipals.find((arn) => /:role\//.test(arn));
    const config = pulumi.secret(
        pulumi
            .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
            .apply(([clusterName, endpoint, ca]) =>
                kubeconfig({ cluster: clusterName, endpoint, certificateAuthority: ca.data ?? "", region: spec.region, roleArn: adminRole }),
            ),
    );
    const provider = new k8s.Provider(k8sProviderName(spec.name), { kubeconfig: config }, { parent: owner, dependsOn: adminAccess });
    return { cluster, adminAccess, kubeconfig: config, provider };
}
