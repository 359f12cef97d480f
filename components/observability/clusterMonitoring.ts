// hybrid:observability:ClusterMonitoring: kube-prometheus-stack with the Thanos sidecar on one
// cluster, the objstore Secret for the cluster's own site's store, the Alertmanager webhook URLs
// (a Secret, secret from birth) and the platform's PrometheusRule (the fleet layer exposes the
// sidecar and adds its TLS material). On IDC clusters etcd is scraped on its plain metrics listener
// and its serving certificates probed without any client certificate; the API server is scraped everywhere.
import * as alicloud from "../core/sdk/alicloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as YAML from "yaml";
import { bucketWriterPolicy } from "../ack/render";
import type { ClusterHandle } from "../core/contract";
import { pinnedRelease } from "../core/k8s";
import {
    AlertReceiver,
    BLACKBOX_FILES,
    blackboxConfig,
    blackboxDeployment,
    blackboxService,
    certificateProbe,
    kubePrometheusStackValues,
    kubeProxyMetricsDaemonSet,
    kubeProxyMetricsRbac,
    kubeProxyMetricsService,
    kubeProxyMetricsServiceMonitor,
    objstoreConfig,
    ScrapeTarget,
    serviceMonitor,
} from "./render";
import { platformRuleGroups, RuleArgs } from "./rules";
import { KUBE_PROMETHEUS_STACK, MONITORING_NAMESPACE } from "./versions";

export interface ClusterMonitoringArgs {
    /** Local TSDB retention, e.g. "24h" (>= 6h). */
    retention: string;
    /** Alertmanager receivers; each URL a Pulumi secret read from config. */
    receivers: (AlertReceiver & { webhookUrl: pulumi.Output<string> })[];
    /** The hub runs Grafana (kube-prometheus-stack's) with the fleet's dashboards. */
    grafana: boolean;
    autoscaler?: RuleArgs["autoscaler"];
    /** The autoscaler's metrics Service, where it runs in the cluster (Karpenter on EKS), so its alerts have data. */
    autoscalerMetrics?: ScrapeTarget;
}

/** Names of the Secrets this layer keeps in each cluster's monitoring namespace. */
export const SECRETS = {
    objstore: "thanos-objstore",
    grpcTls: "thanos-grpc-tls",
    webhooks: "alertmanager-webhooks",
    grafanaAdmin: "grafana-admin",
} as const;

