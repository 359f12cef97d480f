// The platform alerts as the prod and dev fleets declare them (each cluster's PrometheusRule,
// taken from the mock engine), checked by Debian's real promtool: every rule group passes
// `promtool check rules`, and `promtool test rules` shows each main alert firing on a crafted
// series and staying silent on a healthy one. promtool compares alert annotations exactly, so the
// unit-test copy of a rule file drops only the annotations (whose templates `check rules` has
// already parsed on the verbatim file); expressions, `for` and labels are the program's own.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { dataDir, EtcdMember, EtcdPaths, renderEtcdConfig } from "../../components/idc/render";
import { blackboxConfig } from "../../components/observability/render";
import { loadStackSpec, runFleet } from "../harness";
import { etcdMemberPki, issue, makeCa, Processes, requireTool, run, sleep, tempDir } from "./idcTools";

interface Group {
    name: string;
    rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** One promtool unit-test case: input series and, at one time, the alerts expected (or none). */
interface Case {
    alert: string;
    series: Record<string, string>;
    at: string;
    fires: Record<string, string>[];
}

const ETCD = 'job="kube-etcd"';
const hist = (name: string, labels: string, buckets: Record<string, string>) =>
    Object.fromEntries(Object.entries(buckets).map(([le, values]) => [`${name}{${labels},le="${le}"}`, values]));

// kind -> cases; each case pairs a failing and a healthy series, or a healthy-only run.
const CASES: Record<"idc" | "eks" | "ack", Case[]> = {
    idc: [
        {
            alert: "EtcdNoLeader",
            series: { [`etcd_server_has_leader{${ETCD},instance="etcd-1"}`]: "0x10", [`etcd_server_has_leader{${ETCD},instance="etcd-2"}`]: "1x10" },
            at: "5m",
            fires: [{ severity: "critical", job: "kube-etcd", instance: "etcd-1" }],
        },
        {
            alert: "EtcdFrequentLeaderChanges",
            series: {
                [`etcd_server_leader_changes_seen_total{${ETCD},instance="etcd-1"}`]: "0+1x30",
                [`etcd_server_leader_changes_seen_total{${ETCD},instance="etcd-2"}`]: "2x30",
            },
            at: "25m",
            fires: [{ severity: "warning", job: "kube-etcd", instance: "etcd-1" }],
        },
        {
            alert: "EtcdHighFsyncLatency",
            series: {
                // etcd-1: every fsync between 8 and 16 ms (p99 ~ 16 ms); etcd-2: all under 8 ms.
                ...hist("etcd_disk_wal_fsync_duration_seconds_bucket", `${ETCD},instance="etcd-1"`, { "0.008": "0x40", "0.016": "0+10x40", "+Inf": "0+10x40" }),
                ...hist("etcd_disk_wal_fsync_duration_seconds_bucket", `${ETCD},instance="etcd-2"`, {
                    "0.008": "0+10x40",
                    "0.016": "0+10x40",
                    "+Inf": "0+10x40",
                }),
            },
            at: "30m",
            fires: [{ severity: "warning", instance: "etcd-1" }],
        },
        {
            alert: "EtcdHighCommitLatency",
            series: {
                ...hist("etcd_disk_backend_commit_duration_seconds_bucket", `${ETCD},instance="etcd-1"`, {
                    "0.016": "0x40",
                    "0.064": "0+10x40",
                    "+Inf": "0+10x40",
                }),
                ...hist("etcd_disk_backend_commit_duration_seconds_bucket", `${ETCD},instance="etcd-2"`, {
                    "0.016": "0+10x40",
                    "0.064": "0+10x40",
                    "+Inf": "0+10x40",
                }),
            },
            at: "30m",
            fires: [{ severity: "warning", instance: "etcd-1" }],
        },
        {
            alert: "NodeDiskIOSaturation",
            // 57 s busy per 60 s = 95 %; the other disk 50 %.
            series: {
                'node_disk_io_time_seconds_total{job="node-exporter",instance="10.10.1.11:9100",device="nvme0n1"}': "0+57x40",
                'node_disk_io_time_seconds_total{job="node-exporter",instance="10.10.2.11:9100",device="nvme0n1"}': "0+30x40",
            },
            at: "30m",
            fires: [{ severity: "warning", job: "node-exporter", instance: "10.10.1.11:9100", device: "nvme0n1" }],
        },
        {
            alert: "NodeMemoryAboveAllocatable",
            series: {
                'node_namespace_pod_container:container_memory_working_set_bytes{node="worker-1",namespace="a",pod="p",container="c"}': "90x30",
                'node_namespace_pod_container:container_memory_working_set_bytes{node="worker-2",namespace="a",pod="q",container="c"}': "50x30",
                'kube_node_status_allocatable{node="worker-1",resource="memory"}': "100x30",
                'kube_node_status_allocatable{node="worker-2",resource="memory"}': "100x30",
            },
            at: "20m",
            fires: [{ severity: "warning", node: "worker-1" }],
        },
        {
            alert: "KubeAPIServerErrorsHigh",
            series: { 'apiserver_request_total{job="apiserver",code="500"}': "0+10x30", 'apiserver_request_total{job="apiserver",code="200"}': "0+90x30" },
            at: "20m",
            fires: [{ severity: "critical" }],
        },
        {
            alert: "KubeAPIServerErrorsHigh",
            // Healthy: 1 % errors.
            series: { 'apiserver_request_total{job="apiserver",code="500"}': "0+1x30", 'apiserver_request_total{job="apiserver",code="200"}': "0+99x30" },
            at: "20m",
            fires: [],
        },
        {
            alert: "KubeAPIServerLatencyHigh",
            series: {
                ...hist("apiserver_request_duration_seconds_bucket", 'job="apiserver",verb="LIST"', { "1": "0x30", "4": "0+10x30", "+Inf": "0+10x30" }),
                ...hist("apiserver_request_duration_seconds_bucket", 'job="apiserver",verb="GET"', { "1": "0+10x30", "4": "0+10x30", "+Inf": "0+10x30" }),
            },
            at: "20m",
            fires: [{ severity: "warning", verb: "LIST" }],
        },
        {
            alert: "KubeadmClientCertificateExpiring",
            // Every client certificate presented expires within a day (the lowest bucket).
            series: {
                'apiserver_client_certificate_expiration_seconds_count{job="apiserver",instance="10.10.0.11:6443"}': "0+10x20",
                ...hist("apiserver_client_certificate_expiration_seconds_bucket", 'job="apiserver",instance="10.10.0.11:6443"', {
                    "86400": "0+10x20",
                    "604800": "0+10x20",
                    "31104000": "0+10x20",
                    "+Inf": "0+10x20",
                }),
            },
            at: "15m",
            fires: [{ severity: "warning", job: "apiserver", instance: "10.10.0.11:6443" }],
        },
        {
            alert: "KubeadmClientCertificateExpiring",
            // Healthy: every certificate has months left.
            series: {
                'apiserver_client_certificate_expiration_seconds_count{job="apiserver",instance="10.10.0.11:6443"}': "0+10x20",
                ...hist("apiserver_client_certificate_expiration_seconds_bucket", 'job="apiserver",instance="10.10.0.11:6443"', {
                    "86400": "0x20",
                    "604800": "0x20",
                    "31104000": "0+10x20",
                    "+Inf": "0+10x20",
                }),
            },
            at: "15m",
            fires: [],
        },
        {
            alert: "ServingCertificateExpiring",
            // promtool starts at time() = 0: etcd-1's chain expires 3 days in, etcd-2's after 90 days.
            series: {
                'probe_ssl_earliest_cert_expiry{job="serving-certs",component="etcd",instance="10.10.0.21:2379"}': "259200x40",
                'probe_ssl_earliest_cert_expiry{job="serving-certs",component="etcd",instance="10.10.0.22:2379"}': "7776000x40",
            },
            at: "30m",
            fires: [{ severity: "warning", job: "serving-certs", component: "etcd", instance: "10.10.0.21:2379" }],
        },
        {
            alert: "ServingCertificateExpiringSoon",
            series: {
                'probe_ssl_earliest_cert_expiry{job="serving-certs",component="apiserver",instance="10.10.0.11:6443"}': "86400x40",
                'probe_ssl_earliest_cert_expiry{job="serving-certs",component="apiserver",instance="10.10.0.12:6443"}': "259200x40",
            },
            at: "30m",
            fires: [{ severity: "critical", job: "serving-certs", component: "apiserver", instance: "10.10.0.11:6443" }],
        },
        {
            alert: "ServingCertificateExpiring",
            // Healthy: months left everywhere.
            series: { 'probe_ssl_earliest_cert_expiry{job="serving-certs",component="etcd",instance="10.10.0.21:2379"}': "31536000x40" },
            at: "30m",
            fires: [],
        },
        {
            alert: "ServingCertificateProbeFailing",
            series: {
                'probe_success{job="serving-certs",component="etcd",instance="10.10.0.21:2379"}': "0x40",
                'probe_success{job="serving-certs",component="etcd",instance="10.10.0.22:2379"}': "1x40",
            },
            at: "30m",
            fires: [{ severity: "warning", job: "serving-certs", component: "etcd", instance: "10.10.0.21:2379" }],
        },
        {
            alert: "KubeletServingCertificateExpiring",
            series: {
                'kubelet_certificate_manager_server_ttl_seconds{node="worker-1"}': "86400x5",
                'kubelet_certificate_manager_server_ttl_seconds{node="worker-2"}': "31536000x5",
            },
            at: "2m",
            fires: [{ severity: "warning", node: "worker-1" }],
        },
        {
            alert: "KubeletClientCertificateExpiring",
            series: {
                'kubelet_certificate_manager_client_ttl_seconds{node="worker-1"}': "86400x5",
                'kubelet_certificate_manager_client_ttl_seconds{node="worker-2"}': "31536000x5",
            },
            at: "2m",
            fires: [{ severity: "warning", node: "worker-1" }],
        },
        {
            alert: "ThanosSidecarNotUploading",
            // pod-0 uploaded nothing for 4 h; pod-1 uploads every hour; pod-2 restarted 30 min ago (a
            // drain) and has uploaded nothing yet, as a sidecar does for up to 2 h: no page for it.
            series: {
                'thanos_shipper_uploads_total{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-0"}': "3x300",
                'process_start_time_seconds{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-0"}': "0x300",
                'thanos_shipper_uploads_total{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-1"}': "0+0.0167x300",
                'process_start_time_seconds{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-1"}': "0x300",
                'thanos_shipper_uploads_total{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-2"}': "_x209 0x90",
                'process_start_time_seconds{job="kps-thanos-discovery",pod="prometheus-kps-prometheus-2"}': "_x209 12600x90",
            },
            at: "4h",
            fires: [{ severity: "critical", job: "kps-thanos-discovery", pod: "prometheus-kps-prometheus-0" }],
        },
        {
            alert: "ThanosCompactHalted",
            series: {
                'thanos_compact_halted{job="monitoring/thanos",pod="thanos-b-compactor-0"}': "1x20",
                'thanos_compact_halted{job="monitoring/thanos",pod="thanos-c-compactor-0"}': "0x20",
            },
            at: "10m",
            fires: [{ severity: "critical", job: "monitoring/thanos", pod: "thanos-b-compactor-0" }],
        },
    ],
    eks: [
        {
            alert: "KarpenterCloudProviderErrors",
            series: {
                'karpenter_cloudprovider_errors_total{controller="nodeclaim.lifecycle",method="Create",error="InsufficientCapacityError"}': "0+1x40",
                'karpenter_cloudprovider_errors_total{controller="nodeclaim.disruption",method="Delete",error="NotFound"}': "4x40",
            },
            at: "35m",
            fires: [{ severity: "warning", controller: "nodeclaim.lifecycle", method: "Create" }],
        },
    ],
    ack: [
        {
            alert: "NodeAutoscalingNotProvisioning",
            // web-1 unschedulable for 20 minutes; web-2 placed after 5 (a node joined); both series
            // as kube-state-metrics exports them (one per pod and uid).
            series: {
                'kube_pod_status_unschedulable{job="kube-state-metrics",namespace="shop",pod="web-1",uid="a"}': "1x25",
                'kube_pod_status_unschedulable{job="kube-state-metrics",namespace="shop",pod="web-2",uid="b"}': "1x5 _x20",
            },
            at: "20m",
            fires: [{ severity: "warning", namespace: "shop", pod: "web-1" }],
        },
        {
            alert: "NodeAutoscalingNotProvisioning",
            // Healthy: a pod that waited 10 minutes for its node (then placed) never pages.
            series: { 'kube_pod_status_unschedulable{job="kube-state-metrics",namespace="shop",pod="web-3",uid="c"}': "1x10 _x20" },
            at: "20m",
            fires: [],
        },
    ],
};

describe("platform alerts checked by promtool check rules and promtool test rules", function () {
    this.timeout(180_000);
    let dir: string;
    const files: { stack: string; cluster: string; kind: "idc" | "eks" | "ack"; groups: Group[] }[] = [];
    /** Every query of every Grafana dashboard the hubs provision: `<stack> <dashboard> <panel>` -> PromQL. */
    const dashboardQueries = new Map<string, string>();

    before(async function () {
        requireTool("promtool");
        dir = tempDir("promtool-");
        for (const stack of ["prod", "dev"] as const) {
            const spec = loadStackSpec(stack);
            const { inventory } = await runFleet(spec);
            for (const r of inventory.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")) {
                const cluster = inventory.providerOf(r)!.name.replace(/-k8s$/, "");
                const kind = spec.clusters.find((c) => c.name === cluster)!.provider;
                files.push({ stack, cluster, kind, groups: r.inputs.spec.groups });
            }
            for (const map of inventory.ofType("kubernetes:core/v1:ConfigMap").filter((m) => m.inputs.metadata.labels?.grafana_dashboard === "1")) {
                for (const json of Object.values<string>(map.inputs.data)) {
                    const board = JSON.parse(json) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
                    for (const p of board.panels) p.targets.forEach((t, i) => dashboardQueries.set(`${stack} ${board.uid} ${p.title} ${i}`, t.expr));
                }
            }
        }
        assert.strictEqual(files.length, 6, "one PrometheusRule per cluster of prod and dev");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("parses every query of the fleet dashboards (promtool check rules, each a recording rule; Grafana's $cluster as a regex)", () => {
        assert.ok(dashboardQueries.size >= 2 * 12, `only ${dashboardQueries.size} dashboard queries`);
        const record = (name: string, expr: string) => ({ record: `dashboard:${name}`, expr: expr.replaceAll("$cluster", ".+") });
        const check = (exprs: string[]) => {
            const file = path.join(dir, "dashboards.rules.yaml");
            fs.writeFileSync(file, YAML.stringify({ groups: [{ name: "dashboards", rules: exprs.map((e, i) => record(`q${i}`, e)) }] }));
            return run("promtool", ["check", "rules", file]);
        };
        const all = check([...dashboardQueries.values()]);
        assert.strictEqual(all.status, 0, `${all.stdout}${all.stderr}`);
        assert.match(all.stdout, new RegExp(`SUCCESS: ${dashboardQueries.size} rules found`), all.stdout);
        // A query promtool cannot parse fails the check.
        assert.notStrictEqual(check(['sum by (cluster (up{cluster=~"$cluster"})']).status, 0);
    });

    it("passes promtool check rules for every cluster's rule groups", () => {
        for (const f of files) {
            const file = path.join(dir, `${f.stack}-${f.cluster}.rules.yaml`);
            fs.writeFileSync(file, YAML.stringify({ groups: f.groups }));
            const r = run("promtool", ["check", "rules", file]);
            assert.strictEqual(r.status, 0, `${f.cluster}: ${r.stdout}${r.stderr}`);
            const count = f.groups.reduce((n, g) => n + g.rules.length, 0);
            assert.match(r.stdout, new RegExp(`SUCCESS: ${count} rules found`), r.stdout);
        }
        // promtool sees a broken expression and a broken template.
        const broken = path.join(dir, "broken.rules.yaml");
        const g = structuredClone(files[0].groups);
        g[0].rules[0].expr = "sum by (instance (up)";
        fs.writeFileSync(broken, YAML.stringify({ groups: g }));
        assert.notStrictEqual(run("promtool", ["check", "rules", broken]).status, 0);
        g[0].rules[0].expr = "up == 0";
        g[0].rules[0].annotations.summary = "{{ $labels.instance ";
        fs.writeFileSync(broken, YAML.stringify({ groups: g }));
        assert.notStrictEqual(run("promtool", ["check", "rules", broken]).status, 0);
    });

    for (const kind of ["idc", "eks", "ack"] as const) {
        it(`passes promtool test rules: the ${kind} alerts fire on a crafted series and stay silent on a healthy one`, () => {
            const f = files.find((x) => x.stack === "prod" && x.kind === kind)!;
            const rules = path.join(dir, `${kind}-under-test.rules.yaml`);
            fs.writeFileSync(
                rules,
                YAML.stringify({ groups: f.groups.map((g) => ({ name: g.name, rules: g.rules.map(({ annotations: _a, ...rule }) => rule) })) }),
            );
            const tested = new Set(CASES[kind].map((c) => c.alert));
            for (const alert of tested)
                assert.ok(
                    f.groups.some((g) => g.rules.some((r) => r.alert === alert)),
                    `${alert} is not a rule of ${f.cluster}`,
                );
            const tests = CASES[kind].map((c) => ({
                interval: "1m",
                input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
                alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: c.fires.map((labels) => ({ exp_labels: labels })) }],
            }));
            const file = path.join(dir, `${kind}.test.yaml`);
            fs.writeFileSync(file, YAML.stringify({ rule_files: [path.basename(rules)], evaluation_interval: "1m", tests }));
            const r = run("promtool", ["test", "rules", file]);
            assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
            // The same series with the failing instance made healthy: promtool must then reject the expectation.
            const silent = tests
                .filter((_, i) => CASES[kind][i].fires.length > 0)
                .map((t) => ({ ...t, alert_rule_test: t.alert_rule_test.map((a) => ({ ...a, exp_alerts: [] })) }));
            const negative = path.join(dir, `${kind}.negative.test.yaml`);
            fs.writeFileSync(negative, YAML.stringify({ rule_files: [path.basename(rules)], evaluation_interval: "1m", tests: silent }));
            const n = run("promtool", ["test", "rules", negative]);
            assert.notStrictEqual(n.status, 0, "promtool accepted 'no alert' where the alert fires");
            for (const c of CASES[kind].filter((x) => x.fires.length > 0))
                assert.ok(`${n.stdout}${n.stderr}`.includes(c.alert), `${c.alert} missing from the failures`);
        });
    }
});

// How monitoring watches the IDC etcd without holding any credential: Prometheus scrapes the plain
// metrics listener on the member's address (etcd.metricsListener: member, the default), and the
// blackbox exporter reads the serving certificates' expiry over TLS 1.3 with no client certificate.
// etcd runs without auth: any certificate of its CA may read and write every key, so monitoring gets none.
// A real etcd from the rendered member config, a real blackbox_exporter from the rendered modules.
describe("IDC etcd watched with no credential: plain metrics on the member's address, serving-certificate expiry over TLS 1.3 (a real etcd and blackbox_exporter)", function () {
    this.timeout(120_000);
    const processes = new Processes();
    let root: string;
    const member: EtcdMember = { name: "etcd-metrics-1", address: "127.0.0.31" };
    const ports = { client: 23791, peer: 23801, metrics: 23811 };
    let ca: { cert: string; key: string };
    let etcdctl: { cert: string; key: string };

    const curl = (args: string[]) => run("curl", ["--silent", "--show-error", "--max-time", "5", ...args]);
    const clientUrl = `https://${member.address}:${ports.client}`;
    const etcdctlRun = (args: string[], cert?: { cert: string; key: string }) =>
        run("etcdctl", [
            "--endpoints",
            clientUrl,
            "--cacert",
            ca.cert,
            ...(cert ? ["--cert", cert.cert, "--key", cert.key] : []),
            "--command-timeout=5s",
            ...args,
        ]);

    before(async function () {
        for (const tool of ["etcd", "etcdctl", "openssl", "curl"]) requireTool(tool);
        root = tempDir("etcd-metrics-");
        ca = makeCa(root, "test-etcd-ca");
        const p: EtcdPaths = { configDir: path.join(root, "conf"), pkiDir: path.join(root, "pki"), mount: path.join(root, "nvme") };
        for (const d of [p.configDir, p.pkiDir, p.mount]) fs.mkdirSync(d, { recursive: true });
        fs.mkdirSync(dataDir(p), { mode: 0o700 });
        etcdMemberPki(root, ca, member, p.pkiDir);
        const idc = loadStackSpec("prod").clusters.find((c) => c.provider === "idc")!;
        if (idc.provider !== "idc") throw new Error("prod has no IDC cluster");
        const config = renderEtcdConfig({
            member,
            members: [member],
            token: "metrics-test",
            tuning: idc.etcd.tuning,
            paths: p,
            ports,
            metricsListener: idc.etcd.metricsListener,
        });
        fs.writeFileSync(path.join(p.configDir, "etcd.conf.yml"), config);
        etcdctl = issue(root, ca, "etcdctl", {}, "clientAuth");
        processes.start("etcd", ["--config-file", path.join(p.configDir, "etcd.conf.yml")], path.join(root, "etcd.log"));
        for (let i = 0; i < 60; i++) {
            if (etcdctlRun(["endpoint", "health"], etcdctl).status === 0) return;
            await sleep(500);
        }
        throw new Error(`etcd did not start:\n${fs.readFileSync(path.join(root, "etcd.log"), "utf8").slice(-2000)}`);
    });
    after(async () => {
        await processes.stopAll();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("serves /metrics on the member's address in plain HTTP, and nothing of the keyspace there", () => {
        assert.strictEqual(etcdctlRun(["put", "/registry/secrets/payments/db", "hunter2-value"], etcdctl).status, 0);
        const metrics = curl([`http://${member.address}:${ports.metrics}/metrics`]);
        assert.strictEqual(metrics.status, 0, metrics.stderr);
        assert.match(metrics.stdout, /^etcd_server_has_leader 1$/m);
        assert.match(metrics.stdout, /^etcd_disk_wal_fsync_duration_seconds_bucket/m);
        assert.ok(!metrics.stdout.includes("hunter2") && !metrics.stdout.includes("/registry/secrets"), "the metrics show a key or a value");
        assert.match(curl([`http://${member.address}:${ports.metrics}/health`]).stdout, /"health":"true"/);
        // The v3 gateway's KV range (what the client port serves): not on the metrics listener.
        const range = curl([
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            "-d",
            '{"key":"L3JlZ2lzdHJ5","range_end":"L3JlZ2lzdHJ6"}',
            `http://${member.address}:${ports.metrics}/v3/kv/range`,
        ]);
        assert.strictEqual(range.stdout, "404");
    });

    it("refuses the keyspace to a client without a certificate, as the exporter is", () => {
        const anonymous = etcdctlRun(["get", "/registry/secrets/payments/db", "--command-timeout=2s"]);
        assert.notStrictEqual(anonymous.status, 0, "etcd served a key without a client certificate");
        assert.ok(!anonymous.stdout.includes("hunter2"));
        // For that reason: the same request with the client certificate reads the value.
        const withCert = etcdctlRun(["get", "/registry/secrets/payments/db", "--print-value-only"], etcdctl);
        assert.strictEqual(withCert.status, 0, withCert.stderr);
        assert.strictEqual(withCert.stdout.trim(), "hunter2-value");
        assert.notStrictEqual(curl(["--cacert", ca.cert, `${clientUrl}/metrics`]).status, 0, "etcd's client port answered without a client certificate");
    });

    it("gives the serving certificates' expiry to the rendered blackbox modules with no client certificate, over TLS 1.3 only", async () => {
        requireTool("prometheus-blackbox-exporter");
        const rendered = blackboxConfig({ etcdCa: ca.cert, clusterCa: ca.cert });
        assert.ok(!("cert_file" in rendered.modules.etcd_tls.tcp.tls_config) && !("key_file" in rendered.modules.etcd_tls.tcp.tls_config));
        // The same module held to TLS 1.2: etcd asks for the client certificate before the handshake ends there.
        const tls12 = {
            ...rendered.modules.etcd_tls,
            tcp: { tls: true, tls_config: { ...rendered.modules.etcd_tls.tcp.tls_config, min_version: "TLS12", max_version: "TLS12" } },
        };
        const config = path.join(root, "blackbox.yml");
        fs.writeFileSync(config, YAML.stringify({ modules: { ...rendered.modules, etcd_tls12: tls12 } }));
        const check = run("prometheus-blackbox-exporter", ["--config.check", `--config.file=${config}`]);
        assert.strictEqual(check.status, 0, `${check.stdout}${check.stderr}`);
        const listen = "127.0.0.1:29115";
        processes.start("prometheus-blackbox-exporter", [`--config.file=${config}`, `--web.listen-address=${listen}`], path.join(root, "blackbox.log"));
        const probe = async (module: string, port = ports.client) => {
            for (let i = 0; i < 40; i++) {
                const r = curl([`http://${listen}/probe?module=${module}&target=${member.address}:${port}`]);
                if (r.status === 0) return r.stdout;
                await sleep(250);
            }
            throw new Error(`blackbox_exporter did not answer:\n${fs.readFileSync(path.join(root, "blackbox.log"), "utf8").slice(-2000)}`);
        };
        // The earliest notAfter of the certificates etcd presents (blackbox prober/tls.go getEarliestCertExpiry:
        // the peer certificates of the handshake): its server certificate, its peer certificate.
        const notAfter = (cert: string) =>
            Date.parse(
                run("openssl", ["x509", "-noout", "-enddate", "-in", cert])
                    .stdout.replace(/^notAfter=/, "")
                    .trim(),
            ) / 1000;
        const expiry = (out: string) => Number(/^probe_ssl_earliest_cert_expiry (\S+)$/m.exec(out)?.[1]);
        const out = await probe("etcd_tls");
        assert.match(out, /^probe_success 1$/m, out);
        assert.match(out, /^probe_tls_version_info\{version="TLS 1.3"\} 1$/m, out);
        assert.strictEqual(expiry(out), notAfter(path.join(root, `${member.name}-server.crt`)));
        const peerOut = await probe("etcd_tls", ports.peer);
        assert.match(peerOut, /^probe_success 1$/m, peerOut);
        assert.strictEqual(expiry(peerOut), notAfter(path.join(root, `${member.name}-peer.crt`)));
        // etcd refused the connection right after the handshake: the exporter got nothing more.
        assert.match(fs.readFileSync(path.join(root, "etcd.log"), "utf8"), /client didn't provide a certificate/);
        const old = await probe("etcd_tls12");
        assert.match(old, /^probe_success 0$/m, old);
        assert.doesNotMatch(old, /^probe_ssl_earliest_cert_expiry/m);
        // A chain from another CA fails the probe (and ServingCertificateProbeFailing fires) instead of reporting an expiry.
        const otherRoot = tempDir("other-ca-");
        fs.copyFileSync(makeCa(otherRoot, "other-ca").cert, ca.cert);
        fs.rmSync(otherRoot, { recursive: true, force: true });
        const foreign = await probe("etcd_tls");
        assert.match(foreign, /^probe_success 0$/m, foreign);
        assert.doesNotMatch(foreign, /^probe_ssl_earliest_cert_expiry/m);
    });
});

// The Alertmanager config each cluster's release carries, checked by a real amtool. Debian's is
// 0.25; the chart runs Alertmanager v0.34.0, whose webhook receiver takes `url_file`
// (notify/webhook/config.go; added in v0.26.0, "support loading webhook URL from a file"). 0.25
// knows only `url`, so the copy amtool reads swaps that one field for a placeholder URL; the rest
// (routes, matchers, inhibit rules, receivers) is the program's own, and the routing tree is
// exercised with `amtool config routes test`.
describe("Alertmanager config checked by amtool check-config and amtool config routes test", function () {
    this.timeout(120_000);
    let dir: string;
    const configs: { cluster: string; config: any }[] = [];
    let receivers: { name: string; severities: string[] }[] = [];

    before(async function () {
        requireTool("amtool");
        dir = tempDir("amtool-");
        const spec = loadStackSpec("prod");
        receivers = spec.observability.alertmanager.receivers;
        const { inventory } = await runFleet(spec);
        for (const r of inventory.ofType("kubernetes:helm.sh/v3:Release").filter((x) => x.inputs.chart === "kube-prometheus-stack"))
            configs.push({ cluster: inventory.providerOf(r)!.name.replace(/-k8s$/, ""), config: r.inputs.values.alertmanager.config });
        assert.strictEqual(configs.length, spec.clusters.length);
        assert.ok(receivers.length >= 2, "prod declares several receivers");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    /** The config as amtool 0.25 reads it: each webhook's url_file becomes a url. */
    const forAmtool025 = (config: any) => {
        const copy = structuredClone(config);
        for (const r of copy.receivers)
            for (const w of r.webhook_configs ?? []) {
                assert.match(w.url_file, /^\/etc\/alertmanager\/secrets\//);
                delete w.url_file;
                w.url = `https://webhook.invalid/${r.name}`;
            }
        return copy;
    };
    const write = (name: string, config: any) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, YAML.stringify(config));
        return file;
    };

    it("passes amtool check-config on every cluster's config; amtool rejects a broken one", () => {
        for (const c of configs) {
            const r = run("amtool", ["check-config", write(`${c.cluster}.yml`, forAmtool025(c.config))]);
            assert.strictEqual(r.status, 0, `${c.cluster}: ${r.stdout}${r.stderr}`);
            assert.match(r.stdout, new RegExp(`SUCCESS[\\s\\S]* - ${receivers.length + 1} receivers`), r.stdout);
        }
        // A route to a receiver that does not exist, and the verbatim url_file (unknown to 0.25): both refused.
        const broken = forAmtool025(configs[0].config);
        broken.route.routes[1].receiver = "nobody";
        assert.notStrictEqual(run("amtool", ["check-config", write("broken.yml", broken)]).status, 0);
        assert.notStrictEqual(run("amtool", ["check-config", write("verbatim.yml", configs[0].config)]).status, 0);
    });

    it("routes each severity to the receivers the spec names for it, the Watchdog and unlabelled alerts to null", () => {
        const file = write("routes.yml", forAmtool025(configs[0].config));
        const route = (...labels: string[]) => {
            const r = run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...labels]);
            assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
            return r.stdout.trim().split(/\s*,\s*/);
        };
        for (const severity of ["critical", "warning", "info"]) {
            const expected = receivers.filter((r) => r.severities.includes(severity)).map((r) => r.name);
            assert.deepStrictEqual(route("alertname=EtcdNoLeader", `severity=${severity}`), expected.length > 0 ? expected : ["null"], severity);
        }
        assert.deepStrictEqual(route("alertname=Watchdog", "severity=none"), ["null"]);
        assert.deepStrictEqual(route("alertname=Something"), ["null"]);
    });
});
