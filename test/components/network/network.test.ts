// Cluster networking on the mock engine: which CNI each cluster of the prod and dev fleets gets
// (and the EKS Calico / Cilium variants), the Calico pools and BGP peers against the spec, the
// Cilium values, the tenant baseline, the wiring (provider, parent, order), every rendered Calico
// CR against the upstream CRDs, and where the offline plan writes it all.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CALICO } from "../../../components/network/calico/versions";
import { CILIUM_CNI_CONFIG, ciliumBgpClusterConfigs, ciliumValues } from "../../../components/network/cilium/render";
import { CILIUM } from "../../../components/network/cilium/versions";
import { CALICO_POOLS_ANNOTATION } from "../../../components/network/tenants/render";
import { CILIUM_AGENT_NOT_READY_TAINT } from "../../../components/eks/cluster";
import { subnetTags } from "../../../components/eks/render";
import { cidr, within } from "../../../components/core/cidr";
import { FleetSpec, IdcClusterSpec, loadFleet } from "../../../stacks/spec";
import { k8sProviderName } from "../../../stacks/types";
import { validateCustomResource } from "../../crds";
import { Inventory, loadStackSpec, plannedStack, rawStackFleet, RegisteredResource, runFleet, SecretValue } from "../../harness";
import { finalPathOf } from "../../../components/idc/renderers/node";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    installation: "kubernetes:operator.tigera.io/v1:Installation",
    apiServer: "kubernetes:operator.tigera.io/v1:APIServer",
    bgpConfiguration: "kubernetes:projectcalico.org/v3:BGPConfiguration",
    bgpPeer: "kubernetes:projectcalico.org/v3:BGPPeer",
    ipam: "kubernetes:projectcalico.org/v3:IPAMConfiguration",
    ipPool: "kubernetes:projectcalico.org/v3:IPPool",
    ciliumLbPool: "kubernetes:cilium.io/v2:CiliumLoadBalancerIPPool",
    namespace: "kubernetes:core/v1:Namespace",
    policy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    quota: "kubernetes:core/v1:ResourceQuota",
    limits: "kubernetes:core/v1:LimitRange",
    addon: "aws:eks/addon:Addon",
    configMap: "kubernetes:core/v1:ConfigMap",
    subnet: "aws:ec2/subnet:Subnet",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    cluster: "aws:eks/cluster:Cluster",
    accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    ciliumClusterConfig: "kubernetes:cilium.io/v2:CiliumBGPClusterConfig",
    ciliumPeerConfig: "kubernetes:cilium.io/v2:CiliumBGPPeerConfig",
    ciliumAdvertisement: "kubernetes:cilium.io/v2:CiliumBGPAdvertisement",
};

/** Every resource whose top-level site component is `cluster`, outside the mesh layer (test/components/mesh/mesh.test.ts). */
const inCluster = (inv: Inventory, cluster: string) =>
    inv.resources.filter((r) => [r, ...inv.ancestors(r)].pop()!.name === cluster && !inv.ancestors(r).some((a) => a.type.startsWith("hybrid:mesh:")));
const ofTypeIn = (inv: Inventory, cluster: string, type: string) => inCluster(inv, cluster).filter((r) => r.type === type);
// Networking's releases: neither the federation layer's karmada chart nor monitoring's kube-prometheus-stack.
const releasesIn = (inv: Inventory, cluster: string) =>
    ofTypeIn(inv, cluster, T.release)
        .map((r) => r.inputs.chart as string)
        .filter((c) => c !== "karmada" && c !== "kube-prometheus-stack" && c !== "kubelet-csr-approver")
        .sort();
const dependsOn = (r: RegisteredResource, on: RegisteredResource) => r.dependencies.includes(on.urn);
/** The object as the CRD sees it: what the program sends, without Pulumi's bookkeeping. */
const asObject = (r: RegisteredResource) => ({ apiVersion: r.inputs.apiVersion, kind: r.inputs.kind, metadata: r.inputs.metadata, spec: r.inputs.spec });

function assertValid(r: RegisteredResource): void {
    const errors = validateCustomResource(asObject(r));
    assert.deepStrictEqual(errors, [], `${r.type} ${r.name}:\n  ${errors.join("\n  ")}`);
}

