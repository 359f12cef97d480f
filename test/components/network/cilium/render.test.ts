// The Cilium renderers: the LoadBalancer range's LB IPAM pool and the advertisement of
// LoadBalancer addresses, validated against the upstream CRDs.
import * as assert from "assert";
import { CILIUM_LB_POOL, ciliumBgpAdvertisement, ciliumLoadBalancerIpPool } from "../../../../components/network/cilium/render";
import { validateCustomResource } from "../../../crds";
import { idcCluster, withLoadBalancerCidr as withLb } from "../../alone";

describe("the IDC LoadBalancer range: Cilium", () => {
    it("renders an LB IPAM pool of the range in cilium.io/v2, first and last addresses reserved", () => {
        const dev = idcCluster("dev");
        assert.strictEqual(dev.network.loadBalancerCidr, "10.111.0.0/24");
        const pool = ciliumLoadBalancerIpPool(dev)!;
        assert.deepStrictEqual(pool, {
            apiVersion: "cilium.io/v2",
            kind: "CiliumLoadBalancerIPPool",
            metadata: { name: CILIUM_LB_POOL },
            spec: { blocks: [{ cidr: "10.111.0.0/24" }], allowFirstLastIPs: "No" },
        });
        assert.deepStrictEqual(validateCustomResource(pool), []);
        const broken = structuredClone(pool) as any;
        broken.spec.allowFirstLastIPs = "Maybe";
        assert.ok(validateCustomResource(broken).some((e) => e.includes("/spec/allowFirstLastIPs")));
        assert.strictEqual(ciliumLoadBalancerIpPool(withLb("dev", undefined)), undefined);
    });

    it("advertises every Service's LoadBalancer address, not aggregated, beside the pod and service CIDRs", () => {
        const adv = ciliumBgpAdvertisement(idcCluster("dev"));
        assert.deepStrictEqual(validateCustomResource(adv), []);
        const [, clusterIps, lb, ...rest] = adv.spec.advertisements as any[];
        assert.deepStrictEqual(rest, []);
        assert.deepStrictEqual(lb.service, { addresses: ["LoadBalancerIP"] });
        assert.deepStrictEqual(lb.selector, clusterIps.selector, "the same all-Services selector as the ClusterIPs");
        // Without a range, only the pod CIDR and the ClusterIPs.
        assert.strictEqual(ciliumBgpAdvertisement(withLb("dev", undefined)).spec.advertisements.length, 2);
    });
});
