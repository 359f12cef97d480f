// The fleet schema's nodes, read from the zod schema itself: where it takes a string (every field, and
// every record's keys, a spec may hand the program as free text), so the strictness property can check
// that its fixtures hold each one, and where it takes a mapping. A helper, not a test file.
import type { z } from "zod";

/** A node of the schema: its position (stringPositions' notation), and the schema that holds it directly. */
export interface SchemaNode {
    at: string;
    schema: z.ZodType;
    parent?: z.ZodType;
}

/**
 * Every node of the schema, outermost first: fields as `.name`, any element of a list as `[]` (a
 * tuple's as `[0]`), any value of a record as `{}` and its keys as `{key}`; a branch of a
 * discriminated union as `<provider=ack>` (each branch's fields are its own); the branches of a
 * plain union at the same position. A kind of schema the walk does not know throws: it could hide
 * what a caller looks for.
 */
export function schemaNodes(schema: z.ZodType): SchemaNode[] {
    const out: SchemaNode[] = [];
    // The schemas being walked, outermost first: a schema met again inside itself is recursive (z.lazy,
    // or an object's getter), and its nodes are already listed at the outer position.
    const walking = new Set<unknown>();
    const walk = (s: z.ZodType, at: string, parent?: z.ZodType): void => {
        if (walking.has(s)) return;
        walking.add(s);
        out.push({ at, schema: s, parent });
        visit(s, at);
        walking.delete(s);
    };
    const visit = (s: z.ZodType, at: string): void => {
        const def = (s as any)._zod.def;
        switch (def.type) {
            case "object":
                // A strictObject's catchall is never (an unknown key is refused); any other catchall could take anything.
                if (def.catchall !== undefined && def.catchall._zod.def.type !== "never")
                    throw new Error(`schemaNodes: an object taking any key at ${at || "(fleet)"}`);
                for (const [key, field] of Object.entries(def.shape)) walk(field as z.ZodType, `${at}.${key}`, s);
                return;
            case "array":
                return walk(def.element, `${at}[]`, s);
            case "tuple":
                def.items.forEach((item: z.ZodType, i: number) => walk(item, `${at}[${i}]`, s));
                if (def.rest) walk(def.rest, `${at}[]`, s);
                return;
            case "record":
                // A loose record passes keys its key schema does not match through unchecked.
                if (def.mode === "loose") throw new Error(`schemaNodes: a loose record at ${at || "(fleet)"}`);
                walk(def.keyType, `${at}{key}`, s);
                return walk(def.valueType, `${at}{}`, s);
            case "union":
                for (const option of def.options) {
                    const tag = def.discriminator === undefined ? "" : `<${def.discriminator}=${option._zod.def.shape[def.discriminator]._zod.def.values[0]}>`;
                    walk(option, `${at}${tag}`, s);
                }
                return;
            case "intersection":
                walk(def.left, at, s);
                return walk(def.right, at, s);
            case "optional":
            case "nullable":
            case "default":
            case "prefault":
            case "readonly":
            case "nonoptional":
            case "catch":
                return walk(def.innerType, at, s);
            case "pipe":
                // What the stack file is checked against; `out`, a transform, only reshapes the result. Another
                // schema there would check more, unseen by this walk.
                if (def.out._zod.def.type !== "transform") throw new Error(`schemaNodes: a pipe into a ${def.out._zod.def.type} at ${at || "(fleet)"}`);
                return walk(def.in, at, s);
            case "lazy":
                return walk(def.getter(), at, s);
            case "string":
            case "enum":
            case "literal":
            case "number":
            case "boolean":
            case "null":
            case "undefined":
                return;
            default:
                throw new Error(`schemaNodes: a ${def.type} schema at ${at || "(fleet)"}`);
        }
    };
    walk(schema, "");
    return out;
}

/** Where the schema takes a string: every field (and every record's keys) a spec may hand the program as free text; enums and literals are not. */
export function stringPositions(schema: z.ZodType): string[] {
    return [...new Set(schemaNodes(schema).flatMap((n) => ((n.schema as any)._zod.def.type === "string" ? [n.at] : [])))].sort();
}

/**
 * The places in `value` that `position` (stringPositions' notation) names and that hold a string: each
 * as its path of keys and indexes; at a `{key}` position, each key of the record (the path ends with it).
 */
export function stringsAt(value: unknown, position: string, at: (string | number)[] = []): (string | number)[][] {
    const step = /^(\.[^.[{<]+|\[\]|\[\d+\]|\{key\}|\{\}|<[^=>]+=[^>]+>)/.exec(position)?.[0];
    if (step === undefined) return typeof value === "string" ? [at] : [];
    if (value === null || typeof value !== "object") return [];
    const rest = position.slice(step.length);
    if (Array.isArray(value)) {
        if (step === "[]") return value.flatMap((v, i) => stringsAt(v, rest, [...at, i]));
        const i = /^\[(\d+)\]$/.exec(step)?.[1];
        return i === undefined ? [] : stringsAt(value[Number(i)], rest, [...at, Number(i)]);
    }
    const record = value as Record<string, unknown>;
    if (step.startsWith("<")) {
        // A discriminated union's branch: this object, if its discriminator names the branch.
        const [key, tag] = step.slice(1, -1).split("=");
        return String(record[key]) === tag ? stringsAt(value, rest, at) : [];
    }
    if (step === "{key}") return rest === "" ? Object.keys(record).map((k) => [...at, k]) : [];
    if (step === "{}") return Object.entries(record).flatMap(([k, v]) => stringsAt(v, rest, [...at, k]));
    const key = step.slice(1);
    return step.startsWith(".") && Object.hasOwn(record, key) ? stringsAt(record[key], rest, [...at, key]) : [];
}
