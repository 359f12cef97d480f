// The federation renderers against upstream: Karmada's CRDs (vendored, v1.18.2), the karmada
// chart's values.yaml at the pinned tag, and the fields of Karmada's Go types for Cluster (an
// aggregated API with no CRD).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    agentRbac,
    agentValues,
    certHosts,
    clusterObject,
    clusterTaintPolicy,
    hostValues,
    kubeconfig,
    Manifest,
    MemberInfo,
    overridePolicy,
    propagationPolicy,
    pushMemberObjects,
} from "../../../components/federation/render";
import { KARMADA } from "../../../components/federation/versions";
import { federationArgs } from "../../../stacks/federation";
import { validateCustomResource } from "../../crds";
import { loadStackSpec } from "../../harness";

const CHART_DIR = path.resolve(__dirname, "..", "..", "fixtures", "charts", "karmada");
const chartValues = YAML.parse(fs.readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8"), { merge: true });
const apiserverTemplate = fs.readFileSync(path.join(CHART_DIR, "karmada-apiserver.yaml"), "utf8");

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Every key path of `values` that the chart's values.yaml does not have. A key whose default is a
 * map the templates range over or dump (featureGates, extraCommandArgs, podDisruptionBudget, ...)
 * takes any sub-keys; a key absent from values.yaml passes only if a vendored template reads it.
 */
function unknownKeys(values: Record<string, unknown>, defaults: Record<string, unknown>, at: string[] = []): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const here = [...at, k];
        if (!(k in defaults)) {
            const read = new RegExp(`\\.Values\\.${here.join("\\.")}(?![A-Za-z0-9_])`);
            if (!read.test(apiserverTemplate)) out.push(here.join("."));
            continue;
        }
        const d = defaults[k];
        const freeForm = isMap(d) && (Object.keys(d).length === 0 || ["featureGates", "extraCommandArgs"].includes(k));
        if (isMap(v) && isMap(d) && !freeForm) out.push(...unknownKeys(v, d, here));
    }
    return out;
}

const members: MemberInfo[] = [
    { name: "idc-sh", syncMode: "Push", provider: "idc", region: "cn-shanghai-idc1", zones: ["rack-a", "rack-b"] },
    { name: "eks-apne1", syncMode: "Push", provider: "aws", region: "ap-northeast-1", zones: ["ap-northeast-1a"] },
    { name: "ack-sh", syncMode: "Pull", provider: "alibabacloud", region: "cn-shanghai", zones: ["cn-shanghai-e"] },
];

function assertValid(m: Manifest): void {
    const errors = validateCustomResource(m as any);
    assert.deepStrictEqual(errors, [], `${m.kind} ${m.metadata.name}:\n  ${errors.join("\n  ")}`);
}

