// The rendered haproxy.cfg run by Debian's haproxy in front of stand-in API servers on this
// machine's loopback (127.0.0.2 and 127.0.0.3, TLS like kube-apiserver): a backend whose /healthz
// does not answer 200 is taken out (a redirect too: haproxy's http-check would take any 2xx or 3xx
// without `expect status 200`), clients' TLS passes through to the healthy one only, a backend
// that recovers is put back, and a connection one refuses is retried on the other. The changes to the file, for this machine only: the admin socket's
// path (into the test's temp dir), no drop to the haproxy user (who could not reach that dir), and a
// smaller maxconn (20000 connections need 40029 open files, above the sandbox's hard limit of 20000;
// on the hosts systemd's default hard limit, 524288, lets haproxy raise its own).
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { renderHaproxyConfig } from "../../components/idc/render";
import { ecRequest, Processes, requireTool, tempDir, waitFor } from "./idcTools";

const FRONTEND_PORT = 18443;
const API_PORT = 16443;
/** haproxy checks every 3 s: polling its state four times a second sees each change within a check. */
const POLL_MS = 250;
const BACKENDS = [
    { name: "cp-1", address: "127.0.0.2" },
    { name: "cp-2", address: "127.0.0.3" },
];

/** A stand-in kube-apiserver: TLS, /healthz answers `health`, anything else its own name. */
function standIn(name: string, address: string, tls: { key: Buffer; cert: Buffer }, health: { status: number }): Promise<https.Server> {
    const server = https.createServer(tls, (req, res) => {
        if (req.url === "/healthz") {
            res.writeHead(health.status, health.status === 302 ? { location: "/livez" } : {});
            res.end(health.status === 200 ? "ok" : "not ok");
        } else res.end(name);
    });
    return new Promise((resolve) => server.listen(API_PORT, address, () => resolve(server)));
}

/** haproxy's `show stat` over its admin socket: the apiserver backend's rows by name (cp-1, cp-2, BACKEND), each column by its name. */
function showStat(socket: string): Promise<Record<string, Record<string, string>>> {
    return new Promise((resolve, reject) => {
        let out = "";
        const c = net.connect(socket, () => c.write("show stat\n"));
        c.on("data", (d) => (out += d));
        c.on("error", reject);
        c.on("end", () => {
            const [header, ...rows] = out.trim().split("\n");
            const cols = header.replace(/^# /, "").split(",");
            const stats: Record<string, Record<string, string>> = {};
            for (const row of rows.map((r) => r.split(","))) {
                const named = Object.fromEntries(cols.map((k, i) => [k, row[i]]));
                if (named.pxname === "apiserver" && named.svname !== "FRONTEND") stats[named.svname] = named;
            }
            resolve(stats);
        });
    });
}

/** Each API server's status (UP, DOWN, ...) as haproxy's checks have it. */
async function serverStatus(socket: string): Promise<Record<string, string>> {
    const stats = await showStat(socket);
    return Object.fromEntries(Object.entries(stats).flatMap(([name, row]) => (name.startsWith("cp-") ? [[name, row.status]] : [])));
}

/** Who answers a request through the frontend (TLS passed through: the stand-in's own certificate). */
function whoAnswers(): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = https.get({ host: "127.0.0.1", port: FRONTEND_PORT, path: "/whoami", rejectUnauthorized: false, agent: false }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error("no answer in 5 s")));
    });
}

