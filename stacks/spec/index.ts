// The fleet spec: one zod schema for the whole stack config (`hybrid-fleet:fleet`), the
// cross-field rules, and `parseFleet`, the only place where config becomes a typed FleetSpec.
import { z } from "zod";
import { cidr } from "../cidr";
import { ackCluster, ackRules, AckClusterSpec } from "./ack";
import { dnsLabel, formatPath, Violation } from "./common";
import { eksCluster, eksRules, EksClusterSpec } from "./eks";
import { federationRules, federationSchema } from "./federation";
import { idcCluster, idcRules, IdcClusterSpec } from "./idc";
import { fleetMeshSchema, meshRules } from "./mesh";
import { networkRules } from "./network";
import { addressRules } from "./addresses";
import { firstOverlaps, hardeningRules, MAX_CLUSTERS } from "./hardening";
import { versionRules } from "./versions";
import { cenEdgesSchema, linkExtensions, linksRules } from "./links";
import { observabilityRules, observabilitySchema, observabilitySecretKeys } from "./observability";

export type { AckClusterSpec, EksClusterSpec, IdcClusterSpec, Violation };
export { formatPath };

export const linkKinds = ["ipsec-vpn", "direct-connect", "express-connect"] as const;

const link = z.strictObject({
    /** The two clusters the link joins (order does not matter). */
    between: z.tuple([dnsLabel, dnsLabel]),
    /** ipsec-vpn: site-to-site IPsec over the internet; direct-connect / express-connect: dedicated lines. */
    kind: z.enum(linkKinds),
    ...linkExtensions,
});

const cluster = z.discriminatedUnion("provider", [idcCluster, eksCluster, ackCluster]);

export const fleetSchema = z.strictObject({
    environment: z.enum(["prod", "staging", "dev"]),
    /** The cluster that hosts Karmada and the global Thanos query/store layer. */
    hub: dnsLabel,
    mesh: fleetMeshSchema({ dnsLabel }),
    links: z.array(link).default([]),
    /**
     * Clusters whose site relays between its links (its gateways re-advertise the prefixes they
     * learn on one link to the others), so two sites linked only to it still reach each other.
     */
    transit: z.array(dnsLabel).default([]),
    /** Mainland anchors' gateways outside mainland China: the AWS ends of cross-border links face them (stacks/spec/links.ts). */
    cenEdges: cenEdgesSchema,
    clusters: z.array(cluster).min(1, "must declare at least one cluster").max(MAX_CLUSTERS, `must declare at most ${MAX_CLUSTERS} clusters`),
    /** Karmada on the hub: members, failover, placement and override policies (stacks/spec/federation.ts). */
    federation: federationSchema,
    /** Monitoring: retention, compaction, store gateways, Alertmanager receivers (stacks/spec/observability.ts). */
    observability: observabilitySchema,
});

export type FleetSpec = z.output<typeof fleetSchema>;
export type ClusterSpec = FleetSpec["clusters"][number];
export type LinkSpec = FleetSpec["links"][number];

/** The network blocks of one cluster that must be unique across the fleet, with their paths. */
export function networkBlocks(c: ClusterSpec): { key: string; text: string }[] {
    const site = c.provider === "idc" ? { key: "nodeCidr", text: c.network.nodeCidr } : { key: "vpcCidr", text: c.network.vpcCidr };
    const lb = c.provider === "idc" && c.network.loadBalancerCidr ? [{ key: "loadBalancerCidr", text: c.network.loadBalancerCidr }] : [];
    return [site, { key: "podCidr", text: c.network.podCidr }, { key: "serviceCidr", text: c.network.serviceCidr }, ...lb];
}

/** The parts of a spec the reference rules read; loose, so they also run on a malformed spec. */
interface References {
    names: (string | undefined)[];
    hub: unknown;
    transit: unknown[];
    links: ({ between: [string, string]; kind: unknown } | undefined)[];
}

/** A field of a value that may be anything (an unvalidated spec), or undefined. */
const field = (x: unknown, key: string): unknown => (typeof x === "object" && x !== null ? (x as Record<string, unknown>)[key] : undefined);

