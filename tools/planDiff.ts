// Compares two offline-plan inventories: what a pull request adds, removes and changes.
import { isDeepStrictEqual } from "util";
import { inheritedChildAlias, makeUrn, parseUrn, providerUrn } from "./urn";

export interface InventoryEntry {
    urn: string;
    type: string;
    name: string;
    cluster: string | null;
    parent: string | null;
    provider: string | null;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    dependencies: string[];
    /** The resource's options beyond the above, only those set (tools/mockEngine.ts optionsOf). */
    options?: ResourceOptions;
    inputs: Record<string, unknown>;
}

export interface ResourceOptions {
    ignoreChanges?: string[];
    additionalSecretOutputs?: string[];
    deleteBeforeReplace?: true;
    replaceOnChanges?: string[];
    customTimeouts?: Record<string, string>;
    deletedWith?: string;
    /** The old URNs this resource answers to (its `aliases`, collapsed). */
    aliases?: string[];
}

export interface InventoryFile {
    project: string;
    stack: string;
    resources: InventoryEntry[];
}

export interface Change {
    entry: InventoryEntry;
    /** Input keys whose value differs (added, removed or changed). */
    inputs: string[];
    /** Resource options that differ: protect, retainOnDelete, parent, provider, dependencies, and each of `options` (ignoreChanges, ...). */
    options: string[];
}

/** A resource under a new URN that one of its aliases ties to an old one: Pulumi moves it, nothing is replaced. */
export interface Rename extends Change {
    from: InventoryEntry;
}

export interface InventoryDiff {
    added: InventoryEntry[];
    removed: InventoryEntry[];
    changed: Change[];
    renamed: Rename[];
}

const OPTIONS = ["protect", "retainOnDelete", "parent", "provider", "dependencies"] as const;

/** The keys, sorted, whose values differ between two objects (present in one only counts). */
function changedKeys(before: object, after: object): string[] {
    const [a, b] = [before as Record<string, unknown>, after as Record<string, unknown>];
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((k) => !isDeepStrictEqual(a[k], b[k]));
}

/**
 * The inventory with every URN as the engine computes it (tools/urn.ts makeUrn: a child's type
 * behind its parent's whole qualified type), its references too. Inventories the mock engine wrote
 * before it did so carry the SDK mock's URNs (behind the parent's own type only), which differ below
 * the first level of components: compared as they are, every such resource would read as replaced.
 */
export function withEngineUrns(file: InventoryFile): InventoryFile {
    const byUrn = new Map(file.resources.map((r) => [r.urn, r]));
    const memo = new Map<string, string>();
    const engine = (urn: string): string => {
        let out = memo.get(urn);
        if (out !== undefined) return out;
        const r = byUrn.get(urn);
        // A reference to nothing in the inventory, or no URN at all, stays as it is.
        const parts = r && /^urn:pulumi:/.test(urn) ? parseUrn(urn) : undefined;
        out = r && parts ? makeUrn(parts.stack, parts.project, r.parent ? engine(r.parent) : undefined, r.type, r.name) : urn;
        memo.set(urn, out);
        return out;
    };
    const reference = (ref: string) => engine(providerUrn(ref)) + ref.slice(providerUrn(ref).length);
    return {
        ...file,
        resources: file.resources.map((r) => ({
            ...r,
            urn: engine(r.urn),
            parent: r.parent && engine(r.parent),
            provider: r.provider && reference(r.provider),
            dependencies: r.dependencies.map(engine),
            ...(r.options?.deletedWith ? { options: { ...r.options, deletedWith: engine(r.options.deletedWith) } } : {}),
        })),
    };
}

export function diffInventories(beforeFile: InventoryFile, afterFile: InventoryFile): InventoryDiff {
    const [before, after] = [withEngineUrns(beforeFile), withEngineUrns(afterFile)];
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const movedFrom = matchAliases(old, now);
    const movedTo = new Map([...movedFrom].map(([to, from]) => [from, to]));
    const added = after.resources.filter((r) => !old.has(r.urn) && !movedFrom.has(r.urn));
    const removed = before.resources.filter((r) => !now.has(r.urn) && !movedTo.has(r.urn));
    // Old references to a moved resource read as its new URN: a dependant is not changed by the move
    // alone. A provider is compared by URN (the mock engine derives its id from its name; a real move keeps the id).
    const current = (urn: string) => movedTo.get(urn) ?? urn;
    const refs = (r: InventoryEntry, map: (urn: string) => string): InventoryEntry => ({
        ...r,
        parent: r.parent && map(r.parent),
        provider: r.provider && map(providerUrn(r.provider)),
        dependencies: r.dependencies.map(map).sort(),
    });
    const compare = (prev: InventoryEntry, entry: InventoryEntry) => {
        const [p, e] = [refs(prev, current), refs(entry, (u) => u)];
        return {
            inputs: changedKeys(p.inputs, e.inputs),
            options: [...OPTIONS.filter((o) => !isDeepStrictEqual(p[o], e[o])), ...changedKeys(p.options ?? {}, e.options ?? {})],
        };
    };
    const changed: Change[] = [];
    const renamed: Rename[] = [];
    for (const entry of after.resources) {
        const from = movedFrom.get(entry.urn);
        if (from) {
            renamed.push({ entry, from: old.get(from)!, ...compare(old.get(from)!, entry) });
            continue;
        }
        const prev = old.get(entry.urn);
        if (!prev) continue;
        const { inputs, options } = compare(prev, entry);
        if (inputs.length > 0 || options.length > 0) changed.push({ entry, inputs, options });
    }
    return { added, removed, changed, renamed };
}

