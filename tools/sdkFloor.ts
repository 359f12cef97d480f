// The SDK floor for the benchmark (tools/bench.ts): what a plan of N resources costs at least on
// this machine. The same SDKs the program loads, the same mock engine (tools/mockEngine.ts), and
// N bare custom resources without inputs, so the rest of a plan's time is the program's own.
// With --replay, a plan's inventory.json re-declared as it stands: every resource with its type,
// name, parent and inputs (secrets as the inventory writes them), each custom one through its SDK
// class, and no program around them: what the SDK's own work costs for exactly those resources, so
// the rest is the program's logic, the spec's parsing and the plan's writing.
//
//   node tools/build.js sdkFloor N
//   node tools/build.js sdkFloor --replay INVENTORY.json
import * as fs from "fs";
import * as path from "path";
import { yieldToEventLoop } from "../components/core/batches";
import { runCommand } from "./cli";
import { runOnMocks } from "./mockEngine";
import type { InventoryEntry, InventoryFile } from "./planDiff";

/**
 * The @pulumi/* runtime dependencies the program loads (package.json's, but for the policy pack's
 * SDK and @pulumi/eks: the program declares EKS with aws.eks, components/eks/cluster.ts says why).
 */
export function programSdks(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    return Object.keys(manifest.dependencies).filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/policy" && name !== "@pulumi/eks");
}

/** The packages the program imports one namespace module at a time (components/core/sdk), not through their index. */
const BY_NAMESPACE = new Set(["aws", "alicloud"]);

/** Loads the SDKs as the program does: aws and alicloud through the program's own subsets, the others whole. */
function loadProgramSdks(): void {
    require("../components/core/sdk/aws");
    require("../components/core/sdk/alicloud");
    for (const sdk of programSdks()) if (!BY_NAMESPACE.has(sdk.slice("@pulumi/".length))) require(sdk);
}

const USAGE = "usage: node tools/build.js sdkFloor RESOURCES | --replay INVENTORY.json";

/** What the floor registers: that many bare resources, or the resources of a plan's inventory. */
type FloorArgs = { count: number } | { replayed: InventoryFile };

function parseFloorArgs(argv: string[]): FloorArgs {
    if (argv[0] === "--replay" && argv.length === 2) {
        try {
            return { replayed: JSON.parse(fs.readFileSync(argv[1], "utf8")) as InventoryFile };
        } catch (e) {
            throw new Error(`${argv[1]}: ${(e as Error).message}`, { cause: e });
        }
    }
    const count = Number(argv[0]);
    if (!Number.isInteger(count) || count < 1 || argv.length !== 1) throw new Error("RESOURCES is a whole number of at least 1");
    return { count };
}

async function floor(args: FloorArgs): Promise<number> {
    loadProgramSdks();
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const started = Date.now();
    const cpu = process.cpuUsage();
    /** A custom resource with no inputs: what registering a resource costs the SDK and the mock engine. */
    class Bare extends pulumi.CustomResource {
        constructor(name: string) {
            super("bench:index:Bare", name, {});
        }
    }
    const { inventory } = await runOnMocks(async () => {
        if ("replayed" in args) await replayInventory(args.replayed.resources);
        else for (let i = 0; i < args.count; i++) new Bare(`bare-${i}`);
    });
    const { user, system } = process.cpuUsage(cpu);
    console.log(
        `sdk floor: ${inventory.resources.length} resources (evaluated in ${Date.now() - started} ms on the mock engine, ${Math.round((user + system) / 1000)} ms CPU)`,
    );
    return 0;
}

/** The command line (2: usage, 1: failure): what the benchmark runs beside each plan. */
export function main(argv: string[]): void {
    runCommand(argv, { name: "sdk floor", usage: USAGE, parse: parseFloorArgs, run: floor });
}

type ResourceClass = new (
    name: string,
    args: Record<string, unknown>,
    opts: import("@pulumi/pulumi").CustomResourceOptions,
) => import("@pulumi/pulumi").Resource;

/**
 * What of package `sdkName` holds the class of a token whose module path is `path`, shaped as the
 * package's index is: the package itself, or for aws and alicloud only the module the program
 * imports (their provider, or the one namespace under its name in the index).
 */
