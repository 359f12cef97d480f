// The Pulumi program: read and validate the fleet spec, build the fleet, export its outputs.
// buildFleet declares in batches (stacks/fleet.ts), so the outputs are promises: the stack waits
// for every exported promise before it finishes, as it does for outputs.
import { fleetFromConfig } from "./stacks/config";
import { buildFleet } from "./stacks/fleet";
import { fleetOutputs } from "./stacks/outputs";

const spec = fleetFromConfig();
const outputs = buildFleet(spec).then(fleetOutputs);

export const environment = spec.environment;
export const hub = spec.hub;
/** Per-cluster outputs (endpoints, ids); kubeconfigs are secrets. */
export const clusters = outputs.then((o) => o.clusters);
/** The links' addressing plan: each link's tunnels, inside /30s, addresses and ASNs (PSKs are never exported). */
export const links = outputs.then((o) => o.links);
/** The federation layer: karmada-apiserver's URL and its kubeconfig (a secret). */
export const federation = outputs.then((o) => o.federation);
