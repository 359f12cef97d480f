// The EKS part of the fleet spec: defaults, and every EKS rule rejecting what it must with the
// exact `<path>: <rule>` line.
import * as assert from "assert";
import { EksClusterSpec, parseFleet } from "../../../stacks/spec";
import { addonVersionOf } from "../../../stacks/spec/eks";
import { assertViolation, rawStackFleet, violationsAfter } from "../../harness";

const EKS = 1; // index of the EKS cluster in both checked-in stacks

function parse(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod") {
    const fleet = rawStackFleet(stack);
    mutate(fleet);
    return parseFleet(fleet);
}

/** Sets the EKS cluster's public access CIDRs (dev leaves `endpoint` out). */
function withPublicCidrs(fleet: any, cidrs: string[]): void {
    fleet.clusters[EKS].endpoint = { ...(fleet.clusters[EKS].endpoint ?? {}), publicAccessCidrs: cidrs };
}

function eksOf(mutate: (fleet: any) => void, stack: "prod" | "dev" = "prod"): EksClusterSpec {
    const result = parse(mutate, stack);
    assert.ok(result.ok, result.ok ? "" : result.violations.join("\n"));
    const c = result.spec.clusters[EKS];
    assert.strictEqual(c.provider, "eks");
    return c as EksClusterSpec;
}

