// Monitoring on the mock engine: kube-prometheus-stack with the Thanos sidecar on every cluster of
// the prod and dev fleets, the objstore configs per site (as Thanos objstore shapes, secret), one
// compactor per bucket in the bucket's own site, Thanos Query on the hub over every sidecar and
// store gateway with mTLS, the wiring (providers, parents, protect), every monitoring.coreos.com
// object against the chart's CRDs, every Helm values key against the chart's values.yaml, and the
// same resources in preview mode.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { SECRETS } from "../../../components/observability/clusterMonitoring";
import { bucketKey, durationHours, externalLabels, kubePrometheusStackValues } from "../../../components/observability/render";
import { GRPC_SERVER_NAME, KUBE_PROMETHEUS_STACK, REPLICA_LABEL, THANOS } from "../../../components/observability/versions";
import { FleetSpec } from "../../../stacks/spec";
import { k8sProviderName } from "../../../stacks/types";
import { crdSchemas, validateCustomResource } from "../../crds";
import { Inventory, linkResources, loadStackSpec, plainTextOccurrences, RegisteredResource, runFleet, SecretValue } from "../../harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    configMap: "kubernetes:core/v1:ConfigMap",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
};

const VALUES = YAML.parse(
    fs.readFileSync(path.join(__dirname, "..", "..", "fixtures", "charts", `kube-prometheus-stack-${KUBE_PROMETHEUS_STACK.version}`, "values.yaml"), "utf8"),
);

/** A value with every Pulumi secret marker removed (what the provider would receive). */
const reveal = (v: any): any =>
    v instanceof SecretValue
        ? reveal(v.value)
        : Array.isArray(v)
          ? v.map(reveal)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]))
            : v;

/** The cluster a Kubernetes object goes to: the one whose provider it names. */
/**
 * The fields of a Prometheus's thanos.grpcServerTlsConfig the operator reads, from the CRD's own
 * description ("Currently only the `minVersion`, `caFile`, ... fields are supported").
 */
