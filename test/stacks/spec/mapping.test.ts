// A YAML mapping has no order: every record of the fleet schema hands the program its keys in one
// order (stacks/spec/mapping.ts), so a stack file that writes them in another changes nothing the
// program renders. test/stacks/fleet.test.ts checks the same end to end on a prod fleet.
import * as assert from "assert";
import { z } from "zod";
import { fleetSchema } from "../../../stacks/spec";
import { enumMapping, mapping, ORDERED_MAPPINGS } from "../../../stacks/spec/mapping";
import { schemaNodes } from "./stringFields";

/** The positions of the records in `schema` that are not made by mapping or enumMapping. */
const unorderedRecords = (schema: z.ZodType) =>
    schemaNodes(schema)
        .filter((n) => (n.schema as any)._zod.def.type === "record" && !(n.parent && ORDERED_MAPPINGS.has(n.parent)))
        .map((n) => n.at || "(top)");

describe("mappings of the stack file", () => {
    it("every record of the fleet schema is a mapping handed on in one key order", () => {
        const records = schemaNodes(fleetSchema).filter((n) => (n.schema as any)._zod.def.type === "record");
        // labels (hosts, pools, selectors, tenants' pods), weights, PSK rotations, mesh injection, the kubelet's maps.
        assert.ok(records.length >= 10, `only ${records.length} records found: ${records.map((r) => r.at).join(" ")}`);
        assert.deepStrictEqual(unorderedRecords(fleetSchema), []);
        // A plain record is found (the check can fail).
        assert.deepStrictEqual(unorderedRecords(z.strictObject({ tags: z.record(z.string(), z.string()), labels: mapping(z.string(), z.string()) })), [
            ".tags",
        ]);
    });

    it("writes every mapping's default in the order parsing would give it (zod hands a default on unparsed)", () => {
        const defaults = schemaNodes(fleetSchema).filter(
            (n) => (n.schema as any)._zod.def.type === "default" && ORDERED_MAPPINGS.has((n.schema as any)._zod.def.innerType),
        );
        // the kubelet's eviction, grace-period and reserved maps, mesh injection, the east-west gateway's node selector
        assert.ok(defaults.length >= 6, `only ${defaults.length} defaults: ${defaults.map((d) => d.at).join(" ")}`);
        for (const d of defaults) {
            const def = (d.schema as any)._zod.def;
            const written = structuredClone(def.defaultValue);
            assert.deepStrictEqual(Object.keys(def.innerType.parse(written)), Object.keys(written), d.at);
        }
    });

    it("hands a free-keyed mapping on in code-unit order and an enum-keyed one in the enum's, refusing what the record refuses", () => {
        const free = mapping(z.string().regex(/^[a-z]+$/), z.number());
        assert.deepStrictEqual(Object.keys(free.parse({ zone: 1, apple: 3 })), ["apple", "zone"]);
        assert.deepStrictEqual(Object.keys(mapping(z.string(), z.number()).parse({ zone: 1, B: 2, apple: 3 })), ["B", "apple", "zone"]);
        assert.strictEqual(free.safeParse({ Zone: 1 }).success, false);
        const signals = enumMapping(["memory.available", "nodefs.available", "imagefs.available"], z.string());
        assert.deepStrictEqual(Object.keys(signals.parse({ "imagefs.available": "15%", "memory.available": "500Mi" })), [
            "memory.available",
            "imagefs.available",
        ]);
        assert.strictEqual(signals.safeParse({ "pid.available": "1%" }).success, false);
    });
});
