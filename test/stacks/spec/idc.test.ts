// IDC node labels in the fleet spec: control-plane hosts carry labels like workers, the kubelet
// must be able to self-set every label (else it does not start), and with Calico BGP peers (the
// node-to-node mesh off) every node must be selected by a peer. Each rule rejects with `<path>: <rule>`.
import * as assert from "assert";
import { IdcClusterSpec, parseFleet } from "../../../stacks/spec";
import { calicoSelectorMatches, kubeletLabelProblem } from "../../../stacks/spec/idc";
import { assertViolation, rawStackFleet, violationsAfter } from "../../harness";

const IDC = 0;
const ZONE = "topology.kubernetes.io/zone";

function acceptedAfter(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod"): void {
    const fleet = rawStackFleet(stack);
    mutate(fleet);
    const result = parseFleet(fleet);
    assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
}

const notSelected = (path: string, host: string) =>
    `${path}.labels: no network.calico.bgp.peers[] nodeSelector selects ${host} and the node-to-node mesh is off: it would get no pod routes; give it the labels its rack's peers select (e.g. topology.kubernetes.io/zone)`;
const notSelfSettable = (path: string, key: string) =>
    `${path}.labels: the kubelet may not self-set ${key}: kubernetes.io and k8s.io keys must be under kubelet.kubernetes.io/ or node.kubernetes.io/ or be a well-known node label like topology.kubernetes.io/zone (NodeRestriction); the kubelet would not start`;

