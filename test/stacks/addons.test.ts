// The add-on registry: install order comes from declared needs, and a broken registry fails loudly.
import * as assert from "assert";
import fc from "fast-check";
import { clusterAddons, fleetAddons, installOrder } from "../../stacks/addons";
import { pathsOver, reachabilityViolations } from "../../stacks/spec/reachability";

const entry = (name: string, needs: string[] = []) => ({ addon: { name, needs } });

describe("add-on registry", () => {
    it("installs every add-on after the ones it needs, otherwise in registry order", () => {
        const order = installOrder([entry("tenants", ["cni"]), entry("mesh", ["cni", "links"]), entry("cni"), entry("links")]);
        assert.deepStrictEqual(
            order.map((e) => e.addon.name),
            ["cni", "tenants", "links", "mesh"],
        );
    });

    it("refuses a need that names no add-on, a cycle and a duplicate name", () => {
        assert.throws(() => installOrder([entry("mesh", ["links"])]), /mesh needs links, which is not in the registry/);
        assert.throws(() => installOrder([entry("a", ["b"]), entry("b", ["a"])]), /cycle: a -> b -> a/);
        assert.throws(() => installOrder([entry("a"), entry("a")]), /unique/);
    });

    it("orders the real registries: the CNI before the tenants", () => {
        const names = installOrder(clusterAddons).map((e) => e.addon.name);
        assert.ok(names.indexOf("cni") < names.indexOf("tenants"), names.join(","));
        installOrder(fleetAddons);
    });
});

describe("reachability over links", () => {
    const links = [{ between: ["idc", "eks"] }, { between: ["idc", "ack"] }];

    it("finds a direct link, and a path through a transit site only", () => {
        assert.deepStrictEqual(pathsOver({ links, transit: [] })("idc", "eks"), ["idc", "eks"]);
        assert.strictEqual(pathsOver({ links, transit: [] })("eks", "ack"), undefined);
        assert.deepStrictEqual(pathsOver({ links, transit: ["idc"] })("eks", "ack"), ["eks", "idc", "ack"]);
    });

    it("one fleet's paths for many pairs (pathsOver) are the paths a search per pair finds: shortest, transit-only relays, first link first", () => {
        // The search per pair, written out plainly: a breadth-first search from `from` that stops at `to`.
        const searchPerPair = (ls: { between: string[] }[], transit: string[], from: string, to: string): string[] | undefined => {
            if (from === to) return [from];
            const previous = new Map([[from, from]]);
            const queue = [from];
            while (queue.length > 0) {
                const at = queue.shift()!;
                if (at !== from && !transit.includes(at)) continue;
                for (const { between } of ls) {
                    const next = between[0] === at ? between[1] : between[1] === at ? between[0] : undefined;
                    if (next === undefined || previous.has(next)) continue;
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
        };
        const sites = ["a", "b", "c", "d", "e", "f", "g"];
        const site = fc.constantFrom(...sites);
        fc.assert(
            fc.property(
                fc.array(
                    fc.tuple(site, site).filter(([x, y]) => x !== y),
                    { maxLength: 14 },
                ),
                fc.subarray(sites),
                (pairs, transit) => {
                    const ls = pairs.map((between) => ({ between }));
                    const paths = pathsOver({ links: ls, transit });
                    for (const from of sites)
                        for (const to of sites) assert.deepStrictEqual(paths(from, to), searchPerPair(ls, transit, from, to), `${from} -> ${to}`);
                },
            ),
            { numRuns: 300 },
        );
    });

    it("names both clusters and the layer when a needed pair has no path", () => {
        const v = reachabilityViolations({ links, transit: [] }, [{ from: "eks", to: "ack", layer: "mesh", path: ["clusters", 1, "mesh"] }]);
        assert.deepStrictEqual(v, [
            { path: ["clusters", 1, "mesh"], rule: "eks cannot reach ack over the declared links (needed by mesh): add a link or a transit site" },
        ]);
    });
});
