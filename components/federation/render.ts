// Pure renderers of the federation layer: the karmada chart's values (host and agent mode), what
// `karmadactl join` creates in a Push member and in karmada-apiserver, what `karmadactl register`
// creates in karmada-apiserver for a Pull member's agent, the Cluster objects, and the placement,
// override and taint policies. Spec in, plain objects out; the components wire them to resources.
import { KARMADA, KARMADA_APISERVER_PORT } from "./versions";

export interface Manifest {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [key: string]: unknown;
}

/** One member as Karmada's Cluster object describes it. */
export interface MemberInfo {
    name: string;
    syncMode: "Push" | "Pull";
    /** Cluster.spec.provider: the cloud (or the IDC) the cluster runs in; spread constraints group by it. */
    provider: string;
    region: string;
    zones: string[];
}

export interface ResourceSelector {
    apiVersion: string;
    kind: string;
    name: string;
}

export interface PlacementInput {
    name: string;
    namespace?: string;
    resources: ResourceSelector[];
    namespaces: string[];
    clusters?: string[];
    failover?: string[][];
    replicas: { divide: "duplicate" } | { divide: "static"; weights: Record<string, number> } | { divide: "dynamic" };
    spread?: { by: "region" | "provider"; minGroups: number; maxGroups?: number };
}

export interface OverrideInput {
    name: string;
    namespace: string;
    resources: ResourceSelector[];
    rules: { clusters: string[]; imageRegistry?: string; replicas?: number; labels?: Record<string, string> }[];
}

/** Where karmadactl join keeps member credentials, in the member and in karmada-apiserver (pkg/util/cluster.go NamespaceClusterLease). */
export const CLUSTER_NAMESPACE = "karmada-cluster";
/** Karmada's mark on what it creates (pkg/util/constants.go KarmadaSystemLabel). */
export const SYSTEM_LABELS = { "karmada.io/system": "true" } as const;
const CLUSTER_DOMAIN = "cluster.local";

// ---------------------------------------------------------------------------------------------
// Control plane (the chart in host mode)

/**
 * The names karmada's serving certificate must carry: the chart's own defaults for in-cluster
 * names (values.yaml certs.auto.hosts, the etcd peers under *.etcd.<ns>.svc) and every address
 * members and Pulumi use (the load balancer's DNS name or address).
 */
export function certHosts(
    endpoint: { dnsName?: string; address?: string },
    namespace: string = KARMADA.namespace,
): { dnsNames: string[]; ipAddresses: string[] } {
    const dnsNames = [
        "kubernetes.default.svc",
        `*.etcd.${namespace}.svc.${CLUSTER_DOMAIN}`,
        `*.${namespace}.svc.${CLUSTER_DOMAIN}`,
        `*.${namespace}.svc`,
        "localhost",
        ...(endpoint.dnsName ? [endpoint.dnsName] : []),
    ];
    const ipAddresses = ["127.0.0.1", ...(endpoint.address ? [endpoint.address] : [])];
    return { dnsNames, ipAddresses };
}

/** The URL members and Pulumi use for karmada-apiserver. */
export function karmadaServer(endpoint: { dnsName?: string; address?: string }): string {
    const host = endpoint.dnsName ?? endpoint.address;
    if (!host) throw new Error("karmada-apiserver needs a DNS name or an address");
    return `https://${host}:${KARMADA_APISERVER_PORT}`;
}

export interface HostValuesInput {
    etcd: { replicas: number; storageClass?: string; size: string };
    /** Annotations that make the API server's LoadBalancer Service internal (or pick its IDC address). */
    serviceAnnotations: Record<string, string>;
    /** Turns on cluster failover (taint-based eviction) when given. */
    failover?: { purgeMode: "Gracefully" | "Directly" };
}

const image = (tag: string) => ({ image: { tag } });

