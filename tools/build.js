// Compiles the program and its tools with esbuild into bin/ (gitignored), so nothing is transpiled
// when the plan or `pulumi up` starts. Plain JavaScript: it must run before anything is compiled.
//
//   node tools/build.js                  build every stale bundle (`npm run build`; --force: all of them)
//   node tools/build.js ENTRY [ARGS...]  build bin/ENTRY.js when stale, then run its main(ARGS) here
//   require("./build").load("index")     the same for a module (tools/program.js, Pulumi.yaml's main)
//
// Each bundle has its own stamp (bin/.build-stamp.ENTRY.json): it is stale when any file its last
// build read (esbuild's metafile: every bundled source; for a bundled package its package.json),
// this script, tsconfig.json or package.json differs by content (SHA-1) from what that build saw,
// or the bundle is missing. A command builds only its own bundle: after an edit, `npm run plan`
// waits for bin/plan.js (~0.6 s) and not for all of them (the five there were took 1.2-1.6 s).
// Hashing a bundle's ~150 inputs takes a few ms. Every @pulumi/* package stays in node_modules.
// Source maps are written beside the bundles and used only with FLEET_MOCK_STACKS=1 (Node's own
// source-map support, turned on before the bundle loads); the hot path never maps a stack.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { writeAtomically } = require("./files");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "bin");
/** The stamp of one bundle: what its last build read, by content hash. */
const stampOf = (entry) => path.join(OUT, `.build-stamp.${entry}.json`);
/** bin/<name>.js <- source; every bundle sits one level below the root (tools/stackFile.ts: ROOT = __dirname/..). */
const ENTRIES = {
    index: "index.ts",
    plan: "tools/plan.ts",
    bench: "tools/bench.ts",
    sdkFloor: "tools/sdkFloor.ts",
    fleet: "tools/fleet.ts",
    prComment: "tools/prComment.ts",
};
/** Besides the bundled sources, what decides the output. */
const CONFIG_INPUTS = ["tools/build.js", "tsconfig.json", "package.json"];

function hashOf(file) {
    try {
        return crypto
            .createHash("sha1")
            .update(fs.readFileSync(path.join(ROOT, file)))
            .digest("hex");
    } catch {
        return undefined;
    }
}

/**
 * Why bin/<entry>.js is stale, or undefined when it is current. `hashes` holds what this sweep over
 * the bundles hashed already (most inputs are in every bundle); a new sweep starts with none.
 */
function staleness(entry, hashes) {
    let stamp;
    try {
        stamp = JSON.parse(fs.readFileSync(stampOf(entry), "utf8"));
    } catch {
        return "no earlier build";
    }
    if (stamp.source !== ENTRIES[entry]) return "its entry point changed";
    if (!fs.existsSync(path.join(OUT, `${entry}.js`))) return `bin/${entry}.js is missing`;
    for (const [file, hash] of Object.entries(stamp.inputs)) {
        if (!hashes.has(file)) hashes.set(file, hashOf(file));
        if (hashes.get(file) !== hash) return `${file} changed`;
    }
    return undefined;
}

function build(entries) {
    // A source saved while esbuild ran may or may not be in the bundle: build again.
    for (let attempt = 0; attempt < 5; attempt++) {
        const started = Date.now();
        const inputs = buildOnce(entries);
        if (!inputs.some((file) => mtimeOf(file) >= started - 5)) return;
    }
    for (const entry of entries) fs.rmSync(stampOf(entry), { force: true });
    throw new Error("sources kept changing while esbuild ran (or have modification times in the future); build again");
}

function mtimeOf(file) {
    try {
        return fs.statSync(path.join(ROOT, file)).mtimeMs;
    } catch {
        return Infinity;
    }
}

