// How the command lines (plan, fleet, pr-comment, sdkFloor, bench, npm test) end. Plain JavaScript:
// tools/test.js uses it too.
"use strict";

/**
 * Exits with `code` once everything the process wrote to stdout and stderr has been taken by them;
 * returns at once (the exit code is set meanwhile). process.exit() drops writes still queued: a pipe
 * or socket whose reader is slower than the writer holds only what fits in its buffer (a Linux pipe
 * 64 KB), and the rest is lost. Seen: under Node 24 on a loaded machine, the plan CLI run by a test
 * (spawnSync) lost its summary after ~12 KB and still exited 0. A write's callback runs once it and
 * every write before it are flushed.
 */
function exitWhenFlushed(code) {
    process.exitCode = code;
    let pending = 2;
    const flushed = () => {
        if (--pending === 0) process.exit(code);
    };
    process.stdout.write("", flushed);
    process.stderr.write("", flushed);
}

/**
 * A command line's main: `parse(argv)` (a throw is a usage error: its message and `usage` on stderr,
 * exit 2), then `run(args)`, exiting with the code it resolves to, or with 1 and "NAME failed: MESSAGE".
 */
function runCommand(argv, { name, usage, parse, run }) {
    let args;
    try {
        args = parse(argv);
    } catch (e) {
        console.error(`${e.message}\n${usage}`);
        return exitWhenFlushed(2);
    }
    run(args).then(exitWhenFlushed, (e) => {
        console.error(`${name} failed: ${e.message}`);
        exitWhenFlushed(1);
    });
}

module.exports = { exitWhenFlushed, runCommand };