/**
 * The chart's values in host mode, without the certificates (the component adds
 * `certs.custom.*` as secrets). Keys are those of charts/karmada/values.yaml at the pinned tag.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
export function hostValues(i: HostValuesInput): Record<string, any> {
    const ha = i.etcd.replicas > 1;
    const replicas = ha ? 2 : 1;
    const pdb = ha ? { podDisruptionBudget: { maxUnavailable: 1 } } : {};
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
    const component = (extra: Record<string, any> = {}) => ({ replicaCount: replicas, ...image(KARMADA.imageTag), ...pdb, ...extra });
    return {
        installMode: "host",
        clusterDomain: CLUSTER_DOMAIN,
        systemNamespace: KARMADA.namespace,
        // The program issues every certificate (the CA stays in Pulumi state, protected), so it can
        // build the kubeconfig, sign agents' client certificates and put members' addresses in the SANs.
        certs: { mode: "custom" },
        cfssl: { image: { ...KARMADA.cfssl } },
        kubectl: { image: { ...KARMADA.kubectl } },
        etcd: {
            mode: "internal",
            internal: {
                // Three (or five) members on PVCs, one per node (the chart's required anti-affinity), not one hostPath.
                replicaCount: i.etcd.replicas,
                storageType: "pvc",
                pvc: { ...(i.etcd.storageClass ? { storageClass: i.etcd.storageClass } : {}), size: i.etcd.size },
                ...image(KARMADA.etcdTag),
            },
        },
        apiServer: {
            replicaCount: ha ? 3 : 1,
            ...image(KARMADA.kubeTag),
            ...pdb,
            serviceType: "LoadBalancer",
            serviceAnnotations: i.serviceAnnotations,
        },
        kubeControllerManager: { replicaCount: replicas, ...image(KARMADA.kubeTag), ...pdb },
        aggregatedApiServer: component(),
        scheduler: component(),
        webhook: component(),
        controllerManager: component(
            i.failover
                ? {
                      // Cluster failover is off by default (pkg/features/features.go: Failover Default false) and so is
                      // eviction on NoExecute taints (--enable-no-execute-taint-eviction, cmd/controller-manager options).
                      featureGates: { Failover: true, GracefulEviction: true },
                      extraCommandArgs: { "enable-no-execute-taint-eviction": "true", "no-execute-taint-eviction-purge-mode": i.failover.purgeMode },
                  }
                : {},
        ),
    };
}

/** The chart's values in agent mode for a Pull member, without the kubeconfig's certificates. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
export function agentValues(clusterName: string, clusterEndpoint: string, karmadaServerUrl: string): Record<string, any> {
    return {
        installMode: "agent",
        systemNamespace: KARMADA.namespace,
        agent: {
            clusterName,
            clusterEndpoint,
            kubeconfig: { server: karmadaServerUrl },
            replicaCount: 2,
            podDisruptionBudget: { maxUnavailable: 1 },
            ...image(KARMADA.imageTag),
        },
    };
}

/** A kubeconfig for karmada-apiserver with a client certificate. */
export function kubeconfig(server: string, caPem: string, certPem: string, keyPem: string, user = "karmada-admin"): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: karmada-apiserver",
        "  cluster:",
        `    server: ${server}`,
        `    certificate-authority-data: ${b64(caPem)}`,
        "contexts:",
        "- name: karmada-apiserver",
        `  context: { cluster: karmada-apiserver, user: ${user} }`,
        "current-context: karmada-apiserver",
        "users:",
        `- name: ${user}`,
        "  user:",
        `    client-certificate-data: ${b64(certPem)}`,
        `    client-key-data: ${b64(keyPem)}`,
        "",
    ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Push members: what `karmadactl join` creates (pkg/karmadactl/join/join.go RunJoinCluster,
// pkg/util/credential.go ObtainCredentialsFromMemberCluster / RegisterClusterInControllerPlane).

export interface PushMemberObjects {
    namespace: Manifest;
    /** karmada-<cluster>: karmada-controller-manager's identity in the member. */
    serviceAccount: Manifest;
    /** karmada-impersonator: the identity karmada-apiserver's cluster proxy impersonates through. */
    impersonator: Manifest;
    clusterRole: Manifest;
    clusterRoleBinding: Manifest;
    /** Long-lived token Secrets of both (pkg/util/serviceaccount.go WaitForServiceAccountSecretCreation). */
    tokenSecret: Manifest;
    impersonatorTokenSecret: Manifest;
}

export function pushMemberObjects(cluster: string): PushMemberObjects {
    const labels = { ...SYSTEM_LABELS };
    const sa = `karmada-${cluster}`; // names.GenerateServiceAccountName(cluster)
    const impersonator = "karmada-impersonator"; // names.GenerateServiceAccountName("impersonator")
    const role = `karmada-controller-manager:${sa}`; // names.GenerateRoleName(sa)
    const token = (name: string): Manifest => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: CLUSTER_NAMESPACE, labels, annotations: { "kubernetes.io/service-account.name": name } },
        type: "kubernetes.io/service-account-token",
    });
    return {
        namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: CLUSTER_NAMESPACE, labels } },
        serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: CLUSTER_NAMESPACE, labels } },
        impersonator: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: impersonator, namespace: CLUSTER_NAMESPACE, labels } },
        // pkg/util/credential.go ClusterPolicyRules: everything, and get on every non-resource URL.
        clusterRole: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: role, labels },
            rules: [
                { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
                { nonResourceURLs: ["*"], verbs: ["get"] },
            ],
        },
        clusterRoleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: role, labels },
            subjects: [{ kind: "ServiceAccount", name: sa, namespace: CLUSTER_NAMESPACE }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        },
        tokenSecret: token(sa),
        impersonatorTokenSecret: token(impersonator),
    };
}

