// `npm test`: the whole-program type check (tsc), the linters (oxlint, oxfmt, the workflow schema) and the
// unit tests (mocha, .mocharc.json, a worker per core: 2 to 4) at the same time: tsc is one long single-threaded
// run, so on two cores they take about as long as the slowest instead of the sum. The checks'
// reports are printed after the tests; any failing fails the run.
// The type check is TypeScript 7's native compiler (the `typescript-7` alias): the same checker
// as TypeScript 5.9/6 ported to Go, about 3x less CPU on this program, whose time is mostly parsing
// the SDKs' 0.79 M lines of declarations (1.47 M while two files took types from the aws and
// alicloud indexes). `typescript` 5.9 stays for what needs its JavaScript API (ts-node, and
// @pulumi/pulumi running TypeScript programs); tsconfig.json suits both.
// tsc keeps what it learnt in .cache/ (its build info; gitignored): an unchanged file is not
// checked again. The linter and formatter are native (oxlint, oxfmt): ~0.3 CPU s for the tree.
//
//   node tools/test.js [MOCHA ARGS...]      (npm test -- --grep plan; npm test -- test/tools/plan.test.ts)
"use strict";
const { spawn } = require("child_process");
const os = require("os");
const path = require("path");
const { exitWhenFlushed } = require("./cli");
const { fillCache } = require("./register");
const { mergeRuns, ordered, projectSources, unitTestFiles } = require("./testTimes");

const ROOT = path.resolve(__dirname, "..");
/** What `npm test -- ...` passed on to mocha: none for the whole suite. */
const asked = process.argv.slice(2);
const bin = (pkg, file) => path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [ROOT] })), file);

function run(label, args, { buffer }) {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: buffer ? ["ignore", "pipe", "pipe"] : "inherit" });
        let output = "";
        if (buffer) {
            child.stdout.on("data", (d) => (output += d));
            child.stderr.on("data", (d) => (output += d));
        }
        child.on("close", (code, signal) => resolve({ label, code: code ?? 1, signal, output, seconds: (Date.now() - started) / 1000 }));
    });
}

const lint = new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("npm", ["run", "--silent", "lint"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code, signal) =>
        resolve({ label: "lint (oxlint, oxfmt, workflow schema)", code: code ?? 1, signal, output, seconds: (Date.now() - started) / 1000 }),
    );
});
const typecheck = run(
    "type check (tsc --noEmit --noCheck false -p . --incremental --singleThreaded)",
    // --singleThreaded: beside mocha's workers the cores are busy, and TS 7's parallel checkers
    // only add CPU (6.4 against 8.7 CPU s for a cold check on this machine).
    [
        bin("typescript-7", "bin/tsc"),
        "--noEmit",
        "--noCheck",
        "false",
        "-p",
        ".",
        "--incremental",
        "--tsBuildInfoFile",
        path.join(".cache", "tsc.tsbuildinfo"),
        "--singleThreaded",
    ],
    { buffer: true },
);
// One mocha worker per core, at least two and at most four: test files are independent (every
// file's mock-engine runs are separate, temp directories are per test), so files on the critical
// path overlap. Each worker pays its own SDK load and base fleets (~6 CPU s): on this project's
// 2-core machine four workers took 94 CPU s / 48.7 s against two's 80-84 CPU s / 42-43 s; more than
// two is for machines with the cores for them (not measured here).
// --min/--max-semi-space-size=128 (V8's young generation fixed at 128 MB a semi-space; mocha's workers
// inherit it): a fleet run keeps most of what it allocates until it ends, so each scavenge copies
// survivors, and with V8's default (growing from 1 MB to 32 MB) a warm prod run spent 39 % of its time
// in five scavenges of 20-137 ms. With 128 MB, one or two. Measured here: a warm prod run 0.43-0.61 s
// against 0.56-0.89 s (16 MB), 256 MB slower; the whole unit tier in six alternating pairs,
// 20.7-26.4 s (mean 23.4) against 23.3-28.4 s (mean 25.9) with 16 MB, 31-41 against 36-45 user CPU s,
// peak RSS about the same. (The plan, one run in a fresh process, is slower with it: the CLIs keep V8's default.)
// The workers load every source through tools/register.js, whose transform cache is filled here for
// all sources at once before mocha starts (~1 s in a clean clone, while the type check and the
// linters have the cores): a worker that got to a file first transformed it itself, in synchronous
// calls, and in a clean clone the two workers did most files so (measured in alternating clean-clone
// runs: 48-51 against 50-52 CPU s). Given every source, it also removes the entries of sources that are gone.
const filled = fillCache(projectSources(), { prune: true });
// No bundle is built here: the unit tests run none (they start no process), test/tools/build.test.ts
// checks the builder on a copy of the sources, and whatever runs a CLI (the integration tier, `npm run
// plan`) builds its bundle first when stale. A clean clone's build of all six was ~6 CPU s.
const tests = filled
    .then(() =>
        run(
            "unit tests (mocha --parallel)",
            [
                "--min-semi-space-size=128",
                "--max-semi-space-size=128",
                bin("mocha", "bin/mocha.js"),
                "--parallel",
                "--jobs",
                String(Math.min(4, Math.max(2, os.availableParallelism()))),
                // The unit tier starts no process (tools/unitTier.js).
                "--require",
                "tools/unitTier.js",
                // The whole suite: every unit test file, longest first, each timed for the next run (tools/testTimes.js).
                // With arguments, those: files name what runs (`npm test -- test/tools/plan.test.ts`), and options
                // alone apply to every unit test file (`npm test -- --grep plan`; mocha alone would take ./test/*).
                ...(asked.length > 0
                    ? [...asked, ...(asked.some((a) => a.endsWith(".ts")) ? [] : unitTestFiles())]
                    : ["--require", "tools/testTimes.js", ...ordered(unitTestFiles())]),
            ],
            { buffer: false },
        ),
    )
    .then((result) => {
        if (asked.length === 0) mergeRuns();
        return result;
    });

Promise.all([typecheck, lint, tests]).then((results) => {
    let failed = false;
    for (const r of results) {
        if (r.output) process.stdout.write(r.output);
        const ok = r.code === 0;
        failed ||= !ok;
        console.log(`${ok ? "ok" : "FAILED"}: ${r.label} in ${r.seconds.toFixed(1)} s${ok ? "" : ` (exit ${r.signal ?? r.code})`}`);
    }
    // The checks' reports can be long (a failing type check): all of them reach a piped log.
    exitWhenFlushed(failed ? 1 : 0);
});
