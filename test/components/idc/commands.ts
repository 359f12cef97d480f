// What the IDC command tests read from a recorded remote.Command, and the spec change they apply.
import type { FleetSpec, IdcClusterSpec } from "../../../stacks/spec";
import { RegisteredResource, SecretValue } from "../../harness";

/** A recorded input, its secret unwrapped. */
export const plain = (v: unknown) => (v instanceof SecretValue ? v.value : v);
/** The address a command or copy connects to. */
export const hostOf = (r: RegisteredResource) => (plain(r.inputs.connection) as { host: string }).host;
/** The script a command runs. */
export const stdinOf = (r: RegisteredResource) => String(plain(r.inputs.stdin));
/** What re-runs a command when it changes (its triggers, secrets unwrapped). */
export const triggersOf = (r: RegisteredResource) => ((r.inputs.triggers as unknown[]) ?? []).map(plain);

/** The fleet with its IDC cluster at another kubernetesVersion. */
export function withIdcVersion(spec: FleetSpec, version: string): FleetSpec {
    const copy: FleetSpec = JSON.parse(JSON.stringify(spec));
    (copy.clusters.find((c) => c.provider === "idc") as IdcClusterSpec).kubernetesVersion = version;
    return copy;
}
