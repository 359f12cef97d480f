// How a file reaches an IDC host, run for real on this machine (as root, everything under a temp
// root): the rendered directory script, then the copy as an unprivileged "SSH user" (runuser, as
// SFTP writes it), then the rendered install step. Checks owners and modes with stat, that the
// staged copy is gone, that a second copy over a root-owned 0600 file still works (it lands in
// staging), that a re-run without a staged copy only restores owner and mode, and that a staged
// copy whose content differs from the declared hash is refused. Before that, not as root: the
// rendered install step for one file passes `bash -n` and holds the hash check and the install.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { FileMode, renderDirsScript, renderInstallFileScript, stagedPath } from "../../components/idc/renderers/node";
import { fileMode } from "../../components/idc/host";
import { HASH, ok } from "../components/idc/installFile";
import { requireTool, run, tempDir } from "./idcTools";

const USER = "nobody";
const sha = (t: string) => createHash("sha256").update(t).digest("hex");
const bash = (script: string) => run("bash", ["-s"], { input: script });
const statOf = (p: string) => {
    const r = run("stat", ["-c", "%U:%G %a", p]);
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout.trim();
};

describe("IDC file placement renderers", () => {
    it("renders a bash-valid install step: hash check, install -D root-owned with the mode, staged copy removed", () => {
        const script = renderInstallFileScript(ok);
        assert.strictEqual(spawnSync("bash", ["-n"], { input: script }).status, 0);
        assert.ok(script.includes(`printf '%s  %s\\n' ${HASH} ${ok.staged} | sha256sum -c --status`));
        assert.ok(script.includes(`install -D -o root -g root -m 0600 ${ok.staged} ${ok.target}\n  rm -f ${ok.staged}\n`));
        assert.match(script, /^umask 077$/m);
    });
});

describe("IDC files: staged copy, then installed root-owned with its mode (real install/stat, as root)", function () {
    this.timeout(60_000);
    let root: string;
    let stage: string;
    let group: string;

    before(function () {
        if (process.getuid?.() !== 0) this.skip();
        for (const t of ["install", "stat", "sha256sum", "runuser"]) requireTool(t);
        // A service group: an etcd host's directory step makes it (adduser --system --group etcd; .ci/run does the same).
        group = "etcd";
        assert.strictEqual(run("getent", ["group", group]).status, 0, "no etcd group (adduser --system --group --no-create-home --home /var/lib/etcd etcd)");
        root = tempDir("hf-files-");
        fs.chmodSync(root, 0o755);
        stage = path.join(root, "stage");
    });
    after(() => root && fs.rmSync(root, { recursive: true, force: true }));

    const target = (p: string) => path.join(root, p);
    /** The SSH user's SFTP write: as that user, into its staging directory. */
    const copyAsUser = (targetPath: string, content: string) => {
        const staged = stagedPath(USER, targetPath, stage);
        const r = run("runuser", ["-u", USER, "--", "sh", "-c", 'cat > "$1"', "sh", staged], { input: content });
        assert.strictEqual(r.status, 0, `copy as ${USER}: ${r.stderr}`);
        return staged;
    };
    const install = (targetPath: string, content: string, opts: { secret?: boolean; group?: string; mode?: FileMode }) =>
        bash(
            renderInstallFileScript({
                staged: stagedPath(USER, targetPath, stage),
                target: targetPath,
                group: opts.group ?? "root",
                mode: fileMode(opts),
                sha256: sha(content),
            }),
        );

    it("creates root-owned target directories (0700 for keys, 0750 otherwise) and the user's 0700 staging mirror", () => {
        const script = renderDirsScript(
            USER,
            [
                { path: target("etc/kubernetes"), group: "root" },
                { path: target("etc/kubernetes/pki"), group: "root", mode: "0700" },
                { path: target("etc/etcd"), group },
            ],
            [],
            stage,
        );
        const r = bash(script);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(statOf(target("etc/kubernetes")), "root:root 750");
        assert.strictEqual(statOf(target("etc/kubernetes/pki")), "root:root 700");
        assert.strictEqual(statOf(target("etc/etcd")), `root:${group} 750`);
        assert.strictEqual(statOf(stage), "root:root 711");
        assert.strictEqual(statOf(stagedPath(USER, "", stage)), `${USER}:root 700`);
        assert.strictEqual(
            statOf(stagedPath(USER, target("etc/kubernetes/pki"), stage))
                .split(" ")[0]
                .split(":")[0],
            USER,
        );
        // The user cannot write into the target directory itself.
        assert.notStrictEqual(run("runuser", ["-u", USER, "--", "touch", target("etc/kubernetes/pki/x")]).status, 0);
    });

    it("installs a private key root:root 0600, a service's key root:<group> 0640, a config 0644, and removes the staged copies", () => {
        const cases: [string, string, { secret?: boolean; group?: string; mode?: FileMode }, string][] = [
            [target("etc/kubernetes/pki/ca.key"), "-----BEGIN EC PRIVATE KEY-----\nkey\n", { secret: true }, "root:root 600"],
            [target("etc/kubernetes/pki/ca.crt"), "-----BEGIN CERTIFICATE-----\ncert\n", { mode: "0600" }, "root:root 600"],
            [target("etc/etcd/peer.key"), "etcd key\n", { secret: true, group }, `root:${group} 640`],
            [target("etc/kubernetes/audit-policy.yaml"), "kind: Policy\n", {}, "root:root 644"],
        ];
        for (const [p, content, opts, expected] of cases) {
            const staged = copyAsUser(p, content);
            const r = install(p, content, opts);
            assert.strictEqual(r.status, 0, `${p}: ${r.stderr}`);
            assert.strictEqual(statOf(p), expected, p);
            assert.strictEqual(fs.readFileSync(p, "utf8"), content);
            assert.ok(!fs.existsSync(staged), `${staged} left behind`);
        }
    });

    it("a changed key is copied again (to staging, though the target is root-owned 0600) and replaces the old one", () => {
        const p = target("etc/kubernetes/pki/ca.key");
        copyAsUser(p, "new key\n");
        const r = install(p, "new key\n", { secret: true });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(fs.readFileSync(p, "utf8"), "new key\n");
        assert.strictEqual(statOf(p), "root:root 600");
    });

    it("re-run without a staged copy: restores owner and mode of the declared content, refuses anything else", () => {
        const p = target("etc/kubernetes/pki/ca.key");
        fs.chmodSync(p, 0o644);
        fs.chownSync(p, 65534, 65534);
        assert.strictEqual(install(p, "new key\n", { secret: true }).status, 0);
        assert.strictEqual(statOf(p), "root:root 600");
        const other = install(p, "another key\n", { secret: true });
        assert.notStrictEqual(other.status, 0);
        assert.match(other.stderr, /no staged copy and no installed file with the declared content/);
    });

    it("refuses a staged copy whose content is not the declared one (and leaves the target alone)", () => {
        const p = target("etc/kubernetes/pki/ca.key");
        copyAsUser(p, "tampered\n");
        const r = install(p, "declared\n", { secret: true });
        assert.notStrictEqual(r.status, 0);
        assert.match(r.stderr, /content differs from the declared one/);
        assert.strictEqual(fs.readFileSync(p, "utf8"), "new key\n");
    });
});
