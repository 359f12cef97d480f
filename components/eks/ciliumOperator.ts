// hybrid:eks:CiliumOperatorIdentity: with cni cilium (ENI mode) the Cilium operator is the one
// component that calls EC2 (it creates, attaches and fills the pods' ENIs). It gets its own role
// through EKS Pod Identity, trusted only from this cluster, with the least-privilege ENI policy.
// EKS injects the credentials when the pod is created, so the association must exist before the
// Cilium chart installs the operator: the site puts it in the cluster's `access.ready`.
import * as aws from "../core/sdk/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, CILIUM_OPERATOR, ciliumOperatorPolicy, podIdentityTrustPolicy } from "./render";

export interface CiliumOperatorIdentityArgs {
    cluster: string;
    aws: pulumi.Input<AwsContext>;
    clusterName: pulumi.Input<string>;
    clusterArn: pulumi.Input<string>;
    /** The cluster's VPC: the only one whose ENIs the operator may change. */
    vpcId: pulumi.Input<string>;
    tags: Record<string, string>;
}

export class CiliumOperatorIdentity extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    /** Credentials are ready for kube-system/cilium-operator once this exists. */
    readonly association: aws.eks.PodIdentityAssociation;

    constructor(name: string, args: CiliumOperatorIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:eks:CiliumOperatorIdentity", name, {}, opts);
        const ctx = pulumi.output(args.aws);
        const { namespace, serviceAccount } = CILIUM_OPERATOR;
        const role = new aws.iam.Role(
            name,
            {
                description: `${args.cluster}: Cilium operator ENI IPAM (Pod Identity ${namespace}/${serviceAccount})`,
                assumeRolePolicy: pulumi.all([ctx, args.clusterArn]).apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn, CILIUM_OPERATOR))),
                tags: args.tags,
            },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            name,
            {
                role: role.id,
                policy: pulumi.all([ctx, args.vpcId]).apply(([c, vpcId]) => JSON.stringify(ciliumOperatorPolicy(c, { cluster: args.cluster, vpcId }))),
            },
            { parent: this },
        );
        this.association = new aws.eks.PodIdentityAssociation(
            name,
            { clusterName: args.clusterName, namespace, serviceAccount, roleArn: role.arn, tags: args.tags },
            // The permissions are in place before the operator can hold the credentials.
            { parent: this, dependsOn: [policy] },
        );
        this.roleArn = role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
