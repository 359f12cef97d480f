// The links' addressing plan (components/links/plan.ts) on the checked-in stacks and on hand-made
// fleets: tunnel layout per link kind, inside /30 allocation (fleet-wide unique, clear of AWS's
// reserved blocks, pinned ones kept), ASNs and suites per link, the IDC gateway host plans, and
// the routes each end takes over a link (a transit site relays); and the link summary text.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    cenArea,
    cenCrossBorderPlans,
    CRYPTO_SUITES,
    idcGatewayHostPlans,
    LinkSite,
    planLinks,
    PSK_PATTERN,
    RESERVED_INSIDE_CIDRS,
    TunnelRuntime,
} from "../../../components/links/plan";
import { pskOf } from "../../../components/links/keys";
import { cenEdgeDecls, linkDecls, linkSites } from "../../../stacks/links";
import type { FleetSpec } from "../../../stacks/spec";
import { renderLinkSummary } from "../../../tools/linkSummary";
import { loadStackSpec } from "../../harness";

const planOf = (stack: "prod" | "dev") => {
    const spec = loadStackSpec(stack);
    return planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec));
};
/** The links as plain internet IPsec (no cross-border product, so no CEN edge): the tunnels of every ipsec-vpn link are its own. */
const internetDecls = (spec: FleetSpec) => linkDecls(spec).map(({ crossBorder: _c, cen: _e, ...l }) => l);
const internetPlanOf = (stack: "prod" | "dev") => {
    const spec = loadStackSpec(stack);
    return planLinks(linkSites(spec), internetDecls(spec));
};
const ipToInt = (ip: string) => ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);

/** Run-time ends for every tunnel of a plan: plain fake outside addresses, PSKs as secrets. */
function runtimeOf(plan: ReturnType<typeof planOf>): Map<string, TunnelRuntime> {
    const m = new Map<string, TunnelRuntime>();
    for (const l of plan.links)
        for (const t of l.tunnels)
            m.set(t.name, {
                outside: { a: `198.18.0.${t.connection}${t.index}`, b: `198.18.1.${t.connection}${t.index}` },
                psk: pulumi.secret(`psk-${t.name}`),
            });
    return m;
}

