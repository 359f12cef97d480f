// The engine's event stream as per-cluster progress: which resource started, finished or failed
// (with the provider's message), so a portal can draw a bar per cluster and a summary at the end.
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { urnName } from "../tools/urn";

/** "(fleet)" for resources that belong to no one cluster (fleet-wide layers, the stack itself). */
export const FLEET = "(fleet)";

export type FleetEvent =
    | { kind: "started" | "done"; cluster: string; urn: string; type: string; name: string; op: OpType }
    | { kind: "failed"; cluster: string; urn: string; type: string; name: string; op: OpType; message: string }
    | { kind: "diagnostic"; cluster: string; urn?: string; severity: "info" | "info#err" | "warning" | "error"; message: string }
    | { kind: "policy"; cluster: string; urn?: string; policy: string; enforcementLevel: string; message: string }
    | { kind: "summary"; changes: Partial<Record<OpType, number>>; durationSeconds: number; clusters: Record<string, ClusterProgress> };

export interface ClusterProgress {
    started: number;
    done: number;
    failed: number;
}

/**
 * The cluster a resource belongs to. Every resource of a cluster is named after it (the site
 * component is the cluster's name; children derive their names from their parent's), so the
 * longest cluster name that the resource name equals or starts with, followed by "-", wins.
 */
export function clusterOfUrn(urn: string, clusters: string[]): string {
    const name = urnName(urn);
    const owner = clusters.filter((c) => name === c || name.startsWith(`${c}-`)).sort((a, b) => b.length - a.length)[0];
    return owner ?? FLEET;
}

/** Strips the CLI's color codes and trailing whitespace from a diagnostic. */
const plain = (message: string) =>
    message
        .replace(/<\{%[^%]*%\}>/g, "")
        // eslint-disable-next-line no-control-regex -- ANSI escapes start with ESC (\x1b)
        .replace(/\x1b\[[0-9;]*m/g, "")
        .trim();

/** Turns engine events into fleet events; keeps the per-cluster counts for the summary. */
export class FleetProgress {
    readonly clusters: Record<string, ClusterProgress> = {};
    private readonly errors = new Map<string, string>();

    constructor(
        private readonly clusterNames: string[],
        private readonly emit: (e: FleetEvent) => void,
    ) {
        for (const c of [...clusterNames, FLEET]) this.clusters[c] = { started: 0, done: 0, failed: 0 };
    }

    onEngineEvent = (event: EngineEvent): void => {
        const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (step) {
            // The stack resource itself is bookkeeping, not progress.
            if (step.type === "pulumi:pulumi:Stack") return;
            const cluster = clusterOfUrn(step.urn, this.clusterNames);
            const at = { cluster, urn: step.urn, type: step.type, name: urnName(step.urn), op: step.op };
            const counts = this.clusters[cluster];
            if (event.resourcePreEvent) {
                counts.started++;
                this.emit({ kind: "started", ...at });
            } else if (event.resOutputsEvent) {
                counts.done++;
                this.emit({ kind: "done", ...at });
            } else {
                counts.failed++;
                this.emit({ kind: "failed", ...at, message: this.errors.get(step.urn) ?? `${step.op} failed (status ${event.resOpFailedEvent!.status})` });
            }
            return;
        }
        const d = event.diagnosticEvent;
        if (d) {
            const message = plain(d.message);
            // The provider's message arrives as an error diagnostic on the resource, before its failure event.
            if (d.severity === "error" && d.urn) this.errors.set(d.urn, message);
            this.emit({
                kind: "diagnostic",
                cluster: d.urn ? clusterOfUrn(d.urn, this.clusterNames) : FLEET,
                ...(d.urn ? { urn: d.urn } : {}),
                severity: d.severity,
                message,
            });
            return;
        }
        const p = event.policyEvent;
        if (p) {
            this.emit({
                kind: "policy",
                cluster: p.resourceUrn ? clusterOfUrn(p.resourceUrn, this.clusterNames) : FLEET,
                ...(p.resourceUrn ? { urn: p.resourceUrn } : {}),
                policy: p.policyName,
                enforcementLevel: p.enforcementLevel,
                message: plain(p.message),
            });
            return;
        }
        const s = event.summaryEvent;
        if (s) this.emit({ kind: "summary", changes: s.resourceChanges ?? {}, durationSeconds: s.durationSeconds, clusters: structuredClone(this.clusters) });
    };
}
