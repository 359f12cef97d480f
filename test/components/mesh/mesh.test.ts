// The mesh layer on the mock engine: what the prod fleet declares (one root, per-cluster parts in
// order, n*(n-1) remote secrets whose kubeconfigs point at the right server with the right CA and
// token), the same resources in preview mode, and the spec's switches (mesh.enabled, injection,
// caGeneration, localityFailover).
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as YAML from "yaml";
import type { FleetSpec } from "../../../stacks/spec";
import { loadFleet } from "../../../stacks/spec";
import { Inventory, linkResources, loadStackSpec, plainTextOccurrences, rawStackFleet, RegisteredResource, runFleet, SecretValue } from "../../harness";
import type { Fleet } from "../../../stacks/fleet";

const resolve = <T>(o: pulumi.Input<T>): Promise<T> => new Promise((r) => pulumi.output(o).apply((v) => r(v as T)));
const unwrap = (v: unknown) => (v instanceof SecretValue ? v.value : v);
const meta = (r: RegisteredResource) =>
    r.inputs.metadata as { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
/** The cluster a Kubernetes object is declared on: its explicit provider `<cluster>-k8s`. */
const clusterOf = (r: RegisteredResource) => /::([a-z0-9-]+)-k8s::/.exec(r.provider ?? "")?.[1];
const isMesh = (r: RegisteredResource) => /hybrid:mesh:|-mesh-|mesh-root-ca/.test(r.urn);

function spec(mutate: (f: any) => void = () => {}): FleetSpec {
    const f = rawStackFleet("prod");
    mutate(f);
    return loadFleet(f);
}

describe("mesh layer on the mock engine (prod)", function () {
    this.timeout(120_000);
    let inventory: Inventory;
    let fleet: Fleet;
    const names = ["idc-sh", "eks-apne1", "ack-sh"];

    before(async () => {
        ({ inventory, fleet } = await runFleet(spec()));
    });

    it("one root CA for the fleet, key and certificate protected, the key a secret", () => {
        const keys = inventory.resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey" && r.name === "mesh-root-ca-key");
        const certs = inventory.resources.filter((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert" && r.name.startsWith("mesh-"));
        assert.strictEqual(keys.length, 1);
        assert.strictEqual(certs.length, 1);
        assert.ok(keys[0].protect && certs[0].protect);
        assert.ok(certs[0].inputs.privateKeyPem instanceof SecretValue);
        assert.strictEqual(certs[0].inputs.isCaCertificate, true);
        assert.strictEqual(certs[0].inputs.maxPathLength, 1);
        // Every intermediate is signed by that root.
        const signed = inventory.resources.filter((r) => r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.name.endsWith("-mesh-ca-cert"));
        assert.deepStrictEqual(signed.map((r) => r.name).sort(), names.map((n) => `${n}-mesh-ca-cert`).sort());
        for (const s of signed) {
            assert.ok(s.dependencies.includes(certs[0].urn) && s.dependencies.includes(keys[0].urn), `${s.name} is not signed by the root`);
            assert.deepStrictEqual(s.inputs.allowedUses, ["digital_signature", "content_commitment", "key_encipherment", "cert_signing"]);
            assert.strictEqual(s.inputs.isCaCertificate, true);
            // An intermediate signs workload certificates only, never another CA.
            assert.strictEqual(s.inputs.maxPathLength, 0);
        }
    });

    it("every istiod: the same mesh id and trust domain, its own fleet name and network", () => {
        const releases = inventory.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "istiod");
        assert.deepStrictEqual(releases.map(clusterOf).sort(), [...names].sort());
        for (const r of releases) {
            const c = fleet.spec.clusters.find((x) => x.name === clusterOf(r))!;
            const v = unwrap(r.inputs.values) as any;
            assert.strictEqual(v.global.meshID, "acme-mesh");
            assert.strictEqual(v.meshConfig.trustDomain, "acme.internal");
            assert.strictEqual(v.global.multiCluster.clusterName, c.name);
            assert.strictEqual(v.global.network, c.mesh.network);
            assert.strictEqual(r.inputs.version, "1.31.1");
            assert.strictEqual(r.inputs.namespace, "istio-system");
            // Two replicas: every proxy of the cluster's network depends on this istiod.
            assert.strictEqual(v.autoscaleMin, 2);
        }
        // The base chart's reader role: what the other clusters' istiods read this cluster with (their remote secrets).
        for (const base of inventory.ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "base"))
            assert.strictEqual((unwrap(base.inputs.values) as any).global.enableReaderRBAC, true, clusterOf(base));
    });

    it("per cluster: istio-system on its network, cacerts (a secret) and base before istiod, then gateway and CRs", () => {
        for (const n of names) {
            const on = inventory.resources.filter((r) => clusterOf(r) === n && isMesh(r));
            const one = (type: string, pred: (r: RegisteredResource) => boolean = () => true) => {
                const found = on.filter((r) => r.type === type && pred(r));
                assert.strictEqual(found.length, 1, `${n}: ${found.length} × ${type}`);
                return found[0];
            };
            const ns = one("kubernetes:core/v1:Namespace");
            assert.deepStrictEqual(meta(ns).labels, { "topology.istio.io/network": fleet.spec.clusters.find((c) => c.name === n)!.mesh.network });
            const cacerts = one("kubernetes:core/v1:Secret", (r) => meta(r).name === "cacerts");
            assert.ok(cacerts.inputs.stringData instanceof SecretValue);
            assert.deepStrictEqual(Object.keys((cacerts.inputs.stringData as SecretValue).value as object).sort(), [
                "ca-cert.pem",
                "ca-key.pem",
                "cert-chain.pem",
                "root-cert.pem",
            ]);
            const release = (chart: string) => one("kubernetes:helm.sh/v3:Release", (r) => r.inputs.chart === chart);
            const [base, istiod, gateway] = [release("base"), release("istiod"), release("gateway")];
            assert.ok(istiod.dependencies.includes(cacerts.urn) && istiod.dependencies.includes(base.urn), `${n}: istiod before cacerts/base`);
            assert.ok(gateway.dependencies.includes(istiod.urn));
            const cluster = fleet.spec.clusters.find((c) => c.name === n)!;
            const gw = unwrap(gateway.inputs.values) as any;
            assert.strictEqual(gw.networkGateway, cluster.mesh.network);
            // The gateway sees its own network's endpoints (multi-network guide), and runs the spec's replicas at least.
            assert.deepStrictEqual(gw.env, { ISTIO_META_REQUESTED_NETWORK_VIEW: cluster.mesh.network });
            assert.deepStrictEqual(gw.autoscaling, { minReplicas: cluster.mesh.eastWestGateway.replicas });
            for (const type of ["kubernetes:networking.istio.io/v1:Gateway", "kubernetes:security.istio.io/v1:PeerAuthentication"]) {
                const cr = one(type);
                assert.ok(cr.dependencies.includes(base.urn) && cr.dependencies.includes(istiod.urn), `${n}: ${type} before the CRDs`);
            }
            const token = one("kubernetes:core/v1:Secret", (r) => r.inputs.type === "kubernetes.io/service-account-token");
            assert.deepStrictEqual(meta(token), {
                name: "istio-reader-service-account-istio-remote-secret-token",
                namespace: "istio-system",
                annotations: { "kubernetes.io/service-account.name": "istio-reader-service-account" },
            });
        }
        // The site's exposure: internal NLB on EKS, intranet CLB on ACK, a LoadBalancer address from the IDC's range.
        const svc = (n: string) =>
            (unwrap(inventory.ofType("kubernetes:helm.sh/v3:Release").find((r) => clusterOf(r) === n && r.inputs.chart === "gateway")!.inputs.values) as any)
                .service;
        assert.strictEqual(svc("eks-apne1").annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
        assert.strictEqual(svc("ack-sh").annotations["service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"], "intranet");
        // Each gateway admits only the other networks' node and pod prefixes.
        assert.deepStrictEqual(svc("idc-sh"), {
            type: "LoadBalancer",
            annotations: {},
            loadBalancerSourceRanges: ["10.20.0.0/16", "10.65.0.0/16", "10.30.0.0/16", "10.66.0.0/16"],
        });
        assert.deepStrictEqual(svc("eks-apne1").loadBalancerSourceRanges, ["10.10.0.0/20", "10.64.0.0/16", "10.30.0.0/16", "10.66.0.0/16"]);
        assert.deepStrictEqual(svc("ack-sh").loadBalancerSourceRanges, ["10.10.0.0/20", "10.64.0.0/16", "10.20.0.0/16", "10.65.0.0/16"]);
    });

    it("exactly one remote secret per ordered pair, each a kubeconfig for the watched cluster's reader at its HA endpoint", async () => {
        const remote = inventory.ofType("kubernetes:core/v1:Secret").filter((r) => meta(r).labels?.["istio/multiCluster"] === "true");
        assert.strictEqual(remote.length, names.length * (names.length - 1));
        const pairs = remote.map((r) => `${clusterOf(r)}->${meta(r).annotations!["networking.istio.io/cluster"]}`);
        assert.strictEqual(new Set(pairs).size, pairs.length, "a pair twice");
        for (const r of remote) {
            const [a, b] = [clusterOf(r)!, meta(r).annotations!["networking.istio.io/cluster"]];
            assert.notStrictEqual(a, b);
            assert.ok(names.includes(a) && names.includes(b));
            assert.strictEqual(meta(r).name, `istio-remote-secret-${b}`);
            assert.strictEqual(meta(r).namespace, "istio-system");
            assert.ok(r.inputs.stringData instanceof SecretValue, `${a}->${b}: not a secret`);
            const data = (r.inputs.stringData as SecretValue).value as Record<string, string>;
            assert.deepStrictEqual(Object.keys(data), [b]);
            const k = YAML.parse(data[b]);
            const handle = fleet.handles.find((h) => h.name === b)!;
            const [host, port] = [await resolve(handle.apiServer.host), await resolve(handle.apiServer.port)];
            assert.strictEqual(k.clusters[0].cluster.server, `https://${host}:${port}`, `${a}->${b}: server`);
            // The watched cluster's reader token and CA, as the token controller (mock) filled them.
            const token = inventory
                .ofType("kubernetes:core/v1:Secret")
                .find(
                    (t) =>
                        clusterOf(t) === b &&
                        t.inputs.type === "kubernetes.io/service-account-token" &&
                        t.inputs.metadata?.name === "istio-reader-service-account-istio-remote-secret-token",
                )!;
            const filled = unwrap(token.state.data) as Record<string, string>;
            assert.strictEqual(k.users[0].user.token, Buffer.from(filled.token, "base64").toString());
            const ca = Buffer.from(k.clusters[0].cluster["certificate-authority-data"], "base64").toString();
            const expectedCa = handle.caCertificate ? await resolve(handle.caCertificate) : Buffer.from(filled["ca.crt"], "base64").toString();
            assert.strictEqual(ca, expectedCa, `${a}->${b}: CA`);
            assert.strictEqual(k["current-context"], b);
            if (b === "idc-sh") assert.match(ca, /BEGIN CERTIFICATE/);
        }
        // The IDC's CA is the site's own Kubernetes CA (the handle knows it).
        assert.ok(fleet.handles.find((h) => h.name === "idc-sh")!.caCertificate);
    });

    it("no token or key appears in plain text", () => {
        for (const t of inventory.ofType("kubernetes:core/v1:Secret").filter((r) => r.inputs.type === "kubernetes.io/service-account-token")) {
            const token = Buffer.from((unwrap(t.state.data) as Record<string, string>).token, "base64").toString();
            assert.deepStrictEqual(plainTextOccurrences(inventory, token), [], "a reader token in plain text");
        }
        assert.deepStrictEqual(plainTextOccurrences(inventory, "PRIVATE KEY"), []);
    });

    it("every member waits for the links through one gate: each istio-system namespace after it, it after every site's links", () => {
        const links = linkResources(inventory).filter((r) => r.custom);
        const gate = inventory.named("random:index/randomId:RandomId", "mesh-links-up");
        assert.strictEqual(inventory.byUrn(gate.parent!).type, "hybrid:mesh:Mesh");
        for (const n of names) {
            const ns = inventory.named("kubernetes:core/v1:Namespace", `${n}-mesh-istio-system`);
            assert.ok(ns.dependencies.includes(gate.urn), `${ns.name} not after the gate`);
            assert.deepStrictEqual(
                ns.dependencies.filter((d) => links.some((l) => l.urn === d)),
                [],
                `${ns.name} waits for link resources itself`,
            );
            const at = links.filter((l) => l.name.startsWith(`${n}-`));
            assert.ok(at.length > 0 && at.some((l) => gate.dependencies.includes(l.urn)), `the gate is not after ${n}'s links`);
        }
        // Every remote secret comes after its watcher's namespace, so after the links too.
        const remote = inventory.ofType("kubernetes:core/v1:Secret").filter((r) => r.name.includes("-mesh-remote-"));
        assert.strictEqual(remote.length, names.length * (names.length - 1));
        for (const rs of remote) {
            const watcher = names.find((n) => rs.name.startsWith(`${n}-mesh-remote-`))!;
            assert.ok(rs.dependencies.includes(inventory.named("kubernetes:core/v1:Namespace", `${watcher}-mesh-istio-system`).urn), rs.name);
        }
    });

    it("preview mode (outputs unknown) declares the same mesh resources", async () => {
        const { inventory: preview } = await runFleet(spec(), "prod", { preview: true });
        const urns = (inv: Inventory) =>
            inv.resources
                .filter(isMesh)
                .map((r) => r.urn)
                .sort();
        assert.ok(urns(inventory).length > 40);
        assert.deepStrictEqual(urns(preview), urns(inventory));
    });
});

describe("mesh layer: the spec's switches", function () {
    this.timeout(120_000);
    // One fleet for the switches that do not touch each other's resources (injection on idc-sh,
    // locality failover, a new intermediate for eks-apne1): one mock-engine run instead of two.
    const switched = () =>
        spec((f) => {
            f.clusters.find((c: any) => c.name === "idc-sh").mesh.injection = { payments: "ambient", search: "sidecar" };
            f.clusters.find((c: any) => c.name === "eks-apne1").mesh.injection = { payments: "sidecar" };
            f.mesh.localityFailover = [{ host: "search-api.search.svc.cluster.local" }];
            f.clusters.find((c: any) => c.name === "eks-apne1").mesh.caGeneration = 2;
        });

    it("mesh.enabled false: no mesh part on that cluster, no remote secret to or from it", async () => {
        const { inventory } = await runFleet(spec((f) => (f.clusters.find((c: any) => c.name === "ack-sh").mesh.enabled = false)));
        assert.deepStrictEqual(
            inventory.resources.filter((r) => clusterOf(r) === "ack-sh" && isMesh(r)).map((r) => r.name),
            [],
        );
        const remote = inventory.ofType("kubernetes:core/v1:Secret").filter((r) => meta(r).labels?.["istio/multiCluster"] === "true");
        assert.deepStrictEqual(remote.map((r) => `${clusterOf(r)}->${meta(r).annotations!["networking.istio.io/cluster"]}`).sort(), [
            "eks-apne1->idc-sh",
            "idc-sh->eks-apne1",
        ]);
    });

    it("injection: sidecar and ambient tenants get their label and mesh policy; ambient brings istio-cni and ztunnel", async () => {
        const { inventory } = await runFleet(switched());
        const idc = inventory.resources.filter((r) => clusterOf(r) === "idc-sh");
        const patches = idc.filter((r) => r.type === "kubernetes:core/v1:NamespacePatch");
        assert.deepStrictEqual(patches.map((p) => [meta(p).name, meta(p).labels]).sort(), [
            ["payments", { "istio.io/dataplane-mode": "ambient" }],
            ["search", { "istio-injection": "enabled" }],
        ]);
        // After the tenant baseline's namespace (a dependency on its component reaches its children).
        for (const p of patches) {
            const ns = inventory.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === `idc-sh-tenants-${meta(p).name}`)!;
            assert.ok(p.dependencies.includes(ns.urn), `${meta(p).name}: labelled before the tenant namespace exists`);
        }
        const policies = idc.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && meta(r).name === "allow-mesh-dataplane");
        assert.deepStrictEqual(policies.map((p) => meta(p).namespace).sort(), ["payments", "search"]);
        // The remote east-west gateways: the clouds' internal load balancers in their VPCs, on 15443.
        const egress = (policies[0].inputs.spec as any).egress[1];
        assert.deepStrictEqual(egress.to.map((t: any) => t.ipBlock.cidr).sort(), ["10.20.0.0/16", "10.30.0.0/16"]);
        // From eks-apne1, idc-sh's gateway is a LoadBalancer in idc-sh's LoadBalancer range (its
        // CNI announces it), not on its node network.
        const eksPolicy = inventory.resources.find(
            (r) => clusterOf(r) === "eks-apne1" && r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && meta(r).name === "allow-mesh-dataplane",
        )!;
        const idcSpec = loadStackSpec("prod").clusters.find((c) => c.name === "idc-sh")!;
        assert.ok(idcSpec.provider === "idc" && idcSpec.network.loadBalancerCidr);
        assert.deepStrictEqual((eksPolicy.inputs.spec as any).egress.slice(1), [
            { to: [{ ipBlock: { cidr: idcSpec.network.loadBalancerCidr } }, { ipBlock: { cidr: "10.30.0.0/16" } }], ports: [{ port: 15443, protocol: "TCP" }] },
        ]);
        const charts = idc
            .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && isMesh(r))
            .map((r) => r.inputs.chart)
            .sort();
        assert.deepStrictEqual(charts, ["base", "cni", "gateway", "istiod", "ztunnel"]);
        assert.strictEqual(inventory.resources.filter((r) => clusterOf(r) === "eks-apne1" && r.inputs.chart === "ztunnel").length, 0);
        // The locality rule goes to every member.
        const rules = inventory.resources.filter((r) => r.type === "kubernetes:networking.istio.io/v1:DestinationRule");
        assert.deepStrictEqual(rules.map(clusterOf).sort(), ["ack-sh", "eks-apne1", "idc-sh"]);
        assert.strictEqual((rules[0].inputs.spec as any).host, "search-api.search.svc.cluster.local");
    });

    it("caGeneration: a new request for that cluster's intermediate only", async () => {
        const subject = (inv: Inventory, n: string) => inv.resources.find((r) => r.name === `${n}-mesh-ca-csr`)!.inputs.subject as any;
        const { inventory } = await runFleet(switched());
        assert.strictEqual(subject(inventory, "eks-apne1").organizationalUnit, "generation-2");
        assert.strictEqual(subject(inventory, "idc-sh").organizationalUnit, "generation-1");
    });
});
