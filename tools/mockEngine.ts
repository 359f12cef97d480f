// Runs a Pulumi program on the SDK's in-process mock engine (pulumi.runtime.setMocks) and
// records every resource registration exactly as the engine would receive it: type, name,
// parent, provider, dependencies, protect, and the serialized inputs (secrets stay marked).
// Used by the offline plan (tools/plan.ts) and by the tests (test/harness.ts).
import { createRequire } from "module";
import * as v8 from "v8";
import { mockCalls, mockOutputs } from "./mocks";
import type { InventoryEntry, ResourceOptions } from "./planDiff";
import { collapseAlias, makeUrn, providerUrn } from "./urn";

/** A value the program registered as a Pulumi secret. */
export class SecretValue {
    constructor(readonly value: unknown) {}
    toJSON(): string {
        return "[secret]";
    }
}

export interface RegisteredResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** Parent URN, absent for top-level resources. */
    parent?: string;
    /** Provider reference `urn::id`, when the resource names an explicit provider. */
    provider?: string;
    dependencies: string[];
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    /** create/update/delete timeouts as given (Go durations), only those set. */
    customTimeouts: Record<string, string>;
    /** URN of the resource whose deletion deletes this one. */
    deletedWith?: string;
    /** The URNs its `aliases` option stands for, collapsed as the engine does (tools/urn.ts). */
    aliases: string[];
    /** Inputs as sent to the engine: secrets are SecretValue, assets `{ text }` or `{ path }`, resource references `{ urn }`. */
    inputs: Record<string, any>;
    /** What the mock returned as the resource's state. */
    state: Record<string, any>;
}

/** A data-source call (invoke) the program made: its token and arguments. */
export interface RecordedInvoke {
    token: string;
    args: Record<string, any>;
}

