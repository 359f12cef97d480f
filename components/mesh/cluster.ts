// hybrid:mesh:MeshCluster: one cluster's part of the mesh (Istio "Install Multi-Primary on
// different networks"): istio-system on the cluster's network, its intermediate CA as
// istio-system/cacerts before istiod, the base, istiod and east-west gateway charts (istio-cni and
// ztunnel too when a tenant runs ambient), the cross-network Gateway, mesh-wide STRICT mTLS, the
// spec's locality DestinationRules, the reader token the other clusters' istiods use, and each
// meshed tenant namespace's injection label and mesh NetworkPolicy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "../core/k8s";
import { intermediateCa, type IntermediateCa } from "./ca";
import {
    baseValues,
    caCertsData,
    cniValues,
    crossNetworkGateway,
    type DataPlane,
    eastWestGatewayValues,
    EASTWEST,
    injectionLabels,
    istiodValues,
    istioSystemNamespace,
    type LocalityHost,
    localityDestinationRule,
    type MeshClusterView,
    meshPeerAuthentication,
    NS,
    readerTokenSecret,
    type RemoteGateway,
    tenantMeshPolicy,
    ztunnelValues,
} from "./render";
import { ISTIO } from "./versions";

export interface MeshClusterArgs {
    view: MeshClusterView;
    /** The cluster's own Kubernetes provider. */
    provider: k8s.Provider;
    /** What must exist first: nodes, DNS, the CNI. */
    ready: pulumi.Resource[];
    root: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
    ca: { validityDays: number; generation: number };
    localityHosts: LocalityHost[];
    /** Tenant namespaces that join the mesh, created by the tenant baseline (`tenantsReady`). */
    tenants: { namespace: string; mode: DataPlane }[];
    tenantsReady: pulumi.Resource[];
    /** Site CIDRs of the clusters on other networks, where their east-west gateways listen. */
    /** The other networks' east-west gateways, as this cluster's meshed pods dial them. */
    remoteGateways: RemoteGateway[];
}

/** How long a chart may wait for its pods (the gateway waits for its load balancer's address). */
const RELEASE_TIMEOUT_S = 600;

type Manifest = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: unknown };

export class MeshCluster extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly istiod: k8s.helm.v3.Release;
    readonly intermediate: IntermediateCa;
    /** The reader ServiceAccount's token (secret) and the cluster CA the token controller put beside it. */
    readonly readerToken: pulumi.Output<string>;
    readonly readerCaCert: pulumi.Output<string>;
    /** What the mesh on this cluster hands back as ready. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: MeshClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:mesh:MeshCluster", name, {}, opts);
        const { view, provider } = args;
        const on = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent: this, provider, dependsOn });

        const ns = istioSystemNamespace(view.network);
        this.namespace = new k8s.core.v1.Namespace(`${name}-istio-system`, { metadata: ns.metadata }, on(args.ready));

        this.intermediate = intermediateCa(`${name}-ca`, { cluster: view.name, meshId: view.meshId, root: args.root, ...args.ca }, this);
        const cacerts = new k8s.core.v1.Secret(
            `${name}-cacerts`,
            {
                metadata: { name: "cacerts", namespace: NS },
                type: "Opaque",
                stringData: pulumi.secret(
                    pulumi
                        .all([this.intermediate.certPem, this.intermediate.keyPem, pulumi.output(args.root.certPem)])
                        .apply(([caCert, caKey, rootCert]) => caCertsData({ caCert, caKey, rootCert })),
                ),
            },
            on([this.namespace]),
        );

        const release = (suffix: string, chart: string, releaseName: string, values: pulumi.Input<Record<string, unknown>>, dependsOn: pulumi.Resource[]) =>
            // atomic: a failed upgrade rolls back rather than leaving the mesh half-configured.
            pinnedRelease(
                `${name}-${suffix}`,
                { release: releaseName, chart: { chart, version: ISTIO.version, namespace: NS, repo: ISTIO.repo }, values, timeoutSeconds: RELEASE_TIMEOUT_S },
                on(dependsOn),
            );
        const base = release("base", "base", "istio-base", baseValues(), [this.namespace]);
        // istiod reads cacerts when it starts: the secret exists first (Plug in CA certificates).
        this.istiod = release("istiod", "istiod", "istiod", istiodValues(view), [base, cacerts]);
        const dataPlane: pulumi.Resource[] = [this.istiod];
        if (view.ambient) {
            const cni = release("cni", "cni", "istio-cni", cniValues(), [this.istiod]);
            dataPlane.push(cni, release("ztunnel", "ztunnel", "ztunnel", ztunnelValues(view), [this.istiod, cni]));
        }
        const gateway = release("eastwest", "gateway", EASTWEST.release, eastWestGatewayValues(view), [this.istiod]);

        // Istio CRs after the CRDs (base) and istiod's validating webhook.
        const cr = (suffix: string, m: Manifest) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${suffix}`,
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                on([base, this.istiod]),
            );
        const crossNetwork = cr("cross-network-gateway", crossNetworkGateway());
        const strict = cr("peer-authentication", meshPeerAuthentication());
        const rules = args.localityHosts.map((h) => cr(`dr-${h.host}`, localityDestinationRule(h)));

        // The reader ServiceAccount comes with the base chart and its ClusterRole with istiod's
        // (istioctl create-remote-secret renders the same reader objects from these charts).
        const t = readerTokenSecret();
        const token = new k8s.core.v1.Secret(`${name}-reader-token`, { metadata: t.metadata, type: t.type }, on([base, this.istiod]));
        const field = (key: string) => token.data.apply((d) => Buffer.from(d?.[key] ?? "", "base64").toString("utf8"));
        this.readerToken = pulumi.secret(field("token"));
        this.readerCaCert = field("ca.crt");

        const tenants: pulumi.Resource[] = [];
        for (const tn of args.tenants) {
            const after = [...args.tenantsReady, ...dataPlane];
            tenants.push(
                new k8s.core.v1.NamespacePatch(
                    `${name}-inject-${tn.namespace}`,
                    { metadata: { name: tn.namespace, labels: injectionLabels(tn.mode) } },
                    on(after),
                ),
            );
            const p = tenantMeshPolicy(tn.namespace, tn.mode, args.remoteGateways);
            tenants.push(
                new k8s.networking.v1.NetworkPolicy(
                    `${name}-mesh-policy-${tn.namespace}`,
                    { metadata: p.metadata, spec: p.spec as never },
                    on(args.tenantsReady),
                ),
            );
        }

        this.ready = [this.istiod, gateway, crossNetwork, strict, ...rules, ...dataPlane, ...tenants];
        this.registerOutputs({ network: view.network });
    }
}
