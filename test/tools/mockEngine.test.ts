// The mock engine's run-time switches leave the SDK's behaviour as it was: the promises it makes
// during a run are untagged but still counted for its leak report, and everything is back after.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runOnMocks } from "../../tools/mockEngine";

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

describe("mock engine: the SDK's promises during a run", () => {
    const sdkFunction = debuggable.debuggablePromise;

    it("are counted as leak candidates without the SDK's debug tags, a rejection still names its promise, and the SDK's function is back after", async () => {
        const { pending, rejection, rejected } = await pendingDuringRun();
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

    for (const [what, set, unset] of [
        ["PULUMI_DEBUG_PROMISE_LEAKS", () => (debuggable.debugPromiseLeaks = true), () => (debuggable.debugPromiseLeaks = false)],
        ["FLEET_MOCK_STACKS=1", () => (process.env.FLEET_MOCK_STACKS = "1"), () => delete process.env.FLEET_MOCK_STACKS],
    ] as const) {
        it(`keeps the SDK's own tags with ${what}`, async () => {
            set();
            try {
                const { pending } = await pendingDuringRun();
                assert.ok(pending.length >= 3 && pending.every(tagged), `${pending.filter(tagged).length} of ${pending.length} tagged`);
            } finally {
                unset();
            }
        });
    }
});
