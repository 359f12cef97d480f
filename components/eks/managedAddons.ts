// The EKS managed add-ons of an EksCluster, each pinned: before the nodes, what they need to turn
// Ready (Pod Identity agent; with the VPC CNI also vpc-cni, kube-proxy and one ENIConfig per zone);
// on the system nodes, CoreDNS and the EBS CSI driver with its own Pod Identity role, then the
// default encrypted gp3 StorageClass.
import * as aws from "../core/sdk/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { customResource } from "../core/k8s";
import {
    AwsContext,
    corednsConfiguration,
    defaultStorageClass,
    EBS_CSI_SERVICE_ACCOUNT,
    ebsCsiConfiguration,
    ENI_CONFIG,
    eniConfig,
    managedPolicy,
    podIdentityTrustPolicy,
    vpcCniConfiguration,
} from "./render";

/** The EKS add-ons the cluster runs, by the spec's key. */
export type EksAddonKey = "coredns" | "kubeProxy" | "vpcCni" | "podIdentityAgent" | "ebsCsiDriver";

export interface ManagedAddonsInputs {
    cluster: aws.eks.Cluster;
    /** A version the spec pins; an add-on without one takes EKS's newest for the cluster's version at deploy time. */
    versions: Partial<Record<EksAddonKey, string>>;
    kubernetesVersion: string;
    tags: Record<string, string>;
}

/** One managed add-on; conflicts resolve to EKS's configuration (the values given here). */
function managedAddon(
    owner: pulumi.ComponentResource,
    name: string,
    a: ManagedAddonsInputs,
    addonName: string,
    key: EksAddonKey,
    extra: Partial<aws.eks.AddonArgs> = {},
    dependsOn: pulumi.Resource[] = [],
) {
    return new aws.eks.Addon(
        `${name}-${addonName}`,
        {
            clusterName: a.cluster.name,
            addonName,
            // Looked up for the cluster's Kubernetes version when the spec pins none (aws eks
            // describe-addon-versions), rather than a hand pin that rots with every minor.
            addonVersion:
                a.versions[key] ??
                aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: a.kubernetesVersion, mostRecent: true }, { parent: owner }).version,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: a.tags,
            ...extra,
        },
        { parent: owner, dependsOn },
    );
}

/**
 * What nodes need to become Ready: the Pod Identity agent and, with the VPC CNI, the CNI (enforcing
 * network policy when it is the cluster's CNI), kube-proxy and the zones' ENIConfigs (pods of zone z
 * take addresses from the zone's pod subnet).
 */
export function declareNodeAddons(
    owner: pulumi.ComponentResource,
    name: string,
    a:
        | (ManagedAddonsInputs & { vpcCni: false })
        | (ManagedAddonsInputs & {
              vpcCni: true;
              networkPolicy: boolean;
              zones: string[];
              podSubnetIds: pulumi.Input<string>[];
              podSecurityGroupId: pulumi.Input<string>;
              provider: k8s.Provider;
          }),
): { podIdentityAgent: aws.eks.Addon; beforeNodes: pulumi.Resource[] } {
    const podIdentityAgent = managedAddon(owner, name, a, "eks-pod-identity-agent", "podIdentityAgent");
    const beforeNodes: pulumi.Resource[] = [podIdentityAgent];
    if (a.vpcCni) {
        const cni = managedAddon(owner, name, a, "vpc-cni", "vpcCni", { configurationValues: vpcCniConfiguration({ networkPolicy: a.networkPolicy }) });
        const kubeProxy = managedAddon(owner, name, a, "kube-proxy", "kubeProxy");
        const eniConfigs = a.zones.map((zone, i) => {
            const rendered = pulumi
                // Pods on their own ENIs get the nodes' security group (node to node and pod to pod open, the control plane on listed ports).
                .all([a.podSubnetIds[i], a.podSecurityGroupId])
                .apply(([subnetId, sg]) => eniConfig({ zone, subnetId, securityGroupIds: [sg] }));
            return customResource(
                `${name}-eniconfig-${zone}`,
                { apiVersion: ENI_CONFIG.apiVersion, kind: ENI_CONFIG.kind, metadata: rendered.metadata, spec: rendered.spec },
                { parent: owner, provider: a.provider, dependsOn: [cni] },
            );
        });
        beforeNodes.push(cni, kubeProxy, ...eniConfigs);
    }
    return { podIdentityAgent, beforeNodes };
}

/** The add-ons that run as Deployments on the system nodes, and the default StorageClass. */
export function declareSystemAddons(
    owner: pulumi.ComponentResource,
    name: string,
    a: ManagedAddonsInputs & {
        /** The fleet's name of the cluster. */
        clusterName: string;
        ctx: pulumi.Output<AwsContext>;
        environment: string;
        systemNodes: aws.eks.NodeGroup;
        podIdentityAgent: aws.eks.Addon;
        provider: k8s.Provider;
    },
): { coredns: aws.eks.Addon; ebsCsi: aws.eks.Addon; storageClass: k8s.storage.v1.StorageClass } {
    const { ctx, tags } = a;
    const parent = { parent: owner };
    const coredns = managedAddon(owner, name, a, "coredns", "coredns", { configurationValues: corednsConfiguration() }, [a.systemNodes]);
    const ebsRole = new aws.iam.Role(
        `${name}-ebs-csi`,
        {
            description: `${a.clusterName}: EBS CSI controller (Pod Identity kube-system/${EBS_CSI_SERVICE_ACCOUNT})`,
            assumeRolePolicy: pulumi
                .all([ctx, a.cluster.arn])
                .apply(([c, arn]) => JSON.stringify(podIdentityTrustPolicy(c, arn, { namespace: "kube-system", serviceAccount: EBS_CSI_SERVICE_ACCOUNT }))),
            tags,
        },
        parent,
    );
    const ebsPolicy = new aws.iam.RolePolicyAttachment(
        `${name}-ebs-csi`,
        { role: ebsRole.name, policyArn: ctx.apply((c) => managedPolicy(c, "service-role/AmazonEBSCSIDriverPolicy")) },
        parent,
    );
    const ebsCsi = managedAddon(
        owner,
        name,
        a,
        "aws-ebs-csi-driver",
        "ebsCsiDriver",
        { configurationValues: ebsCsiConfiguration(), podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }] },
        [a.systemNodes, a.podIdentityAgent, ebsPolicy],
    );
    const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, defaultStorageClass(a.environment), {
        parent: owner,
        provider: a.provider,
        dependsOn: [ebsCsi],
    });
    return { coredns, ebsCsi, storageClass };
}