describe("cluster networking: prod fleet", () => {
    let spec: FleetSpec;
    let inv: Inventory;
    let idc: IdcClusterSpec;

    let dir: string;

    // One run of the real offline plan: its inventory.json is the graph under test (secrets
    // redacted), its manifests/ what a reviewer reads.
    before(async () => {
        spec = loadStackSpec("prod");
        idc = spec.clusters.find((c) => c.provider === "idc") as IdcClusterSpec;
        dir = await plannedStack("prod");
        const file = JSON.parse(fs.readFileSync(path.join(dir, "inventory.json"), "utf8"));
        inv = new Inventory(file.resources.map((r: any) => ({ ...r, parent: r.parent ?? undefined, provider: r.provider ?? undefined })));
    });

    it("gives each cluster the CNI its spec names", () => {
        // idc calico: this program installs Calico; eks vpc-cni and ack terway come with their sites.
        assert.deepStrictEqual(releasesIn(inv, "idc-sh"), [CALICO.crdChart, CALICO.operatorChart].sort());
        assert.strictEqual(inv.ofType("hybrid:network:Calico").length, 1);
        assert.strictEqual(inv.ofType("hybrid:network:Cilium").length, 0);
        assert.ok(!releasesIn(inv, "eks-apne1").some((c) => c === CALICO.operatorChart || c === CILIUM.chart));
        assert.deepStrictEqual(releasesIn(inv, "ack-sh"), []);
        const eksAddons = ofTypeIn(inv, "eks-apne1", T.addon).map((a) => a.inputs.addonName);
        assert.ok(eksAddons.includes("vpc-cni") && eksAddons.includes("kube-proxy"), eksAddons.join(", "));
    });

    it("pins both Calico charts to v3.32.1 from the Calico repository, CRDs first", () => {
        const [crds, operator] = [CALICO.crdChart, CALICO.operatorChart].map((c) => ofTypeIn(inv, "idc-sh", T.release).find((r) => r.inputs.chart === c)!);
        for (const r of [crds, operator]) {
            assert.strictEqual(r.inputs.version, "v3.32.1");
            assert.strictEqual(r.inputs.repositoryOpts.repo, "https://docs.tigera.io/calico/charts");
            assert.strictEqual(r.inputs.namespace, "tigera-operator");
        }
        assert.ok(dependsOn(operator, crds), "the operator chart must install after the CRD chart");
        // helm uninstall would delete the CRDs and every Calico object (the pod network) with them.
        assert.deepStrictEqual([crds.retainOnDelete, operator.retainOnDelete], [true, false]);
        // The program declares the Installation and APIServer itself; the operator reaches the API through the VIP.
        assert.strictEqual(operator.inputs.values.installation.enabled, false);
        assert.strictEqual(operator.inputs.values.apiServer.enabled, false);
        assert.deepStrictEqual(operator.inputs.values.kubernetesServiceEndpoint, { host: idc.controlPlane.vip, port: String(idc.controlPlane.port) });
    });

    it("makes the Installation's IP pools exactly the spec's pools, with block size, encapsulation None and NAT outgoing", () => {
        const [installation] = ofTypeIn(inv, "idc-sh", T.installation);
        const pools = installation.inputs.spec.calicoNetwork.ipPools;
        const calico = idc.network.calico;
        assert.deepStrictEqual(
            pools.map((p: any) => p.cidr),
            [calico.defaultPoolCidr, ...calico.ipPools.map((p) => p.cidr)],
        );
        assert.deepStrictEqual(
            pools.map((p: any) => p.nodeSelector),
            ["all()", ...calico.ipPools.map((p) => p.nodeSelector)],
        );
        for (const p of pools) {
            assert.strictEqual(p.blockSize, calico.blockSize);
            assert.strictEqual(p.encapsulation, "None");
            assert.strictEqual(p.natOutgoing, "Enabled");
        }
        assert.strictEqual(installation.inputs.spec.calicoNetwork.bgp, "Enabled");
        assert.deepStrictEqual(installation.inputs.spec.cni, { type: "Calico", ipam: { type: "Calico" } });
    });

    it("keeps the business pools for the namespaces the spec names: Manual pools, annotated tenant namespaces", () => {
        const [installation] = ofTypeIn(inv, "idc-sh", T.installation);
        const modes: Record<string, string> = Object.fromEntries(installation.inputs.spec.calicoNetwork.ipPools.map((p: any) => [p.name, p.assignmentMode]));
        assert.deepStrictEqual(modes, { "default-ipv4-ippool": "Automatic", ...Object.fromEntries(idc.network.calico.ipPools.map((p) => [p.name, "Manual"])) });
        // The Installation CRD (operator v1.42.3) has the field; the IPPool it becomes accepts Automatic | Manual.
        assertValid(installation);
        const annotations = Object.fromEntries(
            ofTypeIn(inv, "idc-sh", T.namespace).map((n) => [n.inputs.metadata.name, n.inputs.metadata.annotations?.[CALICO_POOLS_ANNOTATION]]),
        );
        assert.deepStrictEqual(JSON.parse(annotations.payments), ["payments-pool"]);
        assert.strictEqual(annotations.search, undefined, "search takes its addresses from the default pool");
        // Every annotated pool is a Manual pool of this cluster's Installation.
        for (const value of Object.values(annotations).filter((a): a is string => a !== undefined)) {
            for (const pool of JSON.parse(value) as string[]) assert.strictEqual((modes as Record<string, string>)[pool], "Manual", pool);
        }
        // Other sites have no Calico pools: no annotation there.
        for (const c of ["eks-apne1", "ack-sh"]) {
            for (const n of ofTypeIn(inv, c, T.namespace))
                assert.strictEqual(n.inputs.metadata.annotations?.[CALICO_POOLS_ANNOTATION], undefined, `${c}/${n.name}`);
        }
    });

    it("declares one BGPPeer per spec peer, the mesh off, and strict IPAM affinity", () => {
        const peers = ofTypeIn(inv, "idc-sh", T.bgpPeer);
        const wanted = idc.network.calico.bgp!.peers;
        assert.strictEqual(peers.length, wanted.length);
        assert.ok(wanted.length >= 4);
        for (const w of wanted) {
            const p = peers.find((x) => x.inputs.metadata.name === w.name);
            assert.ok(p, `no BGPPeer ${w.name}`);
            assert.deepStrictEqual(p.inputs.spec, { peerIP: w.peerIp, asNumber: w.asNumber, nodeSelector: w.nodeSelector });
        }
        const [bgp] = ofTypeIn(inv, "idc-sh", T.bgpConfiguration);
        assert.strictEqual(bgp.inputs.spec.asNumber, idc.network.calico.bgp!.asNumber);
        assert.strictEqual(bgp.inputs.spec.nodeToNodeMeshEnabled, false);
        assert.deepStrictEqual(bgp.inputs.spec.serviceClusterIPs, [{ cidr: idc.network.serviceCidr }]);
        const [ipam] = ofTypeIn(inv, "idc-sh", T.ipam);
        // No upstream CRD for IPAMConfiguration in ../shared/crds: its fields are asserted here (projectcalico/api ipamconfig.go).
        assert.deepStrictEqual(asObject(ipam), {
            apiVersion: "projectcalico.org/v3",
            kind: "IPAMConfiguration",
            metadata: { name: "default" },
            spec: { strictAffinity: true },
        });
    });

    it("orders Calico: Installation after the operator chart, the API server after it, v3 objects after the API server", () => {
        const operator = ofTypeIn(inv, "idc-sh", T.release).find((r) => r.inputs.chart === CALICO.operatorChart)!;
        const [installation] = ofTypeIn(inv, "idc-sh", T.installation);
        const [apiServer] = ofTypeIn(inv, "idc-sh", T.apiServer);
        assert.ok(dependsOn(installation, operator));
        assert.ok(dependsOn(apiServer, installation));
        assert.strictEqual(apiServer.inputs.metadata.annotations["pulumi.com/waitFor"], "jsonpath={.status.state}=Ready");
        for (const type of [T.bgpConfiguration, T.bgpPeer, T.ipam, T.ipPool]) {
            for (const r of ofTypeIn(inv, "idc-sh", type)) assert.ok(dependsOn(r, apiServer), `${r.name} does not wait for the Calico API server`);
        }
    });

    it("gives the IDC LoadBalancer range a LoadBalancer-only Calico pool and announces it to the ToRs, in that cluster only", () => {
        const [component] = inv.ofType("hybrid:network:Calico").filter((c) => c.name === "idc-sh-calico");
        const [pool, ...more] = ofTypeIn(inv, "idc-sh", T.ipPool);
        assert.deepStrictEqual(more, []);
        assert.strictEqual(pool.parent, component.urn);
        assert.strictEqual(inv.providerOf(pool)?.name, "idc-sh-k8s");
        assert.strictEqual(pool.inputs.spec.cidr, idc.network.loadBalancerCidr);
        assert.deepStrictEqual(pool.inputs.spec.allowedUses, ["LoadBalancer"]);
        assert.strictEqual(pool.inputs.spec.assignmentMode, "Automatic");
        // Not a pod pool: the Installation's pools (the operator's) stay the spec's.
        const [installation] = ofTypeIn(inv, "idc-sh", T.installation);
        assert.ok(!installation.inputs.spec.calicoNetwork.ipPools.some((p: any) => p.cidr === idc.network.loadBalancerCidr));
        const [bgp] = ofTypeIn(inv, "idc-sh", T.bgpConfiguration);
        assert.deepStrictEqual(bgp.inputs.spec.serviceLoadBalancerIPs, [{ cidr: idc.network.loadBalancerCidr }]);
        // Only the IDC has a LoadBalancer range: no other cluster gets a Calico IPPool.
        assert.deepStrictEqual(
            inv.resources.filter((r) => r.type === T.ipPool).map((r) => r.name),
            [pool.name],
        );
    });

    it("validates every rendered Calico custom resource against the upstream CRDs", () => {
        const crs = inv.resources.filter(
            (r) => /^kubernetes:(operator\.tigera\.io|projectcalico\.org|crd\.projectcalico\.org)\//.test(r.type) && r.inputs.kind !== "IPAMConfiguration",
        );
        assert.ok(crs.length >= 9, `only ${crs.length} Calico CRs`);
        crs.forEach(assertValid);
        // The validator sees the schema: a pool with an encapsulation Calico does not know is rejected.
        const broken = structuredClone(asObject(ofTypeIn(inv, "idc-sh", T.installation)[0]));
        broken.spec.calicoNetwork.ipPools[0].encapsulation = "GRE";
        assert.ok(validateCustomResource(broken).some((e) => e.includes("/spec/calicoNetwork/ipPools/0/encapsulation")));
    });

    it("puts every networking resource under the cluster's site, through its own provider, after the cluster is ready", () => {
        const components = inv.resources.filter((r) => r.type.startsWith("hybrid:network:"));
        assert.deepStrictEqual(components.map((c) => c.name).sort(), ["ack-sh-tenants", "eks-apne1-tenants", "idc-sh-calico", "idc-sh-tenants"]);
        for (const c of components) {
            const site = inv.byUrn(c.parent!);
            assert.match(site.type, /^hybrid:(idc|eks|ack):Site$/);
            for (const child of inv.childrenOf(c.urn)) {
                assert.ok(child.name.startsWith(site.name), child.name);
                assert.strictEqual(inv.providerOf(child)?.name, k8sProviderName(site.name), `${child.name} uses ${inv.providerOf(child)?.name}`);
            }
        }
        // The first networking resources wait for the site's readiness gate (IDC: every host joined).
        const [crds] = ofTypeIn(inv, "idc-sh", T.release).filter((r) => r.inputs.chart === CALICO.crdChart);
        const operatorNs = ofTypeIn(inv, "idc-sh", T.namespace).find((n) => n.inputs.metadata.name === CALICO.namespace)!;
        assert.strictEqual(operatorNs.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.ok(dependsOn(crds, operatorNs));
        const name = (urn: string) => urn.split("::").pop()!;
        assert.deepStrictEqual(
            operatorNs.dependencies.map(name).sort(),
            [
                `idc-sh-control-plane-${idc.controlPlane.hosts[0].name}-kubeadm-init`,
                ...idc.controlPlane.hosts.slice(1).map((h) => `idc-sh-control-plane-${h.name}-kubeadm-join`),
                ...idc.workers.map((w) => `idc-sh-workers-${w.name}-kubeadm-join`),
            ].sort(),
        );
        // ACK: the node pools; EKS: the system nodes, their add-ons and Karpenter.
        const [ackNs] = ofTypeIn(inv, "ack-sh", T.namespace);
        assert.deepStrictEqual(
            ackNs.dependencies.map(name).sort(),
            spec.clusters[2].provider === "ack" ? spec.clusters[2].nodePools.map((p) => `ack-sh-${p.name}`).sort() : [],
        );
        const [eksNs] = ofTypeIn(inv, "eks-apne1", T.namespace);
        assert.ok(eksNs.dependencies.map(name).includes("eks-apne1-karpenter-chart"), eksNs.dependencies.join(", "));
        // On Calico clusters the tenant namespaces also wait for the CNI that enforces their policies.
        const idcNs = ofTypeIn(inv, "idc-sh", T.namespace).find((n) => n.inputs.metadata.name === "payments")!;
        assert.ok(dependsOn(idcNs, ofTypeIn(inv, "idc-sh", T.apiServer)[0]));
    });

    it("gives every tenant on every cluster default-deny, DNS to kube-dns, its peers, a quota and limits", () => {
        for (const c of spec.clusters) {
            for (const t of c.network.tenants) {
                const ns = t.namespace;
                const policies = ofTypeIn(inv, c.name, T.policy).filter((p) => p.inputs.metadata.namespace === ns);
                const byName = Object.fromEntries(policies.map((p) => [p.inputs.metadata.name, p.inputs.spec]));
                assert.deepStrictEqual(byName["default-deny"], { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, `${c.name}/${ns}`);
                assert.deepStrictEqual(byName["allow-dns"].egress, [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ]);
                if (t.allowFrom.length > 0) {
                    assert.deepStrictEqual(
                        byName["allow-from-peers"].ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
                        t.allowFrom.map((p) => p.namespace),
                    );
                } else assert.ok(!("allow-from-peers" in byName));
                if (t.allowTo.length > 0) {
                    const rules = byName["allow-to-peers"].egress;
                    assert.deepStrictEqual(
                        rules.map((r: any) => r.to[0].podSelector.matchLabels),
                        t.allowTo.map((p) => p.podLabels),
                    );
                }
                const [namespace] = ofTypeIn(inv, c.name, T.namespace).filter((n) => n.inputs.metadata.name === ns);
                assert.strictEqual(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
                // Enforced at the cluster's own version of the standard ("latest"), not pinned to an older one.
                assert.strictEqual(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce-version"], "latest");
                const [quota] = ofTypeIn(inv, c.name, T.quota).filter((q) => q.inputs.metadata.namespace === ns);
                assert.deepStrictEqual(quota.inputs.spec.hard, {
                    "requests.cpu": t.quota.requestsCpu,
                    "requests.memory": t.quota.requestsMemory,
                    "limits.cpu": t.quota.limitsCpu,
                    "limits.memory": t.quota.limitsMemory,
                    pods: String(t.quota.pods),
                    // No LoadBalancer or NodePort Service unless the spec grants some: either exposes the tenant beyond its policies.
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                });
                const [limits] = ofTypeIn(inv, c.name, T.limits).filter((l) => l.inputs.metadata.namespace === ns);
                assert.deepStrictEqual(limits.inputs.spec.limits[0].default, { cpu: t.containerDefaults.cpuLimit, memory: t.containerDefaults.memoryLimit });
                for (const r of [...policies, quota, limits]) assert.ok(dependsOn(r, namespace), `${r.name} does not wait for its namespace`);
            }
        }
        // payments' quota is raised in the spec; search keeps the defaults.
        const quotas = Object.fromEntries(ofTypeIn(inv, "idc-sh", T.quota).map((q) => [q.inputs.metadata.namespace, q.inputs.spec.hard["requests.cpu"]]));
        assert.deepStrictEqual(quotas, { payments: "40", search: "20" });
    });

    describe("the offline plan", () => {
        it("writes the Calico objects and tenant baseline under manifests/<cluster>/, and they validate from the files", () => {
            const files = fs.readdirSync(path.join(dir, "manifests", "idc-sh"));
            for (const f of [
                "installation-default.yaml",
                "apiserver-default.yaml",
                "bgpconfiguration-default.yaml",
                "ipamconfiguration-default.yaml",
                "ippool-loadbalancer-ipv4-ippool.yaml",
                "helm-release-idc-sh-calico-operator.yaml",
                "networkpolicy-payments-default-deny.yaml",
            ]) {
                assert.ok(files.includes(f), `no ${f} in manifests/idc-sh: ${files.join(", ")}`);
            }
            assert.strictEqual(files.filter((f) => f.startsWith("bgppeer-")).length, idc.network.calico.bgp!.peers.length);
            for (const f of files.filter((x) => /^(installation|apiserver|bgpconfiguration|bgppeer|ippool)-/.test(x))) {
                const obj = YAML.parse(fs.readFileSync(path.join(dir, "manifests", "idc-sh", f), "utf8"));
                assert.deepStrictEqual(validateCustomResource({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec }), [], f);
            }
            for (const c of ["eks-apne1", "ack-sh"]) {
                assert.ok(fs.readdirSync(path.join(dir, "manifests", c)).includes("networkpolicy-payments-default-deny.yaml"), c);
            }
            assert.ok(!fs.existsSync(path.join(dir, "manifests", "_unassigned")));
        });
    });
});

describe("cluster networking: dev fleet (IDC Cilium) plus two EKS variants (Calico policy only, Cilium ENI)", () => {
    let spec: FleetSpec;
    let inv: Inventory;
    // The dev fleet as checked in, plus two more EKS clusters that differ from eks-dev only in
    // their CNI and address blocks: one run on the mock engine covers all three EKS CNIs.
    before(async () => {
        const raw = rawStackFleet("dev");
        const eks = raw.clusters.find((c: any) => c.name === "eks-dev");
        const extra = (name: string, n: number, network: object) => ({
            ...structuredClone(eks),
            name,
            network: { ...eks.network, vpcCidr: `10.12${n}.0.0/16`, podCidr: `10.16${n + 6}.0.0/16`, serviceCidr: `172.2${n}.0.0/16`, ...network },
            // Not linked to the others: left out of the mesh (its reachability rule), which is not under test here.
            mesh: { network: `net-${name}`, enabled: false },
            metrics: { objectStore: { ...eks.metrics.objectStore, bucket: `acme-dev-metrics-${name}` } },
            // Every cluster is linked (the mesh, federation and monitoring need it): to the transit IDC, with its own ASN.
            gateway: { asn: 64550 + n },
        });
        raw.clusters.push(extra("eks-calico", 1, { cni: "calico" }), extra("eks-cilium", 2, { cni: "cilium", cilium: { clusterId: 12 } }));
        for (const name of ["eks-calico", "eks-cilium"]) raw.links.push({ between: ["idc-dev", name], kind: "ipsec-vpn", crossBorder: "cen" });
        spec = loadFleet(raw);
        inv = (await runFleet(spec, "dev")).inventory;
    });

    it("installs Cilium 1.19.9 on the IDC cluster, nothing else", () => {
        assert.deepStrictEqual(releasesIn(inv, "idc-dev"), ["cilium"]);
        const [release] = ofTypeIn(inv, "idc-dev", T.release);
        assert.strictEqual(release.inputs.version, "1.19.9");
        assert.strictEqual(release.inputs.repositoryOpts.repo, "https://helm.cilium.io");
        assert.strictEqual(release.inputs.namespace, "kube-system");
        assert.strictEqual(inv.providerOf(release)?.name, "idc-dev-k8s");
        assert.ok(release.dependencies.length > 0);
        assert.deepStrictEqual(
            inv.ofType("hybrid:network:Calico").map((c) => c.name),
            ["eks-calico-calico"],
        );
        assert.deepStrictEqual(
            inv
                .ofType("hybrid:network:Cilium")
                .map((c) => c.name)
                .sort(),
            ["eks-cilium-cilium", "idc-dev-cilium"],
        );
        // eks-dev keeps the VPC CNI and ack-dev Terway: nothing from this program.
        assert.ok(!releasesIn(inv, "eks-dev").some((c) => c === CALICO.operatorChart || c === CILIUM.chart));
        assert.deepStrictEqual(releasesIn(inv, "ack-dev"), []);
    });

    it("replaces kube-proxy through the VIP, routes natively on the pod CIDR through BGP (not direct routes), runs Hubble with its relay", () => {
        const idc = spec.clusters[0] as IdcClusterSpec;
        assert.ok(idc.network.cilium.bgp, "the dev IDC cluster routes with Cilium BGP");
        const v = ofTypeIn(inv, "idc-dev", T.release)[0].inputs.values;
        assert.strictEqual(v.kubeProxyReplacement, true);
        assert.strictEqual(v.k8sServiceHost, idc.controlPlane.vip);
        assert.strictEqual(v.k8sServicePort, idc.controlPlane.port);
        assert.strictEqual(v.routingMode, "native");
        assert.strictEqual(v.autoDirectNodeRoutes, false);
        assert.deepStrictEqual(v.bgpControlPlane, { enabled: true });
        assert.deepStrictEqual(v.bpf, { lbExternalClusterIP: true });
        assert.strictEqual(v.ipv4NativeRoutingCIDR, idc.network.podCidr);
        assert.deepStrictEqual(v.ipam, { mode: "cluster-pool", operator: { clusterPoolIPv4PodCIDRList: [idc.network.podCidr], clusterPoolIPv4MaskSize: 24 } });
        assert.deepStrictEqual(v.cluster, { name: "idc-dev", id: 11 });
        assert.strictEqual(v.hubble.enabled, true);
        assert.strictEqual(v.hubble.relay.enabled, true);
        // Relay reaches every agent's Hubble server over mTLS, with certificates a CronJob renews.
        assert.deepStrictEqual(v.hubble.tls, { enabled: true, auto: { enabled: true, method: "cronJob" } });
        assert.strictEqual(v.operator.replicas, 2);
    });

    it("IDC without cilium.bgp routes directly between nodes (one L2 segment), without the BGP control plane", () => {
        const idc = structuredClone(spec.clusters[0]) as IdcClusterSpec;
        delete idc.network.cilium.bgp;
        const v = ciliumValues(idc, { apiServer: { host: idc.controlPlane.vip, port: idc.controlPlane.port } }) as Record<string, unknown>;
        assert.strictEqual(v.autoDirectNodeRoutes, true);
        assert.strictEqual(v.bgpControlPlane, undefined);
        assert.strictEqual(v.bpf, undefined);
        assert.deepStrictEqual(ciliumBgpClusterConfigs(idc), []);
    });

    it("IDC: declares the Cilium BGP peers, session settings and advertisements of the spec", () => {
        const idc = spec.clusters[0] as IdcClusterSpec;
        const bgp = idc.network.cilium.bgp!;
        const [clusterConfig, ...moreConfigs] = ofTypeIn(inv, "idc-dev", T.ciliumClusterConfig);
        assert.deepStrictEqual(moreConfigs, [], "dev's peers are all global: one cluster config");
        // Global peers: no nodeSelector, i.e. every node.
        assert.deepStrictEqual(clusterConfig.inputs.spec, {
            bgpInstances: [
                {
                    name: `instance-${bgp.asNumber}`,
                    localASN: bgp.asNumber,
                    peers: bgp.peers.map((p) => ({ name: p.name, peerAddress: p.peerIp, peerASN: p.asNumber, peerConfigRef: { name: "tor" } })),
                },
            ],
        });
        assert.ok(bgp.peers.length >= 2, "a ToR pair");
        const [peerConfig] = ofTypeIn(inv, "idc-dev", T.ciliumPeerConfig);
        assert.strictEqual(peerConfig.inputs.metadata.name, "tor");
        const { timers, gracefulRestart, families } = peerConfig.inputs.spec;
        // The CRD's CEL rule (not checked by the JSON-schema validator): keepalive <= hold.
        assert.ok(timers.keepAliveTimeSeconds <= timers.holdTimeSeconds);
        assert.deepStrictEqual(gracefulRestart, { enabled: true, restartTimeSeconds: 120 });
        const [advertisement] = ofTypeIn(inv, "idc-dev", T.ciliumAdvertisement);
        // The peer config's ipv4 family selects the advertisement by its labels.
        assert.deepStrictEqual(
            families.map((f: any) => [f.afi, f.safi]),
            [["ipv4", "unicast"]],
        );
        assert.deepStrictEqual(families[0].advertisements.matchLabels, advertisement.inputs.metadata.labels);
        const [pods, services] = advertisement.inputs.spec.advertisements;
        assert.deepStrictEqual(pods, { advertisementType: "PodCIDR" });
        // The whole service CIDR (10.196.0.0/16), as Calico's BGPConfiguration announces it.
        assert.strictEqual(idc.network.serviceCidr, "10.196.0.0/16");
        assert.deepStrictEqual(services.service, { addresses: ["ClusterIP"], aggregationLengthIPv4: 16 });
        assert.strictEqual(services.selector.matchExpressions[0].operator, "NotIn");
        // The EKS Cilium cluster (ENI mode) has no BGP objects.
        for (const type of [T.ciliumClusterConfig, T.ciliumPeerConfig, T.ciliumAdvertisement]) assert.deepStrictEqual(ofTypeIn(inv, "eks-cilium", type), []);
    });

    it("IDC: the Cilium BGP objects go through the cluster's provider, under the Cilium component, after the release that brings their CRDs", () => {
        const [component] = inv.ofType("hybrid:network:Cilium").filter((c) => c.name === "idc-dev-cilium");
        const [release] = ofTypeIn(inv, "idc-dev", T.release);
        const [peerConfig] = ofTypeIn(inv, "idc-dev", T.ciliumPeerConfig);
        const [advertisement] = ofTypeIn(inv, "idc-dev", T.ciliumAdvertisement);
        const crs = inCluster(inv, "idc-dev").filter((r) => r.type.startsWith("kubernetes:cilium.io/"));
        assert.strictEqual(crs.length, 4, "peer config, advertisement, cluster config, LoadBalancer pool");
        for (const r of crs) {
            assert.strictEqual(r.parent, component.urn, r.name);
            assert.ok(r.name.startsWith(`${component.name}-`), r.name);
            assert.strictEqual(inv.providerOf(r)?.name, "idc-dev-k8s", r.name);
            assert.ok(dependsOn(r, release), `${r.name} does not wait for the Cilium release`);
        }
        for (const r of ofTypeIn(inv, "idc-dev", T.ciliumClusterConfig)) {
            assert.ok(dependsOn(r, peerConfig) && dependsOn(r, advertisement), `${r.name} starts sessions before its peer config and routes exist`);
        }
    });

    it("IDC: every rendered Cilium BGP object validates against the Cilium 1.19.4 CRDs, and broken ones do not", () => {
        const crs = inv.resources.filter((r) => r.type.startsWith("kubernetes:cilium.io/"));
        assert.strictEqual(crs.length, 4);
        crs.forEach(assertValid);
        const of = (type: string) => structuredClone(asObject(ofTypeIn(inv, "idc-dev", type)[0]));
        const badPeer = of(T.ciliumClusterConfig);
        badPeer.spec.bgpInstances[0].peers[0].peerAddress = "10.110.0.300";
        assert.ok(validateCustomResource(badPeer).some((e) => e.includes("/spec/bgpInstances/0/peers/0/peerAddress")));
        const badTimers = of(T.ciliumPeerConfig);
        badTimers.spec.timers.holdTimeSeconds = 1;
        assert.ok(validateCustomResource(badTimers).some((e) => e.includes("/spec/timers/holdTimeSeconds")));
        const badAdvert = of(T.ciliumAdvertisement);
        badAdvert.spec.advertisements[1].service.aggregationLengthIPv4 = 32;
        assert.ok(validateCustomResource(badAdvert).some((e) => e.includes("/spec/advertisements/1/service/aggregationLengthIPv4")));
        // v2alpha1 is deprecated but still served; the program writes the storage version.
        assert.strictEqual(crs[0].inputs.apiVersion, "cilium.io/v2");
    });

    it("IDC: the LoadBalancer range is a Cilium LB IPAM pool, its addresses advertised to the ToRs; no EKS cluster gets one", () => {
        const idc = spec.clusters[0] as IdcClusterSpec;
        const [pool, ...more] = ofTypeIn(inv, "idc-dev", T.ciliumLbPool);
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual(pool.inputs.spec.blocks, [{ cidr: idc.network.loadBalancerCidr }]);
        assert.strictEqual(inv.providerOf(pool)?.name, "idc-dev-k8s");
        const [release] = ofTypeIn(inv, "idc-dev", T.release);
        assert.ok(dependsOn(pool, release), "the pool waits for the release whose operator registers its CRD");
        const [advertisement] = ofTypeIn(inv, "idc-dev", T.ciliumAdvertisement);
        assert.ok(
            advertisement.inputs.spec.advertisements.some((a: any) => a.advertisementType === "Service" && a.service.addresses.includes("LoadBalancerIP")),
        );
        assert.deepStrictEqual(
            inv.resources.filter((r) => r.type === T.ciliumLbPool).map((r) => r.name),
            [pool.name],
        );
    });

    it("IDC: kubeadm init skips the kube-proxy addon where Cilium replaces it", () => {
        // The init file carries the bootstrap token, so it is a secret; the test reads inside it.
        const initOf = (cluster: string) => {
            const [file] = ofTypeIn(inv, cluster, "command:remote:CopyToRemote").filter(
                (r) => finalPathOf(String(r.inputs.remotePath)) === "/etc/kubernetes/kubeadm-init.yaml",
            );
            assert.ok(file.inputs.source instanceof SecretValue, "the init file must stay a secret");
            return YAML.parse((file.inputs.source.value as { text: string }).text);
        };
        assert.deepStrictEqual(initOf("idc-dev").skipPhases, ["addon/kube-proxy"]);
        assert.strictEqual(initOf("idc-dev").kind, "InitConfiguration");
    });

    it("EKS calico: keeps the VPC CNI for addresses and runs Calico for policy only", () => {
        assert.deepStrictEqual(
            releasesIn(inv, "eks-calico").filter((c) => !c.includes("karpenter")),
            [CALICO.crdChart, CALICO.operatorChart].sort(),
        );
        const [installation] = ofTypeIn(inv, "eks-calico", T.installation);
        assertValid(installation);
        assert.strictEqual(installation.inputs.spec.kubernetesProvider, "EKS");
        assert.deepStrictEqual(installation.inputs.spec.cni, { type: "AmazonVPC" });
        assert.strictEqual(installation.inputs.spec.calicoNetwork.ipPools, undefined);
        // No projectcalico.org/v3 objects there, so no Calico API server.
        assert.deepStrictEqual(ofTypeIn(inv, "eks-calico", T.apiServer), []);
        const addons = ofTypeIn(inv, "eks-calico", T.addon).map((a) => a.inputs.addonName);
        assert.ok(addons.includes("vpc-cni") && addons.includes("kube-proxy"), addons.join(", "));
    });

    it("EKS cilium: ENI mode, without the VPC CNI and kube-proxy add-ons", () => {
        const addons = ofTypeIn(inv, "eks-cilium", T.addon).map((a) => a.inputs.addonName);
        assert.ok(addons.length > 0 && !addons.includes("vpc-cni") && !addons.includes("kube-proxy"), addons.join(", "));
        const [release] = ofTypeIn(inv, "eks-cilium", T.release).filter((r) => r.inputs.chart === "cilium");
        const v = release.inputs.values;
        assert.deepStrictEqual(v.eni, { enabled: true }, "no per-node ENI values: the 1.19 chart's eni block has no nodeSpec");
        assert.deepStrictEqual(v.ipam, { mode: "eni" });
        assert.strictEqual(v.routingMode, "native");
        assert.strictEqual(v.egressMasqueradeInterfaces, "eth+");
        assert.strictEqual(v.kubeProxyReplacement, true);
        assert.strictEqual(v.k8sServicePort, 443);
        // The managed endpoint's host (from the mock EKS cluster), never a node address.
        assert.match(v.k8sServiceHost, /\.eks\.amazonaws\.com$/);
        assert.deepStrictEqual(v.cluster, { name: "eks-cilium", id: 12 });
    });

    it("EKS cilium: pods take addresses from the pod subnets only, through the CNI configuration the chart reads", () => {
        const [release] = ofTypeIn(inv, "eks-cilium", T.release).filter((r) => r.inputs.chart === "cilium");
        const cms = ofTypeIn(inv, "eks-cilium", T.configMap);
        assert.strictEqual(cms.length, 1);
        const [cm] = cms;
        // The chart mounts the ConfigMap its values name, from its own namespace, and the agent reads that key.
        // No cni.customConf: the chart's non-legacy branch keeps cni-exclusive with the file it reads.
        assert.deepStrictEqual(release.inputs.values.cni, { configMap: cm.inputs.metadata.name, configMapKey: CILIUM_CNI_CONFIG.key });
        assert.strictEqual(cm.inputs.metadata.namespace, release.inputs.namespace);
        assert.ok(dependsOn(release, cm), "the ConfigMap exists when the agents start");
        assert.strictEqual(inv.providerOf(cm)?.name, k8sProviderName("eks-cilium"));
        const conf = JSON.parse(cm.inputs.data[CILIUM_CNI_CONFIG.key]);
        assert.strictEqual(conf.name, "cilium");
        const [plugin] = conf.plugins;
        assert.strictEqual(plugin.type, "cilium-cni");
        // Not eth0: the node's primary ENI sits in the node subnet.
        assert.strictEqual(plugin.eni["first-interface-index"], 1);
        const tags: Record<string, string> = plugin.eni["subnet-tags"];
        assert.ok(Object.keys(tags).length > 0);
        const carries = (t: Record<string, string>) => Object.entries(tags).every(([k, val]) => t[k] === val);
        assert.ok(carries(subnetTags("eks-cilium", "pods")) && !carries(subnetTags("eks-cilium", "private")) && !carries(subnetTags("eks-cilium", "public")));
        // The subnets the program declares that match are exactly the ones carved from the pod CIDR.
        const podCidr = cidr(spec.clusters.find((c) => c.name === "eks-cilium")!.network.podCidr);
        const subnets = ofTypeIn(inv, "eks-cilium", T.subnet);
        const matched = subnets
            .filter((s) => carries(s.inputs.tags))
            .map((s) => s.name)
            .sort();
        const inPodCidr = subnets
            .filter((s) => within(cidr(s.inputs.cidrBlock), podCidr))
            .map((s) => s.name)
            .sort();
        assert.ok(inPodCidr.length >= 2, inPodCidr.join());
        assert.deepStrictEqual(matched, inPodCidr);
    });

    it("EKS cilium: installs with the control plane, not after the nodes; the nodes wait for the agent, the relay fits on them", () => {
        const [release] = ofTypeIn(inv, "eks-cilium", T.release).filter((r) => r.inputs.chart === "cilium");
        const [nodeGroup] = ofTypeIn(inv, "eks-cilium", T.nodeGroup);
        // Gated on the cluster, the admins' access and the operator's credentials: not on the nodes,
        // which stay NotReady without a CNI, nor on anything that needs pod networking.
        const gates = [
            ...ofTypeIn(inv, "eks-cilium", T.cluster),
            ...ofTypeIn(inv, "eks-cilium", T.accessPolicy),
            ...ofTypeIn(inv, "eks-cilium", T.podIdentity).filter((a) => a.inputs.serviceAccount === "cilium-operator"),
        ];
        assert.deepStrictEqual(
            gates.map((g) => g.type).filter((t) => t !== T.accessPolicy),
            [T.cluster, T.podIdentity],
        );
        for (const r of gates) assert.ok(dependsOn(release, r), `the release waits for ${r.name}`);
        const before = new Set<string>();
        const walk = (urn: string) => {
            if (before.has(urn)) return;
            before.add(urn);
            for (const d of inv.byUrn(urn).dependencies) walk(d);
        };
        walk(release.urn);
        assert.ok(!before.has(nodeGroup.urn), "the release does not wait for the node group, directly or not");
        assert.ok(![...before].some((u) => /karpenter|coredns|ebs-csi/.test(u)), [...before].join(", "));
        // Its wait outlasts the node group's creation in parallel.
        assert.ok(release.inputs.timeout >= 900 && release.inputs.atomic === true, String(release.inputs.timeout));
        // Nodes join tainted until the agent runs (the operator removes the taint).
        const taints = nodeGroup.inputs.taints as { key: string; value: string; effect: string }[];
        assert.ok(
            taints.some((t) => t.key === "node.cilium.io/agent-not-ready" && t.effect === "NO_EXECUTE"),
            JSON.stringify(taints),
        );
        // Every other taint of the only nodes there are is tolerated by the relay and the certificate Job.
        const effect = (e: string) => ({ NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" })[e];
        const tolerates = (tols: any[], t: { key: string; value: string; effect: string }) =>
            tols.some((x) => x.key === t.key && (x.operator === "Exists" || x.value === t.value) && (x.effect === undefined || x.effect === effect(t.effect)));
        const v = release.inputs.values;
        for (const t of taints.filter((x) => x.key !== CILIUM_AGENT_NOT_READY_TAINT.key)) {
            assert.ok(tolerates(v.hubble.relay.tolerations, t), `relay does not tolerate ${t.key}`);
            assert.ok(tolerates(v.certgen.tolerations, t), `certgen does not tolerate ${t.key}`);
        }
        // The operator keeps the chart's tolerate-everything default (the values do not narrow it).
        assert.strictEqual(v.operator.tolerations, undefined);
        // Without Cilium the system nodes are not tainted agent-not-ready.
        for (const c of ["eks-dev", "eks-calico"]) {
            const [ng] = ofTypeIn(inv, c, T.nodeGroup);
            assert.ok(!ng.inputs.taints.some((t: any) => t.key === CILIUM_AGENT_NOT_READY_TAINT.key), c);
        }
    });
});

describe("cluster networking: the dev stack's offline plan", () => {
    let dir: string;
    before(async () => {
        dir = await plannedStack("dev");
    });

    it("writes the Cilium BGP objects under manifests/idc-dev/, and they validate from the files", () => {
        const idc = loadStackSpec("dev").clusters[0] as IdcClusterSpec;
        const files = fs.readdirSync(path.join(dir, "manifests", "idc-dev"));
        const expected = [
            "ciliumbgppeerconfig-tor.yaml",
            "ciliumbgpadvertisement-pod-and-service-cidrs.yaml",
            ...ciliumBgpClusterConfigs(idc).map((c) => `ciliumbgpclusterconfig-${c.metadata.name}.yaml`),
            "ciliumloadbalancerippool-loadbalancer.yaml",
        ];
        for (const f of expected) assert.ok(files.includes(f), `no ${f} in manifests/idc-dev: ${files.join(", ")}`);
        for (const f of files.filter((x) => x.startsWith("cilium"))) {
            const obj = YAML.parse(fs.readFileSync(path.join(dir, "manifests", "idc-dev", f), "utf8"));
            assert.strictEqual(obj.apiVersion, "cilium.io/v2", f);
            assert.deepStrictEqual(validateCustomResource({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, spec: obj.spec }), [], f);
        }
        assert.strictEqual(files.filter((f) => f.startsWith("cilium")).length, expected.length);
    });
});
