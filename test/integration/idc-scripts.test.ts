// The IDC site's rendered scripts and configs checked with real tools: every script through
// `bash -n`; the etcd release install, init and join re-runs, token deletion and minting, the kubelet
// health wait, an etcd member's restart and a worker's eviction run by real bash in a temp dir with
// stand-ins (kubeadm, kubectl, curl, systemctl, ...) on PATH; the timers through `systemd-analyze`;
// the API server's SAN check against a certificate openssl makes, kubeadm's CA pin and the TLS
// cipher suites against openssl. No root needed.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, parseAllDocuments } from "yaml";
import {
    caCertHash,
    ETCD_RELEASE,
    renderEtcdBinaryInstall,
    renderBackupScript,
    renderDataDiskScript,
    renderDefragScript,
    renderInitScript,
    renderJoinConfig,
    renderJoinScript,
    renderKubePackagesScript,
    apiServerCertSans,
    renderLoadBalancerScript,
    renderMemberStartScript,
    renderEtcdMembershipScript,
    renderEtcdRestoreScript,
    renderEtcdctlEnv,
    renderTimerUnits,
    renderTokenScript,
    renderTokenCleanupScript,
    renderTokenDeleteScript,
    renderNodeEvictScript,
    renderNodeResetScript,
    renderMintTokenScript,
    mintedToken,
    JOIN_TOKEN_PLACEHOLDER,
    KUBEADM_PATHS,
    INIT_DONE,
    TLS_CIPHER_SUITES,
    KUBELET_HEALTH_WAIT,
    kubeletHealthWait,
} from "../../components/idc/render";
import { shq } from "../../components/idc/renderers/shell";
import { JOIN_TOKEN, loadIdcSpec } from "../harness";
import { requireTool } from "./idcTools";

const prod = loadIdcSpec("prod");
const dev = loadIdcSpec("dev");

/**
 * A control-plane host in a temporary directory, for the init and join scripts in real bash:
 * /etc/kubernetes, /run/hybrid-fleet and the audit log directory moved into it (`localize`), and
 * stand-ins on its PATH that log each call to `<dir>/log`: kubeadm (v1.36.4), openssl (prod's API
 * server SANs), systemctl, crictl and sleep; `stub` adds or replaces one.
 */
function controlPlaneLab(prefix: string) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const etc = join(dir, "etc", "kubernetes");
    mkdirSync(etc, { recursive: true });
    mkdirSync(join(dir, "bin"));
    const stub = (name: string, body: string) =>
        writeFileSync(join(dir, "bin", name), `#!/bin/bash\necho "${name} $*" >> ${dir}/log\n${body}\n`, { mode: 0o755 });
    const sans = apiServerCertSans(prod)
        .map((x) => (/^\d/.test(x) ? `IP Address:${x}` : `DNS:${x}`))
        .join(", ");
    stub("kubeadm", '[ "$1 $2" = "version -o" ] && echo v1.36.4; exit 0');
    stub("openssl", `printf 'X509v3 Subject Alternative Name:\\n    ${sans}\\n'`);
    for (const name of ["systemctl", "crictl", "sleep"]) stub(name, "exit 0");
    const localize = (script: string) =>
        script.split("/etc/kubernetes").join(etc).split("/run/hybrid-fleet").join(join(dir, "run")).split(KUBEADM_PATHS.auditLogDir).join(join(dir, "audit"));
    return { dir, etc, stub, localize };
}

