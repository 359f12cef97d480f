// The system node group of an EksCluster: on demand, over the private subnets of every zone, IMDSv2
// only, encrypted gp3 disks, labelled and tainted CriticalAddonsOnly (Cilium's startup taint too).
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_KEYS, SYSTEM_TAINT } from "../core/conventions";
import type { NodeKubelet } from "../core/kubelet";
import { al2023UserData } from "./kubelet";
import { AwsContext, managedPolicy, nodeRolePolicies, serviceTrustPolicy } from "./render";

/**
 * With Cilium, nodes start tainted until the Cilium agent runs on them; the operator then removes
 * the taint (chart operator.removeNodeTaints), so no pod starts on a node before Cilium manages it
 * (Cilium docs, "Installation using Helm", EKS, and "Considerations on Node Pool Taints").
 */
export const CILIUM_AGENT_NOT_READY_TAINT = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NO_EXECUTE" } as const;

export interface SystemNodesInputs {
    /** The fleet's name of the cluster. */
    cluster: string;
    kubernetesVersion: string;
    group: { instanceTypes: string[]; minSize: number; maxSize: number; desiredSize: number };
    /** The nodes run the VPC CNI; otherwise Cilium, and they start with its taint. */
    vpcCni: boolean;
    /** AmazonSSMManagedInstanceCore on the node role. */
    ssmAccess: boolean;
    /** Kubelet settings beyond EKS's own, in the launch template's user data. */
    kubelet: NodeKubelet;
    ctx: pulumi.Output<AwsContext>;
    clusterName: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    /** The nodes' security groups (the node security group only: EKS adds no cluster security group to a launch template that names groups). */
    securityGroupIds: pulumi.Input<string>[];
    /** What the nodes need before they can turn Ready (their CNI and pod credentials). */
    dependsOn: pulumi.Resource[];
    tags: Record<string, string>;
}

/** Declares the system nodes as children of `owner` (the EksCluster), names prefixed with `name`. */
export function declareSystemNodes(owner: pulumi.ComponentResource, name: string, a: SystemNodesInputs): aws.eks.NodeGroup {
    const { ctx, tags, vpcCni } = a;
    const parent = { parent: owner };
    const nodeRole = new aws.iam.Role(
        `${name}-system-nodes`,
        { description: `${a.cluster}: system node group`, assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", ["sts:AssumeRole"])), tags },
        parent,
    );
    const nodePolicies = nodeRolePolicies(vpcCni, a.ssmAccess).map(
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
            description: `${a.cluster}: system node group`,
            // IMDSv2 only, one hop: pods cannot reach the node's credentials (EKS best practices, "Restrict access to IMDS").
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            vpcSecurityGroupIds: a.securityGroupIds,
            // A new user data is a new template version, which the node group rolls out node by node.
            userData: Buffer.from(al2023UserData(a.kubelet)).toString("base64"),
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    // EKS's default node disk is 20 GiB (aws.eks.NodeGroup diskSize docs); 50 leaves room for add-on images.
                    ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                },
            ],
            tagSpecifications: [
                { resourceType: "instance", tags: { ...tags, Name: `${a.cluster}-system` } },
                { resourceType: "volume", tags: { ...tags, Name: `${a.cluster}-system` } },
            ],
            updateDefaultVersion: true,
            tags,
        },
        parent,
    );
    const g = a.group;
    const arm = g.instanceTypes.every((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
    return new aws.eks.NodeGroup(
        `${name}-system`,
        {
            clusterName: a.clusterName,
            nodeGroupName: `${a.cluster}-system`,
            version: a.kubernetesVersion,
            nodeRoleArn: nodeRole.arn,
            subnetIds: a.privateSubnetIds,
            capacityType: "ON_DEMAND",
            amiType: arm ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
            instanceTypes: g.instanceTypes,
            scalingConfig: { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize },
            // Replace one node at a time: system pods keep a quorum during upgrades.
            updateConfig: { maxUnavailable: 1 },
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            labels: { [FLEET_KEYS.system]: "true" },
            taints: [{ key: SYSTEM_TAINT.key, value: SYSTEM_TAINT.value, effect: "NO_SCHEDULE" }, ...(vpcCni ? [] : [CILIUM_AGENT_NOT_READY_TAINT])],
            nodeRepairConfig: { enabled: true },
            tags,
        },
        { parent: owner, dependsOn: [...nodePolicies, ...a.dependsOn], ignoreChanges: ["scalingConfig.desiredSize"] },
    );
}
