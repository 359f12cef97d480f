// Loads .ts files through esbuild's transform: what mocha requires (.mocharc.json) instead of
// ts-node, which loads the TypeScript compiler into every test process (~1 s). Transpile only,
// with tsconfig.json's options; `npm test` type-checks separately (tools/test.js).
// Stack traces point into the transpiled code unless FLEET_MOCK_STACKS=1, which turns on Node's
// source maps (mapping every stack the SDK captures per resource is what made ts-node runs slow).
//
// What a transform made is kept in .cache/ts/ (gitignored) under a hash of the file's path and
// content, esbuild's version and these options: each mocha worker transformed ~175 files itself,
// 1.3-1.5 s of synchronous calls into esbuild per worker. `npm test` fills the cache for every
// source at once while the workers start (fillCache: esbuild's async API, all files in parallel)
// and drops entries no source has any more (fillCache's `prune`).
"use strict";
const crypto = require("crypto");
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");
const { writeAtomically } = require("./files");

const ROOT = path.resolve(__dirname, "..");
// The tests load the SDK as the plan and `pulumi up` do (tools/deferSdkModules.js), without Node's
// compile cache (tools/compileCache.js): in a clean clone, where `npm test` is judged, writing it
// cost the two workers 1-5 CPU s (three alternating pairs) and the cold cache saved nothing.
require("./deferSdkModules").install();
const CACHE = path.join(ROOT, ".cache", "ts");
const tsconfigRaw = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
const OPTIONS = {
    loader: "ts",
    format: "cjs",
    platform: "node",
    target: "node20",
    // Only where Node reads them (FLEET_MOCK_STACKS=1, below): inline maps tripled what esbuild
    // wrote (6.9 MB against 2.2 MB for every source) and slowed a clean clone's cache fill.
    sourcemap: process.env.FLEET_MOCK_STACKS ? "inline" : false,
    keepNames: true,
    // import() becomes require(), as tsc emits it for "module": "commonjs" (the lazy SDK loads).
    supported: { "dynamic-import": false },
    tsconfigRaw,
};
const OPTIONS_KEY = `${esbuild.version}\0${JSON.stringify(OPTIONS)}`;

/** The cache file of one source: its path (in the source map) and content decide the output. */
function cacheFile(filename, source) {
    const hash = crypto.createHash("sha1").update(OPTIONS_KEY).update("\0").update(filename).update("\0").update(source).digest("hex");
    return path.join(CACHE, `${hash}.js`);
}

function transpiled(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const file = cacheFile(filename, source);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
        // A worker reading the same entry at that moment sees all of it or nothing.
        writeAtomically(file, code);
        return code;
    }
}

/**
 * Transforms every given source missing from the cache (in parallel). With `prune`, which only a
 * caller listing every source may ask for (`npm test`), it also removes the cache files of no
 * listed source: a test filling the cache for one file once emptied it for all the others, and every
 * test file loaded after it in that run was transformed again in its worker (~2.9 CPU s a run).
 */
async function fillCache(filenames, { prune = false } = {}) {
    const wanted = new Set();
    await Promise.all(
        filenames.map(async (filename) => {
            const source = await fs.promises.readFile(filename, "utf8");
            const file = cacheFile(filename, source);
            wanted.add(path.basename(file));
            if (fs.existsSync(file)) return;
            // A file esbuild cannot read is left out: the test loading it (and the type check) reports it.
            const made = await esbuild.transform(source, { ...OPTIONS, sourcefile: filename }).catch(() => undefined);
            if (made) writeAtomically(file, made.code);
        }),
    );
    if (!prune) return;
    for (const name of fs.existsSync(CACHE) ? fs.readdirSync(CACHE) : []) {
        if (wanted.has(name) || writing(path.join(CACHE, name))) continue;
        fs.rmSync(path.join(CACHE, name), { force: true });
    }
}

/**
 * A worker's entry still being written (writeAtomically's temporary name, under a minute old): the
 * workers start while this prunes, and removing it would fail the worker's rename and the test
 * file that loaded the source. An older one is a crashed writer's, and goes.
 */
function writing(file) {
    if (!file.endsWith(".tmp")) return false;
    try {
        return Date.now() - fs.statSync(file).mtimeMs < 60_000;
    } catch {
        return false;
    }
}

if (process.env.FLEET_MOCK_STACKS) process.setSourceMapsEnabled(true);
require.extensions[".ts"] = (mod, filename) => mod._compile(transpiled(filename), filename);

module.exports = { fillCache, cacheFile };
