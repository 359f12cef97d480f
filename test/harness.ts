// Test harness: run buildFleet or any program on the mock engine and get the inventory of
// every registered resource (see tools/mockEngine.ts for what each record holds).
import { buildFleet, Fleet } from "../stacks/fleet";
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FleetSpec, IdcClusterSpec, loadFleet, parseFleet, ParseOptions, ParseResult } from "../stacks/spec";
import { Inventory, RegisteredResource, runOnMocks, SecretValue } from "../tools/mockEngine";
import type { InventoryFile } from "../tools/planDiff";
import { offlineConfig, parseStackFile, readStackFile, StackFile, stackFilePath } from "../tools/stackFile";

export { Inventory, RegisteredResource, SecretValue };

/**
 * A checked-in stack file, read once per test process and deep-frozen. Reading one is ~40 ms (the
 * YAML parser and the stack file's hostile-input scans) and the spec tests start from one
 * thousands of times; the files do not change while the tests run.
 */
export function checkedInStackFile(stack: "prod" | "dev"): StackFile {
    let kept = stackFiles.get(stack);
    if (!kept) {
        kept = deepFreeze(readStackFile(stackFilePath(stack)));
        stackFiles.set(stack, kept);
    }
    return kept;
}
const stackFiles = new Map<string, StackFile>();

/** The raw fleet config of a checked-in stack (deep copy, free to mutate). */
export function rawStackFleet(stack: "prod" | "dev"): any {
    return structuredClone(checkedInStackFile(stack).rawFleet);
}

/** The validated FleetSpec of a checked-in stack. */
export function loadStackSpec(stack: "prod" | "dev"): FleetSpec {
    return loadFleet(rawStackFleet(stack));
}

/** The IDC cluster of a checked-in stack, validated (both stacks have one). */
export function loadIdcSpec(stack: "prod" | "dev"): IdcClusterSpec {
    return loadStackSpec(stack).clusters.find((c): c is IdcClusterSpec => c.provider === "idc")!;
}

/** A kubeadm bootstrap token of the shape the rendered join scripts take (`[a-z0-9]{6}.[a-z0-9]{16}`). */
export const JOIN_TOKEN = "abcdef.0123456789abcdef";

/**
 * The offline plan of a checked-in stack (tools/plan.ts's `plan()`, its printout dropped), made once
 * per test process into a directory of its own: the plan, federation and networking tests read the
 * same prod plan's files, and one mocha worker runs several of them. Read it, never write into it
 * (a test that re-plans uses a directory of its own); it is removed when the process exits.
 */
export function plannedStack(stack: "prod" | "dev"): Promise<string> {
    let planned = plans.get(stack);
    if (!planned) {
        planned = planInto(stack);
        plans.set(stack, planned);
        // A failed plan is not kept: the next test asking gets its own attempt (and its own error).
        planned.catch(() => plans.delete(stack));
    }
    return planned;
}
const plans = new Map<string, Promise<string>>();

/** The inventory.json of that plan (plannedStack), and its directory. */
export async function plannedInventory(stack: "prod" | "dev"): Promise<{ dir: string; inventory: InventoryFile }> {
    const dir = await plannedStack(stack);
    return { dir, inventory: JSON.parse(fs.readFileSync(path.join(dir, "inventory.json"), "utf8")) };
}

async function planInto(stack: "prod" | "dev"): Promise<string> {
    // Loaded here: most test files never plan, and tools/plan pulls in the plan's writers.
    const { plan }: typeof import("../tools/plan") = require("../tools/plan");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `planned-${stack}-`));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const log = console.log;
    console.log = () => undefined;
    try {
        // Its evaluation is this process's run of the same fleet (runFleet: the same program, spec and config):
        // most test processes that plan also run that fleet. The plan test's determinism case checks
        // a whole CLI plan, which evaluates on its own, against this one.
        assert.strictEqual(await plan({ stack, out: dir }, async (spec) => (await runFleet(spec, stack)).inventory), 0, `the offline plan of ${stack} failed`);
    } finally {
        console.log = log;
    }
    return dir;
}

/** Runs any program on the mock engine with the prod stack's config. */
export async function runProgram(program: () => unknown, stack: "prod" | "dev" = "prod"): Promise<Inventory> {
    const file = checkedInStackFile(stack);
    const { config, secretKeys } = offlineConfig(file, parseStackFile(file));
    return (await runOnMocks(program, { config, secretKeys, stack })).inventory;
}

