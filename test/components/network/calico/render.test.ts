// The Calico renderers: the LoadBalancer range's pool and the BGPConfiguration's
// serviceLoadBalancerIPs, validated against the upstream CRDs.
import * as assert from "assert";
import { bgpConfiguration, CALICO_LB_POOL, calicoInstallation, calicoLoadBalancerPool } from "../../../../components/network/calico/render";
import { validateCustomResource } from "../../../crds";
import { idcCluster, withLoadBalancerCidr as withLb } from "../../alone";

describe("the IDC LoadBalancer range: Calico", () => {
    it("renders a LoadBalancer-only, Automatic pool of the range, without encapsulation or BGP export filter", () => {
        const prod = idcCluster("prod");
        assert.strictEqual(prod.network.loadBalancerCidr, "10.12.0.0/22");
        const pool = calicoLoadBalancerPool(prod)!;
        assert.deepStrictEqual(pool, {
            apiVersion: "projectcalico.org/v3",
            kind: "IPPool",
            metadata: { name: CALICO_LB_POOL },
            spec: {
                cidr: "10.12.0.0/22",
                blockSize: 26,
                allowedUses: ["LoadBalancer"],
                assignmentMode: "Automatic",
                ipipMode: "Never",
                vxlanMode: "Never",
                natOutgoing: false,
                disableBGPExport: false,
                nodeSelector: "all()",
            },
        });
        assert.deepStrictEqual(validateCustomResource(pool), []);
        // No range, no pool.
        assert.strictEqual(calicoLoadBalancerPool(withLb("prod", undefined)), undefined);
    });

    it("is a pool the Tigera operator leaves alone: no managed-by label, a CIDR that is none of the Installation's pools", () => {
        // tigera/operator pkg/controller/ippool/pool_controller.go: the controller creates, updates
        // and deletes only pools labelled app.kubernetes.io/managed-by=tigera-operator or equal to a
        // pool of Installation.spec.calicoNetwork.ipPools; any other pool is "not ours" and left alone.
        const prod = idcCluster("prod");
        const pool = calicoLoadBalancerPool(prod)! as { metadata: { name: string; labels?: Record<string, string> }; spec: { cidr: string } };
        assert.strictEqual(pool.metadata.labels?.["app.kubernetes.io/managed-by"], undefined);
        const installed = (calicoInstallation(prod) as { spec: { calicoNetwork: { ipPools: { name: string; cidr: string }[] } } }).spec.calicoNetwork.ipPools;
        assert.ok(installed.length > 0, "the Installation declares the pod pools");
        assert.ok(!installed.some((p) => p.cidr === pool.spec.cidr || p.name === pool.metadata.name), JSON.stringify(installed));
    });

    it("never makes a block larger than the range: a /28 range is one /28 block", () => {
        const pool = calicoLoadBalancerPool(withLb("prod", "10.12.0.16/28"))!;
        assert.strictEqual(pool.spec.blockSize, 28);
        assert.deepStrictEqual(validateCustomResource(pool), []);
    });

    it("the validator sees the pool's schema: an allowed use Calico does not know is rejected", () => {
        const pool = structuredClone(calicoLoadBalancerPool(idcCluster("prod"))!) as any;
        pool.spec.allowedUses = ["LoadBalancer", "Ingress"];
        assert.ok(
            validateCustomResource(pool).some((e) => e.includes("/spec/allowedUses/1")),
            validateCustomResource(pool).join("\n"),
        );
    });

    it("announces the range from the nodes (serviceLoadBalancerIPs), only where there is one", () => {
        const bgp = bgpConfiguration(idcCluster("prod"));
        assert.deepStrictEqual((bgp.spec as any).serviceLoadBalancerIPs, [{ cidr: "10.12.0.0/22" }]);
        assert.deepStrictEqual(validateCustomResource(bgp), []);
        assert.ok(!("serviceLoadBalancerIPs" in bgpConfiguration(withLb("prod", undefined)).spec));
    });
});
