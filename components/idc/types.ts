// What the IDC site's components and renderers read of a cluster: plain types owned here; the
// fleet spec's validated IDC cluster is assignable to them, and the builder in stacks/idc.ts passes it.
import type { NodeKubelet } from "../core/kubelet";
import type { CalicoOptions, CiliumOptions, TenantSpec } from "../network/options";

export interface IdcHostSpec {
    name: string;
    address: string;
}

export interface IdcTaint {
    key: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    value?: string | undefined;
}

export interface IdcObjectStore {
    kind: "s3" | "oss" | "s3-compatible";
    bucket: string;
    region?: string | undefined;
    endpoint?: string | undefined;
    credentials?: { accessKeyIdKey: string; secretAccessKeyKey: string } | undefined;
}

type EvictionSignal = "memory.available" | "nodefs.available" | "nodefs.inodesFree" | "imagefs.available" | "imagefs.inodesFree" | "pid.available";

export interface IdcEtcdSpec {
    hosts: (IdcHostSpec & { nvmeDevice: string })[];
    dataDir: string;
    tuning: {
        heartbeatIntervalMs: number;
        electionTimeoutMs: number;
        quotaBackendBytes: number;
        snapshotCount: number;
        autoCompactionMode: "periodic" | "revision";
        autoCompactionRetention: string;
        maxRequestBytes: number;
    };
    backup: { onCalendar: string; keep: number; defragOnCalendar: string; objectStore?: IdcObjectStore | undefined; prefix?: string | undefined };
    metricsListener: "localhost" | "member";
}

export interface IdcControlPlaneSpec {
    vip: string;
    port: number;
    hosts: (IdcHostSpec & { labels: Record<string, string> })[];
    keepalived: { interface: string; virtualRouterId: number; advertIntervalSeconds: number };
    apiServer: {
        maxRequestsInflight: number;
        maxMutatingRequestsInflight: number;
        auditLogMaxAgeDays: number;
        auditLogMaxBackups: number;
        auditLogMaxSizeMB: number;
    };
    dnsName?: string | undefined;
}

/** An IDC kubeadm cluster as its components and renderers read it. */
export interface IdcClusterShape {
    provider: "idc";
    name: string;
    kubernetesVersion: string;
    network: {
        nodeCidr: string;
        podCidr: string;
        serviceCidr: string;
        cni: "calico" | "cilium";
        calico: CalicoOptions;
        cilium: CiliumOptions;
        tenants: TenantSpec[];
        /** The range LoadBalancer Services take addresses from (the CNI's LB IPAM pool, announced over BGP). */
        loadBalancerCidr?: string | undefined;
    };
    controlPlane: IdcControlPlaneSpec;
    etcd: IdcEtcdSpec;
    kubelet: {
        evictionHard: Partial<Record<EvictionSignal, string>>;
        evictionSoft: Partial<Record<EvictionSignal, string>>;
        evictionSoftGracePeriod: Record<string, string>;
        systemReserved: Record<string, string>;
        kubeReserved: Record<string, string>;
    } & NodeKubelet;
    workers: (IdcHostSpec & { labels: Record<string, string>; taints: IdcTaint[] })[];
}
