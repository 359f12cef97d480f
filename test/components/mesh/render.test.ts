// The mesh's pure renderers: Helm values against the charts' values.yaml (and the gateway chart's
// values.schema.json) at the pinned version, Istio custom resources against the upstream CRDs,
// the remote secrets' kubeconfigs, the per-site exposure of the east-west gateway, the tenant
// namespaces' mesh policy, and the support window of the pinned Istio. The kubeconfigs read by
// kubectl and the vendored chart files checked against their upstream blobs with git are
// test/integration/mesh-render.test.ts.
import Ajv from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
    baseValues,
    caCertsData,
    cniValues,
    crossNetworkGateway,
    eastWestGatewayValues,
    exposureFor,
    injectionLabels,
    istiodValues,
    localityDestinationRule,
    type MeshClusterView,
    meshPeerAuthentication,
    remoteKubeconfig,
    remoteSecretMetadata,
    serverUrl,
    remoteGateway,
    tenantMeshPolicy,
    ztunnelValues,
} from "../../../components/mesh/render";
import { ISTIO, istioSupports, kubernetesMinor } from "../../../components/mesh/versions";
import { validateCustomResource } from "../../crds";

const CHARTS = path.join(__dirname, "..", "..", "fixtures", "charts");
const chartDir = (chart: string) => path.join(CHARTS, "istio", chart);

/**
 * Maps whose keys are free-form by design, where any key the program sets is accepted: a map the
 * chart defaults to `{}` (env, annotations, nodeSelector), and these, with why.
 */
const OPEN_MAPS: Record<string, string> = {
    // The gateway chart's pod/service labels (defaults to one label, takes any).
    "gateway:labels": "labels applied to the gateway's resources",
    // istiod's meshConfig is Istio's MeshConfig API (istio.io reference, "Global Mesh Options"), which istiod validates.
    "istiod:meshConfig": "MeshConfig",
};
const MESH_CONFIG_FIELDS = ["trustDomain", "trustDomainAliases", "defaultConfig", "enablePrometheusMerge"];

/** Every key path the program sets that the chart's values.yaml (at the pinned version) does not have. */
function unknownValues(chart: string, values: Record<string, unknown>): string[] {
    const doc = YAML.parse(fs.readFileSync(path.join(chartDir(chart), "values.yaml"), "utf8"));
    const defaults = { ...doc, ...(doc._internal_defaults_do_not_set ?? {}) };
    delete defaults._internal_defaults_do_not_set;
    const out: string[] = [];
    const walk = (v: unknown, d: unknown, at: string[]): void => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return;
        for (const [k, x] of Object.entries(v)) {
            const p = [...at, k];
            const key = p.join(".");
            if (at.length === 0 && k === "profile") {
                // templates/zzz_profile.yaml loads files/profile-<name>.yaml and fails on an unknown one.
                if (!fs.existsSync(path.join(chartDir(chart), "files", `profile-${x}.yaml`))) out.push(`${key}=${x}`);
                continue;
            }
            if (`${chart}:${key}` === "istiod:meshConfig") {
                for (const f of Object.keys(x as object)) if (!MESH_CONFIG_FIELDS.includes(f)) out.push(`meshConfig.${f}`);
                continue;
            }
            if (OPEN_MAPS[`${chart}:${key}`]) continue;
            const dd = d && typeof d === "object" ? (d as Record<string, unknown>)[k] : undefined;
            if (dd === undefined && !(d && typeof d === "object" && k in (d as object))) {
                out.push(key);
                continue;
            }
            // A map the chart defaults to {} takes any keys.
            if (dd && typeof dd === "object" && !Array.isArray(dd) && Object.keys(dd).length === 0) continue;
            walk(x, dd, p);
        }
    };
    walk(values, defaults, []);
    return out;
}

const view = (over: Partial<MeshClusterView> = {}): MeshClusterView => ({
    name: "idc-sh",
    network: "net-idc-sh",
    meshId: "acme-mesh",
    trustDomain: "acme.internal",
    ambient: false,
    gatewayReplicas: 2,
    exposure: exposureFor("eks", { nodeSelector: {} }),
    gatewayClientCidrs: ["10.20.0.0/16", "10.65.0.0/16"],
    ...over,
});