/** The names of a member's credential Secrets in karmada-apiserver (join: <cluster>, names.GenerateImpersonationSecretName). */
export const credentialSecretNames = (cluster: string) => ({ secret: cluster, impersonator: `${cluster}-impersonator` });

/** The Cluster object (cluster.karmada.io/v1alpha1, an aggregated API: pkg/apis/cluster/v1alpha1/types.go). */
export function clusterObject(m: MemberInfo, apiEndpoint: string): Manifest {
    const names = credentialSecretNames(m.name);
    return {
        apiVersion: "cluster.karmada.io/v1alpha1",
        kind: "Cluster",
        metadata: { name: m.name },
        spec: {
            syncMode: m.syncMode,
            apiEndpoint,
            // A Pull member's agent reports its own credentials (--report-secrets) and sets these itself.
            ...(m.syncMode === "Push"
                ? {
                      secretRef: { namespace: CLUSTER_NAMESPACE, name: names.secret },
                      impersonatorSecretRef: { namespace: CLUSTER_NAMESPACE, name: names.impersonator },
                  }
                : {}),
            provider: m.provider,
            region: m.region,
            zones: m.zones,
        },
    };
}

// ---------------------------------------------------------------------------------------------
// Pull members: the RBAC `karmadactl register` creates in karmada-apiserver for the agent's
// identity (pkg/karmadactl/register/register.go GenerateRBACResources); the host-mode chart
// only creates the bootstrap-token roles, not these per-cluster ones.

/** The agent's client certificate identity (register.go ClusterPermissionPrefix / ClusterPermissionGroups). */
export const agentIdentity = (cluster: string) => ({ commonName: `system:karmada:agent:${cluster}`, organization: "system:karmada:agents" });

/** The namespace Karmada keeps a member's Works in (names.GenerateExecutionSpaceName). */
export const executionNamespace = (cluster: string) => `karmada-es-${cluster}`;

