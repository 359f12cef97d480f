// Every haproxy.cfg and keepalived.conf the prod and dev fleets copy to a control-plane host,
// taken from what the program declares on the mock engine, checked by Debian's real binaries:
// `haproxy -c -f` and `keepalived -t -f`. keepalived.conf is checked with the secret file it
// includes (vrrp-auth.conf) and the track script it runs next to it; the only change to the
// file is moving those two absolute paths into the test's temp dir. Broken configs must fail.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { finalPathOf, LB_PATHS } from "../../components/idc/render";
import type { IdcClusterSpec } from "../../stacks/spec";
import { loadStackSpec, RegisteredResource, runFleet, SecretValue } from "../harness";
import { requireTool, run, tempDir } from "./idcTools";

interface HostFiles {
    stack: string;
    host: string;
    haproxy: string;
    keepalived: string;
    vrrpAuth: string;
    checkScript: string;
}

const unwrap = (v: unknown) => (v instanceof SecretValue ? v.value : v);
const textOf = (r: RegisteredResource) => (unwrap(r.inputs.source) as { text: string }).text;

describe("IDC load balancer configs checked by haproxy -c and keepalived -t", function () {
    this.timeout(60_000);
    let root: string;
    const hosts: HostFiles[] = [];

    before(async function () {
        requireTool("haproxy");
        requireTool("keepalived");
        root = tempDir("idc-lb-");
        for (const stack of ["prod", "dev"] as const) {
            const spec = loadStackSpec(stack);
            const idc = spec.clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
            const { inventory } = await runFleet(spec);
            const copies = inventory.ofType("command:remote:CopyToRemote");
            for (const h of idc.controlPlane.hosts) {
                const file = (remotePath: string) => {
                    const found = copies.filter(
                        (c) => (unwrap(c.inputs.connection) as { host: string }).host === h.address && finalPathOf(String(c.inputs.remotePath)) === remotePath,
                    );
                    assert.strictEqual(found.length, 1, `${stack} ${h.name}: ${found.length} copies of ${remotePath}`);
                    return textOf(found[0]);
                };
                hosts.push({
                    stack,
                    host: h.name,
                    haproxy: file(LB_PATHS.haproxyCfg),
                    keepalived: file(LB_PATHS.keepalivedConf),
                    vrrpAuth: file(LB_PATHS.vrrpAuth),
                    checkScript: file(LB_PATHS.checkScript),
                });
            }
        }
        assert.strictEqual(hosts.length, 4, "3 prod control-plane hosts + 1 dev");
    });

    after(() => {
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    /** Writes a host's files into its own temp dir; returns the paths to check. */
    function place(h: HostFiles, tweak: { haproxy?: (s: string) => string; keepalived?: (s: string) => string; auth?: (s: string) => string } = {}) {
        const dir = fs.mkdtempSync(path.join(root, `${h.stack}-${h.host}-`));
        const haproxy = path.join(dir, "haproxy.cfg");
        const keepalived = path.join(dir, "keepalived.conf");
        const auth = path.join(dir, "vrrp-auth.conf");
        const script = path.join(dir, "check_apiserver.sh");
        fs.writeFileSync(haproxy, (tweak.haproxy ?? ((s) => s))(h.haproxy));
        const moved = h.keepalived.split(LB_PATHS.vrrpAuth).join(auth).split(LB_PATHS.checkScriptInstalled).join(script);
        assert.notStrictEqual(moved, h.keepalived, "keepalived.conf no longer names the paths this test moves");
        fs.writeFileSync(keepalived, (tweak.keepalived ?? ((s) => s))(moved));
        fs.writeFileSync(auth, (tweak.auth ?? ((s) => s))(h.vrrpAuth), { mode: 0o600 });
        fs.writeFileSync(script, h.checkScript, { mode: 0o755 });
        return { haproxy, keepalived };
    }

    const haproxyCheck = (file: string) => run("haproxy", ["-c", "-f", file], { timeoutMs: 20_000 });
    const keepalivedCheck = (file: string) => run("keepalived", ["-t", "-f", file], { timeoutMs: 20_000 });

    it("every rendered haproxy.cfg passes haproxy -c", function () {
        for (const h of hosts) {
            const r = haproxyCheck(place(h).haproxy);
            assert.strictEqual(r.status, 0, `${h.stack} ${h.host}: haproxy -c failed\n${r.stdout}\n${r.stderr}`);
            assert.match(r.stdout + r.stderr, /Configuration file is valid/);
        }
    });

    it("every rendered keepalived.conf (with its included auth file and track script) passes keepalived -t", function () {
        for (const h of hosts) {
            const r = keepalivedCheck(place(h).keepalived);
            assert.strictEqual(r.status, 0, `${h.stack} ${h.host}: keepalived -t failed (${r.status})\n${r.stdout}\n${r.stderr}`);
        }
    });

    it("the rendered track script is valid sh", function () {
        for (const h of hosts) {
            const r = run("sh", ["-n"], { input: h.checkScript });
            assert.strictEqual(r.status, 0, `${h.host}: ${r.stderr}`);
        }
    });

    it("the checks are real: broken configs fail", function () {
        const h = hosts[0];
        const badPort = haproxyCheck(place(h, { haproxy: (s) => s.replace(/ (\S+):6443 /, " $1:notaport ") }).haproxy);
        assert.notStrictEqual(badPort.status, 0, "haproxy accepted a server without a valid port");
        const badKeyword = haproxyCheck(place(h, { haproxy: (s) => s.replace("balance roundrobin", "balance sideways") }).haproxy);
        assert.notStrictEqual(badKeyword.status, 0, "haproxy accepted an unknown balance algorithm");

        // keepalived -t reads the included auth file (a missing include is only a warning: the LB script tests for the file).
        const badAuth = keepalivedCheck(place(h, { auth: (s) => s.replace("auth_type PASS", "auth_type NOPE") }).keepalived);
        assert.notStrictEqual(badAuth.status, 0, "keepalived accepted an unknown auth_type in the included file");
        const badBlock = keepalivedCheck(place(h, { keepalived: (s) => s.replace("virtual_ipaddress {", "virtual_ipaddress {{ garbage") }).keepalived);
        assert.notStrictEqual(badBlock.status, 0, "keepalived accepted a broken block");
        const noScript = keepalivedCheck(place(h, { keepalived: (s) => s.replace(/script "[^"]+"/, 'script "/nonexistent/check.sh"') }).keepalived);
        assert.notStrictEqual(noScript.status, 0, "keepalived accepted a missing track script");
    });
});
