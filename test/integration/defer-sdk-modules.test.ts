// What the SDK's index loads for function serialization and the Automation API waits for a use
// (tools/deferSdkModules.js), and still works when a program does use it. Each case runs in a fresh
// Node process: a test process's module cache already holds whatever earlier tests loaded.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../tools/stackFile";

/**
 * Runs `body` (an async function's body) in a fresh node; its JSON result. The working directory is a
 * package of its own with one dependency (computeCodePaths walks the working directory's whole
 * package tree with Arborist: the project's node_modules took seconds), and `pulumi` the project's SDK.
 */
function inFreshNode(body: string, { defer }: { defer: boolean }): any {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "defer-sdk-"));
    fs.writeFileSync(path.join(cwd, "package.json"), JSON.stringify({ name: "app", dependencies: { tiny: "1.0.0" } }));
    fs.mkdirSync(path.join(cwd, "node_modules", "tiny"), { recursive: true });
    fs.writeFileSync(path.join(cwd, "node_modules", "tiny", "package.json"), JSON.stringify({ name: "tiny", version: "1.0.0" }));
    fs.writeFileSync(path.join(cwd, "node_modules", "tiny", "index.js"), "module.exports = 1;\n");
    const script = `
        ${defer ? `require(${JSON.stringify(path.join(ROOT, "tools/deferSdkModules.js"))}).install();` : ""}
        const sdk = () => require(${JSON.stringify(path.join(ROOT, "node_modules/@pulumi/pulumi"))});
        const loaded = (dir) => Object.keys(require.cache).some((m) => m.includes(dir));
        const typescript = () => loaded("/node_modules/typescript/");
        const arborist = () => loaded("/node_modules/@npmcli/arborist/");
        const automation = () => loaded("/node_modules/@pulumi/pulumi/automation/");
        (async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
    `;
    try {
        return JSON.parse(execFileSync(process.execPath, ["--no-deprecation", "--no-warnings", "-e", script], { cwd, encoding: "utf8" }));
    } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
    }
}

describe("what the SDK's index loads for function serialization and the Automation API loads on first use", function () {
    this.timeout(60_000);

    it("without the deferral, require('@pulumi/pulumi') loads the TypeScript compiler, npm's Arborist and the Automation API (what the deferral is for)", () => {
        const r = inFreshNode(`sdk(); return { typescript: typescript(), arborist: arborist(), automation: automation() };`, { defer: false });
        assert.deepStrictEqual(r, { typescript: true, arborist: true, automation: true });
    });

    it("with it, pulumi.automation loads when first read, and is the module @pulumi/pulumi/automation", () => {
        const r = inFreshNode(
            `
            const pulumi = sdk();
            const atLoad = automation();
            const isClass = typeof pulumi.automation.LocalWorkspace === "function";
            const same = pulumi.automation.LocalWorkspace === require(${JSON.stringify(path.join(ROOT, "node_modules/@pulumi/pulumi/automation"))}).LocalWorkspace;
            return { atLoad, isClass, same, afterUse: automation() };
            `,
            { defer: true },
        );
        assert.deepStrictEqual(r, { atLoad: false, isClass: true, same: true, afterUse: true });
    });

    it("with it, neither loads with the SDK; serializeFunction and computeCodePaths load them and work", () => {
        const r = inFreshNode(
            `
            const pulumi = sdk();
            const atLoad = { typescript: typescript(), arborist: arborist() };
            const serialized = await pulumi.runtime.serializeFunction(() => 6 * 7);
            const afterSerialize = { typescript: typescript(), arborist: arborist() };
            const fn = new Function("exports", serialized.text + "; return exports.handler;")({});
            const paths = await pulumi.runtime.computeCodePaths({ extraExcludePackages: [] });
            return { atLoad, afterSerialize, result: fn(), arborist: arborist(), paths: [...paths.keys()] };
            `,
            { defer: true },
        );
        assert.deepStrictEqual(r.atLoad, { typescript: false, arborist: false });
        assert.deepStrictEqual(r.afterSerialize, { typescript: true, arborist: false });
        assert.strictEqual(r.result, 42, "the serialized function runs");
        assert.strictEqual(r.arborist, true);
        assert.deepStrictEqual(r.paths, ["node_modules/tiny"], "computeCodePaths finds the package's one dependency");
    });
});