export function agentRbac(cluster: string): { executionNamespace: Manifest; objects: Manifest[] } {
    const user = agentIdentity(cluster).commonName;
    const rbac = "rbac.authorization.k8s.io/v1";
    const subject = [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }];
    const roleName = `system:karmada:${cluster}:agent`;
    const secretRole = `system:karmada:${cluster}:agent-secret`;
    const workRole = `system:karmada:${cluster}:agent-work`;
    const es = executionNamespace(cluster);
    return {
        executionNamespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: es, labels: { ...SYSTEM_LABELS } } },
        objects: [
            {
                apiVersion: rbac,
                kind: "ClusterRole",
                metadata: { name: roleName },
                rules: [
                    // update beyond register.go's get/delete: this program creates the Cluster before the agent
                    // starts, and the agent's CreateOrUpdateClusterObject (pkg/util/cluster.go) updates an
                    // existing one whose spec differs from its own (the secret refs it reports, its flags).
                    { apiGroups: ["cluster.karmada.io"], resources: ["clusters"], resourceNames: [cluster], verbs: ["get", "update", "delete"] },
                    { apiGroups: ["cluster.karmada.io"], resources: ["clusters"], verbs: ["create", "list", "watch"] },
                    { apiGroups: ["cluster.karmada.io"], resources: ["clusters/status"], resourceNames: [cluster], verbs: ["update"] },
                    {
                        apiGroups: ["config.karmada.io"],
                        resources: ["resourceinterpreterwebhookconfigurations", "resourceinterpretercustomizations"],
                        verbs: ["get", "list", "watch"],
                    },
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["get"] },
                    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
                    { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["get", "create"] },
                    { apiGroups: [""], resources: ["services"], verbs: ["list", "watch"] },
                    { apiGroups: [""], resources: ["events"], verbs: ["patch", "create", "update"] },
                ],
            },
            {
                apiVersion: rbac,
                kind: "ClusterRoleBinding",
                metadata: { name: roleName },
                subjects: subject,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
            },
            {
                apiVersion: rbac,
                kind: "Role",
                metadata: { name: secretRole, namespace: CLUSTER_NAMESPACE },
                rules: [
                    { apiGroups: [""], resources: ["secrets"], resourceNames: [cluster, `${cluster}-impersonator`], verbs: ["get", "patch"] },
                    { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
                ],
            },
            {
                apiVersion: rbac,
                kind: "RoleBinding",
                metadata: { name: secretRole, namespace: CLUSTER_NAMESPACE },
                subjects: subject,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: secretRole },
            },
            {
                apiVersion: rbac,
                kind: "Role",
                metadata: { name: workRole, namespace: es },
                rules: [
                    { apiGroups: ["work.karmada.io"], resources: ["works"], verbs: ["get", "create", "list", "watch", "update", "delete"] },
                    { apiGroups: ["work.karmada.io"], resources: ["works/status"], verbs: ["patch", "update"] },
                ],
            },
            {
                apiVersion: rbac,
                kind: "RoleBinding",
                metadata: { name: workRole, namespace: es },
                subjects: subject,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: workRole },
            },
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Policies

const selectorsOf = (resources: ResourceSelector[], namespace?: string) =>
    resources.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, ...(namespace ? { namespace } : {}), name: r.name }));

/**
 * A PropagationPolicy (named workloads in one namespace) or a ClusterPropagationPolicy (whole
 * Namespace objects), placed as the spec says (policy.karmada.io/v1alpha1 Placement).
 */
