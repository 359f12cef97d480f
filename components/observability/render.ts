// Pure renderers of the observability layer: spec values in, plain objects out. The components
// (clusterMonitoring.ts, thanosFleet.ts) only add Pulumi wiring and secrets.
import type { SiteKind } from "../core/contract";
import {
    BLACKBOX_EXPORTER,
    GRPC_SERVER_NAME,
    KUBE_PROMETHEUS_STACK,
    KUBE_RBAC_PROXY,
    MONITORING_NAMESPACE,
    PORTS,
    REPLICA_LABEL,
    THANOS,
    THANOS_SERVICE_ACCOUNT,
} from "./versions";
import { byText } from "../core/order";

export type Severity = "critical" | "warning" | "info";

/** The labels that name a cluster's series fleet-wide (Prometheus external labels). */
export function externalLabels(c: { name: string; site: SiteKind; region: string; environment: string }): Record<string, string> {
    return { cluster: c.name, site: c.site, region: c.region, environment: c.environment };
}

/** Prometheus durations as this layer accepts them ("6h", "30d", "2w", "1y"; "0d" = forever where allowed). */
export const DURATION = /^(0|[1-9][0-9]{0,5})(h|d|w|y)$/;
const HOURS = { h: 1, d: 24, w: 24 * 7, y: 24 * 365 } as const;
export function durationHours(d: string): number {
    const m = DURATION.exec(d);
    if (!m) throw new Error(`not a duration: ${d}`);
    return Number(m[1]) * HOURS[m[2] as keyof typeof HOURS];
}

// ---------------------------------------------------------------------------------------------
// Object storage (thanos-io/objstore client config: `type` + `config`)

export interface StoreArgs {
    kind: "s3" | "oss" | "s3-compatible";
    bucket: string;
    region?: string;
    endpoint?: string;
}

/**
 * The objstore config of a cluster's own store. EKS: S3 through the AWS SDK's default chain
 * (`aws_sdk_auth`), which picks up the Pod Identity credentials of the trusted ServiceAccount.
 * ACK: OSS with a static key pair (objstore providers/oss takes only `access_key_id`/`access_key_secret`).
 * IDC: an S3-compatible endpoint with the key pair from config. Keys arrive as plain strings here
 * and the caller keeps the result a Pulumi secret.
 */
export function objstoreConfig(
    store: StoreArgs,
    keys?: { accessKeyId: string; secretAccessKey: string },
): { type: "S3" | "OSS"; config: Record<string, unknown> } {
    switch (store.kind) {
        case "s3": {
            const region = store.region ?? "";
            return { type: "S3", config: { bucket: store.bucket, endpoint: `s3.${region}.amazonaws.com`, region, aws_sdk_auth: true } };
        }
        case "oss": {
            if (!keys) throw new Error(`OSS bucket ${store.bucket} needs a key pair`);
            // The region's internal endpoint: traffic stays in the VPC (OSS docs, "Regions and endpoints").
            const endpoint = store.endpoint ?? `https://oss-${store.region}-internal.aliyuncs.com`;
            return { type: "OSS", config: { endpoint, bucket: store.bucket, access_key_id: keys.accessKeyId, access_key_secret: keys.secretAccessKey } };
        }
        case "s3-compatible": {
            if (!keys || !store.endpoint) throw new Error(`s3-compatible bucket ${store.bucket} needs an endpoint and a key pair`);
            // objstore's S3 endpoint is host[:port]; TLS stays on (insecure: false).
            const url = new URL(store.endpoint);
            return {
                type: "S3",
                config: {
                    bucket: store.bucket,
                    endpoint: url.host,
                    ...(store.region ? { region: store.region } : {}),
                    access_key: keys.accessKeyId,
                    secret_key: keys.secretAccessKey,
                    insecure: false,
                    // Ceph RGW and MinIO serve buckets on the path (objstore s3 bucket_lookup_type).
                    bucket_lookup_type: "path",
                },
            };
        }
    }
}

/** Identity of a bucket across the fleet: same kind, same endpoint or region, same name. */
export function bucketKey(store: StoreArgs): string {
    return `${store.kind}|${store.endpoint ?? store.region ?? ""}|${store.bucket}`;
}

/**
 * Where each bucket's compactor and store gateways run: in the site of the first cluster that
 * writes it (its credentials are that site's), once per bucket whatever the number of writers.
 */
