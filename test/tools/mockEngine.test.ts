// The mock engine's run-time switches leave the SDK's behaviour as it was: the promises it makes
// during a run are untagged but still counted for its leak report, the Structs it sends hold what a
// protobuf round trip yields, and everything is back after.
import * as assert from "assert";
import * as fc from "fast-check";
import { createRequire } from "module";
import * as pulumi from "@pulumi/pulumi";
import { entryOf, plainStructs, runOnMocks, SecretValue } from "../../tools/mockEngine";

const debuggable: {
    debugPromiseLeaks: boolean;
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
    leakedPromises(): [Set<Promise<unknown>>, string];
} = require("@pulumi/pulumi/runtime/debuggable");
const state: { getStore(): { leakCandidates: Set<Promise<unknown>> } } = require("@pulumi/pulumi/runtime/state");

class Thing extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Thing", name, { size: 1 });
    }
}

/** What the SDK's leak report would see of the promises pending while a run declares one resource. */
async function pendingDuringRun(): Promise<{ pending: Promise<unknown>[]; rejection: any; rejected: Promise<unknown> }> {
    let pending: Promise<unknown>[] = [];
    let rejection: any;
    let rejected: Promise<unknown> = Promise.resolve();
    await runOnMocks(async () => {
        const thing = new Thing("thing");
        // Taken before the registration completes: its promises are still candidates.
        pending = [...state.getStore().leakCandidates];
        rejected = Promise.reject(new Error("refused"));
        await debuggable.debuggablePromise(rejected, "a rejection").catch((e) => (rejection = e));
        await new Promise((resolve) => thing.urn.apply(resolve));
    });
    return { pending, rejection, rejected };
}

const tagged = (p: Promise<unknown>) => Object.getOwnPropertyNames(p).includes("_debugCtx");

/** Runs `test` with FLEET_MOCK_STACKS as given (undefined: unset), whatever the whole run has, and puts it back after. */
async function withMockStacks<T>(value: string | undefined, test: () => Promise<T>): Promise<T> {
    const before = process.env.FLEET_MOCK_STACKS;
    const put = (v: string | undefined) => (v === undefined ? delete process.env.FLEET_MOCK_STACKS : (process.env.FLEET_MOCK_STACKS = v));
    put(value);
    try {
        return await test();
    } finally {
        put(before);
    }
}

describe("mock engine: the SDK's promises during a run", () => {
    const sdkFunction = debuggable.debuggablePromise;

    it("are counted as leak candidates without the SDK's debug tags, a rejection still names its promise, and the SDK's function is back after", async () => {
        const { pending, rejection, rejected } = await withMockStacks(undefined, pendingDuringRun);
        // A resource's registration makes several (its URN, its ID, the registration itself).
        assert.ok(pending.length >= 3, `${pending.length} pending`);
        // Only the first promise of a run goes through the SDK's own function (it schedules the exit check).
        assert.ok(pending.filter(tagged).length <= 1, `${pending.filter(tagged).length} tagged`);
        assert.strictEqual(rejection.message, "refused");
        assert.strictEqual(rejection.promise, rejected);
        assert.strictEqual(debuggable.debuggablePromise, sdkFunction);
    });

    it("a promise left pending is in the SDK's leak report", async () => {
        const never = new Promise(() => undefined);
        await runOnMocks(() => {
            void debuggable.debuggablePromise(never, "never settles");
        });
        const [leaked, message] = debuggable.leakedPromises();
        assert.ok(leaked.has(never), `${leaked.size} leaked, not the pending one`);
        assert.match(message, /promises? (was|were) still active/);
    });

    for (const [what, run] of [
        [
            "PULUMI_DEBUG_PROMISE_LEAKS",
            async () => {
                debuggable.debugPromiseLeaks = true;
                try {
                    return await withMockStacks(undefined, pendingDuringRun);
                } finally {
                    debuggable.debugPromiseLeaks = false;
                }
            },
        ],
        ["FLEET_MOCK_STACKS=1", () => withMockStacks("1", pendingDuringRun)],
    ] as const) {
        it(`keeps the SDK's own tags with ${what}`, async () => {
            const { pending } = await run();
            assert.ok(pending.length >= 3 && pending.every(tagged), `${pending.filter(tagged).length} of ${pending.length} tagged`);
        });
    }
});

describe("mock engine: stack capture during a run", () => {
    const Resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const sdkCallsites = Resource.callsites;

    /** Error.stackTraceLimit and how many frames the SDK's per-resource capture yields, seen from inside a run. */
    async function seenInRun(): Promise<{ limit: number; frames: number }> {
        let seen = { limit: -1, frames: -1 };
        await runOnMocks(() => {
            seen = { limit: Error.stackTraceLimit, frames: Resource.callsites().length };
            new Thing("thing");
        });
        return seen;
    }

    it("captures no stack (no frames, no callsites per resource), and whole ones with FLEET_MOCK_STACKS=1; both are back after", async () => {
        const limit = Error.stackTraceLimit;
        assert.deepStrictEqual(await withMockStacks(undefined, seenInRun), { limit: 0, frames: 0 });
        const kept = await withMockStacks("1", seenInRun);
        assert.strictEqual(kept.limit, limit);
        assert.ok(kept.frames > 0, "no callsites with FLEET_MOCK_STACKS=1");
        assert.strictEqual(Error.stackTraceLimit, limit);
        assert.strictEqual(Resource.callsites, sdkCallsites);
    });
});

/** google-protobuf's struct module as the SDK loads it. */
const structPb: {
    Struct: { fromJavaScript(value: unknown): { toJavaScript(): unknown; getFieldsMap(): { getLength(): number } } };
    Value: { fromJavaScript(value: unknown): unknown };
} = createRequire(require.resolve("@pulumi/pulumi"))("google-protobuf/google/protobuf/struct_pb");

