// Loads .ts files through esbuild's transform: what mocha requires (.mocharc.json) instead of
// ts-node, which loads the TypeScript compiler into every test process (~1 s). Transpile only,
// with tsconfig.json's options; `npm test` type-checks separately (tools/test.js).
// Stack traces point into the transpiled code unless FLEET_MOCK_STACKS=1, which turns on Node's
// source maps (mapping every stack the SDK captures per resource is what made ts-node runs slow).
"use strict";
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const tsconfigRaw = fs.readFileSync(path.join(__dirname, "..", "tsconfig.json"), "utf8");
if (process.env.FLEET_MOCK_STACKS) process.setSourceMapsEnabled(true);

require.extensions[".ts"] = (module, filename) => {
    const { code } = esbuild.transformSync(fs.readFileSync(filename, "utf8"), {
        loader: "ts",
        format: "cjs",
        platform: "node",
        target: "node20",
        sourcefile: filename,
        sourcemap: "inline",
        keepNames: true,
        // import() becomes require(), as tsc emits it for "module": "commonjs" (the lazy SDK loads).
        supported: { "dynamic-import": false },
        tsconfigRaw,
    });
    module._compile(code, filename);
};
