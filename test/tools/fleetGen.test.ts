// The benchmark's fleet generator makes valid specs at every size the benchmark plans: a spec rule
// added later that the generated fleets break shows here, not in a failed benchmark in CI.
import * as assert from "assert";
import { generateValidFleet } from "../../tools/fleetGen";

describe("benchmark fleet generator", () => {
    for (const n of [1, 3, 10, 30, 100]) {
        it(`generates a valid fleet of ${n} clusters, the three sites in turn`, () => {
            const { spec } = generateValidFleet(n);
            assert.strictEqual(spec.clusters.length, n);
            assert.deepStrictEqual(
                spec.clusters.slice(0, 3).map((c) => c.provider),
                ["idc", "eks", "ack"].slice(0, Math.min(n, 3)),
            );
            assert.strictEqual(new Set(spec.clusters.map((c) => c.name)).size, n);
        });
    }
});