function sdkPart(sdkName: string, provider: boolean, path: string[]): any {
    if (!BY_NAMESPACE.has(sdkName)) return require(`@pulumi/${sdkName}`);
    if (provider) return require(`@pulumi/${sdkName}/provider`);
    return path.length > 0 ? { [path[0]]: require(`@pulumi/${sdkName}/${path[0]}`) } : require(`@pulumi/${sdkName}`);
}

/**
 * The provider SDK's class for a custom resource type token, as the program constructs it: its
 * constructor declares the type's output properties, each an Output the SDK makes and resolves, and
 * loading it loads its module of the SDK, the way the program loads it (aws and alicloud one
 * namespace module at a time). Kubernetes custom resources (a CRD's kind) are
 * apiextensions.CustomResource; undefined for a token no loaded SDK has a class for.
 */
export function classOf(type: string): ResourceClass | undefined {
    const [pkg, module, name] = type.split(":");
    const named = (holder: any): ResourceClass | undefined => (holder?.[name]?.__pulumiType === type ? holder[name] : undefined);
    // "pulumi:providers:aws" is @pulumi/aws's Provider; any other "pulumi:" type has no SDK class.
    const sdkName = pkg !== "pulumi" ? pkg : module === "providers" ? name : undefined;
    if (sdkName === undefined) return undefined;
    // "ec2/vpc" -> ec2, "index/provider" or "index" -> the package, "remote" -> remote
    const path = module.split("/").filter((p) => p !== "index");
    let sdk: any;
    try {
        sdk = sdkPart(sdkName, pkg === "pulumi", path);
    } catch {
        return undefined;
    }
    if (pkg === "pulumi") return sdk.Provider?.__pulumiType === name ? sdk.Provider : undefined;
    if (pkg === "kubernetes") {
        // group/version: "apps/v1", "core/v1", "rbac.authorization.k8s.io/v1", "helm.sh/v3"; a CRD's group has no class.
        const [group, version] = module.split("/");
        return named(sdk[group.split(".")[0]]?.[version]) ?? sdk.apiextensions.CustomResource;
    }
    for (const depth of [path.length - 1, path.length]) {
        const holder = path.slice(0, Math.max(depth, 0)).reduce((at: any, p) => at?.[p], sdk);
        const found = named(holder);
        if (found) return found;
    }
    return undefined;
}

/**
 * A provider's inputs go to the engine JSON-encoded (every value that is not a string): decoded
 * again, so that its class encodes them once, as the program's did.
 */
function providerArgs(inputs: Record<string, unknown>): Record<string, unknown> {
    const decoded = (v: unknown) => {
        if (typeof v !== "string") return v;
        try {
            const parsed: unknown = JSON.parse(v);
            return typeof parsed === "string" ? v : parsed;
        } catch {
            return v;
        }
    };
    return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, decoded(v)]));
}

/**
 * Resources declared between two yields to the event loop: about what the fleet declares in one
 * batch (components/core/batches.ts, 4 clusters). Declared in one go, 38,546 resources (100
 * clusters) took 248 s against the plan's 67 s, the way the fleet did before it declared in batches.
 */
export const REPLAY_BATCH = 600;

/**
 * Declares every inventory resource as it was declared (type, name, inputs), each under its parent,
 * declared first; a custom resource through its SDK class (classOf), as the program does.
 */
export async function replayInventory(resources: InventoryEntry[]): Promise<void> {
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    /** A custom resource type no SDK class is found for (the SDK's CustomResource is abstract). */
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
        let made: import("@pulumi/pulumi").Resource;
        if (!r.custom) made = new pulumi.ComponentResource(r.type, r.name, {}, opts);
        else {
            const Class = classOf(r.type);
            made = Class
                ? new Class(r.name, r.type.startsWith("pulumi:providers:") ? providerArgs(r.inputs) : r.inputs, opts)
                : new Replayed(r.type, r.name, r.inputs, opts);
        }
        declared.set(r.urn, made);
        return made;
    };
    for (const [i, r] of resources.entries()) {
        if (i > 0 && i % REPLAY_BATCH === 0) await yieldToEventLoop();
        declare(r);
    }
}

if (require.main === module) main(process.argv.slice(2));
