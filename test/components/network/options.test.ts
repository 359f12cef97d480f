// labelSelectorOf: the Calico node selectors of the spec as Kubernetes label selectors (what
// Cilium's BGP resources take), case by case, and the selectors a label selector cannot say.
import * as assert from "assert";
import { LabelSelector, labelSelectorOf } from "../../../components/network/options";

const CASES: [string, LabelSelector][] = [
    ["all()", {}],
    [" all( ) ", {}],
    ["rack == 'r1'", { matchLabels: { rack: "r1" } }],
    ['rack == "r1"', { matchLabels: { rack: "r1" } }],
    ["rack=='r1'", { matchLabels: { rack: "r1" } }],
    ["rack == ''", { matchLabels: { rack: "" } }],
    ["rack != 'r1'", { matchExpressions: [{ key: "rack", operator: "NotIn", values: ["r1"] }] }],
    ["has(gpu)", { matchExpressions: [{ key: "gpu", operator: "Exists" }] }],
    ["!has(gpu)", { matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }],
    ["! has( gpu )", { matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }],
    ["zone in {'a', 'b'}", { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }],
    ['zone not in {"a"}', { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }],
    // A second equality on one key cannot be a second matchLabels entry: it becomes In.
    ["rack == 'r1' && rack == 'r2'", { matchLabels: { rack: "r1" }, matchExpressions: [{ key: "rack", operator: "In", values: ["r2"] }] }],
    [
        "topology.kubernetes.io/zone == 'z1' && has(hybrid-fleet.io/bgp) && tier not in {'x','y'}",
        {
            matchLabels: { "topology.kubernetes.io/zone": "z1" },
            matchExpressions: [
                { key: "hybrid-fleet.io/bgp", operator: "Exists" },
                { key: "tier", operator: "NotIn", values: ["x", "y"] },
            ],
        },
    ],
];

const UNSAYABLE: [string, string][] = [
    ["rack == 'r1' || rack == 'r2'", "a disjunction"],
    ["(rack == 'r1')", "parentheses"],
    ["!(rack == 'r1')", "negation of an expression"],
    ["all() && has(gpu)", "all() inside a conjunction"],
    ["zone in {}", "In without values"],
    ["zone in {'a' 'b'}", "a set without commas"],
    ["rack == r1", "an unquoted value"],
    ["rack == 'two words'", "a value Kubernetes rejects"],
    ["rack == '-r1'", "a value starting with a dash"],
    [`rack == '${"a".repeat(64)}'`, "a value over 63 characters"],
    ["rack > 'r1'", "an operator Calico has and label selectors do not"],
    ["", "nothing"],
];

describe("labelSelectorOf", () => {
    for (const [selector, expected] of CASES) {
        it(`translates ${JSON.stringify(selector)}`, () => {
            assert.deepStrictEqual(labelSelectorOf(selector), expected);
        });
    }

    for (const [selector, why] of UNSAYABLE) {
        it(`has no label selector for ${JSON.stringify(selector)} (${why})`, () => {
            assert.strictEqual(labelSelectorOf(selector), undefined);
        });
    }
});
