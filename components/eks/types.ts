// What the EKS site's components and renderers read of a cluster: plain types owned here; the
// fleet spec's validated EKS cluster is assignable to them, and the builder in stacks/eks.ts passes it.
import type { CalicoOptions, CiliumOptions, TenantSpec } from "../network/options";
import type { NodeKubelet } from "../core/kubelet";

/** Control-plane log types beyond api, audit and authenticator, which are always on. */
export const EXTRA_CONTROL_PLANE_LOGS = ["controllerManager", "scheduler"] as const;

export interface KarpenterNodePoolSpec {
    name: string;
    capacityTypes: ("spot" | "on-demand")[];
    architectures: ("amd64" | "arm64")[];
    instanceCategories: string[];
    instanceGenerationGreaterThan: number;
    limits: { cpu: number; memoryGiB: number };
    labels: Record<string, string>;
    taints: { key: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute"; value?: string | undefined }[];
    disruption: {
        consolidationPolicy: "WhenEmpty" | "WhenEmptyOrUnderutilized" | "Balanced";
        consolidateAfter: string;
        budgets: {
            nodes: string;
            schedule?: string | undefined;
            duration?: string | undefined;
            reasons?: ("Underutilized" | "Empty" | "Drifted")[] | undefined;
        }[];
    };
    expireAfter: string;
    /** A duration, or "Never" (not set: Karpenter waits for a drain for ever). */
    terminationGracePeriod: string;
    weight?: number | undefined;
}

/** An EKS cluster as its components and renderers read it. */
export interface EksClusterShape {
    provider: "eks";
    name: string;
    region: string;
    zones: string[];
    kubernetesVersion: string;
    network: {
        vpcCidr: string;
        podCidr: string;
        serviceCidr: string;
        cni: "calico" | "cilium" | "vpc-cni";
        calico: CalicoOptions;
        cilium: CiliumOptions;
        tenants: TenantSpec[];
        natGateways: "perZone" | "single";
        flowLogRetentionDays: number;
    };
    endpoint: { privateAccess: boolean; publicAccessCidrs: string[] };
    adminPrincipals: string[];
    /** EKS's upgrade policy at the end of standard support. */
    supportType: "STANDARD" | "EXTENDED";
    controlPlaneLogs: { extraTypes: (typeof EXTRA_CONTROL_PLANE_LOGS)[number][]; retentionDays: number };
    /** AmazonSSMManagedInstanceCore on the node roles (Session Manager). */
    ssmAccess: boolean;
    systemNodeGroup: { instanceTypes: string[]; minSize: number; maxSize: number; desiredSize: number };
    karpenter: { amiAlias: string; nodePools: KarpenterNodePoolSpec[] };
    /** The kubelet settings of every node, given in the instances' user data (./kubelet.ts). */
    kubelet: NodeKubelet;
}
