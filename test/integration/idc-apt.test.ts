// The node packages script's apt section run by Debian's real apt-get and gpg against local
// signed file repositories, inside a throwaway apt root (APT_CONFIG: every Dir:: in a temp dir,
// installs simulated), on a host "prepared earlier": our apt source already linked, its keyrings
// missing. Only paths and the two key URLs are moved into the temp dir; the commands are the
// rendered ones. Also: the apt lock retry against a real held lock (fcntl, as apt takes it), the
// etcd disk's fstab nofail sed on a sample fstab, and the containerd config read by Python's tomllib.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    APT_RETRY_FUNCTION,
    APT_SOURCE_LINK,
    aptUpdate,
    CONTAINERD_PACKAGE,
    DOCKER_APT_KEY,
    NODE_PATHS,
    renderAptSource,
    renderContainerdConfig,
    renderDataDiskScript,
    renderKubePackagesScript,
} from "../../components/idc/render";
import { requireTool, tempDir } from "./idcTools";

const K8S_VERSION = "1.33.5";
const bash = (script: string, env: NodeJS.ProcessEnv, timeout = 60_000) => spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env, timeout });

/** A flat apt repository in `dir` holding empty packages, signed (InRelease) by a fresh gpg key; returns the armored public key. */
function signedRepo(root: string, name: string, packages: { name: string; version: string; extra?: string }[]): { dir: string; keyFile: string } {
    const dir = path.join(root, name);
    const gnupg = path.join(root, `${name}-gnupg`);
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(gnupg, { mode: 0o700 });
    for (const p of packages) {
        const pkg = path.join(root, `${name}-build-${p.name}`);
        fs.mkdirSync(path.join(pkg, "DEBIAN"), { recursive: true });
        fs.writeFileSync(
            path.join(pkg, "DEBIAN", "control"),
            `Package: ${p.name}\nVersion: ${p.version}\nArchitecture: all\nMaintainer: test <test@example.invalid>\nDescription: test package\n${p.extra ?? ""}`,
        );
        const r = spawnSync("dpkg-deb", ["--build", "--root-owner-group", pkg, path.join(dir, `${p.name}.deb`)], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
    }
    const scan = spawnSync("dpkg-scanpackages", ["--multiversion", "."], { cwd: dir, encoding: "utf8" });
    assert.strictEqual(scan.status, 0, scan.stderr);
    fs.writeFileSync(path.join(dir, "Packages"), scan.stdout);
    const sha = spawnSync("sha256sum", ["Packages"], { cwd: dir, encoding: "utf8" }).stdout.split(" ")[0];
    const size = fs.statSync(path.join(dir, "Packages")).size;
    fs.writeFileSync(path.join(dir, "Release"), `Origin: ${name}\nLabel: ${name}\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha} ${size} Packages\n`);
    const gpg = (args: string[]) => {
        const r = spawnSync("gpg", ["--homedir", gnupg, "--batch", "--yes", ...args], { cwd: dir, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        return r.stdout;
    };
    gpg(["--passphrase", "", "--quick-gen-key", `${name} <${name}@example.invalid>`, "ed25519", "sign", "1d"]);
    gpg(["--clearsign", "-o", "InRelease", "Release"]);
    const keyFile = path.join(root, `${name}.asc`);
    fs.writeFileSync(keyFile, gpg(["--armor", "--export"]));
    return { dir, keyFile };
}

describe("IDC node packages: apt section on real apt-get/gpg, lock retry, fstab nofail, containerd TOML", function () {
    this.timeout(120_000);
    let root: string;
    let env: NodeJS.ProcessEnv;
    let k: { keyrings: string; link: string; list: string; lists: string };
    let script: string;

    before(function () {
        for (const t of ["apt-get", "gpg", "dpkg-deb", "dpkg-scanpackages", "curl", "python3"]) requireTool(t);
        root = tempDir("idc-apt-");
        // The distribution: the tools the script fetches keys with. Trusted through sources.list's signed-by.
        const distro = signedRepo(root, "distro", [
            { name: "ca-certificates", version: "20230311" },
            { name: "curl", version: "7.88.1-10+deb12u14" },
            { name: "gpg", version: "2.2.40-1.1" },
        ]);
        // One repository standing in for both of ours (pkgs.k8s.io and Docker's), each signed by its own key.
        const kube = signedRepo(root, "kube", [
            { name: "kubelet", version: `${K8S_VERSION}-1.1` },
            { name: "kubeadm", version: `${K8S_VERSION}-1.1` },
            { name: "kubectl", version: `${K8S_VERSION}-1.1` },
        ]);
        const docker = signedRepo(root, "docker", [
            { name: "containerd.io", version: CONTAINERD_PACKAGE.split("=")[1], extra: "Conflicts: containerd\nReplaces: containerd\n" },
        ]);
        k = {
            keyrings: path.join(root, "etc/apt/keyrings"),
            link: path.join(root, "etc/apt/sources.list.d/kubernetes.list"),
            list: path.join(root, "etc/hybrid-fleet/kubernetes.list"),
            lists: path.join(root, "var/lib/apt/lists"),
        };
        for (const d of [
            "etc/apt/sources.list.d",
            "etc/apt/trusted.gpg.d",
            "etc/apt/preferences.d",
            "etc/hybrid-fleet",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/lib/dpkg",
        ]) {
            fs.mkdirSync(path.join(root, d), { recursive: true });
        }
        fs.writeFileSync(path.join(root, "var/lib/dpkg/status"), "");
        fs.writeFileSync(path.join(root, "etc/apt/sources.list"), `deb [signed-by=${distro.keyFile}] file:${distro.dir} ./\n`);
        // The rendered source, its repositories and keyrings moved into the temp root.
        const source = renderAptSource(K8S_VERSION)
            .replace(/https:\/\/pkgs\.k8s\.io\S*/, `file:${kube.dir}`)
            .replace(/https:\/\/download\.docker\.com\/linux\/debian bookworm stable/, `file:${docker.dir} ./`)
            .split("/etc/apt/keyrings")
            .join(k.keyrings);
        assert.match(source, new RegExp(`signed-by=${k.keyrings}/docker\\.asc\\] file:`), "the rendered source no longer has the shape this test moves");
        fs.writeFileSync(k.list, source);
        // A host prepared earlier: the source is linked, the keyrings are not there.
        fs.symlinkSync(k.list, k.link);
        const aptConf = path.join(root, "apt.conf");
        fs.writeFileSync(
            aptConf,
            [
                `Dir::Etc "${root}/etc/apt";`,
                `Dir::State "${root}/var/lib/apt";`,
                `Dir::State::status "${root}/var/lib/dpkg/status";`,
                `Dir::Cache "${root}/var/cache/apt";`,
                `APT::Sandbox::User "root";`,
                `APT::Get::Simulate "true";`,
                `Acquire::Languages "none";`,
                "",
            ].join("\n"),
        );
        // dpkg-query (the prepared-host check) reads the same status file (dpkg-query(1): DPKG_ADMINDIR).
        env = { ...process.env, APT_CONFIG: aptConf, DPKG_ADMINDIR: path.join(root, "var/lib/dpkg"), LC_ALL: "C" };

        // The rendered apt section, from unlinking our source to the pinned install (with the
        // fresh/prepared host decision before it), as one piece.
        const full = renderKubePackagesScript(K8S_VERSION);
        const start = full.indexOf(`rm -f ${APT_SOURCE_LINK}`);
        const secondUpdate = full.indexOf("apt_retry apt-get update", full.indexOf(`ln -sf ${NODE_PATHS.aptSource}`));
        const install = full.indexOf("$containerd_package $kube_packages", secondUpdate);
        assert.ok(start > 0 && secondUpdate > start && install > secondUpdate, "the apt section moved");
        const section = `${full.slice(start, full.indexOf("\n", install))}\n`;
        assert.match(section, /kube_packages=""/, "the prepared-host branch is part of the section");
        assert.match(section, /containerd_package=""/, "the prepared-host branch for containerd is part of the section");
        const minor = K8S_VERSION.split(".").slice(0, 2).join(".");
        script = `set -euo pipefail\n${APT_RETRY_FUNCTION}\n${section}`
            .split(`https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Release.key`)
            .join(`file://${kube.keyFile}`)
            .split("https://download.docker.com/linux/debian/gpg")
            .join(`file://${docker.keyFile}`)
            .split(APT_SOURCE_LINK)
            .join(k.link)
            .split(NODE_PATHS.aptSource)
            .join(k.list)
            .split("/etc/apt/keyrings")
            .join(k.keyrings);
        assert.doesNotMatch(script, /https:|(^|[\s'"=:])\/etc\//m, "the section still names a host path or a remote URL");
        assert.ok(script.includes(`${k.keyrings}/docker.asc`) && !DOCKER_APT_KEY.startsWith(root));
    });

    after(() => {
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("a bare apt-get update on that host fails: the source names a keyring that is not there (what the old order hit)", () => {
        const r = bash("apt-get update", env);
        assert.notStrictEqual(r.status, 0, r.stdout);
        assert.match(r.stdout + r.stderr, /not signed|NO_PUBKEY|signed-by/i);
    });

    it("the rendered section updates without our source, fetches both keys, links it again, updates and resolves the pinned packages", () => {
        const r = bash(script, env);
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.ok(fs.existsSync(path.join(k.keyrings, "kubernetes-apt-keyring.gpg")) && fs.existsSync(path.join(k.keyrings, "docker.asc")));
        assert.strictEqual(fs.readlinkSync(k.link), k.list);
        // The simulated install took the pinned versions from the two signed repositories.
        assert.match(r.stdout, new RegExp(`Inst containerd\\.io \\(${CONTAINERD_PACKAGE.split("=")[1].replace(/[.~+]/g, "\\$&")} `));
        assert.match(r.stdout, new RegExp(`Inst kubelet \\(${K8S_VERSION.replace(/\./g, "\\.")}-1\\.1 `));
        // And a later update sees every source signed.
        const again = bash("apt-get update", env);
        assert.strictEqual(again.status, 0, again.stderr);
    });

    it("on a host whose kubelet and kubeadm are installed at another version, held or not, the section installs containerd.io only (the upgrade chain moves Kubernetes); with a containerd too, nothing", () => {
        const status = path.join(root, "var/lib/dpkg/status");
        const fresh = fs.readFileSync(status, "utf8");
        // A prepared host's packages are held (apt-mark hold): dpkg says "hold ok installed".
        for (const want of ["hold", "install"]) {
            const installed = (name: string) =>
                `Package: ${name}\nStatus: ${want} ok installed\nPriority: optional\nSection: admin\nInstalled-Size: 1\nMaintainer: test <test@example.invalid>\nArchitecture: all\nVersion: 1.32.9-1.1\nDescription: test package\n`;
            fs.writeFileSync(status, ["kubelet", "kubeadm", "kubectl"].map(installed).join("\n"));
            try {
                const r = bash(script, env);
                assert.strictEqual(r.status, 0, `${want}: ${r.stdout}\n${r.stderr}`);
                assert.match(r.stdout, /kubelet 1\.32\.9-1\.1 is installed: left as is/);
                assert.match(r.stdout, new RegExp(`Inst containerd\\.io \\(${CONTAINERD_PACKAGE.split("=")[1].replace(/[.~+]/g, "\\$&")} `));
                assert.doesNotMatch(r.stdout, /Inst kube(let|adm|ctl) /, "a Kubernetes package moved on a prepared host");
            } finally {
                fs.writeFileSync(status, fresh);
            }
        }
        // A host with a containerd (containerd.io at another version, or Debian's): none is installed, the rollout moves it.
        for (const name of ["containerd.io", "containerd"]) {
            const entry = (pkg: string, version: string) =>
                `Package: ${pkg}\nStatus: hold ok installed\nPriority: optional\nSection: admin\nInstalled-Size: 1\nMaintainer: test <test@example.invalid>\nArchitecture: all\nVersion: ${version}\nDescription: test package\n`;
            fs.writeFileSync(status, [entry(name, "1.7.27-1"), ...["kubelet", "kubeadm", "kubectl"].map((k) => entry(k, "1.32.9-1.1"))].join("\n"));
            try {
                const r = bash(script, env);
                assert.strictEqual(r.status, 0, `${name}: ${r.stdout}\n${r.stderr}`);
                assert.match(r.stdout, new RegExp(`${name.replace(".", "\\.")} 1\\.7\\.27-1 is installed: left as is`));
                assert.doesNotMatch(r.stdout, /Inst (containerd|kube)/, `${name}: a package moved on a prepared host`);
            } finally {
                fs.writeFileSync(status, fresh);
            }
        }
        // The positive control: the same section on the fresh host installs the spec's version.
        const again = bash(script, env);
        assert.match(again.stdout, new RegExp(`Inst kubeadm \\(${K8S_VERSION.replace(/\./g, "\\.")}-1\\.1 `));
    });

    it("apt_retry waits out a held lists lock and fails at once on anything else", async () => {
        const lock = path.join(k.lists, "lock");
        // Hold the lock the way apt takes it (fcntl F_SETLK) for 7 s.
        const holder = spawn(
            "python3",
            ["-c", `import fcntl,time,sys\nf=open(sys.argv[1],"w")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("held",flush=True)\ntime.sleep(7)`, lock],
            { stdio: ["ignore", "pipe", "inherit"] },
        );
        try {
            await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
            const t0 = Date.now();
            const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
                const c = spawn("bash", ["-s"], { env, stdio: ["pipe", "ignore", "pipe"] });
                let stderr = "";
                c.stderr!.on("data", (d) => (stderr += d));
                c.on("exit", (status) => resolve({ status, stderr }));
                // Simulate off: apt-get takes no lock when it only simulates.
                c.stdin!.end(`set -euo pipefail\n${APT_RETRY_FUNCTION}\n${aptUpdate("-o APT::Get::Simulate=false")}\n`);
            });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.match(r.stderr, /Could not get lock/);
            assert.ok(Date.now() - t0 >= 5_000, "did not wait for the lock");
        } finally {
            holder.kill();
        }
        const t1 = Date.now();
        const bad = bash(`set -euo pipefail\n${APT_RETRY_FUNCTION}\napt_retry apt-get install -y no-such-package-hybrid-fleet\necho unreachable\n`, env);
        assert.notStrictEqual(bad.status, 0);
        assert.doesNotMatch(bad.stdout, /unreachable/);
        assert.ok(Date.now() - t1 < 5_000, "retried a non-lock failure");
    });

    it("the etcd disk's sed adds nofail to an entry from before, leaves others and is idempotent (bash, sed)", () => {
        const disk = renderDataDiskScript("/dev/nvme0n1", "/var/lib/etcd");
        const sedLine = disk.split("\n").find((l) => l.startsWith("sed -i -E") && l.includes("nofail"))!;
        const fstab = path.join(root, "fstab");
        const uuid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
        const before = `UUID=${uuid} /var/lib/etcd ext4 defaults,noatime 0 2\nUUID=ffff /data ext4 defaults,noatime 0 2\n/dev/sda1 / ext4 errors=remount-ro 0 1\n`;
        fs.writeFileSync(fstab, before);
        // The script names the table through $fstab (a parameter, so tests point it at a scratch file).
        const sed = `set -euo pipefail\nuuid=${uuid}\nmnt=/var/lib/etcd\nfstab=${fstab}\n${sedLine}\n`;
        for (let i = 0; i < 2; i++) assert.strictEqual(bash(sed, process.env).status, 0);
        assert.strictEqual(fs.readFileSync(fstab, "utf8"), before.replace("defaults,noatime 0 2\nUUID=ffff", "defaults,noatime,nofail 0 2\nUUID=ffff"));
    });

    it("the containerd config is TOML (python3 tomllib) with the 2.x CRI keys, for every supported minor", () => {
        for (const v of ["1.31.0", "1.32.0", "1.33.5", "1.34.1"]) {
            const r = spawnSync("python3", ["-c", "import sys,tomllib,json; print(json.dumps(tomllib.loads(sys.stdin.read())))"], {
                input: renderContainerdConfig(v),
                encoding: "utf8",
            });
            assert.strictEqual(r.status, 0, r.stderr);
            const toml = JSON.parse(r.stdout);
            assert.strictEqual(toml.version, 3);
            assert.match(toml.plugins["io.containerd.cri.v1.images"].pinned_images.sandbox, /^registry\.k8s\.io\/pause:3\.10/);
            const runc = toml.plugins["io.containerd.cri.v1.runtime"].containerd.runtimes.runc;
            assert.strictEqual(runc.runtime_type, "io.containerd.runc.v2");
            assert.strictEqual(runc.options.SystemdCgroup, true);
            assert.ok(!("io.containerd.grpc.v1.cri" in toml.plugins), "1.x keys left");
        }
    });
});
