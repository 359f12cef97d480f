// The offline plan: runs the real program on the mock engine with a stack's config and writes
// what the stack declares, so a reviewer or a PR bot without cloud credentials can read and diff it.
//
//   npm run plan -- --stack prod [--config FILE] [--out DIR] [--diff OLD_INVENTORY]
//
// Writes DIR/inventory.json, DIR/manifests/<cluster>/*.yaml, DIR/files/<host>/<remote path>;
// prints a summary (and with --diff a markdown diff). An invalid spec prints every violation and
// exits 1 before anything is declared or written.
//
// `npm run plan` runs the esbuild bundle (tools/build.js rebuilds it first when a source changed).
// Nothing here loads the Pulumi SDK at module load: argument and spec errors exit in ~0.1 s, and
// the SDK (with stacks/fleet) is loaded only once there is a valid spec to declare.
import * as fs from "fs";
import * as path from "path";
import * as util from "util";
import * as YAML from "yaml";
import { finalPathOf } from "../components/idc/renderers/node";
import type { FleetSpec, ParseResult } from "../stacks/spec";
import { idcUpgradeNote, versionWarnings } from "../stacks/spec/versions";
import { entryOf, Inventory, redact, RegisteredResource, runOnMocks, SecretValue } from "./mockEngine";
import { runCommand } from "./cli";
import { renderLinkSummary } from "./linkSummary";
import { diffInventories, InventoryFile, InventoryEntry, renderDiff } from "./planDiff";
import { offlineConfig, parseStackFile, readStackFile, ROOT, type StackFile, stackFilePath } from "./stackFile";
import { byText } from "../components/core/order";

