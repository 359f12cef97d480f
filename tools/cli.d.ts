// Types of cli.js (plain JavaScript, also used by tools/test.js).
/** Exits with `code` when stdout and stderr are flushed; returns at once (the exit code is set meanwhile). */
export declare function exitWhenFlushed(code: number): void;
/** A command line's main: parse (a throw: usage, exit 2), run, exit with its code once flushed (a rejection: "NAME failed", exit 1). */
export declare function runCommand<A>(argv: string[], command: { name: string; usage: string; parse(argv: string[]): A; run(args: A): Promise<number> }): void;
