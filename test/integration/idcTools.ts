// Helpers for the IDC integration tests: run real tools with bounded time, issue test
// certificates with openssl, and clean up every process and temp dir. Loopback only.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function requireTool(name: string): string {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
    if (!found)
        throw new Error(`${name} is not installed (see README, "Quick start": Debian's haproxy keepalived openssl ..., etcd 3.5 as .ci/run fetches it)`);
    return found;
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RunResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; cwd?: string } = {}): RunResult {
    const r = spawnSync(cmd, args, {
        encoding: "utf8",
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 30_000,
        input: opts.input,
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Fails the test unless `r` exited 0; its stdout. */
export function succeeded(r: RunResult, what: string): string {
    assert.strictEqual(r.status, 0, `${what} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout;
}

/** Parses KEY=VALUE lines (a systemd EnvironmentFile as rendered). */
export function envFile(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/** openssl in `cwd`, bounded in time; the caller judges the result (see succeeded). */
export function openssl(args: string[], cwd: string): RunResult {
    return run("openssl", args, { cwd, timeoutMs: 20_000 });
}

/**
 * A new ECDSA P-256 key `<name>.key` and its request `<name>.csr` in `dir`; `selfSigned`: a
 * self-signed certificate `<name>.pem` for a day instead of the request.
 */
export function ecRequest(dir: string, name: string, subject: string, selfSigned = false): void {
    const out = selfSigned ? ["-x509", "-days", "1", "-out", `${name}.pem`] : ["-out", `${name}.csr`];
    const args = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-subj", subject, ...out];
    succeeded(openssl(args, dir), `${name} ${selfSigned ? "certificate" : "csr"}`);
}

/** `<name>.csr` signed into `<name>.pem` for a day by the CA's files, with the extensions of `section` in `extfile`. */
export function signRequest(dir: string, name: string, ca: { cert: string; key: string }, extfile: string, section: string): void {
    succeeded(
        openssl(
            [
                "x509",
                "-req",
                "-in",
                `${name}.csr`,
                "-CA",
                ca.cert,
                "-CAkey",
                ca.key,
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                extfile,
                "-extensions",
                section,
                "-out",
                `${name}.pem`,
            ],
            dir,
        ),
        `${name} sign`,
    );
}

/** A test CA (ECDSA P-256) in `dir`. */
export function makeCa(dir: string, cn: string): { cert: string; key: string } {
    const key = path.join(dir, "ca.key");
    const cert = path.join(dir, "ca.crt");
    succeeded(openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], dir), "ecparam");
    const ca = openssl(
        [
            "req",
            "-x509",
            "-new",
            "-key",
            key,
            "-sha256",
            "-days",
            "2",
            "-subj",
            `/CN=${cn}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            "-out",
            cert,
        ],
        dir,
    );
    succeeded(ca, "CA certificate");
    return { cert, key };
}

/** A leaf certificate signed by the CA, with server+client usages and the given SANs. */
export function issue(
    dir: string,
    ca: { cert: string; key: string },
    name: string,
    sans: { dns?: string[]; ip?: string[] },
    usages = "serverAuth,clientAuth",
): { cert: string; key: string } {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.crt`);
    const ext = path.join(dir, `${name}.ext`);
    const alt = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ip ?? []).map((i) => `IP:${i}`)].join(",");
    fs.writeFileSync(
        ext,
        `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usages}\n${alt ? `subjectAltName=${alt}\n` : ""}`,
    );
    succeeded(openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], dir), "ecparam");
    succeeded(openssl(["req", "-new", "-key", key, "-subj", `/CN=${name}`, "-out", csr], dir), `${name} csr`);
    succeeded(
        openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "2", "-sha256", "-extfile", ext, "-out", cert], dir),
        `${name} sign`,
    );
    return { cert, key };
}

/** Background processes that are always killed at the end of a test run. */
export class Processes {
    private readonly all: ChildProcess[] = [];
    start(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
        const log = fs.openSync(logFile, "a");
        const child = spawn(cmd, args, { stdio: ["ignore", log, log], env: env ?? process.env });
        fs.closeSync(log);
        this.all.push(child);
        return child;
    }
    async stop(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
    }
    async stopAll(): Promise<void> {
        await Promise.all(this.all.map((c) => this.stop(c)));
    }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` (sync or async) until it returns a value (not undefined) or `timeoutMs` passes; returns the last error text on timeout. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, intervalMs = 1000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/**
 * An etcd member's certificates as the program issues them (SANs: its name, its address, localhost,
 * 127.0.0.1): `<name>-server` and `<name>-peer` signed by `ca` in `dir`, copied with the CA
 * certificate and any `extra` [from, to] files into `pkiDir` under the names the rendered config reads.
 */
export function etcdMemberPki(
    dir: string,
    ca: { cert: string; key: string },
    m: { name: string; address: string },
    pkiDir: string,
    extra: [string, string][] = [],
): void {
    const sans = { dns: [m.name, "localhost"], ip: [m.address, "127.0.0.1"] };
    const server = issue(dir, ca, `${m.name}-server`, sans);
    const peer = issue(dir, ca, `${m.name}-peer`, sans);
    const files: [string, string][] = [
        [ca.cert, "ca.crt"],
        [server.cert, "server.crt"],
        [server.key, "server.key"],
        [peer.cert, "peer.crt"],
        [peer.key, "peer.key"],
        ...extra,
    ];
    for (const [from, to] of files) fs.copyFileSync(from, path.join(pkiDir, to));
}
