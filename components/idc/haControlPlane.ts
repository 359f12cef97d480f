// The HA control plane of an IDC cluster: keepalived holds the VIP and HAProxy balances it over
// every API server; kubeadm inits the first host against the external etcd (only once etcd is
// healthy) and joins the others one at a time; the admin kubeconfig comes out (the site builder
// makes the cluster's Kubernetes provider from it).
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { cidr } from "../core/cidr";
import { Host, HostSpec, SshLogin } from "./host";
import { prepareKubeNode } from "./nodeBase";
import type { ClusterPki } from "./pki";
import {
    apiServerCertSans,
    aptInstall,
    caCertHash,
    KUBEADM_PATHS,
    LB_PATHS,
    pinned,
    renderAuditPolicy,
    renderAuthenticationConfig,
    renderClusterConfig,
    renderCheckApiserverScript,
    renderEncryptionConfig,
    renderHaproxyConfig,
    renderInitConfig,
    renderInitScript,
    renderJoinConfig,
    renderJoinScript,
    renderKeepalivedConfig,
    renderKubeletConfig,
    renderKubeconfig,
    renderLoadBalancerScript,
    renderMintTokenScript,
    mintedToken,
    renderNodeEvictScript,
    renderRetireLoadBalancerScript,
    renderRetireResetScript,
    renderTokenDeleteScript,
    renderTokenScript,
    renderTokenCleanupScript,
    renderVrrpAuth,
    renderVrrpFilter,
    renderVrrpFilterUnit,
} from "./render";
import type { IdcClusterShape } from "./types";

export interface HaControlPlaneArgs {
    /** The cluster as the kubeadm, kubelet and load-balancer renderers read it. */
    spec: IdcClusterShape;
    /** https://<member>:2379 of every etcd member. */
    etcdEndpoints: string[];
    /** kubeadm init waits for it: every etcd member healthy. */
    etcdHealthy: pulumi.Resource;
    pki: ClusterPki;
    login: SshLogin;
    /** Every host that joins (control planes and workers): adding one re-uploads the control-plane certificates. */
    joiningHosts: string[];
    /**
     * Control-plane hosts leaving the cluster (not in spec.controlPlane.hosts): their load balancer
     * stops before any host of `spec` drops them, then each node is drained, deleted and reset.
     */
    retiring?: HostSpec[];
}

/** A bootstrap token minted for one join (see HaControlPlane.mint). */
export interface MintedJoinToken {
    /** Secret: the mint command's stdout, checked. */
    token: pulumi.Output<string>;
    /** The mint on the first control-plane host: the join runs after it. */
    minted: pulumi.Resource;
}

/** Mints a bootstrap token for one joining host; the join passes itself to `retire` to delete it afterwards. */
export interface JoinTokens {
    mint(host: string, triggers: pulumi.Input<unknown>[], after: pulumi.Input<pulumi.Resource>[]): MintedJoinToken;
    retire(host: string, minted: MintedJoinToken, join: pulumi.Resource): pulumi.Resource;
    /** On the first control-plane host: drains the node and deletes it from the cluster once it leaves the spec. */
    evictOnRemoval(node: string, after: pulumi.Resource[]): pulumi.Resource;
}

export class HaControlPlane extends pulumi.ComponentResource implements JoinTokens {
    /** Admin kubeconfig (a secret) for the VIP endpoint. */
    readonly kubeconfig: pulumi.Output<string>;
    /** `kubeadm init` on the first host. */
    readonly init: remote.Command;
    /** `kubeadm join --control-plane` on every other host. */
    readonly joins: remote.Command[] = [];
    /** The control-plane certificates are uploaded (for control-plane joins; kubeadm keeps them 2h). */
    readonly joinToken: remote.Command;
    /** The KubeletConfiguration every node runs with: workers re-pull it when it changes. */
    readonly kubeletConfig: string;
    /** kubeadm's discovery pin of the cluster CA (not a secret). */
    readonly caCertHash: pulumi.Output<string>;
    /** The first control-plane host (kubeadm init, the token's home). */
    private readonly firstHost: Host;
    private readonly joiningHosts: pulumi.Input<string>[];