describe("federation renderers", () => {
    describe("karmada chart values (checked against values.yaml at the pinned tag)", () => {
        const prodArgs = federationArgs(loadStackSpec("prod"));
        const certKeys = { caCrt: "x", caKey: "x", crt: "x", key: "x", frontProxyCaCrt: "x", frontProxyCrt: "x", frontProxyKey: "x" };

        it("host mode: every key the program sets exists in the chart", () => {
            const values = hostValues(prodArgs.controlPlane);
            values.certs = { ...values.certs, custom: certKeys };
            assert.deepStrictEqual(unknownKeys(values, chartValues), []);
        });

        it("the check catches a key the chart does not have", () => {
            assert.deepStrictEqual(unknownKeys({ apiServer: { serviceAnnotation: {} }, etcd: { internal: { pvcs: {} } } }, chartValues), [
                "apiServer.serviceAnnotation",
                "etcd.internal.pvcs",
            ]);
        });

        it("agent mode: every key the program sets exists in the chart", () => {
            const values = agentValues("ack-sh", "https://10.30.0.5:6443", "https://karmada.acme.internal:5443");
            values.agent.kubeconfig = { ...values.agent.kubeconfig, caCrt: "x", crt: "x", key: "x" };
            assert.deepStrictEqual(unknownKeys(values, chartValues), []);
        });

        it("pins every image the release uses (the chart in git says latest)", () => {
            const values = hostValues(prodArgs.controlPlane);
            const tags: string[] = [];
            const walk = (v: unknown) => {
                if (!isMap(v)) return;
                if (isMap(v.image) && typeof v.image.tag === "string") tags.push(v.image.tag);
                Object.values(v).forEach(walk);
            };
            walk(values);
            assert.ok(tags.length >= 9, `only ${tags.length} images pinned`);
            assert.ok(!tags.includes("latest"));
            // Every component of host mode that runs by default has its tag set (the chart's `latest` would apply otherwise).
            for (const c of ["scheduler", "webhook", "controllerManager", "aggregatedApiServer", "apiServer", "kubeControllerManager", "cfssl", "kubectl"]) {
                assert.ok(values[c]?.image?.tag, `${c} image not pinned`);
            }
            assert.strictEqual(values.etcd.internal.image.tag, KARMADA.etcdTag);
        });

        it("etcd: PVC-backed members, not one hostPath; an internal load balancer for the API server", () => {
            const v = hostValues(prodArgs.controlPlane);
            assert.deepStrictEqual(v.etcd.internal.replicaCount, 3);
            assert.strictEqual(v.etcd.internal.storageType, "pvc");
            assert.strictEqual(v.etcd.internal.pvc.size, "20Gi");
            assert.strictEqual(v.apiServer.serviceType, "LoadBalancer");
            // prod's hub is idc-sh with Calico: its LoadBalancer IPAM takes the address from the spec.
            assert.deepStrictEqual(v.apiServer.serviceAnnotations, { "projectcalico.org/loadBalancerIPs": '["10.12.0.10"]' });
            assert.ok(apiserverTemplate.includes("{{- with .Values.apiServer.serviceAnnotations }}"));
        });

        it("with HA etcd, every component runs twice (the API server three times) behind a disruption budget; one replica without", () => {
            const v = hostValues(prodArgs.controlPlane);
            assert.strictEqual(v.apiServer.replicaCount, 3);
            for (const c of ["kubeControllerManager", "aggregatedApiServer", "scheduler", "webhook", "controllerManager"]) {
                assert.strictEqual(v[c].replicaCount, 2, c);
                assert.deepStrictEqual(v[c].podDisruptionBudget, { maxUnavailable: 1 }, c);
            }
            assert.deepStrictEqual(v.apiServer.podDisruptionBudget, { maxUnavailable: 1 });
            const single = hostValues({ ...prodArgs.controlPlane, etcd: { ...prodArgs.controlPlane.etcd, replicas: 1 } });
            assert.deepStrictEqual([single.apiServer.replicaCount, single.scheduler.replicaCount, single.scheduler.podDisruptionBudget], [1, 1, undefined]);
            // A Pull member's agent: two replicas, one down at a time.
            const agent = agentValues("ack-sh", "https://10.30.0.5:6443", "https://karmada.acme.internal:5443").agent;
            assert.deepStrictEqual([agent.replicaCount, agent.podDisruptionBudget], [2, { maxUnavailable: 1 }]);
        });

        it("failover turns on the controller's feature gate and NoExecute eviction explicitly", () => {
            const v = hostValues(prodArgs.controlPlane);
            assert.strictEqual(v.controllerManager.featureGates.Failover, true);
            // Evicted workloads leave only once their replacement is up elsewhere (GracefulEviction).
            assert.strictEqual(v.controllerManager.featureGates.GracefulEviction, true);
            assert.deepStrictEqual(v.controllerManager.extraCommandArgs, {
                "enable-no-execute-taint-eviction": "true",
                "no-execute-taint-eviction-purge-mode": "Gracefully",
            });
            const off = hostValues({ ...prodArgs.controlPlane, failover: undefined });
            assert.strictEqual(off.controllerManager.featureGates, undefined);
        });

        it("the certificate names every address members use", () => {
            const h = certHosts({ dnsName: "karmada.acme.internal", address: "10.12.0.10" });
            assert.ok(h.dnsNames.includes("karmada.acme.internal"));
            assert.ok(h.ipAddresses.includes("10.12.0.10"));
            // In-cluster names the chart's own certs.auto.hosts list (etcd peers, services).
            for (const d of chartValues.certs.auto.hosts.filter((x: string) => !/^[0-9.]+$/.test(x))) {
                assert.ok(
                    h.dnsNames.includes(d.replace("{{ .Release.Namespace }}", "karmada-system").replace("{{ .Values.clusterDomain }}", "cluster.local")),
                    d,
                );
            }
        });

        it("the kubeconfig is a kubeconfig for karmada-apiserver", () => {
            const k = YAML.parse(kubeconfig("https://karmada.acme.internal:5443", "CA", "CRT", "KEY"));
            assert.strictEqual(k.clusters[0].cluster.server, "https://karmada.acme.internal:5443");
            assert.strictEqual(Buffer.from(k.users[0].user["client-key-data"], "base64").toString(), "KEY");
            assert.strictEqual(k["current-context"], "karmada-apiserver");
        });
    });

    describe("custom resources against Karmada's CRDs (v1.18.2)", () => {
        const args = federationArgs(loadStackSpec("prod"));

        it("prod's propagation policies validate", () => {
            assert.strictEqual(args.policies.length, 2);
            for (const p of args.policies) assertValid(propagationPolicy(p, members));
        });

        it("every placement shape validates: static, dynamic, duplicate, failover groups, spread", () => {
            const shapes = [
                {
                    name: "a",
                    namespace: "ns",
                    resources: [{ apiVersion: "apps/v1", kind: "Deployment", name: "a" }],
                    namespaces: [],
                    replicas: { divide: "static" as const, weights: { "idc-sh": 3, "ack-sh": 1 } },
                    clusters: ["idc-sh", "ack-sh"],
                },
                {
                    name: "b",
                    namespace: "ns",
                    resources: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "b" }],
                    namespaces: [],
                    replicas: { divide: "dynamic" as const },
                    spread: { by: "region" as const, minGroups: 2 },
                },
                { name: "c", resources: [], namespaces: ["ns"], replicas: { divide: "duplicate" as const }, failover: [["idc-sh"], ["eks-apne1", "ack-sh"]] },
            ];
            for (const p of shapes) assertValid(propagationPolicy(p, members));
            const b = propagationPolicy(shapes[1], members) as any;
            // Karmada requires the `cluster` constraint beside a region/provider one.
            assert.deepStrictEqual(
                b.spec.placement.spreadConstraints.map((s: any) => s.spreadByField),
                ["region", "cluster"],
            );
            assert.strictEqual(b.spec.placement.replicaScheduling.weightPreference.dynamicWeight, "AvailableReplicas");
            const c = propagationPolicy(shapes[2], members) as any;
            assert.strictEqual(c.kind, "ClusterPropagationPolicy");
            assert.deepStrictEqual(
                c.spec.placement.clusterAffinities.map((a: any) => a.clusterNames),
                [["idc-sh"], ["eks-apne1", "ack-sh"]],
            );
            assert.strictEqual(c.spec.placement.clusterAffinity, undefined);
        });

        it("the validator rejects a wrong placement (the check can fail)", () => {
            const bad = propagationPolicy(args.policies[1], members) as any;
            bad.spec.placement.replicaScheduling.replicaDivisionPreference = "Evenly";
            assert.ok(validateCustomResource(bad).length > 0);
        });

        it("override policies validate: registry, replicas, labels per cluster", () => {
            for (const o of args.overrides) assertValid(overridePolicy(o));
            const o = overridePolicy({
                name: "x",
                namespace: "ns",
                resources: [{ apiVersion: "apps/v1", kind: "Deployment", name: "x" }],
                rules: [{ clusters: ["ack-sh"], imageRegistry: "registry.example.com/acme", replicas: 2, labels: { site: "sh" } }],
            }) as any;
            assertValid(o);
            assert.deepStrictEqual(Object.keys(o.spec.overrideRules[0].overriders).sort(), ["imageOverrider", "labelsOverrider", "plaintext"]);
        });

        it("the cluster taint policy validates", () => {
            assertValid(clusterTaintPolicy(members.map((m) => m.name)));
        });
    });

    describe("Cluster (cluster.karmada.io/v1alpha1, aggregated API: no CRD)", () => {
        // The json names of ClusterSpec's fields and which are required, from
        // karmada-io/karmada v1.18.2 pkg/apis/cluster/v1alpha1/types.go (type ClusterSpec, lines 56-204):
        // id, syncMode (required, enum Push;Pull), apiEndpoint, secretRef, impersonatorSecretRef,
        // insecureSkipTLSVerification, proxyURL, proxyHeader, provider, region, zone (deprecated), zones,
        // taints, resourceModels; LocalSecretReference (lines 269-275): namespace, name (both required).
        const SPEC_FIELDS = [
            "id",
            "syncMode",
            "apiEndpoint",
            "secretRef",
            "impersonatorSecretRef",
            "insecureSkipTLSVerification",
            "proxyURL",
            "proxyHeader",
            "provider",
            "region",
            "zone",
            "zones",
            "taints",
            "resourceModels",
        ];

        for (const m of members) {
            it(`${m.syncMode} member ${m.name}: only ClusterSpec fields, typed as the Go types say`, () => {
                const c = clusterObject(m, "https://10.0.0.1:6443") as any;
                assert.strictEqual(c.apiVersion, "cluster.karmada.io/v1alpha1");
                assert.deepStrictEqual(
                    Object.keys(c.spec).filter((k) => !SPEC_FIELDS.includes(k)),
                    [],
                );
                assert.strictEqual(c.spec.syncMode, m.syncMode);
                assert.deepStrictEqual([c.kind, c.metadata.name], ["Cluster", m.name]);
                assert.ok(Array.isArray(c.spec.zones) && c.spec.zones.every((z: unknown) => typeof z === "string"));
                for (const ref of ["secretRef", "impersonatorSecretRef"]) {
                    if (c.spec[ref] === undefined) continue;
                    assert.deepStrictEqual(Object.keys(c.spec[ref]).sort(), ["name", "namespace"]);
                }
                // Push: credentials where join puts them; Pull: the agent reports its own.
                if (m.syncMode === "Push") assert.deepStrictEqual(c.spec.secretRef, { namespace: "karmada-cluster", name: m.name });
                else assert.strictEqual(c.spec.secretRef, undefined);
            });
        }
    });

    describe("what karmadactl join and register create", () => {
        it("join: karmada-<cluster> and karmada-impersonator with token Secrets, cluster-wide RBAC, in karmada-cluster", () => {
            const o = pushMemberObjects("eks-apne1");
            assert.strictEqual(o.serviceAccount.metadata.name, "karmada-eks-apne1");
            assert.strictEqual(o.impersonator.metadata.name, "karmada-impersonator");
            assert.strictEqual(o.clusterRole.metadata.name, "karmada-controller-manager:karmada-eks-apne1");
            assert.strictEqual(o.tokenSecret.type, "kubernetes.io/service-account-token");
            assert.deepStrictEqual(o.tokenSecret.metadata.annotations, { "kubernetes.io/service-account.name": "karmada-eks-apne1" });
            for (const m of Object.values(o))
                if (m.kind !== "Namespace" && !m.kind.startsWith("Cluster")) assert.strictEqual(m.metadata.namespace, "karmada-cluster");
        });

        it("register: the agent identity's roles in karmada-apiserver, bound to system:karmada:agent:<cluster>", () => {
            const r = agentRbac("ack-sh");
            assert.strictEqual(r.executionNamespace.metadata.name, "karmada-es-ack-sh");
            const bindings = r.objects.filter((o) => o.kind.endsWith("Binding")) as any[];
            assert.strictEqual(bindings.length, 3);
            for (const b of bindings)
                assert.deepStrictEqual(b.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:karmada:agent:ack-sh" }]);
            const clusterRole = r.objects.find((o) => o.kind === "ClusterRole") as any;
            assert.ok(clusterRole.rules.some((x: any) => x.resources.includes("clusters/status") && x.resourceNames?.includes("ack-sh")));
            // The Cluster exists before the agent starts (clusterObject), and the agent updates one whose
            // spec differs from what it reports: update on its own Cluster, on no other.
            const updates = clusterRole.rules.filter((x: any) => x.resources.includes("clusters") && x.verbs.includes("update"));
            assert.deepStrictEqual(
                updates.map((x: any) => x.resourceNames),
                [["ack-sh"]],
            );
            // Every rule that reads or changes a Cluster or a Secret names the member's own objects.
            const rules = r.objects.filter((o) => o.kind === "ClusterRole" || o.kind === "Role").flatMap((o: any) => o.rules);
            const touches = (x: any, kinds: string[], verbs: string[]) =>
                x.resources?.some((k: string) => kinds.includes(k)) && x.verbs.some((v: string) => verbs.includes(v));
            for (const x of rules.filter((x: any) => touches(x, ["clusters", "clusters/status", "secrets"], ["get", "update", "patch", "delete"])))
                assert.ok(x.resourceNames?.length > 0, JSON.stringify(x));
            assert.deepStrictEqual(
                rules.filter((x: any) => touches(x, ["secrets"], ["get", "patch"])).map((x: any) => x.resourceNames),
                [["ack-sh", "ack-sh-impersonator"]],
            );
            // It asks for its certificate and never approves one: no update, no approval subresource, no signer.
            const csr = rules.filter((x: any) => x.resources?.some((k: string) => k.startsWith("certificatesigningrequests") || k === "signers"));
            assert.deepStrictEqual(
                csr.map((x: any) => [x.resources, x.verbs]),
                [[["certificatesigningrequests"], ["get", "create"]]],
            );
        });
    });
});
