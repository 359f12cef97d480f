// Pure renderers for kubeadm: the init configuration (InitConfiguration + ClusterConfiguration +
// KubeletConfiguration), the join configurations, the API server's encryption and audit policy
// files, and the admin kubeconfig. kubeadm API v1beta4 (Kubernetes >= 1.31, kubeadm reference).
import { indent, retryUntil, shq } from "./shell";
import { createHash, createPublicKey } from "crypto";
import { stringify } from "yaml";
import { DNS_LABEL } from "../../core/conventions";
import { kubeletConfigFields } from "../../core/kubelet";
import type { IdcClusterShape as IdcClusterSpec } from "../types";
import { ETCD_PORTS } from "./etcd";
import { APISERVER_PORT, ControlPlaneHost } from "./loadBalancer";

const KUBEADM_API = "kubeadm.k8s.io/v1beta4";
const CRI_SOCKET = "unix:///var/run/containerd/containerd.sock";

export const KUBEADM_PATHS = {
    /** InitConfiguration: bootstrap token and certificate key (a secret file). */
    initConfig: "/etc/kubernetes/kubeadm-init.yaml",
    /** ClusterConfiguration + KubeletConfiguration: no secret, so the plan shows it in full. */
    clusterConfig: "/etc/kubernetes/kubeadm-cluster.yaml",
    /** Both joined on tmpfs, root only, for the duration of one kubeadm call. */
    combinedConfig: "/run/hybrid-fleet/kubeadm-init.yaml",
    joinConfig: "/etc/kubernetes/kubeadm-join.yaml",
    encryptionConfig: "/etc/kubernetes/encryption-config.yaml",
    auditPolicy: "/etc/kubernetes/audit-policy.yaml",
    /** AuthenticationConfiguration: anonymous requests only on the health and discovery paths. */
    authenticationConfig: "/etc/kubernetes/authentication-config.yaml",
    auditLogDir: "/var/log/kubernetes/audit",
    ca: "/etc/kubernetes/pki/ca.crt",
    caKey: "/etc/kubernetes/pki/ca.key",
    etcdCa: "/etc/kubernetes/pki/etcd/ca.crt",
    etcdClientCert: "/etc/kubernetes/pki/apiserver-etcd-client.crt",
    etcdClientKey: "/etc/kubernetes/pki/apiserver-etcd-client.key",
    /** The kubelet-serving signer's CA, on every control-plane host (kube-controller-manager runs on each). */
    kubeletServingCa: "/etc/kubernetes/pki/kubelet-serving-ca.crt",
    kubeletServingCaKey: "/etc/kubernetes/pki/kubelet-serving-ca.key",
    /** What the API server verifies kubelets with: the kubelet-serving CA, and the Kubernetes CA for certificates issued before it. */
    kubeletCaBundle: "/etc/kubernetes/pki/kubelet-ca-bundle.crt",
} as const;

/** The secrets kubeadm needs, passed in as plain strings only inside a secret Output's apply. */
export interface KubeadmSecrets {
    /** 32 bytes, hex: encrypts the control-plane certificates kubeadm uploads for joining control planes. */
    certificateKey: string;
}

export interface ClusterInput {
    spec: IdcClusterSpec;
    /** https://<etcd member>:2379 for every member. */
    etcdEndpoints: string[];
}

type Arg = { name: string; value: string };
const args = (record: Record<string, string | number | boolean>): Arg[] => Object.entries(record).map(([name, value]) => ({ name, value: String(value) }));

/**
 * TLS 1.2 cipher suites for the API server and the kubelet: the ECDHE + AEAD suites the CIS
 * Kubernetes Benchmark lists as strong (1.2.30 API server --tls-cipher-suites, 4.2.13 kubelet
 * tlsCipherSuites), for both RSA (kubeadm's default keys) and ECDSA keys. TLS 1.3 suites are not
 * configurable in Go and are all strong.
 */
export const TLS_CIPHER_SUITES = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
] as const;

/**
 * The only paths anonymous requests may reach (CIS Kubernetes Benchmark 1.2.1, option 1): the health
 * checks HAProxy, keepalived's track script, the kubelet's static-pod probes and our readiness waits
 * call without credentials, and the cluster-info ConfigMap that `kubeadm join` reads before it has
 * any (token discovery: the ConfigMap is checked against the token's JWS signature and the CA pin).
 */
export const ANONYMOUS_PATHS = ["/healthz", "/livez", "/readyz", "/api/v1/namespaces/kube-public/configmaps/cluster-info"] as const;

const minorOf = (version: string) => Number(version.split(".")[1]);

/**
 * Anonymous authentication limited to ANONYMOUS_PATHS instead of a blanket --anonymous-auth=false,
 * which would fail every unauthenticated health check and kubeadm's discovery (KEP-4633: alpha 1.31,
 * beta 1.32, GA 1.34; the API server refuses --anonymous-auth together with this stanza).
 *
 * What depends on the version follows the spec's minor one minor late, so that the file and flags
 * a spec renders also suit the minor before it: a version change writes them to every control-plane
 * host, and a re-run restarts API servers still on the old minor with them before the upgrade chain
 * runs. AuthenticationConfiguration is v1 from 1.34 (KEP-3331 GA) and v1beta1 still served beside it
 * (apiserver/pkg/apis/apiserver/install registers both): v1 from 1.35.
 */
