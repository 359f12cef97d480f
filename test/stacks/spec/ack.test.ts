// The ACK site's spec rules: each rejects what it must with `<path>: <rule>`, and the checked-in
// stacks stay valid with the ACK defaults applied.
import * as assert from "assert";
import { parseFleet } from "../../../stacks/spec";
import { rawStackFleet } from "../../harness";

const ACK = 2;

function violationsAfter(mutate: (ack: any, fleet: any) => void, stack: "prod" | "dev" = "prod"): string[] {
    const fleet = rawStackFleet(stack);
    mutate(fleet.clusters[ACK], fleet);
    const result = parseFleet(fleet);
    assert.ok(!result.ok, "expected the mutated spec to be rejected");
    return result.violations;
}

function assertViolation(violations: string[], expected: string): void {
    assert.ok(violations.includes(expected), `expected violation\n  ${expected}\ngot\n  ${violations.join("\n  ")}`);
}

describe("ACK spec", () => {
    it("applies the ACK defaults to the checked-in stacks", () => {
        for (const stack of ["prod", "dev"] as const) {
            const result = parseFleet(rawStackFleet(stack));
            assert.ok(result.ok, stack);
            const ack = result.spec.clusters[ACK];
            assert.strictEqual(ack.provider, "ack");
            if (ack.provider !== "ack") return;
            assert.strictEqual(ack.apiServer.internetFacing, false);
            assert.strictEqual(ack.network.cni, "terway");
            assert.strictEqual(ack.logging.retentionDays, 365);
            assert.strictEqual(ack.network.flowLogRetentionDays, stack === "prod" ? 365 : 30);
            assert.deepStrictEqual(ack.maintenanceWindow, { days: ["Saturday"], start: "02:00", durationHours: 4 });
            assert.strictEqual(ack.nodePools[0].systemDiskGiB, 120);
        }
    });

    it("rejects a CNI the site cannot run, with the enum's message", () => {
        const v = violationsAfter((ack) => (ack.network.cni = "calico"));
        assertViolation(v, 'clusters[2].network.cni: ACK runs terway or flannel, not "calico"');
    });

    it("rejects a tier that is not an ACK Pro edition", () => {
        const v = violationsAfter((ack) => (ack.clusterSpec = "ack.standard"));
        assert.ok(
            v.some((x) => x.startsWith("clusters[2].clusterSpec: ")),
            v.join("\n"),
        );
    });

    it("never lets the API server face the internet in prod, but allows it in dev", () => {
        const v = violationsAfter((ack) => (ack.apiServer = { internetFacing: true }));
        assertViolation(v, "clusters[2].apiServer.internetFacing: must be false in prod (the API server load balancer stays internal)");
        const dev = rawStackFleet("dev");
        dev.clusters[ACK].apiServer = { internetFacing: true };
        assert.ok(parseFleet(dev).ok);
    });

    it("requires a system node pool", () => {
        const v = violationsAfter((ack) => ack.nodePools.forEach((p: any) => (p.system = false)));
        assertViolation(v, "clusters[2].nodePools: must include a system pool (system: true) for the cluster add-ons");
        const only = violationsAfter((ack) => ack.nodePools.forEach((p: any) => (p.system = true)));
        assertViolation(
            only,
            "clusters[2].nodePools: must include a pool that is not the system pool (system pools are tainted CriticalAddonsOnly: nothing else would schedule)",
        );
    });

    it("keeps pod and service CIDRs outside the VPC", () => {
        const v = violationsAfter((ack) => (ack.network.podCidr = "10.30.64.0/18"));
        assertViolation(v, "clusters[2].network.podCidr: 10.30.64.0/18 must lie outside network.vpcCidr 10.30.0.0/16 (ACK rejects it inside the VPC)");
        const s = violationsAfter((ack) => (ack.network.serviceCidr = "10.30.240.0/20"));
        assertViolation(s, "clusters[2].network.serviceCidr: 10.30.240.0/20 must lie outside network.vpcCidr 10.30.0.0/16 (ACK rejects it inside the VPC)");
    });

    it("bounds the node CIDR mask to ACK's /24 to /28", () => {
        const v = violationsAfter((ack) => (ack.network.nodeCidrMask = 23));
        assertViolation(v, "clusters[2].network.nodeCidrMask: ACK allows a node CIDR mask of /24 to /28");
        const w = violationsAfter((ack) => (ack.network.nodeCidrMask = 29));
        assertViolation(w, "clusters[2].network.nodeCidrMask: ACK allows a node CIDR mask of /24 to /28");
    });

    it("with flannel, the pod CIDR must hold a node block for every node the pools may grow to", () => {
        // 10.66.0.0/22 in /25 node blocks = 8 blocks; prod pools reach 6 + 30 + 20 = 56 nodes.
        const v = violationsAfter((ack) => {
            ack.network.cni = "flannel";
            ack.network.podCidr = "10.66.0.0/22";
        });
        assertViolation(v, "clusters[2].network.nodeCidrMask: podCidr 10.66.0.0/22 holds 8 node blocks of /25, fewer than the node pools' maxSize total 56");
        const ok = rawStackFleet("prod");
        ok.clusters[ACK].network.cni = "flannel";
        ok.clusters[ACK].network.tenants = [];
        // The federation's workloads go to ack-sh in tenants' namespaces: without its tenants, not there.
        ok.federation.policies = ok.federation.policies.map((p: any) => ({
            ...p,
            failover: undefined,
            clusters: ["idc-sh", "eks-apne1"],
            replicas: { divide: "dynamic" },
            spread: undefined,
        }));
        ok.federation.overrides = [];
        const parsed = parseFleet(ok);
        assert.ok(parsed.ok, `a /16 pod CIDR holds 512 blocks of /25: ${JSON.stringify(parsed)}`);
    });

    it("refuses tenants on flannel, which would not enforce their NetworkPolicies", () => {
        const v = violationsAfter((ack) => (ack.network.cni = "flannel"));
        assertViolation(v, "clusters[2].network.tenants: flannel does not enforce NetworkPolicy; tenants need cni terway");
    });

    it("with terway, needs a pod vSwitch per zone and vSwitch-sized pod blocks", () => {
        const v = violationsAfter((ack) => (ack.zones = ["cn-shanghai-a", "cn-shanghai-b", "cn-shanghai-e", "cn-shanghai-f", "cn-shanghai-g"]));
        assertViolation(v, "clusters[2].zones: terway carves podCidr into 4 pod vSwitches, one per zone: at most 4 zones (got 5)");
        const p = violationsAfter((ack) => (ack.network.podCidr = "10.66.0.0/28"));
        assertViolation(p, "clusters[2].network.podCidr: with terway must be /14 to /27 so that its pod vSwitches (/30) are /16 to /29");
    });

    it("needs node vSwitches of /16 to /29 carved from the VPC", () => {
        const v = violationsAfter((ack) => (ack.network.vpcCidr = "10.30.0.0/26"));
        assertViolation(v, "clusters[2].network.vpcCidr: must be /12 to /25 so that its node vSwitches (/30) are /16 to /29");
    });

    it("puts the metrics bucket in the cluster's region", () => {
        const v = violationsAfter((ack) => (ack.metrics.objectStore.region = "cn-beijing"));
        assertViolation(v, "clusters[2].metrics.objectStore.region: must be the cluster's region cn-shanghai (the site creates its bucket there)");
    });

    it("checks log retention and maintenance window fields", () => {
        const v = violationsAfter((ack) => {
            ack.logging = { retentionDays: 3001 };
            ack.maintenanceWindow = { start: "25:00" };
        });
        assertViolation(v, "clusters[2].logging.retentionDays: ACK keeps control-plane logs 1 to 3000 days (UpdateControlPlaneLog log_ttl)");
        assertViolation(v, "clusters[2].maintenanceWindow.start: must be a time HH:MM");
    });

    it("keeps flow logs 1 to 3650 days, SLS's range", () => {
        for (const days of [0, 3651, 1.5]) {
            const v = violationsAfter((ack) => (ack.network.flowLogRetentionDays = days));
            assert.ok(
                v.some((line) => line.startsWith("clusters[2].network.flowLogRetentionDays: ")),
                `${days}: ${v.join("; ")}`,
            );
        }
        assertViolation(
            violationsAfter((ack) => (ack.network.flowLogRetentionDays = 0)),
            "clusters[2].network.flowLogRetentionDays: SLS keeps logs 1 to 3650 days",
        );
        for (const days of [1, 3650]) {
            const fleet = rawStackFleet("prod");
            fleet.clusters[ACK].network.flowLogRetentionDays = days;
            assert.ok(parseFleet(fleet).ok, String(days));
        }
    });

    it("with the stack known, refuses a cluster name and stack whose SLS project names SLS would refuse", () => {
        const fleet = rawStackFleet("prod");
        assert.ok(parseFleet(fleet, { stack: "prod" }).ok);
        // The project names' rule: 3-63 of [a-z0-9-]; Pulumi stack names also allow A-Z, '_' and '.'.
        const refused = (stack: string, project: string) =>
            `clusters[2].name: in stack ${JSON.stringify(stack)} names the SLS project ${JSON.stringify(project)}, which SLS refuses (3 to 63 characters of [a-z0-9-], a letter or digit at each end)`;
        for (const stack of ["Prod", "prod_2", "org/hybrid-fleet/prod.eu"]) {
            const result = parseFleet(rawStackFleet("prod"), { stack });
            assert.ok(!result.ok, stack);
            const own = stack.split("/").pop()!;
            assertViolation(result.violations, refused(own, `ack-sh-${own}-k8s-logs`));
            assertViolation(result.violations, refused(own, `ack-sh-${own}-vpc-flow-logs`));
        }
        // A fully qualified stack is named by its last part, as pulumi.getStack() names it.
        assert.ok(parseFleet(rawStackFleet("prod"), { stack: "acme/hybrid-fleet/prod" }).ok);
        // 63 characters pass, 64 do not: "ack-sh-" + stack + "-vpc-flow-logs" is 21 + the stack's length.
        // (The site's CEN edge has a longer project name, with its own rule: test/stacks/spec/links.test.ts.)
        const siteViolations = (stack: string) => {
            const result = parseFleet(rawStackFleet("prod"), { stack });
            return result.ok ? [] : result.violations.filter((v) => v.startsWith("clusters[2]"));
        };
        assert.deepStrictEqual(siteViolations("s".repeat(42)), []);
        assert.deepStrictEqual(siteViolations("s".repeat(43)), [refused("s".repeat(43), `ack-sh-${"s".repeat(43)}-vpc-flow-logs`)]);
        // Without a stack (a spec checked on its own), names derived from one are not judged.
        assert.ok(parseFleet(rawStackFleet("prod")).ok);
    });
});
