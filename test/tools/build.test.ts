// The bundles' staleness (tools/build.js): each bundle is rebuilt when, and only when, a file its
// last build read changed, and a command builds only its own. On a copy of the sources, so the
// project's bin/ (which other tests run) is never rebuilt under them.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

describe("bundles: each rebuilt when what it read changed, and only it", function () {
    this.timeout(60_000);
    let copy: string;
    let build: { ensureBuilt(force?: boolean, entries?: string[]): string | undefined; ENTRIES: Record<string, string> };
    const bundle = (entry: string) => path.join(copy, "bin", `${entry}.js`);
    const edit = (file: string, change: (text: string) => string) => {
        const at = path.join(copy, file);
        fs.writeFileSync(at, change(fs.readFileSync(at, "utf8")));
    };

    before(() => {
        copy = fs.mkdtempSync(path.join(os.tmpdir(), "build-"));
        for (const entry of ["index.ts", "package.json", "tsconfig.json", "tools", "stacks", "components", "policy", "automation"]) {
            fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
        build = require(path.join(copy, "tools", "build.js"));
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));

    it("builds only the bundles asked for, and records what each read: sources, and a bundled package by its package.json", () => {
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), "sdkFloor: no earlier build");
        assert.deepStrictEqual(
            fs.readdirSync(path.join(copy, "bin")).filter((f) => f.endsWith(".js")),
            ["sdkFloor.js"],
        );
        const stamp = JSON.parse(fs.readFileSync(path.join(copy, "bin", ".build-stamp.sdkFloor.json"), "utf8"));
        assert.strictEqual(stamp.source, "tools/sdkFloor.ts");
        const read = Object.keys(stamp.inputs);
        for (const file of ["tools/sdkFloor.ts", "tools/mockEngine.ts", "tools/build.js", "tsconfig.json", "package.json"])
            assert.ok(read.includes(file), file);
        assert.ok(!read.includes("tools/plan.ts") && !read.some((f) => f.startsWith("components/idc/")), "only what the bundle imports");
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), undefined);
        // The benchmark bundles yaml and zod: each stands in the stamp as its package.json, no file inside it.
        assert.strictEqual(build.ensureBuilt(false, ["bench"]), "bench: no earlier build");
        const packages = Object.keys(JSON.parse(fs.readFileSync(path.join(copy, "bin", ".build-stamp.bench.json"), "utf8")).inputs).filter((f) =>
            f.includes("node_modules/"),
        );
        // (Through the copy's node_modules link esbuild names the linked directory's path.)
        assert.deepStrictEqual(
            packages.map((f) => f.replace(/^.*node_modules\//, "")),
            ["yaml/package.json", "zod/package.json"],
        );
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), undefined);
    });

    it("rebuilds after a change to a file it read, with the change in the bundle; not after a file it did not read", () => {
        edit("tools/sdkFloor.ts", (t) => `${t}\nexport const BUILD_PROBE = "rebuilt-after-edit";\n`);
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), "sdkFloor: tools/sdkFloor.ts changed");
        assert.match(fs.readFileSync(bundle("sdkFloor"), "utf8"), /rebuilt-after-edit/);
        edit("components/idc/render.ts", (t) => `${t}\n// not read by sdkFloor\n`);
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), undefined);
    });

    it("rebuilds when tsconfig.json changes or the bundle is gone", () => {
        edit("tsconfig.json", (t) => `${t}\n`);
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), "sdkFloor: tsconfig.json changed");
        fs.rmSync(bundle("sdkFloor"));
        assert.strictEqual(build.ensureBuilt(false, ["sdkFloor"]), "sdkFloor: bin/sdkFloor.js is missing");
        assert.ok(fs.existsSync(bundle("sdkFloor")));
    });
});