describe("mesh renderers", () => {
    describe("Helm values exist in the charts at the pinned version", () => {
        const views = [
            view(),
            view({ ambient: true, exposure: exposureFor("idc", { nodeSelector: { "kubernetes.io/os": "linux" } }) }),
            view({ exposure: exposureFor("ack", { nodeSelector: {} }) }),
            view({ exposure: exposureFor("idc", { loadBalancerCidr: "10.10.8.0/24", nodeSelector: {} }) }),
        ];
        it("base, istiod, gateway, cni, ztunnel", () => {
            for (const v of views) {
                assert.deepStrictEqual(unknownValues("base", baseValues()), []);
                assert.deepStrictEqual(unknownValues("istiod", istiodValues(v)), []);
                assert.deepStrictEqual(unknownValues("gateway", eastWestGatewayValues(v)), []);
                assert.deepStrictEqual(unknownValues("cni", cniValues()), []);
                assert.deepStrictEqual(unknownValues("ztunnel", ztunnelValues(v)), []);
            }
        });
        it("the check catches a key the chart does not have, and an unknown profile", () => {
            assert.deepStrictEqual(unknownValues("istiod", { global: { meshId: "x" } }), ["global.meshId"]);
            assert.deepStrictEqual(unknownValues("gateway", { networkGateways: "x" }), ["networkGateways"]);
            assert.deepStrictEqual(unknownValues("istiod", { profile: "ambiant" }), ["profile=ambiant"]);
            assert.deepStrictEqual(unknownValues("istiod", { meshConfig: { trustDomian: "x" } }), ["meshConfig.trustDomian"]);
        });
        it("the east-west gateway values pass the gateway chart's values.schema.json", () => {
            const schema = JSON.parse(fs.readFileSync(path.join(chartDir("gateway"), "values.schema.json"), "utf8"));
            delete schema.$schema;
            const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
            for (const v of views) assert.ok(validate(eastWestGatewayValues(v)), JSON.stringify(validate.errors));
            assert.ok(!validate({ ...eastWestGatewayValues(views[0]), networkGateways: "x" }), "schema accepted an unknown key");
        });
        it("istiod: mesh id, the fleet's cluster name, network, trust domain, hostname gateways resolved", () => {
            const v = istiodValues(view());
            assert.deepStrictEqual(v.global, { meshID: "acme-mesh", multiCluster: { clusterName: "idc-sh" }, network: "net-idc-sh" });
            assert.deepStrictEqual(v.meshConfig, { trustDomain: "acme.internal" });
            assert.strictEqual(v.env.RESOLVE_HOSTNAME_GATEWAYS, "true");
            assert.strictEqual("profile" in v, false);
            assert.strictEqual((istiodValues(view({ ambient: true })) as { profile?: string }).profile, "ambient");
        });
    });

    describe("exposure per site", () => {
        it("EKS: internal NLB; ACK: intranet CLB; IDC: LoadBalancer with a range, else NodePort on selected nodes", () => {
            const eks = eastWestGatewayValues(view({ exposure: exposureFor("eks", { nodeSelector: {} }) }));
            assert.strictEqual(eks.service.type, "LoadBalancer");
            assert.strictEqual(eks.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.strictEqual(eks.service.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
            const ack = eastWestGatewayValues(view({ exposure: exposureFor("ack", { nodeSelector: {} }) }));
            assert.deepStrictEqual(ack.service, {
                type: "LoadBalancer",
                annotations: { "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet" },
                loadBalancerSourceRanges: ["10.20.0.0/16", "10.65.0.0/16"],
            });
            // No other network: no source range list (an empty one would mean "everyone" to Kubernetes anyway).
            assert.strictEqual("loadBalancerSourceRanges" in eastWestGatewayValues(view({ gatewayClientCidrs: [] })).service, false);
            assert.deepStrictEqual(exposureFor("idc", { loadBalancerCidr: "10.10.8.0/24", nodeSelector: { a: "b" } }), {
                type: "LoadBalancer",
                annotations: {},
            });
            const idc = eastWestGatewayValues(view({ exposure: exposureFor("idc", { nodeSelector: { "node-role.acme.io/edge": "true" } }) }));
            assert.deepStrictEqual(idc.service, { type: "NodePort", annotations: { "traffic.istio.io/nodeSelector": '{"node-role.acme.io/edge":"true"}' } });
            assert.strictEqual(eks.networkGateway, "net-idc-sh");
            assert.deepStrictEqual(eks.labels, { istio: "eastwestgateway", "topology.istio.io/network": "net-idc-sh" });
        });
    });

    describe("Istio custom resources validate against the upstream CRDs", () => {
        it("cross-network Gateway, PeerAuthentication, locality DestinationRule", () => {
            const dr = localityDestinationRule({
                host: "search-api.search.svc.cluster.local",
                consecutive5xxErrors: 3,
                interval: "30s",
                baseEjectionTime: "60s",
            });
            for (const cr of [crossNetworkGateway(), meshPeerAuthentication(), dr]) assert.deepStrictEqual(validateCustomResource(cr), [], cr.kind);
            const gw = crossNetworkGateway();
            assert.deepStrictEqual(gw.spec.servers, [
                { port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] },
            ]);
            assert.strictEqual(meshPeerAuthentication().spec.mtls.mode, "STRICT");
            assert.deepStrictEqual(dr.spec.trafficPolicy, {
                loadBalancer: { localityLbSetting: { enabled: true } },
                outlierDetection: { consecutive5xxErrors: 3, interval: "30s", baseEjectionTime: "60s" },
            });
        });
        it("the schemas reject a broken resource", () => {
            const bad = crossNetworkGateway() as any;
            bad.spec.servers[0].tls.mode = "PASSTHRU";
            assert.notDeepStrictEqual(validateCustomResource(bad), []);
            const pa = meshPeerAuthentication() as any;
            pa.spec.mtls.mode = "ON";
            assert.notDeepStrictEqual(validateCustomResource(pa), []);
        });
    });

    describe("remote secrets", () => {
        it("a kubeconfig for one cluster's reader token: server, CA, token, one context named for the cluster", () => {
            const ca = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
            const k = YAML.parse(remoteKubeconfig({ cluster: "eks-apne1", server: serverUrl("api.eks.example", 443), caPem: ca, token: "tok" }));
            assert.strictEqual(k.kind, "Config");
            assert.strictEqual(k["current-context"], "eks-apne1");
            assert.deepStrictEqual(k.clusters, [
                { name: "eks-apne1", cluster: { "certificate-authority-data": Buffer.from(ca).toString("base64"), server: "https://api.eks.example:443" } },
            ]);
            assert.deepStrictEqual(k.contexts, [{ name: "eks-apne1", context: { cluster: "eks-apne1", user: "eks-apne1" } }]);
            assert.deepStrictEqual(k.users, [{ name: "eks-apne1", user: { token: "tok" } }]);
        });
        it("metadata as istioctl writes it; a host that is not a hostname is refused", () => {
            assert.deepStrictEqual(remoteSecretMetadata("ack-sh"), {
                name: "istio-remote-secret-ack-sh",
                namespace: "istio-system",
                labels: { "istio/multiCluster": "true" },
                annotations: { "networking.istio.io/cluster": "ack-sh" },
            });
            assert.throws(() => serverUrl("evil\nhost", 443), /is not a hostname or IPv4 address/);
        });
        it("cacerts: the chain is the intermediate then the root", () => {
            const d = caCertsData({ caCert: "I", caKey: "K", rootCert: "R" });
            assert.deepStrictEqual(d, { "ca-cert.pem": "I\n", "ca-key.pem": "K\n", "root-cert.pem": "R\n", "cert-chain.pem": "I\nR\n" });
        });
    });

    describe("tenants", () => {
        it("injection labels and the mesh policy past the default deny", () => {
            assert.deepStrictEqual(injectionLabels("sidecar"), { "istio-injection": "enabled" });
            assert.deepStrictEqual(injectionLabels("ambient"), { "istio.io/dataplane-mode": "ambient" });
            const p = tenantMeshPolicy("payments", "sidecar", [remoteGateway("eks", { siteCidr: "10.20.0.0/16" })]);
            assert.deepStrictEqual(p.spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepStrictEqual(p.spec.egress, [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } },
                            podSelector: { matchLabels: { app: "istiod" } },
                        },
                    ],
                    ports: [{ port: 15012, protocol: "TCP" }],
                },
                { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ port: 15443, protocol: "TCP" }] },
            ]);
            assert.strictEqual(p.spec.ingress.length, 1);
            assert.deepStrictEqual(tenantMeshPolicy("payments", "ambient", []).spec.ingress[1], { ports: [{ port: 15008, protocol: "TCP" }] });
            assert.strictEqual(tenantMeshPolicy("payments", "ambient", []).spec.egress.length, 1);
        });

        it("dials each network's east-west gateway where exposureFor puts it: a load balancer's range on 15443, an IDC node's node port", () => {
            const idcLb = { siteCidr: "10.10.0.0/20", loadBalancerCidr: "10.12.0.0/22" };
            const idcNodes = { siteCidr: "10.110.0.0/22" };
            // Each as exposed: the IDC's gateway is a LoadBalancer in its LoadBalancer range, or a NodePort Service.
            assert.strictEqual(exposureFor("idc", { ...idcLb, nodeSelector: {} }).type, "LoadBalancer");
            assert.strictEqual(exposureFor("idc", { nodeSelector: {} }).type, "NodePort");
            const p = tenantMeshPolicy("payments", "sidecar", [
                remoteGateway("eks", { siteCidr: "10.20.0.0/16" }),
                remoteGateway("idc", idcLb),
                remoteGateway("ack", { siteCidr: "10.30.0.0/16" }),
                remoteGateway("idc", idcNodes),
            ]);
            assert.deepStrictEqual(p.spec.egress.slice(1), [
                {
                    to: [{ ipBlock: { cidr: "10.20.0.0/16" } }, { ipBlock: { cidr: "10.12.0.0/22" } }, { ipBlock: { cidr: "10.30.0.0/16" } }],
                    ports: [{ port: 15443, protocol: "TCP" }],
                },
                { to: [{ ipBlock: { cidr: "10.110.0.0/22" } }], ports: [{ port: 30000, endPort: 32767, protocol: "TCP" }] },
            ]);
        });
    });

    describe("support window of the pinned Istio", () => {
        it(`Istio ${ISTIO.version} supports Kubernetes 1.${ISTIO.kubernetes.minMinor} to 1.${ISTIO.kubernetes.maxMinor}, in every site's version form`, () => {
            assert.strictEqual(kubernetesMinor("1.36.1-aliyun.1"), 36);
            for (const v of ["1.35", "1.36.1", "1.35.2-aliyun.1", "1.32"]) assert.ok(istioSupports(v), v);
            for (const v of ["1.31", "1.37.0", "1.30.3-aliyun.1", "2.1"]) assert.ok(!istioSupports(v), v);
        });
    });
});
