// What needs neither the CLI nor a cloud: validating a spec, and the offline plan as data (its
// inventory, the diff against an earlier one, the policy report).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { evaluatePolicies, PolicyReport } from "../policy/offline";
import { FleetSpec, FleetSpecError, loadFleet } from "../stacks/spec";
import { plan } from "../tools/plan";
import { diffInventories, InventoryDiff, InventoryFile } from "../tools/planDiff";
import { parseStackFile, readStackFile, stackFilePath } from "../tools/stackFile";

export { FleetSpecError };

/** Raw config (the value of `hybrid-fleet:fleet`) to a FleetSpec; throws FleetSpecError with every violation. */
export function validateSpec(raw: unknown): FleetSpec {
    return loadFleet(raw);
}

/** A stack file's spec, validated; throws FleetSpecError with every violation. */
export function validateStack(stack: string, configFile = stackFilePath(stack)): FleetSpec {
    const parsed = parseStackFile(readStackFile(configFile));
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

async function planOnce(request: PlanRequest): Promise<OfflinePlan> {
    let configFile = request.configFile;
    const scratch: string[] = [];
    if (request.spec !== undefined) {
        const raw = "raw" in request.spec ? request.spec.raw : request.spec;
        loadFleet(raw);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-spec-"));
        scratch.push(dir);
        configFile = path.join(dir, `Pulumi.${request.stack}.yaml`);
        fs.writeFileSync(configFile, YAML.stringify({ config: { "hybrid-fleet:fleet": raw } }));
    } else {
        validateStack(request.stack, configFile ?? stackFilePath(request.stack));
    }
    const outDir = request.out ?? fs.mkdtempSync(path.join(os.tmpdir(), `fleet-plan-${request.stack}-`));
    const previous = typeof request.previous === "string" ? (JSON.parse(fs.readFileSync(request.previous, "utf8")) as InventoryFile) : request.previous;
    const log: string[] = [];
    const { log: consoleLog, error: consoleError } = console;
    console.log = console.error = (...args: unknown[]) => void log.push(args.join(" "));
    let planned = false;
    try {
        const code = await plan({ stack: request.stack, out: outDir, ...(configFile ? { config: configFile } : {}) });
        if (code !== 0) throw new Error(`the offline plan failed:\n${log.join("\n")}`);
        planned = true;
    } finally {
        console.log = consoleLog;
        console.error = consoleError;
        // A temporary output directory of ours goes with a failed plan; the caller's own `out` stays as the plan left it.
        for (const dir of [...scratch, ...(planned || request.out !== undefined ? [] : [outDir])]) fs.rmSync(dir, { recursive: true, force: true });
    }
    const inventory = JSON.parse(fs.readFileSync(path.join(outDir, "inventory.json"), "utf8")) as InventoryFile;
    return { outDir, inventory, ...(previous ? { diff: diffInventories(previous, inventory) } : {}), policies: evaluatePolicies(inventory), log };
}