function referencesOf(raw: unknown): References | undefined {
    const clusters = field(raw, "clusters");
    if (!Array.isArray(clusters)) return undefined;
    // Only well-formed names take part; a malformed one is already a shape violation.
    const name = (x: unknown): x is string => dnsLabel.safeParse(x).success;
    const names = clusters.map((c: unknown) => {
        const n = field(c, "name");
        return name(n) ? n : undefined;
    });
    const rawLinks = field(raw, "links");
    const links = (Array.isArray(rawLinks) ? rawLinks : []).map((l: unknown) => {
        const between = field(l, "between");
        return Array.isArray(between) && between.length === 2 && between.every(name)
            ? { between: between as [string, string], kind: field(l, "kind") }
            : undefined;
    });
    const rawTransit = field(raw, "transit");
    const transit = (Array.isArray(rawTransit) ? rawTransit : []).map((t: unknown) => (name(t) ? t : undefined));
    const hub = field(raw, "hub");
    return { names, hub: name(hub) ? hub : undefined, transit, links };
}

/** Names unique, the hub and every link end an existing cluster, no self or duplicate links. */
function referenceRules(refs: References): Violation[] {
    const out: Violation[] = [];
    const index = new Map<string, number>();
    refs.names.forEach((name, i) => {
        if (name === undefined) return;
        if (index.has(name)) out.push({ path: ["clusters", i, "name"], rule: `cluster name ${name} is already used by clusters[${index.get(name)}]` });
        else index.set(name, i);
    });
    if (typeof refs.hub === "string" && !index.has(refs.hub)) out.push({ path: ["hub"], rule: `${refs.hub} is not the name of a cluster` });
    refs.transit.forEach((t, i) => {
        if (typeof t === "string" && !index.has(t)) out.push({ path: ["transit", i], rule: `${t} is not the name of a cluster` });
    });
    const pairs = new Map<string, number>();
    refs.links.forEach((l, i) => {
        if (!l) return;
        l.between.forEach((end, j) => {
            if (!index.has(end)) out.push({ path: ["links", i, "between", j], rule: `${end} is not the name of a cluster` });
        });
        const [a, b] = l.between;
        if (a === b) out.push({ path: ["links", i, "between"], rule: `a link must join two different clusters (both ends are ${a})` });
        const key = [a, b].sort().join("|");
        if (pairs.has(key)) out.push({ path: ["links", i, "between"], rule: `duplicates links[${pairs.get(key)}] (${a} <-> ${b})` });
        else pairs.set(key, i);
    });
    return out;
}

function fleetRules(fleet: FleetSpec, today: Date, stack: string | undefined): Violation[] {
    const out: Violation[] = referenceRules({ names: fleet.clusters.map((c) => c.name), hub: fleet.hub, transit: fleet.transit, links: fleet.links });
    fleet.links.forEach((l, i) => {
        // A dedicated line is a cloud's product: it must land in that cloud.
        const providers = l.between.map((end) => fleet.clusters.find((c) => c.name === end)?.provider);
        const needs = ({ "direct-connect": "eks", "express-connect": "ack" } as const)[l.kind as "direct-connect" | "express-connect"];
        if (needs && providers.every((p) => p !== undefined) && !providers.includes(needs)) {
            out.push({
                path: ["links", i, "kind"],
                rule: `${l.kind} is ${needs === "eks" ? "AWS Direct Connect" : "Alibaba Cloud Express Connect"}: one end must be an ${needs} cluster`,
            });
        }
    });

    // Every node/VPC, pod and service block in the fleet must be disjoint from every other:
    // sites are routed to each other over the links, and the mesh spans all of them. Each block
    // is reported against the first block before it in spec order that it overlaps.
    const blocks: { path: (string | number)[]; text: string }[] = [];
    fleet.clusters.forEach((c, i) => {
        for (const b of networkBlocks(c)) blocks.push({ path: ["clusters", i, "network", b.key], text: b.text });
    });
    const twins = firstOverlaps(blocks.map((b) => cidr(b.text)));
    blocks.forEach((b, k) => {
        const twin = twins[k];
        if (twin !== undefined) out.push({ path: b.path, rule: `${b.text} overlaps ${formatPath(blocks[twin].path)} ${blocks[twin].text}` });
    });

    fleet.clusters.forEach((c, i) => {
        const at = ["clusters", i];
        out.push(...objectStoreRules(c, [...at, "metrics", "objectStore"]));
        if (c.provider === "idc") out.push(...idcRules(c, at, fleet.environment));
        else if (c.provider === "eks") out.push(...eksRules(c, at, fleet.environment));
        else out.push(...ackRules(c, at, fleet.environment, stack));
        out.push(...versionRules(c.provider, c.kubernetesVersion, at, fleet.environment, today, c.versionException));
    });
    out.push(...networkRules(fleet));
    out.push(...hardeningRules(fleet));
    out.push(...addressRules(fleet));
    out.push(...linksRules(fleet, stack));
    out.push(...meshRules(fleet));
    out.push(...federationRules(fleet));
    out.push(...observabilityRules(fleet));
    return out;
}