export function renderAuthenticationConfig(kubernetesVersion: string): string {
    return stringify({
        apiVersion: minorOf(kubernetesVersion) >= 35 ? "apiserver.config.k8s.io/v1" : "apiserver.config.k8s.io/v1beta1",
        kind: "AuthenticationConfiguration",
        anonymous: { enabled: true, conditions: ANONYMOUS_PATHS.map((path) => ({ path })) },
    });
}

export const controlPlaneEndpoint = (spec: IdcClusterSpec) => `${spec.controlPlane.vip}:${spec.controlPlane.port}`;

/** The API server certificate's SANs: the VIP, its DNS name, and every control-plane host's name and address. */
export function apiServerCertSans(spec: IdcClusterSpec): string[] {
    const cp = spec.controlPlane;
    return [...new Set([cp.vip, ...(cp.dnsName ? [cp.dnsName] : []), ...cp.hosts.flatMap((h) => [h.name, h.address])])];
}

/**
 * Bootstrap tokens (kubernetes.io, "Authenticating with Bootstrap Tokens"): every one this program
 * makes carries a description starting with this prefix, so that the cleanup finds them all.
 */
export const TOKEN_DESCRIPTION_PREFIX = "hybrid-fleet-";
/** A minted join token lives this long at most (it is deleted right after its join). */
export const JOIN_TOKEN_TTL = "15m0s";
const TOKEN_USAGES = "signing,authentication";
const TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token";
/** kubeadm's token format (kubeadm token create reference). */
export const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.[a-z0-9]{16}$/;
/**
 * What the join files hold instead of a token (not in kubeadm's token format, so a stale file can
 * never join, and short enough that no secret scanner takes it for one): the join script substitutes the token
 * minted for that join, on tmpfs only.
 */
export const JOIN_TOKEN_PLACEHOLDER = "MINTED_AT_JOIN";

/**
 * kubeadm init's own token: no `token` field, so kubeadm generates one at init
 * (SetBootstrapTokensDynamicDefaults, cmd/kubeadm/app/util/config/initconfiguration.go); the init
 * script deletes it right after init. Joins use tokens minted one per join (renderMintTokenScript).
 */
function initBootstrapToken() {
    return {
        description: `${TOKEN_DESCRIPTION_PREFIX}init`,
        ttl: JOIN_TOKEN_TTL,
        usages: TOKEN_USAGES.split(","),
        groups: [TOKEN_GROUP],
    };
}

/** Deletes every bootstrap token whose description is `description` (only the public token IDs reach argv). */
const deleteTokensFunction = `delete_tokens() {
  local id out
  for id in $(kubeadm token list 2>/dev/null | awk -v d="$1" '$0 ~ d { split($1, t, "."); print t[1] }'); do
    if ! out=$(kubeadm token delete "$id" 2>&1); then
      case "$out" in *"not found"*) ;; *) echo "$out" >&2; return 1 ;; esac
    fi
    echo "bootstrap token $id deleted"
  done
}`;

/**
 * The kubelet's registration. Labels go through --node-labels, applied when the node registers
 * (the spec rules keep them to the ones the kubelet may self-set, NodeRestriction).
 */
