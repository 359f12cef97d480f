// The mesh's spec rules, each shown failing on a checked-in stack with one change.
import * as assert from "assert";
import { parseFleet } from "../../../stacks/spec";
import { assertViolation, rawStackFleet, violationsAfter } from "../../harness";

const cluster = (fleet: any, name: string) => fleet.clusters.find((c: any) => c.name === name);

describe("mesh spec", () => {
    it("prod and dev are valid, with the mesh's defaults", () => {
        for (const stack of ["prod", "dev"] as const) {
            const r = parseFleet(rawStackFleet(stack));
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
            for (const c of r.spec.clusters) {
                assert.strictEqual(c.mesh.enabled, true);
                assert.strictEqual(c.mesh.caGeneration, 1);
                assert.deepStrictEqual(c.mesh.injection, {});
                assert.strictEqual(c.mesh.eastWestGateway.replicas, 2);
            }
            assert.deepStrictEqual(r.spec.mesh.ca, { rootValidityDays: 3650, intermediateValidityDays: 730 });
        }
    });

    it("a member on a Kubernetes minor the pinned Istio does not support", () => {
        for (const version of ["1.31", "1.37"]) {
            const v = violationsAfter((f) => (cluster(f, "eks-apne1").kubernetesVersion = version));
            assertViolation(
                v,
                `clusters[1].kubernetesVersion: Istio 1.31.1 (the mesh) supports Kubernetes 1.32 to 1.36, not ${version}: leave the cluster out of the mesh (mesh.enabled: false) or move it to a supported version`,
            );
        }
        // Out of the mesh, the version is not the mesh's business.
        const f = rawStackFleet("prod");
        cluster(f, "eks-apne1").kubernetesVersion = "1.31";
        cluster(f, "eks-apne1").mesh.enabled = false;
        const r = parseFleet(f);
        assert.ok(r.ok || !r.violations.some((x) => x.includes("(the mesh)")), r.ok ? "" : r.violations.join("\n"));
    });

    it("two clusters on one network must be routed to each other over a link", () => {
        const v = violationsAfter((f) => {
            f.transit = [];
            cluster(f, "ack-dev").mesh.network = "net-eks-dev";
        }, "dev");
        assertViolation(
            v,
            "clusters[2].mesh.network: net-eks-dev is also the network of eks-dev, but no declared link routes their pods to each other: give them distinct networks (east-west gateways) or link them",
        );
        // Linked (through the transit IDC), one network is fine.
        const f = rawStackFleet("dev");
        cluster(f, "ack-dev").mesh.network = "net-eks-dev";
        const r = parseFleet(f);
        assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
    });

    it("every istiod reaches every other member over the links", () => {
        const v = violationsAfter((f) => (f.transit = []), "dev");
        assertViolation(
            v,
            "clusters[1].mesh: eks-dev cannot reach ack-dev over the declared links (needed by mesh (istiod watches its API server and east-west gateway)): add a link or a transit site",
        );
        assertViolation(
            v,
            "clusters[2].mesh: ack-dev cannot reach eks-dev over the declared links (needed by mesh (istiod watches its API server and east-west gateway)): add a link or a transit site",
        );
        // A cluster out of the mesh needs no path.
        const f = rawStackFleet("dev");
        f.transit = [];
        cluster(f, "ack-dev").mesh.enabled = false;
        const r = parseFleet(f);
        assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
    });

    it("injected namespaces are tenants of a cluster in the mesh", () => {
        assertViolation(
            violationsAfter((f) => (cluster(f, "idc-sh").mesh.injection = { billing: "sidecar" })),
            "clusters[0].mesh.injection.billing: billing is not a tenant of idc-sh (network.tenants)",
        );
        assertViolation(
            violationsAfter((f) => {
                cluster(f, "eks-apne1").mesh.enabled = false;
                cluster(f, "eks-apne1").mesh.injection = { payments: "ambient" };
            }),
            "clusters[1].mesh.injection.payments: eks-apne1 is not in the mesh (mesh.enabled is false)",
        );
        assertViolation(
            violationsAfter((f) => (cluster(f, "idc-sh").mesh.injection = { payments: "istio" })),
            'clusters[0].mesh.injection.payments: Invalid option: expected one of "sidecar"|"ambient"',
        );
    });

    it("trust domain, locality hosts and durations have strict formats; hosts are unique", () => {
        assertViolation(
            violationsAfter((f) => (f.mesh.trustDomain = "Acme Internal")),
            "mesh.trustDomain: must be a DNS name like acme.internal (a SPIFFE trust domain)",
        );
        assertViolation(
            violationsAfter((f) => (f.mesh.localityFailover = [{ host: "search-api" }])),
            "mesh.localityFailover[0].host: must be a fully qualified service host like search-api.search.svc.cluster.local",
        );
        assertViolation(
            violationsAfter((f) => (f.mesh.localityFailover = [{ host: "a.search.svc.cluster.local", interval: "30 seconds" }])),
            'mesh.localityFailover[0].interval: must be a duration like "30s", "1m" or "500ms"',
        );
        assertViolation(
            violationsAfter((f) => (f.mesh.localityFailover = [{ host: "a.search.svc.cluster.local", baseEjectionTime: "60s5" }])),
            'mesh.localityFailover[0].baseEjectionTime: must be a duration like "30s", "1m" or "500ms"',
        );
        assertViolation(
            violationsAfter((f) => (f.mesh.localityFailover = [{ host: "a.search.svc.cluster.local" }, { host: "a.search.svc.cluster.local" }])),
            "mesh.localityFailover[1].host: a.search.svc.cluster.local is already listed by localityFailover[0]",
        );
        assertViolation(
            violationsAfter((f) => (cluster(f, "idc-sh").mesh.caGeneration = 0)),
            "clusters[0].mesh.caGeneration: Too small: expected number to be >=1",
        );
    });
});