export function bucketPlacements<C extends { name: string; objectStore: StoreArgs }>(
    clusters: C[],
): { key: string; bucket: string; owner: C; writers: string[] }[] {
    const out = new Map<string, { key: string; bucket: string; owner: C; writers: string[] }>();
    for (const c of clusters) {
        const key = bucketKey(c.objectStore);
        const seen = out.get(key);
        if (seen) seen.writers.push(c.name);
        else out.set(key, { key, bucket: c.objectStore.bucket, owner: c, writers: [c.name] });
    }
    return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// Per cluster: kube-prometheus-stack values

export interface AlertReceiver {
    name: string;
    severities: Severity[];
}

export interface ClusterValuesArgs {
    cluster: { name: string; site: SiteKind; region: string; environment: string };
    /** Local TSDB retention (>= 6h: three 2h blocks for the sidecar to upload). */
    retention: string;
    receivers: AlertReceiver[];
    /** IDC: the etcd members, scraped on their plain metrics listener where it is on their address. */
    idc?: { etcdHosts: string[]; etcdMetricsPort?: number };
    /** Grafana runs on the hub only, with the fleet's Thanos data source and dashboards. */
    grafana: boolean;
    /** The objstore Secret (key objstore.yml) and the gRPC TLS Secret of this cluster. */
    secrets: { objstore: string; grpcTls: string; webhooks: string; grafanaAdmin: string };
}

export const WEBHOOK_DIR = "/etc/alertmanager/secrets";
/** Where the Thanos sidecar reads its gRPC serving certificate and the client CA. */
export const SIDECAR_TLS_DIR = "/etc/thanos/grpc-tls";

/** Alertmanager routing: by severity to the spec's receivers, the Watchdog and the rest to "null". */
export function alertmanagerConfig(receivers: AlertReceiver[], webhookSecret: string): Record<string, unknown> {
    const severities: Severity[] = ["critical", "warning", "info"];
    return {
        global: { resolve_timeout: "5m" },
        route: {
            group_by: ["cluster", "alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
            receiver: "null",
            routes: [
                { receiver: "null", matchers: ['alertname = "Watchdog"'] },
                ...severities.flatMap((s) =>
                    receivers.filter((r) => r.severities.includes(s)).map((r) => ({ receiver: r.name, matchers: [`severity = "${s}"`], continue: true })),
                ),
            ],
        },
        inhibit_rules: [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["cluster", "alertname", "namespace"] },
        ],
        receivers: [
            { name: "null" },
            // url_file: the URL stays in a Secret mounted from alertmanagerSpec.secrets, never in the config.
            ...receivers.map((r) => ({ name: r.name, webhook_configs: [{ url_file: `${WEBHOOK_DIR}/${webhookSecret}/${r.name}`, send_resolved: true }] })),
        ],
    };
}

/** A kubeadm control-plane component scraped on its secure port with Prometheus' ServiceAccount token. */
function controlPlaneComponent(port: number) {
    return {
        enabled: true,
        service: { enabled: true, port, targetPort: port },
        serviceMonitor: { enabled: true, https: true, insecureSkipVerify: true },
    };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
export function kubePrometheusStackValues(a: ClusterValuesArgs): Record<string, any> {
    const idc = a.idc;
    return {
        fullnameOverride: KUBE_PROMETHEUS_STACK.fullname,
        // The CRDs come with the chart (its crds/ folder, operator v0.93.1).
        crds: { enabled: true },
        // The chart's default rules stay on; the platform's own PrometheusRule is added beside them.
        defaultRules: { create: true },
        // Managed control planes (EKS, ACK) expose no etcd, scheduler or controller-manager to scrape.
        // IDC: etcd's plain metrics listener on each member's address (http :2381, /metrics and
        // /health only). Not its client port: etcd runs without auth, so any client certificate of
        // its CA may read and write every key, and a scraper needs none here. No bearer token
        // either: the chart sends the ServiceAccount token by default (serviceMonitor.bearerTokenFile),
        // which would cross the network in plain text; "" leaves it out of the ServiceMonitor.
        // A listener kept on 127.0.0.1 (`etcd.metricsListener: localhost`) is not scraped.
        kubeEtcd: idc?.etcdMetricsPort
            ? {
                  enabled: true,
                  endpoints: idc.etcdHosts,
                  service: { enabled: true, port: idc.etcdMetricsPort, targetPort: idc.etcdMetricsPort },
                  serviceMonitor: { enabled: true, scheme: "http", bearerTokenFile: "" },
              }
            : { enabled: false },
        // IDC: the controller-manager and the scheduler serve their secure ports on the node's
        // addresses (components/idc kubeadm config); the chart's headless Service selects their static
        // pods (label component=...). Prometheus sends its ServiceAccount token, the components check
        // it with TokenReview and SubjectAccessReview (the chart's ClusterRole grants get on /metrics).
        // Their serving certificates are self-signed in memory (no --tls-cert-file in kubeadm), so
        // the server name cannot be verified: insecureSkipVerify, as the chart does by default.
        // kube-proxy serves /metrics on plain HTTP without any authentication: it stays on 127.0.0.1
        // behind an authenticating proxy of this layer (kubeProxyMetricsDaemonSet), not the chart's
        // plain scrape. Managed control planes (EKS, ACK) expose none of them.
        kubeControllerManager: idc ? controlPlaneComponent(10257) : { enabled: false },
        kubeScheduler: idc ? controlPlaneComponent(10259) : { enabled: false },
        kubeProxy: { enabled: false },
        grafana: a.grafana
            ? {
                  enabled: true,
                  admin: { existingSecret: a.secrets.grafanaAdmin, userKey: "admin-user", passwordKey: "admin-password" },
                  // Dashboards and data sources come as labelled ConfigMaps from the fleet layer.
                  sidecar: {
                      dashboards: { enabled: true, label: "grafana_dashboard", labelValue: "1" },
                      datasources: { enabled: true, label: "grafana_datasource", labelValue: "1" },
                  },
              }
            : { enabled: false },
        alertmanager: {
            enabled: true,
            config: alertmanagerConfig(a.receivers, a.secrets.webhooks),
            alertmanagerSpec: { secrets: a.receivers.length > 0 ? [a.secrets.webhooks] : [] },
        },
        prometheus: {
            enabled: true,
            // The EKS/ACK store trusts monitoring/thanos: the sidecar uploads as it.
            serviceAccount: { create: true, name: THANOS_SERVICE_ACCOUNT },
            prometheusSpec: {
                externalLabels: externalLabels(a.cluster),
                replicaExternalLabelName: REPLICA_LABEL,
                retention: a.retention,
                // Pick up every ServiceMonitor/PodMonitor/PrometheusRule, not only the release's own.
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                // The operator mounts each as volume `secret-<name>`: the gRPC serving certificate for the sidecar (below).
                secrets: [a.secrets.grpcTls],
                storageSpec: {
                    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } },
                },
                thanos: {
                    image: THANOS.image,
                    version: THANOS.version,
                    objectStorageConfig: { existingSecret: { name: a.secrets.objstore, key: "objstore.yml" } },
                    // mTLS: the sidecar serves only clients with a certificate of the fleet CA (Thanos Query).
                    // The operator reads files here, nothing else (the CRD: "only the minVersion, caFile,
                    // certFile, keyFile, cipherSuites and curves fields are supported"), and the sidecar
                    // container mounts only what volumeMounts names: the secret's volume, as spec.secrets made it.
                    volumeMounts: [{ name: `secret-${a.secrets.grpcTls}`, mountPath: SIDECAR_TLS_DIR, readOnly: true }],
                    grpcServerTlsConfig: {
                        caFile: `${SIDECAR_TLS_DIR}/ca.crt`,
                        certFile: `${SIDECAR_TLS_DIR}/tls.crt`,
                        keyFile: `${SIDECAR_TLS_DIR}/tls.key`,
                    },
                },
            },
        },
    };
}

