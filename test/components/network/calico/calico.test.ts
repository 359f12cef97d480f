// Calico built alone: from the component's own args (a cluster shape and its access), no fleet.
import * as assert from "assert";
import { Calico } from "../../../../components/network/calico/calico";
import { CALICO } from "../../../../components/network/calico/versions";
import { aloneAccess, assertThroughProvider, buildAlone, idcCluster } from "../../alone";

describe("components/network/calico: Calico alone", () => {
    it("declares the pinned charts, the Installation and (IDC) the v3 objects, all through the cluster's provider", async () => {
        const spec = idcCluster("prod");
        const { inventory, declared } = await buildAlone("hybrid:network:Calico", () => new Calico("c1-calico", { spec, access: aloneAccess("c1") }));
        const releases = declared.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        assert.deepStrictEqual(releases.map((r) => [r.inputs.name, r.inputs.chart, r.inputs.version, r.inputs.atomic]).sort(), [
            ["calico", CALICO.operatorChart, CALICO.version, true],
            ["calico-crds", CALICO.crdChart, CALICO.version, true],
        ]);
        const kinds = declared
            .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release")
            .map((r) => r.inputs.kind ?? r.type);
        assert.ok(kinds.includes("Installation") && kinds.includes("APIServer") && kinds.includes("IPAMConfiguration"), kinds.join(","));
        assert.strictEqual(kinds.filter((k) => k === "BGPPeer").length, spec.network.calico.bgp!.peers.length);
        assertThroughProvider(inventory, declared, "c1");
    });
});
