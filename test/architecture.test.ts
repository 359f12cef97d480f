// The layering the project relies on, checked on the import graph: components never import the
// fleet spec or its builders (stacks/), nothing imports the tests, and no module imports itself
// back through others (type-only imports count: a type cycle still ties two modules together).
import * as assert from "assert";
import * as path from "path";
import { commentsOf, importCycles, importGraph, importsOf, readSources } from "../tools/imports";

const ROOT = path.resolve(__dirname, "..");
const files = readSources(ROOT, ["index.ts", "components", "stacks", "tools", "automation", "policy", "test"]);
const edges = importGraph(files);

describe("architecture: the import graph", () => {
    it("is read from every source file, type-only and re-exports included", () => {
        assert.ok(files.has("components/core/contract.ts") && files.has("stacks/fleet.ts"), "the sources were not found");
        const found = importsOf(
            "x.ts",
            'import type { A } from "./a";\nimport { B } from "./b";\nexport { C } from "./c";\nexport type { D } from "./d";\nimport "./e";',
        );
        assert.deepStrictEqual(found, [
            { specifier: "./a", typeOnly: true },
            { specifier: "./b", typeOnly: false },
            { specifier: "./c", typeOnly: false },
            { specifier: "./d", typeOnly: true },
            { specifier: "./e", typeOnly: false },
        ]);
        // The stacks' builders do import components, so the graph is not empty across folders.
        assert.ok(edges.some((e) => e.from === "stacks/fleet.ts" && e.to === "stacks/addons.ts"));
        assert.ok(edges.some((e) => e.from.startsWith("stacks/") && e.to.startsWith("components/")));
    });

    it("finds cycles, type-only ones too, and resolves folder imports to index.ts", () => {
        const graph = importGraph(
            new Map([
                ["a/x.ts", 'import type { Y } from "./y";'],
                ["a/y.ts", 'import { Z } from "../b";'],
                ["b/index.ts", 'export { X } from "../a/x";'],
                ["c.ts", 'import { X } from "./a/x";'],
            ]),
        );
        assert.deepStrictEqual(importCycles(graph), [["a/x.ts", "a/y.ts", "b/index.ts"]]);
        assert.deepStrictEqual(importCycles(importGraph(new Map([["s.ts", 'import "./s";']]))), [["s.ts"]]);
    });

    it("has no import from stacks/ under components/", () => {
        const offending = edges.filter((e) => e.from.startsWith("components/") && e.to.startsWith("stacks/")).map((e) => `${e.from} -> ${e.to}`);
        assert.deepStrictEqual(offending, []);
    });

    it("has no import of test/ outside the tests, nor of tools/ under components/ and stacks/", () => {
        const offending = edges
            .filter((e) => (!e.from.startsWith("test/") && e.to.startsWith("test/")) || (/^(components|stacks)\//.test(e.from) && e.to.startsWith("tools/")))
            .map((e) => `${e.from} -> ${e.to}`);
        assert.deepStrictEqual(offending, []);
    });

    it("imports @pulumi/aws and @pulumi/alicloud by namespace only, types too (components/core/sdk)", () => {
        // A value import of either index loads every namespace at start; a type import makes the type
        // check read every namespace's declarations (6,391 files against 2,495 by namespace).
        const offending = [...files].flatMap(([file, text]) =>
            importsOf(file, text)
                .filter((i) => i.specifier === "@pulumi/aws" || i.specifier === "@pulumi/alicloud")
                .map((i) => `${file} imports ${i.specifier}${i.typeOnly ? " (types)" : ""}`),
        );
        assert.deepStrictEqual(offending, []);
        assert.ok(files.has("policy/policies.ts") && files.has("components/core/sdk/aws.ts"));
    });

    it("has no import of a test file (it would register its suites in the importing file's run too)", () => {
        const offending = edges.filter((e) => e.to.endsWith(".test.ts")).map((e) => `${e.from} -> ${e.to}`);
        assert.deepStrictEqual(offending, []);
    });

    it("judges a spec without loading the Pulumi SDK: the spec and the stack-file reader reach no @pulumi module at run time", () => {
        // What the CLIs load to refuse a bad spec or argument before the SDKs (0.2 against ~1 s).
        const reached = new Set<string>();
        const visit = (file: string): void => {
            if (reached.has(file)) return;
            reached.add(file);
            for (const e of edges) if (e.from === file && !e.typeOnly) visit(e.to);
        };
        ["stacks/spec/index.ts", "tools/stackFile.ts"].forEach(visit);
        assert.ok(reached.has("components/links/plan.ts") && reached.has("components/ack/types.ts"), "the spec's rules were not followed");
        const offending = [...reached].flatMap((file) =>
            importsOf(file, files.get(file)!)
                .filter((i) => !i.typeOnly && i.specifier.startsWith("@pulumi/"))
                .map((i) => `${file} imports ${i.specifier}`),
        );
        assert.deepStrictEqual(offending, []);
    });

    it("has no import cycle anywhere", () => {
        assert.deepStrictEqual(importCycles(edges), []);
    });
});

describe("architecture: comments", () => {
    /** A tracker reference: the word issue(s) then a number, or a bare hash-number; upstream ones (owner/repo plus hash-number, URLs) are fine. */
    const TRACKER = /\b[Ii]ssues?\s+#?\d+|(?<![\w/.-])#\d+\b/;

    it("finds tracker numbers, not upstream references", () => {
        const found = commentsOf(
            "x.ts",
            // The last alone in a block: no node around it to hang on.
            "// see issue 7\nconst a = 1; /* issues 3 and 5 */\n// projectcalico/calico#12864\n/** (#4) */\nconst b = `// issue 9 in a string`;\ntry {\n    f();\n} catch {\n    // issue 8\n}\n",
        )
            .filter((c) => TRACKER.test(c.text))
            .map((c) => c.line);
        assert.deepStrictEqual(found, [1, 2, 4, 9]);
    });

    it("carry reasons and upstream sources, never tracker numbers", () => {
        const offending: string[] = [];
        for (const [file, text] of files) {
            const hits = commentsOf(file, text).filter((c) => TRACKER.test(c.text));
            offending.push(...hits.map((c) => `${file}:${c.line}: ${c.text.trim()}`));
        }
        assert.deepStrictEqual(offending, []);
    });
});
