// The CLIs exit through tools/cli.js: what they printed reaches a reader slower than they are, whole.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../../tools/stackFile";

/**
 * A script that prints `lines` lines of 100 bytes to stdout and to stderr and exits with 3 the given
 * way, piped into a reader that starts reading half a second later: the bytes it got, and the exit code.
 */
function printThroughSlowPipe(exit: string, lines: number): { bytes: number; status: number } {
    const script = `const line = "x".repeat(99); for (let i = 0; i < ${lines}; i++) { console.log(line); console.error(line); } ${exit};`;
    const run = spawnSync("bash", ["-c", `"$NODE" -e "$SCRIPT" 2>&1 | (sleep 0.5; wc -c); echo "status \${PIPESTATUS[0]}"`], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, NODE: process.execPath, SCRIPT: script },
    });
    assert.strictEqual(run.status, 0, run.stderr);
    const [bytes, status] = run.stdout.trim().split("\n");
    return { bytes: Number(bytes), status: Number(status.replace("status ", "")) };
}

describe("CLI exit (tools/cli.js)", () => {
    // 2 x 1,000 lines: 200 KB, three times what a Linux pipe buffers.
    const lines = 1000;

    // Node's own behaviour, which makes the next test discriminating; it fails the day Node flushes before exiting.
    it("process.exit() itself loses what the pipe had not taken yet (what this guards against)", () => {
        const { bytes, status } = printThroughSlowPipe("process.exit(3)", lines);
        assert.strictEqual(status, 3);
        assert.ok(bytes < 2 * lines * 100, `${bytes} bytes arrived`);
    });

    it("exitWhenFlushed exits with its code once stdout and stderr have been taken, every byte", () => {
        const { bytes, status } = printThroughSlowPipe(`require(${JSON.stringify(path.join(ROOT, "tools/cli.js"))}).exitWhenFlushed(3)`, lines);
        assert.strictEqual(status, 3);
        assert.strictEqual(bytes, 2 * lines * 100);
    });
});