export class ClusterMonitoring extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;
    /** The objstore config's Secret: the compactor and store gateways of this cluster's bucket reuse it. */
    readonly objstoreSecret: k8s.core.v1.Secret;
    /** What the fleet layer waits for in this cluster (namespace, Secrets, release). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, cluster: ClusterHandle, args: ClusterMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:observability:ClusterMonitoring", name, {}, opts);
        const k8sOpts = (dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: cluster.provider,
            dependsOn,
        });
        const store = cluster.objectStore;

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            // node-exporter runs with hostNetwork/hostPID: the namespace must allow privileged pods (Pod Security Standards).
            { metadata: { name: MONITORING_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
            k8sOpts(cluster.ready),
        );

        // The store's key pair: config secrets (IDC), or a RAM user of its own (ACK, see README).
        let keys: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> } | undefined = store.credentials;
        if (cluster.site === "ack") {
            const provider = cluster.cloud?.alicloud?.provider;
            if (!provider) throw new Error(`${cluster.name}: the ACK site hands no alicloud provider`);
            const cloud = { parent: this, provider };
            const user = new alicloud.ram.User(
                `${name}-oss-writer`,
                { name: `${cluster.name}-thanos-oss`, comments: `Thanos on ${cluster.name}: reads and writes ${store.bucket}` },
                cloud,
            );
            // The same least-privilege document as the site's RRSA writer role: the one bucket, and
            // only the bucket's own KMS key for SSE-KMS (OSS asks KMS on the caller's behalf).
            if (!store.kmsKeyArn) throw new Error(`${cluster.name}: the ACK site hands no KMS key for ${store.bucket}`);
            const policy = new alicloud.ram.Policy(
                `${name}-oss-writer`,
                {
                    policyName: `${cluster.name}-thanos-oss`,
                    description: `Thanos: read and write the metrics blocks in ${store.bucket}`,
                    policyDocument: pulumi.output(store.kmsKeyArn).apply((kmsKeyArn) => bucketWriterPolicy({ bucket: store.bucket, kmsKeyArn })),
                },
                cloud,
            );
            new alicloud.ram.UserPolicyAttachment(`${name}-oss-writer`, { userName: user.name, policyName: policy.policyName, policyType: "Custom" }, cloud);
            const key = new alicloud.ram.AccessKey(`${name}-oss-writer`, { userName: user.name }, { ...cloud, additionalSecretOutputs: ["secret"] });
            keys = { accessKeyId: pulumi.secret(key.id), secretAccessKey: pulumi.secret(key.secret) };
        }
        const objstore = keys
            ? pulumi
                  .all([keys.accessKeyId, keys.secretAccessKey])
                  .apply(([accessKeyId, secretAccessKey]) => YAML.stringify(objstoreConfig(store, { accessKeyId, secretAccessKey })))
            : pulumi.output(YAML.stringify(objstoreConfig(store)));
        this.objstoreSecret = new k8s.core.v1.Secret(
            `${name}-objstore`,
            { metadata: { name: SECRETS.objstore, namespace: MONITORING_NAMESPACE }, type: "Opaque", stringData: { "objstore.yml": pulumi.secret(objstore) } },
            k8sOpts([this.namespace]),
        );

        const dependsOn: pulumi.Resource[] = [this.namespace, this.objstoreSecret];
        if (args.receivers.length > 0) {
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-webhooks`,
                    {
                        metadata: { name: SECRETS.webhooks, namespace: MONITORING_NAMESPACE },
                        type: "Opaque",
                        stringData: Object.fromEntries(args.receivers.map((r) => [r.name, pulumi.secret(r.webhookUrl)])),
                    },
                    k8sOpts([this.namespace]),
                ),
            );
        }

        if (args.grafana) {
            // Never the chart's well-known default admin password: a generated one, secret from birth.
            const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-grafana-admin`,
                    {
                        metadata: { name: SECRETS.grafanaAdmin, namespace: MONITORING_NAMESPACE },
                        type: "Opaque",
                        stringData: { "admin-user": "admin", "admin-password": password.result },
                    },
                    k8sOpts([this.namespace]),
                ),
            );
        }

        const idc = cluster.controlPlaneMetrics;

        const values = kubePrometheusStackValues({
            cluster,
            retention: args.retention,
            receivers: args.receivers.map(({ name: n, severities }) => ({ name: n, severities })),
            ...(idc ? { idc: { etcdHosts: idc.etcdHosts, ...(idc.etcdMetricsPort ? { etcdMetricsPort: idc.etcdMetricsPort } : {}) } } : {}),
            grafana: args.grafana,
            secrets: SECRETS,
        });
        // The chart's sidecar Service and ServiceMonitor: the sidecar's own metrics (uploads) are scraped.
        values.prometheus.thanosService = { enabled: true };
        values.prometheus.thanosServiceMonitor = { enabled: true };
        this.release = pinnedRelease(
            `${name}-chart`,
            {
                release: KUBE_PROMETHEUS_STACK.fullname,
                chart: {
                    chart: KUBE_PROMETHEUS_STACK.chart,
                    version: KUBE_PROMETHEUS_STACK.version,
                    namespace: MONITORING_NAMESPACE,
                    repo: KUBE_PROMETHEUS_STACK.repo,
                },
                values,
                timeoutSeconds: 900,
            },
            k8sOpts(dependsOn),
        );
        this.ready = [...dependsOn, this.release];

        new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "platform", namespace: MONITORING_NAMESPACE },
                spec: { groups: platformRuleGroups({ idc: cluster.site === "idc", ...(args.autoscaler ? { autoscaler: args.autoscaler } : {}) }) },
            },
            k8sOpts([this.release]),
        );

        if (idc) {
            // The serving certificates of etcd and of kubeadm's API servers: probed by a blackbox
            // exporter (TLS handshake, chain verified, no client certificate), alerted on in the
            // platform rules. The etcd CA's certificate is public: it sits beside the config.
            const config = new k8s.core.v1.ConfigMap(
                `${name}-blackbox`,
                {
                    metadata: { name: "blackbox-exporter", namespace: MONITORING_NAMESPACE },
                    data: { [BLACKBOX_FILES.config]: YAML.stringify(blackboxConfig()), [BLACKBOX_FILES.etcdCa]: idc.etcdCaCertPem },
                },
                k8sOpts([this.namespace]),
            );
            new k8s.apps.v1.Deployment(`${name}-blackbox`, blackboxDeployment({ configMap: "blackbox-exporter" }), k8sOpts([...dependsOn, config]));
            new k8s.core.v1.Service(`${name}-blackbox`, blackboxService(), k8sOpts([this.namespace]));
            const probes = [
                { id: "etcd", module: "etcd_tls" as const, targets: idc.etcdHosts.map((h) => `${h}:2379`) },
                // The peer listener has its own certificate (peer.crt) under the same CA and client check.
                { id: "etcd-peer", module: "etcd_tls" as const, targets: idc.etcdHosts.map((h) => `${h}:2380`) },
                { id: "apiserver", module: "apiserver_tls" as const, targets: idc.apiServerEndpoints ?? [] },
            ];
            for (const p of probes.filter((x) => x.targets.length > 0)) {
                new k8s.apiextensions.CustomResource(
                    `${name}-${p.id}-certs`,
                    certificateProbe({ name: `${p.id}-serving-certs`, module: p.module, component: p.id, targets: p.targets }),
                    k8sOpts([this.release]),
                );
            }
        }

        if (idc?.kubeProxy) {
            // kube-proxy's unauthenticated /metrics, reached only through an authenticating proxy per node.
            const rbac = kubeProxyMetricsRbac();
            const sa = new k8s.core.v1.ServiceAccount(`${name}-kube-proxy-metrics`, rbac.serviceAccount, k8sOpts([this.namespace]));
            const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-kube-proxy-metrics`, rbac.binding, k8sOpts([sa]));
            new k8s.apps.v1.DaemonSet(`${name}-kube-proxy-metrics`, kubeProxyMetricsDaemonSet(), k8sOpts([sa, binding]));
            new k8s.core.v1.Service(`${name}-kube-proxy-metrics`, kubeProxyMetricsService(), k8sOpts([this.namespace]));
            new k8s.apiextensions.CustomResource(`${name}-kube-proxy-metrics`, kubeProxyMetricsServiceMonitor(), k8sOpts([this.release]));
        }

        if (args.autoscalerMetrics) {
            new k8s.apiextensions.CustomResource(`${name}-autoscaler-metrics`, serviceMonitor(args.autoscalerMetrics), k8sOpts([this.release]));
        }

        this.registerOutputs({});
    }
}