function nodeRegistration(host: ControlPlaneHost, nodeLabels: Record<string, string> = {}, taints?: { key: string; value?: string; effect: string }[]) {
    const labels = Object.entries(nodeLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
    return {
        name: host.name,
        criSocket: CRI_SOCKET,
        kubeletExtraArgs: args({ "node-ip": host.address, ...(labels ? { "node-labels": labels } : {}) }),
        ...(taints ? { taints } : {}),
    };
}

export function clusterConfiguration(input: ClusterInput) {
    const { spec } = input;
    const api = spec.controlPlane.apiServer;
    return {
        apiVersion: KUBEADM_API,
        kind: "ClusterConfiguration",
        clusterName: spec.name,
        kubernetesVersion: `v${spec.kubernetesVersion}`,
        controlPlaneEndpoint: controlPlaneEndpoint(spec),
        networking: { podSubnet: spec.network.podCidr, serviceSubnet: spec.network.serviceCidr, dnsDomain: "cluster.local" },
        etcd: {
            external: {
                endpoints: input.etcdEndpoints,
                caFile: KUBEADM_PATHS.etcdCa,
                certFile: KUBEADM_PATHS.etcdClientCert,
                keyFile: KUBEADM_PATHS.etcdClientKey,
            },
        },
        apiServer: {
            certSANs: apiServerCertSans(spec),
            extraArgs: args({
                "encryption-provider-config": KUBEADM_PATHS.encryptionConfig,
                // Re-read the file when the keys rotate (kube-apiserver reference, 1.26+).
                "encryption-provider-config-automatic-reload": true,
                // Anonymous requests only on the health and discovery paths (CIS 1.2.1, renderAuthenticationConfig).
                "authentication-config": KUBEADM_PATHS.authenticationConfig,
                // Needed on 1.31 (alpha), on by default from 1.32 (beta) and still settable there: up to 1.32,
                // so that a 1.32 spec suits a 1.31 API server restarted before its upgrade (renderAuthenticationConfig).
                ...(minorOf(spec.kubernetesVersion) <= 32 ? { "feature-gates": "AnonymousAuthConfigurableEndpoints=true" } : {}),
                // Verify the kubelet's serving certificate (CIS 1.2.5): the kubelets request CA-signed
                // serving certificates (serverTLSBootstrap, kubeletConfiguration), signed by their own CA.
                "kubelet-certificate-authority": KUBEADM_PATHS.kubeletCaBundle,
                "tls-cipher-suites": TLS_CIPHER_SUITES.join(","),
                "audit-policy-file": KUBEADM_PATHS.auditPolicy,
                "audit-log-path": `${KUBEADM_PATHS.auditLogDir}/audit.log`,
                "audit-log-maxage": api.auditLogMaxAgeDays,
                "audit-log-maxbackup": api.auditLogMaxBackups,
                "audit-log-maxsize": api.auditLogMaxSizeMB,
                "max-requests-inflight": api.maxRequestsInflight,
                "max-mutating-requests-inflight": api.maxMutatingRequestsInflight,
                // CIS Kubernetes Benchmark 1.2.x: no profiling endpoint, TLS 1.2 at least.
                profiling: false,
                "tls-min-version": "VersionTLS12",
            }),
            extraVolumes: [
                {
                    name: "encryption-config",
                    hostPath: KUBEADM_PATHS.encryptionConfig,
                    mountPath: KUBEADM_PATHS.encryptionConfig,
                    readOnly: true,
                    pathType: "File",
                },
                {
                    name: "authentication-config",
                    hostPath: KUBEADM_PATHS.authenticationConfig,
                    mountPath: KUBEADM_PATHS.authenticationConfig,
                    readOnly: true,
                    pathType: "File",
                },
                { name: "audit-policy", hostPath: KUBEADM_PATHS.auditPolicy, mountPath: KUBEADM_PATHS.auditPolicy, readOnly: true, pathType: "File" },
                {
                    name: "audit-log",
                    hostPath: KUBEADM_PATHS.auditLogDir,
                    mountPath: KUBEADM_PATHS.auditLogDir,
                    readOnly: false,
                    pathType: "DirectoryOrCreate",
                },
            ],
        },
        // Secure ports (10257, 10259) on the node's addresses instead of kubeadm's 127.0.0.1, so that
        // Prometheus can scrape them: /metrics stays behind delegated authentication and
        // authorization (kubeadm's authentication-/authorization-kubeconfig; a token with RBAC get on /metrics).
        controllerManager: {
            extraArgs: args({
                profiling: false,
                "terminated-pod-gc-threshold": 1000,
                "bind-address": "0.0.0.0",
                // Kubelet serving certificates from their own CA, every other signer from the
                // Kubernetes CA. A signer-specific file excludes the catch-all pair, which kubeadm
                // sets by default: emptied (kube-controller-manager reference, --cluster-signing-*).
                "cluster-signing-cert-file": "",
                "cluster-signing-key-file": "",
                "cluster-signing-kubelet-serving-cert-file": KUBEADM_PATHS.kubeletServingCa,
                "cluster-signing-kubelet-serving-key-file": KUBEADM_PATHS.kubeletServingCaKey,
                "cluster-signing-kubelet-client-cert-file": KUBEADM_PATHS.ca,
                "cluster-signing-kubelet-client-key-file": KUBEADM_PATHS.caKey,
                "cluster-signing-kube-apiserver-client-cert-file": KUBEADM_PATHS.ca,
                "cluster-signing-kube-apiserver-client-key-file": KUBEADM_PATHS.caKey,
            }),
        },
        scheduler: { extraArgs: args({ profiling: false, "bind-address": "0.0.0.0" }) },
    };
}

/** KubeletConfiguration (kubelet.config.k8s.io/v1beta1), shared by every node through kubeadm's kubelet-config ConfigMap. */
export function kubeletConfiguration(spec: IdcClusterSpec) {
    const k = spec.kubelet;
    return {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        cgroupDriver: "systemd",
        authentication: { anonymous: { enabled: false }, webhook: { enabled: true } },
        authorization: { mode: "Webhook" },
        readOnlyPort: 0,
        rotateCertificates: true,
        // A serving certificate signed by the cluster CA (kubernetes.io/kubelet-serving CSR) instead of a
        // self-signed one, so that the API server can verify it (CIS 4.2.11 RotateKubeletServerCertificate;
        // 1.2.5 --kubelet-certificate-authority). The CSRs need an approver (README, "Kubelet serving certificates").
        serverTLSBootstrap: true,
        // Refuse to start on a host whose kernel settings differ from the kubelet's (CIS 4.2.6);
        // renderSysctl sets them first (KUBELET_KERNEL_DEFAULTS).
        protectKernelDefaults: true,
        tlsMinVersion: "VersionTLS12",
        tlsCipherSuites: [...TLS_CIPHER_SUITES],
        evictionHard: k.evictionHard,
        evictionSoft: k.evictionSoft,
        evictionSoftGracePeriod: k.evictionSoftGracePeriod,
        // Pods evicted by soft thresholds get at most 60 s to stop (kubelet reference: evictionMaxPodGracePeriod).
        evictionMaxPodGracePeriod: 60,
        systemReserved: k.systemReserved,
        kubeReserved: k.kubeReserved,
        ...kubeletConfigFields(k),
    };
}

/** The first control-plane host's InitConfiguration (holds the token and certificate key: a secret file). */
export function renderInitConfig(input: { spec: IdcClusterSpec; host: ControlPlaneHost; secrets: KubeadmSecrets; labels?: Record<string, string> }): string {
    return stringify({
        // Cilium replaces kube-proxy (kubeProxyReplacement, components/network): kubeadm must not install it
        // (Cilium docs, "Kubernetes Without kube-proxy": kubeadm init --skip-phases=addon/kube-proxy).
        ...(input.spec.network.cni === "cilium" ? { skipPhases: ["addon/kube-proxy"] } : {}),
        apiVersion: KUBEADM_API,
        kind: "InitConfiguration",
        bootstrapTokens: [initBootstrapToken()],
        certificateKey: input.secrets.certificateKey,
        localAPIEndpoint: { advertiseAddress: input.host.address, bindPort: APISERVER_PORT },
        nodeRegistration: nodeRegistration(input.host, input.labels),
    });
}

/** ClusterConfiguration + KubeletConfiguration, kept apart from the secrets so that reviewers see them in the plan. */
export function renderClusterConfig(input: ClusterInput): string {
    return [clusterConfiguration(input), kubeletConfiguration(input.spec)].map((d) => stringify(d)).join("---\n");
}

export interface JoinInput {
    spec: IdcClusterSpec;
    host: ControlPlaneHost;
    /** Default JOIN_TOKEN_PLACEHOLDER: the join script puts the minted token in, on tmpfs. */
    token?: string;
    /** `sha256:<hex>` of the cluster CA's public key (kubeadm join --discovery-token-ca-cert-hash). */
    caCertHash: string;
    /** Present for control-plane joins. */
    certificateKey?: string;
    labels?: Record<string, string>;
    taints?: { key: string; value?: string; effect: string }[];
}

/** A host's `kubeadm join --config` file: a control-plane join when certificateKey is given, a worker join otherwise. */
export function renderJoinConfig(input: JoinInput): string {
    const join = {
        apiVersion: KUBEADM_API,
        kind: "JoinConfiguration",
        discovery: {
            bootstrapToken: {
                apiServerEndpoint: controlPlaneEndpoint(input.spec),
                token: input.token ?? JOIN_TOKEN_PLACEHOLDER,
                caCertHashes: [input.caCertHash],
            },
        },
        ...(input.certificateKey
            ? { controlPlane: { localAPIEndpoint: { advertiseAddress: input.host.address, bindPort: APISERVER_PORT }, certificateKey: input.certificateKey } }
            : {}),
        nodeRegistration: nodeRegistration(input.host, input.labels, input.certificateKey ? undefined : (input.taints ?? [])),
    };
    return stringify(join);
}

/** kubeadm's CA pin: sha256 over the CA certificate's DER SubjectPublicKeyInfo (kubeadm join reference). */
export function caCertHash(caPublicKeyPem: string): string {
    const der = createPublicKey(caPublicKeyPem).export({ type: "spki", format: "der" });
    return `sha256:${createHash("sha256").update(der).digest("hex")}`;
}

/**
 * Encryption at rest for Secrets (kubernetes.io, "Encrypting Confidential Data at Rest"): secretbox
 * (XSalsa20-Poly1305, rated "strongest" of the local providers) with a generated 32-byte key;
 * identity last so that data written before encryption still reads.
 */
export function renderEncryptionConfig(keyBase64: string): string {
    if (Buffer.from(keyBase64, "base64").length !== 32) throw new Error("secretbox needs a 32-byte key");
    return stringify({
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "EncryptionConfiguration",
        resources: [
            {
                resources: ["secrets"],
                providers: [{ secretbox: { keys: [{ name: "key1", secret: keyBase64 }] } }, { identity: {} }],
            },
        ],
    });
}

/**
 * The audit policy: nothing for high-volume read-only noise, metadata only for anything that
 * carries secrets (Secrets, ConfigMaps, tokens), request bodies for other writes, metadata for the rest.
 * After the GKE/kube-up audit policy (kubernetes/kubernetes cluster/gce/gci/configure-helper.sh).
 */
export function renderAuditPolicy(): string {
    return stringify({
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        omitStages: ["RequestReceived"],
        rules: [
            {
                level: "None",
                users: ["system:kube-proxy"],
                verbs: ["watch"],
                resources: [{ group: "", resources: ["endpoints", "services", "services/status"] }],
            },
            { level: "None", nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version", "/metrics"] },
            {
                level: "None",
                resources: [
                    { group: "", resources: ["events"] },
                    { group: "events.k8s.io", resources: ["events"] },
                ],
            },
            {
                level: "None",
                users: ["system:apiserver"],
                verbs: ["get"],
                resources: [{ group: "", resources: ["namespaces", "namespaces/status", "namespaces/finalize"] }],
            },
            {
                level: "Metadata",
                resources: [
                    { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
                    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
                ],
            },
            { level: "Request", verbs: ["create", "update", "patch", "delete", "deletecollection"] },
            { level: "Metadata" },
        ],
    });
}

/**
 * The admin kubeconfig. Its client certificate is in kubeadm's `kubeadm:cluster-admins` group
 * (bound to cluster-admin by kubeadm init since 1.29), not in system:masters, so it can be revoked.
 */
export function renderKubeconfig(args: { cluster: string; server: string; caPem: string; clientCertPem: string; clientKeyPem: string }): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const user = `${args.cluster}-admin`;
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: args.cluster, cluster: { server: args.server, "certificate-authority-data": b64(args.caPem) } }],
        users: [{ name: user, user: { "client-certificate-data": b64(args.clientCertPem), "client-key-data": b64(args.clientKeyPem) } }],
        contexts: [{ name: args.cluster, context: { cluster: args.cluster, user } }],
        "current-context": args.cluster,
    });
}

