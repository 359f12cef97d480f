// The fleet's Grafana dashboards (Grafana dashboard JSON model, schemaVersion 39), over the Thanos
// data source, each with a `cluster` variable built from the external labels.
const panel = (id: number, title: string, expr: string, unit: string, y: number) => ({
    id,
    title,
    type: "timeseries",
    datasource: { type: "prometheus", uid: "thanos" },
    gridPos: { h: 8, w: 12, x: (id % 2) * 12, y },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: [{ refId: "A", expr, legendFormat: "{{cluster}} {{instance}}" }],
});

const dashboard = (uid: string, title: string, panels: [string, string, string][]) => ({
    uid,
    title,
    tags: ["fleet"],
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    templating: {
        list: [
            {
                name: "cluster",
                type: "query",
                datasource: { type: "prometheus", uid: "thanos" },
                query: { query: "label_values(up, cluster)", refId: "cluster" },
                multi: true,
                includeAll: true,
                refresh: 2,
            },
        ],
    },
    panels: panels.map(([t, e, u], i) => panel(i, t, e, u, Math.floor(i / 2) * 8)),
});

export function fleetDashboards(): Record<string, object> {
    return {
        "fleet-cluster-health.json": dashboard("fleet-cluster-health", "Fleet / Cluster health", [
            ["Targets up", 'sum by (cluster) (up{cluster=~"$cluster"})', "short"],
            ["Targets down", 'sum by (cluster) (up{cluster=~"$cluster"} == 0)', "short"],
            ["Nodes ready", 'sum by (cluster) (kube_node_status_condition{condition="Ready",status="true",cluster=~"$cluster"})', "short"],
            ["Pods not running", 'sum by (cluster) (kube_pod_status_phase{phase!~"Running|Succeeded",cluster=~"$cluster"})', "short"],
            ["Firing alerts", 'sum by (cluster, severity) (ALERTS{alertstate="firing",cluster=~"$cluster"})', "short"],
        ]),
        "fleet-etcd.json": dashboard("fleet-etcd", "Fleet / etcd", [
            ["Has leader", 'etcd_server_has_leader{cluster=~"$cluster"}', "short"],
            ["Leader changes (1h)", 'increase(etcd_server_leader_changes_seen_total{cluster=~"$cluster"}[1h])', "short"],
            [
                "WAL fsync p99",
                'histogram_quantile(0.99, sum by (cluster, instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{cluster=~"$cluster"}[5m])))',
                "s",
            ],
            [
                "Backend commit p99",
                'histogram_quantile(0.99, sum by (cluster, instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket{cluster=~"$cluster"}[5m])))',
                "s",
            ],
            ["DB size", 'etcd_mvcc_db_total_size_in_bytes{cluster=~"$cluster"}', "bytes"],
        ]),
        "fleet-apiserver.json": dashboard("fleet-apiserver", "Fleet / API server", [
            ["Requests by code", 'sum by (cluster, code) (rate(apiserver_request_total{cluster=~"$cluster"}[5m]))', "reqps"],
            [
                "Error ratio",
                'sum by (cluster) (rate(apiserver_request_total{code=~"5..",cluster=~"$cluster"}[5m])) / sum by (cluster) (rate(apiserver_request_total{cluster=~"$cluster"}[5m]))',
                "percentunit",
            ],
            [
                "p99 latency by verb",
                'histogram_quantile(0.99, sum by (cluster, verb, le) (rate(apiserver_request_duration_seconds_bucket{verb!~"WATCH|CONNECT",cluster=~"$cluster"}[5m])))',
                "s",
            ],
            ["Inflight requests", 'sum by (cluster, request_kind) (apiserver_current_inflight_requests{cluster=~"$cluster"})', "short"],
        ]),
        "fleet-node-resources.json": dashboard("fleet-node-resources", "Fleet / Node resources", [
            ["CPU busy", '1 - avg by (cluster, instance) (rate(node_cpu_seconds_total{mode="idle",cluster=~"$cluster"}[5m]))', "percentunit"],
            ["Memory used", '1 - node_memory_MemAvailable_bytes{cluster=~"$cluster"} / node_memory_MemTotal_bytes{cluster=~"$cluster"}', "percentunit"],
            ["Disk I/O busy", 'rate(node_disk_io_time_seconds_total{cluster=~"$cluster"}[5m])', "percentunit"],
            [
                "Filesystem free",
                'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay",cluster=~"$cluster"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay",cluster=~"$cluster"}',
                "percentunit",
            ],
        ]),
    };
}
