// Karpenter built alone on the mock engine from its own args: no fleet, no site, no EKS cluster.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Karpenter } from "../../../../components/eks/karpenter/karpenter";
import { KARPENTER } from "../../../../components/eks/karpenter/versions";
import { AWS, before, beforeUrn, buildAlone, eksCluster } from "../../alone";

const tags = { "hybrid-fleet.io/cluster": "e1" };
const arn = "arn:aws:eks:eu-west-1:123456789012:cluster/e1";

describe("components/eks/karpenter: Karpenter alone", () => {
    it("Karpenter: node identity, interruption queue, pinned charts after what it waits for, a class and a pool per spec pool", async () => {
        const spec = eksCluster("prod");
        const { inventory, declared } = await buildAlone("hybrid:eks:Karpenter", () => {
            const provider = new k8s.Provider("e1-k8s", { kubeconfig: pulumi.secret("") });
            return new Karpenter("e1-karpenter", {
                cluster: "e1",
                zones: spec.zones,
                karpenter: spec.karpenter,
                vpcCni: true,
                ssmAccess: false,
                kubelet: spec.kubelet,
                aws: AWS,
                clusterName: "e1",
                clusterArn: arn,
                clusterEndpoint: "https://e1.example.com",
                provider,
                dependsOn: [before("e1-system")],
                tags,
            });
        });
        const releases = declared.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.deepStrictEqual(releases.map((r) => [r.inputs.chart, r.inputs.version]).sort(), [
            [KARPENTER.chart, KARPENTER.version],
            [KARPENTER.crdChart, KARPENTER.version],
        ]);
        const controller = releases.find((r) => r.inputs.chart === KARPENTER.chart)!;
        assert.ok(controller.dependencies.includes(beforeUrn(inventory, "e1-system")), "the controller waits for the system nodes");
        assert.strictEqual(
            declared.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule").length,
            declared.filter((r) => r.type === "aws:cloudwatch/eventTarget:EventTarget").length,
        );
        const kinds = declared.filter((r) => r.type.startsWith("kubernetes:karpenter")).map((r) => r.inputs.kind);
        assert.strictEqual(kinds.filter((k) => k === "NodePool").length, spec.karpenter.nodePools.length);
        assert.strictEqual(kinds.filter((k) => k === "EC2NodeClass").length, spec.karpenter.nodePools.length);
    });
});