interface Args {
    stack: string;
    config?: string;
    out?: string;
    diff?: string;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run plan -- --stack NAME [--config FILE] [--out DIR] [--diff OLD_INVENTORY]";

export function parseArgs(argv: string[]): Args {
    let values: Partial<Args>;
    try {
        ({ values } = util.parseArgs({
            args: argv,
            options: { stack: { type: "string" }, config: { type: "string" }, out: { type: "string" }, diff: { type: "string" } },
            strict: true,
            allowPositionals: false,
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (!values.stack) throw new UsageError("--stack NAME is required");
    return values as Args;
}

const K8S_PROVIDER_SUFFIX = "-k8s";
/** Targets beside the fleet's clusters: karmada-apiserver (the federation layer's provider is `karmada-k8s`). */
const API_SERVER_TARGETS = ["karmada"];

/** The cluster a resource belongs to: by its Kubernetes provider's name, else by its top-level ancestor. */
function clusterOf(inv: Inventory, r: RegisteredResource, clusterNames: Set<string>): string | undefined {
    for (const candidate of [r, ...inv.ancestors(r)]) {
        const provider = inv.providerOf(candidate);
        if (provider?.name.endsWith(K8S_PROVIDER_SUFFIX)) {
            const name = provider.name.slice(0, -K8S_PROVIDER_SUFFIX.length);
            if (clusterNames.has(name)) return name;
        }
        if (clusterNames.has(candidate.name) && !candidate.custom) return candidate.name;
    }
    if (r.type.startsWith("pulumi:providers:")) {
        return [...clusterNames].find((c) => r.name === c || r.name.startsWith(`${c}-`));
    }
    return undefined;
}

function safeSegment(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** One Kubernetes object or Helm release as a reviewer wants to read it: a file name of plain characters, and the body. */
export function manifestOf(r: RegisteredResource): { file: string; body: unknown } {
    const inputs = redact(r.inputs);
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        const body = {
            kind: "HelmRelease",
            name: inputs.name ?? r.name,
            namespace: inputs.namespace,
            chart: inputs.chart,
            repo: inputs.repositoryOpts?.repo,
            version: inputs.version,
            values: inputs.values ?? {},
        };
        return { file: `helm-release-${safeSegment(r.name)}.yaml`, body };
    }
    const kind = String(inputs.kind ?? r.type.split(":").pop());
    const ns = inputs.metadata?.namespace;
    const name = inputs.metadata?.name ?? r.name;
    return { file: `${kind.toLowerCase()}-${ns ? `${safeSegment(ns)}-` : ""}${safeSegment(name)}.yaml`, body: inputs };
}

/**
 * The SSH host keys every connection pins, as declared (not as the spec says): per host, by name, its
 * keys' fingerprints; a host some connection reaches without a key has NOT PINNED (ssh-host-keys.txt).
 */
export function pinnedHostKeys(inventory: Pick<Inventory, "ofType">, hosts: Map<string, string>): [string, string][] {
    const { hostKeyFingerprint } = require("../components/idc/hostKey") as typeof import("../components/idc/hostKey");
    const pins = new Map<string, Set<string>>();
    for (const r of [...inventory.ofType("command:remote:Command"), ...inventory.ofType("command:remote:CopyToRemote")]) {
        const c = (r.inputs.connection instanceof SecretValue ? r.inputs.connection.value : r.inputs.connection) as
            | { host?: unknown; hostKey?: unknown }
            | undefined;
        const host = hosts.get(String(c?.host)) ?? String(c?.host);
        pins.set(host, (pins.get(host) ?? new Set()).add(typeof c?.hostKey === "string" ? hostKeyFingerprint(c.hostKey) : "NOT PINNED"));
    }
    return [...pins].sort().map(([h, f]) => [h, [...f].join(" ")]);
}

function hostNames(spec: FleetSpec): Map<string, string> {
    const byAddress = new Map<string, string>();
    for (const c of spec.clusters) {
        if (c.provider !== "idc") continue;
        for (const h of [...c.controlPlane.hosts, ...c.etcd.hosts, ...c.workers, ...(c.gateway?.hosts ?? [])]) byAddress.set(h.address, h.name);
    }
    return byAddress;
}

async function textOf(source: unknown): Promise<string> {
    if (source instanceof SecretValue) return "# [secret] the program passes this file as a Pulumi secret; its content is withheld from the plan\n";
    const text = (source as { text?: unknown } | undefined)?.text;
    return typeof text === "string" ? text : `# [not a StringAsset: ${JSON.stringify(redact(source))}]\n`;
}

function write(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
}

/**
 * Writes `JSON.stringify(inventory, null, 2) + "\n"` one resource at a time: at 100 clusters the
 * whole text is ~360 MB, held at once beside the inventory and most of V8's longest string.
 */
export function writeInventory(file: string, inventory: InventoryFile): void {
    const { resources, ...head } = inventory;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, "w");
    try {
        let chunk = "";
        const put = (text: string) => {
            chunk += text;
            if (chunk.length >= 1 << 20) {
                fs.writeSync(fd, chunk);
                chunk = "";
            }
        };
        // The head's members, then `resources` last (as the object literal orders them), each entry two levels in.
        put(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "resources": [`);
        resources.forEach((r, i) => put(`${i > 0 ? "," : ""}\n    ${JSON.stringify(r, null, 2).replace(/\n/g, "\n    ")}`));
        put(resources.length > 0 ? "\n  ]\n}\n" : "]\n}\n");
        fs.writeSync(fd, chunk);
    } finally {
        fs.closeSync(fd);
    }
}

/** What a plan writes into its directory; only these are ever removed from it. */
const PLAN_OUTPUTS = ["inventory.json", "manifests", "files", "ssh-host-keys.txt"];

/**
 * Clears an earlier plan from `outDir`; refuses a non-empty directory that holds no plan. A plan's
 * directory holds its inventory, or only what a plan writes (one that failed after clearing).
 */
function clearPlanDir(outDir: string): void {
    if (!fs.existsSync(outDir)) return;
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes("inventory.json") && !entries.every((e) => PLAN_OUTPUTS.includes(e))) {
        throw new Error(`${outDir} is not empty and holds no plan (inventory.json); refusing to write into it`);
    }
    for (const name of PLAN_OUTPUTS) fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
}

/**
 * Declares the fleet of a valid spec on the mock engine and returns what it registered: what the
 * plan writes. The tests hand in their own runs of the same program (test/harness.ts), whose
 * determinism test checks the CLI's plan, made with this default, against theirs.
 */
export type Evaluate = (spec: FleetSpec, run: { config: Record<string, string>; secretKeys: string[]; stack: string }) => Promise<Inventory>;

const evaluateOnMocks: Evaluate = async (spec, run) => {
    const { buildFleet } = require("../stacks/fleet") as typeof import("../stacks/fleet");
    // The fleet itself is not kept: its components hold every resource object the SDK made, and the plan needs only the inventory.
    return (await runOnMocks(async () => void (await buildFleet(spec)), { ...run, recordState: false })).inventory;
};

/** The stack file a plan reads and its spec, judged as the stack's (as `pulumi up` judges it). */
export interface PlanSpec {
    stackFile: StackFile;
    parsed: ParseResult;
}

export function readPlanSpec(args: Pick<Args, "stack" | "config">): PlanSpec {
    const stackFile = readStackFile(args.config ? path.resolve(args.config) : stackFilePath(args.stack));
    return { stackFile, parsed: parseStackFile(stackFile, { stack: args.stack }) };
}

/** `input`: the stack file and spec when the caller has read and judged them already (readPlanSpec). */
export async function plan(args: Args, evaluate: Evaluate = evaluateOnMocks, input?: PlanSpec): Promise<number> {
    // Read the old inventory first: it may be the one this run replaces (`--diff out/prod/inventory.json`).
    const old = args.diff ? (JSON.parse(fs.readFileSync(path.resolve(args.diff), "utf8")) as InventoryFile) : undefined;
    const outDir = path.resolve(args.out ?? path.join(ROOT, "out", args.stack));
    // A stale plan never outlives a run, not even one that stops at an invalid spec.
    clearPlanDir(outDir);

    const { stackFile, parsed } = input ?? readPlanSpec(args);
    if (!parsed.ok) {
        console.error(
            `invalid fleet spec in ${path.relative(process.cwd(), stackFile.file)} (${parsed.violations.length} violation${parsed.violations.length === 1 ? "" : "s"}):`,
        );
        for (const v of parsed.violations) console.error(`  - ${v}`);
        return 1;
    }
    const spec = parsed.spec;
    for (const w of versionWarnings(spec.clusters, new Date())) console.warn(`warning: ${w}`);
    for (const c of spec.clusters) {
        const note = c.provider === "idc" ? idcUpgradeNote(c.name, c.kubernetesVersion) : undefined;
        if (note) console.log(`note: ${note}`);
    }
    const { config, secretKeys } = offlineConfig(stackFile, parsed);
    // The program and its SDKs load before the clock starts: the figure printed is the evaluation.
    require("../stacks/fleet");
    const started = Date.now();
    const cpu = process.cpuUsage();
    const inventory = await evaluate(spec, { config, secretKeys, stack: args.stack });
    const elapsed = Date.now() - started;
    const { user, system } = process.cpuUsage(cpu);

    const clusterNames = new Set([...spec.clusters.map((c) => c.name), ...API_SERVER_TARGETS]);

    const entries: InventoryEntry[] = inventory.resources
        .map((r) => entryOf(r, clusterOf(inventory, r, clusterNames) ?? null))
        .sort((a, b) => byText(a.urn, b.urn));
    const inventoryFile: InventoryFile = { project: "hybrid-fleet", stack: args.stack, resources: entries };
    writeInventory(path.join(outDir, "inventory.json"), inventoryFile);

    let manifests = 0;
    for (const r of inventory.resources) {
        if (!r.type.startsWith("kubernetes:") || !r.custom) continue;
        const cluster = clusterOf(inventory, r, clusterNames) ?? "_unassigned";
        const { file, body } = manifestOf(r);
        write(path.join(outDir, "manifests", cluster, file), YAML.stringify(body, { sortMapEntries: true }));
        manifests++;
    }

    const hosts = hostNames(spec);
    let files = 0;
    for (const r of inventory.ofType("command:remote:CopyToRemote")) {
        // @pulumi/command makes the whole connection a secret (it holds the SSH key); only its
        // host, an address the spec already holds in plain text, is read from it.
        const connection = r.inputs.connection instanceof SecretValue ? r.inputs.connection.value : r.inputs.connection;
        const address = String((connection as { host?: unknown } | undefined)?.host ?? "unknown-host");
        const host = hosts.get(address) ?? safeSegment(address);
        // Copies land in the SSH user's staging directory and are installed from there: the plan shows the target path.
        const remotePath = finalPathOf(String(r.inputs.remotePath ?? r.name));
        write(path.join(outDir, "files", host, remotePath), await textOf(r.inputs.source));
        files++;
    }

    const pins = pinnedHostKeys(inventory, hosts);
    write(path.join(outDir, "ssh-host-keys.txt"), pins.map(([h, f]) => `${h} ${f}`).join("\n") + "\n");

    console.log(
        `hybrid-fleet offline plan: stack ${args.stack}, ${entries.length} resources (evaluated in ${elapsed} ms on the mock engine, ${Math.round((user + system) / 1000)} ms CPU)`,
    );
    console.log(`wrote ${path.relative(process.cwd(), outDir) || "."}/: inventory.json, ${manifests} manifests, ${files} host files`);
    const byCluster = new Map<string, number>();
    const byType = new Map<string, number>();
    for (const e of entries) {
        byCluster.set(e.cluster ?? "(fleet)", (byCluster.get(e.cluster ?? "(fleet)") ?? 0) + 1);
        byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    }
    console.log("\nresources per cluster:");
    for (const [c, n] of [...byCluster].sort()) console.log(`  ${c.padEnd(32)} ${n}`);
    console.log("\nresources per type:");
    for (const [t, n] of [...byType].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]))) console.log(`  ${t.padEnd(64)} ${n}`);
    console.log("\npinned SSH host keys (SHA256 fingerprints, as `ssh-keygen -l` prints them):\n" + pins.map(([h, f]) => `  ${h.padEnd(32)} ${f}`).join("\n"));
    const { planLinks } = require("../components/links/plan") as typeof import("../components/links/plan");
    const { cenEdgeDecls, linkDecls, linkSites } = require("../stacks/links") as typeof import("../stacks/links");
    console.log("\n" + renderLinkSummary(planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec))));
    // The platform's policies over what was just planned: what `pulumi preview --policy-pack policy` would say.
    const { evaluatePolicies, renderPolicyReport } = require("../policy/offline") as typeof import("../policy/offline");
    console.log("\n" + renderPolicyReport(evaluatePolicies(inventoryFile), args.stack));

    if (old) {
        console.log("\n" + renderDiff(diffInventories(old, inventoryFile), args.stack));
    }
    return 0;
}

/** The command line: runs the plan and exits with its code (2: usage, 1: invalid spec or failure). */
export function main(argv: string[]): void {
    runCommand(argv, { name: "plan", usage: USAGE, parse: parseArgs, run: (args) => plan(args) });
}

if (require.main === module) main(process.argv.slice(2));
