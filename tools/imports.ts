// The program's import graph, read with a real TypeScript parser (oxc's, the project behind oxlint and
// oxfmt): every relative `import`/`export ... from` (type-only ones included: a type cycle still ties
// two modules together), resolved to the repository's .ts files. Used by the architecture tests: the
// layering rules, the cycle check and the comment rule. oxc parses the ~290 sources in ~0.3 CPU s;
// the TypeScript compiler's own parser, loaded for this alone, took ~2 CPU s of the unit tier.
import * as fs from "fs";
import * as path from "path";
import type { ParseResult } from "oxc-parser" with { "resolution-mode": "import" };

/** oxc-parser is an ES module: required as one (Node >= 20.19 / 22.12, this package's engines). */
const { parseSync }: typeof import("oxc-parser", { with: { "resolution-mode": "import" } }) = require("oxc-parser");

export interface ImportEdge {
    from: string;
    to: string;
    /** `import type` / `export type`: erased at runtime. */
    typeOnly: boolean;
}

/** A file's parse, made once for its imports and its comments: the architecture tests ask both of every source. */
function parsed(fileName: string, text: string): ParseResult {
    const kept = trees.get(fileName);
    if (kept?.text === text) return kept.result;
    const result = parseSync(fileName, text, { lang: "ts", sourceType: "module" });
    if (result.errors.length > 0) throw new Error(`${fileName}: ${result.errors[0].message}`);
    trees.set(fileName, { text, result });
    return result;
}
const trees = new Map<string, { text: string; result: ParseResult }>();

/** The relative module specifiers a source file imports or re-exports from. */
export function importsOf(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
    const out: { specifier: string; typeOnly: boolean }[] = [];
    for (const statement of parsed(fileName, text).program.body) {
        switch (statement.type) {
            case "ImportDeclaration":
                out.push({ specifier: statement.source.value, typeOnly: statement.importKind === "type" });
                break;
            case "ExportNamedDeclaration":
            case "ExportAllDeclaration":
                if (statement.source) out.push({ specifier: statement.source.value, typeOnly: statement.exportKind === "type" });
                break;
            case "TSImportEqualsDeclaration":
                if (statement.moduleReference.type === "TSExternalModuleReference")
                    out.push({ specifier: statement.moduleReference.expression.value, typeOnly: statement.importKind === "type" });
                break;
        }
    }
    return out;
}

/** `files` maps repository-relative paths ("components/core/k8s.ts") to their text. */
export function importGraph(files: Map<string, string>): ImportEdge[] {
    const resolve = (from: string, specifier: string): string | undefined => {
        if (!specifier.startsWith(".")) return undefined;
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
        return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => files.has(candidate));
    };
    const edges: ImportEdge[] = [];
    for (const [from, text] of files) {
        for (const i of importsOf(from, text)) {
            const to = resolve(from, i.specifier);
            if (to) edges.push({ from, to, typeOnly: i.typeOnly });
        }
    }
    return edges;
}

/** Every import cycle, as the files of each strongly connected component (Tarjan), sorted. */
export function importCycles(edges: ImportEdge[]): string[][] {
    const next = new Map<string, string[]>();
    for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let counter = 0;
    const visit = (v: string): void => {
        index.set(v, counter);
        low.set(v, counter);
        counter++;
        stack.push(v);
        onStack.add(v);
        for (const w of next.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const component: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                component.push(w);
            } while (w !== v);
            const selfLoop = (next.get(v) ?? []).includes(v);
            if (component.length > 1 || selfLoop) cycles.push(component.sort());
        }
    };
    for (const v of [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()) if (!index.has(v)) visit(v);
    return cycles;
}

/** The repository's TypeScript sources under `dirs` (and top-level files), keyed by repository-relative path. */
export function readSources(root: string, entries: string[]): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (rel: string): void => {
        const abs = path.join(root, rel);
        if (!fs.existsSync(abs)) return;
        if (fs.statSync(abs).isDirectory()) {
            for (const name of fs.readdirSync(abs).sort()) if (name !== "node_modules" && !name.startsWith(".")) walk(path.posix.join(rel, name));
        } else if (rel.endsWith(".ts")) files.set(rel, fs.readFileSync(abs, "utf8"));
    };
    for (const e of entries) walk(e);
    return files;
}

/** Every comment of a source file, with its 1-based line. */
export function commentsOf(fileName: string, text: string): { line: number; text: string }[] {
    // Where each line starts: a comment's line is the number of line starts at or before it.
    const lineStarts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
    const lineOf = (offset: number): number => {
        let [lo, hi] = [0, lineStarts.length - 1];
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (lineStarts[mid] <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo + 1;
    };
    return parsed(fileName, text).comments.map((c) => ({ line: lineOf(c.start), text: text.slice(c.start, c.end) }));
}
