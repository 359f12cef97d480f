// The unit tier's guard (tools/unitTier.js): once installed, a test that starts a process fails
// with a message that sends it to test/integration/, and esbuild, which the tier's own loader
// and the bundle tests use, still runs.
import * as assert from "assert";
import * as esbuild from "esbuild";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../../tools/stackFile";

const { mochaHooks, UnitTierProcessError } = require("../../tools/unitTier");
const childProcess: typeof import("child_process") = require("child_process");

describe("the unit tier starts no process", () => {
    before(() => mochaHooks.beforeAll());

    it("refuses every child_process entry point, naming the call and the tier the test belongs in", () => {
        const calls: [string, () => unknown][] = [
            ["spawn", () => childProcess.spawn("true")],
            ["spawnSync", () => childProcess.spawnSync("bash", ["-c", "exit 0"])],
            ["exec", () => childProcess.exec("true")],
            ["execSync", () => childProcess.execSync("true")],
            ["execFile", () => childProcess.execFile("true")],
            ["execFileSync", () => childProcess.execFileSync(process.execPath, ["-e", "0"])],
            ["fork", () => childProcess.fork(path.join(ROOT, "tools", "cli.js"))],
        ];
        for (const [name, call] of calls) {
            assert.throws(
                call,
                (e: unknown) =>
                    e instanceof UnitTierProcessError && new RegExp(`child_process\\.${name} .*move the test to test/integration/`).test((e as Error).message),
                name,
            );
        }
    });

    it("is installed once however many files run, and leaves esbuild's service running", () => {
        const guarded = childProcess.spawnSync;
        mochaHooks.beforeAll();
        assert.strictEqual(childProcess.spawnSync, guarded);
        assert.strictEqual(esbuild.transformSync("const a: number = 1", { loader: "ts" }).code, "const a = 1;\n");
    });

    it("is what npm test and npm run test:unit load, and never the integration tier", () => {
        const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
        assert.match(scripts["test:unit"], /--require tools\/unitTier\.js/);
        assert.doesNotMatch(scripts["test:integration"], /unitTier/);
        assert.match(fs.readFileSync(path.join(ROOT, "tools", "test.js"), "utf8"), /"--require",\s*"tools\/unitTier\.js"/);
        assert.doesNotMatch(fs.readFileSync(path.join(ROOT, ".mocharc.json"), "utf8"), /unitTier/);
    });
});
