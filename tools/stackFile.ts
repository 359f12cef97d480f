// Reads a Pulumi.<stack>.yaml the way the CLI would hand it to the program, for the offline
// plan and the tests: plain values as config, `secure:` values as secrets the plan cannot see.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { FleetSpecError, parseFleet, ParseOptions, ParseResult, secretConfigKeys } from "../stacks/spec";

// stacks/config.ts holds these, but loading it loads the Pulumi SDK; the plan reads and validates
// the stack file before the SDK is loaded, so an invalid spec fails fast. The types pin both to
// stacks/config.ts (a changed constant fails the type check) without a runtime import.
const PROJECT: typeof import("../stacks/config").PROJECT = "hybrid-fleet";
const FLEET_KEY: typeof import("../stacks/config").FLEET_KEY = "fleet";
/** The config keys a stack file may hold the fleet spec under, in the order they are read (as the CLI qualifies a bare key). */
export const FLEET_CONFIG_KEYS = [`${PROJECT}:${FLEET_KEY}`, FLEET_KEY] as const;

export const ROOT = path.resolve(__dirname, "..");

export interface StackFile {
    file: string;
    /** Fully qualified config (`project:key` -> string; structured values as JSON). */
    config: Record<string, string>;
    secretKeys: string[];
    /** The raw fleet spec, before validation. */
    rawFleet: unknown;
}

export function stackFilePath(stack: string): string {
    return path.join(ROOT, `Pulumi.${stack}.yaml`);
}

/** A stack file larger than this is refused before parsing (prod's is about 10 KiB). */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;
/** Flow collections ([ ], { }) nested deeper than this are refused: the parser recurses per level. */
export const MAX_NESTING = 64;
/** Aliases a stack file may expand (yaml's maxAliasCount): a few are useful, a billion laughs is not. */
export const MAX_ALIASES = 100;
/** Leading indentation (spaces and "- " sequence indicators) beyond this is refused: prod's deepest line is ~24. */
export const MAX_INDENT = 256;

/** The deepest flow-collection nesting in `text`, skipping quoted scalars and comments; linear. */
function flowDepth(text: string): number {
    let depth = 0;
    let max = 0;
    let quote: string | undefined;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (quote) {
            if (ch === "\\" && quote === '"') i++;
            else if (ch === quote) quote = undefined;
        } else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
            const nl = text.indexOf("\n", i);
            i = nl < 0 ? text.length : nl;
        } else if (ch === "[" || ch === "{") max = Math.max(max, ++depth);
        else if (ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    }
    return max;
}

/**
 * Parses a stack file's text into plain data, or throws one FleetSpecError with `<file>:<line>:<col>: <rule>`
 * lines: too big, too deep, not one document, YAML errors (tabs, bad quoting), duplicate keys, too many aliases.
 */
