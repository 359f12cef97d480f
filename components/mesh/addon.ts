// The mesh as a fleet add-on: one root CA for the fleet, every member cluster's MeshCluster
// (under its site), then in every member one remote secret per other member: n*(n-1) in all.
// Members are the clusters the args name (the spec's `mesh.enabled`).
import * as pulumi from "@pulumi/pulumi";
import type { ClusterHandle, FleetAddon } from "../core/contract";
import { MeshRootCa } from "./ca";
import { MeshCluster } from "./cluster";
import { RemoteSecrets } from "./remoteSecrets";
import { type DataPlane, exposureFor, type LocalityHost } from "./render";

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

/** The mesh layer's component: the fleet's root CA and the members' mesh parts hang off it or their sites. */
export class Mesh extends pulumi.ComponentResource {
    readonly rootCa: MeshRootCa;
    readonly clusters = new Map<string, MeshCluster>();
    readonly remoteSecrets = new Map<string, RemoteSecrets>();
    readonly ready: pulumi.Resource[] = [];

    constructor(name: string, clusters: ClusterHandle[], args: MeshArgs, after: pulumi.Resource[], opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:mesh:Mesh", name, {}, opts);
        this.rootCa = new MeshRootCa(`${name}-root-ca`, { meshId: args.meshId, validityDays: args.rootValidityDays }, { parent: this });
        const root = { certPem: this.rootCa.certPem, keyPem: this.rootCa.keyPem };
        const members = clusters.filter((h) => args.members[h.name] !== undefined);
        for (const h of members) {
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
                    ready: [...h.ready, ...after],
                    root,
                    ca: { validityDays: args.intermediateValidityDays, generation: m.caGeneration },
                    localityHosts: args.localityHosts,
                    tenants: m.tenants,
                    tenantsReady: h.addons?.tenants ?? [],
                    remoteGatewayCidrs: members.filter((o) => o.network.meshNetwork !== h.network.meshNetwork).map((o) => o.network.siteCidr),
                },
                { parent: h.parent },
            );
            this.clusters.set(h.name, mc);
            this.ready.push(...mc.ready);
        }
        for (const a of members) {
            const watcher = this.clusters.get(a.name)!;
            const watched = members
                .filter((b) => b.name !== a.name)
                .map((b) => {
                    const mb = this.clusters.get(b.name)!;
                    // The site's CA where it knows it, else the one the token controller put beside the token (as istioctl reads it).
                    return { name: b.name, apiServer: b.apiServer, caCertificate: b.caCertificate ?? mb.readerCaCert, token: mb.readerToken };
                });
            if (watched.length === 0) continue;
            const rs = new RemoteSecrets(`${a.name}-mesh-remote`, { provider: a.provider, after: [watcher.namespace], watched }, { parent: a.parent });
            this.remoteSecrets.set(a.name, rs);
            this.ready.push(...rs.secrets);
        }
        this.registerOutputs({ rootCert: this.rootCa.certPem });
    }
}

export const meshAddon: FleetAddon<MeshArgs> = {
    name: "mesh",
    // The tunnels are up before istiod dials the other clusters (the spec checks the paths exist).
    needs: ["links"],
    install(clusters, args, after) {
        return { ready: new Mesh("mesh", clusters, args, after).ready };
    },
};