/** The Prometheus pods of the release (selector of the sidecar's load balancer Service). */
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${KUBE_PROMETHEUS_STACK.fullname}-prometheus` };

/** Annotations that keep a LoadBalancer Service on the site's private network. */
export function internalLoadBalancerAnnotations(site: SiteKind): Record<string, string> {
    switch (site) {
        case "eks":
            // In-tree AWS cloud provider: an internal NLB (Kubernetes docs, "Service annotations: AWS").
            return { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-internal": "true" };
        case "ack":
            // Alibaba Cloud CCM: an intranet (VPC) SLB (ACK docs, "Configure CLB instances by using annotations").
            return { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" };
        case "idc":
            // The CNI announces the cluster's LoadBalancer range to the racks; nothing is public.
            return {};
    }
}

/** A LoadBalancer Service for a Thanos gRPC endpoint, reachable from the other sites over the links. */
export function grpcLoadBalancer(name: string, site: SiteKind, selector: Record<string, string>, sourceRanges: string[]) {
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, annotations: internalLoadBalancerAnnotations(site) },
        spec: {
            type: "LoadBalancer",
            selector,
            ports: [{ name: "grpc", port: PORTS.grpc, targetPort: PORTS.grpc, protocol: "TCP" }],
            // Only the fleet's site networks may connect (and the server asks for a fleet client certificate).
            loadBalancerSourceRanges: sourceRanges,
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Per bucket: compactor and store gateway (plain StatefulSets of the official image)

export interface BucketWorkloadArgs {
    /** DNS-safe short name of the bucket's workloads. */
    name: string;
    objstoreSecret: string;
    grpcTlsSecret: string;
    retention: { raw: string; fiveMinutes: string; oneHour: string };
    downsampling: boolean;
    storeGatewayReplicas: number;
    storageClassName?: string;
}

const TLS_DIR = "/etc/thanos/tls";
const OBJSTORE_DIR = "/etc/thanos/objstore";

/** What sets a bucket's compactor and store gateways apart; everything else is one StatefulSet shape. */
interface BucketWorkload {
    /** Name suffix and app.kubernetes.io/component label. */
    suffix: string;
    component: string;
    replicas: number;
    /** The data volume: the compactor needs room for the blocks it merges, the gateway an index cache. */
    disk: string;
    /** `thanos <subcommand> [leading] --data-dir --objstore.config-file [flags] --http-address [trailing]` */
    subcommand: string;
    leading: string[];
    flags: string[];
    trailing: string[];
    /** Serves gRPC with the fleet's server certificate (the store gateway; the compactor serves none). */
    grpcTls: boolean;
}

function bucketWorkload(kind: "compactor" | "storeGateway", a: BucketWorkloadArgs): BucketWorkload {
    switch (kind) {
        case "compactor":
            // Exactly one compactor per bucket (Thanos docs: the compactor is a singleton per bucket).
            return {
                suffix: "compactor",
                component: "compactor",
                replicas: 1,
                disk: "100Gi",
                subcommand: "compact",
                leading: ["--wait"],
                flags: [
                    `--retention.resolution-raw=${a.retention.raw}`,
                    `--retention.resolution-5m=${a.retention.fiveMinutes}`,
                    `--retention.resolution-1h=${a.retention.oneHour}`,
                    `--deduplication.replica-label=${REPLICA_LABEL}`,
                ],
                trailing: a.downsampling ? [] : ["--downsampling.disable"],
                grpcTls: false,
            };
        case "storeGateway":
            return {
                suffix: "store",
                component: "store-gateway",
                replicas: a.storeGatewayReplicas,
                disk: "20Gi",
                subcommand: "store",
                leading: [],
                flags: [`--grpc-address=0.0.0.0:${PORTS.grpc}`],
                // mTLS: serve only Thanos Query (a client certificate of the fleet CA).
                trailing: [
                    `--grpc-server-tls-cert=${TLS_DIR}/tls.crt`,
                    `--grpc-server-tls-key=${TLS_DIR}/tls.key`,
                    `--grpc-server-tls-client-ca=${TLS_DIR}/ca.crt`,
                ],
                grpcTls: true,
            };
    }
}

/** A Thanos component serving gRPC and HTTP: its two ports and the probes on its HTTP endpoints. */
const THANOS_GRPC_SERVING = {
    ports: [
        { name: "grpc", containerPort: PORTS.grpc },
        { name: "http", containerPort: PORTS.http },
    ],
    readinessProbe: { httpGet: { path: "/-/ready", port: "http" } },
    livenessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
};

/**
 * Every container of the layer's own workloads: what the Pod Security Standards' "Restricted" profile
 * asks of a container (kubernetes.io, "Pod Security Standards": no privilege escalation, every
 * capability dropped; the pods add non-root and RuntimeDefault seccomp) and a read-only root
 * filesystem (a Thanos component writes only its data volume, the exporters nothing).
 */
export const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

/** One of a bucket's Thanos workloads as a StatefulSet of the official image, with its own disk. */
export function bucketStatefulSet(kind: "compactor" | "storeGateway", a: BucketWorkloadArgs) {
    const w = bucketWorkload(kind, a);
    const name = `${a.name}-${w.suffix}`;
    const labels = { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": w.component, "app.kubernetes.io/instance": name };
    const args = [
        w.subcommand,
        ...w.leading,
        "--data-dir=/var/thanos",
        `--objstore.config-file=${OBJSTORE_DIR}/objstore.yml`,
        ...w.flags,
        `--http-address=0.0.0.0:${PORTS.http}`,
        ...w.trailing,
    ];
    return {
        metadata: { name, namespace: MONITORING_NAMESPACE, labels },
        spec: {
            replicas: w.replicas,
            serviceName: name,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    serviceAccountName: THANOS_SERVICE_ACCOUNT,
                    securityContext: { runAsNonRoot: true, runAsUser: 1001, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: w.component,
                            image: THANOS.image,
                            args,
                            ...THANOS_GRPC_SERVING,
                            securityContext: RESTRICTED_CONTAINER,
                            volumeMounts: [
                                { name: "data", mountPath: "/var/thanos" },
                                { name: "objstore", mountPath: OBJSTORE_DIR, readOnly: true },
                                ...(w.grpcTls ? [{ name: "tls", mountPath: TLS_DIR, readOnly: true }] : []),
                            ],
                        },
                    ],
                    volumes: [
                        { name: "objstore", secret: { secretName: a.objstoreSecret } },
                        ...(w.grpcTls ? [{ name: "tls", secret: { secretName: a.grpcTlsSecret } }] : []),
                    ],
                },
            },
            volumeClaimTemplates: [
                {
                    metadata: { name: "data" },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(a.storageClassName ? { storageClassName: a.storageClassName } : {}),
                        resources: { requests: { storage: w.disk } },
                    },
                },
            ],
        },
    };
}

export const compactorStatefulSet = (a: BucketWorkloadArgs) => bucketStatefulSet("compactor", a);
export const storeGatewayStatefulSet = (a: BucketWorkloadArgs) => bucketStatefulSet("storeGateway", a);

/** A workload of another layer to scrape: its Service's namespace, labels and named metrics port. */
export interface ScrapeTarget {
    name: string;
    namespace: string;
    selector: Record<string, string>;
    port: string;
}

/** A ServiceMonitor, kept in the monitoring namespace, for a Service in another namespace. */
export function serviceMonitor(t: ScrapeTarget) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: t.name, namespace: MONITORING_NAMESPACE },
        spec: {
            namespaceSelector: { matchNames: [t.namespace] },
            selector: { matchLabels: t.selector },
            endpoints: [{ port: t.port, path: "/metrics" }],
        },
    };
}

// ---------------------------------------------------------------------------------------------
// IDC serving certificates: a blackbox exporter completes a TLS handshake with every etcd member
// and every API server and reports the earliest expiry among the certificates it was sent
// (probe_ssl_earliest_cert_expiry); the Probe objects tell Prometheus what to probe.

/** The job label of every serving-certificate probe (the alerts select it). */
export const CERT_PROBE_JOB = "serving-certs";
/** The blackbox exporter's ConfigMap, mounted here: blackbox.yml and the etcd CA's certificate. */
export const BLACKBOX_CONFIG_DIR = "/etc/blackbox/config";
export const BLACKBOX_FILES = { config: "blackbox.yml", etcdCa: "etcd-ca.crt" } as const;
/** The pod's own ServiceAccount CA bundle: the cluster CA that signs kubeadm's apiserver.crt. */
export const SERVICE_ACCOUNT_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

/**
 * blackbox_exporter modules (config/config.go: Module.prober, tcp.tls, tcp.tls_config). Both verify
 * the chain against the CA that must have signed it, so an expired or foreign certificate fails the
 * probe too. etcd demands a client certificate, and the exporter has none (any certificate of the
 * etcd CA could read and write every key): over TLS 1.3 the server sends its certificate, the
 * client checks it and finishes the handshake before the server judges the client's empty
 * certificate (RFC 8446 4.4.2), and the TCP prober stops after the handshake (prober/tcp.go), so the
 * probe reads the expiry and etcd refuses the connection right after ("client didn't provide a
 * certificate", one warning in its log per probe). Over TLS 1.2 etcd aborts the handshake first.
 */
export function blackboxConfig(
    files: { etcdCa: string; clusterCa: string } = { etcdCa: `${BLACKBOX_CONFIG_DIR}/${BLACKBOX_FILES.etcdCa}`, clusterCa: SERVICE_ACCOUNT_CA },
) {
    return {
        modules: {
            etcd_tls: {
                prober: "tcp",
                timeout: "5s",
                tcp: { tls: true, tls_config: { ca_file: files.etcdCa, min_version: "TLS13" } },
            },
            apiserver_tls: {
                prober: "tcp",
                timeout: "5s",
                tcp: { tls: true, tls_config: { ca_file: files.clusterCa, min_version: "TLS12" } },
            },
        },
    };
}

const BLACKBOX_LABELS = { "app.kubernetes.io/name": BLACKBOX_EXPORTER.name };

export function blackboxDeployment(a: { configMap: string }) {
    return {
        metadata: { name: BLACKBOX_EXPORTER.name, namespace: MONITORING_NAMESPACE, labels: BLACKBOX_LABELS },
        spec: {
            replicas: 1,
            selector: { matchLabels: BLACKBOX_LABELS },
            template: {
                metadata: { labels: BLACKBOX_LABELS },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "blackbox-exporter",
                            image: BLACKBOX_EXPORTER.image,
                            args: [`--config.file=${BLACKBOX_CONFIG_DIR}/${BLACKBOX_FILES.config}`, `--web.listen-address=:${BLACKBOX_EXPORTER.port}`],
                            ports: [{ name: "http", containerPort: BLACKBOX_EXPORTER.port }],
                            readinessProbe: { httpGet: { path: "/-/healthy", port: "http" } },
                            securityContext: RESTRICTED_CONTAINER,
                            volumeMounts: [{ name: "config", mountPath: BLACKBOX_CONFIG_DIR, readOnly: true }],
                        },
                    ],
                    volumes: [{ name: "config", configMap: { name: a.configMap } }],
                },
            },
        },
    };
}

export const blackboxService = () => ({
    metadata: { name: BLACKBOX_EXPORTER.name, namespace: MONITORING_NAMESPACE, labels: BLACKBOX_LABELS },
    spec: { selector: BLACKBOX_LABELS, ports: [{ name: "http", port: BLACKBOX_EXPORTER.port, targetPort: BLACKBOX_EXPORTER.port }] },
});

/** A Probe (monitoring.coreos.com/v1) of the serving certificates of one control-plane component. */
export function certificateProbe(a: { name: string; module: "etcd_tls" | "apiserver_tls"; component: string; targets: string[] }) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Probe",
        metadata: { name: a.name, namespace: MONITORING_NAMESPACE },
        spec: {
            jobName: CERT_PROBE_JOB,
            prober: { url: `${BLACKBOX_EXPORTER.name}.${MONITORING_NAMESPACE}.svc:${BLACKBOX_EXPORTER.port}` },
            module: a.module,
            interval: "5m",
            targets: { staticConfig: { static: a.targets, labels: { component: a.component } } },
        },
    };
}

// ---------------------------------------------------------------------------------------------
// IDC kube-proxy: /metrics on 127.0.0.1:10249, plain HTTP with no authentication. A kube-rbac-proxy
// on every node (host network) serves it on the node's address over https and lets a request
// through only after TokenReview and a SubjectAccessReview for `get` on `/metrics` (the same check
// the controller-manager and scheduler make); nothing else on the node is exposed.

export const KUBE_PROXY_METRICS = "kube-proxy-metrics";
const KUBE_PROXY_METRICS_LABELS = { "app.kubernetes.io/name": KUBE_PROXY_METRICS };

export function kubeProxyMetricsDaemonSet() {
    return {
        metadata: { name: KUBE_PROXY_METRICS, namespace: MONITORING_NAMESPACE, labels: KUBE_PROXY_METRICS_LABELS },
        spec: {
            selector: { matchLabels: KUBE_PROXY_METRICS_LABELS },
            template: {
                metadata: { labels: KUBE_PROXY_METRICS_LABELS },
                spec: {
                    serviceAccountName: KUBE_PROXY_METRICS,
                    // kube-proxy's metrics listener is the node's loopback: only a host-network pod reaches it.
                    hostNetwork: true,
                    dnsPolicy: "ClusterFirstWithHostNet",
                    priorityClassName: "system-node-critical",
                    // Every node runs kube-proxy, control-plane hosts included.
                    tolerations: [{ operator: "Exists" }],
                    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [
                        {
                            name: "kube-rbac-proxy",
                            image: KUBE_RBAC_PROXY.image,
                            args: [
                                `--secure-listen-address=$(NODE_IP):${KUBE_RBAC_PROXY.port}`,
                                "--upstream=http://127.0.0.1:10249/",
                                "--allow-paths=/metrics",
                                "--tls-min-version=VersionTLS12",
                            ],
                            env: [{ name: "NODE_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } }],
                            ports: [{ name: "https-metrics", containerPort: KUBE_RBAC_PROXY.port }],
                            resources: { requests: { cpu: "10m", memory: "20Mi" }, limits: { memory: "64Mi" } },
                            securityContext: RESTRICTED_CONTAINER,
                        },
                    ],
                },
            },
        },
    };
}

/** kube-rbac-proxy asks the API server to review tokens and access (the built-in system:auth-delegator role). */
export function kubeProxyMetricsRbac() {
    return {
        serviceAccount: { metadata: { name: KUBE_PROXY_METRICS, namespace: MONITORING_NAMESPACE } },
        binding: {
            metadata: { name: `${MONITORING_NAMESPACE}:${KUBE_PROXY_METRICS}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
            subjects: [{ kind: "ServiceAccount", name: KUBE_PROXY_METRICS, namespace: MONITORING_NAMESPACE }],
        },
    };
}

