// The benchmark's command line: a bad option or figure is a usage error (message, usage, exit 2),
// never util.parseArgs' stack trace or a benchmark of NaN clusters (the exit itself:
// test/integration/bench-cli.test.ts).
import * as assert from "assert";
import { parseBenchArgs } from "../../tools/bench";

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
});
