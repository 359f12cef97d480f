// The federation layer as a fleet add-on: Karmada on the hub, every member joined, the policies.
import type { FleetAddon } from "../core/contract";
import { Karmada, KarmadaArgs } from "./karmada";

export interface FederationAddonArgs extends Omit<KarmadaArgs, "hub" | "members" | "after"> {
    hub: string;
    /** Member clusters by fleet name, with Cluster.spec.provider. */
    members: { name: string; provider: string }[];
}

export const federationAddon: FleetAddon<FederationAddonArgs> = {
    name: "federation",
    // Push members are reached, and Pull agents reach the hub, over the links.
    needs: ["links"],
    async install(clusters, args, after) {
        const byName = new Map(clusters.map((c) => [c.name, c]));
        const handle = (name: string) => {
            const h = byName.get(name);
            if (!h) throw new Error(`federation: no cluster handle for ${name}`);
            return h;
        };
        const { hub, members, ...rest } = args;
        const karmada = await Karmada.declare("karmada", {
            ...rest,
            hub: handle(hub),
            members: members.map((m) => ({ handle: handle(m.name), provider: m.provider })),
            after,
        });
        return { ready: [karmada], outputs: { kubeconfig: karmada.kubeconfig, server: karmada.server } };
    },
};
