// The fleet CLI, on the automation library:
//
//   npm run fleet -- <validate|plan|preview|up|refresh|outputs> --stack NAME [--config FILE] [--cluster NAME] [--json]
//   npm run fleet -- rotate-psk --stack NAME --tunnel NAME [--config FILE] [--json]
//
// A progress line per cluster on a terminal, plain lines in CI, JSON lines with --json.
// Exit codes: 0 ok; 1 invalid spec, failed operation or a mandatory policy violation; 2 usage.
// The SDKs load only after the arguments are read, so a usage error answers at once.
import * as path from "path";
import { parseArgs } from "util";
// Types only, and events.ts imports only types: nothing heavy loads before the arguments are read.
import { FLEET, type FleetEvent } from "../automation/events";
import { runCommand } from "./cli";

const COMMANDS = ["validate", "plan", "preview", "up", "refresh", "outputs", "rotate-psk"] as const;
type Command = (typeof COMMANDS)[number];
const USAGE =
    "usage: npm run fleet -- <validate|plan|preview|up|refresh|outputs> --stack NAME [--config FILE] [--cluster NAME] [--json]\n" +
    "       npm run fleet -- rotate-psk --stack NAME --tunnel NAME [--config FILE] [--json]";

export interface CliArgs {
    command: Command;
    stack: string;
    config?: string;
    cluster?: string;
    /** rotate-psk: the tunnel, by the name the plan prints. */
    tunnel?: string;
    json: boolean;
}

export class UsageError extends Error {}

