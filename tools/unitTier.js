// The unit tier (`npm test`, `npm run test:unit`) starts no process: what it checks runs inside the
// test process, which keeps the suite fast; a test that runs a real tool, a rendered script or one
// of the project's CLIs belongs in test/integration/ (`npm run test:integration`, CI runs both).
// Loaded by mocha with --require in the unit tier only: a root hook, so it runs where the tests run
// (mocha's workers in a parallel run, never the process that forks them), makes every
// child_process entry point throw. esbuild's own service binary stays allowed: tools/register.js
// transforms sources through it and the bundle tests build with it.
"use strict";
const childProcess = require("child_process");

const ENTRY_POINTS = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];
const ESBUILD_BINARY = /[\\/]node_modules[\\/](@esbuild[\\/][^\\/]+[\\/]bin[\\/]esbuild|esbuild[\\/]bin[\\/]esbuild)$/;

class UnitTierProcessError extends Error {}

function guard() {
    if (childProcess.spawn.unitTierGuard) return;
    for (const name of ENTRY_POINTS) {
        const original = childProcess[name];
        const guarded = function (command, ...rest) {
            if (typeof command === "string" && ESBUILD_BINARY.test(command)) return original.call(this, command, ...rest);
            throw new UnitTierProcessError(
                `a unit test started a process (child_process.${name} ${String(command)}): the unit tier runs in process; move the test to test/integration/`,
            );
        };
        guarded.unitTierGuard = true;
        childProcess[name] = guarded;
    }
}

module.exports = { mochaHooks: { beforeAll: guard }, UnitTierProcessError };