/**
 * The control plane's version is the installed kubeadm's: a new spec version reaches the cluster only
 * through the upgrade chain (renderers/upgrade.ts), which installs the new kubeadm and runs `kubeadm
 * upgrade`. Re-runs that re-apply the configuration therefore keep the version the hosts run.
 */
const pinInstalledVersion = (file: string) => `installed=$(kubeadm version -o short)
sed -i -E "s/^kubernetesVersion: .*/kubernetesVersion: $installed/" ${file}`;

/** Joins the init and cluster files into one kubeadm config on tmpfs (root only, removed on exit) as $cfg. */
const ASSEMBLE_CONFIG = `cfg=${KUBEADM_PATHS.combinedConfig}
install -d -m 0700 ${KUBEADM_PATHS.combinedConfig.replace(/\/[^/]+$/, "")}
trap 'rm -f "$cfg"' EXIT
(umask 077; cat ${KUBEADM_PATHS.initConfig}; echo ---; cat ${KUBEADM_PATHS.clusterConfig}) > "$cfg"
${pinInstalledVersion('"$cfg"')}`;

/** The KubeletConfiguration document alone: the trigger that carries kubelet changes to every node. */
export function renderKubeletConfig(spec: IdcClusterSpec): string {
    return stringify(kubeletConfiguration(spec));
}