export class Inventory {
    private readonly index: Map<string, RegisteredResource>;
    constructor(
        readonly resources: RegisteredResource[],
        readonly invokes: RecordedInvoke[] = [],
    ) {
        this.index = new Map(resources.map((r) => [r.urn, r]));
    }
    ofType(type: string): RegisteredResource[] {
        return this.resources.filter((r) => r.type === type);
    }
    named(type: string, name: string): RegisteredResource {
        const found = this.resources.find((r) => r.type === type && r.name === name);
        if (!found) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "none"}`);
        }
        return found;
    }
    byUrn(urn: string): RegisteredResource {
        const found = this.index.get(urn);
        if (!found) throw new Error(`no resource ${urn}`);
        return found;
    }
    childrenOf(urn: string): RegisteredResource[] {
        return this.resources.filter((r) => r.parent === urn);
    }
    /** The provider resource a resource names explicitly, if any. */
    providerOf(r: RegisteredResource): RegisteredResource | undefined {
        return r.provider ? this.index.get(providerUrn(r.provider)) : undefined;
    }
    /** The URN of every resource `r` waits for: its dependencies, theirs, and so on. */
    dependencyClosure(r: RegisteredResource): Set<string> {
        const seen = new Set<string>();
        const walk = (urn: string) => {
            if (seen.has(urn)) return;
            seen.add(urn);
            this.byUrn(urn).dependencies.forEach(walk);
        };
        r.dependencies.forEach(walk);
        return seen;
    }
    /** Every ancestor URN of a resource, nearest first. */
    ancestors(r: RegisteredResource): RegisteredResource[] {
        const out: RegisteredResource[] = [];
        for (let p = r.parent; p && this.index.has(p); p = this.index.get(p)!.parent) out.push(this.index.get(p)!);
        return out;
    }
}

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
const RESOURCE = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Turns the wire form of inputs (google.protobuf.Struct as JS) into plain values with SecretValue markers. */
export function fromWire(value: any): any {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(fromWire);
    if (value === null || typeof value !== "object") return value;
    switch (value[SIG]) {
        case SECRET:
            return new SecretValue(fromWire(value.value));
        case ASSET:
            return value.text !== undefined ? { text: value.text } : value.path !== undefined ? { path: value.path } : { uri: value.uri };
        case ARCHIVE:
            return { archive: value.path ?? value.uri ?? "[assets]" };
        case RESOURCE:
            return { urn: value.urn };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
}

/** The timeouts a registration sets (the wire form has empty strings for those it does not). */
function customTimeoutsOf(t: { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined): Record<string, string> {
    if (!t) return {};
    return Object.fromEntries(Object.entries({ create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() }).filter(([, v]) => v !== ""));
}

/**
 * The options of a resource that change what an update does beyond its inputs (what it ignores, what it
 * hides, how and when it is replaced or deleted): only those set, none at all for most resources.
 */
export function optionsOf(r: RegisteredResource): ResourceOptions | undefined {
    const o: ResourceOptions = {
        ...(r.ignoreChanges.length > 0 ? { ignoreChanges: [...r.ignoreChanges] } : {}),
        ...(r.additionalSecretOutputs.length > 0 ? { additionalSecretOutputs: [...r.additionalSecretOutputs] } : {}),
        ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.replaceOnChanges.length > 0 ? { replaceOnChanges: [...r.replaceOnChanges] } : {}),
        ...(Object.keys(r.customTimeouts).length > 0 ? { customTimeouts: { ...r.customTimeouts } } : {}),
        ...(r.deletedWith ? { deletedWith: r.deletedWith } : {}),
        ...(r.aliases.length > 0 ? { aliases: [...r.aliases] } : {}),
    };
    return Object.keys(o).length > 0 ? o : undefined;
}

/** The alias URNs of a RegisterResourceRequest: structured aliases (the mock monitor supports them) or plain URNs. */
function aliasesOf(req: any, stack: string, project: string): string[] {
    const self = { stack, project, parent: req.getParent() || undefined, type: req.getType(), name: req.getName() };
    const structured = (req.getAliasesList() as any[]).map((a) => {
        if (a.hasUrn()) return a.getUrn() as string;
        const spec = a.getSpec();
        const parent = spec.hasNoparent() && spec.getNoparent() ? { noParent: true } : spec.hasParenturn() ? { parentUrn: spec.getParenturn() } : {};
        return collapseAlias({ name: spec.getName(), type: spec.getType(), stack: spec.getStack(), project: spec.getProject(), ...parent }, self);
    });
    return [...new Set([...structured, ...(req.getAliasurnsList() as string[])])];
}

/** A recorded resource as the offline plan's inventory.json lists it (`cluster`: the one it belongs to, if any). */
export function entryOf(r: RegisteredResource, cluster: string | null = null): InventoryEntry {
    const options = optionsOf(r);
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        cluster,
        parent: r.parent ?? null,
        provider: r.provider ?? null,
        custom: r.custom,
        protect: r.protect,
        retainOnDelete: r.retainOnDelete,
        dependencies: [...r.dependencies].sort(),
        ...(options ? { options } : {}),
        inputs: redact(r.inputs),
    };
}

/** Same value with every secret replaced by "[secret]": what may be written to disk or logs. */
export function redact(value: any): any {
    if (value instanceof SecretValue) return "[secret]";
    if (Array.isArray(value)) return value.map(redact);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
}

/** Heap use past which a run caps V8's heap growth per full collection (see boundHeapGrowth). */
export const HEAP_GROWTH_ABOVE_MB = 512;
/** The cap: the heap may grow by this percentage of what the last full collection left. */
export const HEAP_GROWTH_PERCENT = 30;

/**
 * V8 sizes the heap's next full collection from the collector's speed: up to 4x what the last one
 * left live. A 100-cluster fleet holds ~0.9 GB live at its end, and its plan peaked at 2.6 GB RSS
 * with most of that garbage. Once the heap passes HEAP_GROWTH_ABOVE_MB this caps the growth at
 * HEAP_GROWTH_PERCENT (V8's --heap-growing-percent, read at every collection, so it can be set
 * in a running process); smaller runs (every stack, the tests) never reach it and keep V8's own
 * sizing. Checked whenever the event loop turns (the fleet yields between batches).
 */
function boundHeapGrowth(): { stop(): void } {
    let capped = false;
    const timer = setInterval(() => {
        if (capped || process.memoryUsage().heapUsed < HEAP_GROWTH_ABOVE_MB * 2 ** 20) return;
        v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWTH_PERCENT}`);
        capped = true;
    }, 250);
    timer.unref();
    return {
        stop() {
            clearInterval(timer);
            // 0: V8's own sizing again.
            if (capped) v8.setFlagsFromString("--heap-growing-percent=0");
        },
    };
}

/** What runOnMocks uses of the SDK's runtime/debuggable module (its callers look the function up there at every call). */
interface Debuggable {
    debugPromiseLeaks: boolean;
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
}

/**
 * The SDK's debuggablePromise wraps every promise it makes (several per resource) for the report
 * it prints when a program exits with promises still pending: it keeps the promise in a set of
 * leak candidates until it settles, and tags it with an id, a label and a stack trace, three
 * non-enumerable properties that turn each promise into a slow dictionary-mode object. Only
 * PULUMI_DEBUG_PROMISE_LEAKS prints the tags (and the stacks are empty in a run anyway); without it
 * the report counts the candidates. This keeps the candidates, the count and the rejection's
 * `promise`, and leaves out the tags: ~15 % of a fleet run's CPU. The SDK's own function handles the
 * first promise, which schedules its exit check as it would.
 */
