// Every Helm value the program sets exists in the pinned chart's values.yaml (vendored byte for
// byte in test/fixtures/charts, provenance in its UPSTREAM.md): Helm ignores an unknown key, so a
// typo or a key a chart release renamed would be a production setting that silently never applies.
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { parse } from "yaml";
import { karpenterValues } from "../../components/eks/karpenter/render";
import { KARPENTER } from "../../components/eks/karpenter/versions";
import { tigeraOperatorValues } from "../../components/network/calico/render";
import { CALICO } from "../../components/network/calico/versions";
import { ciliumValues } from "../../components/network/cilium/render";
import { CILIUM } from "../../components/network/cilium/versions";
import type { EksClusterSpec, IdcClusterSpec } from "../../stacks/spec";
import { loadStackSpec } from "../harness";
import { unknownKeys } from "./chartKeys";

const DIR = path.join(__dirname, "..", "fixtures", "charts");
const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
/** A chart's values.yaml, parsed once per process (Cilium's, 180 KB, takes ~0.1 s and four tests read it): read, never changed. */
const chartValues = (chart: string): Record<string, unknown> => {
    let values = parsedValues.get(chart);
    if (!values) {
        values = parse(fs.readFileSync(path.join(DIR, chart, "values.yaml"), "utf8")) as Record<string, unknown>;
        parsedValues.set(chart, values);
    }
    return values;
};
const parsedValues = new Map<string, Record<string, unknown>>();

