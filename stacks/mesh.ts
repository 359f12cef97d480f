// Spec -> args of the mesh add-on (components/mesh): the fleet's mesh settings and, for every
// cluster in the mesh (mesh.enabled), its own.
import type { MeshArgs } from "../components/mesh/addon";
import type { FleetSpec } from "./spec";

export function meshArgs(fleet: FleetSpec): MeshArgs | undefined {
    const members = fleet.clusters.filter((c) => c.mesh.enabled);
    if (members.length === 0) return undefined;
    return {
        meshId: fleet.mesh.id,
        trustDomain: fleet.mesh.trustDomain,
        rootValidityDays: fleet.mesh.ca.rootValidityDays,
        intermediateValidityDays: fleet.mesh.ca.intermediateValidityDays,
        localityHosts: fleet.mesh.localityFailover,
        members: Object.fromEntries(
            members.map((c) => [
                c.name,
                {
                    caGeneration: c.mesh.caGeneration,
                    gatewayReplicas: c.mesh.eastWestGateway.replicas,
                    gatewayNodeSelector: c.mesh.eastWestGateway.nodeSelector,
                    tenants: Object.entries(c.mesh.injection).map(([namespace, mode]) => ({ namespace, mode })),
                },
            ]),
        ),
    };
}
