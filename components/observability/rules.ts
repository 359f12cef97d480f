// The platform's own alerts, one PrometheusRule per cluster beside kube-prometheus-stack's
// defaults. Thresholds follow the etcd docs ("Tuning": WAL fsync p99 < 10 ms, backend commit p99
// < 25 ms on SSD/NVMe), the kubernetes-mixin (API server errors and latency, client certificate
// expiry) and the thanos-mixin (sidecar uploads). Every group passes `promtool check rules`, and the
// main alerts have `promtool test rules` cases (test/integration/observability.test.ts).
import { CERT_PROBE_JOB, type Severity } from "./render";

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: Severity };
    annotations: { summary: string; description: string };
}
export interface RuleGroup {
    name: string;
    rules: AlertRule[];
}

const rule = (alert: string, severity: Severity, expr: string, forDuration: string | undefined, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description },
});

const DAY = 24 * 3600;
const WEEK = 7 * DAY;

export interface RuleArgs {
    /** IDC clusters: etcd and the kubeadm certificates are ours to watch. */
    idc: boolean;
    /** Who adds nodes: Karpenter (EKS, scraped), ACK's managed cluster-autoscaler (not scrapeable), or nobody (IDC). */
    autoscaler?: "karpenter" | "cluster-autoscaler";
}

