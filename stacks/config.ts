// The edge between Pulumi config and the typed program: the fleet spec is validated here once;
// secrets named by the spec are read here, always as Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import { FleetSpec, FleetSpecError, parseFleet } from "./spec";

export const PROJECT = "hybrid-fleet";
export const FLEET_KEY = "fleet";

/**
 * Reads and validates `hybrid-fleet:fleet`. An invalid spec ends the program with one clean
 * error listing every violation (pulumi.RunError: no stack trace) before any resource exists.
 */
export function fleetFromConfig(): FleetSpec {
    const raw = new pulumi.Config(PROJECT).getObject<unknown>(FLEET_KEY);
    const result =
        raw === undefined
            ? { ok: false as const, violations: [`${PROJECT}:${FLEET_KEY}: is required (the fleet spec)`] }
            : parseFleet(raw, { stack: pulumi.getStack() });
    if (!result.ok) throw new pulumi.RunError(new FleetSpecError(result.violations).message);
    return result.spec;
}

/** A secret from the stack config, e.g. the SSH private key named by `ssh.privateKeyConfigKey`. */
export function configSecret(key: string): pulumi.Output<string> {
    return new pulumi.Config(PROJECT).requireSecret(key);
}
