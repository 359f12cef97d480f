// The mesh as a fleet add-on: one root CA for the fleet, every member cluster's MeshCluster
// (under its site), then in every member one remote secret per other member: n*(n-1) in all.
// Members are the clusters the args name (the spec's `mesh.enabled`).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { inBatches } from "../core/batches";
import type { ClusterHandle, FleetAddon } from "../core/contract";
import { MeshRootCa } from "./ca";
import { MeshCluster } from "./cluster";
import { RemoteSecrets, RemoteSecretSource, remoteSecretSource } from "./remoteSecrets";
import { type DataPlane, exposureFor, type LocalityHost, remoteGateway } from "./render";

export interface MeshMemberArgs {
    /** Bump to issue the cluster a new intermediate CA. */
    caGeneration: number;
    gatewayReplicas: number;
    /** IDC without a LoadBalancer range: the nodes whose addresses front the NodePort gateway. */
    gatewayNodeSelector: Record<string, string>;
    tenants: { namespace: string; mode: DataPlane }[];
}

export interface MeshArgs {
    meshId: string;
    trustDomain: string;
    rootValidityDays: number;
    intermediateValidityDays: number;
    localityHosts: LocalityHost[];
    /** Member clusters by fleet name. */
    members: Record<string, MeshMemberArgs>;
}

/**
 * The mesh layer's component: the fleet's root CA and the members' mesh parts hang off it or their
 * sites. Made by `Mesh.declare`, which declares the members and then their remote secrets in
 * batches of members (core/batches.ts): at 100 members the secrets alone are ~10,000 resources.
 */
export class Mesh extends pulumi.ComponentResource {
    readonly rootCa: MeshRootCa;
    readonly clusters = new Map<string, MeshCluster>();
    readonly remoteSecrets = new Map<string, RemoteSecrets>();
    readonly ready: pulumi.Resource[] = [];

    private constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:mesh:Mesh", name, {}, opts);
        this.rootCa = new MeshRootCa(`${name}-root-ca`, { meshId: args.meshId, validityDays: args.rootValidityDays }, { parent: this });
    }

    static async declare(
        name: string,
        clusters: ClusterHandle[],
        args: MeshArgs,
        after: pulumi.Resource[],
        opts?: pulumi.ComponentResourceOptions,
    ): Promise<Mesh> {
        const mesh = new Mesh(name, args, opts);
        const root = { certPem: mesh.rootCa.certPem, keyPem: mesh.rootCa.keyPem };
        const members = clusters.filter((h) => args.members[h.name] !== undefined);
        // Every member's istio-system namespace, and after it istiod's remote secrets, waits for the
        // links: through one gate that depends on all of them, not each namespace on every link
        // resource (members x links dependencies, 272,070 in a 100-cluster plan). The gate is a
        // custom resource because a dependency on a component is one on each of its resources; the
        // SDK registers a resource only after its dependencies have registered, so on a later update
        // a new link still comes before a new member. A RandomId has no other effect.
        const linksUp = after.length > 0 ? [new random.RandomId(`${name}-links-up`, { byteLength: 1 }, { parent: mesh, dependsOn: after })] : [];
        await inBatches(members, (h) => {
            const m = args.members[h.name];
            const mc = new MeshCluster(
                `${h.name}-mesh`,
                {
                    view: {
                        name: h.name,
                        network: h.network.meshNetwork,
                        meshId: args.meshId,
                        trustDomain: args.trustDomain,
                        ambient: m.tenants.some((t) => t.mode === "ambient"),
                        gatewayReplicas: m.gatewayReplicas,
                        exposure: exposureFor(h.site, { loadBalancerCidr: h.network.loadBalancerCidr, nodeSelector: m.gatewayNodeSelector }),
                        gatewayClientCidrs: members
                            .filter((o) => o.network.meshNetwork !== h.network.meshNetwork)
                            .flatMap((o) => [o.network.siteCidr, o.network.podCidr]),
                    },
                    provider: h.provider,
                    ready: [...h.ready, ...linksUp],
                    root,
                    ca: { validityDays: args.intermediateValidityDays, generation: m.caGeneration },
                    localityHosts: args.localityHosts,
                    tenants: m.tenants,
                    tenantsReady: h.addons?.tenants ?? [],
                    remoteGateways: members.filter((o) => o.network.meshNetwork !== h.network.meshNetwork).map((o) => remoteGateway(o.site, o.network)),
                },
                { parent: h.parent },
            );
            mesh.clusters.set(h.name, mc);
            mesh.ready.push(...mc.ready);
        });
        // What every watcher's secret for a member holds, made once per member (on first use).
        const sources = new Map<string, RemoteSecretSource>();
        const sourceOf = (b: ClusterHandle): RemoteSecretSource => {
            if (!sources.has(b.name)) {
                const mb = mesh.clusters.get(b.name)!;
                // The site's CA where it knows it, else the one the token controller put beside the token (as istioctl reads it).
                sources.set(
                    b.name,
                    remoteSecretSource({ name: b.name, apiServer: b.apiServer, caCertificate: b.caCertificate ?? mb.readerCaCert, token: mb.readerToken }),
                );
            }
            return sources.get(b.name)!;
        };
        await inBatches(members, (a) => {
            const watcher = mesh.clusters.get(a.name)!;
            const watched = members.filter((b) => b.name !== a.name).map(sourceOf);
            if (watched.length === 0) return;
            const rs = new RemoteSecrets(`${a.name}-mesh-remote`, { provider: a.provider, after: [watcher.namespace], watched }, { parent: a.parent });
            mesh.remoteSecrets.set(a.name, rs);
            mesh.ready.push(...rs.secrets);
        });
        mesh.registerOutputs({ rootCert: mesh.rootCa.certPem });
        return mesh;
    }
}

export const meshAddon: FleetAddon<MeshArgs> = {
    name: "mesh",
    // The tunnels are up before istiod dials the other clusters (the spec checks the paths exist).
    needs: ["links"],
    async install(clusters, args, after) {
        return { ready: (await Mesh.declare("mesh", clusters, args, after)).ready };
    },
};