/** One esbuild run of `entries` into bin/; returns the files it read. */
function buildOnce(entries) {
    let esbuild;
    try {
        esbuild = require("esbuild");
    } catch (e) {
        throw new Error(`bin/ is stale and esbuild could not be loaded (${e.message}): run \`npm ci\` (esbuild is a devDependency)`, { cause: e });
    }
    const result = esbuild.buildSync({
        absWorkingDir: ROOT,
        entryPoints: Object.fromEntries(entries.map((entry) => [entry, ENTRIES[entry]])),
        outdir: OUT,
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node20",
        // The SDKs stay in node_modules: one copy of @pulumi/pulumi's runtime state, shared with the
        // language host and the providers. yaml and zod are bundled: ~170 fewer files to resolve
        // and load at every start (~0.1 s).
        external: ["@pulumi/*"],
        // Class and function names stay as written (error messages, the SDK's stack positions).
        keepNames: true,
        sourcemap: "linked",
        // Maps without the sources' text: a stack frame needs only the mappings and the source's path
        // (FLEET_MOCK_STACKS=1), and a debugger reads the file. The text of every bundled source
        // (zod and yaml included, in each bundle) was 8 of the 18.5 MB the five bundles of then wrote,
        // and a build of those five took 1.3-1.8 s instead of 0.5-0.7 s (in a process that had built once).
        sourcesContent: false,
        metafile: true,
        logLevel: "warning",
        write: false,
    });
    // Each file replaced whole: a process starting meanwhile reads the old or the new bundle, never half of one.
    for (const out of result.outputFiles) writeAtomically(out.path, out.contents);
    const read = new Set();
    for (const entry of entries) {
        // A bundled package's files change only with its version: its package.json stands for them.
        const files = new Set(CONFIG_INPUTS);
        for (const file of Object.keys(result.metafile.outputs[`bin/${entry}.js`].inputs)) {
            const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
            files.add(pkg ? `${pkg[1]}/package.json` : file);
        }
        const inputs = {};
        for (const file of [...files].sort()) inputs[file] = hashOf(file);
        writeAtomically(stampOf(entry), JSON.stringify({ esbuild: esbuild.version, source: ENTRIES[entry], inputs }, null, 1) + "\n");
        files.forEach((file) => read.add(file));
    }
    return [...read];
}

/** Builds the stale ones of `entries` (all of them with `force`); what was built and why, or undefined when all are current. */
function ensureBuilt(force = false, entries = Object.keys(ENTRIES)) {
    const hashes = new Map();
    const reasons = entries.map((entry) => [entry, force ? "forced" : staleness(entry, hashes)]).filter(([, reason]) => reason !== undefined);
    if (reasons.length === 0) return undefined;
    build(reasons.map(([entry]) => entry));
    return reasons.map(([entry, reason]) => `${entry}: ${reason}`).join("; ");
}

/** bin/<entry>.js after making sure it is current. */
function load(entry) {
    if (!(entry in ENTRIES)) throw new Error(`unknown entry ${entry}; have: ${Object.keys(ENTRIES).join(", ")}`);
    ensureBuilt(false, [entry]);
    require("./compileCache").enableCompileCache();
    // Before any bundle requires the SDK: what it loads and this program never uses waits for a use.
    require("./deferSdkModules").install();
    if (process.env.FLEET_MOCK_STACKS) process.setSourceMapsEnabled(true);
    return require(path.join(OUT, `${entry}.js`));
}

module.exports = { ensureBuilt, load, ENTRIES };

if (require.main === module) {
    const argv = process.argv.slice(2);
    const force = argv[0] === "--force";
    if (force) argv.shift();
    const entry = argv.shift();
    try {
        if (entry === undefined) {
            const started = Date.now();
            const reason = ensureBuilt(force);
            console.log(reason === undefined ? "bin/ is current" : `built bin/ (${reason}) in ${Date.now() - started} ms`);
        } else {
            load(entry).main(argv);
        }
    } catch (e) {
        console.error(e.message);
        process.exit(1);
    }
}
