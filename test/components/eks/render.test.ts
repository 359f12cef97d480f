// The EKS renderers: the address plan, tags, IAM documents, the network policy engine and the
// kubeconfig (Karpenter's renderers are tested in karpenter/render.test.ts).
import * as assert from "assert";
import { addressPlan, ciliumOperatorPolicy, kubeconfig, subnetTags, vpcCniConfiguration, vpcCniEnforcesPolicy } from "../../../components/eks/render";
import { cidr, overlaps, within } from "../../../components/core/cidr";
import { EksClusterSpec } from "../../../stacks/spec";
import { loadStackSpec } from "../../harness";

const prodEks = () => loadStackSpec("prod").clusters.find((c): c is EksClusterSpec => c.provider === "eks")!;
const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("EKS renderers", () => {
    describe("address plan", () => {
        it("carves the prod VPC and pod blocks per zone", () => {
            const plan = addressPlan(prodEks());
            assert.deepStrictEqual(
                plan.zones.map((z) => [z.zone, z.privateCidr, z.publicCidr, z.podCidr]),
                [
                    ["ap-northeast-1a", "10.20.0.0/19", "10.20.224.0/22", "10.65.0.0/19"],
                    ["ap-northeast-1c", "10.20.32.0/19", "10.20.228.0/22", "10.65.32.0/19"],
                    ["ap-northeast-1d", "10.20.64.0/19", "10.20.232.0/22", "10.65.64.0/19"],
                ],
            );
            assert.strictEqual(plan.podCidr, "10.65.0.0/16");
        });

        it("keeps every subnet inside its block and disjoint from every other, for every allowed size and zone count", () => {
            for (let vpcPrefix = 16; vpcPrefix <= 20; vpcPrefix++) {
                for (let zones = 1; zones <= 6; zones++) {
                    const spec = prodEks();
                    spec.network.vpcCidr = `10.20.0.0/${vpcPrefix}`;
                    spec.network.podCidr = `100.64.0.0/${vpcPrefix}`;
                    spec.zones = Array.from({ length: zones }, (_, i) => `zone-${i}`);
                    const plan = addressPlan(spec);
                    const vpc = cidr(spec.network.vpcCidr);
                    const pods = cidr(spec.network.podCidr);
                    const blocks = plan.zones.flatMap((z) => [cidr(z.privateCidr), cidr(z.publicCidr), cidr(z.podCidr)]);
                    for (const z of plan.zones) {
                        assert.ok(within(cidr(z.privateCidr), vpc) && within(cidr(z.publicCidr), vpc), `${z.zone} in ${vpc.text}`);
                        assert.ok(within(cidr(z.podCidr), pods), `${z.podCidr} in ${pods.text}`);
                        assert.ok(cidr(z.publicCidr).prefix <= 26, "a public subnet still has room for NAT and load balancers");
                    }
                    blocks.forEach((a, i) =>
                        blocks.forEach((b, j) => assert.ok(i === j || !overlaps(a, b), `${a.text} overlaps ${b.text} (/${vpcPrefix}, ${zones} zones)`)),
                    );
                }
            }
        });
    });

    it("tags subnets for load balancers, the cluster and Karpenter discovery (node subnets only)", () => {
        assert.deepStrictEqual(subnetTags("c1", "public"), {
            "kubernetes.io/cluster/c1": "shared",
            "hybrid-fleet.io/subnet-role": "public",
            "kubernetes.io/role/elb": "1",
        });
        assert.deepStrictEqual(subnetTags("c1", "private"), {
            "kubernetes.io/cluster/c1": "shared",
            "hybrid-fleet.io/subnet-role": "private",
            "kubernetes.io/role/internal-elb": "1",
            "karpenter.sh/discovery": "c1",
        });
        assert.strictEqual(subnetTags("c1", "pods")["karpenter.sh/discovery"], undefined);
    });

    describe("network policy engine", () => {
        const withCni = (cni: EksClusterSpec["network"]["cni"]) => {
            const spec = prodEks();
            spec.network.cni = cni;
            return spec;
        };

        it("turns the VPC CNI's engine on only where it is the sole engine (vpc-cni), never beside Calico", () => {
            assert.deepStrictEqual(
                (["vpc-cni", "calico", "cilium"] as const).map((cni) => vpcCniEnforcesPolicy(withCni(cni))),
                [true, false, false],
            );
        });

        it("spells enableNetworkPolicy as the add-on schema's string and keeps custom networking", () => {
            for (const networkPolicy of [true, false]) {
                const cfg = JSON.parse(vpcCniConfiguration({ networkPolicy }));
                assert.strictEqual(cfg.enableNetworkPolicy, String(networkPolicy));
                assert.deepStrictEqual(cfg.env, { AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true", ENI_CONFIG_LABEL_DEF: "topology.kubernetes.io/zone" });
                assert.deepStrictEqual(Object.keys(cfg).sort(), ["enableNetworkPolicy", "env"]);
            }
        });
    });

    describe("Cilium operator policy", () => {
        const CN = { partition: "aws-cn", accountId: "111122223333", region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" };
        const policy = ciliumOperatorPolicy(CN, { cluster: "c1", vpcId: "vpc-0abc" });

        it("names only this partition, region and account, and the cluster's VPC", () => {
            const resources = policy.Statement.flatMap((s) => asList(s.Resource)).filter((r) => r !== "*");
            assert.ok(resources.length > 0);
            for (const r of resources) assert.match(r, /^arn:aws-cn:ec2:cn-north-1:111122223333:(network-interface|subnet|security-group|instance)\/\*$/);
            const vpcs = policy.Statement.map((s) => s.Condition?.ArnEquals?.["ec2:Vpc"]).filter(Boolean);
            assert.deepStrictEqual(vpcs, ["arn:aws-cn:ec2:cn-north-1:111122223333:vpc/vpc-0abc", "arn:aws-cn:ec2:cn-north-1:111122223333:vpc/vpc-0abc"]);
        });

        it("never grants a mutating action without a scope", () => {
            for (const s of policy.Statement) {
                const mutating = asList(s.Action).filter((a) => !/^ec2:(Describe|Get)/.test(a));
                if (mutating.length === 0) continue;
                assert.ok(asList(s.Resource).every((r) => r !== "*") && s.Condition, s.Sid);
            }
        });
    });

    it("renders an exec kubeconfig that carries no credential and acts as the admin role", () => {
        const text = kubeconfig({
            cluster: "c1",
            endpoint: "https://X.gr7.ap-northeast-1.eks.amazonaws.com",
            certificateAuthority: "Q0E=",
            region: "ap-northeast-1",
            roleArn: "arn:aws:iam::123456789012:role/platform-admin",
        });
        const cfg = JSON.parse(text);
        assert.strictEqual(cfg.clusters[0].cluster.server, "https://X.gr7.ap-northeast-1.eks.amazonaws.com");
        const exec = cfg.users[0].user.exec;
        assert.strictEqual(exec.command, "aws");
        assert.deepStrictEqual(exec.args, [
            "eks",
            "get-token",
            "--cluster-name",
            "c1",
            "--region",
            "ap-northeast-1",
            "--output",
            "json",
            "--role-arn",
            "arn:aws:iam::123456789012:role/platform-admin",
        ]);
        assert.ok(!("token" in cfg.users[0].user) && !("client-key-data" in cfg.users[0].user));
    });
});