describe("IDC HAProxy, the rendered haproxy.cfg run against stand-in API servers", function () {
    // Checks every 3 s, down after 3 failures, up after 2 successes: each transition takes up to ~10 s.
    this.timeout(90_000);
    const processes = new Processes();
    const health = Object.fromEntries(BACKENDS.map((b) => [b.name, { status: 200 }]));
    const servers: https.Server[] = [];
    let dir: string;
    let socket: string;
    let haproxy: ChildProcess;

    before(async function () {
        requireTool("haproxy");
        if (process.getuid?.() !== 0) throw new Error("binds 127.0.0.2 and 127.0.0.3 and runs haproxy as root");
        dir = tempDir("idc-haproxy-");
        ecRequest(dir, "apiserver", "/CN=kube-apiserver", true);
        const tls = { key: fs.readFileSync(path.join(dir, "apiserver.key")), cert: fs.readFileSync(path.join(dir, "apiserver.pem")) };
        // cp-2's /healthz redirects: not a 200, so it must not take traffic.
        health["cp-2"].status = 302;
        for (const b of BACKENDS) servers.push(await standIn(b.name, b.address, tls, health[b.name]));
        socket = path.join(dir, "admin.sock");
        const rendered = renderHaproxyConfig({ frontendPort: FRONTEND_PORT, backends: BACKENDS, apiServerPort: API_PORT });
        const cfg = rendered
            .replace("/run/haproxy/admin.sock", socket)
            .replace(/\n {4}user haproxy\n {4}group haproxy\n/, "\n")
            .replace(/\n {4}maxconn 20000\n/, "\n    maxconn 1000\n");
        for (const line of ["stats socket /run/haproxy/admin.sock", "user haproxy", "maxconn 20000"])
            assert.ok(rendered.includes(line) && !cfg.includes(line), `haproxy.cfg no longer has the line this test changes: ${line}`);
        fs.writeFileSync(path.join(dir, "haproxy.cfg"), cfg);
        haproxy = processes.start("haproxy", ["-db", "-f", path.join(dir, "haproxy.cfg")], path.join(dir, "haproxy.log"));
        await waitFor("haproxy's admin socket", 10_000, () => (fs.existsSync(socket) ? true : undefined), POLL_MS);
    });

    after(async () => {
        await processes.stopAll();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("checks /healthz over TLS: the backend that answers 200 is up, the one that redirects is down", async () => {
        const status = await waitFor(
            "cp-1 UP and cp-2 DOWN",
            30_000,
            async () => {
                const s = await serverStatus(socket);
                return s["cp-1"] === "UP" && s["cp-2"] === "DOWN" ? s : undefined;
            },
            POLL_MS,
        ).catch((e) => {
            throw new Error(`${e.message}\n${fs.readFileSync(path.join(dir, "haproxy.log"), "utf8").slice(-2000)}`);
        });
        assert.deepStrictEqual(status, { "cp-1": "UP", "cp-2": "DOWN" });
    });

    it("passes clients' TLS through to the healthy API server only", async () => {
        const answers = [];
        for (let i = 0; i < 6; i++) answers.push(await whoAnswers());
        assert.deepStrictEqual(answers, Array(6).fill("cp-1"));
    });

    it("puts a recovered API server back and balances over both", async () => {
        health["cp-2"].status = 200;
        await waitFor("cp-2 UP again", 30_000, async () => ((await serverStatus(socket))["cp-2"] === "UP" ? true : undefined), POLL_MS);
        const answers = new Set<string>();
        for (let i = 0; i < 6; i++) answers.add(await whoAnswers());
        assert.deepStrictEqual([...answers].sort(), ["cp-1", "cp-2"]);
        assert.strictEqual(haproxy.exitCode, null, "haproxy is still running");
    });

    it("takes out an API server whose /healthz fails", async () => {
        health["cp-1"].status = 500;
        await waitFor("cp-1 DOWN", 30_000, async () => ((await serverStatus(socket))["cp-1"] === "DOWN" ? true : undefined), POLL_MS);
        for (let i = 0; i < 4; i++) assert.strictEqual(await whoAnswers(), "cp-2");
    });

    it("retries a refused connection on the other API server before the checks notice (option redispatch)", async () => {
        health["cp-1"].status = 200;
        await waitFor("both UP", 30_000, async () => (Object.values(await serverStatus(socket)).every((s) => s === "UP") ? true : undefined), POLL_MS);
        // cp-2 stops listening: still UP for up to three checks (9 s), so round robin keeps choosing it,
        // and each connection haproxy makes to it is refused. Every client must still reach cp-1.
        servers[1].close(); // stops listening at once; the callback would wait for open connections
        servers[1].closeAllConnections();
        const answers = [];
        for (let i = 0; i < 4; i++) answers.push(await whoAnswers());
        const stats = await showStat(socket);
        assert.deepStrictEqual(answers, Array(4).fill("cp-1"));
        assert.strictEqual(stats["cp-2"].status, "UP", "cp-2 was marked down before the clients were done: nothing was redispatched");
        assert.ok(
            Number(stats.BACKEND.wredis) >= 1,
            `haproxy redispatched nothing: ${JSON.stringify({ wretr: stats.BACKEND.wretr, wredis: stats.BACKEND.wredis })}`,
        );
    });
});