function untaggedPromise(sdk: Debuggable["debuggablePromise"]): Debuggable["debuggablePromise"] {
    // The candidates are read from the store when a promise settles, as the SDK does: its leak report replaces the set.
    const state: { getStore(): { leakCandidates: Set<Promise<unknown>> } } = require("@pulumi/pulumi/runtime/state");
    let first = true;
    return function debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> {
        if (first) {
            first = false;
            return sdk(p, ctx);
        }
        const store = state.getStore();
        store.leakCandidates.add(p);
        return p.then(
            (value) => {
                store.leakCandidates.delete(p);
                return value;
            },
            (err) => {
                store.leakCandidates.delete(p);
                err.promise = p;
                throw err;
            },
        );
    };
}

/** What plainStructs uses of google-protobuf's Struct (the copy the SDK loads). */
interface StructClass {
    new (): { getFieldsMap(noLazyCreate?: boolean): { set(key: string, value: unknown): unknown; forEach(f: (v: unknown, k: string) => void): void } };
    fromJavaScript(value: unknown): InstanceType<StructClass>;
}

/**
 * The SDK hands the engine every resource's inputs as a google.protobuf.Struct (Struct.fromJavaScript),
 * and the mock monitor answers with another; the monitor, this recorder and the SDK read them back with
 * toJavaScript: two conversions into jspb's message objects and up to four out of them per resource,
 * for bytes that on the mock engine are never sent. For the run, fromJavaScript makes a Struct that
 * holds what a round trip yields as plain values: the same conversion (keys sorted, as jspb's map
 * yields them; `for in` keys, inherited ones too; undefined, functions, symbols and bigints refused
 * with protobuf's error), done once, and frozen so that no reader can change what the next one reads.
 * ~15 % of a prod run's CPU, warm or cold. Any other use of such a Struct (its fields
 * map) sees the real fields.
 */
export function plainStructs(): { restore(): void } {
    const Struct: StructClass = createRequire(require.resolve("@pulumi/pulumi"))("google-protobuf/google/protobuf/struct_pb").Struct;
    const fromJavaScript = Struct.fromJavaScript;
    const wireValue = (value: unknown): unknown => {
        if (value === null) return null;
        switch (typeof value) {
            case "string":
            case "number":
            case "boolean":
                return value;
            case "object":
                if (!Array.isArray(value)) return wireObject(value);
                {
                    const list: unknown[] = [];
                    for (let i = 0; i < value.length; i++) list.push(wireValue(value[i]));
                    return Object.freeze(list);
                }
        }
        throw new Error("Unexpected struct type.");
    };
    const wireObject = (value: object | null | undefined): Record<string, unknown> => {
        const keys: string[] = [];
        for (const key in value) keys.push(key);
        keys.sort();
        const out: Record<string, unknown> = {};
        for (const key of keys) out[key] = wireValue((value as Record<string, unknown>)[key]);
        return Object.freeze(out);
    };
    class PlainStruct extends Struct {
        private materialized = false;
        constructor(private readonly plain: Record<string, unknown>) {
            super();
        }
        toJavaScript(): Record<string, unknown> {
            return this.plain;
        }
        getFieldsMap(noLazyCreate?: boolean) {
            const fields = super.getFieldsMap(noLazyCreate);
            if (!this.materialized) {
                this.materialized = true;
                fromJavaScript(this.plain)
                    .getFieldsMap()
                    .forEach((v, k) => fields.set(k, v));
            }
            return fields;
        }
    }
    Struct.fromJavaScript = (value: unknown) => new PlainStruct(wireObject(value as object));
    return {
        restore() {
            Struct.fromJavaScript = fromJavaScript;
        },
    };
}

export interface RunOptions {
    project?: string;
    stack?: string;
    /** Stack config, keys fully qualified (`hybrid-fleet:sshPrivateKey`). */
    config?: Record<string, string>;
    /** Which of the config keys are secrets. */
    secretKeys?: string[];
    /**
     * A first preview: new resources have no id and no computed outputs (only their inputs come
     * back), so every apply on them waits forever, as in `pulumi preview` of a fresh stack.
     */
    preview?: boolean;
    /** Record what the mock returned as each resource's state (default true; the offline plan reads only inputs). */
    recordState?: boolean;
}

/**
 * Runs `program` on the mock engine and returns every resource it registered. Runs are
 * sequential (the SDK keeps one global runtime); a program that throws rejects the promise.
 */
