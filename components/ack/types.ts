// What the ACK site's components and renderers read of a cluster: plain types owned here; the
// fleet spec's validated ACK cluster is assignable to them, and the builder in stacks/ack.ts passes it.

/**
 * How the site carves its address blocks: each zone gets one node vSwitch of vpcCidr split in 2^4
 * and, with Terway, one pod vSwitch of podCidr split in 2^2 (the spec's rules check the same numbers).
 */
export const NODE_VSWITCH_BITS = 4;
export const POD_VSWITCH_BITS = 2;

/**
 * The site's SLS projects, named after the cluster and the stack: control-plane and audit logs, and
 * the VPC's flow logs (a CEN edge's VPC has its own: cenEdgeFlowLogProject). The spec checks every
 * such name against SLS_PROJECT_NAME for the stack it is deployed to.
 */
export const slsProjectNames = (cluster: string, stack: string) => ({
    logs: `${cluster}-${stack}-k8s-logs`,
    flowLogs: `${cluster}-${stack}-vpc-flow-logs`,
});
/** An SLS project name: unique across Alibaba Cloud, 3 to 63 characters of [a-z0-9-], a letter or digit at each end (SLS docs, "Manage a project"). */
export const SLS_PROJECT_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export type Weekday = "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday";

export interface AckNodePoolSpec {
    name: string;
    system: boolean;
    instanceTypes: string[];
    minSize: number;
    maxSize: number;
    spot: boolean;
    labels: Record<string, string>;
    taints: { key: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute"; value?: string | undefined }[];
    systemDiskGiB: number;
    dataDiskGiB: number;
}

/** An ACK cluster as its components and renderers read it. */
export interface AckClusterShape {
    provider: "ack";
    name: string;
    region: string;
    zones: string[];
    kubernetesVersion: string;
    clusterSpec: "ack.pro.small" | "ack.pro.xlarge" | "ack.pro.2xlarge" | "ack.pro.4xlarge";
    network: { vpcCidr: string; podCidr: string; serviceCidr: string; cni: "terway" | "flannel"; nodeCidrMask: number; flowLogRetentionDays: number };
    apiServer: { internetFacing: boolean };
    logging: { retentionDays: number };
    maintenanceWindow: { days: Weekday[]; start: string; durationHours: number };
    nodePools: AckNodePoolSpec[];
    /** The kubelet of every node pool. */
    kubelet: { podPidsLimit: number };
    /** ACK's cluster-autoscaler on the pools. */
    autoscaling: { enabled: boolean };
}
