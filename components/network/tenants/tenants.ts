// hybrid:network:Tenants: the zero-trust baseline of every tenant namespace of one cluster:
// the namespace (Pod Security enforced), default-deny ingress and egress, DNS to kube-dns, the
// spec's allowed peers, a ResourceQuota and a LimitRange.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "../../core/contract";
import type { TenantSpec } from "../options";
import { tenantObjects } from "./render";

export interface TenantsArgs {
    tenants: TenantSpec[];
    access: ClusterAccess;
    /** The CNI that enforces the policies (installed by this program), if any. */
    cni: pulumi.Resource[];
    /** The Calico pools each tenant namespace takes its addresses from (render.ts tenantPools). */
    poolsOf?: (namespace: string) => string[];
}

export class Tenants extends pulumi.ComponentResource {
    constructor(name: string, args: TenantsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:network:Tenants", name, {}, opts);
        const provider = args.access.provider;
        for (const t of args.tenants) {
            const base = `${name}-${t.namespace}`;
            const o = tenantObjects(t, args.poolsOf?.(t.namespace) ?? []);
            const namespace = new k8s.core.v1.Namespace(
                base,
                { metadata: o.namespace.metadata },
                { parent: this, provider, dependsOn: [...args.access.ready, ...args.cni] },
            );
            const inNs = { parent: this, provider, dependsOn: [namespace] };
            for (const p of o.policies) {
                new k8s.networking.v1.NetworkPolicy(`${base}-${p.metadata.name}`, { metadata: p.metadata, spec: p.spec }, inNs);
            }
            new k8s.core.v1.ResourceQuota(`${base}-quota`, { metadata: o.quota.metadata, spec: o.quota.spec }, inNs);
            new k8s.core.v1.LimitRange(`${base}-limits`, { metadata: o.limits.metadata, spec: o.limits.spec }, inNs);
        }
        this.registerOutputs({});
    }
}
