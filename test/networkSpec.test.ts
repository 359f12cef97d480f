// The networking rules of the fleet spec: each rejects what it must with `<path>: <rule>`, and
// the checked-in stacks stay valid with the networking defaults applied.
import * as assert from "assert";
import { parseFleet } from "../stacks/spec";
import { rawStackFleet } from "./harness";

const IDC = 0;
const EKS = 1;

function violationsAfter(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod"): string[] {
    const fleet = rawStackFleet(stack);
    mutate(fleet);
    const result = parseFleet(fleet);
    assert.ok(!result.ok, "expected the mutated spec to be rejected");
    return result.violations;
}

function assertViolation(violations: string[], expected: string): void {
    assert.ok(violations.includes(expected), `expected violation\n  ${expected}\ngot\n  ${violations.join("\n  ")}`);
}

describe("networking spec", () => {
    it("applies the networking defaults to the checked-in stacks", () => {
        const prod = parseFleet(rawStackFleet("prod"));
        assert.ok(prod.ok);
        const idc = prod.spec.clusters[IDC];
        assert.ok(idc.provider === "idc");
        assert.strictEqual(idc.network.calico.blockSize, 26);
        assert.strictEqual(idc.network.calico.natOutgoing, true);
        assert.strictEqual(idc.network.cilium.nodeMaskSize, 24);
        const search = idc.network.tenants[1];
        assert.deepStrictEqual(search.quota, { requestsCpu: "20", requestsMemory: "64Gi", limitsCpu: "40", limitsMemory: "128Gi", pods: 200, servicesLoadBalancers: 0, servicesNodePorts: 0 });
        assert.deepStrictEqual(search.containerDefaults, { cpuRequest: "500m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "512Mi" });
        assert.strictEqual(search.podSecurity, "restricted");
        assert.deepStrictEqual(search.allowFrom[0], { namespace: "payments", podLabels: {}, ports: [{ port: 8080, protocol: "TCP" }] });
        assert.ok(parseFleet(rawStackFleet("dev")).ok);
    });

    it("rejects a CNI a site cannot run, naming what the site runs", () => {
        assertViolation(violationsAfter((f) => (f.clusters[IDC].network.cni = "flannel")), 'clusters[0].network.cni: IDC runs calico or cilium, not "flannel"');
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].network.cni = "terway")),
            'clusters[1].network.cni: EKS runs vpc-cni, calico (policy only, on the VPC CNI) or cilium (ENI mode), not "terway"',
        );
        assertViolation(violationsAfter((f) => (f.clusters[2].network.cni = "cilium")), 'clusters[2].network.cni: ACK runs terway or flannel, not "cilium"');
    });

    it("rejects an extra pool outside the pod CIDR", () => {
        const v = violationsAfter((f) => (f.clusters[IDC].network.calico.ipPools[0].cidr = "10.70.0.0/20"));
        assertViolation(v, "clusters[0].network.calico.ipPools[0].cidr: 10.70.0.0/20 is outside network.podCidr 10.64.0.0/16");
    });

    it("rejects overlapping pools: with the default pool (and says how to fix it) and with each other", () => {
        const v = violationsAfter((f) => delete f.clusters[IDC].network.calico.defaultPoolCidr);
        assertViolation(
            v,
            "clusters[0].network.calico.ipPools[0].cidr: 10.64.128.0/20 overlaps the default pool 10.64.0.0/16 (set calico.defaultPoolCidr to a part of podCidr outside the extra pools)",
        );
        const w = violationsAfter((f) =>
            f.clusters[IDC].network.calico.ipPools.push({ name: "search-pool", cidr: "10.64.136.0/21", nodeSelector: "all()" }),
        );
        assertViolation(w, "clusters[0].network.calico.ipPools[1].cidr: 10.64.136.0/21 overlaps ipPools[0] 10.64.128.0/20");
        const x = violationsAfter((f) => (f.clusters[IDC].network.calico.defaultPoolCidr = "10.65.0.0/17"));
        assertViolation(x, "clusters[0].network.calico.defaultPoolCidr: 10.65.0.0/17 is outside network.podCidr 10.64.0.0/16");
    });

    it("rejects block sizes that do not fit the pod CIDR or a pool", () => {
        const v = violationsAfter((f) => {
            f.clusters[IDC].network.podCidr = "10.64.0.0/22";
            f.clusters[IDC].network.calico = { blockSize: 20 };
        });
        assertViolation(v, "clusters[0].network.calico.blockSize: /20 blocks do not fit in 10.64.0.0/22");
        const w = violationsAfter((f) => Object.assign(f.clusters[IDC].network.calico.ipPools[0], { cidr: "10.64.128.0/21", blockSize: 20 }));
        assertViolation(w, "clusters[0].network.calico.ipPools[0].blockSize: /20 blocks do not fit in 10.64.128.0/21");
        const x = violationsAfter((f) => (f.clusters[IDC].network.calico.blockSize = 19));
        assertViolation(x, "clusters[0].network.calico.blockSize: Calico IPv4 blocks are /20 to /32");
        const y = violationsAfter((f) => {
            f.clusters[0].network.podCidr = "10.164.0.0/18";
            f.clusters[0].network.cilium = { clusterId: 11, nodeMaskSize: 16 };
        }, "dev");
        assertViolation(y, "clusters[0].network.cilium.nodeMaskSize: /16 node blocks do not fit in podCidr 10.164.0.0/18");
    });

    it("rejects duplicate and missing Cilium cluster ids", () => {
        const v = violationsAfter((f) => (f.clusters[EKS].network = { ...f.clusters[EKS].network, cni: "cilium", cilium: { clusterId: 11 } }), "dev");
        assertViolation(v, "clusters[1].network.cilium.clusterId: 11 is already the Cilium cluster id of clusters[0]");
        const w = violationsAfter((f) => delete f.clusters[0].network.cilium, "dev");
        assertViolation(w, "clusters[0].network.cilium.clusterId: is required with cni cilium (a fleet-unique 1-255 keeps cluster mesh possible)");
        const x = violationsAfter((f) => (f.clusters[0].network.cilium.clusterId = 256), "dev");
        assert.ok(x.some((s) => s.startsWith("clusters[0].network.cilium.clusterId: ")), x.join("\n"));
    });

    it("keeps BGP and pools to Calico clusters that route, and peers unique", () => {
        const v = violationsAfter((f) => (f.clusters[EKS].network = { ...f.clusters[EKS].network, cni: "calico", calico: { bgp: { asNumber: 64601 } } }));
        assertViolation(v, "clusters[1].network.calico.bgp: must be unset on EKS: Calico enforces policy only, the VPC CNI assigns pod addresses");
        const w = violationsAfter((f) => (f.clusters[0].network.calico = { bgp: { asNumber: 64601 } }), "dev");
        assertViolation(w, "clusters[0].network.calico: is set but network.cni is cilium");
        const x = violationsAfter((f) => {
            const peers = f.clusters[IDC].network.calico.bgp.peers;
            peers.push({ ...peers[0] });
        });
        assertViolation(x, "clusters[0].network.calico.bgp.peers[6].name: peer name rack-a-tor-1 is already used by bgp.peers[0]");
        assertViolation(x, "clusters[0].network.calico.bgp.peers[6].peerIp: 10.10.0.1 is already peered with the same nodes by bgp.peers[0]");
        const y = violationsAfter((f) => (f.clusters[IDC].network.calico.encapsulation = "VXLAN"));
        assertViolation(y, "clusters[0].network.calico.encapsulation: VXLAN tunnels every packet; peering with the racks' switches needs None or a CrossSubnet mode");
    });

    it("rejects a tenant declared twice and malformed tenant fields", () => {
        const v = violationsAfter((f) => f.clusters[IDC].network.tenants.push({ namespace: "payments" }));
        assertViolation(v, "clusters[0].network.tenants[2].namespace: tenant payments is already declared by tenants[0]");
        const w = violationsAfter((f) => (f.clusters[IDC].network.tenants[0].quota.requestsCpu = "lots"));
        assertViolation(w, 'clusters[0].network.tenants[0].quota.requestsCpu: must be a Kubernetes quantity like "500m", "2" or "4Gi"');
        const x = violationsAfter((f) => (f.clusters[IDC].network.tenants[0].allowFrom[0].namespace = "Istio"));
        assert.ok(x.some((s) => s.startsWith("clusters[0].network.tenants[0].allowFrom[0].namespace: ")), x.join("\n"));
    });
});
