// Tenants built alone: a literal tenant list, no fleet and no spec schema.
import * as assert from "assert";
import type { TenantSpec } from "../../../../components/network/options";
import { Tenants } from "../../../../components/network/tenants/tenants";
import { aloneAccess, assertThroughProvider, before, beforeUrn, buildAlone } from "../../alone";

const tenant = (namespace: string, allowFrom: TenantSpec["allowFrom"] = []): TenantSpec => ({
    namespace,
    podSecurity: "restricted",
    allowFrom,
    allowTo: [],
    quota: { requestsCpu: "2", requestsMemory: "4Gi", limitsCpu: "4", limitsMemory: "8Gi", pods: 20, servicesLoadBalancers: 0, servicesNodePorts: 0 },
    containerDefaults: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
});

describe("components/network/tenants: Tenants alone", () => {
    it("gives each tenant its namespace, policies, quota and limits, after the CNI, through the cluster's provider", async () => {
        const { inventory, declared } = await buildAlone("hybrid:network:Tenants", () => {
            const cni = before("c1-cni");
            const tenants = [tenant("shop", [{ namespace: "web", podLabels: {}, ports: [{ port: 8080, protocol: "TCP" }] }]), tenant("search")];
            return new Tenants("c1-tenants", { tenants, access: aloneAccess("c1"), cni: [cni], poolsOf: (ns) => (ns === "shop" ? ["shop-pool"] : []) });
        });
        const cniUrn = beforeUrn(inventory, "c1-cni");
        const namespaces = declared.filter((r) => r.type === "kubernetes:core/v1:Namespace");
        assert.deepStrictEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), ["search", "shop"]);
        for (const n of namespaces) assert.ok(n.dependencies.includes(cniUrn), `${n.name} must wait for the CNI`);
        assert.strictEqual(
            namespaces.find((n) => n.inputs.metadata.name === "shop")!.inputs.metadata.annotations?.["cni.projectcalico.org/ipv4pools"],
            '["shop-pool"]',
        );
        assert.strictEqual(declared.filter((r) => r.type === "kubernetes:core/v1:ResourceQuota").length, 2);
        assert.strictEqual(declared.filter((r) => r.type === "kubernetes:core/v1:LimitRange").length, 2);
        const policies = declared.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        assert.ok(
            policies.filter((p) => p.inputs.metadata.namespace === "shop").length > policies.filter((p) => p.inputs.metadata.namespace === "search").length,
            "the allowed peer adds a policy",
        );
        assertThroughProvider(inventory, declared, "c1");
    });
});