/**
 * buildFleet(spec) on the mock engine, with the config a stack of that spec needs.
 *
 * A run is a pure function of (spec, stack, preview, the tls mock's mode): the stack file is read
 * from disk and the mocks derive every output from names and inputs; `realCerts` (or
 * HYBRID_FLEET_REAL_CERTS=1) makes the tls mock sign real certificates, so it is part of the key. So the runs of one test process are kept
 * (the last few, by the spec's full content) and a test asking for the same fleet again gets the
 * same result; mocha's workers run many files each, and most files start from the prod or dev
 * fleet. The inventory handed out is deep-frozen: a test that tried to change it would throw
 * instead of changing what the next test sees. A run that fails is not kept. `elapsedMs` is the
 * wall time of the run itself (also when the result is a kept one): what a timing test reads.
 */
export async function runFleet(
    spec: FleetSpec,
    stack: "prod" | "dev" = spec.environment === "prod" ? "prod" : "dev",
    options: { preview?: boolean; realCerts?: boolean } = {},
): Promise<FleetRun> {
    const realCerts = options.realCerts === true || process.env.HYBRID_FLEET_REAL_CERTS === "1";
    const key = `${stack}\0${options.preview === true}\0${realCerts}\0${specKey(spec)}`;
    const kept = fleetRuns.get(key);
    if (kept) {
        // Most recently used last: the Map's order is the eviction order.
        fleetRuns.delete(key);
        fleetRuns.set(key, kept);
        return kept;
    }
    const file = checkedInStackFile(stack);
    const { config, secretKeys } = offlineConfig(file, { ok: true, spec });
    const started = Date.now();
    // The tls mock reads the variable on each call: set for this run only.
    const previous = process.env.HYBRID_FLEET_REAL_CERTS;
    if (realCerts) process.env.HYBRID_FLEET_REAL_CERTS = "1";
    const { inventory, result } = await runOnMocks(() => buildFleet(spec), { config, secretKeys, stack, preview: options.preview }).finally(() => {
        if (previous === undefined) delete process.env.HYBRID_FLEET_REAL_CERTS;
        else process.env.HYBRID_FLEET_REAL_CERTS = previous;
    });
    const run = { inventory: deepFreeze(inventory), fleet: result, elapsedMs: Date.now() - started };
    fleetRuns.set(key, run);
    if (fleetRuns.size > KEPT_FLEET_RUNS) fleetRuns.delete(fleetRuns.keys().next().value!);
    return run;
}

/**
 * How many fleet runs a test process keeps (a prod run's inventory and graph are a few MB). A mocha
 * worker runs 10-15 different fleets; with 8 kept, the one-site IDC variants pushed the stacks' own
 * runs out before their last reader, and a worker ran the prod fleet, its preview and dev's twice.
 */
const KEPT_FLEET_RUNS = 16;
const fleetRuns = new Map<string, FleetRun>();

export interface FleetRun {
    inventory: Inventory;
    fleet: Fleet;
    /** Wall time of the mock-engine run that produced this result. */
    elapsedMs: number;
}

