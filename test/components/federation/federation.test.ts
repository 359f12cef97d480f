// The federation layer on the mock engine, for both checked-in stacks and in preview mode: what
// it declares on the hub, in each member and in karmada-apiserver, and what the offline plan shows.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { FleetSpec } from "../../../stacks/spec";
import { loadFleet } from "../../../stacks/spec";
import { validateCustomResource } from "../../crds";
import { Inventory, loadStackSpec, plainTextOccurrences, plannedStack, rawStackFleet, RegisteredResource, runFleet, SecretValue } from "../../harness";

async function runPreview(spec: FleetSpec, stack: "prod" | "dev"): Promise<Inventory> {
    return (await runFleet(spec, stack, { preview: true })).inventory;
}

const KARMADA_TYPES = /^kubernetes:(policy|work)\.karmada\.io\//;

for (const stack of ["prod", "dev"] as const) {
    describe(`federation on the mock engine (${stack})`, () => {
        let spec: FleetSpec;
        let inv: Inventory;
        const providerName = (r: RegisteredResource) => inv.providerOf(r)?.name;
        const inKarmada = () => inv.resources.filter((r) => r.type.startsWith("kubernetes:") && providerName(r) === "karmada-k8s");

        before(async () => {
            spec = loadStackSpec(stack);
            inv = (await runFleet(spec)).inventory;
        });

        it("installs the karmada chart on the hub, host mode, pinned, PVC-backed etcd, certificates as secrets", () => {
            const release = inv.named("kubernetes:helm.sh/v3:Release", `${spec.hub}-karmada-control-plane-chart`);
            assert.strictEqual(providerName(release), `${spec.hub}-k8s`);
            assert.strictEqual(release.inputs.chart, "karmada");
            assert.strictEqual(release.inputs.version, "v1.18.2");
            assert.strictEqual(release.inputs.namespace, "karmada-system");
            const v = release.inputs.values;
            assert.strictEqual(v.installMode, "host");
            assert.strictEqual(v.etcd.internal.storageType, "pvc");
            assert.strictEqual(v.etcd.internal.replicaCount, spec.federation.etcd.replicas);
            assert.strictEqual(v.certs.mode, "custom");
            for (const k of ["caKey", "key", "frontProxyKey"]) assert.ok(v.certs.custom[k] instanceof SecretValue, `certs.custom.${k} is not a secret`);
            assert.strictEqual(v.apiServer.serviceType, "LoadBalancer");
        });

        it("keeps the Karmada CAs protected and gives karmada-apiserver a provider with a secret kubeconfig", () => {
            for (const n of ["karmada-ca-key", "karmada-front-proxy-ca-key"]) assert.strictEqual(inv.named("tls:index/privateKey:PrivateKey", n).protect, true);
            for (const n of ["karmada-ca-cert", "karmada-front-proxy-ca-cert"])
                assert.strictEqual(inv.named("tls:index/selfSignedCert:SelfSignedCert", n).protect, true);
            const provider = inv.named("pulumi:providers:kubernetes", "karmada-k8s");
            assert.ok(provider.inputs.kubeconfig instanceof SecretValue);
            assert.strictEqual(inv.byUrn(provider.parent!).type, "hybrid:federation:Karmada");
            const server = inv.named("tls:index/certRequest:CertRequest", "karmada-server-csr");
            const endpoint = spec.federation.apiServer;
            if (endpoint.address) assert.ok(server.inputs.ipAddresses.includes(endpoint.address));
            if (endpoint.dnsName) assert.ok(server.inputs.dnsNames.includes(endpoint.dnsName));
        });

        it("registers every member as a Cluster in karmada-apiserver with its sync mode, provider, region, zones and id", () => {
            const clusters = inv.ofType("kubernetes:cluster.karmada.io/v1alpha1:Cluster");
            assert.deepStrictEqual(clusters.map((c) => c.inputs.metadata.name).sort(), spec.clusters.map((c) => c.name).sort());
            for (const c of clusters) {
                const s = spec.clusters.find((x) => x.name === c.inputs.metadata.name)!;
                assert.strictEqual(providerName(c), "karmada-k8s");
                assert.strictEqual(c.inputs.spec.syncMode, s.federation.syncMode);
                assert.strictEqual(c.inputs.spec.region, s.region);
                assert.deepStrictEqual(c.inputs.spec.zones, s.zones);
                assert.strictEqual(c.inputs.spec.provider, { idc: "idc", eks: "aws", ack: "alibabacloud" }[s.provider]);
                assert.match(c.inputs.spec.apiEndpoint, /^https:\/\/.+:\d+$/);
                // the member's kube-system UID, read from the member (mock uid)
                assert.match(c.inputs.spec.id, /^[0-9a-f]{8}-[0-9a-f]{4}-/);
            }
        });

        it("Push members: join's ServiceAccounts, token Secrets and RBAC in the member; its credentials (secret) in karmada-apiserver", () => {
            const push = spec.clusters.filter((c) => c.federation.syncMode === "Push");
            assert.ok(push.length > 0);
            for (const c of push) {
                const sa = inv.named("kubernetes:core/v1:ServiceAccount", `${c.name}-karmada-service-account`);
                assert.strictEqual(providerName(sa), `${c.name}-k8s`);
                assert.deepStrictEqual(sa.inputs.metadata, {
                    name: `karmada-${c.name}`,
                    namespace: "karmada-cluster",
                    labels: { "karmada.io/system": "true" },
                });
                const token = inv.named("kubernetes:core/v1:Secret", `${c.name}-karmada-token`);
                assert.strictEqual(token.inputs.type, "kubernetes.io/service-account-token");
                assert.ok(token.additionalSecretOutputs.includes("data"));
                const creds = inv.named("kubernetes:core/v1:Secret", `karmada-${c.name}-credentials`);
                assert.strictEqual(providerName(creds), "karmada-k8s");
                assert.deepStrictEqual(creds.inputs.metadata.name, c.name);
                assert.ok(creds.inputs.data instanceof SecretValue, "credentials are not a secret");
                assert.deepStrictEqual(Object.keys(creds.inputs.data.value as object).sort(), ["caBundle", "token"]);
                const cluster = inv.named("kubernetes:cluster.karmada.io/v1alpha1:Cluster", `karmada-${c.name}-cluster`);
                assert.ok(cluster.dependencies.includes(creds.urn));
            }
            // the member's token (mock: "mock-token-...") never appears outside a secret
            assert.deepStrictEqual(plainTextOccurrences(inv, Buffer.from("mock-token-").toString("base64").slice(0, 12)), []);
        });

        it("Pull members: the agent in the member with a client certificate for system:karmada:agent:<name>, and its RBAC in karmada-apiserver", () => {
            const pull = spec.clusters.filter((c) => c.federation.syncMode === "Pull");
            assert.ok(pull.length > 0);
            for (const c of pull) {
                const agent = inv.named("kubernetes:helm.sh/v3:Release", `${c.name}-karmada-agent`);
                assert.strictEqual(providerName(agent), `${c.name}-k8s`);
                assert.strictEqual(agent.inputs.values.installMode, "agent");
                assert.strictEqual(agent.inputs.values.agent.clusterName, c.name);
                assert.ok(agent.inputs.values.agent.kubeconfig.key instanceof SecretValue);
                const csr = inv.named("tls:index/certRequest:CertRequest", `karmada-${c.name}-agent-csr`);
                assert.deepStrictEqual(csr.inputs.subject, { commonName: `system:karmada:agent:${c.name}`, organizations: ["system:karmada:agents"] });
                const binding = inv.named("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", `karmada-${c.name}-clusterrolebinding-agent`);
                assert.strictEqual(providerName(binding), "karmada-k8s");
                assert.strictEqual(binding.inputs.subjects[0].name, `system:karmada:agent:${c.name}`);
                // the agent starts after its RBAC and its Cluster exist
                assert.ok(agent.dependencies.includes(binding.urn));
                assert.ok(agent.dependencies.includes(inv.named("kubernetes:cluster.karmada.io/v1alpha1:Cluster", `karmada-${c.name}-cluster`).urn));
            }
        });

        it("every Karmada custom resource it declares validates against the upstream CRDs", () => {
            const crs = inv.resources.filter((r) => KARMADA_TYPES.test(r.type));
            // prod's policies, override and failover taint; dev has no policy and no failover, so none.
            const kinds = { prod: ["ClusterTaintPolicy", "OverridePolicy", "PropagationPolicy"], dev: [] }[stack];
            assert.deepStrictEqual([...new Set(crs.map((r) => r.inputs.kind))].sort(), kinds);
            for (const r of crs) {
                const errors = validateCustomResource({
                    apiVersion: r.inputs.apiVersion,
                    kind: r.inputs.kind,
                    metadata: r.inputs.metadata,
                    spec: r.inputs.spec,
                });
                assert.deepStrictEqual(errors, [], `${r.name}: ${errors.join("; ")}`);
            }
            // and everything in karmada-apiserver waits for the control plane
            const release = inv.named("kubernetes:helm.sh/v3:Release", `${spec.hub}-karmada-control-plane-chart`);
            for (const r of inKarmada()) assert.ok(r.dependencies.includes(release.urn), `${r.name} does not wait for the control plane`);
        });

        it("makes each namespaced policy's namespace in karmada-apiserver before the policy; a tenant's is kept from Karmada's copy to the members", () => {
            const namespaces = inKarmada().filter((r) => r.type === "kubernetes:core/v1:Namespace" && !r.inputs.metadata.name.startsWith("karmada-es-"));
            const used = new Set([
                ...spec.federation.policies.flatMap((p) => (p.namespace ? [p.namespace] : [])),
                ...spec.federation.overrides.map((o) => o.namespace),
            ]);
            assert.deepStrictEqual(namespaces.map((n) => n.inputs.metadata.name).sort(), [...used].sort());
            for (const ns of namespaces) {
                const name = ns.inputs.metadata.name;
                const tenant = spec.clusters.some((c) => c.network.tenants.some((t) => t.namespace === name));
                assert.deepStrictEqual(ns.inputs.metadata.labels, tenant ? { "namespace.karmada.io/skip-auto-propagation": "true" } : undefined, name);
            }
            const policies = inv.resources.filter((r) => /^kubernetes:policy\.karmada\.io\/v1alpha1:(Propagation|Override)Policy$/.test(r.type));
            for (const p of policies) {
                const [ns] = namespaces.filter((n) => n.inputs.metadata.name === p.inputs.metadata.namespace);
                assert.ok(ns && p.dependencies.includes(ns.urn), `${p.name} does not wait for its namespace`);
            }
            assert.strictEqual(inv.ofType("kubernetes:policy.karmada.io/v1alpha1:ClusterPropagationPolicy").length, 0, "no tenant namespace is propagated");
        });

        it("cluster failover: taint policy and controller flags exactly when the spec asks", () => {
            const taint = inv.ofType("kubernetes:policy.karmada.io/v1alpha1:ClusterTaintPolicy");
            const values = inv.named("kubernetes:helm.sh/v3:Release", `${spec.hub}-karmada-control-plane-chart`).inputs.values;
            if (spec.federation.failover.enabled) {
                assert.strictEqual(taint.length, 1);
                assert.strictEqual(taint[0].inputs.spec.taints[0].effect, "NoExecute");
                assert.strictEqual(values.controllerManager.featureGates.Failover, true);
            } else {
                assert.strictEqual(taint.length, 0);
                assert.strictEqual(values.controllerManager.featureGates, undefined);
            }
        });

        it("declares the same resources in preview mode (nothing inside an apply)", async () => {
            const preview = await runPreview(spec, stack);
            const urns = (i: Inventory) => i.resources.map((r) => r.urn).sort();
            assert.deepStrictEqual(urns(preview), urns(inv));
        });
    });
}

