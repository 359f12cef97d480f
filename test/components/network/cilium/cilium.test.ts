// Cilium built alone: from the component's own args (a cluster shape and its access), no fleet.
import * as assert from "assert";
import { Cilium } from "../../../../components/network/cilium/cilium";
import { CILIUM } from "../../../../components/network/cilium/versions";
import { aloneAccess, assertThroughProvider, buildAlone, idcCluster } from "../../alone";

describe("components/network/cilium: Cilium alone", () => {
    it("declares the pinned chart and the spec's BGP objects after it, through the cluster's provider", async () => {
        const spec = idcCluster("dev");
        const { inventory, declared } = await buildAlone("hybrid:network:Cilium", () => new Cilium("c1-cilium", { spec, access: aloneAccess("c1") }), "dev");
        const release = declared.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        assert.deepStrictEqual(
            [release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts.repo, release.inputs.atomic],
            [CILIUM.chart, CILIUM.version, CILIUM.repo, true],
        );
        const bgp = declared.filter((r) => r.type.startsWith("kubernetes:cilium.io/"));
        assert.ok(spec.network.cilium.bgp && bgp.length >= 3, `expected the BGP objects of the dev spec, got ${bgp.length}`);
        for (const r of bgp) assert.ok(r.dependencies.includes(release.urn), `${r.name} must wait for the release that brings its CRDs`);
        assertThroughProvider(inventory, declared, "c1");
    });
});