export function parseStackText(text: string, file: string): unknown {
    const name = path.basename(file);
    const fail = (violations: string[]): never => {
        throw new FleetSpecError(violations);
    };
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_STACK_FILE_BYTES) fail([`${name}: is ${bytes} bytes; a stack file may be at most ${MAX_STACK_FILE_BYTES}`]);
    const depth = flowDepth(text);
    if (depth > MAX_NESTING) fail([`${name}: nests [ ] / { } ${depth} levels deep; at most ${MAX_NESTING}`]);
    // Block nesting needs indentation: bounding it bounds the depth the parser recurses to.
    const indent = Math.max(0, ...text.split("\n").map((l) => /^[ -]*/.exec(l)![0].length));
    if (indent > MAX_INDENT) fail([`${name}: indents ${indent} columns deep; at most ${MAX_INDENT}`]);
    // uniqueKeys off: yaml's own check compares each key with every earlier one (quadratic); ours below is linear.
    let docs: ReturnType<typeof YAML.parseAllDocuments>;
    try {
        docs = YAML.parseAllDocuments(text, { uniqueKeys: false, prettyErrors: false, strict: true });
    } catch (e) {
        return fail([`${name}: cannot be parsed (${(e as Error).message.split("\n")[0]})`]);
    }
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.length > 1) fail([`${name}: holds ${list.length} YAML documents; a stack file is one document`]);
    const doc = list[0];
    if (!doc) return {};
    const at = (pos: [number, number] | undefined) => {
        if (!pos) return name;
        const before = text.slice(0, pos[0]);
        const line = before.split("\n").length;
        return `${name}:${line}:${pos[0] - before.lastIndexOf("\n")}`;
    };
    const problems = [...doc.errors, ...doc.warnings].map((e) => `${at(e.pos)}: ${e.message.split("\n")[0]}`);
    if (problems.length > 0) fail(problems);
    const duplicates: string[] = [];
    YAML.visit(doc, {
        Map(_, map) {
            const seen = new Set<string>();
            for (const pair of map.items) {
                // A mapping or a sequence as a key has no place in a stack file (yaml would stringify it, with a warning on stderr).
                if (YAML.isCollection(pair.key)) {
                    duplicates.push(`${at(pair.key.range?.slice(0, 2) as [number, number] | undefined)}: a key must be a scalar, not a mapping or a sequence`);
                    continue;
                }
                const key = YAML.isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(String(pair.key));
                if (seen.has(key))
                    duplicates.push(
                        `${at(YAML.isNode(pair.key) ? (pair.key.range?.slice(0, 2) as [number, number]) : undefined)}: duplicate key ${JSON.stringify(key)}`,
                    );
                seen.add(key);
            }
        },
    });
    if (duplicates.length > 0) fail(duplicates);
    try {
        return doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {};
    } catch (e) {
        return fail([`${name}: ${(e as Error).message.split("\n")[0]}`]);
    }
}

/** A stack file's text, refused unread when it is larger than a stack file may be. */
export function readStackText(file: string): string {
    const size = fs.statSync(file).size;
    if (size > MAX_STACK_FILE_BYTES)
        throw new FleetSpecError([`${path.basename(file)}: is ${size} bytes; a stack file may be at most ${MAX_STACK_FILE_BYTES}`]);
    return fs.readFileSync(file, "utf8");
}

export function readStackFile(file: string): StackFile {
    return stackFileOf(readStackText(file), file);
}

/** The stack file `file` holding `text`: its config and raw fleet spec (see readStackFile). */
export function stackFileOf(text: string, file: string): StackFile {
    const parsed = parseStackText(text, file);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
        throw new FleetSpecError([`${path.basename(file)}: must be a mapping with a config: key`]);
    const doc = parsed as { config?: Record<string, unknown> };
    if (doc.config !== undefined && (doc.config === null || typeof doc.config !== "object" || Array.isArray(doc.config))) {
        throw new FleetSpecError([`${path.basename(file)}: config: must be a mapping`]);
    }
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries<any>(doc.config ?? {})) {
        const key = rawKey.includes(":") ? rawKey : `${PROJECT}:${rawKey}`;
        if (value && typeof value === "object" && "secure" in value) {
            // Encrypted with the stack's key, which only the CLI holds: stand in a marked secret.
            config[key] = `[encrypted ${key}]`;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { file, config, secretKeys, rawFleet: FLEET_CONFIG_KEYS.reduce<unknown>((found, key) => found ?? doc.config?.[key], undefined) };
}

/**
 * Config to run the program offline: the stack file's values, plus a marked-secret placeholder
 * for every secret the spec names but the file does not hold (set with `pulumi config set --secret`).
 */
export function offlineConfig(stack: StackFile, parsed: ParseResult): { config: Record<string, string>; secretKeys: string[] } {
    const config = { ...stack.config };
    const secretKeys = new Set(stack.secretKeys);
    if (parsed.ok) {
        for (const key of secretConfigKeys(parsed.spec)) {
            const full = `${PROJECT}:${key}`;
            config[full] ??= `[offline placeholder for ${key}]`;
            secretKeys.add(full);
        }
    }
    return { config, secretKeys: [...secretKeys] };
}

/** `options.stack`: the stack the file is for, when known (its name reaches some resource names: ParseOptions). */
export function parseStackFile(stack: StackFile, options: ParseOptions = {}): ParseResult {
    return stack.rawFleet === undefined
        ? { ok: false, violations: [`${PROJECT}:${FLEET_KEY}: is required (the fleet spec) in ${path.basename(stack.file)}`] }
        : parseFleet(stack.rawFleet, options);
}
