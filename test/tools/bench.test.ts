// The benchmark's command line: a bad option or figure is a usage error (message, usage, exit 2),
// never util.parseArgs' stack trace or a benchmark of NaN clusters.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseBenchArgs } from "../../tools/bench";

const ROOT = path.resolve(__dirname, "../..");

describe("npm run bench: its command line", () => {
    it("defaults to the issue's sizes, one run, the prod stack first, a temporary directory", () => {
        assert.deepStrictEqual(parseBenchArgs([]), { sizes: [1, 3, 10, 30, 100], runs: 1, keep: undefined, prod: true });
        assert.deepStrictEqual(parseBenchArgs(["--sizes", "1,3", "--runs", "5", "--no-prod", "--keep", "/tmp/b"]), {
            sizes: [1, 3],
            runs: 5,
            keep: "/tmp/b",
            prod: false,
        });
    });

    it("refuses sizes and run counts that are not whole numbers in range, and unknown options", () => {
        for (const [argv, message] of [
            [["--sizes", "0"], /^--sizes is a comma-separated list of cluster counts from 1 to 100 \(got "0"\)$/],
            [["--sizes", "101"], /cluster counts from 1 to 100 \(got "101"\)/],
            [["--sizes", "1,,3"], /got "1,,3"/],
            [["--sizes", "1.5"], /got "1.5"/],
            [["--sizes", "1e1"], /got "1e1"/],
            [["--sizes", ""], /got ""/],
            [["--runs", "0"], /^--runs is a whole number from 1 to 99 \(got "0"\)$/],
            [["--runs", "x"], /got "x"/],
            [["--keep", ""], /^--keep names a directory$/],
            [["--bogus"], /^Unknown option '--bogus'/],
            [["10"], /Unexpected argument '10'/],
        ] as const) {
            assert.throws(
                () => parseBenchArgs([...argv]),
                (e: Error) => message.test(e.message),
                argv.join(" "),
            );
        }
    });

    it("exits 2 with the reason and the usage line, no stack trace", () => {
        const run = spawnSync(process.execPath, [path.join(ROOT, "tools/build.js"), "bench", "--sizes", "3,x"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 2, run.stderr);
        assert.strictEqual(
            run.stderr,
            '--sizes is a comma-separated list of cluster counts from 1 to 100 (got "3,x")\nusage: npm run bench [-- --sizes 1,3,10,30,100] [--runs R] [--no-prod] [--keep DIR]\n',
        );
        assert.strictEqual(run.stdout, "");
    });
});