export const kubeProxyMetricsService = () => ({
    // jobLabel: the series carry job="kube-proxy", as the kubernetes-mixin's rules and dashboards expect.
    metadata: { name: KUBE_PROXY_METRICS, namespace: MONITORING_NAMESPACE, labels: { ...KUBE_PROXY_METRICS_LABELS, jobLabel: "kube-proxy" } },
    spec: {
        clusterIP: "None",
        selector: KUBE_PROXY_METRICS_LABELS,
        ports: [{ name: "https-metrics", port: KUBE_RBAC_PROXY.port, targetPort: KUBE_RBAC_PROXY.port }],
    },
});

/**
 * Prometheus' ServiceAccount token over https. kube-rbac-proxy serves a self-signed certificate it
 * generates itself (no per-node certificate is issued), so the server name is not verified, as for
 * the controller-manager and scheduler.
 */
export function kubeProxyMetricsServiceMonitor() {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "kube-proxy", namespace: MONITORING_NAMESPACE },
        spec: {
            jobLabel: "jobLabel",
            selector: { matchLabels: KUBE_PROXY_METRICS_LABELS },
            endpoints: [
                {
                    port: "https-metrics",
                    path: "/metrics",
                    scheme: "https",
                    bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
                    tlsConfig: { insecureSkipVerify: true },
                    // The node, not the proxy pod, is what the series describe.
                    relabelings: [{ action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" }],
                },
            ],
        },
    };
}

