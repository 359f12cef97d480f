// Compares two offline-plan inventories: what a pull request adds, removes and changes.
import { isDeepStrictEqual } from "util";

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

export interface InventoryDiff {
    added: InventoryEntry[];
    removed: InventoryEntry[];
    changed: Change[];
}

const OPTIONS = ["protect", "retainOnDelete", "parent", "provider", "dependencies"] as const;

/** The keys, sorted, whose values differ between two objects (present in one only counts). */
function changedKeys(before: object, after: object): string[] {
    const [a, b] = [before as Record<string, unknown>, after as Record<string, unknown>];
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((k) => !isDeepStrictEqual(a[k], b[k]));
}

export function diffInventories(before: InventoryFile, after: InventoryFile): InventoryDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const added = after.resources.filter((r) => !old.has(r.urn));
    const removed = before.resources.filter((r) => !now.has(r.urn));
    const changed: Change[] = [];
    for (const entry of after.resources) {
        const prev = old.get(entry.urn);
        if (!prev) continue;
        const inputs = changedKeys(prev.inputs, entry.inputs);
        const options = [...OPTIONS.filter((o) => !isDeepStrictEqual(prev[o], entry[o])), ...changedKeys(prev.options ?? {}, entry.options ?? {})];
        if (inputs.length > 0 || options.length > 0) changed.push({ entry, inputs, options });
    }
    return { added, removed, changed };
}

const row = (e: InventoryEntry) => `| \`${e.type}\` | \`${e.name}\` | ${e.cluster ?? "(fleet)"} |`;

/** Markdown for a pull-request comment. */
export function renderDiff(diff: InventoryDiff, stack: string): string {
    const { added, removed, changed } = diff;
    const lines = [`### Offline plan diff for stack \`${stack}\``, "", `**${added.length} to add, ${changed.length} to change, ${removed.length} to remove**`];
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
    if (added.length + removed.length + changed.length === 0) lines.push("", "No changes.");
    return lines.join("\n");
}
