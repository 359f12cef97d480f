// The mesh's certificates, checked by openssl: the prod fleet runs on the mock engine with real
// certificates (HYBRID_FLEET_REAL_CERTS=1: the tls mock signs as terraform-provider-tls does), and
// every cluster's istio-system/cacerts, as the program composes it, is handed to openssl:
// `openssl verify` of the intermediate against the one fleet root, the extensions as Istio's
// tools/certs makes them (`openssl x509 -text`), the key matching the certificate, and the
// depth limit: an intermediate signs workloads, and a CA it signs does not verify.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadStackSpec, runFleet, SecretValue } from "../harness";
import { ecRequest, openssl, requireTool, signRequest, succeeded as ok, tempDir } from "./idcTools";

interface CaCerts {
    cluster: string;
    dir: string;
    files: Record<"ca-cert.pem" | "ca-key.pem" | "root-cert.pem" | "cert-chain.pem", string>;
}

describe("mesh certificates checked by openssl", function () {
    this.timeout(120_000);
    let root: string;
    const clusters: CaCerts[] = [];
    const pemBlocks = (s: string) => s.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];
    const inDir = (c: CaCerts, f: string) => path.join(c.dir, f);

    before(async function () {
        requireTool("openssl");
        root = tempDir("mesh-certs-");
        const { inventory } = await runFleet(loadStackSpec("prod"), "prod", { realCerts: true });
        const secrets = inventory.ofType("kubernetes:core/v1:Secret").filter((r) => (r.inputs.metadata as { name?: string })?.name === "cacerts");
        for (const s of secrets) {
            const cluster = s.name.replace(/-mesh-cacerts$/, "");
            assert.ok(s.inputs.stringData instanceof SecretValue, `${cluster}: cacerts data is not a secret`);
            const files = (s.inputs.stringData as SecretValue).value as CaCerts["files"];
            const dir = path.join(root, cluster);
            fs.mkdirSync(dir);
            for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text, { mode: 0o600 });
            clusters.push({ cluster, dir, files });
        }
        assert.deepStrictEqual(clusters.map((c) => c.cluster).sort(), ["ack-sh", "eks-apne1", "idc-sh"]);
    });

    after(() => {
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("every cluster has the same root, and its chain is its intermediate then that root", () => {
        const roots = new Set(clusters.map((c) => c.files["root-cert.pem"]));
        assert.strictEqual(roots.size, 1, "clusters have different roots");
        for (const c of clusters) {
            assert.deepStrictEqual(
                pemBlocks(c.files["cert-chain.pem"]),
                [...pemBlocks(c.files["ca-cert.pem"]), ...pemBlocks(c.files["root-cert.pem"])],
                c.cluster,
            );
        }
        assert.strictEqual(new Set(clusters.map((c) => c.files["ca-cert.pem"])).size, clusters.length, "two clusters share an intermediate");
    });

    it("openssl verify: each intermediate against the root", () => {
        for (const c of clusters) {
            const out = ok(openssl(["verify", "-CAfile", inDir(c, "root-cert.pem"), inDir(c, "ca-cert.pem")], c.dir), `${c.cluster} verify`);
            assert.match(out, /: OK\s*$/);
        }
        // Another cluster's root would not do: a self-made root with the same subject is rejected.
        const c = clusters[0];
        ecRequest(c.dir, "other-root", "/O=acme-mesh/CN=acme-mesh root CA", true);
        assert.notStrictEqual(
            openssl(["verify", "-CAfile", inDir(c, "other-root.pem"), inDir(c, "ca-cert.pem")], c.dir).status,
            0,
            "verified against a foreign root",
        );
    });

    it("the extensions are Istio's tools/certs ones: CA, critical key usage, istiod SAN; the root limits the depth", () => {
        for (const c of clusters) {
            const text = ok(openssl(["x509", "-noout", "-text", "-in", inDir(c, "ca-cert.pem")], c.dir), "x509 -text");
            assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE/, `${c.cluster}: basic constraints`);
            assert.match(
                text,
                /X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation, Key Encipherment, Certificate Sign\s/,
                `${c.cluster}: key usage`,
            );
            assert.match(text, /X509v3 Subject Alternative Name:\s+DNS:istiod\.istio-system\.svc\s/, `${c.cluster}: SAN`);
            assert.match(text, /X509v3 Subject Key Identifier/, `${c.cluster}: SKI`);
            assert.match(text, /X509v3 Authority Key Identifier/, `${c.cluster}: AKI`);
            assert.match(
                text,
                new RegExp(`Subject: L\\s*=\\s*${c.cluster}, O\\s*=\\s*acme-mesh, OU\\s*=\\s*generation-1, CN\\s*=\\s*${c.cluster} intermediate CA\\n`),
                `${c.cluster}: subject`,
            );
        }
        const rootText = ok(openssl(["x509", "-noout", "-text", "-in", inDir(clusters[0], "root-cert.pem")], clusters[0].dir), "root x509 -text");
        assert.match(rootText, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
        assert.match(rootText, /X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation, Key Encipherment, Certificate Sign\s/);
    });

    it("ca-key.pem is the intermediate's key", () => {
        for (const c of clusters) {
            const fromKey = ok(openssl(["pkey", "-in", inDir(c, "ca-key.pem"), "-pubout"], c.dir), "pkey -pubout");
            const fromCert = ok(openssl(["x509", "-in", inDir(c, "ca-cert.pem"), "-noout", "-pubkey"], c.dir), "x509 -pubkey");
            assert.strictEqual(fromKey, fromCert, c.cluster);
        }
    });

    it("an intermediate signs workload certificates, and a CA it signs does not verify (path length)", () => {
        for (const c of clusters) {
            const ext = path.join(c.dir, "ext.cnf");
            fs.writeFileSync(
                ext,
                "[leaf]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=URI:spiffe://acme.internal/ns/payments/sa/default\n[subca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
            );
            const intermediate = { cert: "ca-cert.pem", key: "ca-key.pem" };
            for (const [kind, subj] of [
                ["leaf", "/O=acme-mesh"],
                ["subca", "/CN=rogue sub CA"],
            ]) {
                ecRequest(c.dir, kind, subj);
                signRequest(c.dir, kind, intermediate, ext, kind);
            }
            ok(openssl(["verify", "-CAfile", "root-cert.pem", "-untrusted", "ca-cert.pem", "leaf.pem"], c.dir), `${c.cluster}: workload chain`);
            // What must fail is a chain through a CA below the intermediate.
            ecRequest(c.dir, "deep", "/CN=deep");
            signRequest(c.dir, "deep", { cert: "subca.pem", key: "subca.key" }, ext, "leaf");
            fs.writeFileSync(path.join(c.dir, "untrusted.pem"), c.files["ca-cert.pem"] + fs.readFileSync(path.join(c.dir, "subca.pem"), "utf8"));
            const deep = openssl(["verify", "-CAfile", "root-cert.pem", "-untrusted", "untrusted.pem", "deep.pem"], c.dir);
            assert.notStrictEqual(deep.status, 0, `${c.cluster}: a certificate below a CA the intermediate signed verified`);
            assert.match(deep.stdout + deep.stderr, /path length constraint exceeded/, c.cluster);
        }
    });
});
