// Which Helm values a program sets that a chart does not have (Helm ignores an unknown key, so a
// setting under a misspelt or renamed key silently never applies). A helper, not a test file: a test
// file imported by another registers its suites in that file's run too (mocha's parallel workers
// then ran them twice, or lost them).
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Kubernetes maps a chart passes through as they are (label and annotation maps): any key is valid. */
const FREE_FORM = new Set(["nodeSelector", "podLabels", "podAnnotations", "additionalLabels", "additionalAnnotations", "annotations", "labels"]);

/**
 * Key paths of `set` that the chart's defaults do not have. A key the chart holds as a non-empty
 * map is followed into; an empty map ({}), a list, a scalar or a FREE_FORM map in the chart is a
 * value the program may fill as it likes (Helm merges maps: the chart's own entries stay).
 */
export function unknownKeys(set: unknown, chart: unknown, at = ""): string[] {
    if (!isMap(set) || !isMap(chart) || Object.keys(chart).length === 0) return [];
    return Object.entries(set).flatMap(([k, v]) => {
        const where = at ? `${at}.${k}` : k;
        if (!(k in chart)) return [where];
        return FREE_FORM.has(k) ? [] : unknownKeys(v, chart[k], where);
    });
}
