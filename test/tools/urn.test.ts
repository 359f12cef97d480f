// The URN helpers every report names resources with (the PR comment, the offline policy report,
// the Automation API's progress events): a name is everything after the type, "::" included.
import * as assert from "assert";
import { makeUrn, parseUrn, urnName } from "../../tools/urn";

describe("URNs", () => {
    it("name a resource by everything after its type chain, and show what is no URN as it is", () => {
        const nested = makeUrn(
            "prod",
            "hybrid-fleet",
            makeUrn("prod", "hybrid-fleet", undefined, "hybrid:eks:Site", "eks-apne1"),
            "aws:eks/cluster:Cluster",
            "eks-apne1-eks",
        );
        assert.strictEqual(nested, "urn:pulumi:prod::hybrid-fleet::hybrid:eks:Site$aws:eks/cluster:Cluster::eks-apne1-eks");
        assert.strictEqual(urnName(nested), "eks-apne1-eks");
        assert.strictEqual(urnName("urn:pulumi:s::p::t:index:T::a::b"), "a::b");
        assert.strictEqual(parseUrn("urn:pulumi:s::p::t:index:T::a::b").name, "a::b");
        for (const notUrn of ["", "eks-apne1-eks", "urn:pulumi:s::p::t"]) assert.strictEqual(urnName(notUrn), notUrn);
        assert.throws(() => parseUrn("urn:pulumi:s::p::t"), /not a Pulumi URN/);
    });
});
