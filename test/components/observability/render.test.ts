// The observability renderers on their own: objstore configs per store kind, bucket placement
// (one compactor per bucket), Alertmanager routing by severity, Thanos Query's endpoint config
// (the fields of thanos cmd/thanos/endpointset.go v0.42.4), durations.
import * as assert from "assert";
import * as YAML from "yaml";
import {
    alertmanagerConfig,
    bucketPlacements,
    compactorStatefulSet,
    durationHours,
    endpointSdConfig,
    objstoreConfig,
    storeGatewayStatefulSet,
} from "../../../components/observability/render";

const keys = { accessKeyId: "AKID", secretAccessKey: "SECRET" };

describe("observability renderers", () => {
    it("renders each store kind as its Thanos objstore type", () => {
        assert.deepStrictEqual(objstoreConfig({ kind: "s3", bucket: "b", region: "ap-northeast-1" }), {
            type: "S3",
            config: { bucket: "b", endpoint: "s3.ap-northeast-1.amazonaws.com", region: "ap-northeast-1", aws_sdk_auth: true },
        });
        assert.deepStrictEqual(objstoreConfig({ kind: "oss", bucket: "b", region: "cn-shanghai" }, keys), {
            type: "OSS",
            config: { endpoint: "https://oss-cn-shanghai-internal.aliyuncs.com", bucket: "b", access_key_id: "AKID", access_key_secret: "SECRET" },
        });
        const idc = objstoreConfig({ kind: "s3-compatible", bucket: "b", endpoint: "https://rgw.example:8443" }, keys);
        assert.strictEqual(idc.config.endpoint, "rgw.example:8443");
        assert.strictEqual(idc.config.insecure, false);
        assert.throws(() => objstoreConfig({ kind: "oss", bucket: "b", region: "cn-shanghai" }), /needs a key pair/);
        assert.throws(() => objstoreConfig({ kind: "s3-compatible", bucket: "b" }, keys), /needs an endpoint/);
        // A key with YAML-significant characters stays one string through the YAML the Secret holds.
        const tricky = { accessKeyId: "a: b", secretAccessKey: "#x\n- y" };
        assert.deepStrictEqual(
            YAML.parse(YAML.stringify(objstoreConfig({ kind: "s3-compatible", bucket: "b", endpoint: "https://h" }, tricky))).config.secret_key,
            "#x\n- y",
        );
    });

    it("places one compactor per bucket, in the first writer's site", () => {
        const store = { kind: "s3-compatible" as const, bucket: "shared", endpoint: "https://rgw" };
        const p = bucketPlacements([
            { name: "a", objectStore: store },
            { name: "b", objectStore: { ...store } },
            { name: "c", objectStore: { ...store, endpoint: "https://other-rgw" } },
        ]);
        assert.deepStrictEqual(
            p.map((x) => [x.owner.name, x.writers]),
            [
                ["a", ["a", "b"]],
                ["c", ["c"]],
            ],
        );
    });

    it("routes alerts by severity to the spec's receivers, URLs only as files", () => {
        const c: any = alertmanagerConfig(
            [
                { name: "pager", severities: ["critical"] },
                { name: "chat", severities: ["critical", "warning"] },
            ],
            "hooks",
        );
        assert.deepStrictEqual(
            c.route.routes.map((r: any) => [r.receiver, r.matchers[0]]),
            [
                ["null", 'alertname = "Watchdog"'],
                ["pager", 'severity = "critical"'],
                ["chat", 'severity = "critical"'],
                ["chat", 'severity = "warning"'],
            ],
        );
        assert.strictEqual(c.route.receiver, "null");
        // One notification per cluster and alert (and namespace), not one for all clusters' alerts of a name.
        assert.deepStrictEqual(c.route.group_by, ["cluster", "alertname", "namespace"]);
        // A critical alert silences the warning and info of the same alert where it fires.
        assert.deepStrictEqual(c.inhibit_rules, [
            { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["cluster", "alertname", "namespace"] },
        ]);
        assert.deepStrictEqual(c.receivers[1], {
            name: "pager",
            webhook_configs: [{ url_file: "/etc/alertmanager/secrets/hooks/pager", send_resolved: true }],
        });
    });

    it("writes Thanos Query's endpoint config with the fields Thanos reads", () => {
        const sd = endpointSdConfig([
            { address: "b:10901", role: "store" },
            { address: "a:10901", role: "sidecar" },
        ]);
        // cmd/thanos/endpointset.go: EndpointConfig{default_client_config, endpoints}, clientConfig{tls_config, server_name, compression}.
        assert.deepStrictEqual(Object.keys(sd), ["default_client_config", "endpoints"]);
        for (const k of Object.keys(sd.default_client_config)) assert.ok(["tls_config", "server_name", "compression"].includes(k), k);
        for (const k of Object.keys(sd.default_client_config.tls_config))
            assert.ok(["enabled", "insecure_skip_verify", "cert_file", "key_file", "ca_file", "min_version"].includes(k), k);
        assert.deepStrictEqual(sd.endpoints, [{ address: "a:10901" }, { address: "b:10901" }]);
    });

    it("orders the endpoints the same on every machine: by code unit, where the locale's collation puts ':' before '.'", () => {
        const sd = endpointSdConfig([
            { address: "store:10901", role: "store" },
            { address: "store.idc-sh:10901", role: "store" },
        ]);
        assert.deepStrictEqual(
            sd.endpoints.map((e) => e.address),
            ["store.idc-sh:10901", "store:10901"],
        );
    });

    it("turns downsampling off only when asked, and reads durations", () => {
        const base = {
            name: "t",
            objstoreSecret: "s",
            grpcTlsSecret: "g",
            retention: { raw: "30d", fiveMinutes: "90d", oneHour: "1y" },
            storeGatewayReplicas: 2,
        };
        assert.ok(compactorStatefulSet({ ...base, downsampling: false }).spec.template.spec.containers[0].args.includes("--downsampling.disable"));
        assert.ok(!compactorStatefulSet({ ...base, downsampling: true }).spec.template.spec.containers[0].args.includes("--downsampling.disable"));
        assert.strictEqual(durationHours("6h"), 6);
        assert.strictEqual(durationHours("2w"), 336);
        assert.throws(() => durationHours("6m"), /not a duration: 6m/);
    });

    it("builds the compactor and the store gateway from one StatefulSet shape: they differ only in what sets them apart", () => {
        const a = {
            name: "t",
            objstoreSecret: "s",
            grpcTlsSecret: "g",
            retention: { raw: "30d", fiveMinutes: "90d", oneHour: "1y" },
            downsampling: true,
            storeGatewayReplicas: 3,
        };
        const compactor: any = compactorStatefulSet(a);
        const store: any = storeGatewayStatefulSet(a);
        const c = compactor.spec.template.spec.containers[0];
        const g = store.spec.template.spec.containers[0];
        // The differences: name/component, replicas, disk, the subcommand's own flags, gRPC TLS.
        assert.deepStrictEqual([compactor.metadata.name, store.metadata.name], ["t-compactor", "t-store"]);
        assert.deepStrictEqual([compactor.spec.replicas, store.spec.replicas], [1, 3]);
        const disk = (s: any) => s.spec.volumeClaimTemplates[0].spec.resources.requests.storage;
        assert.deepStrictEqual([disk(compactor), disk(store)], ["100Gi", "20Gi"]);
        assert.deepStrictEqual(c.args.slice(0, 4), ["compact", "--wait", "--data-dir=/var/thanos", "--objstore.config-file=/etc/thanos/objstore/objstore.yml"]);
        assert.deepStrictEqual(g.args.slice(0, 3), ["store", "--data-dir=/var/thanos", "--objstore.config-file=/etc/thanos/objstore/objstore.yml"]);
        for (const args of [c.args, g.args]) assert.strictEqual(args.filter((x: string) => x === "--http-address=0.0.0.0:10902").length, 1);
        assert.ok(g.args.includes("--grpc-server-tls-client-ca=/etc/thanos/tls/ca.crt"));
        assert.ok(!c.args.some((x: string) => x.startsWith("--grpc-server-tls")));
        assert.deepStrictEqual(
            store.spec.template.spec.volumes.map((v: any) => v.name),
            ["objstore", "tls"],
        );
        assert.deepStrictEqual(
            compactor.spec.template.spec.volumes.map((v: any) => v.name),
            ["objstore"],
        );
        // Everything else is the same shape: with those fields blanked the two are equal.
        const blank = (s: any) => {
            const x = structuredClone(s);
            const comp = x.metadata.labels["app.kubernetes.io/component"];
            x.metadata.name = x.spec.serviceName = "";
            for (const l of [x.metadata.labels, x.spec.selector.matchLabels, x.spec.template.metadata.labels])
                l["app.kubernetes.io/instance"] = l["app.kubernetes.io/component"] = "";
            x.spec.replicas = 0;
            x.spec.volumeClaimTemplates[0].spec.resources.requests.storage = "";
            const ct = x.spec.template.spec.containers[0];
            assert.strictEqual(ct.name, comp);
            ct.name = "";
            ct.args = [];
            ct.volumeMounts = ct.volumeMounts.filter((m: any) => m.name !== "tls");
            x.spec.template.spec.volumes = x.spec.template.spec.volumes.filter((v: any) => v.name !== "tls");
            return x;
        };
        assert.deepStrictEqual(blank(compactor), blank(store));
    });
});