/**
 * New URN -> old URN for every resource that is not in the old inventory under its own URN but
 * answers to one of its aliases there, as the engine matches them (step_generator.go
 * generateAliases): its own aliases, and those it inherits from a parent that moved (the child
 * under the parent's old URN, a `<parent>-` name prefix renamed with it). Each old URN moves once.
 */
function matchAliases(old: Map<string, InventoryEntry>, now: Map<string, InventoryEntry>): Map<string, string> {
    const moved = new Map<string, string>();
    const done = new Set<string>();
    const claimed = new Set<string>();
    const visit = (r: InventoryEntry) => {
        if (done.has(r.urn)) return;
        done.add(r.urn);
        const parent = r.parent ? now.get(r.parent) : undefined;
        if (parent) visit(parent);
        if (old.has(r.urn)) return;
        const own = r.options?.aliases ?? [];
        const parentFrom = parent && moved.get(parent.urn);
        const candidates = parentFrom
            ? [
                  ...own,
                  inheritedChildAlias(r, parent.name, parentFrom),
                  ...own.map((a) => inheritedChildAlias({ type: baseType(a), name: parseUrn(a).name }, parent.name, parentFrom)),
              ]
            : own;
        const from = candidates.find((a) => old.has(a) && !now.has(a) && !claimed.has(a));
        if (from) {
            moved.set(r.urn, from);
            claimed.add(from);
        }
    };
    for (const r of now.values()) visit(r);
    return moved;
}

/** A URN's own type: the last part of its qualified type. */
const baseType = (urn: string) => parseUrn(urn).qualifiedType.split("$").pop()!;

const row = (e: InventoryEntry) => `| \`${e.type}\` | \`${e.name}\` | ${e.cluster ?? "(fleet)"} |`;

/** Markdown for a pull-request comment. */
export function renderDiff(diff: InventoryDiff, stack: string): string {
    const { added, removed, changed, renamed } = diff;
    const lines = [`### Offline plan diff for stack \`${stack}\``, "", `**${added.length} to add, ${changed.length} to change, ${removed.length} to remove**`];
    if (renamed.length > 0) lines.push("", `**${renamed.length} renamed by an alias** (the same resources under new URNs: moved, not replaced)`);
    if (removed.some((r) => r.protect)) lines.push("", "> :warning: a **protected** resource is removed: `pulumi up` will refuse until it is unprotected.");
    const table = (title: string, entries: InventoryEntry[]) => {
        if (entries.length === 0) return;
        lines.push("", `#### ${title} (${entries.length})`, "", "| type | name | cluster |", "|---|---|---|", ...entries.map(row));
    };
    table("Added", added);
    table("Removed", removed);
    if (changed.length > 0) {
        lines.push("", `#### Changed (${changed.length})`, "", "| type | name | cluster | changed inputs | changed options |", "|---|---|---|---|---|");
        for (const c of changed) {
            const keys = c.inputs.map((k) => `\`${k}\``).join(", ") || "-";
            const opts = c.options.map((k) => `\`${k}\``).join(", ") || "-";
            lines.push(`${row(c.entry)} ${keys} | ${opts} |`);
        }
    }
    if (renamed.length > 0) {
        lines.push("", `#### Renamed (${renamed.length})`, "", "| type | name | cluster | old URN | changed inputs |", "|---|---|---|---|---|");
        for (const r of renamed) lines.push(`${row(r.entry)} \`${r.from.urn}\` | ${r.inputs.map((k) => `\`${k}\``).join(", ") || "-"} |`);
    }
    if (added.length + removed.length + changed.length + renamed.length === 0) lines.push("", "No changes.");
    return lines.join("\n");
}
