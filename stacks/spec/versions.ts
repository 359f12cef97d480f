// Kubernetes support windows, per site, as data: the one place that says which minor versions the
// fleet may run and until when. A prod cluster past its end of standard support is refused; a
// version whose support ends within WARN_DAYS is a warning in the plan.
import type { Violation } from "./violation";

export type Site = "idc" | "eks" | "ack";

export interface SupportWindow {
    /** Kubernetes minor, "1.36". */
    minor: string;
    /** Last day of standard support (UTC, YYYY-MM-DD); after it the version is refused in prod. */
    endOfStandardSupport: string;
    /** Where the date comes from. */
    source: string;
}

const UPSTREAM = (minor: string) => `https://kubernetes.io/releases/${minor}/`;
const EKS_CALENDAR = "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar";
const ACK_VERSIONS = "https://www.alibabacloud.com/help/en/ack/product-overview/release-notes-for-kubernetes-versions";

/**
 * IDC clusters run upstream Kubernetes (kubeadm): its end-of-life dates. EKS: end of standard
 * support (extended support after it is paid and is not "supported" here). ACK: "end of support".
 */
export const SUPPORT_WINDOWS: Record<Site, readonly SupportWindow[]> = {
    idc: [
        { minor: "1.31", endOfStandardSupport: "2025-10-28", source: UPSTREAM("1.31") },
        { minor: "1.32", endOfStandardSupport: "2026-02-28", source: UPSTREAM("1.32") },
        { minor: "1.33", endOfStandardSupport: "2026-06-28", source: UPSTREAM("1.33") },
        { minor: "1.34", endOfStandardSupport: "2026-10-27", source: UPSTREAM("1.34") },
        { minor: "1.35", endOfStandardSupport: "2027-02-28", source: UPSTREAM("1.35") },
        { minor: "1.36", endOfStandardSupport: "2027-06-28", source: UPSTREAM("1.36") },
    ],
    eks: [
        { minor: "1.32", endOfStandardSupport: "2026-03-23", source: EKS_CALENDAR },
        { minor: "1.33", endOfStandardSupport: "2026-07-29", source: EKS_CALENDAR },
        { minor: "1.34", endOfStandardSupport: "2026-12-02", source: EKS_CALENDAR },
        { minor: "1.35", endOfStandardSupport: "2027-03-27", source: EKS_CALENDAR },
        // Released on EKS 2026-06-02; standard support is the 14 months after (same page).
        { minor: "1.36", endOfStandardSupport: "2027-08-02", source: EKS_CALENDAR },
    ],
    ack: [
        { minor: "1.32", endOfStandardSupport: "2026-01-31", source: ACK_VERSIONS },
        { minor: "1.33", endOfStandardSupport: "2026-05-31", source: ACK_VERSIONS },
        { minor: "1.34", endOfStandardSupport: "2026-09-30", source: ACK_VERSIONS },
        { minor: "1.35", endOfStandardSupport: "2027-02-28", source: ACK_VERSIONS },
        { minor: "1.36", endOfStandardSupport: "2027-05-30", source: ACK_VERSIONS },
    ],
};

/** A version whose support ends within this many days is a warning in the plan. */
export const WARN_DAYS = 90;

const DAY_MS = 24 * 60 * 60 * 1000;

/** "1.36.1-aliyun.1" -> "1.36". */
export function minorOf(version: string): string {
    return version.split(".").slice(0, 2).join(".");
}

export function supportWindow(site: Site, version: string): SupportWindow | undefined {
    const minor = minorOf(version);
    return SUPPORT_WINDOWS[site].find((w) => w.minor === minor);
}

/** Whole days from `today` (UTC date) to the end of support; negative once it has passed. */
export function daysLeft(window: SupportWindow, today: Date): number {
    const end = Date.parse(`${window.endOfStandardSupport}T00:00:00Z`);
    const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    return Math.round((end - day) / DAY_MS);
}

const SITE_NAME: Record<Site, string> = { idc: "upstream Kubernetes (IDC)", eks: "EKS", ack: "ACK" };

export function knownMinors(site: Site): string {
    return SUPPORT_WINDOWS[site].map((w) => w.minor).join(", ");
}

/**
 * An unknown minor is refused everywhere (nothing this program renders is pinned for it); a minor
 * past its end of standard support is refused in prod. Other environments may run it (the IDC
 * upgrade chain steps a cluster through one minor per `pulumi up`).
 */
/** The longest a versionException may reach ahead: long enough for one upgrade step, no more. */
export const MAX_EXCEPTION_DAYS = 30;

export function versionRules(
    site: Site,
    version: string,
    at: (string | number)[],
    environment: string,
    today: Date,
    exception?: { until: string; reason: string },
): Violation[] {
    const path = [...at, "kubernetesVersion"];
    const w = supportWindow(site, version);
    if (!w) return [{ path, rule: `${SITE_NAME[site]} ${minorOf(version)} is not a known version (known: ${knownMinors(site)})` }];
    const out: Violation[] = [];
    if (exception) {
        const ahead = daysLeft({ minor: w.minor, endOfStandardSupport: exception.until, source: "" }, today);
        if (ahead < 0) out.push({ path: [...at, "versionException", "until"], rule: `expired on ${exception.until}` });
        else if (ahead > MAX_EXCEPTION_DAYS)
            out.push({
                path: [...at, "versionException", "until"],
                rule: `may reach at most ${MAX_EXCEPTION_DAYS} days ahead (one upgrade step), got ${ahead}`,
            });
    }
    const excused = exception !== undefined && out.length === 0;
    if (environment === "prod" && daysLeft(w, today) < 0 && !excused) {
        out.push({
            path,
            rule: `${SITE_NAME[site]} ${w.minor} reached end of standard support on ${w.endOfStandardSupport} (${w.source}); prod must run a supported version (while stepping up one minor at a time, set versionException with a date at most ${MAX_EXCEPTION_DAYS} days ahead)`,
        });
    }
    return out;
}

/** Plan warnings: a cluster whose version's support ends within WARN_DAYS (or has ended, outside prod). */
export function versionWarnings(clusters: readonly { name: string; provider: Site; kubernetesVersion: string }[], today: Date): string[] {
    const out: string[] = [];
    for (const c of clusters) {
        const w = supportWindow(c.provider, c.kubernetesVersion);
        if (!w) continue;
        const left = daysLeft(w, today);
        if (left < 0) out.push(`${c.name}: ${SITE_NAME[c.provider]} ${w.minor} reached end of standard support on ${w.endOfStandardSupport} (${w.source})`);
        else if (left <= WARN_DAYS)
            out.push(`${c.name}: ${SITE_NAME[c.provider]} ${w.minor} ends standard support on ${w.endOfStandardSupport}, in ${left} days (${w.source})`);
    }
    return out;
}

/**
 * For the plan: how an IDC cluster already running an older minor reaches `version` (kubeadm and
 * the upgrade chain take one minor per `pulumi up`), e.g. from 1.33: 1.34.x -> 1.35.x -> 1.36.4.
 */
export function idcUpgradeNote(name: string, version: string, from = "1.33"): string | undefined {
    const target = Number(minorOf(version).split(".")[1]);
    const start = Number(from.split(".")[1]);
    if (target - start < 2) return undefined;
    const steps = Array.from({ length: target - start - 1 }, (_, i) => `1.${start + i + 1}.x`);
    return `${name}: an existing cluster on ${from} reaches ${version} one minor per \`pulumi up\`: ${[...steps, version].join(" -> ")} (the hosts refuse a skipped minor; see README, "Supported versions")`;
}