const SIDECAR_TLS_FIELDS: string[] = (() => {
    const schema = crdSchemas("monitoring.coreos.com/v1", "Prometheus")[0] as any;
    const note: string = schema.properties.spec.properties.thanos.properties.grpcServerTlsConfig.description;
    const supported = /only the (.*) fields are supported/.exec(note);
    assert.ok(supported, `the CRD no longer says which grpcServerTlsConfig fields are supported: ${note}`);
    return [...supported[1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
})();
const clusterOf = (inv: Inventory, r: RegisteredResource) => inv.providerOf(r)?.name.replace(/-k8s$/, "");
const inClusterOfType = (inv: Inventory, cluster: string, type: string) => inv.ofType(type).filter((r) => clusterOf(inv, r) === cluster);
const monitoringRelease = (inv: Inventory, cluster: string) =>
    inClusterOfType(inv, cluster, T.release).find((r) => r.inputs.chart === KUBE_PROMETHEUS_STACK.chart)!;

/** Every values path we set that the pinned chart does not know (maps the chart leaves `{}` are open). */
function unknownValuesKeys(set: any, chart: any, at: string[] = []): string[] {
    if (!set || typeof set !== "object" || Array.isArray(set)) return [];
    if (chart && typeof chart === "object" && !Array.isArray(chart) && Object.keys(chart).length === 0) return [];
    return Object.entries(set).flatMap(([k, v]) => {
        if (!chart || typeof chart !== "object" || !(k in chart)) return [[...at, k].join(".")];
        return unknownValuesKeys(v, chart[k], [...at, k]);
    });
}

// The objstore client's config keys (thanos-io/objstore 71d60dfee488, the version Thanos v0.42.4
// builds with: providers/s3/s3.go Config, providers/oss/oss.go Config).
const OBJSTORE_KEYS = {
    S3: [
        "bucket",
        "endpoint",
        "region",
        "disable_dualstack",
        "aws_sdk_auth",
        "access_key",
        "insecure",
        "signature_version2",
        "secret_key",
        "session_token",
        "put_user_metadata",
        "http_config",
        "trace",
        "list_objects_version",
        "bucket_lookup_type",
        "send_content_md5",
        "disable_multipart",
        "part_size",
        "sse_config",
        "sts_endpoint",
        "max_retries",
    ],
    OSS: ["endpoint", "bucket", "access_key_id", "access_key_secret"],
};
/** The shape checks objstore makes (s3.go validate(); oss.go NewTestBucket/validate): errors, empty = valid. */
function objstoreErrors(doc: any): string[] {
    const errors: string[] = [];
    if (!doc || typeof doc !== "object") return ["not a mapping"];
    for (const k of Object.keys(doc)) if (!["type", "config", "prefix"].includes(k)) errors.push(`unknown top-level key ${k}`);
    const keys = OBJSTORE_KEYS[doc.type as keyof typeof OBJSTORE_KEYS];
    if (!keys) return [...errors, `unknown type ${doc.type}`];
    for (const k of Object.keys(doc.config ?? {})) if (!keys.includes(k)) errors.push(`${doc.type}: unknown key ${k}`);
    const c = doc.config ?? {};
    if (doc.type === "S3") {
        if (!c.bucket || !c.endpoint) errors.push("S3: bucket and endpoint are required");
        if (/^https?:\/\//.test(c.endpoint ?? "")) errors.push("S3: endpoint is host[:port], without a scheme");
        if (Boolean(c.access_key) !== Boolean(c.secret_key)) errors.push("S3: access_key and secret_key go together");
        if (c.aws_sdk_auth && c.access_key) errors.push("S3: aws_sdk_auth excludes a static key");
    } else {
        for (const k of keys) if (!c[k]) errors.push(`OSS: ${k} is required`);
    }
    return errors;
}

function assertValid(obj: { apiVersion: string; kind: string; [k: string]: unknown }, what: string): void {
    const errors = validateCustomResource(obj);
    assert.deepStrictEqual(errors, [], `${what}:\n  ${errors.join("\n  ")}`);
}

for (const stack of ["prod", "dev"] as const) {
    describe(`observability: ${stack} fleet`, () => {
        let spec: FleetSpec;
        let inv: Inventory;

        before(async () => {
            spec = loadStackSpec(stack);
            ({ inventory: inv } = await runFleet(spec, stack));
        });

        it("installs kube-prometheus-stack 88.5.3 on every cluster, its values keys all in the chart's values.yaml", () => {
            for (const c of spec.clusters) {
                const r = monitoringRelease(inv, c.name);
                assert.ok(r, `no kube-prometheus-stack on ${c.name}`);
                assert.strictEqual(r.inputs.version, "88.5.3");
                assert.strictEqual(r.inputs.repositoryOpts.repo, "https://prometheus-community.github.io/helm-charts");
                assert.strictEqual(r.inputs.namespace, "monitoring");
                assert.deepStrictEqual(unknownValuesKeys(reveal(r.inputs.values), VALUES), [], c.name);
            }
            // The check itself sees a key the chart lacks.
            assert.deepStrictEqual(unknownValuesKeys({ prometheus: { prometheusSpec: { retentionn: "1d" } } }, VALUES), [
                "prometheus.prometheusSpec.retentionn",
            ]);
        });

        it("labels every Prometheus with {cluster, site, region, environment}, unique fleet-wide, retention >= 6h, with the pinned sidecar", () => {
            const seen = new Set<string>();
            for (const c of spec.clusters) {
                const p = monitoringRelease(inv, c.name).inputs.values.prometheus.prometheusSpec;
                assert.deepStrictEqual(p.externalLabels, { cluster: c.name, site: c.provider, region: c.region, environment: spec.environment });
                assert.deepStrictEqual(p.externalLabels, externalLabels({ name: c.name, site: c.provider, region: c.region, environment: spec.environment }));
                seen.add(JSON.stringify(p.externalLabels));
                assert.strictEqual(p.retention, spec.observability.prometheus.retention);
                assert.ok(durationHours(p.retention) >= 6);
                assert.strictEqual(p.replicaExternalLabelName, REPLICA_LABEL);
                // The sidecar reads its serving certificate from the Secret's volume, read-only.
                assert.deepStrictEqual(p.thanos.volumeMounts, [{ name: `secret-${SECRETS.grpcTls}`, mountPath: "/etc/thanos/grpc-tls", readOnly: true }]);
                // Every ServiceMonitor, PodMonitor, Probe and PrometheusRule of the cluster, not only the release's own.
                for (const k of [
                    "ruleSelectorNilUsesHelmValues",
                    "serviceMonitorSelectorNilUsesHelmValues",
                    "podMonitorSelectorNilUsesHelmValues",
                    "probeSelectorNilUsesHelmValues",
                ])
                    assert.strictEqual(p[k], false, k);
                // Room for the local retention's blocks before the sidecar uploads them.
                assert.deepStrictEqual(p.storageSpec.volumeClaimTemplate.spec, {
                    accessModes: ["ReadWriteOnce"],
                    resources: { requests: { storage: "50Gi" } },
                });
                assert.strictEqual(p.thanos.image, THANOS.image);
                assert.deepStrictEqual(p.thanos.objectStorageConfig.existingSecret, { name: SECRETS.objstore, key: "objstore.yml" });
                // The Prometheus object the chart renders from prometheusSpec, against the operator's CRD.
                const { thanos, externalLabels: labels, retention, replicaExternalLabelName, secrets } = p;
                const { image, objectStorageConfig, ...rest } = thanos;
                assertValid(
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "Prometheus",
                        metadata: { name: "kps-prometheus", namespace: "monitoring" },
                        spec: {
                            externalLabels: labels,
                            retention,
                            replicaExternalLabelName,
                            secrets,
                            thanos: { image, objectStorageConfig: objectStorageConfig.existingSecret, ...rest },
                        },
                    },
                    `${c.name} Prometheus`,
                );
                // The sidecar serves mTLS: only the fields the operator reads (the CRD's own note lists
                // them; a secret reference there validates and is ignored, leaving gRPC in plain text),
                // each a file of the TLS secret, in the volume the operator makes of it (`secret-<name>`
                // for each spec.secrets entry) and the sidecar container mounts.
                const tls = rest.grpcServerTlsConfig;
                assert.deepStrictEqual(Object.keys(tls).sort(), ["caFile", "certFile", "keyFile"], `${c.name}: the sidecar's gRPC TLS`);
                assert.deepStrictEqual(
                    Object.keys(tls).filter((k) => !SIDECAR_TLS_FIELDS.includes(k)),
                    [],
                    `${c.name}: fields the operator ignores`,
                );
                assert.ok(secrets.includes(SECRETS.grpcTls), `${c.name}: spec.secrets mounts the TLS secret`);
                const [tlsSecret] = inClusterOfType(inv, c.name, T.secret).filter((s) => s.inputs.metadata.name === SECRETS.grpcTls);
                const secretKeys = Object.keys(reveal(tlsSecret.inputs.stringData));
                for (const file of Object.values(tls) as string[]) {
                    const mount = rest.volumeMounts.find((m: { mountPath: string }) => file.startsWith(`${m.mountPath}/`));
                    assert.ok(mount, `${c.name}: ${file} is under no volume the sidecar mounts`);
                    assert.strictEqual(mount.name, `secret-${SECRETS.grpcTls}`, `${c.name}: ${file}`);
                    assert.ok(
                        secretKeys.includes(file.slice(mount.mountPath.length + 1)),
                        `${c.name}: ${file} is not a key of the TLS secret (${secretKeys.join(", ")})`,
                    );
                }
            }
            assert.strictEqual(seen.size, spec.clusters.length);
        });

        it("writes each cluster's objstore config for its own site's store, as a Thanos objstore shape, secret", () => {
            for (const c of spec.clusters) {
                const [secret] = inClusterOfType(inv, c.name, T.secret).filter((s) => s.inputs.metadata.name === SECRETS.objstore);
                assert.ok(secret, c.name);
                assert.ok(
                    JSON.stringify(secret.inputs.stringData).includes("[secret]") ||
                        secret.inputs.stringData instanceof SecretValue ||
                        secret.inputs.stringData["objstore.yml"] instanceof SecretValue,
                    `${c.name}: objstore config not secret`,
                );
                const doc = YAML.parse(reveal(secret.inputs.stringData)["objstore.yml"]);
                assert.deepStrictEqual(objstoreErrors(doc), [], c.name);
                assert.strictEqual(doc.config.bucket, c.metrics.objectStore.bucket);
                if (c.provider === "eks")
                    assert.deepStrictEqual(doc, {
                        type: "S3",
                        config: { bucket: c.metrics.objectStore.bucket, endpoint: `s3.${c.region}.amazonaws.com`, region: c.region, aws_sdk_auth: true },
                    });
                if (c.provider === "ack") assert.strictEqual(doc.type, "OSS");
                if (c.provider === "idc") {
                    assert.strictEqual(doc.type, "S3");
                    assert.strictEqual(doc.config.endpoint, new URL(c.metrics.objectStore.endpoint!).host);
                    assert.strictEqual(doc.config.secret_key, "[offline placeholder for idcStoreSecretAccessKey]");
                }
            }
            // The validator sees a broken shape.
            assert.ok(objstoreErrors({ type: "S3", config: { bucket: "b", endpoint: "https://x", aws_sdk_auth: true, access_key: "a" } }).length >= 3);
            // No key, URL or credential in plain text anywhere.
            for (const needle of [
                "[offline placeholder for idcStoreSecretAccessKey]",
                "[offline placeholder for alertWebhookOncall]",
                "mock-access-key-secret",
                "PRIVATE KEY",
            ]) {
                assert.deepStrictEqual(plainTextOccurrences(inv, needle), [], needle);
            }
        });

        it("gives ACK's Thanos a RAM user scoped to its bucket, its key a secret output (OSS takes only a static key)", () => {
            const ack = spec.clusters.filter((c) => c.provider === "ack");
            assert.strictEqual(inv.ofType("alicloud:ram/accessKey:AccessKey").filter((k) => k.name.endsWith("-monitoring-oss-writer")).length, ack.length);
            for (const c of ack) {
                const key = inv.named("alicloud:ram/accessKey:AccessKey", `${c.name}-monitoring-oss-writer`);
                assert.ok(key.additionalSecretOutputs.includes("secret"));
                const policy = JSON.parse(inv.named("alicloud:ram/policy:Policy", `${c.name}-monitoring-oss-writer`).inputs.policyDocument);
                const resources = policy.Statement.flatMap((s: any) => s.Resource).filter((r: string) => r.startsWith("acs:oss"));
                assert.deepStrictEqual(resources, [`acs:oss:*:*:${c.metrics.objectStore.bucket}`, `acs:oss:*:*:${c.metrics.objectStore.bucket}/*`]);
                // KMS only on the bucket's own SSE key (the site's metrics store key), never a region-wide wildcard.
                const storeKey = inv.named("alicloud:kms/key:Key", `${c.name}-metrics-key`);
                const kms = policy.Statement.filter((s: any) => s.Action.some((a: string) => a.startsWith("kms:")));
                assert.strictEqual(kms.length, 1);
                assert.deepStrictEqual(kms[0].Resource, [storeKey.state.arn]);
                assert.ok(!kms[0].Resource[0].includes("*"), kms[0].Resource[0]);
            }
        });

        it("runs exactly one compactor per bucket, with store gateways and disks, in the bucket's own site", () => {
            const compactors = inv.ofType(T.statefulSet).filter((s) => s.inputs.metadata.labels["app.kubernetes.io/component"] === "compactor");
            // Every cluster running Thanos workloads scrapes them (a halted compactor alerts).
            const podMonitors = inv.ofType("kubernetes:monitoring.coreos.com/v1:PodMonitor").map((p) => clusterOf(inv, p));
            assert.deepStrictEqual(podMonitors.sort(), [...new Set(compactors.map((c) => clusterOf(inv, c)))].sort());
            const buckets = new Map(spec.clusters.map((c) => [bucketKey(c.metrics.objectStore), c]));
            assert.strictEqual(compactors.length, buckets.size);
            for (const [, owner] of buckets) {
                const bucket = owner.metrics.objectStore.bucket;
                const mine = compactors.filter((s) => s.name.includes(bucket));
                assert.strictEqual(mine.length, 1, bucket);
                const [compactor] = mine;
                assert.strictEqual(clusterOf(inv, compactor), owner.name, `${bucket}'s compactor runs in ${clusterOf(inv, compactor)}`);
                assert.strictEqual(compactor.inputs.spec.replicas, 1);
                const args: string[] = compactor.inputs.spec.template.spec.containers[0].args;
                const r = spec.observability.compactor.retention;
                for (const flag of [
                    `--retention.resolution-raw=${r.raw}`,
                    `--retention.resolution-5m=${r.fiveMinutes}`,
                    `--retention.resolution-1h=${r.oneHour}`,
                    "--wait",
                    // The two Prometheus replicas' blocks are one series after compaction.
                    `--deduplication.replica-label=${REPLICA_LABEL}`,
                ])
                    assert.ok(args.includes(flag), flag);
                assert.strictEqual(args.includes("--downsampling.disable"), !spec.observability.compactor.downsampling);
                assert.ok(compactor.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage);
                const store = inv.ofType(T.statefulSet).find((s) => s.name.endsWith(`${bucket}-store`))!;
                assert.strictEqual(clusterOf(inv, store), owner.name);
                assert.strictEqual(store.inputs.spec.replicas, spec.observability.storeGateway.replicas);
                assert.ok(store.inputs.spec.volumeClaimTemplates.length === 1);
                assert.ok(store.inputs.spec.template.spec.containers[0].args.includes("--grpc-server-tls-client-ca=/etc/thanos/tls/ca.crt"));
                for (const s of [compactor, store]) {
                    assert.strictEqual(s.inputs.spec.template.spec.serviceAccountName, "thanos", "the identity the EKS/ACK store trusts");
                    assert.strictEqual(s.inputs.spec.template.spec.containers[0].image, THANOS.image);
                }
            }
        });

        it("runs Thanos Query on the hub over every sidecar and store gateway, deduplicating on the replica label, with mTLS", () => {
            const [query] = inClusterOfType(inv, spec.hub, T.deployment).filter((d) => d.inputs.metadata.name === "thanos-query");
            assert.ok(query, "no Thanos Query on the hub");
            assert.strictEqual(inv.ofType(T.deployment).filter((d) => d.inputs.metadata.name === "thanos-query").length, 1);
            const args: string[] = query.inputs.spec.template.spec.containers[0].args;
            assert.ok(args.includes(`--query.replica-label=${REPLICA_LABEL}`));
            assert.ok(args.includes("--endpoint.sd-config-file=/etc/thanos/endpoints/endpoints.yaml"));
            const [cm] = inClusterOfType(inv, spec.hub, T.configMap).filter((c) => c.inputs.metadata.name === "thanos-query-endpoints");
            const sd = YAML.parse(cm.inputs.data["endpoints.yaml"]);
            assert.strictEqual(sd.default_client_config.server_name, GRPC_SERVER_NAME);
            assert.strictEqual(sd.default_client_config.tls_config.enabled, true);
            // Every hop crosses the links: TLS 1.3 only, with the fleet CA and Query's client certificate.
            assert.strictEqual(sd.default_client_config.tls_config.min_version, "1.3");
            assert.strictEqual(sd.default_client_config.tls_config.ca_file, "/etc/thanos/tls/ca.crt");
            // Exactly the LoadBalancer Services of every sidecar and store gateway, by their addresses.
            const lbs = inv.ofType(T.service).filter((s) => s.inputs.spec.type === "LoadBalancer" && s.inputs.spec.ports[0].port === 10901);
            const buckets = new Set(spec.clusters.map((c) => bucketKey(c.metrics.objectStore)));
            assert.strictEqual(lbs.length, spec.clusters.length + buckets.size);
            assert.deepStrictEqual(
                sd.endpoints.map((e: any) => e.address).sort(),
                lbs.map((s) => `${s.state.status.loadBalancer.ingress[0].hostname}:10901`).sort(),
            );
            const frontend = inClusterOfType(inv, spec.hub, T.deployment).find((d) => d.inputs.metadata.name === "thanos-query-frontend")!;
            assert.ok(
                frontend.inputs.spec.template.spec.containers[0].args.includes("--query-frontend.downstream-url=http://thanos-query.monitoring.svc:10902"),
            );
            // Only the hub runs Grafana, with the Thanos data source and the four fleet dashboards.
            for (const c of spec.clusters) assert.strictEqual(monitoringRelease(inv, c.name).inputs.values.grafana.enabled, c.name === spec.hub, c.name);
            // Grafana's admin password is generated and secret, never the chart's default.
            assert.strictEqual(monitoringRelease(inv, spec.hub).inputs.values.grafana.admin.existingSecret, SECRETS.grafanaAdmin);
            const admin = inClusterOfType(inv, spec.hub, T.secret).find((x) => x.inputs.metadata.name === SECRETS.grafanaAdmin)!;
            assert.ok(
                JSON.stringify(admin.inputs.stringData).includes("[secret]") ||
                    admin.inputs.stringData instanceof SecretValue ||
                    admin.inputs.stringData["admin-password"] instanceof SecretValue,
            );
            const grafanaMaps = inClusterOfType(inv, spec.hub, T.configMap).filter((m) => m.inputs.metadata.labels?.grafana_dashboard === "1");
            assert.deepStrictEqual(grafanaMaps.map((m) => m.inputs.metadata.name).sort(), [
                "dashboard-fleet-apiserver",
                "dashboard-fleet-cluster-health",
                "dashboard-fleet-etcd",
                "dashboard-fleet-node-resources",
            ]);
            const ds = inClusterOfType(inv, spec.hub, T.configMap).find((m) => m.inputs.metadata.labels?.grafana_datasource === "1")!;
            assert.strictEqual(JSON.parse(ds.inputs.data["thanos.yaml"]).datasources[0].url, "http://thanos-query-frontend.monitoring.svc:10902");
        });

        it("gives every workload of its own (Thanos, the exporters, the proxy) the Restricted profile's security settings and a read-only root filesystem", () => {
            const workloads = inv.resources.filter(
                (r) =>
                    (r.type === T.statefulSet || r.type === T.deployment || r.type === "kubernetes:apps/v1:DaemonSet") &&
                    r.inputs.metadata?.namespace === "monitoring",
            );
            assert.ok(workloads.length >= 4, `${workloads.length} workloads`);
            for (const w of workloads) {
                const pod = w.inputs.spec.template.spec;
                assert.strictEqual(pod.securityContext.runAsNonRoot, true, w.name);
                assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" }, w.name);
                for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                    const sc = c.securityContext ?? {};
                    assert.strictEqual(sc.allowPrivilegeEscalation, false, `${w.name}/${c.name}`);
                    assert.deepStrictEqual(sc.capabilities?.drop, ["ALL"], `${w.name}/${c.name}`);
                    assert.strictEqual(sc.readOnlyRootFilesystem, true, `${w.name}/${c.name}`);
                    assert.ok(!sc.privileged, `${w.name}/${c.name}`);
                }
            }
        });

        it("keeps every gRPC load balancer internal to its site and open only to the fleet's networks", () => {
            const lbs = inv.ofType(T.service).filter((s) => s.inputs.spec.type === "LoadBalancer");
            for (const s of lbs) {
                const site = spec.clusters.find((c) => c.name === clusterOf(inv, s))!.provider;
                const a = s.inputs.metadata.annotations ?? {};
                if (site === "eks") assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-internal"], "true", s.name);
                if (site === "ack") assert.strictEqual(a["service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"], "intranet", s.name);
                // Every cluster's site and pod networks, nothing else (never 0.0.0.0/0).
                assert.deepStrictEqual(
                    [...s.inputs.spec.loadBalancerSourceRanges].sort(),
                    spec.clusters.flatMap((c) => [c.provider === "idc" ? c.network.nodeCidr : c.network.vpcCidr, c.network.podCidr]).sort(),
                );
            }
        });

        it("issues every Thanos gRPC certificate from one protected fleet CA, keys secret", () => {
            assert.ok(inv.named("tls:index/privateKey:PrivateKey", "observability-ca").protect);
            assert.ok(inv.named("tls:index/selfSignedCert:SelfSignedCert", "observability-ca").protect);
            const tlsSecrets = inv.ofType(T.secret).filter((s) => s.inputs.metadata.name === SECRETS.grpcTls);
            assert.deepStrictEqual(tlsSecrets.map((s) => clusterOf(inv, s)).sort(), spec.clusters.map((c) => c.name).sort());
            const leaves = inv.ofType("tls:index/locallySignedCert:LocallySignedCert").filter((c) => c.name.includes("-observability-"));
            assert.strictEqual(leaves.length, spec.clusters.length + 1, "one server certificate per cluster, one client for Thanos Query");
            for (const l of leaves) assert.ok(l.inputs.caPrivateKeyPem instanceof SecretValue, l.name);
        });

        it("puts the platform alerts on every cluster; every monitoring.coreos.com object validates against the chart's CRDs", () => {
            const rules = inv.ofType(T.rule);
            assert.deepStrictEqual(rules.map((r) => clusterOf(inv, r)).sort(), spec.clusters.map((c) => c.name).sort());
            for (const r of inv.resources.filter((x) => x.type.startsWith("kubernetes:monitoring.coreos.com/"))) {
                assertValid({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec }, r.name);
            }
            const broken = structuredClone({
                apiVersion: rules[0].inputs.apiVersion,
                kind: rules[0].inputs.kind,
                metadata: rules[0].inputs.metadata,
                spec: rules[0].inputs.spec,
            });
            delete broken.spec.groups[0].name;
            assert.ok(validateCustomResource(broken).some((e) => e.includes("/spec/groups/0")));
            for (const c of spec.clusters) {
                const names = inClusterOfType(inv, c.name, T.rule)[0].inputs.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert));
                assert.ok(names.includes("ThanosSidecarNotUploading") && names.includes("KubeAPIServerErrorsHigh"), c.name);
                assert.strictEqual(names.includes("EtcdNoLeader"), c.provider === "idc", c.name);
                if (c.provider === "eks") assert.ok(names.includes("KarpenterCloudProviderErrors"));
                // ACK's managed cluster-autoscaler has no scrape target: its alert reads kube-state-metrics.
                if (c.provider === "ack") {
                    assert.strictEqual(names.includes("NodeAutoscalingNotProvisioning"), c.autoscaling.enabled, c.name);
                    assert.ok(!JSON.stringify(inClusterOfType(inv, c.name, T.rule)[0].inputs.spec).includes("cluster_autoscaler_"), c.name);
                }
            }
            // Alertmanager: the receivers' URLs sit in a Secret, the config names files only.
            for (const c of spec.clusters) {
                const am = monitoringRelease(inv, c.name).inputs.values.alertmanager;
                assertValid(
                    { apiVersion: "monitoring.coreos.com/v1", kind: "Alertmanager", metadata: { name: "kps-alertmanager" }, spec: am.alertmanagerSpec },
                    `${c.name} Alertmanager`,
                );
                const receivers = spec.observability.alertmanager.receivers;
                assert.deepStrictEqual(
                    am.config.receivers.map((r: any) => r.name),
                    ["null", ...receivers.map((r) => r.name)],
                );
                for (const r of am.config.receivers.slice(1))
                    assert.match(r.webhook_configs[0].url_file, /^\/etc\/alertmanager\/secrets\/alertmanager-webhooks\//);
                const hooks = inClusterOfType(inv, c.name, T.secret).filter((s) => s.inputs.metadata.name === SECRETS.webhooks);
                assert.strictEqual(hooks.length, receivers.length > 0 ? 1 : 0);
                for (const h of hooks)
                    for (const v of Object.values(h.inputs.stringData ?? {})) assert.ok(v instanceof SecretValue || h.inputs.stringData instanceof SecretValue);
            }
        });

        it("scrapes the IDC etcd on its plain metrics listener with no credential at all: no certificate of the etcd CA, no token in plain text", () => {
            for (const c of spec.clusters.filter((x) => x.provider === "idc")) {
                const v = monitoringRelease(inv, c.name).inputs.values;
                assert.strictEqual(c.etcd.metricsListener, "member");
                assert.deepStrictEqual(
                    v.kubeEtcd.endpoints,
                    c.etcd.hosts.map((h) => h.address),
                );
                assert.deepStrictEqual(v.kubeEtcd.service, { enabled: true, port: 2381, targetPort: 2381 });
                // The chart's etcd ServiceMonitor adds `bearerTokenFile` whenever the value is non-empty
                // (templates/exporters/kube-etcd/servicemonitor.yaml, 88.5.3; its default is the
                // ServiceAccount token): over plain HTTP the token would cross the network in clear.
                assert.deepStrictEqual(v.kubeEtcd.serviceMonitor, { enabled: true, scheme: "http", bearerTokenFile: "" });
                assert.deepStrictEqual(v.prometheus.prometheusSpec.secrets, [SECRETS.grpcTls]);
                // The etcd CA signs only etcd's own certificates and the API server's and etcdctl's
                // client certificates: nothing of the monitoring layer (etcd grants any of them every key).
                const signed = inv
                    .ofType("tls:index/locallySignedCert:LocallySignedCert")
                    .filter((r) => r.name.startsWith(`${c.name}-`) && r.name.includes("etcd"))
                    .map((r) => r.name)
                    .sort();
                const expected = [
                    `${c.name}-pki-apiserver-etcd-client-cert`,
                    `${c.name}-pki-etcdctl-cert`,
                    ...c.etcd.hosts.flatMap((h) => [`${c.name}-pki-etcd-${h.name}-peer-cert`, `${c.name}-pki-etcd-${h.name}-server-cert`]),
                ].sort();
                assert.deepStrictEqual(signed, expected);
                assert.ok(
                    !inv.resources.some((r) => r.type.startsWith("tls:") && r.name.startsWith(`${c.name}-monitoring`)),
                    "monitoring issues a certificate",
                );
                // kube-proxy answers /metrics without authentication: the chart's plain scrape stays off.
                assert.strictEqual(v.kubeProxy.enabled, false);
            }
            for (const c of spec.clusters.filter((x) => x.provider !== "idc")) {
                const v = monitoringRelease(inv, c.name).inputs.values;
                for (const k of ["kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy"]) assert.strictEqual(v[k].enabled, false, `${c.name} ${k}`);
            }
        });

        it("scrapes the IDC controller-manager and scheduler on their secure ports, which kubeadm binds beyond 127.0.0.1 with authn/authz kept", () => {
            for (const c of spec.clusters.filter((x) => x.provider === "idc")) {
                const v = monitoringRelease(inv, c.name).inputs.values;
                for (const [k, port] of [
                    ["kubeControllerManager", 10257],
                    ["kubeScheduler", 10259],
                ] as const) {
                    assert.strictEqual(v[k].enabled, true, k);
                    assert.deepStrictEqual(v[k].service, { enabled: true, port, targetPort: port }, k);
                    // https with the ServiceAccount token (the chart's ServiceMonitor adds bearerTokenFile).
                    assert.strictEqual(v[k].serviceMonitor.https, true, k);
                }
                // Every control-plane host's kubeadm ClusterConfiguration opens the secure ports and
                // keeps the delegated authentication and authorization kubeadm configures.
                const copies = inv
                    .ofType("command:remote:CopyToRemote")
                    .filter((r) => String(r.inputs.remotePath).endsWith("/kubeadm-cluster.yaml") && r.name.startsWith(c.name));
                assert.ok(copies.length > 0, `${c.name}: no kubeadm-cluster.yaml`);
                for (const copy of copies) {
                    const cfg = YAML.parseAllDocuments(copy.inputs.source.text)
                        .map((d) => d.toJSON())
                        .find((d) => d.kind === "ClusterConfiguration");
                    for (const component of ["controllerManager", "scheduler"]) {
                        const extra = Object.fromEntries(cfg[component].extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
                        assert.strictEqual(extra["bind-address"], "0.0.0.0", component);
                        for (const off of ["authentication-skip-lookup", "authorization-always-allow-paths", "secure-port"])
                            assert.ok(!(off in extra), `${component}: ${off} overridden`);
                    }
                }
            }
        });

        it("reaches kube-proxy's unauthenticated 127.0.0.1 metrics only through an authenticating proxy on each node (IDC with kube-proxy)", () => {
            for (const c of spec.clusters) {
                const ds = inClusterOfType(inv, c.name, "kubernetes:apps/v1:DaemonSet").filter((d) => d.inputs.metadata.name === "kube-proxy-metrics");
                const sms = inClusterOfType(inv, c.name, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor").filter(
                    (m) => m.inputs.metadata.name === "kube-proxy",
                );
                // Cilium replaces kube-proxy (kubeadm skips the addon): nothing to scrape there, nor on EKS/ACK.
                const runsKubeProxy = c.provider === "idc" && c.network.cni !== "cilium";
                assert.deepStrictEqual([ds.length, sms.length], runsKubeProxy ? [1, 1] : [0, 0], c.name);
                if (!runsKubeProxy) continue;
                const pod = ds[0].inputs.spec.template.spec;
                assert.strictEqual(pod.hostNetwork, true);
                assert.strictEqual(pod.containers[0].image, "quay.io/brancz/kube-rbac-proxy:v0.22.1");
                const args: string[] = pod.containers[0].args;
                assert.ok(args.includes("--upstream=http://127.0.0.1:10249/"), args.join(" "));
                assert.ok(args.includes("--allow-paths=/metrics"));
                assert.ok(args.includes("--secure-listen-address=$(NODE_IP):10349"));
                assert.ok(args.includes("--tls-min-version=VersionTLS12"), "no TLS below 1.2 on the node's address");
                assert.ok(!args.some((a) => a.startsWith("--ignore-paths") || a.startsWith("--insecure-listen-address")), "every request is authenticated");
                assert.deepStrictEqual(pod.containers[0].env, [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }]);
                const [binding] = inClusterOfType(inv, c.name, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter(
                    (b) => b.inputs.metadata.name === "monitoring:kube-proxy-metrics",
                );
                assert.deepStrictEqual(binding.inputs.roleRef.name, "system:auth-delegator");
                assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: pod.serviceAccountName, namespace: "monitoring" }]);
                const sm = reveal(sms[0].inputs);
                assertValid(sm, `${c.name} kube-proxy ServiceMonitor`);
                const [ep] = sm.spec.endpoints;
                assert.strictEqual(ep.scheme, "https");
                assert.strictEqual(ep.bearerTokenFile, "/var/run/secrets/kubernetes.io/serviceaccount/token");
                // The Service the ServiceMonitor selects carries job="kube-proxy" to the series.
                const [svc] = inClusterOfType(inv, c.name, T.service).filter((x) => x.inputs.metadata.name === "kube-proxy-metrics");
                assert.deepStrictEqual(svc.inputs.spec.selector, ds[0].inputs.spec.selector.matchLabels);
                assert.strictEqual(svc.inputs.metadata.labels[sm.spec.jobLabel], "kube-proxy");
                // kube-proxy itself keeps its metrics on 127.0.0.1: no KubeProxyConfiguration moves them.
                for (const copy of inv.ofType("command:remote:CopyToRemote").filter((r) => String(r.inputs.remotePath).endsWith("/kubeadm-cluster.yaml")))
                    assert.ok(!copy.inputs.source.text.includes("KubeProxyConfiguration"), copy.name);
            }
        });

        it("probes the IDC serving certificates (etcd members, every API server) through a blackbox exporter, Probes valid against the CRD", () => {
            const probes = inv.ofType("kubernetes:monitoring.coreos.com/v1:Probe");
            for (const c of spec.clusters) {
                const mine = probes.filter((p) => clusterOf(inv, p) === c.name).map((p) => reveal(p.inputs));
                const blackbox = inClusterOfType(inv, c.name, T.deployment).filter((d) => d.inputs.metadata.name === "blackbox-exporter");
                if (c.provider !== "idc") {
                    assert.deepStrictEqual([mine.length, blackbox.length], [0, 0], c.name);
                    continue;
                }
                for (const p of mine) assertValid(p, `${c.name} Probe ${p.metadata.name}`);
                const targets = Object.fromEntries(
                    mine.map((p) => [p.spec.targets.staticConfig.labels.component, [p.spec.module, p.spec.targets.staticConfig.static]]),
                );
                assert.deepStrictEqual(targets, {
                    etcd: ["etcd_tls", c.etcd.hosts.map((h) => `${h.address}:2379`)],
                    "etcd-peer": ["etcd_tls", c.etcd.hosts.map((h) => `${h.address}:2380`)],
                    apiserver: ["apiserver_tls", c.controlPlane.hosts.map((h) => `${h.address}:6443`)],
                });
                for (const p of mine) {
                    assert.strictEqual(p.spec.jobName, "serving-certs");
                    assert.strictEqual(p.spec.prober.url, "blackbox-exporter.monitoring.svc:9115");
                }
                // The exporter holds no key and no Secret: its ConfigMap has the config and the etcd
                // CA's certificate, the one etcd's members trust; its modules are the ones the Probes name.
                assert.strictEqual(blackbox.length, 1);
                const pod = blackbox[0].inputs.spec.template.spec;
                assert.strictEqual(pod.containers[0].image, "quay.io/prometheus/blackbox-exporter:v0.29.1");
                assert.deepStrictEqual(pod.volumes, [{ name: "config", configMap: { name: "blackbox-exporter" } }]);
                const [cm] = inClusterOfType(inv, c.name, T.configMap).filter((m) => m.inputs.metadata.name === "blackbox-exporter");
                assert.deepStrictEqual(Object.keys(cm.inputs.data).sort(), ["blackbox.yml", "etcd-ca.crt"]);
                const memberCa = inv
                    .ofType("command:remote:CopyToRemote")
                    .find((r) => r.name.startsWith(c.name) && String(r.inputs.remotePath).endsWith("/etc/etcd/pki/ca.crt"));
                assert.ok(memberCa, `${c.name}: no etcd ca.crt on the members`);
                assert.strictEqual(cm.inputs.data["etcd-ca.crt"], memberCa.inputs.source.text);
                const modules = YAML.parse(cm.inputs.data["blackbox.yml"]).modules;
                for (const p of mine) assert.ok(modules[p.spec.module], p.spec.module);
                assert.deepStrictEqual(modules.etcd_tls.tcp.tls_config, { ca_file: "/etc/blackbox/config/etcd-ca.crt", min_version: "TLS13" });
                // Prometheus picks up Probes that do not carry the release's label.
                assert.strictEqual(monitoringRelease(inv, c.name).inputs.values.prometheus.prometheusSpec.probeSelectorNilUsesHelmValues, false);
            }
        });

        it("scrapes Karpenter's controller Service on EKS (its provisioning alerts have data), valid against the ServiceMonitor CRD", () => {
            const monitors = inv.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").filter((m) => m.inputs.metadata.name === "karpenter");
            for (const c of spec.clusters) {
                const mine = monitors.filter((m) => clusterOf(inv, m) === c.name);
                if (c.provider !== "eks") {
                    assert.deepStrictEqual(mine, [], c.name);
                    continue;
                }
                assert.strictEqual(mine.length, 1, c.name);
                const sm = reveal(mine[0].inputs);
                assertValid(sm, `${c.name} ServiceMonitor`);
                // The Karpenter release this cluster installs: the Service the chart names after it.
                const karpenter = inClusterOfType(inv, c.name, T.release).find((r) => String(r.inputs.chart).endsWith("/karpenter"))!;
                assert.ok(karpenter, `${c.name}: no Karpenter release`);
                assert.deepStrictEqual(sm.spec.namespaceSelector.matchNames, [karpenter.inputs.namespace]);
                assert.deepStrictEqual(sm.spec.selector.matchLabels, {
                    "app.kubernetes.io/name": "karpenter",
                    "app.kubernetes.io/instance": karpenter.inputs.name,
                });
                assert.deepStrictEqual(sm.spec.endpoints, [{ port: "http-metrics", path: "/metrics" }]);
                assert.ok(mine[0].dependencies.includes(monitoringRelease(inv, c.name).urn), "after the chart (its CRDs)");
            }
            // The CRD check sees a ServiceMonitor without a selector.
            assert.notDeepStrictEqual(
                validateCustomResource({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "x" }, spec: { endpoints: [] } }),
                [],
            );
        });

        it("wires every object to its cluster's provider under that cluster's site; only TLS material spans sites", () => {
            const components = inv.resources.filter((r) => r.type.startsWith("hybrid:observability:"));
            assert.deepStrictEqual(
                components.map((c) => c.name).sort(),
                [...spec.clusters.flatMap((c) => [`${c.name}-monitoring`, `${c.name}-observability`]), "observability"].sort(),
            );
            for (const comp of components) {
                const children = inv.childrenOf(comp.urn);
                for (const child of children) assert.ok(child.name.startsWith(comp.name), child.name);
                if (comp.name === "observability") {
                    assert.strictEqual(comp.parent, undefined);
                    assert.deepStrictEqual([...new Set(children.map((c) => c.type.split(":")[0]))], ["tls"]);
                    continue;
                }
                const site = inv.byUrn(comp.parent!);
                assert.match(site.type, /^hybrid:(idc|eks|ack):Site$/);
                for (const child of children.filter((x) => x.type.startsWith("kubernetes:")))
                    assert.strictEqual(inv.providerOf(child)!.name, k8sProviderName(site.name), child.name);
                for (const child of children.filter((x) => x.type.startsWith("alicloud:")))
                    assert.strictEqual(inv.providerOf(child)!.name, `${site.name}-alicloud`, child.name);
            }
        });

        it("waits for the links on the hub only: its Query reads every site over them; a site's own objects need only its cluster", () => {
            const links = linkResources(inv).filter((r) => r.custom);
            const linkUrns = new Set(links.map((r) => r.urn));
            assert.ok(linkUrns.size > 0, "the fleet declares links");
            const sites = inv.resources.filter((r) => r.type === "hybrid:observability:ThanosSite");
            assert.strictEqual(sites.length, spec.clusters.length);
            for (const site of sites) {
                const objects = inv.childrenOf(site.urn).filter((r) => r.custom);
                assert.ok(objects.length > 0, site.name);
                const afterLinks = objects.filter((r) => r.dependencies.some((d) => linkUrns.has(d)));
                if (site.name === `${spec.hub}-observability`) {
                    const query = objects.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.endsWith("-query"));
                    assert.ok(query, "the hub runs Thanos Query");
                    // The Query's endpoints config waits for the links at every site that has any; the Query itself, after it.
                    const endpoints = objects.find((r) => r.name.endsWith("-query-endpoints"))!;
                    assert.ok(query.dependencies.includes(endpoints.urn));
                    for (const c of spec.clusters) {
                        const at = links.filter((r) => r.urn.includes(`::${c.name}-links`) || r.name.startsWith(`${c.name}-`));
                        if (at.length > 0)
                            assert.ok(
                                at.some((r) => endpoints.dependencies.includes(r.urn)),
                                `${endpoints.name} not after ${c.name}'s links`,
                            );
                    }
                } else {
                    assert.deepStrictEqual(
                        afterLinks.map((r) => r.name),
                        [],
                        `${site.name}: objects waiting for the links`,
                    );
                    // Still after the cluster's own monitoring release (the Prometheus operator's CRDs, the namespace).
                    const release = monitoringRelease(inv, site.name.replace(/-observability$/, "")).urn;
                    assert.ok(
                        objects.filter((r) => r.type.startsWith("kubernetes:")).every((r) => r.dependencies.includes(release)),
                        site.name,
                    );
                }
            }
        });
    });
}

