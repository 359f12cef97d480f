// The benchmark's replay floor re-declares a plan's resources as they stand: if it dropped or
// changed any, the "program's own cost" the benchmark reports above it would be wrong.
import * as assert from "assert";
import { classOf, replayInventory } from "../../tools/sdkFloor";
import { redact, runOnMocks } from "../../tools/mockEngine";
import { plannedInventory } from "../harness";

describe("benchmark SDK floor: --replay", function () {
    this.timeout(60_000);

    it("re-declares every resource of the prod plan with its URN (type, name, parent chain) and its inputs", async () => {
        const planned = (await plannedInventory("prod")).inventory;
        const { inventory } = await runOnMocks(() => replayInventory(planned.resources), { stack: "prod", recordState: false });
        const declared = (rs: { urn: string; inputs: unknown; custom: boolean }[]) =>
            rs
                .filter((r) => r.custom)
                .map((r) => ({ urn: r.urn, inputs: redact(r.inputs) }))
                .sort((a, b) => (a.urn < b.urn ? -1 : 1));
        assert.strictEqual(inventory.resources.length, planned.resources.length);
        assert.deepStrictEqual(inventory.resources.map((r) => r.urn).sort(), planned.resources.map((r) => r.urn).sort());
        assert.deepStrictEqual(declared(inventory.resources), declared(planned.resources));
    });

    it("constructs each custom resource through its SDK class, as the program does: the class of its type token, a CRD's kind as apiextensions.CustomResource", async () => {
        const planned = (await plannedInventory("prod")).inventory;
        const k8s: typeof import("@pulumi/kubernetes") = require("@pulumi/kubernetes");
        const types = [...new Set(planned.resources.filter((r) => r.custom).map((r) => r.type))];
        const customResource: unknown = k8s.apiextensions.CustomResource;
        const crds = types.filter((t) => classOf(t) === customResource);
        for (const type of types.filter((t) => !crds.includes(t))) {
            // A provider class's own token is its package's name.
            const token = type.startsWith("pulumi:providers:") ? type.slice("pulumi:providers:".length) : type;
            assert.strictEqual((classOf(type) as unknown as { __pulumiType?: string } | undefined)?.__pulumiType, token, `no SDK class for ${type}`);
        }
        // Only kinds no SDK class covers go the CustomResource way (Karmada, Istio, Calico, the Prometheus operator, Karpenter, the VPC CNI).
        assert.ok(crds.length > 0);
        for (const type of crds)
            assert.doesNotMatch(type, /^kubernetes:(core|apps|rbac\.authorization\.k8s\.io|storage\.k8s\.io|networking\.k8s\.io|helm\.sh)\//, type);
        assert.strictEqual(classOf("aws:ec2/vpc:Vpc"), require("@pulumi/aws/ec2").Vpc);
        assert.strictEqual(classOf("pulumi:providers:aws"), require("@pulumi/aws/provider").Provider);
        assert.strictEqual(classOf("pulumi:providers:kubernetes"), k8s.Provider as unknown);
        assert.strictEqual(classOf("nosuchpkg:index:Thing"), undefined);
        assert.strictEqual(classOf("pulumi:pulumi:Stack"), undefined);
    });
});
