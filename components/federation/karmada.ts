// hybrid:federation:Karmada: the federation layer. It issues Karmada's certificates with
// @pulumi/tls (the CA stays in Pulumi state, protected), installs the control plane on the hub
// (hybrid:federation:ControlPlane, the karmada chart in host mode), builds the karmada-apiserver
// kubeconfig and a Kubernetes provider for it, joins every member the way `karmadactl join`
// (Push) or `karmadactl register` (Pull) would, and declares the placement, override and taint
// policies in karmada-apiserver.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { inBatches } from "../core/batches";
import type { ClusterHandle } from "../core/contract";
import { pinnedRelease } from "../core/k8s";
import { CA_KEY_USAGES, certificateAuthority, type KeyAlgorithm, type KeyPair, signedCertificate } from "../core/pki";
import {
    agentIdentity,
    agentRbac,
    agentValues,
    certHosts,
    clusterObject,
    clusterTaintPolicy,
    CLUSTER_NAMESPACE,
    credentialSecretNames,
    hostValues,
    HostValuesInput,
    karmadaNamespace,
    kubeconfig,
    karmadaServer,
    Manifest,
    MemberInfo,
    OverrideInput,
    overridePolicy,
    PlacementInput,
    propagationPolicy,
    pushMemberObjects,
    SYSTEM_LABELS,
} from "./render";
import { KARMADA } from "./versions";

/** Karmada's own lifetimes (values.yaml certs.auto: CA 3650 days, leaves 43800h). */
const CA_HOURS = 3650 * 24;
const LEAF_HOURS = 43800;
const EARLY_RENEWAL_HOURS = 30 * 24;
/** The chart's default RSA size (values.yaml certs.auto.rsaSize); karmada.key also signs service account tokens. */
const KEY: KeyAlgorithm = { algorithm: "RSA", rsaBits: 3072 };

export interface KarmadaMember {
    handle: ClusterHandle;
    /** Cluster.spec.provider. */
    provider: string;
}

export interface KarmadaArgs {
    /** The cluster that hosts the control plane. */
    hub: ClusterHandle;
    members: KarmadaMember[];
    /** How members and Pulumi reach karmada-apiserver (the certificate names it). */
    endpoint: { dnsName?: string; address?: string };
    controlPlane: HostValuesInput;
    policies: PlacementInput[];
    overrides: OverrideInput[];
    /** The namespaces the policies and their workloads live in; `tenant`: the tenant layer makes it on the members. */
    namespaces: { name: string; tenant: boolean }[];
    /** What must exist first (other fleet layers this one needs). */
    after: pulumi.Resource[];
}

/** The manifest's body without apiVersion/kind/metadata, for typed Kubernetes resources. */
const body = (m: Manifest) => {
    const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = m;
    return rest;
};

export class Karmada extends pulumi.ComponentResource {
    /** The karmada-apiserver kubeconfig (cluster admin), a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly server: string;
    /** The Kubernetes provider for karmada-apiserver. */
    readonly provider: k8s.Provider;
    readonly controlPlane: ControlPlane;
    private readonly ca: KeyPair;

    /** Karmada over `args.members`, declared in batches of members (core/batches.ts): at 100 clusters ~1,200 resources. */
    static async declare(name: string, args: KarmadaArgs, opts?: pulumi.ComponentResourceOptions): Promise<Karmada> {
        const karmada = new Karmada(name, args, opts);
        await karmada.declareMembers(name, args);
        return karmada;
    }

