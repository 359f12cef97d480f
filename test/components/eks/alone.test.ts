// The EKS site's components, each built alone on the mock engine from its own args: no fleet, no site.
import * as assert from "assert";
import { CiliumOperatorIdentity } from "../../../components/eks/ciliumOperator";
import { EksCluster } from "../../../components/eks/cluster";
import { EksMetricsStore } from "../../../components/eks/metricsStore";
import { CILIUM_OPERATOR } from "../../../components/eks/render";
import { EksVpc } from "../../../components/eks/vpc";
import { AWS, buildAlone, eksCluster } from "../alone";

const tags = { "hybrid-fleet.io/cluster": "e1" };
const arn = "arn:aws:eks:eu-west-1:123456789012:cluster/e1";
const VERSIONS = {
    coredns: "v1.0.0-eksbuild.1",
    kubeProxy: "v1.0.1-eksbuild.1",
    vpcCni: "v1.0.2-eksbuild.1",
    podIdentityAgent: "v1.0.3-eksbuild.1",
    ebsCsiDriver: "v1.0.4-eksbuild.1",
};

describe("components/eks: each component alone", () => {
    it("EksVpc: private, public and pod subnets in every zone, NAT per the spec, flow logs to an encrypted group", async () => {
        const spec = eksCluster("prod");
        const { declared } = await buildAlone("hybrid:eks:Vpc", () => new EksVpc(spec.name, { spec, aws: AWS, environment: "prod" }));
        const subnets = declared.filter((r) => r.type === "aws:ec2/subnet:Subnet");
        assert.strictEqual(subnets.length, 3 * spec.zones.length);
        assert.deepStrictEqual([...new Set(subnets.map((s) => s.inputs.availabilityZone))].sort(), [...spec.zones].sort());
        const nats = declared.filter((r) => r.type === "aws:ec2/natGateway:NatGateway");
        assert.strictEqual(nats.length, spec.network.natGateways === "perZone" ? spec.zones.length : 1);
        assert.strictEqual(declared.filter((r) => r.type === "aws:ec2/flowLog:FlowLog").length, 1);
    });

    it("EksCluster: a protected cluster, the given add-on versions, system nodes after the node add-ons, its own provider", async () => {
        const spec = eksCluster("prod");
        const { inventory, declared } = await buildAlone(
            "hybrid:eks:Cluster",
            () =>
                new EksCluster(spec.name, {
                    spec,
                    addonVersions: VERSIONS,
                    environment: "prod",
                    aws: AWS,
                    vpcId: "vpc-1",
                    privateSubnetIds: ["s1", "s2", "s3"],
                    podSubnetIds: ["p1", "p2", "p3"],
                    tags,
                }),
        );
        const cluster = declared.find((r) => r.type === "aws:eks/cluster:Cluster")!;
        assert.ok(cluster.protect);
        assert.strictEqual(cluster.inputs.version, spec.kubernetesVersion);
        const addons = declared.filter((r) => r.type === "aws:eks/addon:Addon");
        const byName = Object.fromEntries(addons.map((a) => [a.inputs.addonName, a.inputs.addonVersion]));
        assert.deepStrictEqual(byName, {
            "eks-pod-identity-agent": VERSIONS.podIdentityAgent,
            "vpc-cni": VERSIONS.vpcCni,
            "kube-proxy": VERSIONS.kubeProxy,
            coredns: VERSIONS.coredns,
            "aws-ebs-csi-driver": VERSIONS.ebsCsiDriver,
        });
        const nodes = declared.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!;
        for (const a of addons.filter((x) => ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"].includes(x.inputs.addonName))) {
            assert.ok(nodes.dependencies.includes(a.urn), `the system nodes wait for ${a.inputs.addonName}`);
        }
        assert.strictEqual(declared.filter((r) => r.type === "kubernetes:crd.k8s.amazonaws.com/v1alpha1:ENIConfig").length, spec.zones.length);
        const provider = declared.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.strictEqual(provider.name, `${spec.name}-k8s`);
        assert.ok(inventory.providerOf(declared.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!)?.urn === provider.urn);
    });

    it("EksMetricsStore: a bucket and a writer role for the given ServiceAccount only", async () => {
        const { declared } = await buildAlone(
            "hybrid:eks:MetricsStore",
            () =>
                new EksMetricsStore("e1-metrics", {
                    bucket: "e1-metrics",
                    aws: AWS,
                    clusterName: "e1",
                    clusterArn: arn,
                    writer: { namespace: "monitoring", serviceAccount: "thanos" },
                    tags,
                }),
        );
        assert.strictEqual(declared.find((r) => r.type === "aws:s3/bucket:Bucket" || r.type === "aws:s3/bucketV2:BucketV2")?.inputs.bucket, "e1-metrics");
        const association = declared.find((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")!;
        assert.deepStrictEqual([association.inputs.namespace, association.inputs.serviceAccount], ["monitoring", "thanos"]);
    });

    it("CiliumOperatorIdentity: a Pod Identity role for the operator's ServiceAccount", async () => {
        const { declared } = await buildAlone(
            "hybrid:eks:CiliumOperatorIdentity",
            () => new CiliumOperatorIdentity("e1-cilium-operator", { cluster: "e1", aws: AWS, clusterName: "e1", clusterArn: arn, vpcId: "vpc-1", tags }),
        );
        const association = declared.find((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")!;
        assert.deepStrictEqual([association.inputs.namespace, association.inputs.serviceAccount], [CILIUM_OPERATOR.namespace, CILIUM_OPERATOR.serviceAccount]);
    });
});
