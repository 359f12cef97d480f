// What the fleet-wide networking rules read of the fleet, as a plain type: it keeps network.ts
// (whose schemas every site schema uses) from importing the fleet schema that is built from them.
import type { CalicoOptions, CiliumOptions, TenantSpec } from "../../components/network/options";

interface CniCluster<P extends "idc" | "eks"> {
    provider: P;
    name: string;
    network: { cni: "calico" | "cilium" | "vpc-cni"; podCidr: string; calico: CalicoOptions; cilium: CiliumOptions; tenants: TenantSpec[] };
}

export interface FleetNetwork {
    clusters: (CniCluster<"idc"> | CniCluster<"eks"> | { provider: "ack"; name: string; network: { tenants: TenantSpec[] } })[];
}
