// The plan benchmark: fleets of N clusters made by tools/fleetGen.ts, each planned in a fresh
// process exactly as `npm run plan` runs it, against the SDK floor (tools/sdkFloor.ts: the same
// SDKs, the same number of bare resources on the same mock engine) measured in the same run, and
// against the same plan's resources re-declared through their SDK classes with their real inputs and
// no program around them (`sdkFloor --replay`: what is left above that is the program's own logic and writing).
//
//   npm run bench [-- --sizes 1,3,10,30,100] [--runs 1] [--no-prod] [--keep DIR]
//
// The checked-in prod stack first (--no-prod skips it), then per size: resources, wall time of the whole process, the evaluation time the plan reports,
// ms per resource (evaluation), peak RSS (the child's own getrusage maxrss, read at exit), and
// the floor's wall time and the ratio. With --runs R each figure is the median of R runs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as util from "util";
import * as YAML from "yaml";
import { runCommand } from "./cli";
import { generateValidFleet } from "./fleetGen";
import { ROOT } from "./stackFile";

interface Sample {
    wallMs: number;
    evalMs: number;
    /** CPU time of the evaluation (all threads: the program, the SDK, the garbage collector). */
    evalCpuMs: number;
    resources: number;
    maxRssMb: number;
    /** User + system CPU time of the whole process: steadier than wall time on a shared machine. */
    cpuMs: number;
}

/** Loaded with `node --require` into each child: its peak RSS on stderr as it exits. */
const PROBE = `process.on("exit", () => {
    const u = process.resourceUsage();
    process.stderr.write("\\nbench-probe maxrss-kb=" + u.maxRSS + " cpu-us=" + (u.userCPUTime + u.systemCPUTime) + "\\n");
});
`;

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One fresh `node tools/build.js ENTRY ARGS` process (the `npm run` command without npm), measured. */
function measure(probe: string, entry: string, args: string[]): Sample {
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [...process.execArgv, "--require", probe, path.join(ROOT, "tools", "build.js"), entry, ...args], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (run.status !== 0) throw new Error(`${entry} ${args.join(" ")} exited ${run.status}:\n${run.stderr}`);
    const reported = /(\d+) resources \(evaluated in (\d+) ms on the mock engine, (\d+) ms CPU\)/.exec(run.stdout);
    const rss = /bench-probe maxrss-kb=(\d+) cpu-us=(\d+)/.exec(run.stderr);
    if (!reported || !rss) throw new Error(`${entry}: no figures in its output:\n${run.stdout.slice(0, 500)}\n${run.stderr}`);
    return {
        wallMs,
        evalMs: Number(reported[2]),
        evalCpuMs: Number(reported[3]),
        resources: Number(reported[1]),
        maxRssMb: Number(rss[1]) / 1024,
        cpuMs: Number(rss[2]) / 1000,
    };
}

function medianOf(samples: Sample[]): Sample {
    return {
        wallMs: median(samples.map((s) => s.wallMs)),
        evalMs: median(samples.map((s) => s.evalMs)),
        evalCpuMs: median(samples.map((s) => s.evalCpuMs)),
        resources: samples[0].resources,
        maxRssMb: median(samples.map((s) => s.maxRssMb)),
        cpuMs: median(samples.map((s) => s.cpuMs)),
    };
}

const USAGE = "usage: npm run bench [-- --sizes 1,3,10,30,100] [--runs R] [--no-prod] [--keep DIR]";

export interface BenchArgs {
    /** Fleet sizes to generate and plan (clusters, 1 to 100 each: tools/fleetGen.ts). */
    sizes: number[];
    /** Runs per figure (the median is printed). */
    runs: number;
    /** Keep the generated stacks and plans in this directory instead of a temporary one. */
    keep?: string;
    /** Plan the checked-in prod stack first. */
    prod: boolean;
}

const wholeNumber = (text: string, min: number, max: number): number | undefined => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    return n >= min && n <= max ? n : undefined;
};

/** The command line; a throw is a usage error (runCommand prints it above the usage line, exit 2). */
export function parseBenchArgs(argv: string[]): BenchArgs {
    const { values } = util.parseArgs({
        args: argv,
        options: {
            sizes: { type: "string", default: "1,3,10,30,100" },
            runs: { type: "string", default: "1" },
            keep: { type: "string" },
            prod: { type: "boolean", default: true },
        },
        allowNegative: true,
        strict: true,
        allowPositionals: false,
    });
    const sizes = values.sizes!.split(",").map((size) => wholeNumber(size, 1, 100));
    if (sizes.some((n) => n === undefined)) throw new Error(`--sizes is a comma-separated list of cluster counts from 1 to 100 (got "${values.sizes}")`);
    const runs = wholeNumber(values.runs!, 1, 99);
    if (runs === undefined) throw new Error(`--runs is a whole number from 1 to 99 (got "${values.runs}")`);
    if (values.keep === "") throw new Error("--keep names a directory");
    return { sizes: sizes as number[], runs, keep: values.keep, prod: values.prod! };
}

export function main(argv: string[]): void {
    runCommand(argv, { name: "bench", usage: USAGE, parse: parseBenchArgs, run: bench });
}

