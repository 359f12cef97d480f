// Compiles the program and its tools with esbuild into bin/ (gitignored), so nothing is transpiled
// when the plan or `pulumi up` starts. Plain JavaScript: it must run before anything is compiled.
//
//   node tools/build.js                  build when stale (`npm run build`; --force always builds)
//   node tools/build.js ENTRY [ARGS...]  build when stale, then run bin/ENTRY.js's main(ARGS) here
//   require("./build").load("index")     the same for a module (tools/program.js, Pulumi.yaml's main)
//
// Stale means: any file the last build read (esbuild's metafile: every bundled source; for a
// bundled package its package.json), this script, tsconfig.json or package.json differs by
// content (SHA-1) from what that build saw, or an output is missing. Hashing ~60 files takes a
// few ms; an esbuild rebuild 100-400 ms. Every @pulumi/* package stays in node_modules.
// Source maps are written beside the bundles and used only with FLEET_MOCK_STACKS=1 (Node's own
// source-map support, turned on before the bundle loads); the hot path never maps a stack.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const OUT = path.join(ROOT, "bin");
const STAMP = path.join(OUT, ".build-stamp.json");
/** bin/<name>.js <- source; every bundle sits one level below the root (tools/stackFile.ts: ROOT = __dirname/..). */
const ENTRIES = { index: "index.ts", plan: "tools/plan.ts", bench: "tools/bench.ts", sdkFloor: "tools/sdkFloor.ts", fleet: "tools/fleet.ts" };
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

/** Why the last build is stale, or undefined when bin/ is current. */
function staleness() {
    let stamp;
    try {
        stamp = JSON.parse(fs.readFileSync(STAMP, "utf8"));
    } catch {
        return "no earlier build";
    }
    if (JSON.stringify(stamp.entries) !== JSON.stringify(ENTRIES)) return "entry points changed";
    for (const name of Object.keys(ENTRIES)) {
        if (!fs.existsSync(path.join(OUT, `${name}.js`))) return `bin/${name}.js is missing`;
    }
    for (const [file, hash] of Object.entries(stamp.inputs)) {
        if (hashOf(file) !== hash) return `${file} changed`;
    }
    return undefined;
}

function build() {
    // A source saved while esbuild ran may or may not be in the bundle: build again.
    for (let attempt = 0; attempt < 5; attempt++) {
        const started = Date.now();
        const inputs = buildOnce();
        if (!inputs.some((file) => mtimeOf(file) >= started - 5)) return;
    }
    fs.rmSync(STAMP, { force: true });
    throw new Error("sources kept changing while esbuild ran (or have modification times in the future); build again");
}

function mtimeOf(file) {
    try {
        return fs.statSync(path.join(ROOT, file)).mtimeMs;
    } catch {
        return Infinity;
    }
}

/** One esbuild run into bin/; returns the files it read. */
function buildOnce() {
    let esbuild;
    try {
        esbuild = require("esbuild");
    } catch (e) {
        throw new Error(`bin/ is stale and esbuild could not be loaded (${e.message}): run \`npm ci\` (esbuild is a devDependency)`, { cause: e });
    }
    const result = esbuild.buildSync({
        absWorkingDir: ROOT,
        entryPoints: ENTRIES,
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
        metafile: true,
        logLevel: "warning",
        write: false,
    });
    // Each file replaced by a rename: a process starting meanwhile reads the old or the new bundle, never half of one.
    fs.mkdirSync(OUT, { recursive: true });
    for (const out of result.outputFiles) {
        const temp = `${out.path}.${process.pid}.tmp`;
        fs.writeFileSync(temp, out.contents);
        fs.renameSync(temp, out.path);
    }
    // A bundled package's files change only with its version: its package.json stands for them.
    const files = new Set(CONFIG_INPUTS);
    for (const file of Object.keys(result.metafile.inputs)) {
        const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
        files.add(pkg ? `${pkg[1]}/package.json` : file);
    }
    const inputs = {};
    for (const file of [...files].sort()) inputs[file] = hashOf(file);
    const temp = `${STAMP}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify({ esbuild: esbuild.version, entries: ENTRIES, inputs }, null, 1) + "\n");
    fs.renameSync(temp, STAMP);
    return Object.keys(inputs);
}

/** Builds unless bin/ is current; returns why it built, or undefined. */
function ensureBuilt(force = false) {
    const reason = force ? "forced" : staleness();
    if (reason !== undefined) build();
    return reason;
}

/** bin/<entry>.js after making sure it is current. */
function load(entry) {
    if (!(entry in ENTRIES)) throw new Error(`unknown entry ${entry}; have: ${Object.keys(ENTRIES).join(", ")}`);
    ensureBuilt();
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