    constructor(name: string, args: HaControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:HaControlPlane", name, {}, opts);
        const { spec, pki } = args;
        const cp = spec.controlPlane;
        const hosts = cp.hosts.map((h) => ({ name: h.name, address: h.address }));

        // Generated secrets. Certificate key: 32 bytes hex; VRRP PASS: keepalived reads at most 8
        // characters. No bootstrap token here: kubeadm mints one per join on the first host (mint).
        const certificateKey = new random.RandomBytes(`${name}-certificate-key`, { length: 32 }, { parent: this });
        const vrrpPass = new random.RandomPassword(`${name}-vrrp-auth`, { length: 8, special: false }, { parent: this });
        // Encrypts every Secret in etcd: losing it loses them.
        const encryptionKey = new random.RandomBytes(`${name}-encryption-key`, { length: 32 }, { parent: this, protect: true });

        const certKey = pulumi.secret(certificateKey.hex);
        const vrrpAuth = pulumi.secret(vrrpPass.result).apply(renderVrrpAuth);
        this.caCertHash = pki.kubernetesCa.publicKeyPem.apply(caCertHash);

        const encryptionConfig = pulumi.secret(encryptionKey.base64).apply(renderEncryptionConfig);
        const auditPolicy = renderAuditPolicy();
        const authenticationConfig = renderAuthenticationConfig(spec.kubernetesVersion);
        const haproxyCfg = renderHaproxyConfig({ frontendPort: cp.port, backends: hosts });
        const checkScript = renderCheckApiserverScript({ frontendPort: cp.port, vip: cp.vip });
        const vipPrefix = cidr(spec.network.nodeCidr).prefix;
        // VRRP accepted only from the control-plane hosts on keepalived's interface.
        const vrrpFilter = renderVrrpFilter({ interface: cp.keepalived.interface, peers: hosts.map((h) => h.address) });
        const vrrpFilterUnit = renderVrrpFilterUnit();

        // A retiring host's keepalived stops while its peers still hear it (renderRetireLoadBalancerScript):
        // every serving host's load balancer, which drops it from its peers and backends, runs after.
        const retiring = (args.retiring ?? []).map((r) => {
            const host = new Host(this, name, r, args.login);
            return { r, host, lbStopped: host.run("retire-load-balancer", renderRetireLoadBalancerScript({ vip: cp.vip, port: cp.port })) };
        });

        // Every control-plane host: node base, keepalived + HAProxy, and the files kubeadm reads.
        const lbs: remote.Command[] = [];
        const clusterConfig = renderClusterConfig({ spec, etcdEndpoints: args.etcdEndpoints });
        const kubeletConfig = renderKubeletConfig(spec);
        // The kubelets' own CA first; the Kubernetes CA for serving certificates issued before it (they rotate within a year).
        const kubeletCaBundle = pulumi
            .all([pki.kubeletServingCa.certPem, pki.kubernetesCa.certPem])
            .apply((pems) => pems.map((p) => p.trimEnd() + "\n").join(""));
        const sans = apiServerCertSans(spec);
        const prepared = hosts.map((self, i) => {
            const host = new Host(this, name, self, args.login);
            const node = prepareKubeNode(host, spec.kubernetesVersion, [
                { path: "/etc/haproxy", group: "root" },
                { path: "/etc/keepalived", group: "root" },
                { path: "/etc/kubernetes/pki", group: "root", mode: "0700" },
                { path: "/etc/kubernetes/pki/etcd", group: "root", mode: "0700" },
            ]);
            const after = { dependsOn: [node.dirs] };
            // Certificates under /etc/kubernetes/pki 0600 like the keys (CIS Kubernetes Benchmark 1.1.20).
            const pkiFile = { ...after, mode: "0600" as const };
            const keepalivedConf = renderKeepalivedConfig({
                self,
                hosts,
                vip: cp.vip,
                vipPrefix,
                interface: cp.keepalived.interface,
                virtualRouterId: cp.keepalived.virtualRouterId,
                advertIntervalSeconds: cp.keepalived.advertIntervalSeconds,
            });
            const lbFiles = [
                host.file("haproxy-config", LB_PATHS.haproxyCfg, haproxyCfg, after),
                host.file("keepalived-config", LB_PATHS.keepalivedConf, keepalivedConf, after),
                host.file("vrrp-auth", LB_PATHS.vrrpAuth, vrrpAuth, { ...after, secret: true }),
                host.file("check-apiserver", LB_PATHS.checkScript, checkScript, { ...after, mode: "0755" }),
                host.file("vrrp-filter", LB_PATHS.vrrpFilter, vrrpFilter, after),
                host.file("vrrp-filter-unit", LB_PATHS.vrrpFilterUnit, vrrpFilterUnit, after),
            ];
            // After the node's own apt-get run (one dpkg at a time), and after the previous host's
            // load balancer: a change restarts keepalived/HAProxy on one host at a time, the VIP stays up.
            const lb = host.run("load-balancer", renderLoadBalancerScript(aptInstall(`${pinned(["haproxy", "keepalived", "nftables"])} curl`)), {
                triggers: [haproxyCfg, keepalivedConf, vrrpAuth, checkScript, vrrpFilter, vrrpFilterUnit],
                dependsOn: [...lbFiles, node.packages, ...lbs.slice(-1), ...retiring.map((x) => x.lbStopped)],
            });
            lbs.push(lb);
            const kubeFiles = [
                host.file("encryption-config", KUBEADM_PATHS.encryptionConfig, encryptionConfig, { ...after, secret: true }),
                host.file("audit-policy", KUBEADM_PATHS.auditPolicy, auditPolicy, after),
                host.file("authentication-config", KUBEADM_PATHS.authenticationConfig, authenticationConfig, after),
                host.file("etcd-ca", KUBEADM_PATHS.etcdCa, pki.etcdCa.certPem, pkiFile),
                host.file("etcd-client-cert", KUBEADM_PATHS.etcdClientCert, pki.apiserverEtcdClient.certPem, pkiFile),
                host.file("etcd-client-key", KUBEADM_PATHS.etcdClientKey, pki.apiserverEtcdClient.keyPem, { ...after, secret: true }),
                host.file("kubelet-serving-ca-cert", KUBEADM_PATHS.kubeletServingCa, pki.kubeletServingCa.certPem, pkiFile),
                host.file("kubelet-serving-ca-key", KUBEADM_PATHS.kubeletServingCaKey, pki.kubeletServingCa.keyPem, { ...after, secret: true }),
                host.file("kubelet-ca-bundle", KUBEADM_PATHS.kubeletCaBundle, kubeletCaBundle, pkiFile),
                // Not a secret; kubeadm init reads it on the first host, the others re-issue their API server certificate from it.
                host.file("kubeadm-cluster", KUBEADM_PATHS.clusterConfig, clusterConfig, after),
            ];
            return { self, labels: cp.hosts[i].labels, host, after, ready: [lb, node.packages, ...kubeFiles] };
        });
        // A change to any of these re-applies the control plane's configuration on every control-plane
        // host (see the init/join scripts); the kubelet configuration reaches every node.
        const common = [
            clusterConfig,
            kubeletConfig,
            encryptionConfig,
            auditPolicy,
            authenticationConfig,
            pki.apiserverEtcdClient.certPem,
            pki.apiserverEtcdClient.keyPem,
            pki.kubeletServingCa.certPem,
            pki.kubeletServingCa.keyPem,
        ];
        this.kubeletConfig = kubeletConfig;

        // kubeadm init on the first host, once every etcd member is healthy.
        const first = prepared[0];
        const initConfig = certKey.apply((key) => renderInitConfig({ spec, host: first.self, secrets: { certificateKey: key }, labels: first.labels }));
        const initFiles = [
            first.host.file("kubeadm-init", KUBEADM_PATHS.initConfig, initConfig, { ...first.after, secret: true }),
            // kubeadm uses an existing CA as is; the other hosts get it through kubeadm's encrypted certificate upload.
            first.host.file("kubernetes-ca-cert", KUBEADM_PATHS.ca, pki.kubernetesCa.certPem, { ...first.after, mode: "0600" }),
            first.host.file("kubernetes-ca-key", KUBEADM_PATHS.caKey, pki.kubernetesCa.keyPem, { ...first.after, secret: true }),
        ];
        this.init = first.host.run("kubeadm-init", renderInitScript(spec), {
            triggers: [initConfig, ...common],
            dependsOn: [args.etcdHealthy, ...first.ready, ...initFiles],
            secretOutput: true,
        });

        // The uploaded certificates live 2h: uploaded again whenever the set of joining hosts changes, before anyone joins.
        this.firstHost = first.host;
        this.joiningHosts = args.joiningHosts;
        this.joinToken = first.host.run("join-token", renderTokenScript(), {
            // A re-imaged control-plane host (a new host key) joins again: the certificates must be there.
            triggers: [certKey, ...args.joiningHosts, ...prepared.slice(1).flatMap((p) => p.host.rebuilt)],
            dependsOn: [this.init],
            secretOutput: true,
        });

        // Then each retiring node: drained and deleted from the first host, and reset (kubeadm "Clean up").
        for (const { r, host, lbStopped } of retiring) {
            const evict = this.firstHost.run(`node-${r.name}-retire`, renderNodeEvictScript(r.name), { dependsOn: [lbStopped, this.init] });
            host.run("retire-reset", renderRetireResetScript(), { dependsOn: [evict] });
        }

        // kubeadm join --control-plane on the others, one at a time (kubeadm HA guide: join sequentially).
        let previous: pulumi.Resource = this.joinToken;
        for (const p of prepared.slice(1)) {
            // The join file holds the certificate key (a secret) and a token placeholder; the token comes per join.
            const joinConfig = pulumi
                .all([certKey, this.caCertHash])
                .apply(([key, hash]) => renderJoinConfig({ spec, host: p.self, caCertHash: hash, certificateKey: key, labels: p.labels }));
            const joinFile = p.host.file("kubeadm-join", KUBEADM_PATHS.joinConfig, joinConfig, { ...p.after, secret: true });
            const triggers = [joinConfig, ...common, ...p.host.rebuilt];
            const minted = this.mint(p.self.name, triggers, [previous, ...p.ready, joinFile]);
            const join = p.host.run("kubeadm-join", pulumi.secret(minted.token.apply((t) => renderJoinScript({ sans, host: p.self }, t))), {
                triggers,
                dependsOn: [minted.minted, previous, ...p.ready, joinFile],
                secretOutput: true,
            });
            previous = this.retire(p.self.name, minted, join);
            this.joins.push(join);
        }

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([pki.kubernetesCa.certPem, pki.admin.certPem, pki.admin.keyPem])
                .apply(([caPem, clientCertPem, clientKeyPem]) =>
                    renderKubeconfig({ cluster: spec.name, server: `https://${cp.vip}:${cp.port}`, caPem, clientCertPem, clientKeyPem }),
                ),
        );