export function propagationPolicy(p: PlacementInput, members: MemberInfo[]): Manifest {
    const memberNames = members.map((m) => m.name);
    const placed = p.clusters ?? (p.failover ? p.failover.flat() : memberNames);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
    const placement: Record<string, any> = {};
    if (p.failover) {
        // Ordered: the scheduler tries the first group, and the next one when it cannot place there.
        placement.clusterAffinities = p.failover.map((group, i) => ({ affinityName: i === 0 ? "primary" : `fallback-${i}`, clusterNames: group }));
    } else {
        placement.clusterAffinity = { clusterNames: placed };
    }
    if (p.replicas.divide === "duplicate") {
        placement.replicaScheduling = { replicaSchedulingType: "Duplicated" };
    } else {
        const weightPreference =
            p.replicas.divide === "static"
                ? { staticWeightList: Object.entries(p.replicas.weights).map(([c, weight]) => ({ targetCluster: { clusterNames: [c] }, weight })) }
                : { dynamicWeight: "AvailableReplicas" };
        placement.replicaScheduling = { replicaSchedulingType: "Divided", replicaDivisionPreference: "Weighted", weightPreference };
    }
    if (p.spread) {
        const by = p.spread.by;
        const groups = new Set(members.filter((m) => placed.includes(m.name)).map((m) => (by === "region" ? m.region : m.provider)));
        // Karmada requires a `cluster` constraint beside any other field (pkg/util/validation ValidateSpreadConstraint).
        placement.spreadConstraints = [
            { spreadByField: by, minGroups: p.spread.minGroups, maxGroups: p.spread.maxGroups ?? groups.size },
            { spreadByField: "cluster", minGroups: p.spread.minGroups, maxGroups: placed.length },
        ];
    }
    if (p.namespaces.length > 0) {
        return {
            apiVersion: "policy.karmada.io/v1alpha1",
            kind: "ClusterPropagationPolicy",
            metadata: { name: p.name },
            spec: { resourceSelectors: p.namespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", name })), placement },
        };
    }
    return {
        apiVersion: "policy.karmada.io/v1alpha1",
        kind: "PropagationPolicy",
        metadata: { name: p.name, namespace: p.namespace },
        spec: { resourceSelectors: selectorsOf(p.resources, p.namespace), placement },
    };
}

/** Karmada's label that keeps its namespace sync controller from copying a namespace to the members. */
export const SKIP_AUTO_PROPAGATION = "namespace.karmada.io/skip-auto-propagation";

/**
 * A namespace in karmada-apiserver for the namespaced policies and the workloads they select (a
 * PropagationPolicy cannot be made in a namespace that does not exist there). Karmada's namespace
 * sync controller copies every namespace of karmada-apiserver to every member
 * (pkg/controllers/namespace). A tenant's namespace is the tenant layer's on the members (its Pod
 * Security labels, quota, network policies), and Karmada applies nothing over an object it did not
 * create (pkg/util/objectwatcher allowUpdate): such a namespace carries the skip label, and only
 * Karmada's workloads go into it.
 */
export function karmadaNamespace(name: string, tenant: boolean): Manifest {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(tenant ? { labels: { [SKIP_AUTO_PROPAGATION]: "true" } } : {}) } };
}

/** An OverridePolicy: per cluster, the image registry, the replica count, extra labels. */
export function overridePolicy(o: OverrideInput): Manifest {
    return {
        apiVersion: "policy.karmada.io/v1alpha1",
        kind: "OverridePolicy",
        metadata: { name: o.name, namespace: o.namespace },
        spec: {
            resourceSelectors: selectorsOf(o.resources, o.namespace),
            overrideRules: o.rules.map((r) => {
                // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
                const overriders: Record<string, any> = {};
                if (r.imageRegistry !== undefined) overriders.imageOverrider = [{ component: "Registry", operator: "replace", value: r.imageRegistry }];
                if (r.replicas !== undefined) overriders.plaintext = [{ path: "/spec/replicas", operator: "replace", value: r.replicas }];
                if (r.labels !== undefined) overriders.labelsOverrider = [{ operator: "add", value: r.labels }];
                return { targetCluster: { clusterNames: r.clusters }, overriders };
            }),
        },
    };
}

/** The NoExecute taint on a member that is not Ready, which cluster failover evicts on (ClusterTaintPolicy, Karmada >= 1.14). */
export const NOT_READY_TAINT = "cluster.karmada.io/not-ready";

export function clusterTaintPolicy(members: string[]): Manifest {
    return {
        apiVersion: "policy.karmada.io/v1alpha1",
        kind: "ClusterTaintPolicy",
        metadata: { name: "member-not-ready" },
        spec: {
            targetClusters: { clusterNames: members },
            addOnConditions: [{ conditionType: "Ready", operator: "NotIn", statusValues: ["True"] }],
            removeOnConditions: [{ conditionType: "Ready", operator: "In", statusValues: ["True"] }],
            taints: [{ key: NOT_READY_TAINT, effect: "NoExecute" }],
        },
    };
}
