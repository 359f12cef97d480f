/** Exits with `code` when stdout and stderr are flushed; returns at once (the exit code is set meanwhile). See exit.js. */
export declare function exitWhenFlushed(code: number): void;
