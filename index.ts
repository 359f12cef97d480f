// The Pulumi program: read and validate the fleet spec, build the fleet, export per-cluster outputs.
import * as pulumi from "@pulumi/pulumi";
import type { LinksResult } from "./components/links/addon";
import { fleetFromConfig } from "./stacks/config";
import { buildFleet } from "./stacks/fleet";

const fleet = buildFleet(fleetFromConfig());

export const environment = fleet.spec.environment;
export const hub = fleet.spec.hub;
/** Per-cluster outputs (endpoints, ids); kubeconfigs are secrets. */
export const clusters = Object.fromEntries(
    fleet.clusters.map((c) => [
        c.spec.name,
        { provider: c.spec.provider, region: c.spec.region, ...c.outputs, ...(c.access ? { kubeconfig: pulumi.secret(c.access.kubeconfig) } : {}) },
    ]),
);
/** The links' addressing plan: each link's tunnels, inside /30s, addresses and ASNs (PSKs are never exported). */
export const links = ((fleet.layers.get("links") as LinksResult | undefined)?.plan.links ?? []).map((l) => ({
    name: l.name,
    kind: l.kind,
    ...(l.crossBorder ? { crossBorder: l.crossBorder } : {}),
    tunnels: l.tunnels.map((t) => ({ name: t.name, insideCidr: t.insideCidr, a: t.a, b: t.b })),
    announce: { [l.a.name]: l.a.announce, [l.b.name]: l.b.announce },
}));
