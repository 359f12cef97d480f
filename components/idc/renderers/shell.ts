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
