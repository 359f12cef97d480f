// The site component alone: the token of its kind, and what is declared under it.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Site } from "../../../components/core/site";
import { runProgram } from "../../harness";

describe("components/core: Site alone", () => {
    it("is hybrid:<kind>:Site and parents what is declared under it", async () => {
        const inventory = await runProgram(() => {
            const site = new Site("idc", "c1");
            new pulumi.ComponentResource("test:alone:Child", "c1-child", {}, { parent: site });
            site.complete({ apiServer: "https://10.0.0.10:6443" });
        });
        const site = inventory.named("hybrid:idc:Site", "c1");
        assert.strictEqual(inventory.named("test:alone:Child", "c1-child").parent, site.urn);
        assert.strictEqual(inventory.ofType("hybrid:eks:Site").length, 0);
    });
});
