// The networking rules of the fleet spec: each rejects what it must with `<path>: <rule>`, and
// the checked-in stacks stay valid with the networking defaults applied.
import * as assert from "assert";
import { ciliumBgpClusterConfigs } from "../../../components/network/cilium/render";
import { parseFleet } from "../../../stacks/spec";
import { ciliumRouting } from "../../../stacks/spec/network";
import { validateCustomResource } from "../../crds";
import { assertViolation, EKS, IDC, rawStackFleet, violationsAfter } from "../../harness";

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
        assert.deepStrictEqual(search.quota, {
            requestsCpu: "20",
            requestsMemory: "64Gi",
            limitsCpu: "40",
            limitsMemory: "128Gi",
            pods: 200,
            servicesLoadBalancers: 0,
            servicesNodePorts: 0,
        });
        assert.deepStrictEqual(search.containerDefaults, { cpuRequest: "500m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "512Mi" });
        assert.strictEqual(search.podSecurity, "restricted");
        assert.deepStrictEqual(search.allowFrom[0], { namespace: "payments", podLabels: {}, ports: [{ port: 8080, protocol: "TCP" }] });
        assert.ok(parseFleet(rawStackFleet("dev")).ok);
    });

    it("rejects a CNI a site cannot run, naming what the site runs", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[IDC].network.cni = "flannel")),
            'clusters[0].network.cni: IDC runs calico or cilium, not "flannel"',
        );
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].network.cni = "terway")),
            'clusters[1].network.cni: EKS runs vpc-cni, calico (policy only, on the VPC CNI) or cilium (ENI mode), not "terway"',
        );
        assertViolation(
            violationsAfter((f) => (f.clusters[2].network.cni = "cilium")),
            'clusters[2].network.cni: ACK runs terway or flannel, not "cilium"',
        );
    });

    it("rejects a pool naming a namespace that is not a tenant of its cluster", () => {
        const v = violationsAfter((f) => (f.clusters[IDC].network.calico.ipPools[0].namespaces = ["payments", "billing"]));
        assertViolation(v, "clusters[0].network.calico.ipPools[0].namespaces[1]: billing is not a tenant of idc-sh (network.tenants)");
        assert.strictEqual(v.length, 1, v.join("\n"));
        // A tenant of another cluster does not count.
        const w = violationsAfter((f) => {
            f.clusters[IDC].network.tenants = f.clusters[IDC].network.tenants.filter((t: any) => t.namespace !== "payments");
            f.clusters[IDC].network.tenants[0].allowFrom = [];
        });
        assertViolation(w, "clusters[0].network.calico.ipPools[0].namespaces[0]: payments is not a tenant of idc-sh (network.tenants)");
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
        const w = violationsAfter((f) => f.clusters[IDC].network.calico.ipPools.push({ name: "search-pool", cidr: "10.64.136.0/21", nodeSelector: "all()" }));
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
        assert.ok(
            x.some((s) => s.startsWith("clusters[0].network.cilium.clusterId: ")),
            x.join("\n"),
        );
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
        assertViolation(
            y,
            "clusters[0].network.calico.encapsulation: VXLAN tunnels every packet; peering with the racks' switches needs None or a CrossSubnet mode",
        );
    });

    describe("Cilium BGP (network.cilium.bgp)", () => {
        const DEV_IDC = 0;
        const CP = "clusters[0].controlPlane.hosts[0].labels";
        const WORKER = "clusters[0].workers[0].labels";
        const setPeers = (f: any, peers: object[]) => (f.clusters[DEV_IDC].network.cilium.bgp.peers = peers);
        const peer = (name: string, peerIp: string, nodeSelector?: string) => ({ name, peerIp, asNumber: 64512, ...(nodeSelector ? { nodeSelector } : {}) });

        it("routes the checked-in dev IDC cluster with BGP, prod stays Calico", () => {
            const dev = parseFleet(rawStackFleet("dev"));
            assert.ok(dev.ok);
            const idc = dev.spec.clusters[DEV_IDC];
            assert.ok(idc.provider === "idc" && idc.network.cni === "cilium");
            assert.strictEqual(ciliumRouting(idc), "bgp");
            const prod = parseFleet(rawStackFleet("prod"));
            assert.ok(prod.ok && prod.spec.clusters[IDC].network.cni === "calico" && prod.spec.clusters[IDC].network.cilium.bgp === undefined);
            delete idc.network.cilium.bgp;
            assert.strictEqual(ciliumRouting(idc), "directRoutes");
        });

        it("rejects BGP on EKS Cilium and on a cluster whose CNI is not Cilium", () => {
            const v = violationsAfter(
                (f) =>
                    (f.clusters[1].network = {
                        ...f.clusters[1].network,
                        cni: "cilium",
                        cilium: { clusterId: 12, bgp: { asNumber: 64601, peers: [peer("tor-1", "10.120.0.1")] } },
                    }),
                "dev",
            );
            assertViolation(v, "clusters[1].network.cilium.bgp: must be unset on EKS: Cilium runs in ENI mode there and the VPC routes pod addresses");
            const w = violationsAfter((f) => (f.clusters[IDC].network.cilium = { bgp: { asNumber: 64600, peers: [peer("tor-1", "10.10.0.1")] } }));
            assertViolation(w, "clusters[0].network.cilium.bgp: is set but network.cni is calico");
        });

        it("needs a peer (no mesh), unique peer names, one session per switch and node set", () => {
            assertViolation(
                violationsAfter((f) => setPeers(f, []), "dev"),
                "clusters[0].network.cilium.bgp.peers: needs at least one peer: Cilium has no node-to-node mesh, the racks' switches route the pod CIDRs (leave bgp unset for direct routes on one L2 segment)",
            );
            const v = violationsAfter((f) => setPeers(f, [peer("tor-1", "10.110.0.1"), peer("tor-1", "10.110.0.2"), peer("tor-3", "10.110.0.1")]), "dev");
            assertViolation(v, "clusters[0].network.cilium.bgp.peers[1].name: peer name tor-1 is already used by bgp.peers[0]");
            assertViolation(v, "clusters[0].network.cilium.bgp.peers[2].peerIp: 10.110.0.1 is already peered with the same nodes by bgp.peers[0]");
        });

        it("rejects invalid peer addresses and AS numbers outside 1..4294967295", () => {
            const v = violationsAfter((f) => setPeers(f, [peer("tor-1", "10.110.0.256")]), "dev");
            assert.ok(
                v.some((x) => x.startsWith("clusters[0].network.cilium.bgp.peers[0].peerIp: ")),
                v.join("\n"),
            );
            for (const asNumber of [0, 4294967296, 1.5]) {
                const w = violationsAfter((f) => (f.clusters[DEV_IDC].network.cilium.bgp.asNumber = asNumber), "dev");
                assert.ok(
                    w.some((x) => x.startsWith("clusters[0].network.cilium.bgp.asNumber: ")),
                    `${asNumber}: ${w.join("\n")}`,
                );
                const x = violationsAfter((f) => (f.clusters[DEV_IDC].network.cilium.bgp.peers[0].asNumber = asNumber), "dev");
                assert.ok(
                    x.some((y) => y.startsWith("clusters[0].network.cilium.bgp.peers[0].asNumber: ")),
                    `${asNumber}: ${x.join("\n")}`,
                );
            }
        });

        it("rejects a nodeSelector a Kubernetes label selector cannot express", () => {
            for (const sel of [
                "topology.kubernetes.io/zone == 'rack-a' || has(gpu)",
                "!(rack == 'a')",
                "rack starts with 'a'",
                "rack in {}",
                "rack == 'not a label value'",
            ]) {
                const v = violationsAfter((f) => setPeers(f, [peer("tor-1", "10.110.0.1", sel)]), "dev");
                assertViolation(
                    v,
                    `clusters[0].network.cilium.bgp.peers[0].nodeSelector: Cilium selects nodes with a Kubernetes label selector: use ==, !=, in, not in, has() and !has() joined by && with valid label values (not "${sel}")`,
                );
            }
        });

        it("needs every node selected by exactly one peer nodeSelector", () => {
            // The dev hosts carry no rack label: a rack selector leaves both without routes.
            const v = violationsAfter((f) => setPeers(f, [peer("rack-a-tor-1", "10.110.0.1", "topology.kubernetes.io/zone == 'rack-a'")]), "dev");
            for (const [at, host] of [
                [CP, "dev-cp-1"],
                [WORKER, "dev-worker-1"],
            ]) {
                assertViolation(
                    v,
                    `${at}: no network.cilium.bgp.peers[] nodeSelector selects ${host} and Cilium has no node-to-node mesh: it would get no pod routes; give it the labels its rack's peers select (e.g. topology.kubernetes.io/zone)`,
                );
            }
            // A global peer and a control-plane peer both select the control-plane host.
            const w = violationsAfter(
                (f) => setPeers(f, [peer("tor-1", "10.110.0.1"), peer("cp-tor", "10.110.0.2", "has(node-role.kubernetes.io/control-plane)")]),
                "dev",
            );
            assertViolation(
                w,
                `${CP}: dev-cp-1 is selected by the different nodeSelectors of bgp.peers[0] and bgp.peers[1]: Cilium applies only one CiliumBGPClusterConfig per node (ConflictingClusterConfig); give peers of the same nodes the same nodeSelector`,
            );
            assert.ok(!w.some((x) => x.startsWith(WORKER)), w.join("\n"));
        });

        it("accepts disjoint node sets and renders one valid cluster config per nodeSelector", () => {
            const raw = rawStackFleet("dev");
            setPeers(raw, [
                peer("cp-tor-1", "10.110.0.1", "has(node-role.kubernetes.io/control-plane)"),
                peer("cp-tor-2", "10.110.0.2", "has(node-role.kubernetes.io/control-plane)"),
                peer("worker-tor-1", "10.110.2.1", "!has(node-role.kubernetes.io/control-plane) && kubernetes.io/os == 'linux'"),
            ]);
            const parsed = parseFleet(raw);
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
            const idc = parsed.spec.clusters[DEV_IDC];
            assert.ok(idc.provider === "idc");
            const configs = ciliumBgpClusterConfigs(idc);
            assert.deepStrictEqual(
                configs.map((c) => [c.metadata.name, c.spec.nodeSelector, c.spec.bgpInstances[0].peers.map((p) => p.name)]),
                [
                    ["bgp-cp-tor-1", { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] }, ["cp-tor-1", "cp-tor-2"]],
                    [
                        "bgp-worker-tor-1",
                        {
                            matchLabels: { "kubernetes.io/os": "linux" },
                            matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }],
                        },
                        ["worker-tor-1"],
                    ],
                ],
            );
            for (const c of configs) assert.deepStrictEqual(validateCustomResource(c), [], c.metadata.name);
        });
    });

    it("rejects a tenant declared twice and malformed tenant fields", () => {
        const v = violationsAfter((f) => f.clusters[IDC].network.tenants.push({ namespace: "payments" }));
        assertViolation(v, "clusters[0].network.tenants[2].namespace: tenant payments is already declared by tenants[0]");
        const w = violationsAfter((f) => (f.clusters[IDC].network.tenants[0].quota.requestsCpu = "lots"));
        assertViolation(w, 'clusters[0].network.tenants[0].quota.requestsCpu: must be a Kubernetes quantity like "500m", "2" or "4Gi"');
        const x = violationsAfter((f) => (f.clusters[IDC].network.tenants[0].allowFrom[0].namespace = "Istio"));
        assert.ok(
            x.some((s) => s.startsWith("clusters[0].network.tenants[0].allowFrom[0].namespace: ")),
            x.join("\n"),
        );
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
