// Node's module compile cache for the plan and the other CLIs and `pulumi up` (tools/build.js load):
// V8's code for every module they compiled, so that the next start compiles only what changed. A
// plan loads ~1,070 modules (19 MB of JavaScript, nearly all the SDKs'); the first run with an empty
// cache pays 0.1-0.2 s to write it, each later one saves ~0.1 s (README, Performance). Kept in .cache/node-compile/ (gitignored) unless
// NODE_COMPILE_CACHE names another directory: not Node's default under os.tmpdir(), where a
// directory another user of the machine made first would hand this process code to run with the
// operator's cloud credentials. Quiet by design (Node returns a status, never throws); Node 20 has
// no compile cache, and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
"use strict";
const path = require("path");

function enableCompileCache() {
    const { enableCompileCache: enable } = require("module");
    if (typeof enable === "function") enable(process.env.NODE_COMPILE_CACHE || path.join(__dirname, "..", ".cache", "node-compile"));
}

module.exports = { enableCompileCache };