/**
 * kubeadm keeps an existing apiserver.crt as is, so new certSANs never reach it: when one of ours
 * is missing, move the pair aside and issue it again, then restart the API server container
 * (kubernetes.io, "Reconfiguring a kubeadm cluster": applying cluster configuration changes, certSANs).
 */
function renewApiserverCert(sans: string[], config: string): string {
    return `# Re-issue apiserver.crt when one of the configured SANs is missing from it.
have=",$(openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName | tail -n +2 | tr -d ' '),"
missing=0
for san in ${sans.map(shq).join(" ")}; do
  case "$have" in *",DNS:$san,"*|*",IPAddress:$san,"*) ;; *) missing=1 ;; esac
done
if [ "$missing" = 1 ]; then
  old=/etc/kubernetes/pki/apiserver-replaced-$(date -u +%Y%m%dT%H%M%SZ)
  install -d -m 0700 "$old"
  mv /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key "$old"/
  kubeadm init phase certs apiserver --config ${config}
  crictl --runtime-endpoint ${CRI_SOCKET} ps --name kube-apiserver -q | xargs -r crictl --runtime-endpoint ${CRI_SOCKET} stop
fi`;
}

/**
 * After a re-run restarted the API server or the kubelet on a control-plane host: wait (bounded,
 * 120 x 2 s) until this host's API server answers /readyz again, so that the next host's re-run
 * never takes a second API server down; fail the command if it never does.
 */
export const READYZ_WAIT = { tries: 120, sleepSeconds: 2 } as const;
export const waitApiserverReady = curlUntilOk(
    `-fsk --max-time 2 https://127.0.0.1:${APISERVER_PORT}/readyz`,
    READYZ_WAIT.tries,
    READYZ_WAIT.sleepSeconds,
    `API server on 127.0.0.1:${APISERVER_PORT} not ready after ${READYZ_WAIT.tries * READYZ_WAIT.sleepSeconds} s`,
);

/**
 * The same bounded wait for this host's controller-manager (/healthz, 10257) and scheduler (/livez,
 * 10259): the endpoints kubeadm's own control-plane check polls (apiclient/wait.go
 * getControlPlaneComponents; self-signed serving certificates, so not verified; both paths are in
 * the components' default authorization-always-allow-paths). A bad flag in a re-rendered manifest
 * fails the command on the first host instead of leaving every host crash-looping.
 */
export const waitControllersHealthy = (
    [
        ["kube-controller-manager", 10257, "healthz"],
        ["kube-scheduler", 10259, "livez"],
    ] as const
)
    .map(([name, port, path]) =>
        curlUntilOk(
            `-fsk --max-time 2 https://127.0.0.1:${port}/${path}`,
            READYZ_WAIT.tries,
            READYZ_WAIT.sleepSeconds,
            `${name} on 127.0.0.1:${port} not healthy after ${READYZ_WAIT.tries * READYZ_WAIT.sleepSeconds} s`,
        ),
    )
    .join("\n");

