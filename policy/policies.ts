// The platform's mandatory rules as plain functions over a resource's type, inputs and options.
// They run in two places: as a CrossGuard pack (`policy/index.ts`, `pulumi preview --policy-pack
// policy`) and offline over the plan's inventory (`policy/offline.ts`), so a pull request without
// cloud credentials shows violations next to its diff.

import { daysLeft, supportWindow, WARN_DAYS } from "../stacks/spec/versions";

export type EnforcementLevel = "mandatory" | "advisory";

/** One resource as a policy reads it: what the engine sends (inputs, options), nothing more. */
export interface PolicyTarget {
    urn: string;
    type: string;
    name: string;
    props: Record<string, any>;
    protect: boolean;
    /** Name of the explicit provider, undefined when the engine's default provider is used. */
    provider?: string;
    /** URNs this resource depends on. */
    dependencies: string[];
}

export type Report = (message: string, urn?: string) => void;

export interface FleetPolicy {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** Checks one resource. */
    validateResource?: (r: PolicyTarget, report: Report) => void;
    /** Checks the whole stack, for rules that join resources (a bucket and its settings). */
    validateStack?: (resources: PolicyTarget[], report: Report) => void;
    /**
     * Set where the CLI's policy engine cannot see what the rule needs (CrossGuard hands policies
     * secrets already unwrapped, pulumi/pulumi-policy#241): the rule then runs offline only.
     */
    offlineOnly?: string;
}

const OPEN_TO_WORLD = ["0.0.0.0/0", "::/0"];

/** A command whose script makes a filesystem; the script arrives as `create` or on stdin (`sudo -n bash -s`). */
function formatsDisk(r: PolicyTarget): boolean {
    const script = [r.props.create, r.props.stdin].filter((x) => typeof x === "string").join("\n");
    return /\bmkfs(\.\w+)?\s/.test(script);
}

/** Every string in a value with its path, skipping what the plan marks as a secret. */
function strings(value: unknown, at = ""): { path: string; text: string }[] {
    if (typeof value === "string") return value === "[secret]" ? [] : [{ path: at, text: value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
    return [];
}

/** Every value under a key with one of `keys`, with its path. */
function valuesAt(value: unknown, keys: string[], at = ""): { path: string; value: unknown }[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => valuesAt(v, keys, `${at}[${i}]`));
    if (!value || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([k, v]) => {
        const here = at ? `${at}.${k}` : k;
        return [...(keys.includes(k) ? [{ path: here, value: v }] : []), ...valuesAt(v, keys, here)];
    });
}

const truthy = (v: unknown) => v === true || v === "true";

/** Types that hold data, trust or the record of what happened: losing one to a replace or a delete is an outage, a breach or a lost audit trail. */
const STATEFUL_TYPES = new Set([
    "aws:eks/cluster:Cluster",
    "alicloud:cs/managedKubernetes:ManagedKubernetes",
    "aws:s3/bucket:Bucket",
    "alicloud:oss/bucket:Bucket",
    "aws:kms/key:Key",
    "alicloud:kms/key:Key",
    // Control-plane, audit and flow logs.
    "aws:cloudwatch/logGroup:LogGroup",
    "alicloud:log/project:Project",
    "alicloud:log/store:Store",
]);

/** A container image reference: needs a tag or a digest, and the tag is never `latest`. */
function imageProblem(ref: string): string | undefined {
    if (ref.includes("@sha256:")) return undefined;
    const lastSegment = ref.split("/").pop() ?? ref;
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    if (!tag) return "has no tag or digest";
    if (tag === "latest") return "uses the tag latest";
    return undefined;
}

const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;
const SECRET_SHAPES: { what: string; re: RegExp }[] = [
    { what: "a PEM private key", re: PRIVATE_KEY },
    { what: "a kubeadm bootstrap token", re: /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/ },
    { what: "an AWS secret access key assignment", re: /aws_secret_access_key\s*=\s*\S+/i },
    { what: "a kubeconfig token", re: /^\s*token:\s*\S{20,}/m },
    // A kubeconfig's embedded client key (base64 of a PEM key).
    { what: "a kubeconfig client key", re: /^\s*client-key-data:\s*\S{20,}/m },
    // An object store's secret key in a config file (Thanos objstore.yml's secret_key, S3/OSS clients' secretAccessKey).
    { what: "an object store secret key", re: /^\s*"?(secret_key|secret_access_key|secretAccessKey|access_key_secret)"?\s*[:=]\s*"?[^\s"]{8,}/im },
];