describe("links addressing plan", () => {
    it("lays out prod: both cross-border links ride ack-sh's CEN edge in Tokyo, whose 4 tunnels face eks-apne1; none on the line", () => {
        const plan = planOf("prod");
        assert.deepStrictEqual(
            plan.links.map((l) => [l.name, l.kind, l.tunnels.length, l.cenEdge, l.anchorPath]),
            [
                ["eks-apne1-idc-sh", "ipsec-vpn", 0, "ack-sh-ap-northeast-1", "express-connect"],
                ["ack-sh-idc-sh", "express-connect", 0, undefined, undefined],
                ["eks-apne1-ack-sh", "ipsec-vpn", 0, "ack-sh-ap-northeast-1", undefined],
            ],
        );
        assert.strictEqual(plan.cenEdges.length, 1);
        const [edge] = plan.cenEdges;
        assert.deepStrictEqual(
            [edge.name, edge.anchor.name, edge.region, edge.vpcCidr, edge.zones],
            ["ack-sh-ap-northeast-1", "ack-sh", "ap-northeast-1", "10.31.0.0/24", ["ap-northeast-1a", "ap-northeast-1b"]],
        );
        assert.deepStrictEqual(
            edge.crossings.map((c) => [c.name, c.eks.name, c.links]),
            [["eks-apne1-ack-sh-ap-northeast-1", "eks-apne1", ["eks-apne1-idc-sh", "eks-apne1-ack-sh"]]],
        );
        const [crossing] = edge.crossings;
        assert.deepStrictEqual(
            crossing.tunnels.map((t) => [t.connection, t.index, t.a.site, t.a.asn, t.b.site, t.b.asn, t.a.gateway ?? t.b.gateway]),
            [
                [1, 1, "eks-apne1", 64530, "ack-sh", 64540, undefined],
                [1, 2, "eks-apne1", 64530, "ack-sh", 64540, undefined],
                [2, 1, "eks-apne1", 64530, "ack-sh", 64540, undefined],
                [2, 2, "eks-apne1", 64530, "ack-sh", 64540, undefined],
            ],
        );
        // The edge's transit router routes eks-apne1's VPC and pods to the edge VPC; idc-sh reaches ack-sh over its line, so no static route there.
        assert.deepStrictEqual(edge.awsPrefixes, ["10.20.0.0/16", "10.65.0.0/16"]);
        assert.deepStrictEqual(edge.anchorVpcPrefixes, []);
        // The same fleet on plain internet IPsec: eks<->idc is one AWS connection per IDC gateway.
        const internet = internetPlanOf("prod");
        assert.deepStrictEqual(
            internet.links.map((l) => [l.name, l.tunnels.length]),
            [
                ["eks-apne1-idc-sh", 4],
                ["ack-sh-idc-sh", 0],
                ["eks-apne1-ack-sh", 4],
            ],
        );
        assert.deepStrictEqual(
            internet.links[0].tunnels.map((t) => [t.name, t.b.gateway]),
            [
                ["eks-apne1-idc-sh-c1t1", "gw-1"],
                ["eks-apne1-idc-sh-c1t2", "gw-1"],
                ["eks-apne1-idc-sh-c2t1", "gw-2"],
                ["eks-apne1-idc-sh-c2t2", "gw-2"],
            ],
        );
    });

    it("puts a mainland IDC behind the anchor's VPN gateway on the anchor's transit router (dev: idc-dev over IPsec to ack-dev)", () => {
        const plan = planOf("dev");
        assert.deepStrictEqual(
            plan.links.map((l) => [l.name, l.tunnels.length, l.cenEdge, l.anchorPath]),
            [
                ["eks-dev-idc-dev", 0, "ack-dev-ap-northeast-1", "ipsec-vpn"],
                ["ack-dev-idc-dev", 2, undefined, undefined],
            ],
        );
        const [edge] = plan.cenEdges;
        assert.deepStrictEqual(edge.anchorVpcPrefixes, ["10.110.0.0/22", "10.164.0.0/16", "10.111.0.0/24"]);
        assert.deepStrictEqual(edge.awsPrefixes, ["10.120.0.0/16", "10.165.0.0/16"]);
        assert.deepStrictEqual(edge.crossings[0].links, ["eks-dev-idc-dev"]);
    });

    it("gives every EKS site riding one edge its own crossing, and refuses an edge the decls do not declare", () => {
        const spec = loadStackSpec("prod");
        const eks2 = { ...spec.clusters[1], name: "eks-apne1-b", gateway: { asn: 64531 } } as (typeof spec.clusters)[number];
        spec.clusters.push(eks2);
        spec.links.push({ ...spec.links[2], between: ["eks-apne1-b", "ack-sh"] });
        const plan = planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec));
        const [edge] = plan.cenEdges;
        assert.deepStrictEqual(
            edge.crossings.map((c) => [c.name, c.tunnels.length]),
            [
                ["eks-apne1-ack-sh-ap-northeast-1", 4],
                ["eks-apne1-b-ack-sh-ap-northeast-1", 4],
            ],
        );
        const all = edge.crossings.flatMap((c) => c.tunnels.map((t) => t.insideCidr));
        assert.strictEqual(new Set(all).size, 8, "every edge tunnel has its own /30");
        assert.throws(() => planLinks(linkSites(spec), linkDecls(spec), []), /rides ack-sh's CEN edge in ap-northeast-1, which cenEdges does not declare/);
    });

    it("keeps the checked-in stacks' pinned /30s; edge tunnels are derived from their key", () => {
        assert.deepStrictEqual(
            planOf("dev").links.map((l) => l.tunnels.map((t) => t.insideCidr)),
            [[], ["169.254.10.8/30", "169.254.10.12/30"]],
        );
        for (const stack of ["prod", "dev"] as const)
            for (const t of planOf(stack).cenEdges.flatMap((e) => e.crossings.flatMap((c) => c.tunnels))) {
                const base = ipToInt(t.insideCidr.split("/")[0]);
                assert.ok(base >= ipToInt("169.254.10.0") && base % 4 === 0 && !RESERVED_INSIDE_CIDRS.includes(t.insideCidr), t.insideCidr);
            }
    });

    it("derives unpinned /30s from the link's ends: inserting a link in front, or swapping between, moves none", () => {
        const spec = loadStackSpec("prod");
        delete spec.links[2].insideCidrs;
        const before = planLinks(linkSites(spec), internetDecls(spec)).links[2].tunnels.map((t) => t.insideCidr);
        // Not the spec-order blocks any more: where the key hashes to, from 169.254.10.0 up.
        assert.notDeepStrictEqual(before, ["169.254.10.0/30", "169.254.10.4/30", "169.254.10.8/30", "169.254.10.12/30"]);
        const idc2 = { ...spec.clusters[0], name: "idc-sh-2" } as (typeof spec.clusters)[number];
        const moved = {
            ...spec,
            clusters: [...spec.clusters, idc2],
            links: [{ between: ["idc-sh-2", "ack-sh"] as [string, string], kind: "ipsec-vpn" as const }, ...spec.links.map((l) => ({ ...l }))],
        };
        moved.links[3] = { ...moved.links[3], between: ["ack-sh", "eks-apne1"] };
        const after = planLinks(linkSites(moved), internetDecls(moved));
        assert.deepStrictEqual(
            after.links[3].tunnels.map((t) => t.insideCidr),
            before,
        );
        assert.strictEqual(after.links[0].tunnels.length, 2);
        const all = after.links.flatMap((l) => l.tunnels.map((t) => t.insideCidr));
        assert.strictEqual(new Set(all).size, all.length);
        for (const block of all) {
            assert.strictEqual(ipToInt(block.split("/")[0]) % 4, 0, `${block} is not /30-aligned`);
            assert.ok(ipToInt(block.split("/")[0]) >= ipToInt("169.254.10.0") && block.startsWith("169.254."), block);
        }
    });

    it("carries each tunnel's PSK rotation count where it is not 0, and changes nothing else in the plan", () => {
        const spec = loadStackSpec("prod");
        const plain = planLinks(linkSites(spec), internetDecls(spec));
        const decls = internetDecls(spec);
        decls[0].pskRotations = [0, 2, 0, 1];
        decls[2].pskRotations = [0, 0, 7, 0];
        const rotated = planLinks(linkSites(spec), decls);
        assert.deepStrictEqual(
            rotated.links.map((l) => l.tunnels.filter((t) => t.pskRotation !== undefined).map((t) => [t.name, t.pskRotation])),
            [
                [
                    ["eks-apne1-idc-sh-c1t2", 2],
                    ["eks-apne1-idc-sh-c2t2", 1],
                ],
                [],
                [["eks-apne1-ack-sh-c2t1", 7]],
            ],
        );
        const withoutCounts = rotated.links.map((l) => ({ ...l, tunnels: l.tunnels.map(({ pskRotation: _r, ...t }) => t) }));
        assert.deepStrictEqual(withoutCounts, plain.links);
    });

    it("carries a CEN edge crossing's rotation counts to its tunnels, and changes nothing else in the plan", () => {
        const spec = loadStackSpec("prod");
        const plain = planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec));
        const edges = cenEdgeDecls(spec);
        edges[0].pskRotations = { "eks-apne1": [3, 0, 0, 1] };
        const rotated = planLinks(linkSites(spec), linkDecls(spec), edges);
        const [crossing] = rotated.cenEdges[0].crossings;
        assert.deepStrictEqual(
            crossing.tunnels.map((t) => [t.name, t.pskRotation]),
            [
                ["eks-apne1-ack-sh-ap-northeast-1-c1t1", 3],
                ["eks-apne1-ack-sh-ap-northeast-1-c1t2", undefined],
                ["eks-apne1-ack-sh-ap-northeast-1-c2t1", undefined],
                ["eks-apne1-ack-sh-ap-northeast-1-c2t2", 1],
            ],
        );
        const strip = (p: typeof plain) =>
            p.cenEdges.map((e) => ({ ...e, crossings: e.crossings.map((c) => ({ ...c, tunnels: c.tunnels.map(({ pskRotation: _r, ...t }) => t) })) }));
        assert.deepStrictEqual(strip(rotated), strip(plain));
        assert.deepStrictEqual(rotated.links, plain.links);
        // The summary names the rotated tunnels, and only those.
        const summary = renderLinkSummary(rotated).split("\n");
        assert.deepStrictEqual(
            summary.filter((l) => l.includes("PSK rotated")).map((l) => l.trim().split(/\s+/)[0] + " " + l.trim().split(/\s+/).pop()),
            ["eks-apne1-ack-sh-ap-northeast-1-c1t1 3x", "eks-apne1-ack-sh-ap-northeast-1-c2t2 1x"],
        );
        assert.strictEqual(renderLinkSummary(plain).includes("PSK rotated"), false);
    });

    it("probes past a pinned block that a key hashes to", () => {
        const spec = loadStackSpec("prod");
        delete spec.links[2].insideCidrs;
        const free = planLinks(linkSites(spec), internetDecls(spec)).links[2].tunnels.map((t) => t.insideCidr);
        // Pin eks<->idc on exactly the blocks eks<->ack would take: each moves to another free block.
        spec.links[0].insideCidrs = [...free];
        const plan = planLinks(linkSites(spec), internetDecls(spec));
        const now = plan.links[2].tunnels.map((t) => t.insideCidr);
        for (const b of now) assert.ok(!free.includes(b), `${b} is pinned by links[0]`);
        const all = plan.links.flatMap((l) => l.tunnels.map((t) => t.insideCidr));
        assert.strictEqual(new Set(all).size, all.length);
    });

    it("never hands out AWS's reserved blocks, even with the /16 nearly full", () => {
        // 7800 IDC sites x 2 tunnels: 15,600 of the 15,744 /30s from 169.254.10.0 up, so probing runs everywhere.
        const idcs = Array.from({ length: 7800 }, (_, i): LinkSite => ({
            name: `idc-${i}`,
            kind: "idc",
            region: `cn-dc${i}`,
            asn: 4200000000 + i,
            announce: [],
            gateways: [{ name: "gw", address: "10.0.0.5", publicAddress: "203.0.113.1" }],
        }));
        const sites: LinkSite[] = [{ name: "ack-a", kind: "ack", region: "cn-shanghai", asn: 64540, announce: ["10.30.0.0/16"] }, ...idcs];
        const plan = planLinks(
            sites,
            idcs.map((s) => ({ between: ["ack-a", s.name] as const, kind: "ipsec-vpn" as const })),
        );
        const all = plan.links.flatMap((l) => l.tunnels.map((t) => t.insideCidr));
        assert.strictEqual(all.length, 15600);
        assert.strictEqual(new Set(all).size, all.length);
        assert.ok(!all.some((b) => RESERVED_INSIDE_CIDRS.includes(b)));
        assert.ok(all.includes("169.254.169.248/30") && all.includes("169.254.170.0/30"), "the blocks around the reserved one are used");
        // One site more than the space holds fails loudly.
        const more = Array.from({ length: 73 }, (_, i): LinkSite => ({ ...idcs[0], name: `idc-x${i}` }));
        assert.throws(
            () =>
                planLinks(
                    [...sites, ...more],
                    [...idcs, ...more].map((s) => ({ between: ["ack-a", s.name] as const, kind: "ipsec-vpn" as const })),
                ),
            /no free \/30 left/,
        );
    });

    it("puts tunnel 1 and 2 of an Alibaba dual-tunnel connection on the first and second IDC gateway", () => {
        const sites: LinkSite[] = [
            { name: "ack-a", kind: "ack", region: "cn-shanghai", asn: 64540, announce: ["10.30.0.0/16"] },
            {
                name: "idc-a",
                kind: "idc",
                region: "cn-dc1",
                asn: 64620,
                announce: ["10.10.0.0/20"],
                gateways: [
                    { name: "gw-1", address: "10.10.0.21", publicAddress: "203.0.113.21" },
                    { name: "gw-2", address: "10.10.0.22", publicAddress: "203.0.113.22" },
                ],
            },
        ];
        const plan = planLinks(sites, [{ between: ["idc-a", "ack-a"], kind: "ipsec-vpn" }]);
        const [link] = plan.links;
        assert.strictEqual(link.name, "ack-a-idc-a", "the cloud end is end a");
        assert.deepStrictEqual(
            link.tunnels.map((t) => [t.connection, t.index, t.b.gateway]),
            [
                [1, 1, "gw-1"],
                [1, 2, "gw-2"],
            ],
        );
        assert.strictEqual(link.crypto.id, "aes256-sha256-modp2048");
    });

    it("joins two IDCs gateway to gateway, each end seeing the other's public address", () => {
        const idc = (name: string, asn: number, third: number): LinkSite => ({
            name,
            kind: "idc",
            region: `cn-${name}`,
            asn,
            announce: [`10.${third}.0.0/20`],
            gateways: [1, 2].map((g) => ({ name: `gw-${g}`, address: `10.${third}.0.${20 + g}`, publicAddress: `203.0.${third}.${g}` })),
        });
        const [x, y] = [idc("dc1", 64620, 10), idc("dc2", 64630, 40)];
        const plan = planLinks([x, y], [{ between: ["dc1", "dc2"], kind: "ipsec-vpn" }]);
        assert.deepStrictEqual(
            plan.links[0].tunnels.map((t) => [t.a.gateway, t.b.gateway]),
            [
                ["gw-1", "gw-1"],
                ["gw-2", "gw-2"],
            ],
        );
        const runtime = new Map<string, TunnelRuntime>(
            plan.links[0].tunnels.map((t) => [
                t.name,
                { outside: { a: x.gateways![t.index - 1].publicAddress, b: y.gateways![t.index - 1].publicAddress }, psk: pulumi.secret("k") },
            ]),
        );
        const [dc1gw2] = idcGatewayHostPlans(plan, x, runtime).slice(1);
        const [dc2gw2] = idcGatewayHostPlans(plan, y, runtime).slice(1);
        // Tunnel 2's /30: end a (dc1) takes its first host address, end b (dc2) the second.
        const base = ipToInt(plan.links[0].tunnels[1].insideCidr.split("/")[0]);
        const host = (n: number) => [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join(".");
        assert.deepStrictEqual(
            [dc1gw2.tunnels[0].localOutside, dc1gw2.tunnels[0].remoteOutside, dc1gw2.tunnels[0].localInside, dc1gw2.tunnels[0].remoteInside],
            ["203.0.10.2", "203.0.40.2", host(base + 1), host(base + 2)],
        );
        assert.deepStrictEqual(
            [dc2gw2.tunnels[0].localOutside, dc2gw2.tunnels[0].remoteOutside, dc2gw2.tunnels[0].localInside, dc2gw2.tunnels[0].remoteInside],
            ["203.0.40.2", "203.0.10.2", host(base + 2), host(base + 1)],
        );
        assert.strictEqual(plan.links[0].crypto.id, "aes256gcm-sha384-ecp384");
    });

    it("picks a suite both ends accept: GCM with AWS and an IDC, CBC/SHA-256/modp2048 wherever Alibaba is an end", () => {
        const plan = internetPlanOf("prod");
        assert.strictEqual(plan.links[0].crypto, CRYPTO_SUITES["aes256gcm-sha384-ecp384"]);
        assert.strictEqual(plan.links[2].crypto, CRYPTO_SUITES["aes256-sha256-modp2048"]);
        // Alibaba's IKE/IPsec algorithms (VPN gateway IkeEncAlg/IkeAuthAlg/IkePfs) have no GCM: the GCM suite has no Alibaba spelling.
        assert.strictEqual(CRYPTO_SUITES["aes256gcm-sha384-ecp384"].alicloud, undefined);
        assert.deepStrictEqual(CRYPTO_SUITES["aes256-sha256-modp2048"].aws, { encryption: ["AES256"], integrity: ["SHA2-256"], dhGroups: [14] });
    });

    it("gives each IDC gateway host its tunnels (one per AWS connection of its own, remote ends filled in), fabric peers and prefixes", () => {
        const plan = internetPlanOf("prod");
        const spec = loadStackSpec("prod");
        const idc = linkSites(spec).find((s) => s.name === "idc-sh")!;
        const hosts = idcGatewayHostPlans(plan, idc, runtimeOf(plan));
        const [t1, t2] = plan.links[0].tunnels;
        assert.deepStrictEqual(
            hosts.map((h) => h.host.name),
            ["gw-1", "gw-2"],
        );
        const [gw1] = hosts;
        assert.deepStrictEqual(
            gw1.tunnels.map((t) => [t.name, t.ifId, t.localInside, t.remoteInside, t.localAsn, t.remoteAsn, t.localOutside, t.remoteOutside]),
            [
                ["eks-apne1-idc-sh-c1t1", t1.b.ifId, t1.b.inside, t1.a.inside, 64620, 64530, "203.0.113.21", "198.18.0.11"],
                ["eks-apne1-idc-sh-c1t2", t2.b.ifId, t2.b.inside, t2.a.inside, 64620, 64530, "203.0.113.21", "198.18.0.12"],
            ],
        );
        assert.strictEqual(gw1.tunnels[0].crypto.ike, "aes256gcm16-prfsha384-ecp384");
        assert.ok(pulumi.Output.isInstance(gw1.tunnels[0].psk));
        assert.deepStrictEqual(gw1.announce, ["10.10.0.0/20", "10.64.0.0/16", "10.12.0.0/22"]);
        assert.deepStrictEqual(
            gw1.fabricPeers.map((p) => `${p.name} ${p.peerIp} ${p.asn}`),
            ["rack-a-tor-1 10.10.0.1 64512", "rack-a-tor-2 10.10.0.2 64512"],
        );
        assert.strictEqual(hosts[1].tunnels.length, 2);
    });

    it("gives a gateway host its own fabric peers where the spec names them, the site's otherwise", () => {
        const spec = loadStackSpec("prod");
        const idcSpec = spec.clusters[0];
        assert.ok(idcSpec.provider === "idc");
        idcSpec.gateway!.hosts[1].fabricPeers = [{ name: "rack-b-tor-1", peerIp: "10.10.1.1", asn: 64513 }];
        const plan = planLinks(linkSites(spec), internetDecls(spec));
        const hosts = idcGatewayHostPlans(
            plan,
            linkSites(spec).find((s) => s.name === "idc-sh")!,
            runtimeOf(plan),
        );
        assert.deepStrictEqual(
            hosts.map((h) => [h.host.name, h.fabricPeers.map((p) => p.name)]),
            [
                ["gw-1", ["rack-a-tor-1", "rack-a-tor-2"]],
                ["gw-2", ["rack-b-tor-1"]],
            ],
        );
        assert.ok(!("fabricPeers" in hosts[1].host), "the peers are the plan's, not the host's");
    });

    it("gives dev's single IDC gateway the tunnels of its link to ack-dev with their pinned XFRM ids; none towards AWS (the edge carries those)", () => {
        const plan = planOf("dev");
        const idc = linkSites(loadStackSpec("dev")).find((s) => s.name === "idc-dev")!;
        const [gw] = idcGatewayHostPlans(plan, idc, runtimeOf(plan));
        assert.deepStrictEqual(
            gw.tunnels.map((t) => [t.name, t.ifId]),
            [
                ["ack-dev-idc-dev-c1t1", 3],
                ["ack-dev-idc-dev-c1t2", 4],
            ],
        );
    });

    describe("XFRM interface ids", () => {
        // Two IDC sites, one gateway host each, and an ack site: ids derived from each tunnel's key.
        const gw = (name: string, third: number) => ({ name: "gw", address: `10.${third}.0.5`, publicAddress: `203.0.${third}.5` });
        const sites: LinkSite[] = [
            { name: "ack-a", kind: "ack", region: "cn-shanghai", asn: 64540, announce: ["10.30.0.0/16"] },
            { name: "dc1", kind: "idc", region: "r1", asn: 64620, announce: ["10.10.0.0/20"], gateways: [gw("dc1", 10)] },
            { name: "dc2", kind: "idc", region: "r2", asn: 64630, announce: ["10.40.0.0/20"], gateways: [gw("dc2", 40)] },
        ];
        const ids = (plan: ReturnType<typeof planLinks>, site: string) =>
            Object.fromEntries(plan.links.flatMap((l) => l.tunnels.flatMap((t) => [t.a, t.b].filter((e) => e.site === site).map((e) => [t.name, e.ifId]))));

        it("derives them from the tunnel's key: inserting a link in front renumbers nothing on the host", () => {
            const before = planLinks(sites, [{ between: ["dc1", "ack-a"], kind: "ipsec-vpn" }]);
            const after = planLinks(sites, [
                { between: ["dc1", "dc2"], kind: "ipsec-vpn" },
                { between: ["dc1", "ack-a"], kind: "ipsec-vpn" },
            ]);
            const [b, a] = [ids(before, "dc1"), ids(after, "dc1")];
            assert.deepStrictEqual(
                Object.keys(b).map((k) => a[k]),
                Object.values(b),
            );
            const all = Object.values(a) as number[];
            assert.strictEqual(new Set(all).size, all.length, "unique per host");
            for (const id of all) assert.ok(id >= 256 && id < 65536, String(id));
        });

        it("keeps pinned ids and probes a derived one past a pinned id it would take", () => {
            const free = ids(planLinks(sites, [{ between: ["dc1", "ack-a"], kind: "ipsec-vpn" }]), "dc1");
            const taken = free["ack-a-dc1-c1t1"]!;
            // dc1<->dc2 pins tunnel 1 on the id ack-a<->dc1 tunnel 1 would derive: that one moves, the pin stays.
            const plan = planLinks(sites, [
                { between: ["dc1", "dc2"], kind: "ipsec-vpn", xfrmIfIds: [taken, 7] },
                { between: ["dc1", "ack-a"], kind: "ipsec-vpn" },
            ]);
            const now = ids(plan, "dc1");
            assert.strictEqual(now["dc1-dc2-c1t1"], taken);
            assert.strictEqual(now["dc1-dc2-c1t2"], 7);
            assert.notStrictEqual(now["ack-a-dc1-c1t1"], taken);
            assert.strictEqual(new Set(Object.values(now)).size, 4);
            // The other end of a pinned idc<->idc tunnel takes the same pinned id on its own host.
            assert.strictEqual(ids(plan, "dc2")["dc1-dc2-c1t1"], taken);
        });
    });

    it("routes what a transit site relays: in dev, eks-dev reaches ack-dev's VPC through idc-dev", () => {
        const plan = planOf("dev");
        const eks = plan.links.find((l) => l.name === "eks-dev-idc-dev")!;
        assert.deepStrictEqual(eks.routesTo.a, ["10.110.0.0/22", "10.164.0.0/16", "10.111.0.0/24", "10.130.0.0/16", "10.166.0.0/16"]);
        // Without transit only the IDC's own prefixes.
        const spec = loadStackSpec("dev");
        spec.transit = [];
        const plain = planLinks(linkSites(spec), linkDecls(spec), cenEdgeDecls(spec)).links[0];
        assert.deepStrictEqual(plain.routesTo.a, ["10.110.0.0/22", "10.164.0.0/16", "10.111.0.0/24"]);
    });

    it("makes a transit site's gateways relay between tunnels (dev's idc-dev), and no other's (prod's idc-sh)", () => {
        const dev = planOf("dev");
        const [gw] = idcGatewayHostPlans(
            dev,
            linkSites(loadStackSpec("dev")).find((s) => s.name === "idc-dev")!,
            runtimeOf(dev),
        );
        assert.strictEqual(gw.transit, true);
        const prod = internetPlanOf("prod");
        const hosts = idcGatewayHostPlans(
            prod,
            linkSites(loadStackSpec("prod")).find((s) => s.name === "idc-sh")!,
            runtimeOf(prod),
        );
        assert.deepStrictEqual(
            hosts.map((h) => "transit" in h),
            [false, false],
        );
    });

    it("makes PSKs AWS accepts out of any generated value", () => {
        assert.match(pskOf("0abcdefgh._XYZ"), PSK_PATTERN);
        assert.strictEqual(pskOf("0abcdefgh"), "Zabcdefgh");
        assert.strictEqual(pskOf("abc.def_1"), "abc.def_1");
        assert.doesNotMatch("0abcdefgh", PSK_PATTERN);
        assert.doesNotMatch("short", PSK_PATTERN);
    });

    it("summarises every link, its tunnels and the cross-border notes", () => {
        const text = renderLinkSummary(planOf("prod"));
        assert.match(text, /^links \(3\):/);
        assert.doesNotMatch(text, /eks-apne1-idc-sh-c\dt\d/, "no tunnel between idc-sh and AWS");
        assert.match(
            text,
            /PATH: idc-sh -> express-connect -> ack-sh's transit router -> CEN ap-northeast-1 -> edge gateway ack-sh-ap-northeast-1-edge -> IPsec \(tunnels of eks-apne1-ack-sh-ap-northeast-1\) -> eks-apne1's Transit Gateway; no tunnel crosses the border/,
        );
        assert.match(text, /PATH: ack-sh's VPC -> its transit router -> CEN ap-northeast-1 -> edge gateway/);
        assert.match(text, /CEN edges \(1\):\n {2}ack-sh-ap-northeast-1-edge: ack-sh's gateway in ap-northeast-1 \(AS 64540\), VPC 10\.31\.0\.0\/24/);
        assert.match(text, /eks-apne1 \(AS 64530\) <-> edge, carrying eks-apne1-idc-sh, eks-apne1-ack-sh; BGP over 4 tunnels:/);
        assert.strictEqual(text.match(/eks-apne1-ack-sh-ap-northeast-1-c\dt\d +169\.254\.\d+\.\d+\/30 +eks-apne1 [\d.]+ <-> edge [\d.]+/g)?.length, 4);
        assert.match(text, /Express Connect pc-uf6k3x9q2m7n4p8r VLAN 1201: VBR 10\.255\.0\.1 \(AS 64540\) <-> idc-sh router 10\.255\.0\.2 \(AS 64620\)/);
        assert.strictEqual(text.match(/CROSS-BORDER/g)?.length, 2, "eks-apne1 <-> idc-sh and eks-apne1 <-> ack-sh cross, idc-sh <-> ack-sh does not");
        assert.match(text, /idc-sh announces 10\.10\.0\.0\/20, 10\.64\.0\.0\/16, 10\.12\.0\.0\/22/);
        assert.strictEqual(
            text.match(/CEN: 100 Mbit\/s from ack-sh's transit router to ap-northeast-1 \(Asia-Pacific\)/g)?.length,
            2,
            "both crossing links ride ack-sh's transit router to Tokyo",
        );
    });

    it("groups CEN crossings per mainland anchor and area: one package, one connection per outside region", () => {
        const plan = planOf("prod");
        plan.links[0].cen = { anchor: "ack-sh", region: "ap-southeast-1", bandwidthMbps: 30 };
        assert.deepStrictEqual(cenCrossBorderPlans(plan), [
            {
                anchor: "ack-sh",
                area: "Asia-Pacific",
                bandwidthMbps: 130,
                regions: [
                    { region: "ap-northeast-1", bandwidthMbps: 100, links: ["eks-apne1-ack-sh"] },
                    { region: "ap-southeast-1", bandwidthMbps: 30, links: ["eks-apne1-idc-sh"] },
                ],
            },
        ]);
        assert.strictEqual(cenArea("eu-central-1"), "Europe");
        assert.strictEqual(cenArea("cn-hongkong"), "Asia-Pacific");
        assert.throws(() => cenArea("cn-shanghai"), /no CEN area/);
    });
});