describe("IDC renderers", () => {
    describe("etcd", () => {
        describe("etcd's release on the host (bash, tar, sha256sum; curl and dpkg stood in)", () => {
            let dir: string;
            let tarball: string;
            const version = "3.5.99";
            beforeEach(() => {
                dir = mkdtempSync(join(tmpdir(), "etcd-release-"));
                // A release tarball of the upstream layout: etcd-v<version>-linux-<arch>/{etcd,etcdctl,etcdutl}.
                const name = `etcd-v${version}-linux-amd64`;
                mkdirSync(join(dir, "src", name), { recursive: true });
                for (const bin of ["etcd", "etcdctl", "etcdutl"])
                    writeFileSync(join(dir, "src", name, bin), `#!/bin/sh\necho "${bin === "etcd" ? "etcd" : bin} Version: ${version}"\n`, { mode: 0o755 });
                tarball = join(dir, `${name}.tar.gz`);
                execFileSync("tar", ["-czf", tarball, "-C", join(dir, "src"), name]);
                mkdirSync(join(dir, "stub"));
                mkdirSync(join(dir, "bin"));
                // curl -o FILE URL: records the URL, copies the tarball; dpkg says amd64.
                writeFileSync(
                    join(dir, "stub", "curl"),
                    `#!/bin/bash\nwhile [ $# -gt 1 ]; do [ "$1" = -o ] && out=$2; shift; done\necho "$1" >> ${dir}/curl.log\ncp ${tarball} "$out"\n`,
                    {
                        mode: 0o755,
                    },
                );
                writeFileSync(join(dir, "stub", "dpkg"), "#!/bin/sh\necho amd64\n", { mode: 0o755 });
            });
            afterEach(() => rmSync(dir, { recursive: true, force: true }));
            const install = (sha256: string) =>
                spawnSync(
                    "bash",
                    ["-c", `set -euo pipefail\n${renderEtcdBinaryInstall({ ...ETCD_RELEASE, version, sha256: { amd64: sha256 } }, join(dir, "bin"))}`],
                    {
                        encoding: "utf8",
                        env: { PATH: `${join(dir, "stub")}:/usr/bin:/bin` },
                    },
                );
            const sha = () => execFileSync("sha256sum", [tarball], { encoding: "utf8" }).split(" ")[0];
            const downloads = () => (existsSync(join(dir, "curl.log")) ? readFileSync(join(dir, "curl.log"), "utf8").trim().split("\n") : []);

            it("installs etcd, etcdctl and etcdutl of the pinned release once its sha256 matches, and downloads nothing when that version is there", () => {
                const r = install(sha());
                assert.strictEqual(r.status, 0, r.stderr);
                assert.deepStrictEqual(downloads(), [`https://github.com/etcd-io/etcd/releases/download/v${version}/etcd-v${version}-linux-amd64.tar.gz`]);
                for (const bin of ["etcd", "etcdctl", "etcdutl"]) assert.ok(existsSync(join(dir, "bin", bin)), bin);
                assert.strictEqual(execFileSync(join(dir, "bin", "etcd"), ["--version"], { encoding: "utf8" }).trim(), `etcd Version: ${version}`);
                const again = install(sha());
                assert.strictEqual(again.status, 0, again.stderr);
                assert.strictEqual(downloads().length, 1, "a second run downloads again");
            });

            it("refuses a tarball whose sha256 differs, before unpacking anything", () => {
                const r = install("0".repeat(64));
                assert.notStrictEqual(r.status, 0);
                assert.match(r.stderr, /FAILED|did NOT match/);
                assert.deepStrictEqual(readdirSync(join(dir, "bin")), []);
            });
        });

        it("runs backups and defrags only while the member runs, never starting a stopped one (Requisite=; systemd-analyze verify)", function () {
            const { service } = renderTimerUnits({ description: "etcd backup", script: "/bin/true", environmentFiles: [], onCalendar: "hourly" });
            const unit = service.split("\n");
            assert.ok(unit.includes("Requisite=etcd-member.service") && unit.includes("After=etcd-member.service"), service);
            assert.ok(!unit.some((l) => /^(Requires|Wants|BindsTo)=/.test(l)), "a dependency that would start a stopped member");
            requireTool("systemd-analyze");
            const dir = mkdtempSync(join(tmpdir(), "etcd-units-"));
            try {
                writeFileSync(join(dir, "etcd-member.service"), "[Unit]\nDescription=member\n[Service]\nExecStart=/bin/true\n");
                writeFileSync(join(dir, "etcd-backup.service"), service);
                const r = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "etcd-backup.service")], { encoding: "utf8" });
                assert.strictEqual(r.status, 0, r.stderr);
                assert.doesNotMatch(r.stdout + r.stderr, /Unknown key|Unknown section|Failed/, r.stderr);
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it("renders timers whose OnCalendar systemd accepts (systemd-analyze calendar)", function () {
            requireTool("systemd-analyze");
            for (const c of [prod, dev]) {
                for (const onCalendar of [c.etcd.backup.onCalendar, c.etcd.backup.defragOnCalendar]) {
                    const { timer } = renderTimerUnits({ description: "x", script: "/bin/true", environmentFiles: [], onCalendar });
                    const value = /^OnCalendar=(.*)$/m.exec(timer)![1];
                    const r = spawnSync("systemd-analyze", ["calendar", value], { encoding: "utf8" });
                    assert.strictEqual(r.status, 0, `${value}: ${r.stderr}`);
                }
            }
            assert.notStrictEqual(spawnSync("systemd-analyze", ["calendar", "Funday 25:99"]).status, 0, "systemd-analyze must reject a bad calendar");
        });
    });

    describe("kubeadm", () => {
        it("names only TLS 1.2 suites OpenSSL knows, and HAProxy's default client list shares an RSA one (the /healthz checks still connect)", function () {
            requireTool("openssl");
            const known = new Set(
                execFileSync("openssl", ["ciphers", "-stdname", "-s", "-tls1_2", "ALL"], { encoding: "utf8" })
                    .split("\n")
                    .map((l) => l.trim().split(/\s+/)[0]),
            );
            for (const suite of TLS_CIPHER_SUITES) assert.ok(known.has(suite), `${suite} unknown to OpenSSL`);
            const defaults = new Set(
                execFileSync("openssl", ["ciphers", "-stdname", "-s", "-tls1_2", "DEFAULT"], { encoding: "utf8" })
                    .split("\n")
                    .map((l) => l.trim().split(/\s+/)[0]),
            );
            assert.ok(TLS_CIPHER_SUITES.some((s) => s.startsWith("TLS_ECDHE_RSA_") && defaults.has(s)));
        });

        it("pins the CA as kubeadm does: sha256 of the DER public key, same as openssl computes", () => {
            const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
            const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
            const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pem });
            const viaOpenssl = execFileSync("openssl", ["dgst", "-sha256", "-hex"], { input: der }).toString().trim().split(/\s+/).pop();
            assert.strictEqual(caCertHash(pem), `sha256:${viaOpenssl}`);
        });
    });

    it("finishes an init that stopped half-way (admin.conf, no cluster-info) with the phases after it, and tells it from a done one (real bash; kubeadm, kubectl stood in)", () => {
        const { dir, etc, stub, localize } = controlPlaneLab("idc-init-");
        try {
            writeFileSync(join(etc, "kubeadm-init.yaml"), "kind: InitConfiguration\n");
            writeFileSync(join(etc, "kubeadm-cluster.yaml"), "kubernetesVersion: v1.36.4\n");
            stub("kubectl", 'exit "$CLUSTER_INFO_RC"');
            stub("curl", "exit 0");
            const script = localize(renderInitScript(prod));
            const run = (clusterInfo: boolean) => {
                rmSync(join(dir, "log"), { force: true });
                const r = spawnSync("bash", [], {
                    input: script,
                    encoding: "utf8",
                    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, CLUSTER_INFO_RC: clusterInfo ? "0" : "1" },
                });
                assert.strictEqual(r.status, 0, r.stderr);
                return readFileSync(join(dir, "log"), "utf8")
                    .trim()
                    .split("\n")
                    .filter((l) => /^kubeadm (init|token delete)|^kubectl/.test(l))
                    .map((l) => l.replace(/ --config \S+/, "").replace(/ --kubeconfig \S+/, ""));
            };
            const marker = INIT_DONE.split("/etc/kubernetes").join(etc);
            // First run: the whole init, then the marker.
            assert.deepStrictEqual(run(false), ["kubeadm init --upload-certs --skip-token-print --skip-certificate-key-print"]);
            assert.ok(existsSync(marker));
            // The same init stopped after its kubeconfig phase: admin.conf, no marker, no cluster-info.
            writeFileSync(join(etc, "admin.conf"), "kind: Config\n");
            rmSync(marker);
            const phases = run(false).filter((l) => !l.startsWith("kubectl"));
            assert.deepStrictEqual(phases, [
                "kubeadm init phase wait-control-plane",
                "kubeadm init phase upload-config all",
                "kubeadm init phase upload-certs --upload-certs --skip-certificate-key-print",
                "kubeadm init phase mark-control-plane",
                "kubeadm init phase bootstrap-token --skip-token-print",
                "kubeadm init phase kubelet-finalize all",
                // prod's IDC runs Cilium in place of kube-proxy: no kube-proxy add-on.
                ...(prod.network.cni === "cilium"
                    ? ["kubeadm init phase addon coredns"]
                    : ["kubeadm init phase addon coredns", "kubeadm init phase addon kube-proxy"]),
            ]);
            assert.ok(existsSync(marker), "a finished init is marked");
            // Done (marked): a re-run reconfigures and never re-inits.
            const rerun = run(true);
            assert.ok(
                rerun.includes("kubeadm init phase upload-config kubeadm") &&
                    !rerun.some((l) => /phase (mark-control-plane|bootstrap-token|wait-control-plane)|^kubeadm init --/.test(l)),
                rerun.join("\n"),
            );
            // A cluster made before the marker (cluster-info exists): the re-run path, and it is marked.
            rmSync(marker);
            const before = run(true);
            assert.ok(
                before.includes("kubeadm init phase upload-config kubeadm") && !before.some((l) => /phase mark-control-plane/.test(l)),
                before.join("\n"),
            );
            assert.ok(existsSync(marker));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("finishes a control-plane join that stopped after the kubelet's TLS bootstrap: marks the node and waits for its components on the next run (real bash; kubeadm, curl stood in)", () => {
        const { dir, etc, stub, localize } = controlPlaneLab("idc-cp-join-");
        try {
            writeFileSync(join(etc, "kubeadm-cluster.yaml"), "kind: ClusterConfiguration\nkubernetesVersion: v1.36.4\n");
            writeFileSync(join(etc, "kubeadm-join.yaml"), `kind: JoinConfiguration\ntoken: ${JOIN_TOKEN_PLACEHOLDER}\n`);
            // curl: every endpoint answers but the one matching $DOWN.
            stub("curl", '[ -z "$DOWN" ] || [[ ! "$*" =~ $DOWN ]]');
            const host = prod.controlPlane.hosts[1];
            const script = localize(renderJoinScript({ sans: apiServerCertSans(prod), host }, JOIN_TOKEN));
            // The waits render 120 tries; 3 keep the failing run short (the message stays the rendered one).
            assert.strictEqual((script.match(/-ge 120 \]/g) ?? []).length, 3);
            const short = script.replace(/-ge 120 \]/g, "-ge 3 ]");
            const run = (down = "") => {
                rmSync(join(dir, "log"), { force: true });
                const r = spawnSync("bash", [], { input: short, encoding: "utf8", env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, DOWN: down } });
                const log = readFileSync(join(dir, "log"), "utf8")
                    .trim()
                    .split("\n")
                    .filter((l) => /^kubeadm (join|init|upgrade)|^curl/.test(l))
                    .map((l) => l.replace(/^curl .*(https?:\/\/\S+).*$/, "curl $1"));
                return { r, log };
            };
            // The first run joins; kubeadm join marks the node itself.
            const first = run();
            assert.strictEqual(first.r.status, 0, first.r.stderr);
            assert.deepStrictEqual(first.log, [`kubeadm join --config ${join(dir, "run", "kubeadm-join.yaml")}`]);
            // That join stopped after kubelet-start: kubelet.conf is there, the node unmarked. The next run finishes it.
            writeFileSync(join(etc, "kubelet.conf"), "kind: Config\n");
            const certs = join(dir, "run", "kubeadm-certs.yaml");
            const next = run();
            assert.strictEqual(next.r.status, 0, next.r.stderr);
            assert.deepStrictEqual(next.log.slice(next.log.indexOf("kubeadm upgrade node phase control-plane")), [
                "kubeadm upgrade node phase control-plane",
                `kubeadm upgrade node phase kubelet-config --kubeconfig ${join(etc, "admin.conf")}`,
                "curl http://127.0.0.1:10248/healthz",
                "curl https://127.0.0.1:6443/readyz",
                `kubeadm init phase mark-control-plane --config ${certs}`,
                "curl https://127.0.0.1:10257/healthz",
                "curl https://127.0.0.1:10259/livez",
            ]);
            // The node mark-control-plane patches is this host, with kubeadm's default taint (none given).
            const local = parseAllDocuments(readFileSync(certs, "utf8")).map((d) => d.toJSON())[0];
            assert.deepStrictEqual(local.nodeRegistration, { name: host.name, criSocket: "unix:///var/run/containerd/containerd.sock" });
            // A scheduler that never becomes healthy fails the run (the hosts after it wait).
            const down = run("10259");
            assert.strictEqual(down.r.status, 1);
            assert.match(down.r.stderr, /kube-scheduler on 127\.0\.0\.1:10259 not healthy after 240 s/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a worker that leaves the spec is drained and deleted from the cluster, then reset; the deletion command is the script, quoted (real bash; sudo, kubectl, kubeadm, systemctl stood in)", () => {
        const { dir, stub } = controlPlaneLab("idc-evict-");
        try {
            // sudo (not logged: its argument is the whole script) runs what follows its -n; kubectl knows the nodes in $NODES and fails a drain of $STUCK.
            writeFileSync(join(dir, "bin", "sudo"), '#!/bin/bash\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
            stub("kubectl", 'case "$1" in get) [[ " $NODES " == *" $3 "* ]] ;; drain) [ "$2" != "$STUCK" ] ;; *) exit 0 ;; esac');
            const log = () => (existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").trim().split("\n") : []);
            // What Pulumi runs on delete: the command string itself, as the SSH session's shell would.
            const evict = (nodes: string, stuck = "") => {
                rmSync(join(dir, "log"), { force: true });
                const command = `sudo -n bash -c ${shq(renderNodeEvictScript("worker-7"))}`;
                const r = spawnSync("bash", ["-c", command], {
                    encoding: "utf8",
                    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, NODES: nodes, STUCK: stuck },
                });
                return { status: r.status, calls: log().filter((l) => l.startsWith("kubectl")) };
            };
            assert.deepStrictEqual(evict("worker-6 worker-7"), {
                status: 0,
                calls: [
                    "kubectl get node worker-7",
                    "kubectl drain worker-7 --ignore-daemonsets --delete-emptydir-data --timeout=600s",
                    "kubectl delete node worker-7 --wait=true",
                ],
            });
            // Already gone: nothing to do. A drain that cannot finish fails the removal, and the node stays.
            assert.deepStrictEqual(evict("worker-6"), { status: 0, calls: ["kubectl get node worker-7"] });
            const stuck = evict("worker-7", "worker-7");
            assert.notStrictEqual(stuck.status, 0);
            assert.ok(!stuck.calls.some((c) => c.startsWith("kubectl delete")), stuck.calls.join("\n"));
            assert.throws(() => renderNodeEvictScript("w; reboot"), /not a node name/);
            // On the worker itself, after: kubeadm reset, the kubelet disabled.
            rmSync(join(dir, "log"), { force: true });
            const reset = spawnSync("bash", ["-c", `sudo -n bash -c ${shq(renderNodeResetScript())}`], {
                encoding: "utf8",
                env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin` },
            });
            assert.strictEqual(reset.status, 0, reset.stderr);
            assert.deepStrictEqual(
                log().filter((l) => !l.startsWith("sudo")),
                ["kubeadm reset -f", "systemctl disable --now kubelet"],
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the SAN check finds a missing SAN in a real certificate (openssl), and none in a complete one", function () {
        const dir = mkdtempSync(join(tmpdir(), "idc-san-"));
        try {
            const sans = apiServerCertSans(prod);
            const init = renderInitScript(prod);
            const check = init.slice(init.indexOf("have="), init.indexOf("  done", init.indexOf("have=")) + "  done".length);
            const missing = (sanList: string[]) => {
                const cert = join(dir, "apiserver.crt");
                const alt = sanList.map((x) => (/^\d+\.\d+\.\d+\.\d+$/.test(x) ? `IP:${x}` : `DNS:${x}`)).join(",");
                execFileSync(
                    "openssl",
                    [
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:prime256v1",
                        "-nodes",
                        "-subj",
                        "/CN=kube-apiserver",
                        "-days",
                        "1",
                        "-addext",
                        `subjectAltName=DNS:kubernetes,DNS:kubernetes.default,IP:10.96.0.1,${alt}`,
                        "-keyout",
                        join(dir, "k"),
                        "-out",
                        cert,
                    ],
                    { stdio: "ignore" },
                );
                const script = `set -euo pipefail\n${check.replace(/^ {2}/gm, "").replace("/etc/kubernetes/pki/apiserver.crt", cert)}\necho "$missing"\n`;
                return spawnSync("bash", ["-s"], { input: script, encoding: "utf8" }).stdout.trim();
            };
            assert.strictEqual(missing(sans), "0");
            assert.strictEqual(missing(sans.filter((x) => x !== "api.idc-sh.acme.internal")), "1", "a missing DNS SAN");
            assert.strictEqual(missing(sans.filter((x) => x !== prod.controlPlane.hosts[2].address)), "1", "a missing IP SAN");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("deletes a minted token by its ID only, tolerating only an expired one; the sweep deletes only this program's tokens (real bash, kubeadm stubbed)", () => {
        const dir = mkdtempSync(join(tmpdir(), "token-cleanup-"));
        try {
            const log = join(dir, "argv");
            // A kubeadm on PATH that records its arguments, lists three tokens and answers as the test says.
            const list = [
                "TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION                 EXTRA GROUPS",
                "k3x9ab.0123456789abcdef   14m         2026-11-29T23:00:00Z   authentication,signing   hybrid-fleet-join-w-1       system:bootstrappers:kubeadm:default-node-token",
                "zz11yy.0123456789abcdef   14m         2026-11-29T23:00:00Z   authentication,signing   hybrid-fleet-init           system:bootstrappers:kubeadm:default-node-token",
                "other1.0123456789abcdef   23h         2026-11-30T22:00:00Z   authentication,signing   someone else's              system:bootstrappers:kubeadm:default-node-token",
            ].join("\n");
            writeFileSync(join(dir, "list"), list + "\n");
            execFileSync("bash", [
                "-c",
                `mkdir -p "$1/bin" && printf '%s\\n' '#!/bin/bash' 'echo "$*" >> "$LOG"' '[ "$1 $2" = "token list" ] && exec cat "$LIST"' 'case "$MODE" in ok) exit 0 ;; gone) echo "bootstrap token \\"$3\\" not found" >&2; exit 1 ;; *) echo "connection refused" >&2; exit 1 ;; esac' > "$1/bin/kubeadm" && chmod +x "$1/bin/kubeadm"`,
                "_",
                dir,
            ]);
            const run = (script: string, mode: string) => {
                rmSync(log, { force: true });
                const r = spawnSync("bash", [], {
                    input: script,
                    encoding: "utf8",
                    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, LOG: log, LIST: join(dir, "list"), MODE: mode },
                });
                return { ...r, argv: r.status === null ? "" : readFileSync(log, "utf8") };
            };
            const del = renderTokenDeleteScript("k3x9ab.0123456789abcdef");
            const ok = run(del, "ok");
            assert.strictEqual(ok.status, 0, ok.stderr);
            assert.strictEqual(ok.argv, "token delete k3x9ab\n");
            assert.ok(!del.includes("0123456789abcdef") && !ok.stdout.includes("0123456789abcdef"), "the secret half stays out");
            assert.strictEqual(run(del, "gone").status, 0, "an expired token is fine");
            assert.notStrictEqual(run(del, "down").status, 0, "an API failure fails the step");
            assert.throws(() => renderTokenDeleteScript("k3x9ab.0123456789abcdef; id"), /not a kubeadm bootstrap token/);
            // The sweep: this program's two tokens, by ID, not the foreign one.
            const sweep = run(renderTokenCleanupScript(), "ok");
            assert.strictEqual(sweep.status, 0, sweep.stderr);
            assert.strictEqual(sweep.argv, "token list\ntoken delete k3x9ab\ntoken delete zz11yy\n");
            assert.notStrictEqual(run(renderTokenCleanupScript(), "down").status, 0, "an API failure fails the sweep");
            // kubeadm init deletes its own token right after init (the init file names none).
            const init = renderInitScript(prod);
            assert.match(
                init,
                /kubeadm init --config "\$cfg" [^\n]*\n {2}# [^\n]*\n {2}KUBECONFIG=\/etc\/kubernetes\/admin\.conf delete_tokens hybrid-fleet-init\n/,
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("mints one token per join (short TTL, kubeadm's node-token group) and joins with it from tmpfs only (real bash, kubeadm stubbed)", () => {
        const mint = renderMintTokenScript("w-1");
        assert.match(
            mint,
            /^kubeadm token create --ttl 15m0s --usages signing,authentication --groups system:bootstrappers:kubeadm:default-node-token --description hybrid-fleet-join-w-1$/m,
        );
        assert.throws(() => renderMintTokenScript("w-1; id"), /not a node name/);
        assert.strictEqual(mintedToken("k3x9ab.0123456789abcdef\n"), "k3x9ab.0123456789abcdef");
        assert.throws(() => mintedToken("error: something\n"), /no kubeadm bootstrap token/);
        assert.throws(() => renderJoinScript(false, "$(id)"), /not a kubeadm bootstrap token/);
        const dir = mkdtempSync(join(tmpdir(), "join-"));
        try {
            const token = "k3x9ab.0123456789abcdef";
            const worker = prod.workers[0];
            const joinFile = join(dir, "kubeadm-join.yaml");
            const fileText = renderJoinConfig({ spec: prod, host: worker, caCertHash: "sha256:00", labels: worker.labels, taints: worker.taints });
            assert.ok(!fileText.includes(token) && fileText.includes(JOIN_TOKEN_PLACEHOLDER), "the join file holds the placeholder only");
            writeFileSync(joinFile, fileText);
            // Paths moved into the temp dir; kubeadm records its argv and a copy of the config it was given.
            const script = renderJoinScript(false, token)
                .split(KUBEADM_PATHS.joinConfig)
                .join(joinFile)
                .split("/run/hybrid-fleet")
                .join(join(dir, "run"))
                .split("/etc/kubernetes/kubelet.conf")
                .join(join(dir, "kubelet.conf"))
                .split(KUBEADM_PATHS.auditLogDir)
                .join(join(dir, "audit"));
            mkdirSync(join(dir, "bin"));
            writeFileSync(join(dir, "bin", "kubeadm"), '#!/bin/bash\necho "$*" >> "$LOG"\ncp "$3" "$SEEN"\nexit 0\n', { mode: 0o755 });
            const r = spawnSync("bash", [], {
                input: script,
                encoding: "utf8",
                env: { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}`, LOG: join(dir, "argv"), SEEN: join(dir, "seen.yaml") },
            });
            assert.strictEqual(r.status, 0, r.stderr);
            const argv = readFileSync(join(dir, "argv"), "utf8");
            assert.strictEqual(argv, `join --config ${join(dir, "run", "kubeadm-join.yaml")}\n`, "the token is not in argv");
            const seen = parse(readFileSync(join(dir, "seen.yaml"), "utf8"));
            assert.strictEqual(seen.discovery.bootstrapToken.token, token, "kubeadm got the minted token");
            assert.ok(!existsSync(join(dir, "run", "kubeadm-join.yaml")), "the tmpfs copy is removed");
            assert.strictEqual(readFileSync(joinFile, "utf8"), fileText, "the file on disk never holds the token");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the kubelet health wait fails the re-run when the kubelet never answers, and passes once it does (real bash; curl and sleep stood in)", () => {
        const dir = mkdtempSync(join(tmpdir(), "kubelet-wait-"));
        try {
            mkdirSync(join(dir, "bin"));
            // curl answers after $OK_AFTER calls (never with 0); sleep returns at once.
            writeFileSync(
                join(dir, "bin", "curl"),
                `#!/bin/bash\nn=$(($(cat ${dir}/calls 2>/dev/null || echo 0) + 1))\necho $n > ${dir}/calls\n[ "$OK_AFTER" -gt 0 ] && [ "$n" -ge "$OK_AFTER" ]\n`,
                {
                    mode: 0o755,
                },
            );
            writeFileSync(join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
            // The re-runs render 60 tries; 4 here keep the test short.
            assert.ok(kubeletHealthWait().includes(`-ge ${KUBELET_HEALTH_WAIT.tries} ]`) && KUBELET_HEALTH_WAIT.tries === 60);
            const wait = (okAfter: number) => {
                rmSync(join(dir, "calls"), { force: true });
                return spawnSync("bash", ["-c", `set -euo pipefail\n${kubeletHealthWait(4)}\necho healthy`], {
                    encoding: "utf8",
                    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, OK_AFTER: String(okAfter) },
                });
            };
            const never = wait(0);
            assert.strictEqual(never.status, 1);
            assert.match(never.stderr, /kubelet not healthy on 127\.0\.0\.1:10248 after 8 s/);
            assert.strictEqual(readFileSync(join(dir, "calls"), "utf8").trim(), "4");
            const later = wait(3);
            assert.strictEqual(later.status, 0, later.stderr);
            assert.strictEqual(later.stdout.trim(), "healthy");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("restarts an etcd member only while the cluster's other members are healthy and waits for it; a new member of a new cluster starts without waiting (real bash; systemctl, etcdctl stood in)", () => {
        const dir = mkdtempSync(join(tmpdir(), "etcd-start-"));
        try {
            const members = [1, 2, 3].map((n) => ({ name: `etcd-${n}`, address: `10.0.0.${n}` }));
            const paths = { configDir: join(dir, "etc"), pkiDir: join(dir, "etc", "pki"), mount: join(dir, "data") };
            mkdirSync(paths.configDir, { recursive: true });
            writeFileSync(join(paths.configDir, "etcdctl.env"), renderEtcdctlEnv(members[0], members, paths));
            mkdirSync(join(dir, "bin"));
            // etcdctl: `member list` prints $MEMBERS (fails when empty: no cluster answers); health for the
            // endpoints in $HEALTHY (a regex); logged. systemctl and chgrp log only.
            writeFileSync(
                join(dir, "bin", "etcdctl"),
                `#!/bin/bash\necho "etcdctl $*" >> ${dir}/log\ncase "$*" in *"member list"*) [ -n "$MEMBERS" ] && printf "$MEMBERS" ;; *) [[ "$*" =~ $HEALTHY ]] ;; esac\n`,
                { mode: 0o755 },
            );
            writeFileSync(join(dir, "bin", "systemctl"), `#!/bin/bash\necho "systemctl $*" >> ${dir}/log\n`, { mode: 0o755 });
            writeFileSync(join(dir, "bin", "chgrp"), "#!/bin/sh\n", { mode: 0o755 });
            writeFileSync(join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
            const listed = members.map((m, i) => `${i + 1}a, started, ${m.name}, https://${m.address}:2380, https://${m.address}:2379, false\\n`).join("");
            const start = (healthy: string, memberList: string) => {
                rmSync(join(dir, "log"), { force: true });
                const r = spawnSync("bash", ["-c", renderMemberStartScript(members[0], paths)], {
                    encoding: "utf8",
                    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, HEALTHY: healthy, MEMBERS: memberList },
                });
                return { ...r, log: existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").trim().split("\n") : [] };
            };
            // Bootstrapping (no data yet, no cluster answers): start, no wait, no health asked.
            const fresh = start("never", "");
            assert.strictEqual(fresh.status, 0, fresh.stderr);
            assert.ok(fresh.log.includes("systemctl start --no-block etcd-member.service"), fresh.log.join("\n"));
            assert.ok(!fresh.log.some((l) => l.startsWith("etcdctl") && !l.endsWith("member list")), fresh.log.join("\n"));
            mkdirSync(join(paths.mount, "data", "member"), { recursive: true });
            // A member with data, the others healthy: the cluster's other members are asked first, then it restarts, then it is waited for.
            const rolling = start("10\\.0\\.0\\.", listed);
            assert.strictEqual(rolling.status, 0, rolling.stderr);
            const order = rolling.log.filter((l) => /endpoint health|restart/.test(l));
            assert.match(order[0], /^etcdctl .*--endpoints=https:\/\/10\.0\.0\.2:2379,https:\/\/10\.0\.0\.3:2379 endpoint health$/);
            assert.strictEqual(order[1], "systemctl restart etcd-member.service");
            assert.match(order[2], /^etcdctl --endpoints=https:\/\/10\.0\.0\.1:2379 endpoint health$/);
            // Another member down: refused before anything restarts.
            const degraded = start("10\\.0\\.0\\.1:", listed);
            assert.strictEqual(degraded.status, 1);
            assert.match(degraded.stderr, /not restarting etcd-1: the other members are not all healthy/);
            assert.ok(!degraded.log.some((l) => l.includes("restart") || l.includes("systemctl start")), degraded.log.join("\n"));
            // The cluster not answering: refused too.
            const silent = start("10\\.0\\.0\\.", "");
            assert.strictEqual(silent.status, 1);
            assert.match(silent.stderr, /not restarting etcd-1: the cluster does not answer/);
            // A lone member (a spec of one) restarts as it is: no member list asked (here it would fail), then it is waited for.
            writeFileSync(join(paths.configDir, "etcdctl.env"), renderEtcdctlEnv(members[0], [members[0]], paths));
            const lone = start("10\\.0\\.0\\.1:", "");
            assert.strictEqual(lone.status, 0, lone.stderr);
            assert.deepStrictEqual(
                lone.log.filter((l) => /member list|restart|endpoint health/.test(l)),
                ["systemctl restart etcd-member.service", "etcdctl --endpoints=https://10.0.0.1:2379 endpoint health"],
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("every rendered script is valid bash (bash -n)", () => {
        const member = { name: "etcd-1", address: "10.0.0.1" };
        const scripts = {
            dataDisk: renderDataDiskScript("/dev/nvme0n1", "/var/lib/etcd"),
            backup: renderBackupScript(),
            defrag: renderDefragScript(),
            memberStart: renderMemberStartScript(member),
            membership: renderEtcdMembershipScript([member, { name: "etcd-2", address: "10.0.0.2" }]),
            restore: renderEtcdRestoreScript({ member, members: [member, { name: "etcd-2", address: "10.0.0.2" }], token: "idc-sh-etcd" }),
            lb: renderLoadBalancerScript("haproxy"),
            init: renderInitScript(prod),
            token: renderTokenScript(),
            tokenCleanup: renderTokenCleanupScript(),
            cpJoin: renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN),
            workerJoin: renderJoinScript(false, JOIN_TOKEN),
            packages: renderKubePackagesScript(prod.kubernetesVersion),
        };
        for (const [name, script] of Object.entries(scripts)) {
            const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${name}: ${r.stderr}`);
        }
        assert.notStrictEqual(spawnSync("bash", ["-n"], { input: "if then fi" }).status, 0, "bash -n must reject a broken script");
    });
});
