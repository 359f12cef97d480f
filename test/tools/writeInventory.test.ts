// The plan writes inventory.json one resource at a time; the text must be what JSON.stringify of
// the whole inventory gives (reviewers and `--diff` read it, and plans are compared byte for byte).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeInventory } from "../../tools/plan";
import type { InventoryFile } from "../../tools/planDiff";

describe("writeInventory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "write-inventory-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const entry = (urn: string, inputs: Record<string, unknown>) => ({
        urn,
        type: "kubernetes:core/v1:Secret",
        name: urn.split("::").pop()!,
        cluster: null,
        parent: null,
        provider: null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        dependencies: [],
        inputs,
    });
    const cases: [string, InventoryFile][] = [
        ["no resources", { project: "hybrid-fleet", stack: "empty", resources: [] }],
        [
            "nested and empty values, escapes",
            {
                project: "hybrid-fleet",
                stack: "s",
                resources: [
                    entry("urn:pulumi:s::hybrid-fleet::t::a", { script: 'set -eu\n  echo "x"\n', list: [1, { deep: [[], {}] }], none: null, empty: {} }),
                    entry("urn:pulumi:s::hybrid-fleet::t::b", {}),
                ],
            },
        ],
    ];
    for (const [label, inventory] of cases) {
        it(`writes exactly JSON.stringify(inventory, null, 2) and a newline: ${label}`, () => {
            const file = path.join(dir, label.replace(/\W+/g, "-"), "inventory.json");
            writeInventory(file, inventory);
            assert.strictEqual(fs.readFileSync(file, "utf8"), JSON.stringify(inventory, null, 2) + "\n");
        });
    }

    it("writes a text longer than its 1 MiB chunks whole", () => {
        const big = "x".repeat(300_000);
        const inventory: InventoryFile = {
            project: "hybrid-fleet",
            stack: "big",
            resources: Array.from({ length: 12 }, (_, i) => entry(`urn:pulumi:big::hybrid-fleet::t::r${i}`, { big, i })),
        };
        const file = path.join(dir, "big.json");
        writeInventory(file, inventory);
        const text = fs.readFileSync(file, "utf8");
        assert.ok(text.length > 3_600_000);
        assert.strictEqual(text, JSON.stringify(inventory, null, 2) + "\n");
    });
});
