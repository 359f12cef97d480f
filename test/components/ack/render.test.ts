// The ACK site's pure renderers: the address plan, node pool labels/taints and the RAM policies.
import * as assert from "assert";
import fc from "fast-check";
import { cidr, overlaps, within } from "../../../components/core/cidr";
import { AckClusterSpec, parseFleet } from "../../../stacks/spec";
import { addressPlan, bucketWriterPolicy, endpointHost, maintenanceWindow, nodePoolTaints, rrsaTrustPolicy } from "../../../components/ack/render";
import { SYSTEM_TAINT } from "../../../components/core/conventions";
import { loadStackSpec, rawStackFleet } from "../../harness";

const prodAck = () => loadStackSpec("prod").clusters.find((c): c is AckClusterSpec => c.provider === "ack")!;

describe("ACK renderers", () => {
    it("carves one node vSwitch per zone from the VPC and one pod vSwitch per zone from podCidr", () => {
        const plan = addressPlan(prodAck());
        assert.deepStrictEqual(plan, {
            vpcCidr: "10.30.0.0/16",
            secondaryCidr: "10.66.0.0/16",
            zones: [
                { zone: "cn-shanghai-e", nodeCidr: "10.30.0.0/20", podCidr: "10.66.0.0/18" },
                { zone: "cn-shanghai-f", nodeCidr: "10.30.16.0/20", podCidr: "10.66.64.0/18" },
                { zone: "cn-shanghai-g", nodeCidr: "10.30.32.0/20", podCidr: "10.66.128.0/18" },
            ],
        });
    });

    it("plans no pod vSwitches or secondary block with flannel", () => {
        const plan = addressPlan({ ...prodAck(), network: { ...prodAck().network, cni: "flannel" } });
        assert.strictEqual(plan.secondaryCidr, undefined);
        assert.ok(plan.zones.every((z) => z.podCidr === undefined));
    });

    it("any valid spec gives disjoint vSwitches inside their blocks (property)", () => {
        fc.assert(
            fc.property(fc.integer({ min: 12, max: 25 }), fc.integer({ min: 14, max: 27 }), fc.integer({ min: 2, max: 4 }), (vpcPrefix, podPrefix, zones) => {
                const raw = rawStackFleet("prod");
                const ack = raw.clusters[2];
                ack.network.vpcCidr = `100.0.0.0/${vpcPrefix}`;
                ack.network.podCidr = `100.128.0.0/${podPrefix}`;
                ack.zones = ["cn-shanghai-a", "cn-shanghai-b", "cn-shanghai-c", "cn-shanghai-d"].slice(0, zones);
                const parsed = parseFleet(raw);
                assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
                const plan = addressPlan(parsed.spec.clusters[2] as AckClusterSpec);
                const blocks = plan.zones.flatMap((z) => [z.nodeCidr, z.podCidr!]).map(cidr);
                for (const z of plan.zones) {
                    assert.ok(within(cidr(z.nodeCidr), cidr(plan.vpcCidr)));
                    assert.ok(within(cidr(z.podCidr!), cidr(plan.secondaryCidr!)));
                }
                blocks.forEach((a, i) => blocks.slice(i + 1).forEach((b) => assert.ok(!overlaps(a, b), `${a.text} / ${b.text}`)));
            }),
            { numRuns: 200 },
        );
    });

    it("taints the system pool for add-ons only, and keeps the spec's taints", () => {
        const [system, , spot] = prodAck().nodePools;
        assert.deepStrictEqual(nodePoolTaints(system), [SYSTEM_TAINT]);
        assert.deepStrictEqual(nodePoolTaints(spot), [{ key: "acme.io/spot", value: "true", effect: "NoSchedule" }]);
    });

    it("renders the maintenance window ACK expects", () => {
        assert.deepStrictEqual(maintenanceWindow(prodAck()), {
            enable: true,
            maintenanceTime: "2025-01-06T02:00:00.000+08:00",
            duration: "4h",
            weeklyPeriod: "Saturday",
        });
        assert.ok(!Number.isNaN(Date.parse(maintenanceWindow(prodAck()).maintenanceTime)), "RFC 3339");
    });

    it("trusts exactly one ServiceAccount through the cluster's OIDC provider", () => {
        const doc = JSON.parse(
            rrsaTrustPolicy({
                oidcProviderArn: "acs:ram::1:oidc-provider/ack-rrsa-c1",
                issuerUrl: "https://oidc/c1",
                namespace: "monitoring",
                serviceAccount: "thanos",
            }),
        );
        assert.strictEqual(doc.Statement.length, 1);
        const s = doc.Statement[0];
        assert.deepStrictEqual(s.Principal, { Federated: ["acs:ram::1:oidc-provider/ack-rrsa-c1"] });
        assert.deepStrictEqual(s.Condition.StringEquals, {
            "oidc:aud": "sts.aliyuncs.com",
            "oidc:iss": "https://oidc/c1",
            "oidc:sub": "system:serviceaccount:monitoring:thanos",
        });
    });

    it("grants the metrics writer only its bucket and key, no wildcard action", () => {
        const doc = JSON.parse(bucketWriterPolicy({ bucket: "b1", kmsKeyArn: "acs:kms:cn-shanghai:1:key/k1" }));
        const resources = doc.Statement.flatMap((s: any) => s.Resource);
        assert.deepStrictEqual(resources.sort(), ["acs:kms:cn-shanghai:1:key/k1", "acs:oss:*:*:b1", "acs:oss:*:*:b1/*"]);
        for (const s of doc.Statement) for (const a of s.Action) assert.ok(!a.includes("*"), a);
    });

    it("takes the host out of an ACK endpoint", () => {
        assert.strictEqual(endpointHost("https://10.30.0.5:6443"), "10.30.0.5");
        assert.strictEqual(endpointHost("10.30.0.5:6443"), "10.30.0.5");
    });
});
