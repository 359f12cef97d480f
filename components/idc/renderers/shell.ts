// Defence in depth for values the renderers put into shell scripts and environment files: the spec
// already restricts every such field to a strict format; these keep a value that slipped past
// (or a new caller) from becoming code.

/** A word bash reads as itself, unquoted (no globbing, expansion, word splitting or operators). */
const PLAIN_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/;

/**
 * Quotes `value` as one bash word, like bash's `printf %q`: a plain word stays as it is (so the
 * rendered scripts, and their hashes in `triggers`, do not change), anything else is single-quoted
 * with embedded quotes closed and escaped. NUL cannot be passed to bash at all and is refused.
 */
export function shq(value: string): string {
    if (value.includes("\0")) throw new Error("a shell word cannot hold NUL");
    if (PLAIN_WORD.test(value)) return value;
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One `KEY=value` line of a systemd EnvironmentFile (systemd.exec(5)): the value must be a plain word
 * (a newline would start another assignment; quotes, '$' and '\' are interpreted by systemd).
 */
export function envLine(key: string, value: string | number): string {
    const text = String(value);
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`not an environment variable name: ${JSON.stringify(key)}`);
    if (text !== "" && !PLAIN_WORD.test(text)) throw new Error(`${key}: refusing ${JSON.stringify(text)} in an environment file (plain characters only)`);
    return `${key}=${text}`;
}

/**
 * Shell: runs until `condition` holds, every `sleepSeconds`; after `tries` failed rounds prints
 * `failure` (inside double quotes: it may name variables) and exits 1. `attempt`, if given, runs
 * first in each round and ends the round at once when it succeeds (the condition is then asked
 * again). Every bounded wait of the rendered scripts is this loop.
 */
export function retryUntil(input: { condition: string; attempt?: string; tries: number; sleepSeconds: number; failure: string }): string {
    return `n=0
until ${input.condition}; do
${input.attempt ? `  ${input.attempt} && continue\n` : ""}  n=$((n + 1))
  if [ "$n" -ge ${input.tries} ]; then echo "${input.failure}" >&2; exit 1; fi
  sleep ${input.sleepSeconds}
done`;
}

/** Shell text two spaces deeper (a block inside `if`/`for`), empty lines left empty. */
export const indent = (text: string) =>
    text
        .split("\n")
        .map((l) => (l ? `  ${l}` : l))
        .join("\n");