export function platformRuleGroups(a: RuleArgs): RuleGroup[] {
    const groups: RuleGroup[] = [];
    if (a.idc) {
        groups.push({
            name: "platform-etcd",
            rules: [
                rule(
                    "EtcdNoLeader",
                    "critical",
                    'etcd_server_has_leader{job=~".*etcd.*"} == 0',
                    "1m",
                    "etcd member {{ $labels.instance }} has no leader",
                    "The member sees no leader: writes fail; with several members at once the cluster has lost quorum.",
                ),
                rule(
                    "EtcdFrequentLeaderChanges",
                    "warning",
                    'increase(etcd_server_leader_changes_seen_total{job=~".*etcd.*"}[15m]) >= 3',
                    "5m",
                    "etcd member {{ $labels.instance }} saw {{ $value }} leader changes in 15 minutes",
                    "Frequent elections point at a flapping network or slow disks between members (split-brain risk).",
                ),
                rule(
                    "EtcdHighFsyncLatency",
                    "warning",
                    'histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{job=~".*etcd.*"}[5m]))) > 0.01',
                    "10m",
                    "etcd WAL fsync p99 on {{ $labels.instance }} is {{ $value }}s",
                    "Above 10 ms on an NVMe member: the disk is saturated or failing.",
                ),
                rule(
                    "EtcdHighCommitLatency",
                    "warning",
                    'histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket{job=~".*etcd.*"}[5m]))) > 0.025',
                    "10m",
                    "etcd backend commit p99 on {{ $labels.instance }} is {{ $value }}s",
                    "Above 25 ms on an NVMe member: the disk is saturated or failing.",
                ),
            ],
        });
        groups.push({
            name: "platform-certificates",
            rules: [
                rule(
                    "KubeadmClientCertificateExpiring",
                    "warning",
                    `apiserver_client_certificate_expiration_seconds_count{job="apiserver"} > 0 and on (job) histogram_quantile(0.01, sum by (job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) < ${WEEK}`,
                    "5m",
                    "A client certificate used against the API server expires within 7 days",
                    "kubeadm's certificates (admin, controller-manager, scheduler, kubelet clients) are renewed by `kubeadm certs renew` or an upgrade.",
                ),
                // Serving certificates (etcd members, every API server) as the blackbox exporter saw
                // them: the earliest expiry among the certificates each one sends (an expired CA fails the probe instead).
                rule(
                    "ServingCertificateExpiring",
                    "warning",
                    `probe_ssl_earliest_cert_expiry{job="${CERT_PROBE_JOB}"} - time() < ${2 * WEEK}`,
                    "15m",
                    "The {{ $labels.component }} serving certificate of {{ $labels.instance }} expires within 14 days",
                    "etcd certificates are re-issued by this program (a new deployment); kubeadm's by `kubeadm certs renew` or an upgrade.",
                ),
                rule(
                    "ServingCertificateExpiringSoon",
                    "critical",
                    `probe_ssl_earliest_cert_expiry{job="${CERT_PROBE_JOB}"} - time() < ${2 * DAY}`,
                    "15m",
                    "The {{ $labels.component }} serving certificate of {{ $labels.instance }} expires within 2 days",
                    "Once expired, clients refuse the member or API server: renew it now.",
                ),
                rule(
                    "ServingCertificateProbeFailing",
                    "warning",
                    `probe_success{job="${CERT_PROBE_JOB}"} == 0`,
                    "15m",
                    "The TLS probe of {{ $labels.component }} on {{ $labels.instance }} fails",
                    "Unreachable, or a certificate that is expired or not signed by the expected CA: its expiry is no longer watched.",
                ),
                rule(
                    "KubeletServingCertificateExpiring",
                    "warning",
                    `kubelet_certificate_manager_server_ttl_seconds < ${WEEK}`,
                    undefined,
                    "The kubelet serving certificate of {{ $labels.node }} expires within 7 days",
                    "Serving certificate rotation (kubelet-serving CSRs) is failing on this node: check the CSR approver.",
                ),
                rule(
                    "KubeletClientCertificateExpiring",
                    "warning",
                    `kubelet_certificate_manager_client_ttl_seconds < ${WEEK}`,
                    undefined,
                    "The kubelet client certificate of {{ $labels.node }} expires within 7 days",
                    "Kubelet certificate rotation is failing on this node.",
                ),
            ],
        });
    }
    groups.push({
        name: "platform-nodes",
        rules: [
            rule(
                "NodeDiskIOSaturation",
                "warning",
                'rate(node_disk_io_time_seconds_total{device=~"(nvme|sd|vd|xvd)[a-z0-9]+"}[5m]) > 0.9',
                "15m",
                "Disk {{ $labels.device }} on {{ $labels.instance }} is busy {{ $value | humanizePercentage }} of the time",
                "A saturated disk slows every pod on the node (and etcd if it is an etcd host).",
            ),
            rule(
                "NodeMemoryAboveAllocatable",
                "warning",
                'sum by (node) (node_namespace_pod_container:container_memory_working_set_bytes) / sum by (node) (kube_node_status_allocatable{resource="memory"}) > 0.85',
                "15m",
                "Pods on {{ $labels.node }} use {{ $value | humanizePercentage }} of its allocatable memory",
                "Above 85 % the kubelet starts evicting pods.",
            ),
        ],
    });
    groups.push({
        name: "platform-apiserver",
        rules: [
            rule(
                "KubeAPIServerErrorsHigh",
                "critical",
                'sum(rate(apiserver_request_total{job="apiserver",code=~"5.."}[5m])) / sum(rate(apiserver_request_total{job="apiserver"}[5m])) > 0.05',
                "10m",
                "{{ $value | humanizePercentage }} of API server requests fail",
                "More than 5 % of requests answer 5xx.",
            ),
            rule(
                "KubeAPIServerLatencyHigh",
                "warning",
                'histogram_quantile(0.99, sum by (verb, le) (rate(apiserver_request_duration_seconds_bucket{job="apiserver",verb!~"WATCH|CONNECT"}[5m]))) > 1',
                "10m",
                "API server {{ $labels.verb }} p99 latency is {{ $value }}s",
                "Slow API calls (etcd latency or overload).",
            ),
        ],
    });
    if (a.autoscaler === "karpenter") {
        groups.push({
            name: "platform-autoscaling",
            rules: [
                rule(
                    "KarpenterCloudProviderErrors",
                    "warning",
                    "sum by (controller, method) (increase(karpenter_cloudprovider_errors_total[15m])) > 0",
                    "15m",
                    "Karpenter's {{ $labels.controller }} fails calling {{ $labels.method }}",
                    "Karpenter cannot launch or delete instances: pending pods will not get nodes.",
                ),
            ],
        });
    } else if (a.autoscaler === "cluster-autoscaler") {
        // ACK runs its cluster-autoscaler in the managed control plane (it is one of the control-plane
        // components whose logs ACK ships to SLS: the UpdateControlPlaneLog API lists
        // `cluster-autoscaler` beside apiserver and kcm), so no Prometheus in the cluster can scrape
        // cluster_autoscaler_* metrics. What is observable is the outcome: a pod the scheduler
        // cannot place (kube-state-metrics' kube_pod_status_unschedulable) that no new node
        // absorbs. ACK adds a node within minutes (alicloud.cs.AutoscalingConfig scanInterval: 30 s by
        // default, then an ECS instance boots and joins); 15 minutes is the kubernetes-mixin's
        // KubePodNotReady wait.
        groups.push({
            name: "platform-autoscaling",
            rules: [
                rule(
                    "NodeAutoscalingNotProvisioning",
                    "warning",
                    'max by (namespace, pod) (kube_pod_status_unschedulable{job="kube-state-metrics"}) > 0',
                    "15m",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been unschedulable for 15 minutes",
                    "Node auto scaling added no node that fits it: a pool at its maximum, instance types out of stock, or a constraint no pool meets. ACK's cluster-autoscaler runs in the managed control plane; its reason is in the pod's events (FailedScaleUp, NotTriggerScaleUp) and its control-plane log.",
                ),
            ],
        });
    }
    groups.push({
        name: "platform-thanos",
        rules: [
            rule(
                "ThanosSidecarNotUploading",
                "critical",
                // Only a sidecar up for over 3 h: a restarted one (a drain, an upgrade) has uploaded
                // nothing yet for up to 2 h, the next block's age, and would page for nothing.
                'increase(thanos_shipper_uploads_total{job=~".*thanos-discovery.*"}[3h]) == 0 and on (job, pod) (time() - process_start_time_seconds{job=~".*thanos-discovery.*"}) > 3 * 3600',
                "15m",
                "The Thanos sidecar {{ $labels.pod }} uploaded no block in 3 hours",
                "Prometheus cuts a block every 2 h: without uploads the fleet loses this cluster's history beyond the local retention.",
            ),
            rule(
                "ThanosSidecarUploadFailures",
                "warning",
                'increase(thanos_shipper_upload_failures_total{job=~".*thanos-discovery.*"}[1h]) > 0',
                undefined,
                "The Thanos sidecar {{ $labels.pod }} fails to upload blocks",
                "Check the objstore Secret and the bucket's credentials.",
            ),
            rule(
                "ThanosCompactHalted",
                "critical",
                "thanos_compact_halted == 1",
                "5m",
                "The Thanos compactor {{ $labels.pod }} halted",
                "It stopped on an error (overlapping blocks, bucket access): the bucket is no longer compacted, downsampled or pruned.",
            ),
        ],
    });
    return groups;
}