/** The spec's whole content as a string; a key that is present but undefined differs from an absent one. */
function specKey(spec: FleetSpec): string {
    return JSON.stringify(spec, (key, value) => {
        if (value instanceof Map || value instanceof Set) throw new Error(`runFleet: the spec is not plain data at ${key}`);
        return value === undefined ? "\0undefined" : value;
    });
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/** Resources of the links layer: every hybrid:links component and everything under one. */
export function linkResources(inv: Inventory): RegisteredResource[] {
    return inv.resources.filter((r) => r.type.startsWith("hybrid:links:") || inv.ancestors(r).some((a) => a.type.startsWith("hybrid:links:")));
}

/** Every place (resource + input path) where `needle` appears in plain text, outside a secret. */
export function plainTextOccurrences(inventory: Inventory, needle: string): string[] {
    const hits: string[] = [];
    const walk = (value: unknown, where: string): void => {
        if (value instanceof SecretValue) return;
        if (typeof value === "string") {
            if (value.includes(needle)) hits.push(where);
        } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
    };
    for (const r of inventory.resources) walk(r.inputs, `${r.type}::${r.name}`);
    return hits;
}

/**
 * A checked-in stack cut down to one of its clusters (after `mutate` on that cluster's raw spec):
 * no links (nor CEN edges), the cluster as the hub, the federation's policies (which name other members) dropped,
 * and a DNS name for the Karmada API server where a cloud hub needs one. For tests of one site's
 * own settings, which need not pay for building the other sites, the links and the mesh between them.
 */
export function oneSiteSpec(stack: "prod" | "dev", cluster: string, mutate: (site: any) => void = () => {}): FleetSpec {
    const parsed = parseFleet(oneSiteFleet(stack, cluster, mutate));
    assert.ok(parsed.ok, `the one-site ${stack} fleet of ${cluster} is invalid: ${parsed.ok ? "" : parsed.violations.join("; ")}`);
    return parsed.spec;
}

/** The raw spec oneSiteSpec parses (for what takes a raw fleet, e.g. planOffline's `spec: { raw }`). */
export function oneSiteFleet(stack: "prod" | "dev", cluster: string, mutate: (site: any) => void = () => {}): any {
    const fleet = rawStackFleet(stack);
    const site = fleet.clusters.find((c: any) => c.name === cluster);
    assert.ok(site, `${stack} has no cluster ${cluster}`);
    mutate(site);
    fleet.clusters = [site];
    fleet.links = [];
    delete fleet.cenEdges;
    fleet.hub = cluster;
    delete fleet.transit;
    if (fleet.federation) {
        Object.assign(fleet.federation, { policies: [], overrides: [] });
        if (site.provider !== "idc") fleet.federation.apiServer = { dnsName: `karmada.${cluster}.test.internal`, ...fleet.federation.apiServer };
    }
    return fleet;
}

/** Where both checked-in stacks list each site kind in `clusters`. */
export const IDC = 0;
export const EKS = 1;
export const ACK = 2;

/** A checked-in stack's raw spec after `mutate`, parsed (options: e.g. the date support windows are judged against). */
export function parsedAfter(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod", options: ParseOptions = {}): ParseResult {
    const fleet = rawStackFleet(stack);
    mutate(fleet);
    return parseFleet(fleet, options);
}

/** Violations of a checked-in stack's raw spec after `mutate`; fails the test if it is still valid. */
export function violationsAfter(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod"): string[] {
    const result = parsedAfter(mutate, stack);
    assert.ok(!result.ok, "expected the mutated spec to be rejected");
    return result.violations;
}

// Raw spec pieces the spec tests put into the prod stack.

/** A Direct Connect link idc-sh <-> eks-apne1 on a licensed line; `line` overrides the line's parameters. */
export function directConnectLink(line: Record<string, unknown> = {}) {
    return {
        between: ["idc-sh", "eks-apne1"],
        kind: "direct-connect",
        crossBorder: "carrier-line",
        directConnect: {
            connectionId: "dxcon-fg5678gh",
            vlan: 101,
            amazonAddress: "169.254.100.1/30",
            customerAddress: "169.254.100.2/30",
            amazonSideAsn: 64550,
            ...line,
        },
    };
}

/** The prod IDC's etcd backups to an s3-compatible store with a key pair of its own (config keys etcdBackupKeyId, etcdBackupSecret). */
export function withS3CompatibleEtcdBackup(fleet: any): void {
    fleet.clusters[IDC].etcd.backup = {
        ...(fleet.clusters[IDC].etcd.backup ?? {}),
        objectStore: {
            kind: "s3-compatible",
            bucket: "idc-sh-etcd",
            endpoint: "https://rgw.idc-sh.acme.internal",
            credentials: { accessKeyIdKey: "etcdBackupKeyId", secretAccessKeyKey: "etcdBackupSecret" },
        },
    };
}

/** Fails unless `expected` (a whole `<path>: <rule>` line) is among the violations. */
export function assertViolation(violations: string[], expected: string): void {
    assert.ok(violations.includes(expected), `expected violation\n  ${expected}\ngot\n  ${violations.join("\n  ")}`);
}

/** A fresh host's SSH public host key as `sshHostKey` takes it: "ssh-ed25519 <base64 of the key's SSH wire form>" (RFC 8709). */
export function newSshHostKey(): string {
    const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(raw)]).toString("base64")}`;
}
