// Orders every machine and every way of writing the spec agree on. `localeCompare` follows the
// process's locale (LANG and LC_ALL, through ICU): under lt_LT "y" sorts before "j", and in every
// locale "a" before "B" and ":" before ".", so a plan sorted with it could differ between a
// reviewer's laptop and CI, and a stack updated from both would flap. UTF-16 code-unit order, what
// `sort()` uses without a comparator, does not. The spec hands its mappings on in this order too
// (stacks/spec/mapping.ts).

/** Code-unit order as a comparator: `[...].sort(byText)`, or a tie-break `byText(a.x, b.x) || ...`. */
export function byText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** A record's entries by key (code-unit order): what a YAML mapping says, whatever order it was written in. */
export function entriesByKey<T>(record: Record<string, T>): [string, T][] {
    return Object.entries(record).sort(([a], [b]) => byText(a, b));
}
