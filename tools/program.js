// What `pulumi up` / `preview` run (Pulumi.yaml `main`, with `typescript: false`): the program
// (index.ts) compiled by esbuild into bin/index.js, rebuilt first when any source changed (see
// tools/build.js), so the language host neither type-checks nor transpiles anything.
"use strict";
module.exports = require("./build").load("index");