/**
 * The text a base64 string stands for, when it decodes to printable text: a Secret's `data` and a
 * kubeconfig's `*-data` fields carry secret material that way.
 */
function decodedText(text: string): string | undefined {
    const compact = text.replace(/\s+/g, "");
    if (compact.length < 24 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
    const decoded = Buffer.from(compact, "base64").toString("utf8");
    return /^[\t\n\r\x20-\x7e]+$/.test(decoded) ? decoded : undefined;
}

/** The secret shape a plain string holds, as it is or base64-decoded. */
function secretShapeOf(text: string): string | undefined {
    const decoded = decodedText(text);
    for (const candidate of decoded === undefined ? [text] : [text, decoded]) {
        const hit = SECRET_SHAPES.find((s) => s.re.test(candidate));
        if (hit) return candidate === text ? hit.what : `${hit.what} (base64)`;
    }
    return undefined;
}

/** The clock the advisory version rule reads; tests pin it. */
export const policyClock = { today: () => new Date() };

export const fleetPolicies: FleetPolicy[] = [
    {
        name: "api-endpoint-not-public",
        description: "No cluster API endpoint is open to 0.0.0.0/0.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            if (r.type === "aws:eks/cluster:Cluster") {
                const vpc = r.props.vpcConfig ?? {};
                if (vpc.endpointPublicAccess === false) return;
                const cidrs: string[] = vpc.publicAccessCidrs ?? [];
                // EKS opens a public endpoint to 0.0.0.0/0 when no CIDRs are given.
                if (cidrs.length === 0 || cidrs.some((c) => OPEN_TO_WORLD.includes(c))) {
                    report(`the public API endpoint of ${r.props.name ?? r.name} is open to the internet (publicAccessCidrs ${JSON.stringify(cidrs)})`);
                }
            }
            // Left out, the provider creates the internet-facing SLB ("Default to true", alicloud cs.ManagedKubernetes).
            if (
                r.type === "alicloud:cs/managedKubernetes:ManagedKubernetes" &&
                (r.props.slbInternetEnabled === undefined || truthy(r.props.slbInternetEnabled))
            ) {
                report(
                    `the API server of ${r.props.name ?? r.name} gets an internet-facing SLB (slbInternetEnabled${r.props.slbInternetEnabled === undefined ? " left out: the provider's default is true" : ""})`,
                );
            }
        },
    },
    {
        name: "secrets-encrypted-with-rotating-kms-key",
        description: "Kubernetes Secrets are envelope-encrypted with a KMS key that rotates.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            if (r.type === "aws:eks/cluster:Cluster") {
                const enc = r.props.encryptionConfig;
                if (!enc?.provider?.keyArn || !(enc.resources ?? []).includes("secrets"))
                    report("EKS Secrets are not encrypted with a KMS key (encryptionConfig)");
            }
            if (r.type === "alicloud:cs/managedKubernetes:ManagedKubernetes" && (!r.props.encryptionProviderKey || truthy(r.props.disableEncryption))) {
                report("ACK Secrets are not encrypted with a KMS key (encryptionProviderKey)");
            }
            if (r.type === "aws:kms/key:Key" && r.props.enableKeyRotation !== true) report("the KMS key does not rotate (enableKeyRotation)");
            if (r.type === "alicloud:kms/key:Key" && r.props.automaticRotation !== "Enabled") report("the KMS key does not rotate (automaticRotation)");
        },
    },
    {
        name: "buckets-encrypted-versioned-private",
        description: "Every bucket is encrypted with KMS, versioned, and closed to the public.",
        enforcementLevel: "mandatory",
        validateStack(resources, report) {
            const settingsOf = (bucket: PolicyTarget, type: string) => resources.filter((x) => x.type === type && x.dependencies.includes(bucket.urn));
            for (const b of resources.filter((x) => x.type === "aws:s3/bucket:Bucket")) {
                const sse = settingsOf(b, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                if (!sse.some((s) => (s.props.rules ?? []).some((rule: any) => rule.applyServerSideEncryptionByDefault?.sseAlgorithm === "aws:kms"))) {
                    report("the bucket has no KMS default encryption", b.urn);
                }
                if (!settingsOf(b, "aws:s3/bucketVersioning:BucketVersioning").some((v) => v.props.versioningConfiguration?.status === "Enabled")) {
                    report("the bucket is not versioned", b.urn);
                }
                const blocks = settingsOf(b, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
                const closed = blocks.some((p) =>
                    ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => p.props[k] === true),
                );
                if (!closed) report("the bucket is not closed to the public (all four public access blocks)", b.urn);
            }
            for (const b of resources.filter((x) => x.type === "alicloud:oss/bucket:Bucket")) {
                if (b.props.serverSideEncryptionRule?.sseAlgorithm !== "KMS") report("the bucket has no KMS server-side encryption", b.urn);
                if (b.props.versioning?.status !== "Enabled") report("the bucket is not versioned", b.urn);
                const blocked = settingsOf(b, "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock").some((p) => p.props.blockPublicAccess === true);
                if (!blocked) report("the bucket does not block public access", b.urn);
                const acls = settingsOf(b, "alicloud:oss/bucketAcl:BucketAcl");
                if (acls.some((a) => a.props.acl !== "private")) report("the bucket ACL is not private", b.urn);
            }
        },
    },
    {
        name: "stateful-resources-protected",
        description: "Clusters, buckets, KMS keys, log groups and SLS projects, CA keys and etcd data are protected against deletion.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            if (STATEFUL_TYPES.has(r.type) && !r.protect) report(`${r.type} holds data or trust and must be protected (protect: true)`);
            if (r.type === "tls:index/selfSignedCert:SelfSignedCert" && r.props.isCaCertificate === true && !r.protect)
                report("a CA certificate must be protected");
        },
        validateStack(resources, report) {
            // A command that formats a disk is the only guard of the data on it. The one left
            // unprotected is a retiring etcd member's (`<member>-data-disk`), so that deleting the member
            // from the spec afterwards runs cleanly: its retirement (`<member>-retire`, which takes the
            // member out of the cluster and sets its data aside) depends on it.
            const retirements = new Map(resources.filter((x) => x.type === "command:remote:Command" && x.name.endsWith("-retire")).map((x) => [x.name, x]));
            for (const r of resources.filter((x) => x.type === "command:remote:Command" && !x.protect && formatsDisk(x))) {
                const retirement = retirements.get(r.name.replace(/-data-disk$/, "-retire"));
                if (!retirement?.dependencies.includes(r.urn)) report("a command that formats a data disk must be protected", r.urn);
            }
            // The key of every CA certificate is as precious as the certificate.
            const byUrn = new Map(resources.map((x) => [x.urn, x]));
            for (const ca of resources.filter((x) => x.type === "tls:index/selfSignedCert:SelfSignedCert" && x.props.isCaCertificate === true)) {
                for (const dep of ca.dependencies.map((u) => byUrn.get(u)).filter((x): x is PolicyTarget => x?.type === "tls:index/privateKey:PrivateKey")) {
                    if (!dep.protect) report(`the key of CA certificate ${ca.name} must be protected`, dep.urn);
                }
            }
        },
    },
    {
        name: "nodes-imdsv2-encrypted-volumes",
        description: "Every node template requires IMDSv2 and encrypts its volumes.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            if (r.type === "aws:ec2/launchTemplate:LaunchTemplate") {
                if (r.props.metadataOptions?.httpTokens !== "required") report("the launch template does not require IMDSv2 (metadataOptions.httpTokens)");
                for (const m of r.props.blockDeviceMappings ?? []) if (!truthy(m.ebs?.encrypted)) report(`volume ${m.deviceName} is not encrypted`);
            }
            if (r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass") {
                const spec = r.props.spec ?? {};
                if (spec.metadataOptions?.httpTokens !== "required") report("the EC2NodeClass does not require IMDSv2 (spec.metadataOptions.httpTokens)");
                for (const m of spec.blockDeviceMappings ?? []) if (!truthy(m.ebs?.encrypted)) report(`volume ${m.deviceName} is not encrypted`);
            }
            if (r.type === "alicloud:cs/nodePool:NodePool") {
                if (r.props.instanceMetadataOptions?.httpTokens !== "required")
                    report("the node pool does not require hardened metadata access (instanceMetadataOptions.httpTokens)");
                if (!truthy(r.props.systemDiskEncrypted)) report("the node pool's system disk is not encrypted");
                for (const d of r.props.dataDisks ?? []) if (!truthy(d.encrypted)) report("a data disk of the node pool is not encrypted");
            }
        },
    },
    {
        name: "charts-and-images-pinned",
        description: "Every Helm chart has a version and every image a tag or digest, never latest.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            if (!r.type.startsWith("kubernetes:")) return;
            if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
                const version = r.props.version;
                // One exact version: Helm also takes ranges ("*", "^1.2", "~1.2", ">=1 <2", "1.x"), which float.
                if (typeof version !== "string" || !/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version))
                    report(
                        `chart ${r.props.chart} is not pinned to a version${typeof version === "string" && version !== "" ? ` (${JSON.stringify(version)} is a range or not a version)` : ""}`,
                    );
            }
            for (const { path, value } of valuesAt(r.props, ["image"])) {
                if (typeof value === "string") {
                    const problem = imageProblem(value);
                    if (problem) report(`image ${value} at ${path} ${problem}`);
                } else if (value && typeof value === "object" && "tag" in value && ((value as any).tag === "latest" || (value as any).tag === "")) {
                    report(`image at ${path} uses the tag ${JSON.stringify((value as any).tag)}`);
                }
            }
        },
    },
    {
        name: "explicit-kubernetes-provider",
        description:
            "Every Kubernetes object goes through its cluster's explicit provider, and every such provider names its kubeconfig: never the ambient one.",
        enforcementLevel: "mandatory",
        validateResource(r, report) {
            // A provider without kubeconfig falls back to $KUBECONFIG or ~/.kube/config of whoever runs
            // `pulumi up` (pulumi-kubernetes provider configuration). An unknown one in a preview is
            // not read here: CrossGuard skips a rule that touches an unknown value.
            if (r.type === "pulumi:providers:kubernetes") {
                const kubeconfig = r.props.kubeconfig;
                if (typeof kubeconfig !== "string" || kubeconfig.trim() === "")
                    report("a Kubernetes provider without a kubeconfig uses the ambient one ($KUBECONFIG, ~/.kube/config) of whoever runs Pulumi");
                return;
            }
            if (!r.type.startsWith("kubernetes:")) return;
            if (!r.provider || r.provider.startsWith("default"))
                report("uses the default Kubernetes provider (the ambient kubeconfig) instead of its cluster's");
        },
    },
    {
        name: "no-plaintext-secret-material",
        description: "No secret material (private keys, tokens, access keys) in a plain, non-secret input.",
        enforcementLevel: "mandatory",
        offlineOnly: "CrossGuard unwraps secrets before policies see them, so it cannot tell a secret input from a plain one",
        validateResource(r, report) {
            for (const { path, text } of strings(r.props)) {
                const hit = secretShapeOf(text);
                if (hit) report(`${path} holds ${hit} in plain text (make it a Pulumi secret)`);
            }
        },
    },
    {
        name: "tenant-namespaces-isolated",
        description: "Every tenant namespace has a default-deny NetworkPolicy and a ResourceQuota.",
        enforcementLevel: "mandatory",
        validateStack(resources, report) {
            const inCluster = (x: PolicyTarget, ns: PolicyTarget) => x.provider === ns.provider && x.props.metadata?.namespace === ns.props.metadata?.name;
            for (const ns of resources.filter(
                (x) => x.type === "kubernetes:core/v1:Namespace" && x.props.metadata?.labels?.["hybrid-fleet.io/tenant"] === "true",
            )) {
                const name = ns.props.metadata?.name;
                const denies = resources.some(
                    (p) =>
                        p.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" &&
                        inCluster(p, ns) &&
                        Object.keys(p.props.spec?.podSelector ?? {}).length === 0 &&
                        ["Ingress", "Egress"].every((t) => (p.props.spec?.policyTypes ?? []).includes(t)) &&
                        !p.props.spec?.ingress?.length &&
                        !p.props.spec?.egress?.length,
                );
                if (!denies) report(`tenant namespace ${name} has no default-deny NetworkPolicy (ingress and egress)`, ns.urn);
                if (!resources.some((q) => q.type === "kubernetes:core/v1:ResourceQuota" && inCluster(q, ns)))
                    report(`tenant namespace ${name} has no ResourceQuota`, ns.urn);
            }
        },
    },
    {
        name: "kubernetes-version-supported",
        description: "A managed cluster's Kubernetes minor is within its standard support, and not within 90 days of its end (stacks/spec/versions.ts).",
        enforcementLevel: "advisory",
        validateResource(r, report) {
            const site = r.type === "aws:eks/cluster:Cluster" ? "eks" : r.type === "alicloud:cs/managedKubernetes:ManagedKubernetes" ? "ack" : undefined;
            if (!site || typeof r.props.version !== "string") return;
            const w = supportWindow(site, r.props.version);
            if (!w) return report(`Kubernetes ${r.props.version} is not a minor this fleet knows for ${site}`);
            const left = daysLeft(w, policyClock.today());
            if (left < 0) report(`Kubernetes ${w.minor} on ${site} left standard support on ${w.endOfStandardSupport}`);
            else if (left <= WARN_DAYS) report(`Kubernetes ${w.minor} on ${site} leaves standard support on ${w.endOfStandardSupport}, in ${left} days`);
        },
    },
];
