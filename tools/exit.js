// Exits once everything the process wrote to stdout and stderr has been taken by them. process.exit()
// drops writes still queued: a pipe or socket whose reader is slower than the writer holds only what
// fits in its buffer (a Linux pipe 64 KB), and the rest is lost. Seen: under Node 24 on a loaded
// machine, the plan CLI run by a test (spawnSync) lost its summary after ~12 KB and still exited 0.
// A write's callback runs once it and every write before it are flushed. Plain JavaScript:
// tools/test.js uses it too.
"use strict";

/** Exits with `code` when stdout and stderr are flushed; returns at once (the exit code is set meanwhile). */
function exitWhenFlushed(code) {
    process.exitCode = code;
    let pending = 2;
    const flushed = () => {
        if (--pending === 0) process.exit(code);
    };
    process.stdout.write("", flushed);
    process.stderr.write("", flushed);
}

module.exports = { exitWhenFlushed };
