// The file placement renderers: staged path <-> target path, the install step's refusals, and the
// mode of each file class (the rendered install step under bash, and the modes themselves with real
// install/stat, are checked in test/integration/idc-files.test.ts; per file on the whole fleet in
// test/stacks/idc.test.ts).
import * as assert from "assert";
import { fileMode } from "../../../components/idc/host";
import { renderVrrpFilter, renderVrrpFilterUnit } from "../../../components/idc/renderers/loadBalancer";
import { finalPathOf, renderInstallFileScript, STAGE_ROOT } from "../../../components/idc/renderers/node";
import { ok } from "./installFile";

describe("IDC file placement renderers", () => {
    it("stages a file under the SSH user's directory, and the plan maps it back to its target", () => {
        assert.strictEqual(ok.staged, `${STAGE_ROOT}/admin/etc/kubernetes/pki/ca.key`);
        assert.strictEqual(finalPathOf(ok.staged), ok.target);
        assert.strictEqual(finalPathOf("/etc/frr/frr.conf"), "/etc/frr/frr.conf");
        assert.strictEqual(finalPathOf(`${STAGE_ROOT}/admin`), `${STAGE_ROOT}/admin`);
    });

    it("modes by class: secrets 0600, a service's files 0640, others 0644, an explicit mode wins", () => {
        assert.strictEqual(fileMode({ secret: true }), "0600");
        assert.strictEqual(fileMode({ secret: true, group: "etcd" }), "0640");
        assert.strictEqual(fileMode({ group: "etcd" }), "0640");
        assert.strictEqual(fileMode({ secret: true, group: "root" }), "0600");
        assert.strictEqual(fileMode({}), "0644");
        assert.strictEqual(fileMode({ mode: "0755" }), "0755");
    });

    it("refuses relative or dotted paths, shell words, bad groups, modes and hashes", () => {
        for (const bad of ["etc/x", "/etc/../root/.ssh/authorized_keys", "/etc/x y", "/etc/$(id)", "/etc/x\n", "/"]) {
            assert.throws(() => renderInstallFileScript({ ...ok, target: bad }), /not a plain absolute path/, bad);
            assert.throws(() => renderInstallFileScript({ ...ok, staged: bad }), /not a plain absolute path/, bad);
        }
        for (const bad of ["Root", "etcd;id", "", "a b"]) assert.throws(() => renderInstallFileScript({ ...ok, group: bad }), /not a Linux group/, bad);
        assert.throws(() => renderInstallFileScript({ ...ok, mode: "777" as never }), /not an octal mode/);
        assert.throws(() => renderInstallFileScript({ ...ok, sha256: "x" }), /not a hex sha256/);
    });
});

describe("IDC VRRP filter renderer", () => {
    it("accepts VRRP from the given addresses only, on the given interface, in its own table replaced atomically", () => {
        const text = renderVrrpFilter({ interface: "bond0.10", peers: ["10.0.0.1", "10.0.0.2", "10.0.0.1"] });
        assert.match(text, /^table inet hybrid_fleet_vrrp\ndelete table inet hybrid_fleet_vrrp\ntable inet hybrid_fleet_vrrp \{$/m);
        assert.match(text, /elements = \{ 10\.0\.0\.1, 10\.0\.0\.2 \}/);
        assert.match(text, /^ {8}iifname "bond0\.10" ip protocol vrrp ip saddr @control_plane accept\n {8}iifname "bond0\.10" ip protocol vrrp counter drop$/m);
        assert.match(text, /policy accept;/, "drops nothing but VRRP");
        assert.match(renderVrrpFilterUnit(), /^Before=network-pre\.target keepalived\.service$/m);
    });

    it("refuses an interface or address that is not one", () => {
        for (const bad of ['eth0" accept', "a".repeat(16), "", "eth 0"])
            assert.throws(() => renderVrrpFilter({ interface: bad, peers: ["10.0.0.1"] }), /interface/, bad);
        for (const bad of ["10.0.0.256", "10.0.0.1/24", "::1", "10.0.0.1 }", "010.0.0.1"])
            assert.throws(() => renderVrrpFilter({ interface: "eth0", peers: [bad] }), /peers/, bad);
        assert.throws(() => renderVrrpFilter({ interface: "eth0", peers: [] }), /at least one/);
    });
});
