// The identity of the nodes Karpenter launches: their EC2 role with the managed node policies, and
// its EC2_LINUX access entry so that they may join the cluster.
import * as aws from "../../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, managedPolicy, nodeRolePolicies, serviceTrustPolicy } from "../render";

export function declareNodeIdentity(
    owner: pulumi.ComponentResource,
    name: string,
    a: {
        cluster: string;
        vpcCni: boolean;
        ssmAccess: boolean;
        ctx: pulumi.Output<AwsContext>;
        clusterName: pulumi.Input<string>;
        tags: Record<string, string>;
    },
): { role: aws.iam.Role; access: aws.eks.AccessEntry } {
    const { ctx, tags } = a;
    const parent = { parent: owner };
    const role = new aws.iam.Role(
        `${name}-node`,
        {
            description: `${a.cluster}: nodes launched by Karpenter`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com", ["sts:AssumeRole"])),
            tags,
        },
        parent,
    );
    const policies = nodeRolePolicies(a.vpcCni, a.ssmAccess).map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: role.name, policyArn: ctx.apply((c) => managedPolicy(c, policy)) }, parent),
    );
    const access = new aws.eks.AccessEntry(
        `${name}-node`,
        { clusterName: a.clusterName, principalArn: role.arn, type: "EC2_LINUX", tags },
        { parent: owner, dependsOn: policies },
    );
    return { role, access };
}