/** EKS writes to S3, ACK to OSS; a store this program does not create needs an endpoint and credentials. */
function objectStoreRules(c: ClusterSpec, at: (string | number)[]): Violation[] {
    const store = c.metrics.objectStore;
    const out: Violation[] = [];
    const native = { eks: "s3", ack: "oss" } as const;
    if (c.provider !== "idc" && store.kind !== native[c.provider]) {
        out.push({ path: [...at, "kind"], rule: `a ${c.provider} cluster keeps its metrics in ${native[c.provider]}, not ${store.kind}` });
    }
    if (store.kind === "s3-compatible") {
        if (!store.endpoint) out.push({ path: [...at, "endpoint"], rule: "is required for an s3-compatible store" });
        if (!store.credentials) out.push({ path: [...at, "credentials"], rule: "is required for an s3-compatible store" });
    }
    return out;
}

/** Thrown when the fleet config breaks the schema or a rule; carries every violation at once. */
export class FleetSpecError extends Error {
    constructor(readonly violations: string[]) {
        super(`invalid fleet spec (${violations.length} violation${violations.length === 1 ? "" : "s"}):\n` + violations.map((v) => `  - ${v}`).join("\n"));
        this.name = "FleetSpecError";
    }
}

export type ParseResult = { ok: true; spec: FleetSpec } | { ok: false; violations: string[] };

/**
 * Validates raw config. Never throws: a bad spec comes back as `<path>: <rule>` lines.
 * The shape (types, formats, per-field rules) is checked first; the cross-field rules run on a
 * well-formed spec, so they can trust every field they read. The reference rules (names, hub,
 * links) run either way: they read only names.
 */
export interface ParseOptions {
    /** The date support windows are judged against; the real date unless a test sets it. */
    today?: Date;
    /** The stack the spec is deployed to (`prod` or `org/project/prod`): names derived from it are checked too (an ACK site's SLS projects). */
    stack?: string;
}

export function parseFleet(raw: unknown, options: ParseOptions = {}): ParseResult {
    // jitless: zod otherwise generates (new Function) and compiles a validator per object schema on
    // its first parse, ~40 ms cold for this schema; a plan or `pulumi up` parses one spec once, and
    // warm parses measured the same either way.
    const result = fleetSchema.safeParse(raw, { jitless: true });
    if (!result.success) {
        // A record's bad key is reported as "Invalid key in record" around the key schema's own issue: say that one.
        const messageOf = (issue: (typeof result.error.issues)[number]) =>
            issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
        const violations = result.error.issues.map((issue) => `${formatPath(issue.path) || "(fleet)"}: ${messageOf(issue)}`);
        // The reference rules need only names, the hub and link ends: report them too, so a spec
        // with a typo in one cluster still shows a wrong hub or link in the same run.
        const refs = referencesOf(raw);
        const references = refs ? referenceRules(refs).map((v) => `${formatPath(v.path)}: ${v.rule}`) : [];
        return { ok: false, violations: [...new Set([...violations, ...references])] };
    }
    // A fully qualified stack (org/project/stack) is named by its last part, as pulumi.getStack() returns it.
    const broken = fleetRules(result.data, options.today ?? new Date(), options.stack?.split("/").pop());
    if (broken.length > 0) return { ok: false, violations: [...new Set(broken.map((v) => `${formatPath(v.path)}: ${v.rule}`))] };
    return { ok: true, spec: result.data };
}

/** Validates raw config, or throws one FleetSpecError with every violation. */
export function loadFleet(raw: unknown, options: ParseOptions = {}): FleetSpec {
    const result = parseFleet(raw, options);
    if (!result.ok) throw new FleetSpecError(result.violations);
    return result.spec;
}

/** Every stack config key that the spec says holds a secret (SSH keys, store credentials). */
export function secretConfigKeys(spec: FleetSpec): string[] {
    const keys = new Set<string>();
    for (const c of spec.clusters) {
        const stores = [c.metrics.objectStore];
        if (c.provider === "idc") {
            keys.add(c.ssh.privateKeyConfigKey);
            // etcd snapshots may go to a store of their own, with its own credentials.
            if (c.etcd.backup.objectStore) stores.push(c.etcd.backup.objectStore);
        }
        for (const creds of stores.map((s) => s.credentials)) {
            if (!creds) continue;
            keys.add(creds.accessKeyIdKey);
            keys.add(creds.secretAccessKeyKey);
        }
    }
    for (const k of observabilitySecretKeys(spec.observability)) keys.add(k);
    return [...keys].sort();
}
