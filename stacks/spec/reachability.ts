// Which clusters can reach which over the declared links. Every fleet layer states the pairs it
// needs (the mesh: every istiod to every other API server and east-west gateway; federation: the
// hub to Push members, Pull members to the hub; monitoring: the hub to every sidecar and store),
// and a pair with no path is a violation naming both clusters and the layer.
import type { Violation } from "./violation";

export interface Reachability {
    links: { between: readonly [string, string] | string[] }[];
    /** Clusters whose site re-advertises what it learns on one link to its other links. */
    transit: string[];
}

/** A shortest path of cluster names from `from` to `to`, or undefined; only transit sites relay. */
export function linkPath(fleet: Reachability, from: string, to: string): string[] | undefined {
    if (from === to) return [from];
    const neighbours = new Map<string, string[]>();
    for (const {
        between: [a, b],
    } of fleet.links) {
        neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
        neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
    }
    const transit = new Set(fleet.transit);
    const previous = new Map<string, string>([[from, from]]);
    const queue = [from];
    while (queue.length > 0) {
        const at = queue.shift()!;
        if (at !== from && !transit.has(at)) continue;
        for (const next of neighbours.get(at) ?? []) {
            if (previous.has(next)) continue;
            previous.set(next, at);
            if (next === to) {
                const path = [to];
                while (path[0] !== from) path.unshift(previous.get(path[0])!);
                return path;
            }
            queue.push(next);
        }
    }
    return undefined;
}

/** One pair of clusters a layer needs joined, and where in the spec the need comes from. */
export interface ReachabilityNeed {
    from: string;
    to: string;
    /** The layer that needs it and what for, e.g. "mesh (istiod watches the API server)". */
    layer: string;
    path: (string | number)[];
}

export function reachabilityViolations(fleet: Reachability, needs: ReachabilityNeed[]): Violation[] {
    return needs
        .filter((n) => !linkPath(fleet, n.from, n.to))
        .map((n) => ({ path: n.path, rule: `${n.from} cannot reach ${n.to} over the declared links (needed by ${n.layer}): add a link or a transit site` }));
}