export function parseCli(argv: string[]): CliArgs {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                stack: { type: "string" },
                config: { type: "string" },
                cluster: { type: "string" },
                tunnel: { type: "string" },
                json: { type: "boolean", default: false },
            },
        });
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const [command, ...extra] = parsed.positionals;
    if (!command) throw new UsageError("a command is required");
    if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command ${command}`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const { stack, config, cluster, tunnel, json } = parsed.values;
    // An empty value (an unset CI variable) is a mistake, never "not given": `--cluster ""` would run on the whole fleet.
    for (const [name, value] of Object.entries({ stack, config, cluster, tunnel }))
        if (value !== undefined && value.trim() === "") throw new UsageError(`--${name} needs a value, got an empty one`);
    if (!stack) throw new UsageError("--stack NAME is required");
    if (cluster !== undefined && !["preview", "up", "refresh"].includes(command))
        throw new UsageError(`--cluster applies to preview, up and refresh, not ${command}`);
    if ((command === "rotate-psk") !== (tunnel !== undefined))
        throw new UsageError(
            command === "rotate-psk" ? "rotate-psk needs --tunnel NAME (as `npm run plan` prints it)" : `--tunnel applies to rotate-psk, not ${command}`,
        );
    return {
        command: command as Command,
        stack,
        ...(config ? { config: path.resolve(config) } : {}),
        ...(cluster ? { cluster } : {}),
        ...(tunnel ? { tunnel } : {}),
        json: json === true,
    };
}

type Print = (line: string) => void;

/** Renders progress events: a redrawn line per cluster on a terminal, one line per event otherwise. */
function progressPrinter(json: boolean, tty: boolean, print: Print) {
    const counts = new Map<string, { started: number; done: number; failed: number }>();
    let drawn = 0;
    return (e: FleetEvent) => {
        if (json) return print(JSON.stringify(e));
        if (e.kind === "summary") {
            if (tty && drawn) process.stdout.write("\n");
            const changes = Object.entries(e.changes)
                .map(([op, n]) => `${op} ${n}`)
                .join(", ");
            print(`summary: ${changes || "no changes"} in ${e.durationSeconds} s`);
            for (const [c, p] of Object.entries(e.clusters)) if (p.started) print(`  ${c.padEnd(24)} ${p.done} done, ${p.failed} failed of ${p.started}`);
            return;
        }
        if (e.kind === "diagnostic") {
            if (e.severity === "error" || e.severity === "warning") print(`${e.severity}: ${e.cluster === FLEET ? "" : `[${e.cluster}] `}${e.message}`);
            return;
        }
        if (e.kind === "policy") return print(`policy ${e.enforcementLevel} ${e.policy}: ${e.message}`);
        const c = counts.get(e.cluster) ?? { started: 0, done: 0, failed: 0 };
        counts.set(e.cluster, c);
        c[e.kind === "started" ? "started" : e.kind === "done" ? "done" : "failed"]++;
        if (e.kind === "failed") {
            if (tty && drawn) process.stdout.write("\n");
            drawn = 0;
            return print(`failed: [${e.cluster}] ${e.type} ${e.name}: ${e.message}`);
        }
        if (!tty) return print(`${e.kind.padEnd(7)} [${e.cluster}] ${e.op} ${e.type} ${e.name}`);
        const line = [...counts].map(([name, p]) => `${name} ${p.done}/${p.started}${p.failed ? ` (${p.failed} failed)` : ""}`).join("  ");
        process.stdout.write(`\r${line.padEnd(drawn)}`);
        drawn = line.length;
    };
}

export async function runCli(args: CliArgs, print: Print = (l) => console.log(l), printError: Print = (l) => console.error(l)): Promise<number> {
    const lib = require("../automation") as typeof import("../automation");
    try {
        if (args.command === "validate") {
            const spec = lib.validateStack(args.stack, args.config);
            print(
                args.json
                    ? JSON.stringify({ ok: true, stack: args.stack, clusters: spec.clusters.map((c) => c.name) })
                    : `stack ${args.stack}: the fleet spec is valid (${spec.clusters.length} clusters)`,
            );
            return 0;
        }
        if (args.command === "rotate-psk") {
            const { stackFilePath } = require("./stackFile") as typeof import("./stackFile");
            const { formatPath } = require("../stacks/spec") as typeof import("../stacks/spec");
            const r = lib.rotateTunnelPsk(args.config ?? stackFilePath(args.stack), args.tunnel!, { stack: args.stack });
            const where = formatPath(r.path);
            print(
                args.json
                    ? JSON.stringify({ ok: true, ...r })
                    : `${r.tunnel}: PSK rotation ${r.from} -> ${r.to} (${where} in ${path.basename(r.file)}); the next \`pulumi up\` gives both ends a new key`,
            );
            return 0;
        }
        if (args.command === "plan") {
            const { ROOT } = require("./stackFile") as typeof import("./stackFile");
            const { renderPolicyReport } = require("../policy/offline") as typeof import("../policy/offline");
            const result = await lib.planOffline({
                stack: args.stack,
                ...(args.config ? { configFile: args.config } : {}),
                out: path.join(ROOT, "out", args.stack),
            });
            if (args.json)
                print(
                    JSON.stringify({
                        ok: result.policies.mandatory === 0,
                        outDir: result.outDir,
                        resources: result.inventory.resources.length,
                        policies: result.policies,
                    }),
                );
            else {
                for (const l of result.log) print(l);
                print("\n" + renderPolicyReport(result.policies, args.stack));
            }
            return result.policies.mandatory === 0 ? 0 : 1;
        }
        const { PulumiCommand } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
        // FLEET_PULUMI_ROOT: a CLI install root (<root>/bin/pulumi) other than the one on the PATH.
        const pulumiCommand = process.env.FLEET_PULUMI_ROOT ? await PulumiCommand.get({ root: process.env.FLEET_PULUMI_ROOT }) : undefined;
        // The stack file given is the one validated, targeted (--cluster) and run with (--config-file).
        const fleet = await lib.FleetStack.open({
            stack: args.stack,
            ...(args.config ? { configFile: args.config } : {}),
            ...(pulumiCommand ? { pulumiCommand } : {}),
        });
        if (args.command === "outputs") {
            const out = await fleet.outputs();
            print(args.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
            return 0;
        }
        const onEvent = progressPrinter(args.json, !args.json && process.stdout.isTTY === true, print);
        const options = {
            onEvent,
            ...(args.cluster ? { cluster: args.cluster } : {}),
            // The platform's rules run in the engine too; refresh takes no policy packs.
            ...(args.command !== "refresh" ? { policyPacks: [lib.POLICY_PACK] } : {}),
        };
        const result = await fleet[args.command](options);
        const failed = Object.values(result.clusters).reduce((n, c) => n + c.failed, 0);
        return failed === 0 ? 0 : 1;
    } catch (e) {
        if (e instanceof lib.FleetSpecError) {
            if (args.json) print(JSON.stringify({ ok: false, violations: e.violations }));
            else printError(e.message);
            return 1;
        }
        printError(`${args.command} failed: ${(e as Error).message}`);
        return 1;
    }
}

/** The command line: `npm run fleet` runs it from the esbuild bundle (bin/fleet.js, tools/build.js). */
export function main(argv: string[]): void {
    runCommand(argv, { name: "fleet", usage: USAGE, parse: parseCli, run: (args) => runCli(args) });
}

if (require.main === module) main(process.argv.slice(2));