        this.registerOutputs({ kubeconfig: this.kubeconfig, caCertHash: this.caCertHash, init: this.init.id });
    }

    /**
     * Mints a fresh bootstrap token for `host` on the first control-plane host, re-run with the join's
     * own triggers (a join that re-runs gets a new token). Its stdout, the token, is a secret output:
     * encrypted in the state, never logged; the token is deleted after the join (retire) and expires
     * in 15 minutes anyway. In a preview the token is unknown and so is the join's script.
     */
    mint(host: string, triggers: pulumi.Input<unknown>[], after: pulumi.Input<pulumi.Resource>[]): MintedJoinToken {
        const minted = this.firstHost.run(`join-token-${host}`, renderMintTokenScript(host), {
            triggers,
            dependsOn: [this.init, ...after],
            secretOutput: true,
        });
        return { minted, token: pulumi.secret(minted.stdout.apply(mintedToken)) };
    }

    /** Deletes the token minted for `host` once its join has run (whatever the join's result). */
    retire(host: string, minted: MintedJoinToken, join: pulumi.Resource): remote.Command {
        return this.firstHost.run(`join-token-${host}-delete`, pulumi.secret(minted.token.apply(renderTokenDeleteScript)), {
            triggers: [minted.token],
            dependsOn: [join],
        });
    }

    /**
     * Named by the worker only (`<name>-node-<worker>-evict`): named by the first host too, as it was,
     * listing another control-plane host first replaced every one of them, and each deletion drained
     * and deleted its worker. Aliased to that name, so the rename itself deletes nothing.
     */
    evictOnRemoval(node: string, after: pulumi.Resource[]): remote.Command {
        return this.firstHost.onDelete(`node-${node}-evict`, renderNodeEvictScript(node), { dependsOn: after, notNamedByHost: true });
    }

    /**
     * Once every host in `joins` has joined (control-plane and worker joins): deletes any bootstrap
     * token this program made that is still there (each join's own token is deleted right after it;
     * this catches one left by a failed run). Runs again whenever a join re-runs.
     */
    retireJoinToken(joins: remote.Command[]): remote.Command {
        return this.firstHost.run("join-token-cleanup", renderTokenCleanupScript(), {
            triggers: [...this.joiningHosts, ...joins.map((j) => j.id)],
            dependsOn: [this.joinToken, ...joins],
        });
    }
}
