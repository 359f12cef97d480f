// What the SDK loads only to serialize functions waits for a use (tools/deferSdkModules.js), and
// still works when a program does use it. Each case runs in a fresh Node process: a test process's
// module cache already holds whatever earlier tests loaded.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `body` (an async function's body) in a fresh node in the project's directory; its JSON result. */
function inFreshNode(body: string, { defer }: { defer: boolean }): any {
    const script = `
        ${defer ? `require(${JSON.stringify(path.join(ROOT, "tools/deferSdkModules.js"))}).install();` : ""}
        const loaded = (dir) => Object.keys(require.cache).some((m) => m.includes(dir));
        const typescript = () => loaded("/node_modules/typescript/");
        const arborist = () => loaded("/node_modules/@npmcli/arborist/");
        (async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
    `;
    return JSON.parse(execFileSync(process.execPath, ["--no-deprecation", "--no-warnings", "-e", script], { cwd: ROOT, encoding: "utf8" }));
}

describe("the SDK's function-serialization modules load on first use", function () {
    this.timeout(60_000);

    it("without the deferral, require('@pulumi/pulumi') loads the TypeScript compiler and npm's Arborist (what the deferral is for)", () => {
        const r = inFreshNode(`require("@pulumi/pulumi"); return { typescript: typescript(), arborist: arborist() };`, { defer: false });
        assert.deepStrictEqual(r, { typescript: true, arborist: true });
    });

    it("with it, neither loads with the SDK; serializeFunction and computeCodePaths load them and work", () => {
        const r = inFreshNode(
            `
            const pulumi = require("@pulumi/pulumi");
            const atLoad = { typescript: typescript(), arborist: arborist() };
            const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
            const afterSerialize = { typescript: typescript(), arborist: arborist() };
            const fn = new Function("exports", serialized.text + "; return exports.handler;")({});
            const paths = await pulumi.runtime.computeCodePaths({ extraExcludePackages: [] });
            return { atLoad, afterSerialize, result: fn(), arborist: arborist(), paths: paths instanceof Map };
            `,
            { defer: true },
        );
        assert.deepStrictEqual(r.atLoad, { typescript: false, arborist: false });
        assert.deepStrictEqual(r.afterSerialize, { typescript: true, arborist: false });
        assert.strictEqual(r.result, 42, "the serialized function runs");
        assert.strictEqual(r.arborist, true);
        assert.strictEqual(r.paths, true, "computeCodePaths returns its Map of paths");
    });
});
