// The stack outputs of a built fleet: what `pulumi stack output` shows and what the Automation
// API hands to other tools. Kubeconfigs are secrets.
import * as pulumi from "@pulumi/pulumi";
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
    };
}