/** Shell: retry `curl <args>` every sleepSeconds until it succeeds; after `tries` failures print `failure` and exit 1. */
export function curlUntilOk(args: string, tries: number, sleepSeconds: number, failure: string): string {
    return retryUntil({ condition: `curl ${args} -o /dev/null`, tries, sleepSeconds, failure });
}

/**
 * After the kubelet restarted with a new configuration: wait (bounded, 60 x 2 s) until it answers
 * its health check (127.0.0.1:10248/healthz, KubeletConfiguration's healthzBindAddress and
 * healthzPort defaults), and fail the command if it never does. `systemctl restart` returns once the
 * unit started, also when the kubelet then exits on a configuration it refuses.
 */
export const KUBELET_HEALTH_WAIT = { tries: 60, sleepSeconds: 2 } as const;
export const kubeletHealthWait = (tries: number = KUBELET_HEALTH_WAIT.tries) =>
    curlUntilOk(
        "-fs --max-time 2 http://127.0.0.1:10248/healthz",
        tries,
        KUBELET_HEALTH_WAIT.sleepSeconds,
        `kubelet not healthy on 127.0.0.1:10248 after ${tries * KUBELET_HEALTH_WAIT.sleepSeconds} s (journalctl -u kubelet)`,
    );

/**
 * A re-run on any node: pull the kubelet configuration the first host uploaded, restart the kubelet
 * with it. Control-plane hosts have admin.conf (kubeadm's default); a worker reads the ConfigMap with
 * its own kubelet credentials (kubeadm grants nodes read access to kubelet-config).
 */
const reloadKubelet = (kubeconfig: string) => `kubeadm upgrade node phase kubelet-config --kubeconfig ${kubeconfig}
systemctl restart kubelet
${kubeletHealthWait()}`;

/**
 * Shell for the first control-plane host: init once; on later runs re-upload the cluster and kubelet
 * configuration, re-issue the API server certificate if SANs were added, re-render the static pods,
 * and restart the kubelet with the new configuration. kubeadm prints neither the token nor the
 * certificate key (--skip-token-print, --skip-certificate-key-print: kubeadm init reference).
 */
export function renderInitScript(spec: IdcClusterSpec): string {
    // With Cilium in place of kube-proxy the init skips that add-on (InitConfiguration skipPhases); the
    // recovery below runs phases by name, which skipPhases does not reach, so it names the add-ons itself.
    const addons = spec.network.cni === "cilium" ? ["coredns"] : ["coredns", "kube-proxy"];
    return `set -euo pipefail
${ASSEMBLE_CONFIG}
${deleteTokensFunction}
install -d -m 0700 ${KUBEADM_PATHS.auditLogDir}
if [ ! -f /etc/kubernetes/admin.conf ]; then
${indent(refuseInitOverACluster(spec))}
  kubeadm init --config "$cfg" --upload-certs --skip-token-print --skip-certificate-key-print
  # The token kubeadm init made is not needed: every join gets its own (renderMintTokenScript).
  KUBECONFIG=/etc/kubernetes/admin.conf delete_tokens ${shq(`${TOKEN_DESCRIPTION_PREFIX}init`)}
  touch ${INIT_DONE}
elif [ ! -f ${INIT_DONE} ] && ! kubectl --kubeconfig /etc/kubernetes/admin.conf -n kube-public get configmap cluster-info >/dev/null 2>&1; then
  # An init that stopped after its kubeconfig phase wrote admin.conf (e.g. the control plane was not
  # up within kubeadm's wait): the phases after it, each safe to run again. Without them the
  # cluster has no cluster-info for joins, no control-plane taint, no bootstrap RBAC, no CoreDNS.
  export KUBECONFIG=/etc/kubernetes/admin.conf
  kubeadm init phase wait-control-plane --config "$cfg"
  kubeadm init phase upload-config all --config "$cfg"
  kubeadm init phase upload-certs --upload-certs --config "$cfg" --skip-certificate-key-print
  kubeadm init phase mark-control-plane --config "$cfg"
  kubeadm init phase bootstrap-token --config "$cfg" --skip-token-print
  kubeadm init phase kubelet-finalize all --config "$cfg"
${addons.map((a) => `  kubeadm init phase addon ${a} --config "$cfg"`).join("\n")}
  delete_tokens ${shq(`${TOKEN_DESCRIPTION_PREFIX}init`)}
  touch ${INIT_DONE}
else
  # A cluster initialised before the marker existed is marked as done here.
  [ -f ${INIT_DONE} ] || touch ${INIT_DONE}
  export KUBECONFIG=/etc/kubernetes/admin.conf
  kubeadm init phase upload-config kubeadm --config "$cfg"
  kubeadm init phase upload-config kubelet --config "$cfg"
${indent(renewApiserverCert(apiServerCertSans(spec), '"$cfg"'))}
  kubeadm init phase control-plane all --config "$cfg"
${indent(reloadKubelet("/etc/kubernetes/admin.conf"))}
${indent(waitApiserverReady)}
${indent(waitControllersHealthy)}
fi
`;
}

