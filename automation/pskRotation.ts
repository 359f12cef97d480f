// Rotating one tunnel's PSK by the name the plan prints for it: its count in the stack file
// (`links[i].pskRotations`, or `cenEdges[j].pskRotations.<cluster>` for a CEN edge crossing) goes up
// by one, so the next `pulumi up` gives that tunnel a new key at both ends. The file is edited where
// the count stands and nowhere else (comments, key order and flow styles stay as they are), and
// written only when it then reads back as the same spec with that one count changed.
import * as path from "path";
import { isDeepStrictEqual } from "util";
import * as YAML from "yaml";
import { planLinks } from "../components/links/plan";
import { cenEdgeDecls, linkDecls, linkSites } from "../stacks/links";
import { FleetSpec, FleetSpecError, formatPath, ParseOptions, parseFleet } from "../stacks/spec";
import { writeAtomically } from "../tools/files";
import { FLEET_CONFIG_KEYS, parseStackFile, parseStackText, readStackText, stackFileOf } from "../tools/stackFile";

export interface PskRotation {
    tunnel: string;
    /** Where the count stands in the fleet spec, e.g. `["cenEdges", 0, "pskRotations", "eks-apne1", 1]`. */
    path: (string | number)[];
    from: number;
    to: number;
    file: string;
}

/** Where a tunnel's count lives: the spec path of its counts, their values now (zeros when unset) and its position among them. */
interface Slot {
    at: (string | number)[];
    counts: number[];
    position: number;
}

/**
 * Raises `tunnel`'s PSK rotation count in `configFile` (a `Pulumi.<stack>.yaml`) by one. `options.stack`:
 * the stack the file is for, when known; the spec is then judged as `pulumi up` judges it (ParseOptions).
 */
export function rotateTunnelPsk(configFile: string, tunnel: string, options: ParseOptions = {}): PskRotation {
    // One read: the count is found in, and the edit made to, the same text.
    const text = readStackText(configFile);
    const stack = stackFileOf(text, configFile);
    const parsed = parseStackFile(stack, options);
    if (!parsed.ok) throw new FleetSpecError(parsed.violations);
    const slot = slotOf(parsed.spec, tunnel);
    const counts = slot.counts.map((n, i) => (i === slot.position ? n + 1 : n));

    const doc = YAML.parseDocument(text);
    const fleetKey = FLEET_CONFIG_KEYS.find((k) => doc.hasIn(["config", k]))!;
    const edited = withValue(text, doc, ["config", fleetKey, ...slot.at], counts);
    // The file read back is the spec before, but for that one count: anything else refuses the edit.
    const expected = structuredClone(stack.rawFleet) as Tree;
    setValue(expected, slot.at, counts);
    const after = readBack(edited, configFile, fleetKey);
    if (!isDeepStrictEqual(after, expected))
        throw new Error(`${path.basename(configFile)}: could not set ${formatPath(slot.at)} in place; set it to [${counts.join(", ")}] by hand`);
    const valid = parseFleet(after, options);
    if (!valid.ok) throw new FleetSpecError(valid.violations);
    writeAtomically(configFile, edited);
    return { tunnel, path: [...slot.at, slot.position], from: slot.counts[slot.position], to: counts[slot.position], file: configFile };
}

function slotOf(spec: FleetSpec, tunnel: string): Slot {
    const plan = planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec));
    const zeros = (n: number) => Array.from({ length: n }, () => 0);
    for (const [i, l] of plan.links.entries()) {
        const position = l.tunnels.findIndex((t) => t.name === tunnel);
        if (position >= 0) return { at: ["links", i, "pskRotations"], counts: spec.links[i].pskRotations ?? zeros(l.tunnels.length), position };
    }
    for (const [j, e] of plan.cenEdges.entries())
        for (const c of e.crossings) {
            const position = c.tunnels.findIndex((t) => t.name === tunnel);
            if (position >= 0)
                return {
                    at: ["cenEdges", j, "pskRotations", c.eks.name],
                    counts: spec.cenEdges[j].pskRotations?.[c.eks.name] ?? zeros(c.tunnels.length),
                    position,
                };
        }
    const names = [...plan.links.flatMap((l) => l.tunnels), ...plan.cenEdges.flatMap((e) => e.crossings.flatMap((c) => c.tunnels))].map((t) => t.name);
    throw new Error(`no tunnel ${JSON.stringify(tunnel)} in this fleet; its tunnels: ${names.join(", ") || "none"}`);
}

/** The fleet spec of an edited file's text, or undefined when it does not parse. */
function readBack(text: string, file: string, fleetKey: string): unknown {
    try {
        return (parseStackText(text, file) as { config: Record<string, unknown> }).config[fleetKey];
    } catch {
        return undefined;
    }
}

/** Parsed YAML as the spec's paths walk it (mappings by key, sequences by index). */
type Tree = { [key: string]: unknown };

function setValue(root: Tree, p: (string | number)[], value: unknown): void {
    let at = root;
    for (const k of p.slice(0, -1)) at = (at[k] ??= {}) as Tree;
    at[p[p.length - 1]] = value;
}

/**
 * `text` (parsed as `doc`) with the flow sequence `value` at `p`: the node there replaced, or a
 * `key: value` entry added to the nearest mapping on the path that exists (in its own style: a flow
 * mapping gets `, key: value` before its closing brace, a block mapping a line at its keys' indentation).
 */
function withValue(text: string, doc: YAML.Document, p: (string | number)[], value: number[]): string {
    const node = doc.getIn(p, true) as YAML.Node | undefined;
    const flowSeq = `[${value.join(", ")}]`;
    if (node?.range) return text.slice(0, node.range[0]) + flowSeq + text.slice(node.range[1]);
    // The deepest mapping on the path that exists, and the entry it lacks (with what goes below it).
    let depth = p.length - 1;
    while (depth > 0 && !YAML.isMap(doc.getIn(p.slice(0, depth), true))) depth--;
    const map = doc.getIn(p.slice(0, depth), true) as YAML.YAMLMap;
    if (!YAML.isMap(map) || !map.range) throw new Error(`no mapping at ${formatPath(p.slice(0, depth))}`);
    const entry = p.slice(depth).reduceRight<string>((inner, k, i) => (i === 0 ? `${k}: ${inner}` : `{ ${k}: ${inner} }`), flowSeq);
    if (map.flow) {
        const close = text.lastIndexOf("}", map.range[1]);
        const at = text[close - 1] === " " ? close - 1 : close;
        return `${text.slice(0, at)}, ${entry}${text.slice(at)}`;
    }
    const first = map.items[0]?.key as YAML.Node | undefined;
    if (!first?.range) throw new Error(`an empty mapping at ${formatPath(p.slice(0, depth))}`);
    const indent = first.range[0] - (text.lastIndexOf("\n", first.range[0] - 1) + 1);
    // A block mapping's range ends after its last line's break; the new line goes there.
    const end = map.range[1];
    const line = `${" ".repeat(indent)}${entry}`;
    return text[end - 1] === "\n" ? `${text.slice(0, end)}${line}\n${text.slice(end)}` : `${text.slice(0, end)}\n${line}${text.slice(end)}`;
}