describe("observability: preview mode", () => {
    it("registers the same monitoring resources when outputs are unknown (nothing declared in an apply)", async () => {
        const spec = loadStackSpec("prod");
        const ids = (inv: Inventory) =>
            inv.resources
                .filter((r) => r.name.includes("observability") || r.name.includes("-monitoring"))
                .map((r) => `${r.type}::${r.name}`)
                .sort();
        const up = await runFleet(spec, "prod");
        const preview = await runFleet(spec, "prod", { preview: true });
        assert.ok(ids(up.inventory).length > 60);
        assert.deepStrictEqual(ids(preview.inventory), ids(up.inventory));
    });
});

describe("observability: the IDC etcd scrape follows etcd.metricsListener", () => {
    const args = (etcdMetricsPort?: number) =>
        kubePrometheusStackValues({
            cluster: { name: "idc-x", site: "idc", region: "dc-1", environment: "dev" },
            retention: "24h",
            receivers: [],
            idc: { etcdHosts: ["10.0.0.11", "10.0.0.12"], ...(etcdMetricsPort ? { etcdMetricsPort } : {}) },
            grafana: false,
            secrets: { objstore: "o", grpcTls: "g", webhooks: "w", grafanaAdmin: "a" },
        });
    it("scrapes the members' listener on its port, and none where it stays on 127.0.0.1 (a target that could never answer)", () => {
        const member = args(2381).kubeEtcd;
        assert.deepStrictEqual(member.endpoints, ["10.0.0.11", "10.0.0.12"]);
        assert.strictEqual(member.service.targetPort, 2381);
        assert.deepStrictEqual(args().kubeEtcd, { enabled: false });
        // The controller-manager and scheduler are scraped either way.
        assert.strictEqual(args().kubeScheduler.enabled, true);
    });
});
