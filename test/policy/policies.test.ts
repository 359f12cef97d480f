// The platform's policies: the checked-in fleets pass every one, and each catches a crafted violation.
import * as assert from "assert";
import { crossGuardPolicies } from "../../policy/pack";
import { evaluatePolicies, renderPolicyReport } from "../../policy/offline";
import { entryOf } from "../../tools/mockEngine";
import { fleetPolicies } from "../../policy/policies";
import type { InventoryEntry, InventoryFile } from "../../tools/planDiff";
import { loadStackSpec, runFleet } from "../harness";

const inventories: Record<string, InventoryFile> = {};

async function inventoryOf(stack: "prod" | "dev"): Promise<InventoryFile> {
    inventories[stack] ??= { project: "hybrid-fleet", stack, resources: (await runFleet(loadStackSpec(stack))).inventory.resources.map((r) => entryOf(r)) };
    return structuredClone(inventories[stack]);
}

/** The prod inventory after `mutate`, evaluated; the messages of one policy. */
async function messagesAfter(policy: string, mutate: (resources: InventoryEntry[]) => void): Promise<string[]> {
    const inv = await inventoryOf("prod");
    mutate(inv.resources);
    return evaluatePolicies(inv)
        .violations.filter((v) => v.policy === policy)
        .map((v) => v.message);
}

const one = (resources: InventoryEntry[], type: string, name?: string) => {
    const found = resources.find((r) => r.type === type && (name === undefined || r.name === name));
    assert.ok(found, `no ${type} ${name ?? ""}`);
    return found as InventoryEntry & { inputs: any };
};