/** Scrapes every Thanos workload of this layer (compactor, store gateway, query) on its http port. */
export function thanosPodMonitor() {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "thanos", namespace: MONITORING_NAMESPACE },
        spec: { selector: { matchLabels: { "app.kubernetes.io/name": "thanos" } }, podMetricsEndpoints: [{ port: "http", path: "/metrics" }] },
    };
}

// ---------------------------------------------------------------------------------------------
// Hub: Thanos Query, Query Frontend, Grafana's data source

export interface Endpoint {
    /** host:port reached over the links (an internal load balancer of the endpoint's site). */
    address: string;
    /** What it is, for the reader of the config: "sidecar idc-sh", "store acme-prod-metrics-...". */
    role: string;
}

/** Thanos Query's `--endpoint.sd-config` (cmd/thanos/endpointset.go): every endpoint over mTLS. */
export function endpointSdConfig(endpoints: Endpoint[]) {
    return {
        default_client_config: {
            server_name: GRPC_SERVER_NAME,
            tls_config: { enabled: true, ca_file: `${TLS_DIR}/ca.crt`, cert_file: `${TLS_DIR}/tls.crt`, key_file: `${TLS_DIR}/tls.key`, min_version: "1.3" },
        },
        endpoints: [...endpoints].sort((a, b) => byText(a.address, b.address)).map((e) => ({ address: e.address })),
    };
}

