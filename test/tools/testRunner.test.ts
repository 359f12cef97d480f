// What `npm test` itself relies on: mocha's .ts loader never serves a stale transform from its
// cache (tools/register.js), and the test files are handed out longest first (tools/testTimes.js).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const { cacheFile, fillCache } = require("../../tools/register") as {
    cacheFile: (filename: string, source: string) => string;
    fillCache: (files: string[], options?: { prune?: boolean }) => Promise<void>;
};
const { ordered, projectSources, unitTestFiles } = require("../../tools/testTimes") as {
    projectSources: () => string[];
    ordered: (files: string[], times?: Record<string, number>) => string[];
    unitTestFiles: () => string[];
};

describe("npm test's runner", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "test-runner-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("loads a changed .ts file anew: the transform cache is keyed on the content", () => {
        const file = path.join(dir, "value.ts");
        const load = (): number => {
            delete require.cache[file];
            return (require(file) as { value: number }).value;
        };
        fs.writeFileSync(file, "export const value: number = 1;\n");
        assert.strictEqual(load(), 1);
        assert.strictEqual(load(), 1, "the second load comes from the cache");
        fs.writeFileSync(file, "export const value: number = 2;\n");
        assert.strictEqual(load(), 2);
    });

    it("fills the cache without failing on a file esbuild cannot read (the test loading it reports it)", async () => {
        const broken = path.join(dir, "broken.ts");
        fs.writeFileSync(broken, "export const x: = ;\n");
        await fillCache([broken]);
        assert.throws(() => require(broken), /broken\.ts:1:16: ERROR: Unexpected "="/);
    });

    it("keeps every other file's transform when it fills the cache for a few; only the list of every source prunes", async () => {
        const [a, b] = ["a.ts", "b.ts"].map((name) => path.join(dir, name));
        fs.writeFileSync(a, "export const a: number = 1;\n");
        fs.writeFileSync(b, "export const b: number = 2;\n");
        const entry = (file: string) => cacheFile(file, fs.readFileSync(file, "utf8"));
        await fillCache([a, b]);
        assert.ok(fs.existsSync(entry(a)) && fs.existsSync(entry(b)));
        // What a test of the runner did: fill for one file. Every other entry (the project's too) stays.
        const project = projectSources();
        const projectEntries = () => project.filter((f) => fs.existsSync(entry(f))).length;
        const before = projectEntries();
        await fillCache([a]);
        assert.ok(fs.existsSync(entry(b)), "b's transform is still there");
        assert.strictEqual(projectEntries(), before, "the project's transforms are still there");
        // A worker writing an entry as the prune runs (writeAtomically's temporary name), and one a crashed writer left.
        const [writing, abandoned] = [`${entry(b)}.1.tmp`, `${entry(b)}.2.tmp`];
        fs.writeFileSync(writing, "");
        fs.writeFileSync(abandoned, "");
        fs.utimesSync(abandoned, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
        // `npm test`'s call, every source listed (here with a): b's entry goes, the listed ones stay.
        await fillCache([...project, a], { prune: true });
        assert.ok(!fs.existsSync(entry(b)), "b is no source any more");
        assert.ok(fs.existsSync(writing), "an entry being written stays");
        assert.ok(!fs.existsSync(abandoned), "an abandoned one goes");
        fs.rmSync(writing);
        assert.ok(fs.existsSync(entry(a)));
        assert.strictEqual(projectEntries(), project.length, "every source's transform is there");
    });

    it("hands out the files longest first: those without a time first, largest first, then by the last run's time", () => {
        const write = (name: string, bytes: number) => {
            fs.writeFileSync(path.join(dir, name), "x".repeat(bytes));
            return path.join(dir, name);
        };
        const [small, large, fast, slow] = [write("small", 10), write("large", 1000), write("fast", 5000), write("slow", 1)];
        assert.deepStrictEqual(ordered([fast, small, slow, large], { [fast]: 100, [slow]: 9000 }), [large, small, slow, fast]);
    });

    it("finds every unit test file, and none of the integration tests", () => {
        const files = unitTestFiles();
        assert.ok(files.includes(path.join("test", "tools", "testRunner.test.ts")));
        assert.ok(files.includes(path.join("test", "stacks", "spec", "index.test.ts")));
        assert.deepStrictEqual(
            files.filter((f) => f.includes("integration")),
            [],
        );
    });
});
