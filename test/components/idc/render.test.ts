// The IDC site's pure renderers, from the prod and dev specs: etcd member config and units, the
// data-disk, backup and defragmentation scripts, keepalived/HAProxy, kubeadm configs. Real tools
// where they exist here: `bash -n` on every script, `systemd-analyze calendar` on the timers'
// OnCalendar, openssl for kubeadm's CA pin.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, parseAllDocuments } from "yaml";
import {
    caCertHash,
    ETCD_PATHS,
    aptInstall,
    renderBackupScript,
    ETCD_RELEASE,
    renderEtcdBinaryInstall,
    renderEtcdPackagesScript,
    renderClusterConfig,
    renderDataDiskScript,
    renderDefragScript,
    renderEncryptionConfig,
    renderEtcdConfig,
    renderEtcdUnit,
    renderHaproxyConfig,
    renderInitConfig,
    renderInitScript,
    renderJoinConfig,
    renderJoinScript,
    renderKubePackagesScript,
    apiServerCertSans,
    CONTAINERD_PACKAGE,
    renderContainerdConfig,
    renderKeepalivedConfig,
    renderLoadBalancerScript,
    renderMemberStartScript,
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
    renderVrrpAuth,
    renderAuthenticationConfig,
    renderCheckApiserverScript,
    renderSysctl,
    ANONYMOUS_PATHS,
    KUBELET_KERNEL_DEFAULTS,
    TLS_CIPHER_SUITES,
    KUBELET_HEALTH_WAIT,
    kubeletHealthWait,
} from "../../../components/idc/render";
import { shq } from "../../../components/idc/renderers/shell";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { loadStackSpec } from "../../harness";

