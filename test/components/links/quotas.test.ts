// AWS default-quota warnings for the links: the prod stack stays inside them, a large generated fleet
// does not, and the route count is every other site's announced prefixes (all reached through the
// transit hubs) plus the table's own two routes.
import * as assert from "assert";
import { AWS_DEFAULT_QUOTAS, awsQuotaWarnings, remotePrefixesOf } from "../../../components/links/quotas";
import { planLinks } from "../../../components/links/plan";
import { ingressNeeds, linkDecls, linkSites } from "../../../stacks/links";
import { generateValidFleet } from "../../../tools/fleetGen";
import { loadStackSpec } from "../../harness";

describe("links: AWS default quotas", () => {
    it("prod stays inside them: no warning; eks-apne1 routes the five prefixes of idc-sh and ack-sh", () => {
        const spec = loadStackSpec("prod");
        const plan = planLinks(linkSites(spec), linkDecls(spec));
        assert.deepStrictEqual(awsQuotaWarnings(plan, ingressNeeds(spec)), []);
        assert.deepStrictEqual(remotePrefixesOf(plan, "eks-apne1").sort(), ["10.10.0.0/20", "10.12.0.0/22", "10.30.0.0/16", "10.64.0.0/16", "10.66.0.0/16"]);
    });

    it("a fleet of 60 clusters outgrows the route-table and security-group defaults: every EKS site is warned, with its real counts", () => {
        const { spec } = generateValidFleet(60);
        const sites = linkSites(spec);
        const plan = planLinks(sites, linkDecls(spec));
        const warnings = awsQuotaWarnings(plan, ingressNeeds(spec));
        const eks = sites.filter((s) => s.kind === "eks");
        assert.strictEqual(eks.length, 20);
        for (const site of eks) {
            const others = new Set(sites.filter((s) => s.name !== site.name).flatMap((s) => s.announce));
            const line = warnings.find((w) => w.startsWith(`${site.name}: each private route table`));
            assert.ok(line, `${site.name} not warned:\n${warnings.join("\n")}`);
            assert.ok(line.includes(`holds ${others.size + 2} routes`), line);
            assert.ok(others.size + 2 > AWS_DEFAULT_QUOTAS.routesPerRouteTable);
            // Every other member's istiod watches this private API server (443), from its node and pod prefixes.
            const members = spec.clusters.filter((c) => c.mesh.enabled && c.name !== site.name).length;
            const sg = warnings.find((w) => w.startsWith(`${site.name}: the links let other sites in`));
            assert.ok(sg?.includes(`with ${members * 2} inbound rules`), `${site.name}: ${sg}`);
        }
    });
});
