import * as assert from "assert";
import { inBatches } from "../../../components/core/batches";

describe("declaring in batches (core/batches.ts)", () => {
    it("visits every item once, in order, and lets what a batch queued run before the next batch starts", async () => {
        const events: string[] = [];
        await inBatches(
            ["a", "b", "c", "d", "e"],
            (item, i) => {
                events.push(`declare ${item}${i}`);
                // What a registration does after its declaration: promise continuations.
                void Promise.resolve()
                    .then(() => Promise.resolve())
                    .then(() => events.push(`done ${item}`));
            },
            2,
        );
        assert.deepStrictEqual(events, ["declare a0", "declare b1", "done a", "done b", "declare c2", "declare d3", "done c", "done d", "declare e4"]);
    });

    it("declares nothing for no items and stops at the first throw", async () => {
        let calls = 0;
        await inBatches([], () => calls++);
        assert.strictEqual(calls, 0);
        await assert.rejects(
            inBatches([1, 2, 3], (n) => {
                calls++;
                if (n === 2) throw new Error("bad item 2");
            }),
            /bad item 2/,
        );
        assert.strictEqual(calls, 2);
    });
});
