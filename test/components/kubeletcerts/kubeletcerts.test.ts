// The kubelet serving-certificate approver: values checked against the vendored chart values, and
// what the program declares on the mock engine (IDC clusters only, after the CNI, on the cluster's provider).
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { KUBELET_CSR_APPROVER, kubeletCsrApproverValues } from "../../../components/kubeletcerts/render";
import { kubeletConfiguration, clusterConfiguration } from "../../../components/idc/render";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { loadStackSpec, runFleet } from "../../harness";
import { unknownKeys } from "../chartKeys";

const CHART_DIR = path.join(__dirname, "..", "..", "fixtures", "charts", `kubelet-csr-approver-${KUBELET_CSR_APPROVER.version}`);
const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("kubelet serving certificates: kubelet-csr-approver", () => {
    const spec = loadStackSpec("prod");
    const idc = spec.clusters.find((c) => c.provider === "idc") as IdcClusterSpec;
    const names = [...idc.controlPlane.hosts, ...idc.workers].map((h) => h.name);
    const addresses = [...idc.controlPlane.hosts, ...idc.workers].map((h) => h.address);

    it("approves only the spec's node names (an anchored alternation) and the nodes' own addresses, not the VIP or other hosts of the node network", () => {
        const v = kubeletCsrApproverValues({ nodeNames: names, nodeAddresses: addresses });
        const re = new RegExp(v.providerRegex);
        for (const n of names) assert.ok(re.test(n), n);
        for (const n of ["evil", `${names[0]}x`, `x${names[0]}`, `${names[0]}.attacker.example`, ""]) assert.ok(!re.test(n), n);
        assert.deepStrictEqual(v.providerIpPrefixes, addresses.map((a) => `${a}/32`).sort());
        for (const other of [idc.controlPlane.vip, ...idc.etcd.hosts.map((h) => h.address)])
            assert.ok(!v.providerIpPrefixes.some((p) => p.split("/")[0] === other), `${other} could be certified`);
        assert.strictEqual(v.allowedDnsNames, 1);
        // Two replicas (the chart elects a leader): a node's new certificate waits for no single pod.
        assert.strictEqual(v.replicas, 2);
    });

    it("refuses names and addresses that could widen the regex or break the chart's unquoted env value", () => {
        for (const bad of ["a|.*", "a.b", "A", "cp-1\n- name: X", "-a", "a:b"])
            assert.throws(() => kubeletCsrApproverValues({ nodeNames: [bad], nodeAddresses: ["10.0.0.1"] }), /not a DNS label/);
        for (const bad of ["10.0.0.0/24", "10.0.0.1,0.0.0.0", "10.0.0.1/0", "10.0.0.256", "010.0.0.1", "1.2.3"])
            assert.throws(() => kubeletCsrApproverValues({ nodeNames: ["a"], nodeAddresses: [bad] }), /not an IPv4 address/);
        assert.throws(() => kubeletCsrApproverValues({ nodeNames: [], nodeAddresses: [] }), /no node names/);
    });

    it("every key set exists in the chart's values.yaml at the pinned version (vendored upstream blob)", () => {
        const file = path.join(CHART_DIR, "values.yaml");
        // postfinance/kubelet-csr-approver tag v1.2.14, charts/kubelet-csr-approver/values.yaml.
        assert.strictEqual(gitBlobId(fs.readFileSync(file)), "d4ce3defb3bf9c609f9ea4c4ef7ae60d58e29efa");
        const v = kubeletCsrApproverValues({ nodeNames: names, nodeAddresses: addresses });
        assert.deepStrictEqual(unknownKeys(v, parse(fs.readFileSync(file, "utf8"))), []);
    });

    it("pairs with the kubelets' serving-certificate requests and the API server's kubelet CA", () => {
        assert.strictEqual(kubeletConfiguration(idc).serverTLSBootstrap, true);
        const flags = clusterConfiguration({ spec: idc, etcdEndpoints: [] }).apiServer.extraArgs;
        assert.ok(flags.some((a) => a.name === "kubelet-certificate-authority"));
    });

    for (const preview of [false, true]) {
        it(`declares the pinned chart on every IDC cluster only, on its provider, after the CNI${preview ? " (preview)" : ""}`, async () => {
            const { inventory } = await runFleet(spec, "prod", { preview });
            const releases = inventory.ofType(RELEASE).filter((r) => r.inputs.chart === KUBELET_CSR_APPROVER.chart);
            const idcs = spec.clusters.filter((c) => c.provider === "idc").map((c) => c.name);
            assert.deepStrictEqual(releases.map((r) => r.name).sort(), idcs.map((n) => `${n}-kubelet-csr-approver-chart`).sort());
            for (const r of releases) {
                const cluster = r.name.replace(/-kubelet-csr-approver-chart$/, "");
                assert.strictEqual(r.inputs.version, "1.2.14");
                assert.strictEqual(r.inputs.repositoryOpts.repo, "https://postfinance.github.io/kubelet-csr-approver");
                assert.strictEqual(r.inputs.namespace, "kube-system");
                assert.strictEqual(inventory.providerOf(r)?.name, `${cluster}-k8s`);
                const cni = inventory.resources.find((x) => /^hybrid:network:(Calico|Cilium)$/.test(x.type) && x.name.startsWith(`${cluster}-`));
                assert.ok(cni, `${cluster} has no CNI component`);
                const waitsFor = r.dependencies.map((u) => inventory.resources.find((x) => x.urn === u));
                assert.ok(
                    waitsFor.some((x) => x?.parent === cni.urn),
                    `${r.name} does not wait for the CNI`,
                );
                const parent = inventory.resources.find((x) => x.urn === r.parent);
                assert.strictEqual(parent?.type, "hybrid:kubeletcerts:KubeletCsrApprover");
            }
        });
    }
});
