// The Karpenter renderers: the controller and queue policies, the interruption events, and the
// custom resources validated against the upstream v1.14.1 CRD schemas.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { PolicyStatement } from "../../../../components/eks/render";
import {
    ec2NodeClass,
    INTERRUPTION_EVENTS,
    interruptionQueuePolicy,
    karpenterControllerPolicies,
    karpenterControllerPolicy,
    nodePool,
} from "../../../../components/eks/karpenter/render";
import { KARPENTER } from "../../../../components/eks/karpenter/versions";
import { EksClusterSpec } from "../../../../stacks/spec";
import { validateCustomResource } from "../../../crds";
import { loadStackSpec } from "../../../harness";

const prodEks = () => loadStackSpec("prod").clusters.find((c): c is EksClusterSpec => c.provider === "eks")!;
const CTX = { partition: "aws", accountId: "123456789012", region: "ap-northeast-1", dnsSuffix: "amazonaws.com" };
const asList = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("Karpenter renderers", () => {
    describe("Karpenter controller policy", () => {
        const policy = karpenterControllerPolicy(CTX, {
            cluster: "c1",
            queueArn: "arn:aws:sqs:ap-northeast-1:123456789012:c1-karpenter",
            nodeRoleArn: "arn:aws:iam::123456789012:role/c1-node",
        });
        const bySid = new Map(policy.Statement.map((s) => [s.Sid!, s]));
        const READ_ONLY =
            /^(ec2:Describe|ssm:GetParameter$|arc-zonal-shift:GetManagedResource$|pricing:GetProducts$|iam:(GetInstanceProfile|ListInstanceProfiles)$|eks:DescribeCluster$|sqs:(GetQueueUrl|ReceiveMessage|DeleteMessage)$)/;

        it("has the statements of terraform-aws-eks's v1 policy, in order", () => {
            assert.deepStrictEqual(
                [...bySid.keys()],
                [
                    "AllowScopedEC2InstanceAccessActions",
                    "AllowScopedEC2LaunchTemplateAccessActions",
                    "AllowScopedEC2InstanceActionsWithTags",
                    "AllowScopedResourceCreationTagging",
                    "AllowScopedResourceTagging",
                    "AllowScopedDeletion",
                    "AllowRegionalReadActions",
                    "AllowZonalShiftStatusReadOnly",
                    "AllowSSMReadActions",
                    "AllowPricingReadActions",
                    "AllowInterruptionQueueActions",
                    "AllowPassingInstanceRole",
                    "AllowScopedInstanceProfileCreationActions",
                    "AllowScopedInstanceProfileTagActions",
                    "AllowScopedInstanceProfileActions",
                    "AllowInstanceProfileReadActions",
                    "AllowUnscopedInstanceProfileListAction",
                    "AllowAPIServerEndpointDiscovery",
                ],
            );
            assert.ok(policy.Statement.every((s) => s.Effect === "Allow"));
        });

        it("is split into managed policies as Karpenter's CloudFormation splits it, each statement once, each within IAM's 6,144 characters for the longest cluster name", () => {
            const longest = "c".repeat(63);
            const args = {
                cluster: longest,
                queueArn: `arn:aws:sqs:ap-northeast-1:123456789012:${longest}-karpenter`,
                nodeRoleArn: "arn:aws:iam::123456789012:role/r",
            };
            const groups = karpenterControllerPolicies(CTX, args);
            const whole = karpenterControllerPolicy(CTX, args);
            const placed = Object.values(groups).flatMap((d) => d.Statement);
            assert.deepStrictEqual(placed.map((st) => st.Sid).sort(), whole.Statement.map((st) => st.Sid).sort());
            assert.deepStrictEqual(Object.keys(groups), [
                "nodeLifecycle",
                "iamIntegration",
                "eksIntegration",
                "interruption",
                "zonalShift",
                "resourceDiscovery",
            ]);
            // IAM counts a managed policy's characters without white space (IAM quotas).
            const size = (d: object) => JSON.stringify(d).replace(/\s/g, "").length;
            assert.ok(size(whole) > 6144, `the whole policy (${size(whole)}) would not fit one managed policy`);
            for (const [g, d] of Object.entries(groups)) assert.ok(size(d) <= 6144, `${g}: ${size(d)} characters`);
        });

        it("lets instances launch into placement groups (an EC2NodeClass may name one)", () => {
            assert.ok(asList(bySid.get("AllowScopedEC2InstanceAccessActions")!.Resource).includes("arn:aws:ec2:ap-northeast-1:*:placement-group/*"));
        });

        it("conditions every write on a wildcard resource on this cluster's tags", () => {
            const clusterTag = (s: PolicyStatement) => JSON.stringify(s.Condition ?? {}).includes("kubernetes.io/cluster/c1");
            for (const s of policy.Statement) {
                const writes = asList(s.Action).filter((a) => !READ_ONLY.test(a));
                if (writes.length === 0) continue;
                const scopedByArn = asList(s.Resource).every((r) => !r.includes("*"));
                const onlyImagesSubnetsSgs = s.Sid === "AllowScopedEC2InstanceAccessActions";
                assert.ok(
                    clusterTag(s) || scopedByArn || onlyImagesSubnetsSgs || s.Sid === "AllowPassingInstanceRole",
                    `${s.Sid} writes ${writes} without the cluster tag`,
                );
                assert.ok(!asList(s.Resource).includes("*") || clusterTag(s), `${s.Sid} writes on *`);
            }
            // Launching is allowed on images, snapshots, subnets and security groups of the region only.
            assert.ok(asList(bySid.get("AllowScopedEC2InstanceAccessActions")!.Resource).every((r) => r.startsWith("arn:aws:ec2:ap-northeast-1:")));
        });

        it("passes only the node role, only to EC2; reads only this cluster and this queue", () => {
            const pass = bySid.get("AllowPassingInstanceRole")!;
            assert.deepStrictEqual(
                [pass.Action, pass.Resource, pass.Condition],
                ["iam:PassRole", "arn:aws:iam::123456789012:role/c1-node", { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } }],
            );
            assert.strictEqual(bySid.get("AllowAPIServerEndpointDiscovery")!.Resource, "arn:aws:eks:ap-northeast-1:123456789012:cluster/c1");
            assert.strictEqual(bySid.get("AllowInterruptionQueueActions")!.Resource, "arn:aws:sqs:ap-northeast-1:123456789012:c1-karpenter");
            assert.strictEqual(bySid.get("AllowInstanceProfileReadActions")!.Action, "iam:GetInstanceProfile");
            assert.deepStrictEqual(bySid.get("AllowRegionalReadActions")!.Condition, { StringEquals: { "aws:RequestedRegion": "ap-northeast-1" } });
        });

        it("lets the instance-profile garbage collector list profiles, the only unscoped action, and read-only", () => {
            const list = bySid.get("AllowUnscopedInstanceProfileListAction")!;
            assert.deepStrictEqual([list.Effect, list.Action, list.Resource, list.Condition], ["Allow", "iam:ListInstanceProfiles", "*", undefined]);
            // Every other statement on "*" is a read or is conditioned on this cluster's tags.
            const onStar = policy.Statement.filter((s) => asList(s.Resource).includes("*")).map((s) => s.Sid);
            assert.deepStrictEqual(onStar, [
                "AllowRegionalReadActions",
                "AllowZonalShiftStatusReadOnly",
                "AllowPricingReadActions",
                "AllowUnscopedInstanceProfileListAction",
            ]);
            // The zonal-shift read names this cluster in its condition.
            assert.deepStrictEqual(bySid.get("AllowZonalShiftStatusReadOnly")!.Condition, {
                StringEquals: { "arc-zonal-shift:ResourceIdentifier": "arn:aws:eks:ap-northeast-1:123456789012:cluster/c1" },
            });
        });

        it("grants exactly the actions of upstream's v1.14.1 controller policy, Sid by Sid (vendored CloudFormation template)", () => {
            const file = path.join(__dirname, "..", "..", "..", "fixtures", "karpenter-policy", `cloudformation-v${KARPENTER.checkedAgainst}.yaml`);
            const text = fs.readFileSync(file, "utf8");
            assert.strictEqual(
                createHash("sha1")
                    .update(`blob ${Buffer.byteLength(text)}\0`)
                    .update(text)
                    .digest("hex"),
                "2c2ca72301a002c68185979fc4d2c8dab0f9c13a",
            );
            // Each controller policy is a JSON document under `PolicyDocument: !Sub |`, with ${...} placeholders.
            const blocks = [...text.matchAll(/PolicyDocument: !Sub \|\n((?: {8}.*\n|\s*\n)+)/g)].map((m) => m[1].replace(/\$\{[^}]+\}/g, "X"));
            const upstream = blocks.flatMap((b) => (JSON.parse(b) as { Statement: PolicyStatement[] }).Statement);
            assert.ok(upstream.length >= 17, `${upstream.length} upstream statements`);
            for (const u of upstream) {
                const ours = bySid.get(u.Sid!);
                assert.ok(ours, `${u.Sid} missing`);
                assert.deepStrictEqual([...asList(ours.Action)].sort(), [...asList(u.Action)].sort(), u.Sid);
                assert.strictEqual(ours.Effect, u.Effect, u.Sid);
            }
            assert.deepStrictEqual([...bySid.keys()].sort(), upstream.map((u) => u.Sid!).sort(), "no statement beyond upstream's");
        });
    });

    it("lets only EventBridge rules of this account and region send to the queue (no confused deputy), and denies non-TLS access", () => {
        const policy = interruptionQueuePolicy(CTX, "arn:q");
        assert.strictEqual(policy.Statement.length, 2);
        const [send, deny] = policy.Statement;
        assert.deepStrictEqual(send, {
            Sid: "EventBridgeRulesOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: "arn:q",
            Condition: { ArnLike: { "aws:SourceArn": "arn:aws:events:ap-northeast-1:123456789012:rule/*" } },
        });
        assert.deepStrictEqual(deny, {
            Sid: "DenyHTTP",
            Effect: "Deny",
            Principal: "*",
            Action: "sqs:*",
            Resource: "arn:q",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        // The partition, region and account come from the context, not from a constant.
        const cn = interruptionQueuePolicy({ partition: "aws-cn", accountId: "210987654321", region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" }, "arn:q");
        assert.deepStrictEqual(cn.Statement[0].Condition, { ArnLike: { "aws:SourceArn": "arn:aws-cn:events:cn-north-1:210987654321:rule/*" } });
    });

    it("lists exactly the five interruption events, spelled as EventBridge emits them", () => {
        assert.deepStrictEqual(
            INTERRUPTION_EVENTS.map((e) => [e.source, e.detailType]),
            [
                ["aws.health", "AWS Health Event"],
                ["aws.ec2", "EC2 Spot Instance Interruption Warning"],
                ["aws.ec2", "EC2 Instance Rebalance Recommendation"],
                ["aws.ec2", "EC2 Instance State-change Notification"],
                ["aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"],
            ],
        );
    });

    describe("Karpenter custom resources against the upstream CRDs", () => {
        const spec = prodEks();
        const classes = spec.karpenter.nodePools.map((pool) =>
            ec2NodeClass({
                cluster: spec.name,
                pool,
                amiAlias: spec.karpenter.amiAlias,
                kubelet: spec.kubelet,
                nodeRoleName: "c1-node",
                tags: { "hybrid-fleet.io/cluster": spec.name },
            }),
        );
        const pools = spec.karpenter.nodePools.map((pool) => nodePool({ pool, zones: spec.zones }));

        it("renders every prod NodePool and EC2NodeClass valid against the v1.14.1 schemas", () => {
            assert.strictEqual(pools.length, 2);
            for (const obj of [...pools, ...classes]) assert.deepStrictEqual(validateCustomResource(obj), [], `${obj.kind} ${obj.metadata.name}`);
        });

        it("stays valid with every optional setting (Bottlerocket, scheduled budgets, no weight)", () => {
            const pool = {
                ...spec.karpenter.nodePools[1],
                weight: undefined,
                expireAfter: "Never",
                terminationGracePeriod: "Never",
                disruption: {
                    consolidationPolicy: "WhenEmpty" as const,
                    consolidateAfter: "30s",
                    budgets: [{ nodes: "0", schedule: "0 9 * * mon-fri", duration: "8h", reasons: ["Drifted" as const] }, { nodes: "5" }],
                },
            };
            assert.deepStrictEqual(validateCustomResource(nodePool({ pool, zones: ["z1"] })), []);
            // "Never" leaves terminationGracePeriod out: the CRD has no such value, Karpenter's unset is it.
            assert.ok(!("terminationGracePeriod" in nodePool({ pool, zones: ["z1"] }).spec.template.spec));
            const bounded = nodePool({ pool: { ...pool, terminationGracePeriod: "2h30m" }, zones: ["z1"] });
            assert.strictEqual(bounded.spec.template.spec.terminationGracePeriod, "2h30m");
            assert.deepStrictEqual(validateCustomResource(bounded), []);
            assert.deepStrictEqual(
                validateCustomResource(
                    ec2NodeClass({ cluster: "c1", pool, amiAlias: "bottlerocket@v1.50.0", kubelet: spec.kubelet, nodeRoleName: "r", tags: {} }),
                ),
                [],
            );
        });

        it("would catch a broken object (the validator is not vacuous)", () => {
            const broken = structuredClone(pools[0]) as any;
            delete broken.spec.template.spec.nodeClassRef;
            broken.spec.disruption.consolidationPolicy = "Sometimes";
            const errors = validateCustomResource(broken);
            assert.ok(
                errors.some((e) => e.includes("nodeClassRef")),
                errors.join("\n"),
            );
            assert.ok(
                errors.some((e) => e.includes("consolidationPolicy") || e.includes("allowedValues")),
                errors.join("\n"),
            );
        });

        it("meets the CEL rules ajv cannot check", () => {
            for (const c of classes) {
                // exactly one of role / instanceProfile; an alias is the only AMI term.
                assert.ok(c.spec.role && !("instanceProfile" in c.spec));
                assert.strictEqual(c.spec.amiSelectorTerms.length, 1);
                assert.match(c.spec.amiSelectorTerms[0].alias, /^al2023@v\d{8}$/);
                for (const key of Object.keys(c.spec.tags)) {
                    assert.ok(
                        !/^kubernetes\.io\/cluster|^eks:eks-cluster-name$|^karpenter\.sh\/(nodepool|nodeclaim)$|^karpenter\.k8s\.aws\/ec2nodeclass$/.test(key),
                        `restricted tag ${key}`,
                    );
                }
                assert.deepStrictEqual(c.spec.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpProtocolIPv6: "disabled",
                    httpPutResponseHopLimit: 1,
                    httpTokens: "required",
                });
                assert.deepStrictEqual(c.spec.blockDeviceMappings[0].ebs, {
                    volumeSize: "50Gi",
                    volumeType: "gp3",
                    encrypted: true,
                    deleteOnTermination: true,
                });
            }
            for (const p of pools) {
                const reqs = p.spec.template.spec.requirements;
                for (const r of reqs) {
                    if (r.operator === "In") assert.ok(r.values.length > 0, r.key);
                    if (r.operator === "Gt") assert.ok(r.values.length === 1 && Number.isInteger(Number(r.values[0])) && Number(r.values[0]) >= 0, r.key);
                    assert.ok(r.key === "karpenter.sh/capacity-type" || !/^([^/]*\.)?karpenter\.sh\//.test(r.key), `restricted requirement ${r.key}`);
                }
                for (const label of Object.keys(p.spec.template.metadata.labels))
                    assert.ok(!/karpenter\.(sh|k8s\.aws)\//.test(label), `restricted label ${label}`);
            }
        });

        it("carries the pool's capacity types, architectures, generations, zones, limits and disruption", () => {
            const general = pools[0].spec;
            const req = Object.fromEntries(general.template.spec.requirements.map((r) => [r.key, [r.operator, r.values]]));
            assert.deepStrictEqual(req["karpenter.sh/capacity-type"], ["In", ["spot", "on-demand"]]);
            assert.deepStrictEqual(req["kubernetes.io/arch"], ["In", ["amd64", "arm64"]]);
            // Linux only: the node class's user data and AMI alias are Linux ones.
            assert.deepStrictEqual(req["kubernetes.io/os"], ["In", ["linux"]]);
            assert.deepStrictEqual(req["karpenter.k8s.aws/instance-category"], ["In", ["c", "m", "r"]]);
            assert.deepStrictEqual(req["karpenter.k8s.aws/instance-generation"], ["Gt", ["5"]]);
            assert.deepStrictEqual(req["topology.kubernetes.io/zone"], ["In", ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]]);
            assert.deepStrictEqual(general.limits, { cpu: "1000", memory: "4000Gi" });
            assert.deepStrictEqual(general.disruption, {
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                consolidateAfter: "1m",
                budgets: [{ nodes: "10%" }],
            });
            assert.strictEqual(general.template.spec.expireAfter, "720h");
            // With expireAfter, a bound on every node's lifetime: drained within 48h whatever blocks eviction.
            assert.strictEqual(general.template.spec.terminationGracePeriod, "48h");
            assert.strictEqual(general.weight, 50);
            const critical = pools[1].spec.template.spec;
            assert.deepStrictEqual(critical.taints, [{ key: "acme.io/tier", value: "critical", effect: "NoSchedule" }]);
            assert.strictEqual((pools[1].spec.template.metadata.labels as Record<string, string>)["acme.io/tier"], "critical");
        });
    });
});
