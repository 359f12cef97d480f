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
import * as aws from "../core/sdk/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { declareControlPlane } from "./controlPlane";
import { declareNodeSecurityGroup } from "./nodeSecurityGroup";
import { declareNodeAddons, declareSystemAddons, EksAddonKey } from "./managedAddons";
import { AwsContext, DISCOVERY_TAG, usesVpcCni, vpcCniEnforcesPolicy } from "./render";
import { declareSystemNodes } from "./systemNodes";
import type { EksClusterShape } from "./types";

export { CILIUM_AGENT_NOT_READY_TAINT } from "./systemNodes";

export interface EksClusterArgs {
    /** The cluster as the EKS renderers read it (name, version, endpoint, logs, admins, zones, system node group, CNI). */
    spec: EksClusterShape;
    /** The pinned version of every managed add-on. */
    addonVersions: Partial<Record<EksAddonKey, string>>;
    environment: string;
    aws: pulumi.Input<AwsContext>;
    /** The cluster's VPC (the node security group lives there). */
    vpcId: pulumi.Input<string>;
    /** Node subnets, one per zone in spec.zones order. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Pod subnets (VPC CNI custom networking), one per zone in spec.zones order. */
    podSubnetIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

export class EksCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly clusterArn: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The nodes' own security group (system nodes and Karpenter's, and VPC CNI pods). */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
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
        const ctx = pulumi.output(args.aws);
        const tags = args.tags;
        const vpcCni = usesVpcCni(spec);

        const cp = declareControlPlane(this, name, { spec, prod: args.environment === "prod", ctx, privateSubnetIds: args.privateSubnetIds, tags });
        this.clusterName = cp.cluster.name;
        this.clusterArn = cp.cluster.arn;
        this.endpoint = cp.cluster.endpoint;
        this.clusterSecurityGroupId = cp.cluster.vpcConfig.clusterSecurityGroupId;
        this.kubeconfig = cp.kubeconfig;
        this.provider = cp.provider;
        this.controlPlane = [cp.cluster, ...cp.adminAccess];
        const nodeSg = declareNodeSecurityGroup(this, name, {
            cluster: spec.name,
            vpcId: args.vpcId,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            discoveryTag: DISCOVERY_TAG,
            tags,
        });
        this.nodeSecurityGroupId = nodeSg.id;

        const addons = { cluster: cp.cluster, versions: args.addonVersions, kubernetesVersion: spec.kubernetesVersion, tags };
        const nodeAddons = declareNodeAddons(
            this,
            name,
            vpcCni
                ? {
                      ...addons,
                      vpcCni,
                      networkPolicy: vpcCniEnforcesPolicy(spec),
                      zones: spec.zones,
                      podSubnetIds: args.podSubnetIds,
                      podSecurityGroupId: this.nodeSecurityGroupId,
                      provider: this.provider,
                  }
                : { ...addons, vpcCni },
        );
        this.systemNodeGroup = declareSystemNodes(this, name, {
            cluster: spec.name,
            kubernetesVersion: spec.kubernetesVersion,
            group: spec.systemNodeGroup,
            vpcCni,
            ssmAccess: spec.ssmAccess,
            kubelet: spec.kubelet,
            ctx,
            clusterName: cp.cluster.name,
            privateSubnetIds: args.privateSubnetIds,
            securityGroupIds: [this.nodeSecurityGroupId],
            dependsOn: nodeAddons.beforeNodes,
            tags,
        });
        const system = declareSystemAddons(this, name, {
            ...addons,
            clusterName: spec.name,
            ctx,
            environment: args.environment,
            systemNodes: this.systemNodeGroup,
            podIdentityAgent: nodeAddons.podIdentityAgent,
            provider: this.provider,
        });

        this.ready = [this.systemNodeGroup, system.coredns, system.ebsCsi, system.storageClass];
        this.registerOutputs({
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            endpoint: this.endpoint,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            kubeconfig: this.kubeconfig,
        });
    }
}
