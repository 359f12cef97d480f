// The fleet's monitoring spec (`observability`): local retention, the compactor's retention and
// downsampling, store gateway replicas, Alertmanager receivers (webhook URLs as secret config
// keys), and whether clusters may share a metrics bucket. The rules: retention >= 6h, external
// label sets unique, one compactor per bucket, every store the hub queries reachable over links.
import { z } from "zod";
import { bucketKey, DURATION, durationHours, externalLabels } from "../../components/observability/render";
import { dnsLabel, secretConfigKey, Violation } from "./common";
import { reachabilityViolations, ReachabilityNeed } from "./reachability";

const duration = z.string().regex(DURATION, 'must be a duration like "6h", "30d", "2w" or "1y"');

export const observabilitySchema = z
    .strictObject({
        prometheus: z
            .strictObject({
                /** Local TSDB retention of every cluster's Prometheus (>= 6h: three 2h blocks). */
                retention: duration.default("24h"),
            })
            .prefault({}),
        compactor: z
            .strictObject({
                /** How long the bucket keeps each resolution ("0d" = forever). */
                retention: z.strictObject({ raw: duration.default("30d"), fiveMinutes: duration.default("90d"), oneHour: duration.default("1y") }).prefault({}),
                downsampling: z.boolean().default(true),
            })
            .prefault({}),
        storeGateway: z.strictObject({ replicas: z.number().int().min(1).max(10).default(2) }).prefault({}),
        query: z.strictObject({ replicas: z.number().int().min(1).max(10).default(2) }).prefault({}),
        /** Clusters may name the same bucket (one compactor and store gateway set serves it). */
        sharedBuckets: z.boolean().default(false),
        alertmanager: z
            .strictObject({
                receivers: z
                    .array(
                        z.strictObject({
                            name: dnsLabel,
                            severities: z.array(z.enum(["critical", "warning", "info"])).min(1),
                            /** Stack config key of the webhook URL (`pulumi config set --secret`). */
                            webhookUrlKey: secretConfigKey,
                        }),
                    )
                    .default([]),
            })
            .prefault({}),
    })
    .prefault({});

export type ObservabilitySpec = z.output<typeof observabilitySchema>;

interface FleetLike {
    environment: string;
    hub: string;
    links: { between: readonly [string, string] | string[] }[];
    transit: string[];
    observability: ObservabilitySpec;
    clusters: {
        name: string;
        provider: "idc" | "eks" | "ack";
        region: string;
        metrics: { objectStore: { kind: "s3" | "oss" | "s3-compatible"; bucket: string; region?: string; endpoint?: string } };
    }[];
}

// Thanos compact refuses raw retention shorter than the 40h after which it downsamples to 5m, and
// 5m retention shorter than the 10d after which it downsamples to 1h (cmd/thanos/compact.go).
const DOWNSAMPLE_AFTER_H = { raw: 40, fiveMinutes: 240 } as const;

export function observabilityRules(fleet: FleetLike): Violation[] {
    const out: Violation[] = [];
    const o = fleet.observability;
    if (durationHours(o.prometheus.retention) < 6) {
        out.push({
            path: ["observability", "prometheus", "retention"],
            rule: "must be at least 6h (three 2h blocks kept locally while the sidecar uploads them)",
        });
    }
    if (o.compactor.downsampling) {
        for (const res of ["raw", "fiveMinutes"] as const) {
            const h = durationHours(o.compactor.retention[res]);
            if (h !== 0 && h < DOWNSAMPLE_AFTER_H[res]) {
                out.push({
                    path: ["observability", "compactor", "retention", res],
                    rule: `must be 0d or at least ${DOWNSAMPLE_AFTER_H[res]}h with downsampling on (Thanos downsamples after that age)`,
                });
            }
        }
    }
    const receivers = new Map<string, number>();
    o.alertmanager.receivers.forEach((r, i) => {
        if (r.name === "null")
            out.push({ path: ["observability", "alertmanager", "receivers", i, "name"], rule: 'is reserved (the "null" receiver takes the unrouted alerts)' });
        if (receivers.has(r.name))
            out.push({ path: ["observability", "alertmanager", "receivers", i, "name"], rule: `duplicates receivers[${receivers.get(r.name)}]` });
        else receivers.set(r.name, i);
    });

    // External labels name every series in the buckets and on the hub: two equal sets mix two clusters.
    const labelSets = new Map<string, number>();
    fleet.clusters.forEach((c, i) => {
        const key = JSON.stringify(externalLabels({ name: c.name, site: c.provider, region: c.region, environment: fleet.environment }));
        if (labelSets.has(key))
            out.push({
                path: ["clusters", i, "name"],
                rule: `external labels ${key} are those of clusters[${labelSets.get(key)}]: Thanos could not tell their series apart`,
            });
        else labelSets.set(key, i);
    });

    // One compactor per bucket: a bucket named twice is one bucket, shared only when the spec says so,
    // and only where no site creates it (EKS and ACK sites each create their own bucket).
    const buckets = new Map<string, number>();
    fleet.clusters.forEach((c, i) => {
        const key = bucketKey(c.metrics.objectStore);
        const first = buckets.get(key);
        if (first === undefined) return void buckets.set(key, i);
        const at = ["clusters", i, "metrics", "objectStore", "bucket"];
        if (!o.sharedBuckets)
            out.push({ path: at, rule: `is also clusters[${first}]'s bucket: set observability.sharedBuckets to share it (one compactor serves it)` });
        else if (c.provider !== "idc" || fleet.clusters[first].provider !== "idc")
            out.push({
                path: at,
                rule: `is also clusters[${first}]'s bucket, but ${c.provider === "idc" ? fleet.clusters[first].provider : c.provider} sites create their own bucket: only s3-compatible buckets can be shared`,
            });
    });

    // Thanos Query on the hub dials every sidecar and every bucket's store gateway (a hub naming no
    // cluster is reported by the reference rules).
    if (!fleet.clusters.some((c) => c.name === fleet.hub)) return out;
    const needs: ReachabilityNeed[] = [];
    const owners = new Set<string>();
    fleet.clusters.forEach((c, i) => {
        needs.push({ from: fleet.hub, to: c.name, layer: `monitoring (Thanos Query reads the sidecar of ${c.name})`, path: ["clusters", i, "name"] });
        const key = bucketKey(c.metrics.objectStore);
        if (!owners.has(key)) {
            owners.add(key);
            needs.push({
                from: fleet.hub,
                to: c.name,
                layer: `monitoring (Thanos Query reads the store gateway of ${c.metrics.objectStore.bucket})`,
                path: ["clusters", i, "metrics", "objectStore"],
            });
        }
    });
    out.push(...reachabilityViolations(fleet, needs));
    return out;
}

/** The config keys of the receivers' webhook URLs (secrets). */
export function observabilitySecretKeys(o: ObservabilitySpec): string[] {
    return o.alertmanager.receivers.map((r) => r.webhookUrlKey);
}