    private constructor(name: string, args: KarmadaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:federation:Karmada", name, {}, opts);
        this.server = karmadaServer(args.endpoint);

        const ca = this.authority(`${name}-ca`, "karmada");
        const frontProxyCa = this.authority(`${name}-front-proxy-ca`, "front-proxy-ca");
        // The chart uses one certificate for karmada-apiserver, etcd, the webhook and its components'
        // client identity (templates/karmada-cert.yaml: karmada.crt), as `certs.auto` would issue it.
        const server = this.issue(
            `${name}-server`,
            ca,
            { commonName: "system:admin", organizations: ["system:masters"] },
            ["server_auth", "client_auth"],
            certHosts(args.endpoint),
        );
        const frontProxyClient = this.issue(`${name}-front-proxy-client`, frontProxyCa, { commonName: "front-proxy-client" }, ["client_auth"]);
        // Pulumi's own identity, apart from the one the control plane's components share.
        const admin = this.issue(`${name}-admin`, ca, { commonName: "karmada-admin", organizations: ["system:masters"] }, ["client_auth"]);

        const values = hostValues(args.controlPlane);
        this.controlPlane = new ControlPlane(
            `${args.hub.name}-karmada-control-plane`,
            {
                hub: args.hub,
                values: {
                    ...values,
                    certs: {
                        ...values.certs,
                        custom: {
                            caCrt: ca.certPem,
                            caKey: ca.keyPem,
                            crt: server.certPem,
                            key: server.keyPem,
                            frontProxyCaCrt: frontProxyCa.certPem,
                            frontProxyCrt: frontProxyClient.certPem,
                            frontProxyKey: frontProxyClient.keyPem,
                        },
                    },
                },
                after: args.after,
            },
            { parent: args.hub.parent },
        );

        const serverUrl = this.server;
        this.kubeconfig = pulumi.secret(pulumi.all([ca.certPem, admin.certPem, admin.keyPem]).apply(([c, crt, key]) => kubeconfig(serverUrl, c, crt, key)));
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });
        this.ca = ca;
    }

    /** Every member's Cluster and credentials (Push) or agent (Pull), then the policies over them. */
    private async declareMembers(name: string, args: KarmadaArgs): Promise<void> {
        const ca = this.ca;
        const serverUrl = this.server;

        const inKarmada = (dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: this.provider,
            dependsOn: [this.controlPlane.release, ...dependsOn],
        });
        const cr = (resourceName: string, m: Manifest, dependsOn: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(
                resourceName,
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, ...body(m) },
                inKarmada(dependsOn),
            );

        const infos: MemberInfo[] = args.members.map((m) => ({
            name: m.handle.name,
            syncMode: m.handle.federation.syncMode,
            provider: m.provider,
            region: m.handle.region,
            zones: m.handle.zones,
        }));
        const clusters: pulumi.Resource[] = [];
        await inBatches(args.members, (m, i) => {
            const info = infos[i];
            const member = m.handle;
            const endpoint = pulumi.interpolate`https://${member.apiServer.host}:${member.apiServer.port}`;
            const base = `${name}-${member.name}`;
            const object = clusterObject(info, "");
            const credentials: pulumi.Resource[] = [];
            // Karmada identifies a member by its kube-system namespace's UID (pkg/util ObtainClusterID);
            // a Pull member's agent accepts an existing Cluster only with that id (RegisterOption.Validate).
            const kubeSystem = k8s.core.v1.Namespace.get(`${member.name}-karmada-kube-system`, "kube-system", {
                parent: member.parent,
                provider: member.provider,
                dependsOn: member.ready,
            });
            if (info.syncMode === "Push") {
                const joined = new PushMember(`${member.name}-karmada`, { member }, { parent: member.parent });
                const names = credentialSecretNames(member.name);
                // RegisterClusterInControllerPlane: the member's token and CA (caBundle), and the impersonator's token.
                credentials.push(
                    new k8s.core.v1.Secret(
                        `${base}-credentials`,
                        {
                            metadata: { name: names.secret, namespace: CLUSTER_NAMESPACE, labels: { ...SYSTEM_LABELS } },
                            data: pulumi.secret(joined.tokenSecret.data.apply((d) => ({ caBundle: d?.["ca.crt"] ?? "", token: d?.token ?? "" }))),
                        },
                        inKarmada(),
                    ),
                    new k8s.core.v1.Secret(
                        `${base}-impersonator`,
                        {
                            metadata: { name: names.impersonator, namespace: CLUSTER_NAMESPACE, labels: { ...SYSTEM_LABELS } },
                            data: pulumi.secret(joined.impersonatorTokenSecret.data.apply((d) => ({ token: d?.token ?? "" }))),
                        },
                        inKarmada(),
                    ),
                );
            } else {
                const rbac = agentRbac(member.name);
                const es = new k8s.core.v1.Namespace(`${base}-execution-space`, { metadata: rbac.executionNamespace.metadata }, inKarmada());
                for (const o of rbac.objects) {
                    const id = `${base}-${o.kind.toLowerCase()}-${o.metadata.name.split(":").pop()}`;
                    const meta = { metadata: o.metadata };
                    if (o.kind === "ClusterRole")
                        credentials.push(new k8s.rbac.v1.ClusterRole(id, { ...meta, rules: o.rules as k8s.types.input.rbac.v1.PolicyRule[] }, inKarmada()));
                    else if (o.kind === "ClusterRoleBinding")
                        credentials.push(
                            new k8s.rbac.v1.ClusterRoleBinding(
                                id,
                                { ...meta, subjects: o.subjects as k8s.types.input.rbac.v1.Subject[], roleRef: o.roleRef as k8s.types.input.rbac.v1.RoleRef },
                                inKarmada(),
                            ),
                        );
                    else if (o.kind === "Role")
                        credentials.push(new k8s.rbac.v1.Role(id, { ...meta, rules: o.rules as k8s.types.input.rbac.v1.PolicyRule[] }, inKarmada([es])));
                    else
                        credentials.push(
                            new k8s.rbac.v1.RoleBinding(
                                id,
                                { ...meta, subjects: o.subjects as k8s.types.input.rbac.v1.Subject[], roleRef: o.roleRef as k8s.types.input.rbac.v1.RoleRef },
                                inKarmada([es]),
                            ),
                        );
                }
            }
            // The agent of a Pull member updates its Cluster (id, credentials) and keeps what is set here
            // (cmd/agent/app/agent.go generateClusterInControllerPlane: provider, region, zones only when given).
            const cluster = new k8s.apiextensions.CustomResource(
                `${base}-cluster`,
                {
                    apiVersion: object.apiVersion,
                    kind: object.kind,
                    metadata: object.metadata,
                    spec: { ...(object.spec as object), id: kubeSystem.metadata.uid, apiEndpoint: endpoint },
                },
                inKarmada(credentials),
            );
            clusters.push(cluster);
            if (info.syncMode === "Pull") {
                const agent = this.issue(
                    `${base}-agent`,
                    ca,
                    { commonName: agentIdentity(member.name).commonName, organizations: [agentIdentity(member.name).organization] },
                    ["client_auth"],
                );
                // After its RBAC and its Cluster: an agent that found none would create the Cluster itself.
                new PullMember(
                    `${member.name}-karmada`,
                    { member, server: serverUrl, caPem: ca.certPem, agent, after: [...credentials, cluster] },
                    { parent: member.parent },
                );
            }
        });

        if (args.controlPlane.failover) cr(`${name}-member-not-ready`, clusterTaintPolicy(infos.map((m) => m.name)), clusters);
        const namespaces = new Map(
            args.namespaces.map((ns) => {
                const m = karmadaNamespace(ns.name, ns.tenant);
                return [ns.name, new k8s.core.v1.Namespace(`${name}-namespace-${ns.name}`, { metadata: m.metadata }, inKarmada())];
            }),
        );
        const inNamespace = (ns?: string) => [...clusters, ...(ns && namespaces.has(ns) ? [namespaces.get(ns)!] : [])];
        // `<namespace>.<name>`: a dot is in no DNS label, so two policies never share a resource name.
        for (const p of args.policies)
            cr(`${name}-policy-${p.namespace ? `${p.namespace}.` : ""}${p.name}`, propagationPolicy(p, infos), inNamespace(p.namespace));
        for (const o of args.overrides) cr(`${name}-override-${o.namespace}.${o.name}`, overridePolicy(o), inNamespace(o.namespace));

        this.registerOutputs({ kubeconfig: this.kubeconfig, server: this.server });
    }

    /** A CA: key and self-signed certificate, both protected (losing them means re-joining every member). */
    private authority(name: string, commonName: string): KeyPair {
        return certificateAuthority(name, { key: KEY, subject: { commonName }, allowedUses: CA_KEY_USAGES, validityPeriodHours: CA_HOURS }, this);
    }

    private issue(
        name: string,
        ca: KeyPair,
        subject: { commonName: string; organizations?: string[] },
        uses: string[],
        sans: { dnsNames?: string[]; ipAddresses?: string[] } = {},
    ): KeyPair {
        const allowedUses = ["digital_signature", "key_encipherment", ...uses];
        return signedCertificate(
            name,
            { key: KEY, ca, subject, sans, allowedUses, validityPeriodHours: LEAF_HOURS, earlyRenewalHours: EARLY_RENEWAL_HOURS },
            this,
        );
    }
}

