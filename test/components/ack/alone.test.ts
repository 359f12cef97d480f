// The ACK site's components, each built alone on the mock engine from its own args: no fleet, no site.
import * as assert from "assert";
import { AckCluster } from "../../../components/ack/cluster";
import { AckMetricsStore } from "../../../components/ack/metricsStore";
import { AckNodePools } from "../../../components/ack/nodePools";
import type { AckNodePoolSpec } from "../../../components/ack/types";
import { AckVpc } from "../../../components/ack/vpc";
import { ackCluster, buildAlone } from "../alone";

const tags = { "hybrid-fleet.io/cluster": "a1" };

describe("components/ack: each component alone", () => {
    it("AckVpc: a node vSwitch per zone (and with Terway a pod vSwitch), one NAT gateway with SNAT", async () => {
        const spec = ackCluster("prod");
        const { declared } = await buildAlone("hybrid:ack:Vpc", () => new AckVpc(spec.name, { spec, tags }));
        const switches = declared.filter((r) => r.type === "alicloud:vpc/switch:Switch");
        assert.strictEqual(switches.length, spec.zones.length * (spec.network.cni === "terway" ? 2 : 1));
        assert.deepStrictEqual([...new Set(switches.map((s) => s.inputs.zoneId))].sort(), [...spec.zones].sort());
        assert.strictEqual(declared.filter((r) => r.type === "alicloud:vpc/natGateway:NatGateway").length, 1);
        assert.ok(declared.some((r) => r.type === "alicloud:vpc/snatEntry:SnatEntry"));
    });

    it("AckCluster: a managed cluster at the spec's version with its secrets key protected, its own provider and StorageClass", async () => {
        const spec = ackCluster("prod");
        const { inventory, declared } = await buildAlone(
            "hybrid:ack:Cluster",
            () =>
                new AckCluster(spec.name, {
                    spec,
                    environment: "prod",
                    vpcId: "vpc-1",
                    vswitchIds: ["vsw-1", "vsw-2", "vsw-3"],
                    podVswitchIds: ["vsw-4", "vsw-5", "vsw-6"],
                    tags,
                }),
        );
        const cluster = declared.find((r) => r.type === "alicloud:cs/managedKubernetes:ManagedKubernetes")!;
        assert.strictEqual(cluster.inputs.version, spec.kubernetesVersion);
        assert.ok(declared.find((r) => r.type === "alicloud:kms/key:Key")!.protect);
        const provider = declared.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.strictEqual(provider.name, `${spec.name}-k8s`);
        assert.strictEqual(inventory.providerOf(declared.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!)?.urn, provider.urn);
    });

    it("AckNodePools: a pool per spec pool on the given vSwitches, an autoscaler only when asked", async () => {
        const pool = (name: string, system: boolean): AckNodePoolSpec => ({
            name,
            system,
            instanceTypes: ["ecs.g7.xlarge"],
            minSize: 1,
            maxSize: 3,
            spot: false,
            labels: {},
            taints: [],
            systemDiskGiB: 120,
            dataDiskGiB: 200,
        });
        for (const autoscaling of [true, false]) {
            const { declared } = await buildAlone(
                "hybrid:ack:NodePools",
                () =>
                    new AckNodePools("a1", {
                        pools: [pool("system", true), pool("general", false)],
                        kubelet: { podPidsLimit: 8192 },
                        autoscaling,
                        clusterId: "c-1",
                        vswitchIds: ["vsw-1"],
                        tags,
                    }),
            );
            const pools = declared.filter((r) => r.type === "alicloud:cs/nodePool:NodePool");
            assert.deepStrictEqual(pools.map((p) => p.inputs.nodePoolName).sort(), ["general", "system"]);
            for (const p of pools) {
                assert.deepStrictEqual(p.inputs.vswitchIds, ["vsw-1"]);
                assert.deepStrictEqual(p.inputs.kubeletConfiguration, { podPidsLimit: "8192" });
            }
            assert.strictEqual(declared.filter((r) => r.type === "alicloud:cs/autoscalingConfig:AutoscalingConfig").length, autoscaling ? 1 : 0);
        }
    });

    it("AckMetricsStore: a bucket and a writer role that trusts the given ServiceAccount only", async () => {
        const { declared } = await buildAlone(
            "hybrid:ack:MetricsStore",
            () =>
                new AckMetricsStore("a1-metrics", {
                    bucket: "a1-metrics",
                    oidcProviderArn: "acs:ram::1:oidc-provider/ack-rrsa-c1",
                    oidcIssuerUrl: "https://oidc-ack-cn-shanghai.oss-cn-shanghai-internal.aliyuncs.com/c1",
                    writer: { namespace: "monitoring", serviceAccount: "thanos" },
                    tags,
                }),
        );
        assert.strictEqual(declared.find((r) => r.type === "alicloud:oss/bucket:Bucket")!.inputs.bucket, "a1-metrics");
        const trust: string = declared.find((r) => r.type === "alicloud:ram/role:Role")!.inputs.assumeRolePolicyDocument;
        assert.ok(trust.includes("system:serviceaccount:monitoring:thanos"), trust);
    });
});