/**
 * Before kubeadm init on a host without admin.conf: the external etcd must hold no cluster yet. Keys
 * under /registry/ (the API server's prefix) with no admin.conf here is a first control-plane host
 * re-imaged, or an etcd that is not this cluster's: an init would write a second bootstrap over the
 * running cluster's state. Asked over etcd's JSON gateway (/v3/kv/range, count only; base64 keys
 * "/registry/" to "/registry0") with the API server's etcd client certificate, each member in turn
 * until one answers; none answering is refused too.
 */
function refuseInitOverACluster(spec: IdcClusterSpec): string {
    const range = `'{"key":"${Buffer.from("/registry/").toString("base64")}","range_end":"${Buffer.from("/registry0").toString("base64")}","count_only":true}'`;
    const members = spec.etcd.hosts.map((h) => `https://${h.address}:${ETCD_PORTS.client}`).join(" ");
    return `registry_keys=""
for member in ${members}; do
  if answer=$(curl -fsS --max-time 10 --cacert ${KUBEADM_PATHS.etcdCa} --cert ${KUBEADM_PATHS.etcdClientCert} --key ${KUBEADM_PATHS.etcdClientKey} -X POST "$member/v3/kv/range" -d ${range}); then
    registry_keys=$(grep -o '"count":"[0-9]*"' <<<"$answer" | tr -dc '0-9' || true)
    registry_keys=\${registry_keys:-0}
    break
  fi
done
if [ -z "$registry_keys" ]; then
  echo "not running kubeadm init: no etcd member answered (${members})" >&2
  exit 1
fi
if [ "$registry_keys" -gt 0 ]; then
  echo "refusing kubeadm init: etcd already holds a Kubernetes cluster ($registry_keys keys under /registry/) and this host has no /etc/kubernetes/admin.conf (a re-imaged first control-plane host?): list another control-plane host first, then this one joins" >&2
  exit 1
fi`;
}

/** Written once kubeadm init has run every phase: an admin.conf without it is an init that stopped half-way. */
export const INIT_DONE = "/etc/kubernetes/hybrid-fleet-init.done";

/** A control-plane host joining: its API server certificate's SANs and its own API endpoint. */
export interface JoiningControlPlane {
    sans: string[];
    host: ControlPlaneHost;
}

/**
 * The InitConfiguration that re-issues a joined host's apiserver.crt: kubeadm would otherwise take
 * the advertise address from the default route and the node name from the hostname; this pins both
 * to the spec (kubeadm v1beta4 InitConfiguration: localAPIEndpoint, nodeRegistration). No secret.
 */
export function renderLocalInitConfig(host: ControlPlaneHost): string {
    return stringify({
        apiVersion: KUBEADM_API,
        kind: "InitConfiguration",
        localAPIEndpoint: { advertiseAddress: host.address, bindPort: APISERVER_PORT },
        nodeRegistration: { name: host.name, criSocket: CRI_SOCKET },
    });
}

/** Where a joined control-plane host assembles its InitConfiguration + cluster configuration (tmpfs). */
export const CERTS_CONFIG = "/run/hybrid-fleet/kubeadm-certs.yaml";

/**
 * Shell for a joining host: join once. On later runs (the cluster or kubelet configuration changed)
 * a control-plane host re-issues its API server certificate if SANs were added (from its own
 * InitConfiguration and the cluster configuration file it holds), re-renders its static pods from
 * the cluster's configuration and waits for its API server; every node pulls the kubelet
 * configuration and restarts the kubelet.
 */
export function renderJoinScript(controlPlane: JoiningControlPlane | false, token: string): string {
    // The token goes into the script on stdin (a Pulumi secret) and into a tmpfs copy of the join file
    // for the one kubeadm call: never into argv, never onto the disk.
    if (!BOOTSTRAP_TOKEN.test(token)) throw new Error("token: not a kubeadm bootstrap token");
    const cp = controlPlane
        ? // The here-document's lines stay unindented: its terminator must start the line.
          `  install -d -m 0700 ${CERTS_CONFIG.replace(/\/[^/]+$/, "")}
  cat > ${CERTS_CONFIG} <<'HYBRID_FLEET_EOF'
${renderLocalInitConfig(controlPlane.host)}---
HYBRID_FLEET_EOF
  cat ${KUBEADM_PATHS.clusterConfig} >> ${CERTS_CONFIG}
${indent(pinInstalledVersion(CERTS_CONFIG))}
${indent(renewApiserverCert(controlPlane.sans, CERTS_CONFIG))}\n  kubeadm upgrade node phase control-plane\n`
        : "";
    // A control-plane join that stopped after the kubelet's TLS bootstrap wrote kubelet.conf skipped
    // kubeadm's last phases (control-plane-join mark-control-plane, wait-control-plane): every re-run
    // marks the node (label, NoSchedule taint: the InitConfiguration's defaults, as the join's) and
    // waits for its components. Marking adds and never removes, so repeating it is safe.
    const wait = controlPlane
        ? `\n${indent(waitApiserverReady)}\n  kubeadm init phase mark-control-plane --config ${CERTS_CONFIG}\n${indent(waitControllersHealthy)}`
        : "";
    const tmp = KUBEADM_PATHS.combinedConfig.replace(/[^/]+$/, "kubeadm-join.yaml");
    return `set -euo pipefail
install -d -m 0700 ${KUBEADM_PATHS.auditLogDir}
if [ ! -f /etc/kubernetes/kubelet.conf ]; then
  token=${token}
  cfg=${tmp}
  install -d -m 0700 ${tmp.replace(/\/[^/]+$/, "")}
  trap 'rm -f "$cfg"' EXIT
  join=$(cat ${KUBEADM_PATHS.joinConfig})
  case "$join" in *${JOIN_TOKEN_PLACEHOLDER}*) ;; *) echo "${KUBEADM_PATHS.joinConfig} has no token placeholder" >&2; exit 1 ;; esac
  (umask 077; printf '%s\\n' "\${join//${JOIN_TOKEN_PLACEHOLDER}/$token}" > "$cfg")
  kubeadm join --config "$cfg"
else
${cp}${indent(reloadKubelet(controlPlane ? "/etc/kubernetes/admin.conf" : "/etc/kubernetes/kubelet.conf"))}${wait}
fi
`;
}