/** hybrid:federation:ControlPlane: the karmada chart in host mode on the hub. */
export class ControlPlane extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(
        name: string,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Helm values are free-form (the chart's values.yaml)
        args: { hub: ClusterHandle; values: pulumi.Input<Record<string, any>>; after: pulumi.Resource[] },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("hybrid:federation:ControlPlane", name, {}, opts);
        this.release = pinnedRelease(
            `${name}-chart`,
            {
                release: "karmada",
                chart: KARMADA,
                createNamespace: true,
                values: args.values,
                // etcd's PVCs bind and its members elect a leader before the API server starts.
                timeoutSeconds: 900,
            },
            { parent: this, provider: args.hub.provider, dependsOn: [...args.hub.ready, ...args.after] },
        );
        this.registerOutputs({});
    }
}

/** hybrid:federation:PushMember: what `karmadactl join` creates in the member. */
export class PushMember extends pulumi.ComponentResource {
    readonly tokenSecret: k8s.core.v1.Secret;
    readonly impersonatorTokenSecret: k8s.core.v1.Secret;

    constructor(name: string, args: { member: ClusterHandle }, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:federation:PushMember", name, {}, opts);
        const o = pushMemberObjects(args.member.name);
        const provider = args.member.provider;
        const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: o.namespace.metadata }, { parent: this, provider, dependsOn: args.member.ready });
        const inNs = { parent: this, provider, dependsOn: [ns] };
        const sa = new k8s.core.v1.ServiceAccount(`${name}-service-account`, { metadata: o.serviceAccount.metadata }, inNs);
        const impersonator = new k8s.core.v1.ServiceAccount(`${name}-impersonator`, { metadata: o.impersonator.metadata }, inNs);
        const role = new k8s.rbac.v1.ClusterRole(
            `${name}-cluster-role`,
            { metadata: o.clusterRole.metadata, rules: o.clusterRole.rules as k8s.types.input.rbac.v1.PolicyRule[] },
            { parent: this, provider, dependsOn: args.member.ready },
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-cluster-role-binding`,
            {
                metadata: o.clusterRoleBinding.metadata,
                subjects: o.clusterRoleBinding.subjects as k8s.types.input.rbac.v1.Subject[],
                roleRef: o.clusterRoleBinding.roleRef as k8s.types.input.rbac.v1.RoleRef,
            },
            { parent: this, provider, dependsOn: [role, sa] },
        );
        // The provider waits until the token controller fills a service-account-token Secret
        // (pulumi-kubernetes' awaiter for that type), so `data` carries the token and ca.crt.
        this.tokenSecret = new k8s.core.v1.Secret(
            `${name}-token`,
            { metadata: o.tokenSecret.metadata, type: o.tokenSecret.type as string },
            { parent: this, provider, dependsOn: [sa], additionalSecretOutputs: ["data"] },
        );
        this.impersonatorTokenSecret = new k8s.core.v1.Secret(
            `${name}-impersonator-token`,
            { metadata: o.impersonatorTokenSecret.metadata, type: o.impersonatorTokenSecret.type as string },
            { parent: this, provider, dependsOn: [impersonator], additionalSecretOutputs: ["data"] },
        );
        this.registerOutputs({});
    }
}

/** hybrid:federation:PullMember: the karmada agent (the chart in agent mode) with its client certificate. */
export class PullMember extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(
        name: string,
        args: { member: ClusterHandle; server: string; caPem: pulumi.Output<string>; agent: KeyPair; after: pulumi.Resource[] },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("hybrid:federation:PullMember", name, {}, opts);
        const m = args.member;
        const base = agentValues(m.name, "", args.server);
        this.release = pinnedRelease(
            `${name}-agent`,
            {
                release: "karmada-agent",
                chart: KARMADA,
                createNamespace: true,
                values: {
                    ...base,
                    agent: {
                        ...base.agent,
                        clusterEndpoint: pulumi.interpolate`https://${m.apiServer.host}:${m.apiServer.port}`,
                        kubeconfig: { ...base.agent.kubeconfig, caCrt: args.caPem, crt: args.agent.certPem, key: args.agent.keyPem },
                    },
                },
                timeoutSeconds: 600,
            },
            // The agent registers its Cluster as soon as it starts: its RBAC in karmada-apiserver first.
            { parent: this, provider: m.provider, dependsOn: [...m.ready, ...args.after] },
        );
        this.registerOutputs({});
    }
}
