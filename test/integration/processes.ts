// What the integration tests that start a process of the project's own share: a command run with a
// probe that reports which node_modules it loaded.
import * as assert from "assert";
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Runs `node ARGS` with a probe preloaded that reports, as the process exits, every module it loaded
 * from node_modules (each path below its node_modules): what a command loads, seen from outside
 * (this test process's own module cache holds whatever earlier tests loaded). stderr comes back
 * without the probe's line.
 */
export function runWithModuleProbe(args: string[], cwd: string): SpawnSyncReturns<string> & { loaded: string[] } {
    if (!moduleProbe) {
        moduleProbe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "module-probe-")), "probe.js");
        fs.writeFileSync(
            moduleProbe,
            `process.on("exit", () => process.stderr.write("\\nloaded-modules=" + JSON.stringify(Object.keys(require.cache).filter((m) => m.includes("/node_modules/")).map((m) => m.replace(/.*\\/node_modules\\//, ""))) + "\\n"));\n`,
        );
        const dir = path.dirname(moduleProbe);
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    const run = spawnSync(process.execPath, ["--require", moduleProbe, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
    const reported = /\nloaded-modules=(.*)\n$/.exec(run.stderr);
    assert.ok(reported, `the module probe reports: ${run.stderr}`);
    return { ...run, stderr: run.stderr.slice(0, reported.index), loaded: JSON.parse(reported[1]) };
}
let moduleProbe: string | undefined;
