// The order `npm test` hands mocha's workers the test files in, and what it learns for next time.
// A worker takes the next file when it finishes one, so a long file that comes last keeps one
// worker busy while the other idles (seen: 6 s of a 43 s run, with test/tools/plan.test.ts last
// alphabetically). Longest first, as Jest's test sequencer does: by each file's wall time in the
// last run (.cache/test-times.json), files without one first by size (new files, or a cold cache).
//
// Loaded two ways: by tools/test.js (order, merge) and by each mocha worker (--require: the root
// hooks below time every file, which mocha runs one at a time in a worker).
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const TIMES = path.join(ROOT, ".cache", "test-times.json");
const RUNS = path.join(ROOT, ".cache", "test-times");

/** Every file below `dir` whose name ends with `suffix`, leaving out the directories named in `skip` and hidden ones. */
function filesUnder(dir, suffix, skip) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
        if (d.name.startsWith(".") || skip.includes(d.name)) return [];
        const full = path.join(dir, d.name);
        return d.isDirectory() ? filesUnder(full, suffix, skip) : d.name.endsWith(suffix) ? [full] : [];
    });
}

/** Every TypeScript source of the project (absolute paths): what mocha's workers may load. */
function projectSources() {
    return filesUnder(ROOT, ".ts", ["node_modules", "bin", "fixtures"]);
}

/** Every unit test file (test/**\/*.test.ts outside test/integration), relative to the root. */
function unitTestFiles() {
    return filesUnder(path.join(ROOT, "test"), ".test.ts", ["integration", "fixtures"]).map((f) => path.relative(ROOT, f));
}

function readTimes() {
    try {
        return JSON.parse(fs.readFileSync(TIMES, "utf8"));
    } catch {
        return {};
    }
}

/** The files longest first: those without a time first (largest first), then by the last run's time. */
function ordered(files, times = readTimes()) {
    const size = (f) => fs.statSync(path.resolve(ROOT, f)).size;
    const key = (f) => (times[f] === undefined ? [0, -size(f)] : [1, -times[f]]);
    return [...files].sort((a, b) => {
        const [ka, kb] = [key(a), key(b)];
        return ka[0] - kb[0] || ka[1] - kb[1] || (a < b ? -1 : 1);
    });
}

/** Folds the workers' records of this run into the times file (a file not run keeps its old time, a deleted one loses it). */
function mergeRuns() {
    if (!fs.existsSync(RUNS)) return;
    const times = readTimes();
    for (const name of fs.readdirSync(RUNS)) {
        const file = path.join(RUNS, name);
        for (const line of fs.readFileSync(file, "utf8").split("\n").filter(Boolean)) {
            const { test, ms } = JSON.parse(line);
            times[test] = ms;
        }
        fs.rmSync(file, { force: true });
    }
    // A file that is gone takes its time with it.
    for (const test of Object.keys(times)) if (!fs.existsSync(path.join(ROOT, test))) delete times[test];
    fs.mkdirSync(path.dirname(TIMES), { recursive: true });
    fs.writeFileSync(TIMES, JSON.stringify(times, null, 1) + "\n");
}

let started = 0;
/** Mocha root hooks: in a parallel run each file is its own root suite, so these time one file. */
const mochaHooks = {
    beforeAll() {
        started = Date.now();
    },
    afterAll() {
        const file = this.test?.parent?.suites?.[0]?.file ?? this.test?.parent?.tests?.[0]?.file;
        if (!file) return;
        fs.mkdirSync(RUNS, { recursive: true });
        fs.appendFileSync(path.join(RUNS, `${process.pid}.jsonl`), JSON.stringify({ test: path.relative(ROOT, file), ms: Date.now() - started }) + "\n");
    },
};

module.exports = { filesUnder, projectSources, unitTestFiles, ordered, mergeRuns, mochaHooks };
