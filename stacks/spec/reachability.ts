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

/**
 * Shortest paths over one fleet's links: `(from, to)` gives the cluster names from `from` to `to`,
 * or undefined; only transit sites relay. The neighbour map is built once and each source's
 * breadth-first search kept (the mesh asks for every pair of members: 9,900 pairs at 100 clusters);
 * the search visits neighbours in link order, first found wins.
 */
export function pathsOver(fleet: Reachability): (from: string, to: string) => string[] | undefined {
    const neighbours = new Map<string, string[]>();
    const link = (a: string, b: string) => {
        const list = neighbours.get(a);
        if (list) list.push(b);
        else neighbours.set(a, [b]);
    };
    for (const {
        between: [a, b],
    } of fleet.links) {
        link(a, b);
        link(b, a);
    }
    const transit = new Set(fleet.transit);
    const searches = new Map<string, Map<string, string>>();
    const search = (from: string): Map<string, string> => {
        const previous = new Map<string, string>([[from, from]]);
        const queue = [from];
        for (let head = 0; head < queue.length; head++) {
            const at = queue[head];
            if (at !== from && !transit.has(at)) continue;
            for (const next of neighbours.get(at) ?? []) {
                if (previous.has(next)) continue;
                previous.set(next, at);
                queue.push(next);
            }
        }
        return previous;
    };
    return (from, to) => {
        if (from === to) return [from];
        let previous = searches.get(from);
        if (!previous) {
            previous = search(from);
            searches.set(from, previous);
        }
        if (!previous.has(to)) return undefined;
        const path = [to];
        while (path[0] !== from) path.unshift(previous.get(path[0])!);
        return path;
    };
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
    const path = pathsOver(fleet);
    return needs
        .filter((n) => !path(n.from, n.to))
        .map((n) => ({ path: n.path, rule: `${n.from} cannot reach ${n.to} over the declared links (needed by ${n.layer}): add a link or a transit site` }));
}
