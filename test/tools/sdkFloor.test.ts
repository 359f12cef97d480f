// The benchmark's replay floor re-declares a plan's resources as they stand: if it dropped or
// changed any, the "program's own cost" the benchmark reports above it would be wrong.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { InventoryFile } from "../../tools/planDiff";
import { replayInventory } from "../../tools/sdkFloor";
import { redact, runOnMocks } from "../../tools/mockEngine";
import { plannedStack } from "../harness";

describe("benchmark SDK floor: --replay", function () {
    this.timeout(60_000);

    it("re-declares every resource of the prod plan with its URN (type, name, parent chain) and its inputs", async () => {
        const planned: InventoryFile = JSON.parse(fs.readFileSync(path.join(await plannedStack("prod"), "inventory.json"), "utf8"));
        const { inventory } = await runOnMocks(() => replayInventory(planned.resources), { stack: "prod", recordState: false });
        const declared = (rs: { urn: string; inputs: unknown; custom: boolean }[]) =>
            rs
                .filter((r) => r.custom)
                .map((r) => ({ urn: r.urn, inputs: redact(r.inputs) }))
                .sort((a, b) => (a.urn < b.urn ? -1 : 1));
        assert.strictEqual(inventory.resources.length, planned.resources.length);
        assert.deepStrictEqual(inventory.resources.map((r) => r.urn).sort(), planned.resources.map((r) => r.urn).sort());
        assert.deepStrictEqual(declared(inventory.resources), declared(planned.resources));
    });
});
