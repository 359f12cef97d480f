// Declaring a large fleet in bounded batches. Until a registration has gone out (and, on the mock
// engine, come back) the SDK keeps its inputs, promises and closures: ~100 KB a resource, so
// thousands declared in one synchronous go are all held at once. Yielding to the event loop
// between batches lets every registration declared so far run its continuations first. Nothing
// waits for an engine answer: under `pulumi up` a batch never waits for the previous one's
// resources to be created, and the declarations (order, names, inputs, dependencies) are the same
// as declaring in one go.

/** Clusters declared between two yields to the event loop (about 150 resources each). */
export const DECLARE_BATCH = 4;

/** One macrotask: every promise continuation queued so far runs before it. */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `each` over `items` in order, yielding to the event loop before every `batch` items after the first. */
export async function inBatches<T>(items: readonly T[], each: (item: T, index: number) => void, batch = DECLARE_BATCH): Promise<void> {
    for (const [i, item] of items.entries()) {
        if (i > 0 && i % batch === 0) await yieldToEventLoop();
        each(item, i);
    }
}