export async function runOnMocks<T>(program: () => T | Promise<T>, options: RunOptions = {}): Promise<{ inventory: Inventory; result: T }> {
    // Loaded here, not at the top: the plan's argument and spec errors exit before the SDK loads.
    const pulumi: typeof import("@pulumi/pulumi") = await import("@pulumi/pulumi");
    const recorded: RegisteredResource[] = [];
    // By URN for registerResourceOutputs (a linear search was quadratic in the fleet's size).
    const byUrn = new Map<string, RegisteredResource>();
    const invokes: RecordedInvoke[] = [];
    const recordState = options.recordState ?? true;
    const project = options.project ?? "hybrid-fleet";
    const stack = options.stack ?? "test";
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (options.preview && !args.type.startsWith("pulumi:providers:")) return { id: "", state: args.inputs };
                const make = mockOutputs[args.type];
                const state = { ...args.inputs, ...(make ? make(args) : {}) };
                return { id: args.id || `${args.name}-id`, state };
            },
            call(args) {
                invokes.push({ token: args.token, args: args.inputs });
                const make = mockCalls[args.token];
                if (!make) throw new Error(`no mock for invoke ${args.token}`);
                return make(args);
            },
        },
        project,
        stack,
        options.preview ?? false,
    );
    const monitor = pulumi.runtime.getMonitor() as any;
    // The SDK's mock monitor prefixes a child's type with its parent's own type only; the engine
    // prefixes it with the parent's whole qualified type (deploy.generateURN: "use the full qualified
    // type"), so below the first level of components the mock's URNs are not the ones `pulumi up`
    // gives. Every URN here is the engine's (tools/urn.ts makeUrn).
    monitor.newUrn = (parent: string, type: string, name: string) => makeUrn(stack, project, parent || undefined, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        register(req, (err: any, resp: any) => {
            if (!err) {
                const urn: string = resp.getUrn();
                const r: RegisteredResource = {
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent() || undefined,
                    provider: req.getProvider() || undefined,
                    dependencies: req.getDependenciesList(),
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    ignoreChanges: req.getIgnorechangesList(),
                    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    replaceOnChanges: req.getReplaceonchangesList(),
                    customTimeouts: customTimeoutsOf(req.getCustomtimeouts()),
                    deletedWith: req.getDeletedwith() || undefined,
                    aliases: aliasesOf(req, stack, project),
                    inputs: fromWire(req.getObject()?.toJavaScript() ?? {}),
                    state: recordState ? fromWire(resp.getObject()?.toJavaScript() ?? {}) : {},
                };
                recorded.push(r);
                byUrn.set(urn, r);
            }
            callback(err, resp);
        });
    };
    // Component outputs arrive after construction; keep the component's recorded state current.
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
        const r = recordState ? byUrn.get(req.getUrn()) : undefined;
        if (r) r.state = fromWire(req.getOutputs()?.toJavaScript() ?? {});
        registerOutputs(req, callback);
    };

    // The first of the run's switches: if it throws (the SDK's protobuf module moved), none of the others is left set.
    const structs = plainStructs();
    // A failed apply or registration surfaces only as an unhandled rejection: collect them,
    // as the real language host does, and fail the run instead of returning half a graph.
    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    // The SDK formats and keeps a stack trace for every promise it makes (runtime/debuggable.ts):
    // with source maps that was half of a fleet run, and even one frame each was ~8 % of the heap
    // at the end of declaration. No frames for the run (FLEET_MOCK_STACKS=1 keeps them whole, for
    // debugging a failing program).
    const stackTraceLimit = Error.stackTraceLimit;
    // Resource's constructor also captures and parses a whole stack of its own for every resource
    // (Resource.callsites lifts the frame limit to Infinity): the source position sent with the
    // registration, which nothing here records. ~6 % of the prod plan's CPU; none with the same switch.
    const Resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
    const callsites = Resource.callsites;
    const debuggable: Debuggable = require("@pulumi/pulumi/runtime/debuggable");
    const debuggablePromise = debuggable.debuggablePromise;
    if (!process.env.FLEET_MOCK_STACKS) {
        Error.stackTraceLimit = 0;
        Resource.callsites = () => [];
        if (!debuggable.debugPromiseLeaks) debuggable.debuggablePromise = untaggedPromise(debuggablePromise);
    }
    const heapWatch = boundHeapGrowth();
    try {
        // An async program (buildFleet declares in batches) is awaited, as the stack awaits its exports.
        const result = await program();
        await pulumi.runtime.disconnect();
        await new Promise((resolve) => setImmediate(resolve));
        if (failures.length > 0) {
            const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
            throw new Error(`the program failed on the mock engine:\n  ${messages.join("\n  ")}`);
        }
        return { inventory: new Inventory(recorded, invokes), result };
    } finally {
        heapWatch.stop();
        structs.restore();
        Error.stackTraceLimit = stackTraceLimit;
        Resource.callsites = callsites;
        debuggable.debuggablePromise = debuggablePromise;
        process.off("unhandledRejection", onRejection);
    }
}
