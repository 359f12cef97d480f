// The IDC LoadBalancer range through the CNI: the renderers (Calico's LoadBalancer pool and the
// BGPConfiguration's serviceLoadBalancerIPs; Cilium's LB IPAM pool and the advertisement of
// LoadBalancer addresses), the upstream CRDs they validate against, and the rule that the range
// needs the CNI's BGP.
import * as assert from "assert";
import {
    bgpConfiguration,
    CALICO_LB_POOL,
    calicoInstallation,
    calicoLoadBalancerPool,
    CILIUM_LB_POOL,
    ciliumBgpAdvertisement,
    ciliumLoadBalancerIpPool,
} from "../../../components/network/render";
import { validateCustomResource } from "../../crds";
import { assertViolation, rawStackFleet, violationsAfter } from "../../harness";
import { idcCluster } from "../alone";

const withLb = (stack: "prod" | "dev", lb: string | undefined) => {
    const spec = structuredClone(idcCluster(stack));
    spec.network.loadBalancerCidr = lb;
    return spec;
};

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
        const installed = (calicoInstallation(prod) as any).spec.calicoNetwork.ipPools as { name: string; cidr: string }[];
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

describe("the IDC LoadBalancer range: spec rule", () => {
    it("needs the Calico BGP that announces it (prod)", () => {
        const v = violationsAfter((f) => delete f.clusters.find((c: any) => c.name === "idc-sh").network.calico.bgp);
        assertViolation(
            v,
            `clusters[${clusterIndex("prod", "idc-sh")}].network.loadBalancerCidr: needs network.calico.bgp: the CNI's BGP announces the LoadBalancer range to the racks; without it no one outside the cluster reaches the Services' addresses`,
        );
    });

    it("needs the Cilium BGP that announces it (dev)", () => {
        const v = violationsAfter((f) => delete f.clusters.find((c: any) => c.name === "idc-dev").network.cilium.bgp, "dev");
        assertViolation(
            v,
            `clusters[${clusterIndex("dev", "idc-dev")}].network.loadBalancerCidr: needs network.cilium.bgp: the CNI's BGP announces the LoadBalancer range to the racks; without it no one outside the cluster reaches the Services' addresses`,
        );
    });
});

function clusterIndex(stack: "prod" | "dev", name: string): number {
    return rawStackFleet(stack).clusters.findIndex((c: any) => c.name === name);
}