const idcOf = (stack: "prod" | "dev") => loadStackSpec(stack).clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
const prod = idcOf("prod");
const dev = idcOf("dev");
const JOIN_TOKEN = "abcdef.0123456789abcdef";
const endpoints = (c: IdcClusterSpec) => c.etcd.hosts.map((h) => `https://${h.address}:2379`);

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
        it("renders the member config with URLs, the initial cluster, mTLS on both sides and the spec's tuning", () => {
            const members = prod.etcd.hosts.map((h) => ({ name: h.name, address: h.address }));
            const conf = parse(
                renderEtcdConfig({ member: members[1], members, token: "idc-sh-etcd", tuning: prod.etcd.tuning, metricsListener: prod.etcd.metricsListener }),
            );
            assert.strictEqual(conf.name, members[1].name);
            assert.strictEqual(conf["data-dir"], `${ETCD_PATHS.mount}/data`);
            assert.strictEqual(conf["listen-client-urls"], `https://${members[1].address}:2379`);
            assert.strictEqual(conf["listen-peer-urls"], `https://${members[1].address}:2380`);
            assert.strictEqual(conf["initial-cluster"], members.map((m) => `${m.name}=https://${m.address}:2380`).join(","));
            for (const side of ["client-transport-security", "peer-transport-security"]) {
                assert.strictEqual(conf[side]["client-cert-auth"], true, side);
                assert.strictEqual(conf[side]["trusted-ca-file"], `${ETCD_PATHS.pkiDir}/ca.crt`);
                assert.strictEqual(conf[side]["auto-tls"], false);
            }
            const t = prod.etcd.tuning;
            assert.deepStrictEqual(
                [
                    conf["heartbeat-interval"],
                    conf["election-timeout"],
                    conf["quota-backend-bytes"],
                    conf["snapshot-count"],
                    conf["auto-compaction-mode"],
                    conf["auto-compaction-retention"],
                    conf["max-request-bytes"],
                ],
                [
                    t.heartbeatIntervalMs,
                    t.electionTimeoutMs,
                    t.quotaBackendBytes,
                    t.snapshotCount,
                    t.autoCompactionMode,
                    t.autoCompactionRetention,
                    t.maxRequestBytes,
                ],
            );
            assert.strictEqual(t.quotaBackendBytes, 8 * 2 ** 30, "default quota is 8 GiB");
            assert.strictEqual(conf["listen-metrics-urls"], `http://${members[1].address}:2381`);
        });

        it("runs etcd under systemd from the config file, after the data mount", () => {
            const unit = renderEtcdUnit({ name: "etcd-1", address: "10.0.0.1" }, { ...ETCD_PATHS, mount: "/data/etcd" });
            assert.match(unit, /^ExecStart=\/usr\/local\/bin\/etcd --config-file \/etc\/etcd\/etcd\.conf\.yml$/m);
            assert.match(unit, /^RequiresMountsFor=\/data\/etcd$/m);
            assert.match(unit, /^Type=notify$/m);
        });

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

            it("pins a sha256 for every architecture the hosts may run, each a SHA-256", () => {
                assert.deepStrictEqual(Object.keys(ETCD_RELEASE.sha256).sort(), ["amd64", "arm64"]);
                for (const sum of Object.values(ETCD_RELEASE.sha256)) assert.match(sum, /^[0-9a-f]{64}$/);
                // kubeadm 1.36 takes an external etcd from 3.5.24 on (MinExternalEtcdVersion).
                const [major, minor, patch] = ETCD_RELEASE.version.split(".").map(Number);
                assert.ok(major === 3 && (minor > 5 || (minor === 5 && patch >= 24)), ETCD_RELEASE.version);
            });
        });

        it("formats the NVMe device only when blkid finds nothing, mounts it noatime by UUID", () => {
            const s = renderDataDiskScript("/dev/nvme0n1", "/var/lib/etcd");
            assert.match(s, /blkid -p "\$dev"/);
            // mkfs only in the "no signature" branch (blkid exit 2); anything else refuses.
            const branches = s.split("\n").filter((l) => /^\s+\d\)|^\s+\*\)/.test(l));
            assert.deepStrictEqual(
                branches.filter((l) => l.includes("mkfs")).map((l) => l.trim().slice(0, 2)),
                ["2)"],
            );
            assert.ok(branches.some((l) => l.trim().startsWith("*)") && /exit 1/.test(l)));
            assert.match(s, /echo "UUID=\$uuid \$mnt ext4 defaults,noatime,nofail 0 2" >> "\$fstab"/);
            assert.match(s, /^fstab=\/etc\/fstab$/m);
            assert.match(s, /findmnt -no OPTIONS "\$mnt" \| grep -qw noatime/);
        });

        it("backs up with snapshot save, snapshot status, upload through the AWS CLI (credentials from the environment), keep N", () => {
            const s = renderBackupScript();
            const save = s.indexOf("etcdctl snapshot save");
            const status = s.indexOf("snapshot status");
            const upload = s.indexOf("s3 s3 cp");
            assert.ok(save > 0 && status > save && upload > status, "save, then verify, then upload");
            assert.doesNotMatch(s, /AWS_SECRET_ACCESS_KEY[^:]*"\$AWS_SECRET|--secret|curl/, "credentials never in argv");
            assert.match(s, /head -n -"\$BACKUP_KEEP"/);
            // The local prune runs in the EXIT trap, so a failed upload still prunes.
            assert.match(s, /trap 'prune_local[^']*' EXIT/);
        });

        it("defragments one member at a time, followers first, pausing 10 s unless told otherwise", () => {
            const s = renderDefragScript();
            assert.match(s, /for ep in \$order \$self; do/);
            assert.match(s, /sleep "\$\{DEFRAG_PAUSE_SECONDS:-10\}"/);
        });

        it("runs backups and defrags only while the member runs, never starting a stopped one (Requisite=; systemd-analyze verify)", function () {
            const { service } = renderTimerUnits({ description: "etcd backup", script: "/bin/true", environmentFiles: [], onCalendar: "hourly" });
            const unit = service.split("\n");
            assert.ok(unit.includes("Requisite=etcd-member.service") && unit.includes("After=etcd-member.service"), service);
            assert.ok(!unit.some((l) => /^(Requires|Wants|BindsTo)=/.test(l)), "a dependency that would start a stopped member");
            if (!spawnSync("sh", ["-c", "command -v systemd-analyze"]).stdout.toString().trim()) this.skip();
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
            if (!spawnSync("sh", ["-c", "command -v systemd-analyze"]).stdout.toString().trim()) this.skip();
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

    describe("keepalived and HAProxy", () => {
        const hosts = prod.controlPlane.hosts.map((h) => ({ name: h.name, address: h.address }));
        const input = (self: (typeof hosts)[number]) => ({
            self,
            hosts,
            vip: prod.controlPlane.vip,
            vipPrefix: 20,
            interface: "eth0",
            virtualRouterId: 51,
            advertIntervalSeconds: 1,
        });

        it("gives each host a distinct priority, the others as unicast peers, the auth from an include, a track script", () => {
            const confs = hosts.map((h) => renderKeepalivedConfig(input(h)));
            const priorities = confs.map((c) => Number(/priority (\d+)/.exec(c)![1]));
            assert.strictEqual(new Set(priorities).size, hosts.length);
            for (const c of confs) {
                assert.match(c, /include \/etc\/keepalived\/vrrp-auth\.conf/);
                assert.doesNotMatch(c, /auth_pass/);
                assert.match(c, /track_script \{\s+check_apiserver\s+\}/);
            }
            assert.match(confs[0], /unicast_peer \{\s+10\.10\.0\.12\s+10\.10\.0\.13\s+\}/);
        });

        it("puts the VRRP pass in its own file and refuses what keepalived would truncate", () => {
            assert.match(renderVrrpAuth("Ab3dE6g8"), /auth_type PASS\n\s+auth_pass Ab3dE6g8\n/);
            assert.throws(() => renderVrrpAuth("123456789"), /1 to 8/);
        });

        it("fronts the spec's port and checks /healthz over TLS on every API server at :6443", () => {
            const cfg = renderHaproxyConfig({ frontendPort: prod.controlPlane.port, backends: hosts });
            assert.match(cfg, /bind \*:8443\n/);
            assert.match(cfg, /mode tcp/);
            assert.match(cfg, /http-check connect ssl\n\s+http-check send meth GET uri \/healthz/);
            assert.strictEqual([...cfg.matchAll(/server \S+ \S+:6443 check check-ssl/g)].length, hosts.length);
        });

        it("checks both configs with the real tools before restarting, and guards the auth include", () => {
            const s = renderLoadBalancerScript("haproxy keepalived");
            assert.ok(s.indexOf("haproxy -c") < s.indexOf("systemctl reload-or-restart haproxy"));
            assert.ok(s.indexOf("keepalived -t") < s.indexOf("systemctl restart keepalived"));
            assert.match(s, /test -s \/etc\/keepalived\/vrrp-auth\.conf/);
        });
    });

    describe("kubeadm", () => {
        const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

        it("ClusterConfiguration: VIP endpoint, external etcd, SANs, subnets, encryption, audit, inflight limits; KubeletConfiguration with eviction", () => {
            const [cluster, kubelet] = docs(renderClusterConfig({ spec: prod, etcdEndpoints: endpoints(prod) }));
            assert.strictEqual(cluster.kind, "ClusterConfiguration");
            assert.strictEqual(cluster.controlPlaneEndpoint, "10.10.0.10:8443");
            assert.deepStrictEqual(cluster.etcd.external.endpoints, endpoints(prod));
            assert.ok(cluster.etcd.external.certFile && cluster.etcd.external.keyFile && cluster.etcd.external.caFile);
            assert.deepStrictEqual(cluster.networking, { podSubnet: "10.64.0.0/16", serviceSubnet: "10.96.0.0/16", dnsDomain: "cluster.local" });
            for (const san of ["10.10.0.10", "api.idc-sh.acme.internal", "cp-1", "10.10.0.11", "cp-3", "10.10.0.13"])
                assert.ok(cluster.apiServer.certSANs.includes(san), san);
            const flags = Object.fromEntries(cluster.apiServer.extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
            assert.strictEqual(flags["encryption-provider-config"], "/etc/kubernetes/encryption-config.yaml");
            assert.strictEqual(flags["audit-policy-file"], "/etc/kubernetes/audit-policy.yaml");
            assert.ok(flags["audit-log-path"]);
            assert.strictEqual(flags["max-requests-inflight"], String(prod.controlPlane.apiServer.maxRequestsInflight));
            assert.strictEqual(flags["max-mutating-requests-inflight"], String(prod.controlPlane.apiServer.maxMutatingRequestsInflight));
            assert.strictEqual(kubelet.kind, "KubeletConfiguration");
            assert.deepStrictEqual(kubelet.evictionHard, prod.kubelet.evictionHard);
            assert.deepStrictEqual(kubelet.evictionSoft, prod.kubelet.evictionSoft);
            assert.strictEqual(kubelet.readOnlyPort, 0);
        });

        it("API server: anonymous only on health and discovery paths, kubelet CA, strong ciphers; kubelet: serving certs, kernel defaults, ciphers", () => {
            const [cluster, kubelet] = docs(renderClusterConfig({ spec: prod, etcdEndpoints: endpoints(prod) }));
            const flags = Object.fromEntries(cluster.apiServer.extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
            // The API server refuses --anonymous-auth together with an anonymous stanza in the file.
            assert.strictEqual(flags["anonymous-auth"], undefined);
            assert.strictEqual(flags["authentication-config"], "/etc/kubernetes/authentication-config.yaml");
            const mount = cluster.apiServer.extraVolumes.find((v: { hostPath: string }) => v.hostPath === flags["authentication-config"]);
            assert.ok(mount && mount.mountPath === flags["authentication-config"] && mount.readOnly, "file mounted into the static pod");
            assert.strictEqual(flags["kubelet-certificate-authority"], "/etc/kubernetes/pki/kubelet-ca-bundle.crt");
            // The anonymous stanza's gate: needed on 1.31, kept on 1.32 specs (a 1.31 API server may run them before its upgrade).
            const gate = (v: string) =>
                docs(renderClusterConfig({ spec: { ...prod, kubernetesVersion: v }, etcdEndpoints: endpoints(prod) }))[0].apiServer.extraArgs.find(
                    (a: { name: string }) => a.name === "feature-gates",
                )?.value;
            assert.deepStrictEqual(["1.31.9", "1.32.4", "1.33.5", prod.kubernetesVersion].map(gate), [
                "AnonymousAuthConfigurableEndpoints=true",
                "AnonymousAuthConfigurableEndpoints=true",
                undefined,
                undefined,
            ]);
            // kube-controller-manager signs kubelet serving certificates with their own CA, every other
            // signer with the Kubernetes CA, and not the catch-all pair (which excludes the specific ones).
            const kcm = Object.fromEntries(cluster.controllerManager.extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
            assert.deepStrictEqual(Object.fromEntries(Object.entries(kcm).filter(([k]) => k.startsWith("cluster-signing-"))), {
                "cluster-signing-cert-file": "",
                "cluster-signing-key-file": "",
                "cluster-signing-kubelet-serving-cert-file": "/etc/kubernetes/pki/kubelet-serving-ca.crt",
                "cluster-signing-kubelet-serving-key-file": "/etc/kubernetes/pki/kubelet-serving-ca.key",
                "cluster-signing-kubelet-client-cert-file": "/etc/kubernetes/pki/ca.crt",
                "cluster-signing-kubelet-client-key-file": "/etc/kubernetes/pki/ca.key",
                "cluster-signing-kube-apiserver-client-cert-file": "/etc/kubernetes/pki/ca.crt",
                "cluster-signing-kube-apiserver-client-key-file": "/etc/kubernetes/pki/ca.key",
            });
            assert.deepStrictEqual(flags["tls-cipher-suites"].split(","), [...TLS_CIPHER_SUITES]);
            for (const suite of TLS_CIPHER_SUITES)
                assert.match(suite, /^TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
            assert.strictEqual(kubelet.serverTLSBootstrap, true);
            assert.strictEqual(kubelet.protectKernelDefaults, true);
            assert.deepStrictEqual(kubelet.tlsCipherSuites, [...TLS_CIPHER_SUITES]);
            assert.deepStrictEqual(kubelet.authentication.anonymous, { enabled: false });
        });

        it("AuthenticationConfiguration: v1 from 1.35, v1beta1 before (each spec's file suits the minor before it too); anonymous limited to every path our health checks and kubeadm join call", () => {
            const auth = parse(renderAuthenticationConfig(prod.kubernetesVersion));
            assert.strictEqual(auth.kind, "AuthenticationConfiguration");
            assert.strictEqual(auth.anonymous.enabled, true);
            assert.deepStrictEqual(
                auth.anonymous.conditions.map((c: { path: string }) => c.path),
                [...ANONYMOUS_PATHS],
            );
            assert.strictEqual(parse(renderAuthenticationConfig("1.33.5")).apiVersion, "apiserver.config.k8s.io/v1beta1");
            // A 1.34 spec's file is read by 1.33 API servers too (restarted before the chain upgrades them): v1beta1.
            assert.strictEqual(parse(renderAuthenticationConfig("1.34.1")).apiVersion, "apiserver.config.k8s.io/v1beta1");
            assert.strictEqual(parse(renderAuthenticationConfig("1.35.0")).apiVersion, "apiserver.config.k8s.io/v1");
            assert.strictEqual(parse(renderAuthenticationConfig("1.36.0")).apiVersion, "apiserver.config.k8s.io/v1");
            // Every unauthenticated path the rendered health checks use is allowed (HAProxy, keepalived, readiness waits).
            const checks = [
                renderHaproxyConfig({ frontendPort: prod.controlPlane.port, backends: prod.controlPlane.hosts }),
                renderCheckApiserverScript({ frontendPort: prod.controlPlane.port, vip: prod.controlPlane.vip }),
                renderInitScript(prod),
                renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN),
            ].join("\n");
            const used = new Set([...checks.matchAll(/(?:uri |:\d+)(\/(?:healthz|readyz|livez)[^\s"]*)/g)].map((m) => m[1]));
            assert.ok(used.size >= 2, [...used].join(" "));
            for (const path of used) assert.ok((ANONYMOUS_PATHS as readonly string[]).includes(path), `${path} not allowed anonymously`);
        });

        it("names only TLS 1.2 suites OpenSSL knows, and HAProxy's default client list shares an RSA one (the /healthz checks still connect)", function () {
            if (spawnSync("openssl", ["version"]).status !== 0) this.skip();
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

        it("node sysctls carry exactly the kernel defaults the kubelet protects", () => {
            const lines = new Map(
                renderSysctl()
                    .split("\n")
                    .filter((l) => l.includes("="))
                    .map((l) => l.split("=").map((x) => x.trim()) as [string, string]),
            );
            for (const [key, value] of Object.entries({ "vm.overcommit_memory": 1, "kernel.panic": 10, "kernel.panic_on_oops": 1 }))
                assert.strictEqual(lines.get(key), String(value), key);
            for (const [key, value] of Object.entries(KUBELET_KERNEL_DEFAULTS)) assert.strictEqual(lines.get(key), String(value), key);
            assert.strictEqual(lines.get("net.ipv4.ip_forward"), "1");
        });

        it("keeps the certificate key in the init/join files only, and no token in any file", () => {
            const secrets = { token: "abcdef.0123456789abcdef", certificateKey: "f".repeat(64) };
            const init = parse(renderInitConfig({ spec: prod, host: prod.controlPlane.hosts[0], secrets }));
            assert.strictEqual(init.skipPhases, undefined, "Calico keeps kube-proxy");
            const devInit = parse(renderInitConfig({ spec: dev, host: dev.controlPlane.hosts[0], secrets }));
            assert.deepStrictEqual(devInit.skipPhases, ["addon/kube-proxy"], "Cilium replaces kube-proxy");
            assert.strictEqual(init.kind, "InitConfiguration");
            // No token in the init file: kubeadm generates its own at init (deleted right after), joins mint theirs.
            assert.deepStrictEqual(init.bootstrapTokens, [
                {
                    description: "hybrid-fleet-init",
                    ttl: "15m0s",
                    usages: ["signing", "authentication"],
                    groups: ["system:bootstrappers:kubeadm:default-node-token"],
                },
            ]);
            assert.strictEqual(init.certificateKey, secrets.certificateKey);
            const clusterText = renderClusterConfig({ spec: prod, etcdEndpoints: endpoints(prod) });
            assert.ok(!clusterText.includes(secrets.token) && !clusterText.includes(secrets.certificateKey));
            const cpJoin = parse(
                renderJoinConfig({
                    spec: prod,
                    host: prod.controlPlane.hosts[1],
                    caCertHash: "sha256:00",
                    certificateKey: secrets.certificateKey,
                }),
            );
            assert.strictEqual(cpJoin.controlPlane.certificateKey, secrets.certificateKey);
            assert.strictEqual(cpJoin.discovery.bootstrapToken.token, JOIN_TOKEN_PLACEHOLDER, "the join file holds a placeholder, never a token");
            assert.strictEqual(cpJoin.discovery.bootstrapToken.apiServerEndpoint, "10.10.0.10:8443");
            const worker = prod.workers[0];
            const wJoin = parse(
                renderJoinConfig({ spec: prod, host: worker, token: secrets.token, caCertHash: "sha256:00", labels: worker.labels, taints: worker.taints }),
            );
            assert.strictEqual(wJoin.controlPlane, undefined);
            assert.deepStrictEqual(
                wJoin.nodeRegistration.kubeletExtraArgs.find((a: { name: string }) => a.name === "node-labels"),
                { name: "node-labels", value: "topology.kubernetes.io/zone=rack-a" },
            );
            // Neither secret reaches a script (argv or stdin) of init or the token refresh.
            for (const s of [renderInitScript(prod), renderTokenScript()]) assert.ok(!s.includes(secrets.token));
            // kubeadm prints neither secret (kubeadm init / init phase reference: --skip-token-print, --skip-certificate-key-print).
            assert.match(renderTokenScript(), /kubeadm init phase upload-certs --upload-certs --config "\$cfg" --skip-certificate-key-print\n/);
            assert.doesNotMatch(renderTokenScript(), /bootstrap-token|token create/, "the certificate upload makes no token");
            assert.match(renderInitScript(prod), /kubeadm init --config "\$cfg" --upload-certs --skip-token-print --skip-certificate-key-print\n/);
        });

        it("passes a control-plane host's labels to its kubelet at init and at join, as for workers", () => {
            const secrets = { token: "abcdef.0123456789abcdef", certificateKey: "f".repeat(64) };
            const flags = (doc: any) =>
                Object.fromEntries(doc.nodeRegistration.kubeletExtraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
            const [cp1, cp2] = prod.controlPlane.hosts;
            const init = flags(parse(renderInitConfig({ spec: prod, host: cp1, secrets, labels: { ...cp1.labels, "acme.io/row": "r3" } })));
            assert.deepStrictEqual(init, {
                "node-ip": cp1.address,
                "node-labels": `topology.kubernetes.io/zone=${cp1.labels["topology.kubernetes.io/zone"]},acme.io/row=r3`,
            });
            const join = parse(
                renderJoinConfig({
                    spec: prod,
                    host: cp2,
                    token: secrets.token,
                    caCertHash: "sha256:00",
                    certificateKey: secrets.certificateKey,
                    labels: cp2.labels,
                }),
            );
            assert.deepStrictEqual(flags(join)["node-labels"], "topology.kubernetes.io/zone=rack-b");
            assert.strictEqual(join.nodeRegistration.taints, undefined, "kubeadm keeps its control-plane taint");
            // No labels, no empty node-labels flag.
            assert.deepStrictEqual(flags(parse(renderInitConfig({ spec: dev, host: dev.controlPlane.hosts[0], secrets }))), {
                "node-ip": dev.controlPlane.hosts[0].address,
            });
        });

        it("pins the CA as kubeadm does: sha256 of the DER public key, same as openssl computes", () => {
            const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
            const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
            const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pem });
            const viaOpenssl = execFileSync("openssl", ["dgst", "-sha256", "-hex"], { input: der }).toString().trim().split(/\s+/).pop();
            assert.strictEqual(caCertHash(pem), `sha256:${viaOpenssl}`);
        });

        it("needs a 32-byte key for secretbox encryption at rest", () => {
            const conf = parse(renderEncryptionConfig(Buffer.alloc(32, 7).toString("base64")));
            assert.ok(conf.resources[0].providers[0].secretbox);
            assert.deepStrictEqual(conf.resources[0].providers[1], { identity: {} });
            assert.throws(() => renderEncryptionConfig(Buffer.alloc(16).toString("base64")), /32-byte/);
        });
    });

    it("re-runs carry kubelet and SAN changes: upload-config kubelet, kubelet-config on every node, apiserver.crt re-issued", () => {
        const init = renderInitScript(prod);
        assert.match(init, /kubeadm init phase upload-config kubelet --config "\$cfg"/);
        for (const s of [
            init,
            renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN),
            renderJoinScript(false, JOIN_TOKEN),
        ]) {
            assert.match(s, /kubeadm upgrade node phase kubelet-config --kubeconfig \/etc\/kubernetes\/(admin|kubelet)\.conf\n\s*systemctl restart kubelet/);
        }
        for (const san of apiServerCertSans(prod)) assert.ok(init.includes(` ${san}`), `${san} not checked`);
        assert.match(init, /kubeadm init phase certs apiserver --config "\$cfg"[\s\S]*kubeadm init phase control-plane all/);
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

    it("pins containerd's sandbox to the pause image kubeadm of the cluster's minor pulls (3.10.2 on 1.36)", () => {
        const pinned = (v: string) => /sandbox = '([^']+)'/.exec(renderContainerdConfig(v))?.[1];
        assert.strictEqual(prod.kubernetesVersion.split(".").slice(0, 2).join("."), "1.36");
        assert.strictEqual(pinned(prod.kubernetesVersion), "registry.k8s.io/pause:3.10.2");
        assert.deepStrictEqual(["1.31.9", "1.33.1", "1.34.2", "1.35.3"].map(pinned), [
            "registry.k8s.io/pause:3.10",
            "registry.k8s.io/pause:3.10",
            "registry.k8s.io/pause:3.10.1",
            "registry.k8s.io/pause:3.10.1",
        ]);
    });

    it("installs containerd.io from Docker's repository, after the tools that fetch the keys", () => {
        const s = renderKubePackagesScript(prod.kubernetesVersion);
        assert.ok(s.indexOf("ca-certificates curl gpg") < s.indexOf("curl -fsSL"), "curl and gpg installed before use");
        assert.ok(s.includes(`${CONTAINERD_PACKAGE} $kube_packages`));
        assert.ok(
            s.includes(`kube_packages="kubelet=${prod.kubernetesVersion}-1.1 kubeadm=${prod.kubernetesVersion}-1.1 kubectl=${prod.kubernetesVersion}-1.1"`),
        );
        assert.match(s, /-o DPkg::Lock::Timeout=300/);
    });

    it("apt waits out held apt locks in every script, unholds Debian's containerd, and control-plane re-runs wait for /readyz", () => {
        const lb = renderLoadBalancerScript(aptInstall("haproxy"));
        const etcd = renderEtcdPackagesScript(aptInstall("awscli"));
        const pkgs = renderKubePackagesScript(prod.kubernetesVersion);
        for (const s of [lb, etcd, pkgs]) {
            assert.ok(s.includes("apt_retry() {"), "apt_retry is defined");
            assert.doesNotMatch(s, /^(?!apt_retry )[^\n]*apt-get (update|install)/m, "a bare apt-get update/install");
        }
        assert.match(pkgs, /for p in [^;]*\bcontainerd\b[^;]*; do apt-mark unhold/);
        const cpJoin = renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN);
        for (const s of [renderInitScript(prod), cpJoin]) {
            assert.match(
                s,
                /systemctl restart kubelet\n\s*n=0\n\s*until curl -fs --max-time 2 http:\/\/127\.0\.0\.1:10248\/healthz[\s\S]*?done\n\s*n=0\n\s*until curl -fsk --max-time 2 https:\/\/127\.0\.0\.1:6443\/readyz[\s\S]*exit 1[\s\S]*\nfi\n$/,
            );
        }
        assert.doesNotMatch(renderJoinScript(false, JOIN_TOKEN), /readyz/, "workers have no API server");
        // Every re-run, a worker's too, waits for the restarted kubelet to be healthy.
        for (const s of [renderInitScript(prod), cpJoin, renderJoinScript(false, JOIN_TOKEN)])
            assert.match(s, /systemctl restart kubelet\n\s*n=0\n\s*until curl -fs --max-time 2 http:\/\/127\.0\.0\.1:10248\/healthz /);
        // The joined host re-issues apiserver.crt with its own address and name, not the default route's.
        const local = parse(cpJoin.slice(cpJoin.indexOf("<<'HYBRID_FLEET_EOF'\n") + 21, cpJoin.indexOf("---\nHYBRID_FLEET_EOF")));
        assert.deepStrictEqual(local.localAPIEndpoint, { advertiseAddress: prod.controlPlane.hosts[1].address, bindPort: 6443 });
        assert.strictEqual(local.nodeRegistration.name, prod.controlPlane.hosts[1].name);
        assert.match(cpJoin, /kubeadm init phase certs apiserver --config \/run\/hybrid-fleet\/kubeadm-certs\.yaml/);
    });

    it("etcd metrics on the member's address (Prometheus scrapes them) unless the spec keeps them on 127.0.0.1; the data disk mounts nofail, etcd requires the mount", () => {
        const member = { name: "etcd-1", address: "10.0.0.1" };
        const members = [member];
        const listen = (m: "localhost" | "member") =>
            parse(renderEtcdConfig({ member, members, token: "t", tuning: prod.etcd.tuning, metricsListener: m }))["listen-metrics-urls"];
        assert.strictEqual(listen("localhost"), "http://127.0.0.1:2381");
        assert.strictEqual(listen("member"), "http://10.0.0.1:2381");
        // The default, where no stack sets it.
        assert.strictEqual(prod.etcd.metricsListener, "member");
        assert.strictEqual(dev.etcd.metricsListener, "member");
        assert.match(renderDataDiskScript("/dev/nvme0n1", "/var/lib/etcd"), / ext4 defaults,noatime,nofail 0 2"/);
        assert.match(renderEtcdUnit(member), /^RequiresMountsFor=\/var\/lib\/etcd$/m);
    });

    it("joins with the minted token from a tmpfs copy of the join file, which never holds a token (on every join script)", () => {
        for (const s of [
            renderJoinScript(false, JOIN_TOKEN),
            renderJoinScript({ sans: apiServerCertSans(prod), host: prod.controlPlane.hosts[1] }, JOIN_TOKEN),
        ]) {
            assert.match(s, /^ {2}kubeadm join --config "\$cfg"\n/m);
            assert.match(s, /^ {2}cfg=\/run\/hybrid-fleet\/kubeadm-join\.yaml\n {2}install -d -m 0700 \/run\/hybrid-fleet\n {2}trap 'rm -f "\$cfg"' EXIT\n/m);
            assert.doesNotMatch(s, /> *\/etc\/kubernetes\/kubeadm-join\.yaml/, "nothing is written to the join file on disk");
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

    it("restarts an etcd member only while the others are healthy and waits for it; a new member starts without waiting (real bash; systemctl, etcdctl stood in)", () => {
        const dir = mkdtempSync(join(tmpdir(), "etcd-start-"));
        try {
            const members = [1, 2, 3].map((n) => ({ name: `etcd-${n}`, address: `10.0.0.${n}` }));
            const paths = { configDir: join(dir, "etc"), pkiDir: join(dir, "etc", "pki"), mount: join(dir, "data") };
            mkdirSync(paths.configDir, { recursive: true });
            writeFileSync(join(paths.configDir, "etcdctl.env"), "ETCDCTL_ENDPOINTS=https://10.0.0.1:2379\n");
            mkdirSync(join(dir, "bin"));
            // etcdctl: healthy for the endpoints in $HEALTHY (a regex), logged; systemctl and chgrp log only.
            writeFileSync(join(dir, "bin", "etcdctl"), `#!/bin/bash\necho "etcdctl $*" >> ${dir}/log\n[[ "$*" =~ $HEALTHY ]]\n`, { mode: 0o755 });
            writeFileSync(join(dir, "bin", "systemctl"), `#!/bin/bash\necho "systemctl $*" >> ${dir}/log\n`, { mode: 0o755 });
            writeFileSync(join(dir, "bin", "chgrp"), "#!/bin/sh\n", { mode: 0o755 });
            writeFileSync(join(dir, "bin", "sleep"), "#!/bin/sh\n", { mode: 0o755 });
            const start = (healthy: string) => {
                rmSync(join(dir, "log"), { force: true });
                const r = spawnSync("bash", ["-c", renderMemberStartScript(members[0], members, paths)], {
                    encoding: "utf8",
                    env: { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, HEALTHY: healthy },
                });
                return { ...r, log: existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").trim().split("\n") : [] };
            };
            // Bootstrapping (no data yet): start, no wait, no health asked.
            const fresh = start("never");
            assert.strictEqual(fresh.status, 0, fresh.stderr);
            assert.ok(fresh.log.includes("systemctl start --no-block etcd-member.service"), fresh.log.join("\n"));
            assert.ok(!fresh.log.some((l) => l.startsWith("etcdctl")));
            mkdirSync(join(paths.mount, "data", "member"), { recursive: true });
            // A member with data, the others healthy: the others are asked first, then it restarts, then it is waited for.
            const rolling = start("10\\.0\\.0\\.");
            assert.strictEqual(rolling.status, 0, rolling.stderr);
            const order = rolling.log.filter((l) => l.startsWith("etcdctl") || l.includes("restart"));
            assert.match(order[0], /^etcdctl --endpoints=https:\/\/10\.0\.0\.2:2379,https:\/\/10\.0\.0\.3:2379 .*endpoint health$/);
            assert.strictEqual(order[1], "systemctl restart etcd-member.service");
            assert.match(order[2], /^etcdctl --endpoints=https:\/\/10\.0\.0\.1:2379 endpoint health$/);
            // Another member down: refused before anything restarts.
            const degraded = start("10\\.0\\.0\\.1:");
            assert.strictEqual(degraded.status, 1);
            assert.match(degraded.stderr, /not restarting etcd-1: the other members are not all healthy/);
            assert.ok(!degraded.log.some((l) => l.includes("restart") || l.includes("systemctl start")), degraded.log.join("\n"));
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
            memberStart: renderMemberStartScript(member, [member, { name: "etcd-2", address: "10.0.0.2" }]),
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
