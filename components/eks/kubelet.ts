// The kubelet settings EKS nodes take beyond what EKS and Karpenter configure, in the instances'
// user data: a NodeConfig for nodeadm on AL2023, settings for Bottlerocket. Neither EKS's managed
// node groups nor Karpenter's EC2NodeClass has a field for them.
import { stringify } from "yaml";
import { kubeletConfigFields, type NodeKubelet } from "../core/kubelet";

/**
 * nodeadm's NodeConfig (node.eks.aws/v1alpha1) with only these kubelet settings: nodeadm merges every
 * NodeConfig of the user data in order, the later winning (amazon-eks-ami nodeadm/doc/examples.md,
 * "Merging multiple configuration objects"), and EKS or Karpenter add theirs with the cluster's
 * details after it. nodeadm writes `kubelet.config` as a drop-in over its own kubelet configuration.
 */
export function nodeadmConfig(k: NodeKubelet): string {
    return stringify({
        apiVersion: "node.eks.aws/v1alpha1",
        kind: "NodeConfig",
        spec: { kubelet: { config: kubeletConfigFields(k) } },
    });
}

/** The MIME boundary of the launch template's user data: a line that no NodeConfig YAML can hold. */
const BOUNDARY = "==hybrid-fleet-nodeadm==";

/**
 * A managed node group's launch template user data (before base64): a MIME multi-part archive with
 * the NodeConfig as an `application/node.eks.aws` part. With an EKS AMI type (no custom AMI) EKS
 * appends its own bootstrap NodeConfig to the instances' user data (eksctl's guide on
 * docs.aws.amazon.com, "Node bootstrapping": AmazonLinux2023), and updating the node group to a new
 * template version recycles its nodes (EKS user guide, "Customize managed nodes with launch templates").
 */
export function al2023UserData(k: NodeKubelet): string {
    return [
        "MIME-Version: 1.0",
        `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
        "",
        `--${BOUNDARY}`,
        "Content-Type: application/node.eks.aws",
        "",
        nodeadmConfig(k).trimEnd(),
        "",
        `--${BOUNDARY}--`,
        "",
    ].join("\n");
}

/**
 * Bottlerocket's settings for these (settings.kubernetes: seccomp-default, pod-pids-limit,
 * shutdown-grace-period, shutdown-grace-period-for-critical-pods), as TOML: Karpenter merges the
 * settings it knows into its own and ignores the rest (Karpenter docs, "spec.userData": Bottlerocket;
 * all four are in its settings struct, bottlerocketsettings.go at v1.14.1).
 */
export function bottlerocketSettings(k: NodeKubelet): string {
    return [
        "[settings.kubernetes]",
        `seccomp-default = ${k.seccompDefault}`,
        `pod-pids-limit = ${k.podPidsLimit}`,
        `shutdown-grace-period = "${k.shutdownGracePeriodSeconds}s"`,
        `shutdown-grace-period-for-critical-pods = "${k.shutdownGracePeriodCriticalPodsSeconds}s"`,
        "",
    ].join("\n");
}

/**
 * An EC2NodeClass's `spec.userData` for the AMI it selects: Karpenter takes a NodeConfig as it is for
 * AL2023 (it builds the MIME archive, its own NodeConfig last) and TOML for Bottlerocket (Karpenter
 * docs, "spec.userData").
 */
export function karpenterUserData(amiAlias: string, k: NodeKubelet): string {
    return amiAlias.startsWith("bottlerocket@") ? bottlerocketSettings(k) : nodeadmConfig(k);
}
