// The SDK floor for the benchmark (tools/bench.ts): what a plan of N resources costs at least on
// this machine. The same SDKs the program loads, the same mock engine (tools/mockEngine.ts), and
// N bare custom resources without inputs, so the rest of a plan's time is the program's own.
// With --replay, a plan's inventory.json re-declared as it stands: every resource with its type,
// name, parent and inputs (secrets as the inventory writes them), and no program around them: what
// the SDK's own work per resource costs with the real inputs, so the rest is the program's logic,
// its module loading and the plan's writing.
//
//   node tools/build.js sdkFloor N
//   node tools/build.js sdkFloor --replay INVENTORY.json
import * as fs from "fs";
import * as path from "path";
import { runOnMocks } from "./mockEngine";
import type { InventoryEntry, InventoryFile } from "./planDiff";

/** Every @pulumi/* runtime dependency the program declares resources with (package.json). */
export function programSdks(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    return Object.keys(manifest.dependencies).filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/policy");
}

export function main(argv: string[]): void {
    const usage = (why = "") => {
        console.error(`${why}usage: node tools/build.js sdkFloor RESOURCES | --replay INVENTORY.json`);
        process.exit(2);
    };
    let replayed: InventoryFile | undefined;
    if (argv[0] === "--replay" && argv.length === 2) {
        try {
            replayed = JSON.parse(fs.readFileSync(argv[1], "utf8")) as InventoryFile;
        } catch (e) {
            usage(`${argv[1]}: ${(e as Error).message}\n`);
        }
    }
    const count = Number(argv[0]);
    if (!replayed && (!Number.isInteger(count) || count < 1 || argv.length !== 1)) usage();
    for (const sdk of programSdks()) require(sdk);
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const started = Date.now();
    const cpu = process.cpuUsage();
    /** A custom resource with no inputs: what registering a resource costs the SDK and the mock engine. */
    class Bare extends pulumi.CustomResource {
        constructor(name: string) {
            super("bench:index:Bare", name, {});
        }
    }
    runOnMocks(() => {
        if (replayed) replayInventory(replayed.resources);
        else for (let i = 0; i < count; i++) new Bare(`bare-${i}`);
    }).then(
        ({ inventory }) => {
            const { user, system } = process.cpuUsage(cpu);
            console.log(
                `sdk floor: ${inventory.resources.length} resources (evaluated in ${Date.now() - started} ms on the mock engine, ${Math.round((user + system) / 1000)} ms CPU)`,
            );
            process.exit(0);
        },
        (e: Error) => {
            console.error(`sdk floor failed: ${e.message}`);
            process.exit(1);
        },
    );
}

/** Declares every inventory resource as it was declared (type, name, inputs), each under its parent, declared first. */
export function replayInventory(resources: InventoryEntry[]): void {
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    /** Any custom resource type, as declared (the SDK's CustomResource is abstract). */
    class Replayed extends pulumi.CustomResource {
        constructor(type: string, name: string, inputs: Record<string, unknown>, opts: import("@pulumi/pulumi").CustomResourceOptions) {
            super(type, name, inputs, opts);
        }
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const declared = new Map<string, import("@pulumi/pulumi").Resource>();
    const declare = (r: InventoryEntry): import("@pulumi/pulumi").Resource => {
        const done = declared.get(r.urn);
        if (done) return done;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const opts = parent ? { parent: declare(parent) } : {};
        const made = r.custom ? new Replayed(r.type, r.name, r.inputs, opts) : new pulumi.ComponentResource(r.type, r.name, {}, opts);
        declared.set(r.urn, made);
        return made;
    };
    resources.forEach(declare);
}

if (require.main === module) main(process.argv.slice(2));
