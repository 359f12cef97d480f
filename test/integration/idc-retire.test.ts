// A retiring control-plane host's scripts in real bash: the load balancer's stop in a network
// namespace whose addresses real `ip` reports (prod's VIP 10.10.0.10 on the host, or only the host's
// own address beside a near miss, 10.10.0.100), with stand-ins for systemctl, curl and sleep that log
// their argv; the reset with stand-ins for kubeadm and systemctl and /etc/kubernetes moved to a temp
// dir. Every script through `bash -n`. Runs as root (network namespaces), as CI does.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LB_PATHS, READYZ_WAIT, renderRetireLoadBalancerScript, renderRetireResetScript, VRRP_FILTER_UNIT } from "../../components/idc/render";
import { loadIdcSpec } from "../harness";
import { requireTool } from "./idcTools";

const prod = loadIdcSpec("prod");
const RETIRING = prod.controlPlane.hosts[1];

describe("IDC control-plane host retiring: its scripts in real bash (real ip in a network namespace)", function () {
    this.timeout(60_000);
    const ns = `hf-retire-${process.pid}`;
    let dir: string;
    let bin: string;
    const log = () => path.join(dir, "calls.log");
    const stub = (name: string, body: string) =>
        fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log()}\n${body}\n`, { mode: 0o755 });
    const sh = (...args: string[]) => {
        const r = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    };

    before(() => {
        requireTool("ip");
        assert.strictEqual(process.getuid?.(), 0, "network namespaces need root (CI runs as root)");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "idc-retire-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        sh("ip", "netns", "add", ns);
        // A veth pair inside the namespace (this machine's kernel has no dummy devices).
        sh("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
        sh("ip", "-n", ns, "link", "set", "eth0", "up");
        sh("ip", "-n", ns, "addr", "add", `${RETIRING.address}/20`, "dev", "eth0");
        // A near miss of the VIP (10.10.0.10 is a prefix of it): not the VIP.
        sh("ip", "-n", ns, "addr", "add", "10.10.0.100/20", "dev", "eth0");
        stub("systemctl", "exit 0");
        stub("sleep", "exit 0");
        // curl answers after CURL_FAILS failures (a count kept in a file), or never with CURL_FAILS=never.
        stub(
            "curl",
            `n=$(cat ${dir}/curl.count 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/curl.count
[ "$CURL_FAILS" != never ] && [ "$n" -ge "$CURL_FAILS" ]`,
        );
    });
    after(() => {
        spawnSync("ip", ["netns", "del", ns]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const run = (script: string, env: Record<string, string> = {}) => {
        fs.rmSync(log(), { force: true });
        fs.rmSync(path.join(dir, "curl.count"), { force: true });
        const moved = script.split(LB_PATHS.vrrpAuth).join(path.join(dir, "vrrp-auth.conf")).split("/etc/kubernetes").join(path.join(dir, "kubernetes"));
        assert.doesNotMatch(moved, /\/etc\//, "the script still names a host path");
        const r = spawnSync("ip", ["netns", "exec", ns, "bash", "-s"], {
            input: moved,
            encoding: "utf8",
            env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, ...env },
            timeout: 30_000,
        });
        const calls = fs.existsSync(log()) ? fs.readFileSync(log(), "utf8").trim().split("\n") : [];
        return { status: r.status, stderr: r.stderr, calls };
    };
    const lbScript = () => renderRetireLoadBalancerScript({ vip: prod.controlPlane.vip, port: prod.controlPlane.port });

    it("every script is valid bash (bash -n)", () => {
        for (const script of [lbScript(), renderRetireResetScript()]) {
            const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        }
    });

    it("stops and disables keepalived, HAProxy and the VRRP filter, removes the VRRP password, and ends once the API answers on the VIP from elsewhere", () => {
        fs.writeFileSync(path.join(dir, "vrrp-auth.conf"), "auth_pass x\n");
        const r = run(lbScript(), { CURL_FAILS: "3" });
        assert.strictEqual(r.status, 0, r.stderr);
        const readyz = `curl -fsk --max-time 2 https://${prod.controlPlane.vip}:${prod.controlPlane.port}/readyz -o /dev/null`;
        assert.deepStrictEqual(r.calls, [
            "systemctl disable --now keepalived haproxy",
            `systemctl disable --now ${VRRP_FILTER_UNIT}`,
            ...[1, 2, 3].flatMap(() => [readyz, `sleep ${READYZ_WAIT.sleepSeconds}`]),
            readyz,
        ]);
        assert.ok(!fs.existsSync(path.join(dir, "vrrp-auth.conf")));
    });

    it("fails while the VIP is still on the host (real ip lists it), before waiting on it", () => {
        sh("ip", "-n", ns, "addr", "add", `${prod.controlPlane.vip}/20`, "dev", "eth0");
        try {
            const r = run(lbScript(), { CURL_FAILS: "0" });
            assert.strictEqual(r.status, 1);
            assert.match(r.stderr, new RegExp(`${prod.controlPlane.vip.replace(/\./g, "\\.")} is still on this host`));
            assert.ok(!r.calls.some((c) => c.startsWith("curl")), r.calls.join("\n"));
        } finally {
            sh("ip", "-n", ns, "addr", "del", `${prod.controlPlane.vip}/20`, "dev", "eth0");
        }
    });

    it("fails when the API never answers on the VIP, after its bounded wait", () => {
        const r = run(lbScript(), { CURL_FAILS: "never" });
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /the API does not answer on 10\.10\.0\.10:\d+ from another host after 240 s/);
        assert.strictEqual(r.calls.filter((c) => c.startsWith("curl")).length, READYZ_WAIT.tries);
    });

    it("the reset: kubeadm reset, the kubelet disabled, and what the program placed under /etc/kubernetes gone", () => {
        stub("kubeadm", "exit 0");
        const etc = path.join(dir, "kubernetes");
        fs.mkdirSync(etc, { recursive: true });
        fs.writeFileSync(path.join(etc, "encryption-config.yaml"), "secret\n");
        const r = run(renderRetireResetScript());
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(r.calls, ["kubeadm reset -f", "systemctl disable --now kubelet"]);
        assert.ok(!fs.existsSync(etc));
    });
});