/**
 * Re-uploads the control-plane certificates (kubeadm deletes them after 2h) so that control-plane
 * hosts added later can join. Reads the certificate key from the init file, so it never appears in
 * argv or in this script. No token: every join mints its own (renderMintTokenScript).
 */
export function renderTokenScript(): string {
    return `set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
${ASSEMBLE_CONFIG}
kubeadm init phase upload-certs --upload-certs --config "$cfg" --skip-certificate-key-print
echo "uploaded control-plane certificates valid for 2h"
`;
}

/**
 * Mints one bootstrap token for one joining host, on the first control-plane host (kubeadm token
 * create: generated by kubeadm, short TTL, the default node-token group kubeadm's RBAC binds). The
 * token is the command's only stdout, which the program keeps as a secret output; the join then
 * uses it once and renderTokenDeleteScript deletes it.
 */
export function renderMintTokenScript(host: string): string {
    if (!DNS_LABEL.test(host)) throw new Error(`host: ${JSON.stringify(host)} is not a node name`);
    return `set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
kubeadm token create --ttl ${JOIN_TOKEN_TTL} --usages ${TOKEN_USAGES} --groups ${TOKEN_GROUP} --description ${TOKEN_DESCRIPTION_PREFIX}join-${host}
`;
}

/** The token a mint command printed (its stdout), checked: anything else fails the join. */
export function mintedToken(stdout: string): string {
    const token = stdout.trim();
    if (!BOOTSTRAP_TOKEN.test(token)) throw new Error("the token mint printed no kubeadm bootstrap token");
    return token;
}

/**
 * Deletes one minted token after its join (kubeadm token delete takes the token's ID, the public
 * half). A token already gone (expired) is fine; any other failure fails the command.
 */
export function renderTokenDeleteScript(token: string): string {
    const id = BOOTSTRAP_TOKEN.exec(token)?.[1];
    if (!id) throw new Error("token: not a kubeadm bootstrap token");
    return `set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
if ! out=$(kubeadm token delete ${id} 2>&1); then
  case "$out" in *"not found"*) ;; *) echo "$out" >&2; exit 1 ;; esac
fi
echo "bootstrap token ${id} deleted"
`;
}

/**
 * After every join: deletes any token this program made that is still there (a join that failed
 * half-way, kubeadm init's own): found by their description prefix, only IDs reach argv.
 */
export function renderTokenCleanupScript(): string {
    return `set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
${deleteTokensFunction}
delete_tokens ${shq(`^[a-z0-9.]+ .*${TOKEN_DESCRIPTION_PREFIX}`)}
`;
}

/**
 * Drain bound: kubectl drain's default --timeout=0 waits forever (kubectl drain reference); a
 * PodDisruptionBudget that never allows an eviction would hang `pulumi up`. Our choice: fail the
 * step after 10 minutes so that an operator sees which node and which pods.
 */
export const DRAIN_TIMEOUT_SECONDS = 600;
/** How a node is drained, for an upgrade or a removal: DaemonSet pods stay, emptyDir data goes, bounded. */
export const DRAIN_FLAGS = `--ignore-daemonsets --delete-emptydir-data --timeout=${DRAIN_TIMEOUT_SECONDS}s`;

/**
 * When a worker leaves the spec, on the first control-plane host: drain it (bounded; a
 * PodDisruptionBudget that blocks it fails the removal, loudly, with the node cordoned) and delete
 * its Node object. A node already gone is fine (kubeadm "Clean up": drain, reset, delete node).
 */
export function renderNodeEvictScript(node: string): string {
    if (!DNS_LABEL.test(node)) throw new Error(`node: ${JSON.stringify(node)} is not a node name`);
    return `set -euo pipefail
export KUBECONFIG=/etc/kubernetes/admin.conf
if kubectl get node ${node} >/dev/null 2>&1; then
  kubectl drain ${node} ${DRAIN_FLAGS}
  kubectl delete node ${node} --wait=true
fi
`;
}

/**
 * Then on the worker itself: `kubeadm reset` (its kubelet would register the node again), and the
 * kubelet disabled so that a reboot does not start it without a configuration.
 */
export function renderNodeResetScript(): string {
    return `set -euo pipefail
kubeadm reset -f
systemctl disable --now kubelet
`;
}
