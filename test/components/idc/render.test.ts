// The IDC site's pure renderers, from the prod and dev specs: etcd member config and units, the
// data-disk, backup and defragmentation scripts, keepalived/HAProxy, kubeadm configs. The rendered
// text only, no process started: the scripts run by real bash and the checks with systemd-analyze
// and openssl are in test/integration/idc-scripts.test.ts.
import * as assert from "assert";
import { parse, parseAllDocuments } from "yaml";
import {
    ETCD_PATHS,
    aptInstall,
    renderBackupScript,
    renderEtcdRestoreScript,
    SNAPSHOT_NAME,
    ETCD_RELEASE,
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
    renderContainerdRolloutScript,
    renderKeepalivedConfig,
    renderLoadBalancerScript,
    renderTokenScript,
    JOIN_TOKEN_PLACEHOLDER,
    renderVrrpAuth,
    renderAuthenticationConfig,
    renderCheckApiserverScript,
    renderSysctl,
    ANONYMOUS_PATHS,
    KUBELET_KERNEL_DEFAULTS,
    TLS_CIPHER_SUITES,
} from "../../../components/idc/render";
import type { IdcClusterSpec } from "../../../stacks/spec";
import { JOIN_TOKEN, loadIdcSpec } from "../../harness";

const prod = loadIdcSpec("prod");
const dev = loadIdcSpec("dev");
const endpoints = (c: IdcClusterSpec) => c.etcd.hosts.map((h) => `https://${h.address}:2379`);

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
            // A member change that would lose quorum is refused.
            assert.strictEqual(conf["strict-reconfig-check"], true);
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

        it("restores a member as etcd's disaster recovery does: every member of the spec, a new token from the snapshot, the old data set aside", () => {
            const members = [
                { name: "etcd-1", address: "10.10.1.11" },
                { name: "etcd-2", address: "10.10.1.12" },
                { name: "etcd-3", address: "10.10.1.13" },
            ];
            const s = renderEtcdRestoreScript({ member: members[1], members, token: "idc-sh-etcd" });
            const restore = /"\$util" snapshot restore "\$snapshot" (.*\\\n.*)/.exec(s)?.[1].replace(/\\\n\s*/, "");
            assert.strictEqual(
                restore,
                '--name etcd-2 --initial-cluster etcd-1=https://10.10.1.11:2380,etcd-2=https://10.10.1.12:2380,etcd-3=https://10.10.1.13:2380 --initial-cluster-token "$token" --initial-advertise-peer-urls https://10.10.1.12:2380 --data-dir /var/lib/etcd/data.restoring',
            );
            assert.match(s, /^token=idc-sh-etcd-restored-\$\(sha256sum "\$snapshot" \| cut -c1-16\)$/m);
            // Refused while anything serves, the snapshot checked, restored, the old data set aside: in that order.
            const steps = [
                "systemctl is-active --quiet etcd-member.service",
                "endpoint health",
                '"$util" snapshot status',
                '"$util" snapshot restore',
                "data.before-restore-",
                "chown -R --reference=/var/lib/etcd /var/lib/etcd/data",
            ].map((x) => s.indexOf(x));
            assert.ok(
                steps.every((at, k) => at > (steps[k - 1] ?? 0)),
                JSON.stringify(steps),
            );
            assert.doesNotMatch(s, /rm -rf \/var\/lib\/etcd\/data(\s|$)/m, "the old data is never deleted");
            // Only names the backup script writes come from the store (no path of the operator's choosing).
            assert.ok(s.includes(`[[ "$2" =~ ${SNAPSHOT_NAME.source} ]] || usage`));
            assert.ok(SNAPSHOT_NAME.test("etcd-snapshot-20261201T031431Z.db"));
            for (const bad of ["../etc/passwd", "etcd-snapshot-x.db", "etcd-snapshot-20261201T031431Z.db/../x"]) assert.ok(!SNAPSHOT_NAME.test(bad), bad);
        });

        it("defragments one member at a time, followers first, pausing 10 s unless told otherwise", () => {
            const s = renderDefragScript();
            assert.match(s, /for ep in \$order \$self; do/);
            assert.match(s, /sleep "\$\{DEFRAG_PAUSE_SECONDS:-10\}"/);
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
                // keepalived runs the track script only if root alone can write it and its directories.
                assert.match(c, /global_defs \{[^}]*\n\s+enable_script_security\n\s+script_user root\n/);
                // VRRP runs at realtime priority, so a busy host still sends its adverts in time.
                assert.match(c, /global_defs \{[^}]*\n\s+max_auto_priority\n/);
                // A failing API server or HAProxy gives up the VIP after three failed checks 3 s apart, and takes it back after two.
                assert.match(c, /vrrp_script check_apiserver \{\n\s+script "[^"]+"\n\s+interval 3\n\s+timeout 5\n\s+fall 3\n\s+rise 2\n\}/);
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
            // A rotated key takes effect without restarting the API servers.
            assert.strictEqual(flags["encryption-provider-config-automatic-reload"], "true");
            assert.strictEqual(flags["audit-policy-file"], "/etc/kubernetes/audit-policy.yaml");
            assert.ok(flags["audit-log-path"]);
            assert.strictEqual(flags["max-requests-inflight"], String(prod.controlPlane.apiServer.maxRequestsInflight));
            assert.strictEqual(flags["max-mutating-requests-inflight"], String(prod.controlPlane.apiServer.maxMutatingRequestsInflight));
            assert.strictEqual(kubelet.kind, "KubeletConfiguration");
            assert.deepStrictEqual(kubelet.evictionHard, prod.kubelet.evictionHard);
            assert.deepStrictEqual(kubelet.evictionSoft, prod.kubelet.evictionSoft);
            assert.strictEqual(kubelet.readOnlyPort, 0);
            // A pod evicted by a soft threshold gets at most a minute to stop.
            assert.strictEqual(kubelet.evictionMaxPodGracePeriod, 60);
            // The API server reads its keys, authentication and audit policy; it writes only the audit log.
            const writable = cluster.apiServer.extraVolumes.filter((v: { readOnly: boolean }) => !v.readOnly).map((v: { name: string }) => v.name);
            assert.deepStrictEqual(writable, ["audit-log"]);
            assert.ok(cluster.apiServer.extraVolumes.some((v: { hostPath: string }) => v.hostPath === "/etc/kubernetes/encryption-config.yaml"));
        });

        it("KubeletConfiguration: RuntimeDefault seccomp, a per-pod PID limit and graceful node shutdown by default, as the spec sets them otherwise", () => {
            const kubeletOf = (spec: typeof prod) => docs(renderClusterConfig({ spec, etcdEndpoints: endpoints(prod) }))[1];
            const byDefault = kubeletOf(prod);
            assert.strictEqual(byDefault.seccompDefault, true);
            assert.strictEqual(byDefault.podPidsLimit, 4096);
            assert.strictEqual(byDefault.shutdownGracePeriod, "30s");
            assert.strictEqual(byDefault.shutdownGracePeriodCriticalPods, "10s");
            const relaxed = kubeletOf({
                ...prod,
                kubelet: {
                    ...prod.kubelet,
                    seccompDefault: false,
                    podPidsLimit: 16384,
                    shutdownGracePeriodSeconds: 0,
                    shutdownGracePeriodCriticalPodsSeconds: 0,
                },
            });
            assert.strictEqual(relaxed.seccompDefault, false);
            assert.strictEqual(relaxed.podPidsLimit, 16384);
            assert.strictEqual(relaxed.shutdownGracePeriod, "0s");
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
            // TLS 1.2 at least on both (CIS 1.2.30, 4.2.13), no profiling endpoint (CIS 1.2.17).
            assert.strictEqual(flags["tls-min-version"], "VersionTLS12");
            assert.strictEqual(kubelet.tlsMinVersion, "VersionTLS12");
            assert.strictEqual(flags.profiling, "false");
            // Nor on the controller manager and the scheduler (CIS 1.3.2, 1.4.1).
            const scheduler = Object.fromEntries(cluster.scheduler.extraArgs.map((a: { name: string; value: string }) => [a.name, a.value]));
            assert.deepStrictEqual([kcm.profiling, scheduler.profiling], ["false", "false"]);
            // Terminated pods are collected from 1000 on, not the default 12500 (CIS 1.3.1).
            assert.strictEqual(kcm["terminated-pod-gc-threshold"], "1000");
            assert.deepStrictEqual(flags["tls-cipher-suites"].split(","), [...TLS_CIPHER_SUITES]);
            for (const suite of TLS_CIPHER_SUITES)
                assert.match(suite, /^TLS_ECDHE_(RSA|ECDSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
            assert.strictEqual(kubelet.serverTLSBootstrap, true);
            assert.strictEqual(kubelet.protectKernelDefaults, true);
            assert.deepStrictEqual(kubelet.tlsCipherSuites, [...TLS_CIPHER_SUITES]);
            assert.deepStrictEqual(kubelet.authentication.anonymous, { enabled: false });
            assert.strictEqual(kubelet.authorization.mode, "Webhook");
            // The client certificate renews itself (CIS 4.2.11's companion, RotateKubeletClientCertificate).
            assert.strictEqual(kubelet.rotateCertificates, true);
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
            // Bridged pod traffic passes iptables (kube-proxy's and the CNI's rules; kubernetes.io, "Container Runtimes").
            assert.strictEqual(lines.get("net.bridge.bridge-nf-call-iptables"), "1");
            assert.strictEqual(lines.get("net.bridge.bridge-nf-call-ip6tables"), "1");
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
        assert.ok(s.includes(`containerd_package="${CONTAINERD_PACKAGE}"\n`) && s.includes("--force-confold $containerd_package $kube_packages\n"));
        assert.ok(
            s.includes(`kube_packages="kubelet=${prod.kubernetesVersion}-1.1 kubeadm=${prod.kubernetesVersion}-1.1 kubectl=${prod.kubernetesVersion}-1.1"`),
        );
        assert.match(s, /-o DPkg::Lock::Timeout=300/);
    });

    it("apt waits out held apt locks in every script, the containerd rollout unholds Debian's containerd, and control-plane re-runs wait for /readyz", () => {
        const lb = renderLoadBalancerScript(aptInstall("haproxy"));
        const etcd = renderEtcdPackagesScript(aptInstall("awscli"));
        const pkgs = renderKubePackagesScript(prod.kubernetesVersion);
        const containerd = renderContainerdRolloutScript({ config: renderContainerdConfig(prod.kubernetesVersion), controlPlane: false });
        for (const s of [lb, etcd, pkgs, containerd]) {
            assert.ok(s.includes("apt_retry() {"), "apt_retry is defined");
            assert.doesNotMatch(s, /^(?!\s*apt_retry )[^\n]*apt-get (update|install)/m, "a bare apt-get update/install");
        }
        assert.match(containerd, /for p in [^;]*\bcontainerd\b[^;]*; do apt-mark unhold/);
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
});
