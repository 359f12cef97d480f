// Default-quota warnings for the links: AWS (the prod stack stays inside them, a large generated fleet
// does not, and the route count is every other site's announced prefixes, all reached through the
// transit hubs, plus the table's own two routes) and Alibaba Cloud (security group rules, prefix list
// entries, a VPN gateway's BGP routes), each against the documented default.
import * as assert from "assert";
import { ALICLOUD_DEFAULT_QUOTAS, alicloudQuotaWarnings, AWS_DEFAULT_QUOTAS, awsQuotaWarnings, remotePrefixesOf } from "../../../components/links/quotas";
import type { IngressNeed } from "../../../components/links/ingress";
import { LinkDecl, LinkSite, planLinks } from "../../../components/links/plan";
import { cenEdgeDecls, ingressNeeds, linkDecls, linkSites } from "../../../stacks/links";
import { generateValidFleet } from "../../../tools/fleetGen";
import { loadStackSpec } from "../../harness";

describe("links: AWS default quotas", () => {
    it("prod stays inside them: no warning; eks-apne1 routes the five prefixes of idc-sh and ack-sh", () => {
        const spec = loadStackSpec("prod");
        const plan = planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec));
        assert.deepStrictEqual(awsQuotaWarnings(plan, ingressNeeds(spec)), []);
        assert.deepStrictEqual(alicloudQuotaWarnings(plan, ingressNeeds(spec)), []);
        assert.deepStrictEqual(remotePrefixesOf(plan, "eks-apne1").sort(), ["10.10.0.0/20", "10.12.0.0/22", "10.30.0.0/16", "10.64.0.0/16", "10.66.0.0/16"]);
    });

    it("a fleet of 60 clusters outgrows the route-table and security-group defaults: every EKS site is warned, with its real counts", () => {
        const { spec } = generateValidFleet(60);
        const sites = linkSites(spec);
        const plan = planLinks(sites, linkDecls(spec), cenEdgeDecls(spec));
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

    describe("Alibaba Cloud", () => {
        const ack: LinkSite = { name: "ack-a", kind: "ack", region: "cn-shanghai", asn: 64540, announce: ["10.30.0.0/16"], mainlandChina: true };
        const idc = (i: number): LinkSite => ({
            name: `dc${i}`,
            kind: "idc",
            region: `r${i}`,
            asn: 4200000000 + i,
            announce: [`10.${100 + i}.0.0/20`, `10.${100 + i}.16.0/20`],
            mainlandChina: true,
            gateways: [{ name: "gw", address: `10.${100 + i}.0.5`, publicAddress: `203.0.${i}.5` }],
        });
        /** `n` sites dialling ack-a's port from two prefixes each. */
        const dialled = (port: number, n: number): IngressNeed[] =>
            Array.from({ length: n }, (_, i) => ({
                site: "ack-a",
                port,
                from: { site: `s${i}`, cidrs: [`10.${i}.0.0/20`, `10.${i}.16.0/20`] },
                purpose: "test",
            }));
        const plan = planLinks([ack, idc(1)], [{ between: ["ack-a", "dc1"], kind: "ipsec-vpn" }]);

        it("warns when the links' rules on a security group pass 200 (a prefix list counts as its entries)", () => {
            assert.deepStrictEqual(alicloudQuotaWarnings(plan, dialled(15443, 100)), [], "200 rules: at the default, not over it");
            const w = alicloudQuotaWarnings(plan, [...dialled(15443, 60), ...dialled(10901, 41)]);
            assert.deepStrictEqual(w, [
                `ack-a: the links let other sites in with 202 rules on the cluster security group (each port's prefix list counts as its entries), over Alibaba Cloud's default of ${ALICLOUD_DEFAULT_QUOTAS.rulesPerSecurityGroup} rules per security group: raise the quota first`,
            ]);
        });

        it("warns when one port's prefix list needs more than 200 entries (not adjustable)", () => {
            const w = alicloudQuotaWarnings(plan, dialled(15443, 101));
            assert.strictEqual(w.length, 2, w.join("\n"));
            assert.strictEqual(
                w[1],
                "ack-a: port 15443's prefix list needs 202 entries, over Alibaba Cloud's limit of 200 entries per prefix list (not adjustable): fewer, wider source prefixes are needed",
            );
        });

        it("warns when a VPN gateway learns more than 50 routes over BGP: the ACK site's and a CEN edge's", () => {
            const idcs = Array.from({ length: 26 }, (_, i) => idc(i + 1));
            const many = planLinks(
                [ack, ...idcs],
                idcs.map((d) => ({ between: ["ack-a", d.name], kind: "ipsec-vpn" }) as LinkDecl),
            );
            assert.deepStrictEqual(alicloudQuotaWarnings(many, []), [
                "ack-a: its VPN gateway learns 52 routes over BGP, over Alibaba Cloud's default of 50 routes in a VPN gateway's BGP route table: raise the quota first",
            ]);
            const few = planLinks(
                [ack, ...idcs.slice(0, 25)],
                idcs.slice(0, 25).map((d) => ({ between: ["ack-a", d.name], kind: "ipsec-vpn" }) as LinkDecl),
            );
            assert.deepStrictEqual(alicloudQuotaWarnings(few, []), [], "50 routes: at the default");
            // 26 EKS sites in Tokyo facing ack-a's edge there: the edge learns their VPCs and pods.
            const eks = Array.from({ length: 26 }, (_, i): LinkSite => ({
                name: `eks${i}`,
                kind: "eks",
                region: "ap-northeast-1",
                asn: 4210000000 + i,
                announce: [`10.${i}.0.0/16`, `10.${i + 50}.0.0/16`],
                mainlandChina: false,
            }));
            const edged = planLinks(
                [ack, ...eks],
                eks.map(
                    (e) =>
                        ({
                            between: [e.name, "ack-a"],
                            kind: "ipsec-vpn",
                            crossBorder: "cen",
                            cen: { anchor: "ack-a", region: "ap-northeast-1", bandwidthMbps: 10 },
                        }) as LinkDecl,
                ),
                [
                    {
                        anchor: "ack-a",
                        region: "ap-northeast-1",
                        vpcCidr: "10.200.0.0/24",
                        zones: ["ap-northeast-1a", "ap-northeast-1b"],
                        flowLogRetentionDays: 365,
                    },
                ],
            );
            assert.deepStrictEqual(alicloudQuotaWarnings(edged, []), [
                "ack-a-ap-northeast-1-edge: its VPN gateway learns 52 routes from AWS over BGP, over Alibaba Cloud's default of 50 routes in a VPN gateway's BGP route table: raise the quota first",
            ]);
        });
    });
});
