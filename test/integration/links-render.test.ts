// The IDC gateway's rendered files handed to their tools: every frr.conf (with tunnels and fabric
// peers, with transit, with no tunnel) passes `vtysh -C` and a broken one fails it; the XFRM
// interface script and the gateway setup script pass `bash -n`. The renderers' process-free tests
// are test/components/links/render.test.ts, whose gateway host (gatewayHost.ts) these render.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { renderFrrConf, renderGatewaySetupScript, renderXfrmScript } from "../../components/links/render";
import { host } from "../components/links/gatewayHost";
import { requireTool } from "./idcTools";

describe("links renderers: frr.conf", () => {
    it("vtysh -C accepts the rendered file", function () {
        requireTool("vtysh");
        const dir = mkdtempSync(join(tmpdir(), "links-frr-"));
        try {
            // With no tunnel (a host whose links now ride a CEN edge): the fabric sessions alone.
            for (const h of [host(), { ...host(), transit: true, fabricPeers: [] }, { ...host(), tunnels: [] }]) {
                const file = join(dir, "frr.conf");
                writeFileSync(file, renderFrrConf(h));
                const r = spawnSync("vtysh", ["-C", "-f", file], { encoding: "utf8", timeout: 20_000 });
                assert.strictEqual(r.status, 0, r.stdout + r.stderr);
            }
            // The check is real: a wrong line fails it.
            writeFileSync(join(dir, "bad.conf"), renderFrrConf(host()).replace("maximum-paths 4", "maximum-paths many"));
            assert.notStrictEqual(spawnSync("vtysh", ["-C", "-f", join(dir, "bad.conf")], { timeout: 20_000 }).status, 0);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("links renderers: XFRM interfaces, sysctls, setup", () => {
    it("bash -n accepts the scripts", function () {
        const setup = renderGatewaySetupScript({
            sshUser: "deploy",
            aptRetryFunction: 'apt_retry() { "$@"; }',
            aptUpdate: "apt_retry apt-get update",
            aptInstall: "apt_retry apt-get install -y frr",
        });
        for (const s of [renderXfrmScript(host()), renderXfrmScript({ ...host(), tunnels: [] }), setup]) {
            const r = spawnSync("bash", ["-n"], { input: s, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        }
        assert.throws(() => renderGatewaySetupScript({ sshUser: "x; rm -rf /", aptRetryFunction: "", aptUpdate: "", aptInstall: "" }), /sshUser/);
    });
});
