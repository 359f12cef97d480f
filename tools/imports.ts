// The program's import graph, read with the TypeScript parser: every relative `import`/`export ...
// from` (type-only ones included: a type cycle still ties two modules together), resolved to the
// repository's .ts files. Used by the architecture tests: the layering rules and the cycle check.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export interface ImportEdge {
    from: string;
    to: string;
    /** `import type` / `export type`: erased at runtime. */
    typeOnly: boolean;
}

/**
 * A file's syntax tree, parsed once for its imports and its comments: the architecture tests ask
 * both of every source, three times in all (parsing once took that test file from 2.7 to 2.4 CPU s).
 */
function parsed(fileName: string, text: string): ts.SourceFile {
    const kept = trees.get(fileName);
    if (kept?.text === text) return kept;
    const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    trees.set(fileName, source);
    return source;
}
const trees = new Map<string, ts.SourceFile>();

/** The relative module specifiers a source file imports or re-exports from. */
export function importsOf(fileName: string, text: string): { specifier: string; typeOnly: boolean }[] {
    const source = parsed(fileName, text);
    const out: { specifier: string; typeOnly: boolean }[] = [];
    for (const statement of source.statements) {
        if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
            out.push({ specifier: statement.moduleSpecifier.text, typeOnly: statement.importClause?.isTypeOnly ?? false });
        } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
            out.push({ specifier: statement.moduleSpecifier.text, typeOnly: statement.isTypeOnly });
        } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)) {
            const ref = statement.moduleReference.expression;
            if (ts.isStringLiteral(ref)) out.push({ specifier: ref.text, typeOnly: statement.isTypeOnly });
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
    const source = parsed(fileName, text);
    const seen = new Set<number>();
    const out: { line: number; text: string }[] = [];
    const collect = (ranges: ts.CommentRange[] | undefined) => {
        for (const r of ranges ?? []) {
            if (seen.has(r.pos)) continue;
            seen.add(r.pos);
            out.push({ line: source.getLineAndCharacterOfPosition(r.pos).line + 1, text: text.slice(r.pos, r.end) });
        }
    };
    const visit = (node: ts.Node): void => {
        collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
        collect(ts.getTrailingCommentRanges(text, node.getEnd()));
        node.forEachChild(visit);
    };
    visit(source);
    collect(ts.getLeadingCommentRanges(text, source.endOfFileToken.getFullStart()));
    return out.sort((a, b) => a.line - b.line);
}
