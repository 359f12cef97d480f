// What needs neither the CLI nor a cloud: validating a spec, and the offline plan as data (its
// inventory, the diff against an earlier one, the policy report).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { evaluatePolicies, PolicyReport } from "../policy/offline";
import { FleetSpec, FleetSpecError, loadFleet } from "../stacks/spec";
import { plan, PlanSpec, readPlanSpec } from "../tools/plan";
import { diffInventories, InventoryDiff, InventoryFile } from "../tools/planDiff";
import { stackFileOf, stackFilePath } from "../tools/stackFile";

export { FleetSpecError };

/** Raw config (the value of `hybrid-fleet:fleet`) to a FleetSpec; throws FleetSpecError with every violation. */
export function validateSpec(raw: unknown): FleetSpec {
    return loadFleet(raw);
}

/** A stack file's spec, validated; throws FleetSpecError with every violation. */
export function validateStack(stack: string, configFile = stackFilePath(stack)): FleetSpec {
    const { parsed } = readPlanSpec({ stack, config: configFile });
    if (!parsed.ok) throw new FleetSpecError(parsed.violations);
    return parsed.spec;
}

export interface PlanRequest {
    stack: string;
    /** The fleet as data; default: the stack's Pulumi.<stack>.yaml (or `configFile`). */
    spec?: FleetSpec | { raw: unknown };
    configFile?: string;
    /** Where the plan's files go; default: a new temporary directory. */
    out?: string;
    /** An earlier inventory (object or path) to diff against. */
    previous?: InventoryFile | string;
}

export interface OfflinePlan {
    /** The plan's files (inventory.json, manifests/, files/): `out`, or a temporary directory the caller removes when done. */
    outDir: string;
    inventory: InventoryFile;
    diff?: InventoryDiff;
    policies: PolicyReport;
    /** What the plan printed (its summary). */
    log: string[];
}

/**
 * Offline plans waiting for the one running: the SDK's mock runtime (its config, mocks and monitor)
 * and the console this captures are the process's, so two plans at once would mix their resources.
 */
let planning: Promise<unknown> = Promise.resolve();

/**
 * The offline plan as data. An invalid spec throws FleetSpecError before anything runs. Calls made
 * while a plan runs wait for it (one at a time per process).
 */
export function planOffline(request: PlanRequest): Promise<OfflinePlan> {
    const run = planning.then(() => planOnce(request));
    planning = run.catch(() => undefined);
    return run;
}

/** A stack name as it names a `Pulumi.<stack>.yaml` file. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

async function planOnce(request: PlanRequest): Promise<OfflinePlan> {
    if (!STACK_NAME.test(request.stack)) throw new Error(`stack: ${JSON.stringify(request.stack)} is not a stack name (letters, digits, '_', '.', '-')`);
    // Read before anything is made: a missing or broken earlier inventory leaves nothing behind.
    const previous = typeof request.previous === "string" ? (JSON.parse(fs.readFileSync(request.previous, "utf8")) as InventoryFile) : request.previous;
    // Our temporary directories go when the plan fails, wherever it fails; the caller's own `out` stays as the plan left it.
    const scratch: string[] = [];
    const log: string[] = [];
    const { log: consoleLog, error: consoleError } = console;
    let outDir = request.out;
    let planned = false;
    try {
        // The spec is judged once, here, and the plan takes it as judged.
        let input: PlanSpec;
        let configFile = request.configFile;
        if (request.spec !== undefined) {
            const raw = "raw" in request.spec ? request.spec.raw : request.spec;
            const spec = loadFleet(raw, { stack: request.stack });
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-spec-"));
            scratch.push(dir);
            configFile = path.join(dir, `Pulumi.${request.stack}.yaml`);
            // Written out in full: a spec built in code may share one object in many places, which
            // yaml would write as anchors and aliases, and a stack file may hold only so many.
            const text = YAML.stringify({ config: { "hybrid-fleet:fleet": raw } }, { aliasDuplicateObjects: false });
            fs.writeFileSync(configFile, text);
            input = { stackFile: stackFileOf(text, configFile), parsed: { ok: true, spec } };
        } else {
            input = readPlanSpec({ stack: request.stack, config: configFile });
            if (!input.parsed.ok) throw new FleetSpecError(input.parsed.violations);
        }
        if (outDir === undefined) {
            outDir = fs.mkdtempSync(path.join(os.tmpdir(), `fleet-plan-${request.stack}-`));
            scratch.push(outDir);
        }
        console.log = console.error = (...args: unknown[]) => void log.push(args.join(" "));
        const code = await plan({ stack: request.stack, out: outDir, ...(configFile ? { config: configFile } : {}) }, undefined, input);
        if (code !== 0) throw new Error(`the offline plan failed:\n${log.join("\n")}`);
        planned = true;
    } finally {
        console.log = consoleLog;
        console.error = consoleError;
        for (const dir of scratch.filter((d) => !planned || d !== outDir)) fs.rmSync(dir, { recursive: true, force: true });
    }
    const inventory = JSON.parse(fs.readFileSync(path.join(outDir, "inventory.json"), "utf8")) as InventoryFile;
    return { outDir, inventory, ...(previous ? { diff: diffInventories(previous, inventory) } : {}), policies: evaluatePolicies(inventory), log };
}
