// The Pulumi program: read and validate the fleet spec, build the fleet, export its outputs.
import { fleetFromConfig } from "./stacks/config";
import { buildFleet } from "./stacks/fleet";
import { fleetOutputs } from "./stacks/outputs";

const outputs = fleetOutputs(buildFleet(fleetFromConfig()));

export const environment = outputs.environment;
export const hub = outputs.hub;
/** Per-cluster outputs (endpoints, ids); kubeconfigs are secrets. */
export const clusters = outputs.clusters;
/** The links' addressing plan: each link's tunnels, inside /30s, addresses and ASNs (PSKs are never exported). */
export const links = outputs.links;
/** The federation layer: karmada-apiserver's URL and its kubeconfig (a secret). */
export const federation = outputs.federation;
