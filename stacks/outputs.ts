// The stack outputs of a built fleet: what `pulumi stack output` shows and what the Automation
// API hands to other tools (index.ts and inline programs export the same). Kubeconfigs are secrets.
import * as pulumi from "@pulumi/pulumi";
import type { LinksResult } from "../components/links/addon";
import type { Fleet } from "./fleet";

export function fleetOutputs(fleet: Fleet) {
    return {
        environment: fleet.spec.environment,
        hub: fleet.spec.hub,
        /** Per-cluster outputs (endpoints, ids); kubeconfigs are secrets. */
        clusters: Object.fromEntries(
            fleet.clusters.map((c) => [
                c.spec.name,
                { provider: c.spec.provider, region: c.spec.region, ...c.outputs, ...(c.access ? { kubeconfig: pulumi.secret(c.access.kubeconfig) } : {}) },
            ]),
        ),
        /** The federation layer: karmada-apiserver's URL and its kubeconfig (a secret). */
        federation: fleet.layers.get("federation")?.outputs,
        /** The links' addressing plan (PSKs are never exported). */
        links: linksOutput((fleet.layers.get("links") as LinksResult | undefined)?.plan),
    };
}

/** Each link's tunnels; a link riding a CEN edge names the edge and the tunnels (between its eks site and the edge) that carry it. */
function linksOutput(plan: LinksResult["plan"] | undefined) {
    const tunnel = (t: LinksResult["plan"]["links"][number]["tunnels"][number]) => ({ name: t.name, insideCidr: t.insideCidr, a: t.a, b: t.b });
    return (plan?.links ?? []).map((l) => {
        const edge = plan!.cenEdges.find((e) => e.name === l.cenEdge);
        const crossing = edge?.crossings.find((c) => c.links.includes(l.name));
        return {
            name: l.name,
            kind: l.kind,
            ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
            tunnels: l.tunnels.map(tunnel),
            ...(edge && crossing
                ? { cenEdge: { name: `${edge.name}-edge`, region: edge.region, vpcCidr: edge.vpcCidr, tunnels: crossing.tunnels.map(tunnel) } }
                : {}),
            announce: { [l.a.name]: l.a.announce, [l.b.name]: l.b.announce },
        };
    });
}
