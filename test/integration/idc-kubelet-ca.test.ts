// The IDC kubelets' serving certificates come from their own CA, checked by openssl on the files
// the program copies to the control-plane hosts (the prod fleet on the mock engine with real
// certificates: HYBRID_FLEET_REAL_CERTS=1). A kubelet certificate that names the API server's VIP,
// signed as kube-controller-manager's kubelet-serving signer signs, must not pass for the API
// server with the CA every API client trusts; the API server still verifies kubelets with both
// CAs (certificates issued before the kubelet CA existed rotate within a year).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { KUBEADM_PATHS } from "../../components/idc/render";
import type { IdcClusterSpec } from "../../stacks/spec";
import { loadStackSpec, runFleet, SecretValue } from "../harness";
import { ecRequest, openssl, requireTool, signRequest, succeeded as ok, tempDir } from "./idcTools";

describe("IDC kubelet serving CA checked by openssl (real certificates from the prod fleet)", function () {
    this.timeout(120_000);
    let dir: string;
    let idc: IdcClusterSpec;
    const file = (p: string) => path.join(dir, path.basename(p));

    before(async function () {
        requireTool("openssl");
        dir = tempDir("kubelet-ca-");
        const spec = loadStackSpec("prod");
        idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
        const { inventory } = await runFleet(spec, "prod", { realCerts: true });
        const first = idc.controlPlane.hosts[0].name;
        const wanted = [
            KUBEADM_PATHS.kubeletServingCa,
            KUBEADM_PATHS.kubeletServingCaKey,
            KUBEADM_PATHS.kubeletCaBundle,
            KUBEADM_PATHS.ca,
            KUBEADM_PATHS.caKey,
        ];
        for (const target of wanted) {
            const copy = inventory
                .ofType("command:remote:CopyToRemote")
                .find((r) => r.name.startsWith(`${idc.name}-control-plane-${first}-`) && String(r.inputs.remotePath).endsWith(target));
            assert.ok(copy, `no copy of ${target} to ${first}`);
            const source = copy.inputs.source instanceof SecretValue ? copy.inputs.source.value : copy.inputs.source;
            fs.writeFileSync(file(target), (source as { text: string }).text, { mode: 0o600 });
        }
        // A kubelet serving certificate as kube-controller-manager issues one (server auth), naming the VIP.
        fs.writeFileSync(
            path.join(dir, "ext.cnf"),
            `[serving]\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:${idc.controlPlane.vip}, DNS:worker-1\n`,
        );
        for (const [name, ca] of [
            ["by-kubelet-ca", { cert: file(KUBEADM_PATHS.kubeletServingCa), key: file(KUBEADM_PATHS.kubeletServingCaKey) }],
            ["by-kubernetes-ca", { cert: file(KUBEADM_PATHS.ca), key: file(KUBEADM_PATHS.caKey) }],
        ] as const) {
            ecRequest(dir, name, "/O=system:nodes/CN=system:node:worker-1");
            signRequest(dir, name, ca, path.join(dir, "ext.cnf"), "serving");
        }
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a kubelet certificate for the VIP does not pass for the API server with the CA its clients trust", () => {
        const verify = (ca: string, cert: string) => openssl(["verify", "-purpose", "sslserver", "-CAfile", ca, cert], dir);
        assert.notStrictEqual(verify(file(KUBEADM_PATHS.ca), "by-kubelet-ca.pem").status, 0, "the Kubernetes CA accepted a kubelet-serving certificate");
        // The same certificate from the Kubernetes CA (what a kubelet got before) would pass: the reason for the split.
        assert.match(ok(verify(file(KUBEADM_PATHS.ca), "by-kubernetes-ca.pem"), "verify"), /: OK\s*$/);
    });

    it("the API server's kubelet bundle verifies kubelet certificates from the kubelet CA, and those issued before it", () => {
        for (const cert of ["by-kubelet-ca.pem", "by-kubernetes-ca.pem"])
            assert.match(ok(openssl(["verify", "-purpose", "sslserver", "-CAfile", file(KUBEADM_PATHS.kubeletCaBundle), cert], dir), cert), /: OK\s*$/);
        // The bundle is the two CA certificates, the kubelet CA first.
        const blocks = fs.readFileSync(file(KUBEADM_PATHS.kubeletCaBundle), "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g);
        assert.deepStrictEqual(
            blocks,
            [fs.readFileSync(file(KUBEADM_PATHS.kubeletServingCa), "utf8"), fs.readFileSync(file(KUBEADM_PATHS.ca), "utf8")].map((t) => t.trimEnd() + "\n"),
        );
        // The kubelet CA is a CA of its own, and its key matches it.
        const text = ok(openssl(["x509", "-noout", "-subject", "-ext", "basicConstraints", "-in", file(KUBEADM_PATHS.kubeletServingCa)], dir), "x509");
        assert.match(text, /CN ?= ?idc-sh-kubelet-serving-ca/);
        assert.match(text, /CA:TRUE/);
        const pub = (args: string[]) => ok(openssl(args, dir), "pubkey");
        assert.strictEqual(
            pub(["x509", "-noout", "-pubkey", "-in", file(KUBEADM_PATHS.kubeletServingCa)]),
            pub(["pkey", "-pubout", "-in", file(KUBEADM_PATHS.kubeletServingCaKey)]),
        );
    });
});