describe("federation options", () => {
    it("hubIsMember: false leaves the hub out of the members", async () => {
        const raw = rawStackFleet("dev");
        raw.federation.hubIsMember = false;
        const { inventory } = await runFleet(loadFleet(raw), "dev");
        const names = inventory.ofType("kubernetes:cluster.karmada.io/v1alpha1:Cluster").map((c) => c.inputs.metadata.name);
        assert.deepStrictEqual(names.sort(), ["ack-dev", "eks-dev"]);
        assert.deepStrictEqual(
            inventory.resources.filter((r) => r.type.startsWith("hybrid:federation:PushMember")).map((r) => r.name),
            ["eks-dev-karmada"],
        );
    });
});

describe("federation in the offline plan", () => {
    let out: string;
    before(async function () {
        this.timeout(60_000);
        out = await plannedStack("prod");
    });

    it("writes karmada-apiserver's objects under manifests/karmada/, apart from each member's own", () => {
        const karmada = fs.readdirSync(path.join(out, "manifests", "karmada")).sort();
        for (const f of [
            "cluster-idc-sh.yaml",
            "cluster-eks-apne1.yaml",
            "cluster-ack-sh.yaml",
            "propagationpolicy-payments-payments-api.yaml",
            "namespace-payments.yaml",
            "namespace-search.yaml",
            "overridepolicy-payments-payments-api-sites.yaml",
            "clustertaintpolicy-member-not-ready.yaml",
            "secret-karmada-cluster-eks-apne1.yaml",
        ]) {
            assert.ok(karmada.includes(f), `${f} not in manifests/karmada: ${karmada.join(", ")}`);
        }
        const eks = fs.readdirSync(path.join(out, "manifests", "eks-apne1"));
        assert.ok(eks.includes("serviceaccount-karmada-cluster-karmada-eks-apne1.yaml"));
        assert.ok(fs.readdirSync(path.join(out, "manifests", "ack-sh")).includes("helm-release-ack-sh-karmada-agent.yaml"));
        assert.ok(fs.readdirSync(path.join(out, "manifests", "idc-sh")).includes("helm-release-idc-sh-karmada-control-plane-chart.yaml"));
        const secret = YAML.parse(fs.readFileSync(path.join(out, "manifests", "karmada", "secret-karmada-cluster-eks-apne1.yaml"), "utf8"));
        assert.strictEqual(secret.data, "[secret]");
        const inventory = JSON.parse(fs.readFileSync(path.join(out, "inventory.json"), "utf8"));
        const cluster = inventory.resources.find((r: any) => r.name === "karmada-eks-apne1-cluster");
        assert.strictEqual(cluster.cluster, "karmada");
    });
});