describe("IDC node labels spec", () => {
    it("gives prod's control-plane hosts their racks and dev's none (labels default to {})", () => {
        const prod = parseFleet(rawStackFleet("prod"));
        assert.ok(prod.ok, prod.ok ? "" : prod.violations.join("\n"));
        const idc = prod.spec.clusters[IDC];
        assert.ok(idc.provider === "idc");
        assert.deepStrictEqual(
            idc.controlPlane.hosts.map((h) => `${h.name} ${h.labels[ZONE]}`),
            ["cp-1 rack-a", "cp-2 rack-b", "cp-3 rack-c"],
        );
        const dev = parseFleet(rawStackFleet("dev"));
        assert.ok(dev.ok, dev.ok ? "" : dev.violations.join("\n"));
        const devIdc = dev.spec.clusters[IDC];
        assert.ok(devIdc.provider === "idc");
        assert.deepStrictEqual(devIdc.controlPlane.hosts[0].labels, {});
    });

    describe("labels the kubelet may self-set (kubelet --node-labels validation, NodeRestriction)", () => {
        it("rejects a control-plane label in the kubernetes.io namespace outside the allowed set", () => {
            const v = violationsAfter((f) => (f.clusters[IDC].controlPlane.hosts[0].labels["node-role.kubernetes.io/control-plane"] = ""));
            assertViolation(v, notSelfSettable("clusters[0].controlPlane.hosts[0]", "node-role.kubernetes.io/control-plane"));
        });
        it("rejects worker labels in k8s.io and node-restriction.kubernetes.io", () => {
            const v = violationsAfter((f) => {
                f.clusters[IDC].workers[2].labels["node-restriction.kubernetes.io/pci"] = "true";
                f.clusters[IDC].workers[3].labels["team.k8s.io/owner"] = "payments";
            });
            assertViolation(v, notSelfSettable("clusters[0].workers[2]", "node-restriction.kubernetes.io/pci"));
            assertViolation(v, notSelfSettable("clusters[0].workers[3]", "team.k8s.io/owner"));
        });
        it("rejects label keys and values that are not valid label syntax", () => {
            const v = violationsAfter((f) => {
                f.clusters[IDC].workers[0].labels["rack id"] = "a";
                f.clusters[IDC].workers[1].labels["acme.io/tier"] = "gold,silver";
            });
            assertViolation(
                v,
                "clusters[0].workers[0].labels.rack id: must be a label key: [prefix/]name, the prefix a DNS subdomain, the name at most 63 letters, digits, '-', '_', '.' (alphanumeric at both ends)",
            );
            assertViolation(
                v,
                "clusters[0].workers[1].labels.acme.io/tier: must be a label value: empty, or at most 63 letters, digits, '-', '_', '.' (alphanumeric at both ends)",
            );
        });
        it("holds label keys and values to apimachinery's lengths: a 253-character prefix, 63-character names and values", () => {
            const prefix = (n: number) => `${"a".repeat(n - 2)}.b`; // a DNS subdomain of n characters
            assert.strictEqual(prefix(253).length, 253);
            const label = (key: string, value: string) => violationsAfter((f) => (f.clusters[IDC].workers[0].labels[key] = value));
            acceptedAfter((f) => (f.clusters[IDC].workers[0].labels[`${prefix(253)}/${"n".repeat(63)}`] = "v".repeat(63)));
            assertViolation(
                label(`${prefix(254)}/n`, "v"),
                `clusters[0].workers[0].labels.${prefix(254)}/n: must be a label key: its prefix is at most 253 characters`,
            );
            assert.ok(
                label(`acme.io/${"n".repeat(64)}`, "v").some((v) =>
                    v.startsWith(`clusters[0].workers[0].labels.acme.io/${"n".repeat(64)}: must be a label key`),
                ),
            );
            assert.ok(label("acme.io/tier", "v".repeat(64)).some((v) => v.startsWith("clusters[0].workers[0].labels.acme.io/tier: must be a label value")));
        });
        it("accepts the allowed kubernetes.io labels, the node/kubelet namespaces and any other domain", () => {
            acceptedAfter((f) => {
                Object.assign(f.clusters[IDC].controlPlane.hosts[0].labels, {
                    "topology.kubernetes.io/region": "cn-shanghai-idc1",
                    "node.kubernetes.io/instance-type": "r650",
                    "storage.node.kubernetes.io/nvme": "true",
                    "kubelet.kubernetes.io/pool": "cp",
                    "acme.io/rack-row": "r3",
                    plain: "",
                });
            });
        });
        it("matches the kubelet's allowed set (k8s.io/kubelet well_known_labels.go)", () => {
            for (const key of [
                "kubernetes.io/hostname",
                "kubernetes.io/arch",
                "kubernetes.io/os",
                "beta.kubernetes.io/instance-type",
                "failure-domain.beta.kubernetes.io/zone",
                "topology.kubernetes.io/zone",
            ]) {
                assert.strictEqual(kubeletLabelProblem(key), undefined, key);
            }
            for (const key of [
                "kubernetes.io/role",
                "node-role.kubernetes.io/worker",
                "k8s.io/x",
                "node-restriction.kubernetes.io/a",
                "topology.kubernetes.io/rack",
            ]) {
                assert.match(kubeletLabelProblem(key) ?? "", /may not self-set/, key);
            }
        });
    });

    describe("BGP peers select every node (node-to-node mesh off)", () => {
        it("rejects a control-plane host without a rack label", () => {
            const v = violationsAfter((f) => delete f.clusters[IDC].controlPlane.hosts[1].labels);
            assertViolation(v, notSelected("clusters[0].controlPlane.hosts[1]", "cp-2"));
            assert.strictEqual(v.length, 1, v.join("\n"));
        });
        it("rejects a worker in a rack no peer selects", () => {
            const v = violationsAfter((f) => (f.clusters[IDC].workers[4].labels[ZONE] = "rack-d"));
            assertViolation(v, notSelected("clusters[0].workers[4]", "worker-5"));
        });
        it("accepts the unlabelled host once a global peer (no nodeSelector) exists", () => {
            acceptedAfter((f) => {
                delete f.clusters[IDC].controlPlane.hosts[1].labels;
                f.clusters[IDC].network.calico.bgp.peers.push({ name: "route-reflector", peerIp: "10.10.0.7", asNumber: 64512 });
            });
        });
        it("evaluates `in`, `has()` and kubeadm's control-plane role label", () => {
            acceptedAfter((f) => {
                delete f.clusters[IDC].controlPlane.hosts[1].labels;
                f.clusters[IDC].network.calico.bgp.peers.push({
                    name: "cp-reflector",
                    peerIp: "10.10.0.7",
                    asNumber: 64512,
                    nodeSelector: "has(node-role.kubernetes.io/control-plane)",
                });
            });
            const v = violationsAfter((f) => {
                f.clusters[IDC].workers[0].labels[ZONE] = "rack-d";
                f.clusters[IDC].network.calico.bgp.peers[0].nodeSelector = `${ZONE} in {'rack-a', 'rack-d'} && has(${ZONE})`;
                f.clusters[IDC].network.calico.bgp.peers[1].nodeSelector = `${ZONE} in {'rack-a', 'rack-d'}`;
                delete f.clusters[IDC].workers[1].labels;
            });
            assert.deepStrictEqual(v, [notSelected("clusters[0].workers[1]", "worker-2")]);
        });
        it("does not judge a selector it cannot evaluate", () => {
            acceptedAfter((f) => {
                delete f.clusters[IDC].controlPlane.hosts[1].labels;
                f.clusters[IDC].network.calico.bgp.peers[0].nodeSelector = `${ZONE} starts with 'rack'`;
            });
        });
        it("leaves nodes alone with the mesh on (no peers) and with Cilium", () => {
            acceptedAfter((f) => {
                delete f.clusters[IDC].controlPlane.hosts[1].labels;
                f.clusters[IDC].network.calico.bgp.peers = [];
            });
            acceptedAfter((f) => (f.clusters[IDC].controlPlane.hosts[0].labels = {}), "dev");
        });
    });

    it('evaluates Calico selectors as Calico does (docs, "Selectors")', () => {
        const node = { [ZONE]: "rack-a", "acme.io/tier": "gold", empty: "" };
        const cases: [string, boolean | undefined][] = [
            ["all()", true],
            [`${ZONE} == 'rack-a'`, true],
            [`${ZONE} == "rack-b"`, false],
            [`${ZONE} != 'rack-b'`, true],
            ["missing != 'x'", true],
            ["missing not in {'x'}", true],
            ["missing in {'x'}", false],
            [`${ZONE} in {'rack-b','rack-a'}`, true],
            [`${ZONE} not in {'rack-a'}`, false],
            ["has(empty)", true],
            ["!has(acme.io/tier)", false],
            [`(${ZONE} == 'rack-b' || acme.io/tier == 'gold') && !has(missing)`, true],
            [`${ZONE} == 'rack-b' || acme.io/tier == 'gold' && has(missing)`, false],
            [`${ZONE} starts with 'rack'`, undefined],
            ["global()", undefined],
            [`${ZONE} == 'rack-a' &&`, undefined],
            [`${ZONE} == rack-a`, undefined],
        ];
        for (const [selector, expected] of cases) assert.strictEqual(calicoSelectorMatches(selector, node), expected, selector);
    });
});

describe("IDC audit log retention", () => {
    it("keeps 90 days by default and refuses less in prod, not in dev", () => {
        const fleet = rawStackFleet("prod");
        const parsed = parseFleet(fleet);
        assert.ok(parsed.ok);
        assert.strictEqual((parsed.spec.clusters[IDC] as IdcClusterSpec).controlPlane.apiServer.auditLogMaxAgeDays, 90);
        const v = violationsAfter((f) => (f.clusters[IDC].controlPlane.apiServer = { auditLogMaxAgeDays: 30 }));
        assertViolation(v, "clusters[0].controlPlane.apiServer.auditLogMaxAgeDays: must keep audit logs at least 90 days in prod (got 30)");
        const dev = rawStackFleet("dev");
        dev.clusters[IDC].controlPlane.apiServer = { auditLogMaxAgeDays: 30 };
        assert.ok(parseFleet(dev).ok, "dev may keep less");
        const ok = rawStackFleet("prod");
        ok.clusters[IDC].controlPlane.apiServer = { auditLogMaxAgeDays: 90 };
        assert.ok(parseFleet(ok).ok);
    });
});
