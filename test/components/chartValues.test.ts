// Every Helm value the program sets exists in the pinned chart's values.yaml (vendored byte for
// byte in test/fixtures/charts, provenance in its UPSTREAM.md): Helm ignores an unknown key, so a
// typo or a key a chart release renamed would be a production setting that silently never applies.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { karpenterValues } from "../../components/eks/karpenter/render";
import { KARPENTER } from "../../components/eks/karpenter/versions";
import { tigeraOperatorValues } from "../../components/network/calico/render";
import { CALICO } from "../../components/network/calico/versions";

const DIR = path.join(__dirname, "..", "fixtures", "charts");
const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
const chartValues = (chart: string) => parse(fs.readFileSync(path.join(DIR, chart, "values.yaml"), "utf8"));
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

describe("Helm values exist in the pinned charts", () => {
    it("the vendored values.yaml files are the upstream blobs listed in UPSTREAM.md, at the pinned versions", () => {
        const table = fs.readFileSync(path.join(DIR, "UPSTREAM.md"), "utf8");
        const rows = [...table.matchAll(/^\| `([^`]+)` \| (\S+) ([^ ]+) .*\| ([0-9a-f]{8}) \|$/gm)];
        assert.strictEqual(rows.length, 2);
        for (const [, file, , , blob] of rows)
            assert.ok(gitBlobId(fs.readFileSync(path.join(DIR, file))).startsWith(blob), `${file} differs from upstream ${blob}`);
        assert.ok(table.includes(`karpenter ${KARPENTER.version}`), "the Karpenter values are not at the pinned version");
        assert.ok(table.includes(`tigera-operator ${CALICO.version}`), "the tigera-operator values are not at the pinned version");
    });

    it("Karpenter: every key karpenterValues sets is a key of the chart", () => {
        const values = karpenterValues({ cluster: "c1", endpoint: "https://example.eks.amazonaws.com", queueName: "q" });
        assert.deepStrictEqual(unknownKeys(values, chartValues("karpenter")), []);
    });

    it("tigera-operator: every key tigeraOperatorValues sets is a key of the chart", () => {
        assert.deepStrictEqual(unknownKeys(tigeraOperatorValues({ host: "10.10.0.10", port: 8443 }), chartValues("tigera-operator")), []);
    });

    it("the check catches a misspelt or moved key", () => {
        const chart = chartValues("karpenter");
        assert.deepStrictEqual(unknownKeys({ settings: { clusterName: "c", reservedENI: "1" }, replica: 2, nodeSelector: { any: "thing" } }, chart), [
            "settings.reservedENI",
            "replica",
        ]);
    });
});