describe("EKS spec", () => {
    it("fills the hardened defaults the stacks leave out", () => {
        const c = eksOf(() => undefined);
        assert.deepStrictEqual(c.controlPlaneLogs, { extraTypes: [], retentionDays: 365 });
        assert.strictEqual(c.karpenter.amiAlias, "al2023@v20260903");
        const general = c.karpenter.nodePools[0];
        assert.deepStrictEqual(general.disruption, { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m", budgets: [{ nodes: "10%" }] });
        assert.strictEqual(general.expireAfter, "720h");
        assert.strictEqual(general.terminationGracePeriod, "48h");
        assert.strictEqual(c.network.flowLogRetentionDays, 365);
        assert.strictEqual(eksOf(() => undefined, "dev").network.flowLogRetentionDays, 30);
    });

    it("stays on standard support unless the spec opts in to extended support (EKS's own default)", () => {
        assert.strictEqual(eksOf(() => undefined).supportType, "STANDARD");
        assert.strictEqual(eksOf((f) => (f.clusters[EKS].supportType = "EXTENDED")).supportType, "EXTENDED");
    });

    it("needs an admin role among the admin principals (Pulumi's kubeconfig assumes it)", () => {
        const v = violationsAfter((f) => (f.clusters[EKS].adminPrincipals = ["arn:aws:iam::123456789012:user/alice"]));
        assertViolation(
            v,
            "clusters[1].adminPrincipals: must include an IAM role: Pulumi's kubeconfig assumes the first one (a user cannot be assumed, and the cluster's creator has no access of its own)",
        );
        assert.ok(eksOf((f) => f.clusters[EKS].adminPrincipals.push("arn:aws:iam::123456789012:user/alice")));
    });

    it("leaves SSM off the nodes unless the spec asks (ssmAccess), and takes only a boolean", () => {
        assert.strictEqual(eksOf(() => undefined).ssmAccess, false);
        assert.strictEqual(eksOf(() => undefined, "dev").ssmAccess, false);
        assert.strictEqual(eksOf((f) => (f.clusters[EKS].ssmAccess = true)).ssmAccess, true);
        const v = violationsAfter((f) => (f.clusters[EKS].ssmAccess = "yes"));
        assert.ok(
            v.some((l) => l.startsWith("clusters[1].ssmAccess: ")),
            v.join("\n"),
        );
    });

    it("pins every add-on for the cluster's version, and lets the spec override one", () => {
        const c = eksOf(() => undefined);
        assert.strictEqual(addonVersionOf(c, "coredns"), undefined);
        const pinned = eksOf((f) => (f.clusters[EKS].addons = { coredns: "v1.12.1-eksbuild.2" }));
        assert.strictEqual(addonVersionOf(pinned, "coredns"), "v1.12.1-eksbuild.2");
        assert.strictEqual(addonVersionOf(pinned, "kubeProxy"), undefined);
    });

    it("rejects a public endpoint open to the world in prod", () => {
        const v = violationsAfter((f) => (f.clusters[EKS].endpoint.publicAccessCidrs = ["203.0.113.0/24", "0.0.0.0/0"]));
        assertViolation(v, "clusters[1].endpoint.publicAccessCidrs[1]: 0.0.0.0/0 opens the public API endpoint to the whole internet (not allowed in prod)");
        assert.ok(!v.some((l) => l.includes("publicAccessCidrs[0]")), "a narrow CIDR is fine");
        // Outside prod it is allowed (a sandbox may need it).
        assert.deepStrictEqual(eksOf((f) => (f.clusters[EKS].endpoint = { publicAccessCidrs: ["0.0.0.0/0"] }), "dev").endpoint.publicAccessCidrs, [
            "0.0.0.0/0",
        ]);
    });

    it("rejects the world split in wide blocks in prod (0.0.0.0/1 + 128.0.0.0/1): /16 or narrower only", () => {
        const v = violationsAfter((f) => withPublicCidrs(f, ["0.0.0.0/1", "128.0.0.0/1"]));
        assertViolation(
            v,
            "clusters[1].endpoint.publicAccessCidrs[0]: 0.0.0.0/1 opens the public API endpoint to a /1 slice of the internet; prod allows /16 or narrower (an office, VPN or CI egress range)",
        );
        assertViolation(
            v,
            "clusters[1].endpoint.publicAccessCidrs[1]: 128.0.0.0/1 opens the public API endpoint to a /1 slice of the internet; prod allows /16 or narrower (an office, VPN or CI egress range)",
        );
        // The floor itself: /15 is refused, /16 and narrower pass.
        const edge = violationsAfter((f) => withPublicCidrs(f, ["198.18.0.0/15", "203.0.0.0/16", "203.0.113.7/32"]));
        assert.deepStrictEqual(
            edge.filter((l) => l.includes("publicAccessCidrs")),
            [
                "clusters[1].endpoint.publicAccessCidrs[0]: 198.18.0.0/15 opens the public API endpoint to a /15 slice of the internet; prod allows /16 or narrower (an office, VPN or CI egress range)",
            ],
        );
        assert.deepStrictEqual(eksOf((f) => withPublicCidrs(f, ["203.0.0.0/16", "203.0.113.7/32"])).endpoint.publicAccessCidrs, [
            "203.0.0.0/16",
            "203.0.113.7/32",
        ]);
        // dev keeps its sandbox freedom.
        assert.ok(eksOf((f) => withPublicCidrs(f, ["0.0.0.0/1", "128.0.0.0/1"]), "dev"));
    });

    it("refuses more public access blocks than the EKS quota (40), in every environment", () => {
        const blocks = Array.from({ length: 41 }, (_, i) => `203.0.${i}.0/24`);
        for (const stack of ["prod", "dev"] as const) {
            assertViolation(
                violationsAfter((f) => withPublicCidrs(f, blocks), stack),
                'clusters[1].endpoint.publicAccessCidrs: at most 40 blocks (EKS quota "Public endpoint access CIDR ranges per cluster") (got 41)',
            );
        }
        assert.strictEqual(eksOf((f) => withPublicCidrs(f, blocks.slice(0, 40))).endpoint.publicAccessCidrs.length, 40);
    });

    it("keeps the private endpoint on in prod and some endpoint everywhere", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].endpoint.privateAccess = false)),
            "clusters[1].endpoint.privateAccess: must be true in prod (nodes and add-ons reach the API server inside the VPC)",
        );
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].endpoint = { privateAccess: false }), "dev"),
            "clusters[1].endpoint: the API server needs privateAccess or publicAccessCidrs (both are off)",
        );
    });

    it("rejects VPC and pod blocks AWS or the per-zone plan cannot take", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].network.vpcCidr = "10.16.0.0/12")),
            "clusters[1].network.vpcCidr: must be a /16 to /20 block (AWS allows /16 at most per VPC block; each zone gets an eighth) (got /12)",
        );
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].network.podCidr = "10.65.0.0/24")),
            "clusters[1].network.podCidr: must be a /16 to /20 block (AWS allows /16 at most per VPC block; each zone gets an eighth) (got /24)",
        );
    });

    it("rejects a service range EKS does not accept", () => {
        for (const serviceCidr of ["100.64.0.0/16", "10.0.0.0/8", "172.20.0.0/25"]) {
            assertViolation(
                violationsAfter((f) => (f.clusters[EKS].network.serviceCidr = serviceCidr)),
                "clusters[1].network.serviceCidr: must be a /12 to /24 block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (EKS service IPv4 range)",
            );
        }
    });

    it("refuses control-plane log retention under 90 days in prod, not in dev", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].controlPlaneLogs = { retentionDays: 60 })),
            "clusters[1].controlPlaneLogs.retentionDays: must keep control-plane and audit logs at least 90 days in prod (got 60)",
        );
        assert.strictEqual(eksOf((f) => (f.clusters[EKS].controlPlaneLogs = { retentionDays: 90 })).controlPlaneLogs.retentionDays, 90);
        assert.strictEqual(eksOf((f) => (f.clusters[EKS].controlPlaneLogs = { retentionDays: 60 }), "dev").controlPlaneLogs.retentionDays, 60);
    });

    it("rejects more zones than a region has", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].zones = ["a", "b", "c", "d", "e", "f", "g"])),
            "clusters[1].zones: must list at most 6 zones (the most an AWS region has)",
        );
    });

    it("rejects retention periods CloudWatch Logs does not offer", () => {
        const v = violationsAfter((f) => {
            f.clusters[EKS].network.flowLogRetentionDays = 100;
            f.clusters[EKS].controlPlaneLogs = { retentionDays: 200 };
        });
        const rule =
            "must be a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)";
        assertViolation(v, `clusters[1].network.flowLogRetentionDays: ${rule}`);
        assertViolation(v, `clusters[1].controlPlaneLogs.retentionDays: ${rule}`);
    });

    it("needs no hand pins (unset add-ons are looked up for the cluster's version), but checks a pin's format", () => {
        const fleet = rawStackFleet("prod");
        fleet.clusters[EKS].kubernetesVersion = "1.35";
        fleet.clusters[EKS].addons = { coredns: "v1.13.0-eksbuild.1" };
        const r = parseFleet(fleet);
        assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].addons = { coredns: "latest" })),
            'clusters[1].addons.coredns: must be an EKS add-on version like "v1.12.4-eksbuild.1"',
        );
    });

    it("rejects an unpinned AMI alias", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].karpenter.amiAlias = "al2023@latest")),
            'clusters[1].karpenter.amiAlias: must pin an AMI release like "al2023@v20260903" or "bottlerocket@v1.65.0"',
        );
    });

    it("checks disruption settings with Karpenter's own patterns", () => {
        const v = violationsAfter((f) => {
            const pool = f.clusters[EKS].karpenter.nodePools[0];
            pool.expireAfter = "30d";
            pool.terminationGracePeriod = "2d";
            pool.disruption = { consolidateAfter: "soon", budgets: [{ nodes: "150%" }, { nodes: "1", schedule: "0 9 * * 1-5" }] };
        });
        assertViolation(v, 'clusters[1].karpenter.nodePools[0].expireAfter: must be a duration like "30s", "720h" or "Never"');
        assertViolation(v, 'clusters[1].karpenter.nodePools[0].terminationGracePeriod: must be a duration like "30s", "720h" or "Never"');
        assertViolation(v, 'clusters[1].karpenter.nodePools[0].disruption.consolidateAfter: must be a duration like "30s", "720h" or "Never"');
        assertViolation(v, 'clusters[1].karpenter.nodePools[0].disruption.budgets[0].nodes: must be a node count or a percentage like "10%"');
        const schedule = violationsAfter((f) => (f.clusters[EKS].karpenter.nodePools[0].disruption = { budgets: [{ nodes: "0", schedule: "0 9 * * 1-5" }] }));
        assertViolation(schedule, "clusters[1].karpenter.nodePools[0].disruption.budgets[0]: schedule and duration must be set together");
    });

    it("keeps the existing EKS rules", () => {
        assertViolation(
            violationsAfter((f) => (f.clusters[EKS].zones = ["ap-northeast-1a"])),
            "clusters[1].zones: at least 2 zones in prod (got 1)",
        );
        assertViolation(
            violationsAfter((f) => f.clusters[EKS].karpenter.nodePools.push({ name: "general", limits: { cpu: 1, memoryGiB: 1 } })),
            "clusters[1].karpenter.nodePools[2].name: Karpenter pool name general is already used by karpenter.nodePools[0]",
        );
    });
});
