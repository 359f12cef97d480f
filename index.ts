// The Pulumi program: read and validate the fleet spec, build the fleet, export per-cluster outputs.
import * as pulumi from "@pulumi/pulumi";
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
/** The federation layer: karmada-apiserver's URL and its kubeconfig (a secret). */
export const federation = fleet.layers.get("federation")?.outputs;
