// Reads a Pulumi.<stack>.yaml the way the CLI would hand it to the program, for the offline
// plan and the tests: plain values as config, `secure:` values as secrets the plan cannot see.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseFleet, ParseResult, secretConfigKeys } from "../stacks/spec";

// stacks/config.ts holds these, but loading it loads the Pulumi SDK; the plan reads and validates
// the stack file before the SDK is loaded, so an invalid spec fails fast. The types pin both to
// stacks/config.ts (a changed constant fails the type check) without a runtime import.
const PROJECT: typeof import("../stacks/config").PROJECT = "hybrid-fleet";
const FLEET_KEY: typeof import("../stacks/config").FLEET_KEY = "fleet";

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

export function readStackFile(file: string): StackFile {
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
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
    // `fleet:` without the project prefix is the same key (the CLI qualifies unprefixed keys with the project).
    return { file, config, secretKeys, rawFleet: doc.config?.[`${PROJECT}:${FLEET_KEY}`] ?? doc.config?.[FLEET_KEY] };
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

export function parseStackFile(stack: StackFile): ParseResult {
    return stack.rawFleet === undefined
        ? { ok: false, violations: [`${PROJECT}:${FLEET_KEY}: is required (the fleet spec) in ${path.basename(stack.file)}`] }
        : parseFleet(stack.rawFleet);
}