describe("Helm values exist in the pinned charts", () => {
    it("the vendored values.yaml files are the upstream blobs listed in UPSTREAM.md, at the pinned versions", () => {
        const table = fs.readFileSync(path.join(DIR, "UPSTREAM.md"), "utf8");
        const rows = [...table.matchAll(/^\| `([^`]+)` \| (\S+) ([^ ]+) .*\| ([0-9a-f]{8}) \|$/gm)];
        assert.strictEqual(rows.length, 4);
        for (const [, file, , , blob] of rows)
            assert.ok(gitBlobId(fs.readFileSync(path.join(DIR, file))).startsWith(blob), `${file} differs from upstream ${blob}`);
        // Karpenter: the values of the newest release readable here, of the pinned minor, the gap stated in the table.
        assert.strictEqual(
            KARPENTER.checkedAgainst.split(".").slice(0, 2).join("."),
            KARPENTER.version.split(".").slice(0, 2).join("."),
            "Karpenter values of another minor",
        );
        assert.ok(
            table.includes(`karpenter ${KARPENTER.checkedAgainst} (for the pinned ${KARPENTER.version}`),
            "the Karpenter values' version and the pin are not stated",
        );
        assert.ok(table.includes(`tigera-operator ${CALICO.version}`), "the tigera-operator values are not at the pinned version");
        // Cilium: the values of the newest chart of the pinned minor readable here, the gap stated in the table.
        const vendored = String((chartValues("cilium").image as { tag: string }).tag).replace(/^v/, "");
        assert.strictEqual(vendored.split(".").slice(0, 2).join("."), CILIUM.version.split(".").slice(0, 2).join("."), "Cilium values of another minor");
        assert.ok(table.includes(`cilium ${vendored} (for the pinned ${CILIUM.version}`), "the Cilium values' version and the pin are not stated");
    });

    it("Karpenter: every key karpenterValues sets is a key of the chart", () => {
        const values = karpenterValues({ cluster: "c1", endpoint: "https://example.eks.amazonaws.com", queueName: "q" });
        assert.deepStrictEqual(unknownKeys(values, chartValues("karpenter")), []);
    });

    it("tigera-operator: every key tigeraOperatorValues sets is a key of the chart", () => {
        assert.deepStrictEqual(unknownKeys(tigeraOperatorValues({ host: "10.10.0.10", port: 8443 }), chartValues("tigera-operator")), []);
    });

    describe("Cilium: every key ciliumValues sets is a key of the chart, and the values pass the chart's values.schema.json", () => {
        // Helm validates the merged values against values.schema.json before rendering (draft-07).
        const schema = JSON.parse(fs.readFileSync(path.join(DIR, "cilium", "values.schema.json"), "utf8"));
        const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
        const schemaErrors = (v: unknown) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
        const dev = loadStackSpec("dev");
        const idc = dev.clusters.find((c): c is IdcClusterSpec => c.provider === "idc" && c.network.cni === "cilium")!;
        const direct = structuredClone(idc);
        delete direct.network.cilium.bgp;
        const eksDev = dev.clusters.find((c): c is EksClusterSpec => c.provider === "eks")!;
        const eks = { ...eksDev, network: { ...eksDev.network, cni: "cilium", cilium: { clusterId: 12 } } } as EksClusterSpec;
        const apiServer = { host: "10.10.0.10", port: 6443 };
        // Top-level keys the chart documents only as a commented-out line of values.yaml (no default):
        // its templates read them when present (templates/cilium-configmap.yaml: `hasKey .Values
        // "egressMasqueradeInterfaces"` -> egress-masquerade-interfaces). They pass only as long as
        // the vendored values.yaml still documents them so.
        const COMMENTED = ["egressMasqueradeInterfaces"];
        const documented = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).filter(([k]) => !COMMENTED.includes(k)));
        const variants: [string, Record<string, unknown>][] = [
            ["IDC, BGP routing", ciliumValues(idc, { apiServer })],
            ["IDC, direct routes", ciliumValues(direct, { apiServer })],
            ["EKS, ENI mode", ciliumValues(eks, { apiServer: { host: "abc.gr7.ap-northeast-1.eks.amazonaws.com", port: 443 } })],
        ];

        it("the variants under test are the ones the program renders (BGP, direct routes, ENI)", () => {
            assert.ok(idc.network.cilium.bgp, "the dev IDC cluster routes with Cilium BGP");
            assert.deepStrictEqual(
                variants.map(([, v]) => [v.bgpControlPlane !== undefined, v.autoDirectNodeRoutes, (v.ipam as { mode: string }).mode]),
                [
                    [true, false, "cluster-pool"],
                    [false, true, "cluster-pool"],
                    [false, undefined, "eni"],
                ],
            );
        });

        for (const [name, values] of variants) {
            it(`${name}: no key the chart lacks, no schema violation`, () => {
                assert.deepStrictEqual(unknownKeys(documented(values), chartValues("cilium")), []);
                assert.deepStrictEqual(schemaErrors(values), []);
            });
        }

        it("the keys passed as documented are commented-out keys of the chart's values.yaml, not keys it defaults", () => {
            const text = fs.readFileSync(path.join(DIR, "cilium", "values.yaml"), "utf8");
            for (const key of COMMENTED) {
                assert.match(text, new RegExp(`^# ${key}: `, "m"), `${key} is not documented in the chart's values.yaml`);
                assert.ok(!(key in chartValues("cilium")), key);
            }
            assert.ok(
                variants.some(([, v]) => COMMENTED.some((k) => k in v)),
                "no variant sets a commented key: drop it from the list",
            );
        });

        it("the checks catch the pod-CIDR key of an older chart, a misspelt Hubble key and a wrongly typed value", () => {
            const [, bgp] = variants[0];
            const ipam = bgp.ipam as { operator: Record<string, unknown> };
            const wrong = { ...bgp, ipam: { ...ipam, operator: { clusterPoolIPv4PodCIDR: "10.0.0.0/8" } }, hubble: { relay: { enable: true } } };
            assert.deepStrictEqual(unknownKeys(wrong, chartValues("cilium")).sort(), ["hubble.relay.enable", "ipam.operator.clusterPoolIPv4PodCIDR"]);
            assert.deepStrictEqual(schemaErrors({ ...bgp, k8sServicePort: true, operator: { replicas: "two" } }), [
                "/k8sServicePort must be string,integer",
                "/operator/replicas must be integer",
            ]);
        });
    });

    it("the check catches a misspelt or moved key", () => {
        const chart = chartValues("karpenter");
        assert.deepStrictEqual(unknownKeys({ settings: { clusterName: "c", reservedENI: "1" }, replica: 2, nodeSelector: { any: "thing" } }, chart), [
            "settings.reservedENI",
            "replica",
        ]);
    });
});