const QUERY_LABELS = { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": "query" };
const FRONTEND_LABELS = { "app.kubernetes.io/name": "thanos", "app.kubernetes.io/component": "query-frontend" };
const SD_DIR = "/etc/thanos/endpoints";

/** A Deployment of one Thanos component: its labels select its pods, which run as Thanos' non-root user. */
function thanosDeployment<C, V = never>(a: { name: string; labels: Record<string, string>; replicas: number; container: C; volumes?: V[] }) {
    return {
        metadata: { name: a.name, namespace: MONITORING_NAMESPACE, labels: a.labels },
        spec: {
            replicas: a.replicas,
            selector: { matchLabels: a.labels },
            template: {
                metadata: { labels: a.labels },
                spec: {
                    securityContext: { runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{ ...a.container, securityContext: RESTRICTED_CONTAINER }],
                    ...(a.volumes ? { volumes: a.volumes } : {}),
                },
            },
        },
    };
}

export function queryDeployment(a: { name: string; sdConfigMap: string; clientTlsSecret: string; replicas: number }) {
    return thanosDeployment({
        name: a.name,
        labels: QUERY_LABELS,
        replicas: a.replicas,
        container: {
            name: "query",
            image: THANOS.image,
            args: [
                "query",
                `--grpc-address=0.0.0.0:${PORTS.grpc}`,
                `--http-address=0.0.0.0:${PORTS.http}`,
                `--query.replica-label=${REPLICA_LABEL}`,
                `--endpoint.sd-config-file=${SD_DIR}/endpoints.yaml`,
                "--endpoint.sd-config-reload-interval=1m",
            ],
            ...THANOS_GRPC_SERVING,
            volumeMounts: [
                { name: "endpoints", mountPath: SD_DIR, readOnly: true },
                { name: "tls", mountPath: TLS_DIR, readOnly: true },
            ],
        },
        volumes: [
            { name: "endpoints", configMap: { name: a.sdConfigMap } },
            { name: "tls", secret: { secretName: a.clientTlsSecret } },
        ],
    });
}

export function queryFrontendDeployment(a: { name: string; queryService: string; replicas: number }) {
    return thanosDeployment({
        name: a.name,
        labels: FRONTEND_LABELS,
        replicas: a.replicas,
        container: {
            name: "query-frontend",
            image: THANOS.image,
            args: [
                "query-frontend",
                `--http-address=0.0.0.0:${PORTS.http}`,
                `--query-frontend.downstream-url=http://${a.queryService}.${MONITORING_NAMESPACE}.svc:${PORTS.http}`,
                "--query-range.split-interval=24h",
                "--query-frontend.compress-responses",
            ],
            ports: [{ name: "http", containerPort: PORTS.http }],
            readinessProbe: { httpGet: { path: "/-/ready", port: "http" } },
        },
    });
}

export const queryService = (name: string) => ({
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: QUERY_LABELS },
    spec: {
        selector: QUERY_LABELS,
        ports: [
            { name: "grpc", port: PORTS.grpc, targetPort: PORTS.grpc },
            { name: "http", port: PORTS.http, targetPort: PORTS.http },
        ],
    },
});
export const queryFrontendService = (name: string) => ({
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: FRONTEND_LABELS },
    spec: { selector: FRONTEND_LABELS, ports: [{ name: "http", port: PORTS.http, targetPort: PORTS.http }] },
});

/** Grafana's data source (picked up by the kube-prometheus-stack Grafana sidecar, label grafana_datasource). */
export function grafanaDatasource(frontendService: string): string {
    return JSON.stringify({
        apiVersion: 1,
        datasources: [
            {
                name: "Thanos",
                uid: "thanos",
                type: "prometheus",
                access: "proxy",
                url: `http://${frontendService}.${MONITORING_NAMESPACE}.svc:${PORTS.http}`,
                isDefault: false,
                jsonData: { prometheusType: "Thanos", timeInterval: "30s" },
            },
        ],
    });
}
