// The plan diff matches a renamed resource to its old URN through its aliases, as `pulumi up`
// will: the SDK's real alias options on the mock engine, two programs (before and after the
// rename), the diff between their inventories.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { entryOf, runOnMocks } from "../../tools/mockEngine";
import { diffInventories, InventoryFile, renderDiff, withEngineUrns } from "../../tools/planDiff";
import { collapseAlias, inheritedChildAlias, makeUrn } from "../../tools/urn";

class Disk extends pulumi.CustomResource {
    constructor(name: string, size: number, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Disk", name, { size }, opts);
    }
}

/** A site with a disk per node, named `<site>-<node>` as the fleet's components name their children. */
class Site extends pulumi.ComponentResource {
    constructor(name: string, nodes: string[], opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Site", name, {}, opts);
        for (const n of nodes) new Disk(`${name}-${n}`, 100, { parent: this });
        this.registerOutputs({});
    }
}

async function inventoryOf(program: () => void): Promise<InventoryFile> {
    const { inventory } = await runOnMocks(program, { project: "p", stack: "s" });
    return { project: "p", stack: "s", resources: inventory.resources.map((r) => entryOf(r)) };
}

describe("plan diff: aliases", function () {
    this.timeout(30_000);

    it("collapses alias specs to URNs as the engine does", () => {
        const self = { stack: "s", project: "p", parent: makeUrn("s", "p", undefined, "test:index:Site", "dc"), type: "test:index:Disk", name: "dc-a" };
        assert.strictEqual(collapseAlias({ name: "old" }, self), "urn:pulumi:s::p::test:index:Site$test:index:Disk::old");
        assert.strictEqual(collapseAlias({ noParent: true }, self), "urn:pulumi:s::p::test:index:Disk::dc-a");
        // From another stack or project (a resource moved between stacks keeps its old URN there).
        assert.strictEqual(collapseAlias({ stack: "old", project: "q", noParent: true }, self), "urn:pulumi:old::q::test:index:Disk::dc-a");
        // A top-level resource's parent is the root stack, which never prefixes the type.
        const stack = makeUrn("s", "p", undefined, "pulumi:pulumi:Stack", "p-s");
        assert.strictEqual(collapseAlias({ parentUrn: stack, name: "x" }, self), "urn:pulumi:s::p::test:index:Disk::x");
        assert.strictEqual(
            inheritedChildAlias({ type: "test:index:Disk", name: "dc-a" }, "dc", "urn:pulumi:s::p::test:index:Site::old-dc"),
            "urn:pulumi:s::p::test:index:Site$test:index:Disk::old-dc-a",
        );
    });

    it("a renamed component and its children (inherited aliases), a renamed disk, a disk moved out of its parent: moved, not replaced", async () => {
        const before = await inventoryOf(() => {
            new Site("idc", ["a", "b"]);
            new Disk("scratch", 10);
            const legacy = new Site("legacy", []);
            new Disk("archive", 500, { parent: legacy });
        });
        // After: archive leaves legacy for the top level, its alias names the old parent.
        const after = await inventoryOf(() => {
            // Renamed site: its disks are renamed with it (`idc-a` -> `idc-sh-a`) and inherit its alias.
            new Site("idc-sh", ["a", "b"], { aliases: [{ name: "idc" }] });
            new Disk("scratch-1", 20, { aliases: [{ name: "scratch" }] });
            const legacy = new Site("legacy", []);
            new Disk("archive", 500, { aliases: [{ parent: legacy }] });
        });
        const diff = diffInventories(before, after);
        assert.deepStrictEqual(diff.renamed.map((r) => [r.from.name, r.entry.name]).sort(), [
            ["archive", "archive"],
            ["idc", "idc-sh"],
            ["idc-a", "idc-sh-a"],
            ["idc-b", "idc-sh-b"],
            ["scratch", "scratch-1"],
        ]);
        assert.deepStrictEqual([diff.added, diff.removed], [[], []]);
        // What else changed is still told: the disk's size, and the options the move itself changes.
        const scratch = diff.renamed.find((r) => r.entry.name === "scratch-1")!;
        assert.deepStrictEqual(scratch.inputs, ["size"]);
        assert.deepStrictEqual(
            diff.renamed.find((r) => r.entry.name === "idc-sh-a")!.options,
            [],
            "a child moved with its parent: its parent reference follows the move, its alias is inherited",
        );
        assert.deepStrictEqual(diff.renamed.find((r) => r.entry.name === "archive")!.options, ["parent", "aliases"]);
        assert.deepStrictEqual(diff.changed, []);
        const md = renderDiff(diff, "s");
        assert.ok(md.includes("**0 to add, 0 to change, 0 to remove**"), md);
        assert.ok(md.includes("**5 renamed by an alias**"), md);
        assert.ok(md.includes("`urn:pulumi:s::p::test:index:Site$test:index:Disk::idc-a`"), md);
    });

    it("without the alias the same rename is a removal and an addition (the check can fail)", async () => {
        const before = await inventoryOf(() => new Disk("scratch", 10));
        const after = await inventoryOf(() => new Disk("scratch-1", 10));
        const diff = diffInventories(before, after);
        assert.deepStrictEqual([diff.added.length, diff.removed.length, diff.renamed.length], [1, 1, 0]);
        // An alias to a URN that still exists, or to one another resource took, moves nothing.
        const both = await inventoryOf(() => {
            new Disk("scratch", 10);
            new Disk("scratch-1", 10, { aliases: [{ name: "scratch" }] });
        });
        assert.deepStrictEqual(diffInventories(before, both).renamed, []);
    });

    describe("written by hand (orders and aliases a program does not make)", () => {
        const urn = (type: string, name: string) => `urn:pulumi:s::p::${type}::${name}`;
        const SITE = "test:index:Site";
        const DISK = `${SITE}$test:index:Disk`;
        const entry = (type: string, name: string, parent: string | null, aliases?: string[]) => ({
            urn: urn(type, name),
            type: type.split("$").pop()!,
            name,
            cluster: null,
            parent,
            provider: null,
            custom: type === DISK,
            protect: false,
            retainOnDelete: false,
            dependencies: [],
            inputs: {},
            ...(aliases ? { options: { aliases } } : {}),
        });
        const inventory = (...resources: InventoryFile["resources"]): InventoryFile => ({ project: "p", stack: "s", resources });
        const before = inventory(entry(SITE, "a", null), entry(DISK, "a-x", urn(SITE, "a")));
        const moves = (after: InventoryFile) => {
            const diff = diffInventories(before, after);
            return {
                renamed: diff.renamed.map((r) => [r.from.name, r.entry.name]).sort(),
                added: diff.added.map((r) => r.name),
                removed: diff.removed.map((r) => r.name),
            };
        };

        it("a child listed before its renamed parent still inherits the parent's alias", () => {
            const site = entry(SITE, "b", null, [urn(SITE, "a")]);
            assert.deepStrictEqual(moves(inventory(entry(DISK, "b-x", site.urn), site)), {
                renamed: [
                    ["a", "b"],
                    ["a-x", "b-x"],
                ],
                added: [],
                removed: [],
            });
        });

        it("a child renamed under a renamed parent: its own alias is followed under the parent's old URN", () => {
            const site = entry(SITE, "b", null, [urn(SITE, "a")]);
            // Its own alias names it as it was before its own rename, under its parent as it is now.
            const disk = entry(DISK, "b-y", site.urn, [urn(DISK, "b-x")]);
            assert.deepStrictEqual(moves(inventory(site, disk)), {
                renamed: [
                    ["a", "b"],
                    ["a-x", "b-y"],
                ],
                added: [],
                removed: [],
            });
        });
    });
});