/** A value with every object's keys in their order (deepStrictEqual ignores the order), or the error converting it threw. */
function converted(convert: () => { toJavaScript(): unknown }): unknown {
    const ordered = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(ordered) : v !== null && typeof v === "object" ? Object.entries(v).map(([k, x]) => [k, ordered(x)]) : v;
    try {
        return ordered(convert().toJavaScript());
    } catch (e) {
        return `threw: ${(e as Error).message}`;
    }
}

class Inputs extends pulumi.CustomResource {
    constructor(name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Thing", name, inputs, opts);
    }
}

class Inherits {
    own = 1;
}
(Inherits.prototype as any).inherited = { b: 2, a: 1 };

describe("mock engine: the Structs the SDK sends during a run", () => {
    it("hold what protobuf's round trip yields: keys sorted, inherited ones too, the same values, the same refusals", () => {
        const real = structPb.Struct.fromJavaScript;
        // protobuf's Struct.fromJavaScript converts nested objects through the module's own
        // (replaced) function: the real conversion is made with the replacement undone.
        const plainly = (value: unknown) => {
            const structs = plainStructs();
            try {
                assert.notStrictEqual(structPb.Struct.fromJavaScript, real);
                return converted(() => structPb.Struct.fromJavaScript(value));
            } finally {
                structs.restore();
            }
        };
        const same = (value: unknown) =>
            assert.deepStrictEqual(
                plainly(value),
                converted(() => real(value)),
            );
        fc.assert(
            fc.property(
                fc.dictionary(
                    fc.string(),
                    fc.anything({
                        withBoxedValues: true,
                        withDate: true,
                        withMap: true,
                        withSet: true,
                        withNullPrototype: true,
                        withSparseArray: true,
                        withTypedArray: true,
                    }),
                ),
                same,
            ),
            { numRuns: 300 },
        );
        for (const value of [
            { b: 1, a: 2, 10: 3, 9: 4, B: 5, é: 6, nested: { y: [{ d: 1, c: 2 }], x: -0 } },
            { x: NaN, y: Infinity, z: new Date(0), u: new Uint8Array([1, 2]) },
            { thing: new Inherits() },
            // A hole in a list, undefined, a function, a symbol, a bigint: protobuf refuses each.
            { list: Object.assign(new Array(3), { 0: 1, 2: 3 }) },
            { x: undefined },
            { f: () => 1 },
            { s: Symbol("s") },
            { n: 1n },
        ]) {
            same(value);
        }
        assert.match(String(plainly({ f: () => 1 })), /^threw: Unexpected struct type\.$/);
        assert.strictEqual(structPb.Struct.fromJavaScript, real);
    });

    it("are plain values that no reader can change, whose fields map protobuf's own readers still see", () => {
        const structs = plainStructs();
        try {
            const struct = structPb.Struct.fromJavaScript({ b: { c: [1] }, a: "x" });
            const value = struct.toJavaScript() as { b: { c: number[] } };
            assert.ok(Object.isFrozen(value) && Object.isFrozen(value.b) && Object.isFrozen(value.b.c));
            assert.throws(() => value.b.c.push(2), TypeError);
            assert.strictEqual(struct.getFieldsMap().getLength(), 2);
        } finally {
            structs.restore();
        }
    });

    it("are made without protobuf's messages, and record the inputs as the engine would receive them", async () => {
        const valueFromJavaScript = structPb.Value.fromJavaScript;
        let messages = 0;
        structPb.Value.fromJavaScript = (value: unknown) => {
            messages++;
            return valueFromJavaScript(value);
        };
        try {
            const { inventory } = await runOnMocks(() => {
                new Inputs("thing", { size: 1, tags: { z: "1", a: "2" }, key: pulumi.secret("k"), list: [true, null] });
            });
            const thing = inventory.named("test:index:Thing", "thing");
            assert.strictEqual(messages, 0, "protobuf's Value messages made during the run");
            assert.deepStrictEqual(Object.keys(thing.inputs), ["key", "list", "size", "tags"]);
            assert.deepStrictEqual(Object.keys(thing.inputs.tags), ["a", "z"]);
            assert.deepStrictEqual(thing.inputs.key, new SecretValue("k"));
            assert.deepStrictEqual(thing.inputs.list, [true, null]);
            assert.deepStrictEqual(thing.state.tags, { a: "2", z: "1" });
        } finally {
            structPb.Value.fromJavaScript = valueFromJavaScript;
        }
    });
});

describe("the mock engine's record of resource options", function () {
    this.timeout(30_000);

    it("records the options that change what an update does, as the engine receives them, and the inventory lists only those set", async () => {
        const { inventory } = await runOnMocks(() => {
            const plain = new Thing("plain");
            new Inputs(
                "careful",
                { size: 2 },
                {
                    ignoreChanges: ["tags"],
                    additionalSecretOutputs: ["size"],
                    deleteBeforeReplace: true,
                    replaceOnChanges: ["size"],
                    customTimeouts: { create: "30m", delete: "1h" },
                    deletedWith: plain,
                },
            );
        });
        const plain = inventory.named("test:index:Thing", "plain");
        assert.strictEqual(entryOf(plain).options, undefined, "no options entry where none is set");
        assert.ok(!("options" in entryOf(plain)), "the inventory entry has no options key");
        assert.deepStrictEqual(entryOf(inventory.named("test:index:Thing", "careful")).options, {
            ignoreChanges: ["tags"],
            additionalSecretOutputs: ["size"],
            deleteBeforeReplace: true,
            replaceOnChanges: ["size"],
            customTimeouts: { create: "30m", delete: "1h" },
            deletedWith: plain.urn,
        });
    });
});
