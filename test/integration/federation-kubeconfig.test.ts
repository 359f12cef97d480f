// The karmada-apiserver kubeconfig as real kubectl uses it: certificates issued by openssl with the
// SANs the program asks for (certHosts), the kubeconfig the program renders, and an HTTPS endpoint
// that serves /version only to a client certificate signed by the same CA. kubectl must verify
// the server by the address in the kubeconfig and authenticate with the client certificate.
import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as path from "path";
import { certHosts, kubeconfig } from "../../components/federation/render";
import { issue, makeCa, requireTool, tempDir } from "./idcTools";
import { spawn } from "child_process";

function kubectl(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("kubectl", args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        child.on("exit", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr });
        });
    });
}

describe("karmada-apiserver kubeconfig with real kubectl and openssl certificates", function () {
    this.timeout(60_000);
    let dir: string;
    let server: https.Server;
    let port: number;
    let ca: { cert: string; key: string };

    before(async () => {
        requireTool("kubectl");
        requireTool("openssl");
        dir = tempDir("fed-kubeconfig-");
        ca = makeCa(dir, "karmada");
        const hosts = certHosts({ address: "127.0.0.1" });
        const serving = issue(dir, ca, "karmada-server", { dns: hosts.dnsNames, ip: hosts.ipAddresses }, "serverAuth");
        server = https.createServer(
            {
                cert: fs.readFileSync(serving.cert),
                key: fs.readFileSync(serving.key),
                ca: fs.readFileSync(ca.cert),
                requestCert: true,
                rejectUnauthorized: true,
            },
            (req, res) => {
                res.setHeader("Content-Type", "application/json");
                res.end(JSON.stringify({ major: "1", minor: "35", gitVersion: "v1.35.2", path: req.url }));
            },
        );
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        port = (server.address() as AddressInfo).port;
    });

    after(() => {
        server?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("kubectl verifies the server and authenticates with the client certificate", async () => {
        const admin = issue(dir, ca, "karmada-admin", {}, "clientAuth");
        const file = write(
            "ok.kubeconfig",
            kubeconfig(`https://127.0.0.1:${port}`, fs.readFileSync(ca.cert, "utf8"), fs.readFileSync(admin.cert, "utf8"), fs.readFileSync(admin.key, "utf8")),
        );
        const r = await kubectl(["--kubeconfig", file, "get", "--raw", "/version"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(JSON.parse(r.stdout).gitVersion, "v1.35.2");
    });

    it("fails for a client certificate from another CA (the check can fail)", async () => {
        const otherDir = path.join(dir, "other");
        fs.mkdirSync(otherDir);
        const other = makeCa(otherDir, "other");
        const stranger = issue(otherDir, other, "stranger", {}, "clientAuth");
        const file = write(
            "bad.kubeconfig",
            kubeconfig(
                `https://127.0.0.1:${port}`,
                fs.readFileSync(ca.cert, "utf8"),
                fs.readFileSync(stranger.cert, "utf8"),
                fs.readFileSync(stranger.key, "utf8"),
            ),
        );
        // Refused in the TLS handshake, by the server's client-certificate check: the connection fails
        // there (a tlsClientError) and no request reaches the server, while the admin's certificate, on
        // the same server, gets its answer (the test before).
        const failures: Error[] = [];
        let requests = 0;
        const onFailure = (e: Error) => failures.push(e);
        const onRequest = () => requests++;
        server.on("tlsClientError", onFailure);
        server.on("request", onRequest);
        try {
            const r = await kubectl(["--kubeconfig", file, "get", "--raw", "/version", "--request-timeout=5s"]);
            assert.notStrictEqual(r.status, 0);
        } finally {
            server.off("tlsClientError", onFailure);
            server.off("request", onRequest);
        }
        assert.ok(failures.length > 0, "the server saw no failed handshake");
        assert.strictEqual(requests, 0, "a request got past the handshake");
    });

    it("fails when the server's certificate does not name the address (SANs matter)", async () => {
        // A server whose certificate names only the DNS name, reached by its IP address.
        const hosts = certHosts({ dnsName: "karmada.acme.internal" });
        const dnsOnly = issue(dir, ca, "karmada-dns-only", { dns: hosts.dnsNames }, "serverAuth");
        const other = https.createServer({ cert: fs.readFileSync(dnsOnly.cert), key: fs.readFileSync(dnsOnly.key) }, (_req, res) => res.end("{}"));
        await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
        try {
            const admin = issue(dir, ca, "karmada-admin-2", {}, "clientAuth");
            const url = `https://127.0.0.1:${(other.address() as AddressInfo).port}`;
            const file = write(
                "san.kubeconfig",
                kubeconfig(url, fs.readFileSync(ca.cert, "utf8"), fs.readFileSync(admin.cert, "utf8"), fs.readFileSync(admin.key, "utf8")),
            );
            const r = await kubectl(["--kubeconfig", file, "get", "--raw", "/version", "--request-timeout=5s"]);
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /x509|certificate/i);
        } finally {
            other.close();
        }
    });
});