describe("policy pack", function () {
    this.timeout(60_000);

    for (const stack of ["prod", "dev"] as const) {
        it(`passes every policy on the ${stack} fleet`, async () => {
            const report = evaluatePolicies(await inventoryOf(stack));
            // Advisory findings depend on the date (versions nearing their end): tested on their own below.
            assert.deepStrictEqual(
                report.violations.filter((v) => v.enforcementLevel === "mandatory"),
                [],
            );
            assert.ok(report.resources > 200, `only ${report.resources} resources evaluated`);
        });
    }

    it("catches a public EKS endpoint open to the internet, and an internet-facing ACK API", async () => {
        const messages = await messagesAfter("api-endpoint-not-public", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").inputs.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] };
            one(rs, "alicloud:cs/managedKubernetes:ManagedKubernetes").inputs.slbInternetEnabled = true;
        });
        assert.deepStrictEqual(messages, [
            "the API server of ack-sh gets an internet-facing SLB (slbInternetEnabled)",
            'the public API endpoint of eks-apne1 is open to the internet (publicAccessCidrs ["0.0.0.0/0"])',
        ]);
        // Left out, the provider's default (true) applies.
        const omitted = await messagesAfter("api-endpoint-not-public", (rs) => {
            delete one(rs, "alicloud:cs/managedKubernetes:ManagedKubernetes").inputs.slbInternetEnabled;
        });
        assert.deepStrictEqual(omitted, ["the API server of ack-sh gets an internet-facing SLB (slbInternetEnabled left out: the provider's default is true)"]);
    });

    it("catches every other way an endpoint opens: IPv6 to the world, a public endpoint without CIDRs (EKS opens it to 0.0.0.0/0)", async () => {
        const v6 = await messagesAfter("api-endpoint-not-public", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").inputs.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "::/0"] };
        });
        assert.deepStrictEqual(v6, ['the public API endpoint of eks-apne1 is open to the internet (publicAccessCidrs ["203.0.113.0/24","::/0"])']);
        const none = await messagesAfter("api-endpoint-not-public", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").inputs.vpcConfig = { endpointPublicAccess: true };
        });
        assert.deepStrictEqual(none, ["the public API endpoint of eks-apne1 is open to the internet (publicAccessCidrs [])"]);
        // A public endpoint limited to listed CIDRs passes.
        const listed = await messagesAfter("api-endpoint-not-public", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").inputs.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] };
        });
        assert.deepStrictEqual(listed, []);
    });

    it("catches Secrets encrypted for other resources only, and ACK encryption turned off beside a key", async () => {
        const messages = await messagesAfter("secrets-encrypted-with-rotating-kms-key", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").inputs.encryptionConfig.resources = ["configmaps"];
            one(rs, "alicloud:cs/managedKubernetes:ManagedKubernetes").inputs.disableEncryption = true;
        });
        assert.deepStrictEqual(messages.sort(), [
            "ACK Secrets are not encrypted with a KMS key (encryptionProviderKey)",
            "EKS Secrets are not encrypted with a KMS key (encryptionConfig)",
        ]);
    });

    it("catches Secrets without KMS and a key that does not rotate", async () => {
        const messages = await messagesAfter("secrets-encrypted-with-rotating-kms-key", (rs) => {
            delete one(rs, "aws:eks/cluster:Cluster").inputs.encryptionConfig;
            one(rs, "aws:kms/key:Key", "eks-apne1-secrets").inputs.enableKeyRotation = false;
            one(rs, "alicloud:kms/key:Key", "ack-sh-secrets").inputs.automaticRotation = "Disabled";
        });
        assert.deepStrictEqual(messages.sort(), [
            "EKS Secrets are not encrypted with a KMS key (encryptionConfig)",
            "the KMS key does not rotate (automaticRotation)",
            "the KMS key does not rotate (enableKeyRotation)",
        ]);
    });

    it("catches an unversioned, unencrypted or public bucket", async () => {
        const messages = await messagesAfter("buckets-encrypted-versioned-private", (rs) => {
            one(rs, "aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status = "Suspended";
            one(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs.restrictPublicBuckets = false;
            rs.splice(rs.indexOf(one(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")), 1);
            one(rs, "alicloud:oss/bucketAcl:BucketAcl").inputs.acl = "public-read";
        });
        assert.deepStrictEqual(messages.sort(), [
            "the bucket ACL is not private",
            "the bucket has no KMS default encryption",
            "the bucket is not closed to the public (all four public access blocks)",
            "the bucket is not versioned",
        ]);
    });

    it("catches unprotected clusters, keys, CA keys and etcd data", async () => {
        const messages = await messagesAfter("stateful-resources-protected", (rs) => {
            one(rs, "aws:eks/cluster:Cluster").protect = false;
            one(rs, "tls:index/privateKey:PrivateKey", "idc-sh-pki-etcd-ca-key").protect = false;
            one(rs, "command:remote:Command", "idc-sh-etcd-etcd-1-data-disk").protect = false;
            one(rs, "aws:cloudwatch/logGroup:LogGroup", "eks-apne1-flow-logs").protect = false;
            one(rs, "alicloud:log/store:Store", "ack-sh-flow-logs").protect = false;
        });
        assert.deepStrictEqual(messages.sort(), [
            "a command that formats a data disk must be protected",
            "alicloud:log/store:Store holds data or trust and must be protected (protect: true)",
            "aws:cloudwatch/logGroup:LogGroup holds data or trust and must be protected (protect: true)",
            "aws:eks/cluster:Cluster holds data or trust and must be protected (protect: true)",
            "the key of CA certificate idc-sh-pki-etcd-ca-cert must be protected",
        ]);
    });

    it("catches IMDSv1 and unencrypted volumes on every node template", async () => {
        const messages = await messagesAfter("nodes-imdsv2-encrypted-volumes", (rs) => {
            one(rs, "aws:ec2/launchTemplate:LaunchTemplate").inputs.metadataOptions.httpTokens = "optional";
            one(rs, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").inputs.spec.blockDeviceMappings[0].ebs.encrypted = false;
            one(rs, "alicloud:cs/nodePool:NodePool", "ack-sh-system").inputs.systemDiskEncrypted = false;
            one(rs, "alicloud:cs/nodePool:NodePool", "ack-sh-general").inputs.dataDisks[0].encrypted = "false";
        });
        assert.deepStrictEqual(messages.sort(), [
            "a data disk of the node pool is not encrypted",
            "the launch template does not require IMDSv2 (metadataOptions.httpTokens)",
            "the node pool's system disk is not encrypted",
            "volume /dev/xvda is not encrypted",
        ]);
    });

    it("catches an unpinned chart and images without a tag or with latest", async () => {
        const messages = await messagesAfter("charts-and-images-pinned", (rs) => {
            const release = one(rs, "kubernetes:helm.sh/v3:Release", "idc-sh-calico-operator");
            release.inputs.version = "";
            // Helm takes version ranges, which float like no version at all.
            const releases = rs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r !== release);
            Object.assign(releases[0].inputs, { chart: "karmada", version: "^1.18" });
            Object.assign(releases[1].inputs, { chart: "thanos", version: "*" });
            release.inputs.values = {
                ...release.inputs.values,
                tigeraOperator: { image: "quay.io/tigera/operator" },
                extra: { image: { repository: "x", tag: "latest" } },
                // A string reference with the tag latest; a digest needs no tag.
                latest: { image: "registry.k8s.io/pause:latest" },
                digest: { image: "registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097" },
            };
        });
        assert.deepStrictEqual(
            messages.sort(),
            [
                'image at values.extra.image uses the tag "latest"',
                "image registry.k8s.io/pause:latest at values.latest.image uses the tag latest",
                "chart tigera-operator is not pinned to a version",
                'chart karmada is not pinned to a version ("^1.18" is a range or not a version)',
                'chart thanos is not pinned to a version ("*" is a range or not a version)',
                "image quay.io/tigera/operator at values.tigeraOperator.image has no tag or digest",
            ].sort(),
        );
    });

    it("catches a Kubernetes object on the default provider", async () => {
        const messages = await messagesAfter("explicit-kubernetes-provider", (rs) => {
            one(rs, "kubernetes:core/v1:Namespace", "idc-sh-tenants-payments").provider = null;
        });
        assert.deepStrictEqual(messages, ["uses the default Kubernetes provider (the ambient kubeconfig) instead of its cluster's"]);
    });

    it("catches a Kubernetes provider without a kubeconfig (it would use the ambient one)", async () => {
        const messages = await messagesAfter("explicit-kubernetes-provider", (rs) => {
            delete one(rs, "pulumi:providers:kubernetes", "idc-sh-k8s").inputs.kubeconfig;
            one(rs, "pulumi:providers:kubernetes", "eks-apne1-k8s").inputs.kubeconfig = " ";
        });
        assert.deepStrictEqual(messages, [
            "a Kubernetes provider without a kubeconfig uses the ambient one ($KUBECONFIG, ~/.kube/config) of whoever runs Pulumi",
            "a Kubernetes provider without a kubeconfig uses the ambient one ($KUBECONFIG, ~/.kube/config) of whoever runs Pulumi",
        ]);
    });

    it("catches secret material in a plain input, offline only", async () => {
        const messages = await messagesAfter("no-plaintext-secret-material", (rs) => {
            one(rs, "command:remote:Command", "idc-sh-etcd-etcd-1-data-disk").inputs.environment = { KEY: "-----BEGIN RSA PRIVATE KEY-----\nMIIE" };
        });
        assert.deepStrictEqual(messages, ["environment.KEY holds a PEM private key in plain text (make it a Pulumi secret)"]);
        assert.ok(fleetPolicies.find((p) => p.name === "no-plaintext-secret-material")!.offlineOnly);
    });

    it("catches secret material in the encodings it travels in: a Secret's base64 data, a kubeconfig's client key, an objstore secret key", async () => {
        const pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4Lf1ExampleExampleExample\n-----END EC PRIVATE KEY-----\n";
        const messages = await messagesAfter("no-plaintext-secret-material", (rs) => {
            const ns = one(rs, "kubernetes:core/v1:Namespace", "idc-sh-tenants-payments");
            ns.inputs.metadata.annotations = {
                "tls.key": Buffer.from(pem).toString("base64"),
                kubeconfig: "apiVersion: v1\nusers:\n- name: x\n  user:\n    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVF\n",
                objstore: "type: S3\nconfig:\n  bucket: b\n  access_key: AKIAEXAMPLE\n  secret_key: wJalrXUtnFEMIexampleKEY\n",
            };
        });
        assert.deepStrictEqual(messages.sort(), [
            "metadata.annotations.kubeconfig holds a kubeconfig client key in plain text (make it a Pulumi secret)",
            "metadata.annotations.objstore holds an object store secret key in plain text (make it a Pulumi secret)",
            "metadata.annotations.tls.key holds a PEM private key (base64) in plain text (make it a Pulumi secret)",
        ]);
    });

    it("catches a tenant namespace without default-deny or quota", async () => {
        const messages = await messagesAfter("tenant-namespaces-isolated", (rs) => {
            rs.splice(rs.indexOf(one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "idc-sh-tenants-payments-default-deny")), 1);
            rs.splice(rs.indexOf(one(rs, "kubernetes:core/v1:ResourceQuota", "idc-sh-tenants-search-quota")), 1);
        });
        assert.deepStrictEqual(messages.sort(), [
            "tenant namespace payments has no default-deny NetworkPolicy (ingress and egress)",
            "tenant namespace search has no ResourceQuota",
        ]);
    });

    it("counts as default-deny only a policy over every pod with no rule: one that selects some pods or allows a peer does not", async () => {
        const deny = (rs: InventoryEntry[], ns: string) =>
            one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `idc-sh-tenants-${ns}-default-deny`).inputs.spec;
        const messages = await messagesAfter("tenant-namespaces-isolated", (rs) => {
            deny(rs, "payments").podSelector = { matchLabels: { app: "web" } };
            deny(rs, "search").ingress = [{ from: [{ namespaceSelector: {} }] }];
        });
        assert.deepStrictEqual(messages.sort(), [
            "tenant namespace payments has no default-deny NetworkPolicy (ingress and egress)",
            "tenant namespace search has no default-deny NetworkPolicy (ingress and egress)",
        ]);
    });

    it("hands CrossGuard one policy per rule and a stack policy where a rule joins resources, with unique names", () => {
        const names = crossGuardPolicies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        for (const p of fleetPolicies) assert.ok(names.includes(p.name) || names.includes(`${p.name}-stack`), p.name);
        assert.ok(names.includes("stateful-resources-protected-stack"));
    });

    it("marks the secret-material rule not applicable under CrossGuard, which unwraps secrets", () => {
        const policy = crossGuardPolicies.find((p) => p.name === "no-plaintext-secret-material") as any;
        const args = {
            urn: "urn:x",
            type: "command:remote:Command",
            name: "x",
            props: {},
            opts: { protect: false },
            notApplicable: (reason: string) => {
                throw new Error(`not applicable: ${reason}`);
            },
        };
        assert.throws(() => policy.validateResource(args, () => undefined), /not applicable: CrossGuard unwraps secrets/);
    });

    it("reports each violation in the plan's markdown by the resource's whole name, the stack's as (stack), pipes escaped", () => {
        const md = renderPolicyReport(
            {
                violations: [
                    {
                        policy: "p1",
                        enforcementLevel: "mandatory",
                        urn: "urn:pulumi:prod::hybrid-fleet::hybrid:eks:Site$aws:eks/cluster:Cluster::a::b",
                        message: "open | to all",
                    },
                    { policy: "p2", enforcementLevel: "advisory", urn: "", message: "m" },
                ],
                mandatory: 1,
                advisory: 1,
                policies: 2,
                resources: 9,
            },
            "prod",
        );
        assert.deepStrictEqual(md.split("\n").slice(-2), ["| mandatory | `p1` | `a::b` | open \\| to all |", "| advisory | `p2` | `(stack)` | m |"]);
        assert.ok(md.includes("**1 mandatory, 1 advisory violations** (2 policies over 9 resources)"), md);
    });
});

describe("advisory policy: Kubernetes versions near their end of support", function () {
    this.timeout(60_000);
    it("says nothing today, warns within 90 days of the end, and after it", async () => {
        const { policyClock } = require("../../policy/policies") as typeof import("../../policy/policies");
        const inv = await inventoryOf("prod");
        const at = (day: string) => {
            const saved = policyClock.today;
            policyClock.today = () => new Date(`${day}T00:00:00Z`);
            try {
                return evaluatePolicies(inv)
                    .violations.filter((v) => v.policy === "kubernetes-version-supported")
                    .map((v) => `${v.enforcementLevel}: ${v.message}`);
            } finally {
                policyClock.today = saved;
            }
        };
        assert.deepStrictEqual(at("2026-11-29"), []);
        // ACK 1.36 ends 2027-05-30, EKS 1.36 on 2027-08-02 (stacks/spec/versions.ts).
        assert.deepStrictEqual(at("2027-04-01"), ["advisory: Kubernetes 1.36 on ack leaves standard support on 2027-05-30, in 59 days"]);
        assert.deepStrictEqual(at("2027-09-01").sort(), [
            "advisory: Kubernetes 1.36 on ack left standard support on 2027-05-30",
            "advisory: Kubernetes 1.36 on eks left standard support on 2027-08-02",
        ]);
    });
});