/** A component inside a component: URNs two levels down. */
class Rack extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Rack", name, {}, opts);
        new Disk(`${name}-disk`, 1, { parent: this, aliases: [{ name: `${name}-old-disk` }] });
        this.registerOutputs({});
    }
}
class Hall extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Hall", name, {});
        new Rack(`${name}-rack`, { parent: this });
        this.registerOutputs({});
    }
}

describe("plan diff: URNs below the first level of components", function () {
    this.timeout(30_000);

    it("are the engine's: a child's type behind its parent's whole qualified type (the SDK's mock keeps the parent's own type only)", async () => {
        const { resources } = await inventoryOf(() => new Hall("h"));
        const disk = resources.find((r) => r.name === "h-rack-disk")!;
        assert.strictEqual(disk.urn, "urn:pulumi:s::p::test:index:Hall$test:index:Rack$test:index:Disk::h-rack-disk");
        assert.deepStrictEqual(disk.options?.aliases, ["urn:pulumi:s::p::test:index:Hall$test:index:Rack$test:index:Disk::h-rack-old-disk"]);
    });

    it("an inventory written with the SDK mock's URNs compares equal to the same resources with the engine's", async () => {
        const now = await inventoryOf(() => new Hall("h"));
        // What the mock engine wrote before: the disk behind its parent's own type only.
        const mockUrn = "urn:pulumi:s::p::test:index:Rack$test:index:Disk::h-rack-disk";
        const engineUrn = "urn:pulumi:s::p::test:index:Hall$test:index:Rack$test:index:Disk::h-rack-disk";
        const before: InventoryFile = {
            ...now,
            resources: now.resources.map((r) => (r.urn === engineUrn ? { ...r, urn: mockUrn } : r)),
        };
        assert.ok(before.resources.some((r) => r.urn === mockUrn));
        // References to it move with it: a dependency, a deletedWith and a provider reference (`<urn>::<id>`), as the SDK's mock wrote them before.
        const referring = (inv: InventoryFile, target: string): InventoryFile => ({
            ...inv,
            resources: inv.resources.map((r) =>
                r.name === "h-rack" ? { ...r, dependencies: [target], provider: `${target}::id-1`, options: { ...r.options, deletedWith: target } } : r,
            ),
        });
        assert.deepStrictEqual(diffInventories(referring(before, mockUrn), referring(now, engineUrn)).changed, []);
        const diff = diffInventories(before, now);
        assert.deepStrictEqual([diff.added, diff.removed, diff.changed, diff.renamed], [[], [], [], []]);
        assert.deepStrictEqual(
            withEngineUrns(before).resources.map((r) => r.urn),
            now.resources.map((r) => r.urn),
        );
    });
});