/** The benchmark in a directory of its own (removed after, also after a failure, unless --keep names it). */
async function bench(args: BenchArgs): Promise<number> {
    const work = args.keep ? path.resolve(args.keep) : fs.mkdtempSync(path.join(os.tmpdir(), "fleet-bench-"));
    fs.mkdirSync(work, { recursive: true });
    try {
        benchIn(work, args);
        return 0;
    } finally {
        if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
    }
}

function benchIn(work: string, { sizes, runs, prod }: BenchArgs): void {
    const probe = path.join(work, "probe.js");
    fs.writeFileSync(probe, PROBE);
    const stackConfig = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;

    const cpu = os.cpus();
    console.log(
        `plan benchmark: ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}, load ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
    );
    console.log(`${runs} run(s) per figure (median); node flags: ${process.execArgv.join(" ") || "none"}\n`);
    const header = [
        "fleet (clusters)",
        "resources",
        "wall s",
        "CPU s",
        "eval s",
        "ms/resource",
        "eval CPU ms/resource",
        "peak RSS MB",
        "floor wall s",
        "floor CPU s",
        "floor RSS MB",
        "wall/floor",
        "CPU/floor",
        "replay wall s",
        "replay CPU s",
        "wall/replay",
        "CPU/replay",
    ];
    const print = (cells: string[]) => console.log(`| ${cells.join(" | ")} |`);
    print(header);
    print(header.map(() => "---"));
    const measured = new Map<string, Sample>();
    const floorOf = new Map<string, Sample>();
    const replayOf = new Map<string, Sample>();
    const benchStack = (label: string, stack: string, config: string) => {
        const out = path.join(work, `plan-${stack}`);
        const plans: Sample[] = [];
        const floors: Sample[] = [];
        const replays: Sample[] = [];
        // Alternating plan and floors, so that a load change on the machine hits them alike.
        for (let r = 0; r < runs; r++) {
            plans.push(measure(probe, "plan", ["--stack", stack, "--config", config, "--out", out]));
            floors.push(measure(probe, "sdkFloor", [String(plans[0].resources)]));
            replays.push(measure(probe, "sdkFloor", ["--replay", path.join(out, "inventory.json")]));
        }
        const p = medianOf(plans);
        const f = medianOf(floors);
        const rp = medianOf(replays);
        measured.set(label, p);
        floorOf.set(label, f);
        replayOf.set(label, rp);
        print([
            label,
            String(p.resources),
            (p.wallMs / 1000).toFixed(2),
            (p.cpuMs / 1000).toFixed(2),
            (p.evalMs / 1000).toFixed(2),
            (p.evalMs / p.resources).toFixed(2),
            (p.evalCpuMs / p.resources).toFixed(2),
            p.maxRssMb.toFixed(0),
            (f.wallMs / 1000).toFixed(2),
            (f.cpuMs / 1000).toFixed(2),
            f.maxRssMb.toFixed(0),
            (p.wallMs / f.wallMs).toFixed(2),
            (p.cpuMs / f.cpuMs).toFixed(2),
            (rp.wallMs / 1000).toFixed(2),
            (rp.cpuMs / 1000).toFixed(2),
            (p.wallMs / rp.wallMs).toFixed(2),
            (p.cpuMs / rp.cpuMs).toFixed(2),
        ]);
    };
    if (prod) benchStack("prod stack", "prod", path.join(ROOT, "Pulumi.prod.yaml"));
    for (const n of sizes) {
        const { raw } = generateValidFleet(n);
        const config = path.join(work, `Pulumi.bench-${n}.yaml`);
        fs.writeFileSync(config, YAML.stringify({ config: { ...stackConfig, "hybrid-fleet:fleet": raw } }));
        benchStack(String(n), `bench-${n}`, config);
    }
    const perResource = (label: string, cpu = false) => (cpu ? measured.get(label)!.evalCpuMs : measured.get(label)!.evalMs) / measured.get(label)!.resources;
    const [small, large] = [sizes.includes(10) ? "10" : undefined, sizes.includes(100) ? "100" : undefined];
    console.log("");
    if (small && large) {
        console.log(
            `ms/resource at N=100 / N=10: ${(perResource(large) / perResource(small)).toFixed(2)} wall, ${(perResource(large, true) / perResource(small, true)).toFixed(2)} CPU (goal <= 1.15)`,
        );
    }
    const prodPlan = measured.get("prod stack");
    const prodFloor = floorOf.get("prod stack");
    if (prodPlan && prodFloor) {
        console.log(
            `prod stack, whole process / SDK floor: ${(prodPlan.wallMs / prodFloor.wallMs).toFixed(2)} wall, ${(prodPlan.cpuMs / prodFloor.cpuMs).toFixed(2)} CPU (goal <= 1.2)`,
        );
        const replay = replayOf.get("prod stack")!;
        console.log(
            `prod stack, whole process / its resources re-declared through their SDK classes with their inputs: ${(prodPlan.wallMs / replay.wallMs).toFixed(2)} wall, ${(prodPlan.cpuMs / replay.cpuMs).toFixed(2)} CPU`,
        );
    }
    if (large) console.log(`peak RSS at N=100: ${measured.get(large)!.maxRssMb.toFixed(0)} MB (goal < 1536)`);
    console.log(
        `load average at the end: ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
    );
}

if (require.main === module) main(process.argv.slice(2));
