// The federation layer's spec rules: each one fails on a spec that breaks it, with its path.
import * as assert from "assert";
import { parseFleet } from "../../../stacks/spec";
import { assertViolation, loadStackSpec, parsedAfter, rawStackFleet, violationsAfter } from "../../harness";

const policy = (fleet: any, name: string) => fleet.federation.policies.find((p: any) => p.name === name);

describe("federation spec", () => {
    it("accepts the checked-in stacks, with defaults filled in", () => {
        const prod = loadStackSpec("prod");
        assert.strictEqual(prod.federation.hubIsMember, true);
        assert.strictEqual(prod.federation.failover.purgeMode, "Gracefully");
        const dev = loadStackSpec("dev");
        assert.deepStrictEqual(dev.federation.policies, []);
        assert.strictEqual(dev.federation.etcd.replicas, 1);
    });

    it("member names are at most 48 characters (Karmada's Cluster name limit)", () => {
        const long = "a".repeat(49);
        const v = violationsAfter((f) => {
            f.clusters[1].name = long;
            f.links = f.links.map((l: any) => ({ ...l, between: l.between.map((e: string) => (e === "eks-apne1" ? long : e)) }));
            f.federation.policies = [];
            f.federation.overrides = f.federation.overrides.map((o: any) => ({ ...o, rules: o.rules.filter((r: any) => !r.clusters.includes("eks-apne1")) }));
        });
        assertViolation(v, "clusters[1].name: a Karmada member's name is at most 48 characters (got 49)");
    });

    it("a 48-character name, or a long hub that is not a member, passes the length rule", () => {
        const raw = rawStackFleet("dev");
        const name = "e".repeat(48);
        raw.clusters[1].name = name;
        raw.links[0].between = ["idc-dev", name];
        assert.ok(parseFleet(raw).ok, JSON.stringify((parseFleet(raw) as any).violations));
        const hubOnly = rawStackFleet("dev");
        const hub = "h".repeat(49);
        hubOnly.hub = hub;
        hubOnly.clusters[0].name = hub;
        hubOnly.links = hubOnly.links.map((l: any) => ({ ...l, between: l.between.map((e: string) => (e === "idc-dev" ? hub : e)) }));
        hubOnly.transit = [hub];
        hubOnly.federation.hubIsMember = false;
        assert.ok(parseFleet(hubOnly).ok, JSON.stringify((parseFleet(hubOnly) as any).violations));
        hubOnly.federation.hubIsMember = true;
        assertViolation((parseFleet(hubOnly) as any).violations, "clusters[0].name: a Karmada member's name is at most 48 characters (got 49)");
    });

    it("the hub is a cluster of the fleet", () => {
        assertViolation(
            violationsAfter((f) => (f.hub = "nowhere")),
            "hub: nowhere is not the name of a cluster",
        );
    });

    it("a Push member's API server is reachable from the hub over declared links", () => {
        const v = violationsAfter((f) => (f.links = f.links.filter((l: any) => !(l.between.includes("idc-sh") && l.between.includes("eks-apne1")))));
        assertViolation(
            v,
            "clusters[1].federation.syncMode: idc-sh cannot reach eks-apne1 over the declared links (needed by federation (Push: karmada-controller-manager on the hub calls the member's API server)): add a link or a transit site",
        );
    });

    it("a Pull member reaches the hub's karmada-apiserver over declared links", () => {
        const v = violationsAfter((f) => (f.links = f.links.filter((l: any) => !(l.between.includes("idc-sh") && l.between.includes("ack-sh")))));
        assertViolation(
            v,
            "clusters[2].federation.syncMode: ack-sh cannot reach idc-sh over the declared links (needed by federation (Pull: the member's karmada-agent calls karmada-apiserver on the hub)): add a link or a transit site",
        );
    });

    it("a transit site carries the federation's traffic", () => {
        // dev with eks-dev as the hub: ack-dev (Pull) reaches it only through idc-dev, a transit site.
        const raw = rawStackFleet("dev");
        raw.hub = "eks-dev";
        raw.federation.apiServer = { dnsName: "karmada.dev.acme.internal" };
        assert.ok(parseFleet(raw).ok, JSON.stringify((parseFleet(raw) as any).violations));
        raw.transit = [];
        assertViolation(
            (parseFleet(raw) as any).violations,
            "clusters[2].federation.syncMode: ack-dev cannot reach eks-dev over the declared links (needed by federation (Pull: the member's karmada-agent calls karmada-apiserver on the hub)): add a link or a transit site",
        );
    });

    it("policies name only clusters of the fleet, and only members", () => {
        const v = violationsAfter((f) => {
            policy(f, "payments-api").replicas.weights = { "idc-sh": 2, "ack-shh": 1 };
            policy(f, "search-api").failover = [["idc-sh", "mars-1"], ["eks-apne1"]];
            f.federation.overrides[0].rules[0].clusters = ["ack-sh", "nope"];
        });
        assertViolation(v, "federation.policies[0].replicas.weights.ack-shh: ack-shh is not the name of a cluster");
        assertViolation(v, "federation.policies[1].failover[0][1]: mars-1 is not the name of a cluster");
        assertViolation(v, "federation.overrides[0].rules[0].clusters[1]: nope is not the name of a cluster");
        const notMember = violationsAfter((f) => (f.federation.hubIsMember = false));
        assertViolation(
            notMember,
            "federation.policies[0].replicas.weights.idc-sh: idc-sh is not a federation member (the hub is not a member: hubIsMember is false)",
        );
    });

    it("weights are positive", () => {
        const v = violationsAfter((f) => (policy(f, "payments-api").replicas.weights["eks-apne1"] = 0));
        assertViolation(v, "federation.policies[0].replicas.weights.eks-apne1: a weight must be a positive integer");
        const empty = violationsAfter((f) => (policy(f, "payments-api").replicas.weights = {}));
        assertViolation(empty, "federation.policies[0].replicas.weights: must give at least one cluster a weight");
    });

    it("a failover group is not empty", () => {
        const v = violationsAfter((f) => (policy(f, "search-api").failover = [["idc-sh"], []]));
        assertViolation(v, "federation.policies[1].failover[1]: a failover group must name at least one cluster");
        // Each group must satisfy the spread on its own: the fallback to one provider cannot spread over two.
        const narrow = violationsAfter((f) => (policy(f, "search-api").failover = [["idc-sh", "ack-sh"], ["eks-apne1"]]));
        assertViolation(narrow, "federation.policies[1].spread.minGroups: failover group 1 span 1 provider(s), fewer than 2");
    });

    it("failover groups and a cluster list are exclusive (clusterAffinities vs clusterAffinity)", () => {
        const v = violationsAfter((f) => (policy(f, "search-api").clusters = ["idc-sh"]));
        assertViolation(v, "federation.policies[1].failover: is exclusive with clusters (Karmada: clusterAffinities cannot co-exist with clusterAffinity)");
    });

    it("static weights only for the policy's clusters; spread needs as many groups as it asks", () => {
        const v = violationsAfter((f) => {
            policy(f, "payments-api").clusters = ["idc-sh", "ack-sh"];
            policy(f, "search-api").spread = { by: "region", minGroups: 4 };
        });
        assertViolation(v, "federation.policies[0].replicas.weights.eks-apne1: eks-apne1 is not one of the policy's clusters");
        assertViolation(v, "federation.policies[1].spread.minGroups: failover group 0 span 2 region(s), fewer than 4");
    });

    it("a policy selects named resources in a namespace, or namespaces", () => {
        const v = violationsAfter((f) => {
            f.federation.policies.unshift({ name: "batch-namespace", namespaces: ["batch"] });
            delete policy(f, "payments-api").namespace;
            policy(f, "batch-namespace").resources = [{ apiVersion: "apps/v1", kind: "Deployment", name: "x" }];
            f.federation.policies.push({ name: "empty", namespace: "payments" });
        });
        assertViolation(v, "federation.policies[1].namespace: is required with resources (the namespace the named workloads are in)");
        assertViolation(v, "federation.policies[0]: selects either named resources (a PropagationPolicy) or namespaces (a ClusterPropagationPolicy), not both");
        assertViolation(v, "federation.policies[3]: must select resources or namespaces");
    });

    it("policy names are unique per namespace; a namespace policy takes no namespace; maxGroups >= minGroups", () => {
        const v = violationsAfter((f) => {
            f.federation.policies.unshift({ name: "batch-namespace", namespaces: ["batch"] });
            f.federation.policies.push({ ...structuredClone(policy(f, "payments-api")) });
            policy(f, "batch-namespace").namespace = "batch";
            policy(f, "search-api").spread.maxGroups = 1;
        });
        assertViolation(v, "federation.policies[3].name: duplicates federation.policies[1] (payments-api)");
        assertViolation(v, "federation.policies[0].namespace: is not used with namespaces (a ClusterPropagationPolicy is cluster-scoped)");
        assertViolation(v, "federation.policies[2].spread.maxGroups: must be at least minGroups (2)");
    });

    it("a tenant's namespace is never propagated as a Namespace (the tenant layer owns it on the members)", () => {
        const v = violationsAfter((f) => f.federation.policies.push({ name: "payments-namespace", namespaces: ["batch", "payments"] }));
        assertViolation(
            v,
            "federation.policies[2].namespaces[1]: payments is a tenant on idc-sh, eks-apne1, ack-sh: the tenant layer makes that namespace there, and Karmada applies nothing over an object it did not create (taking it over would replace the tenant's labels); propagate the workloads in it with a policy of resources",
        );
        assert.ok(!v.some((x) => x.startsWith("federation.policies[2].namespaces[0]")), "batch is no tenant: Karmada may make it");
        // Placed only where it is no tenant: allowed.
        const elsewhere = parsedAfter((f) => {
            f.clusters.find((c: any) => c.name === "idc-sh").network.tenants.push({ namespace: "ledger" });
            f.federation.policies.push({ name: "ledger-namespace", namespaces: ["ledger"], clusters: ["ack-sh"] });
        });
        assert.ok(elsewhere.ok, JSON.stringify(elsewhere));
    });

    it("the workloads of a tenant's namespace go only where it is a tenant (Karmada does not copy it to members)", () => {
        const v = violationsAfter((f) => {
            const eks = f.clusters.find((c: any) => c.name === "eks-apne1");
            eks.network.tenants = eks.network.tenants.filter((t: any) => t.namespace !== "search");
            for (const c of f.clusters) for (const t of c.network.tenants) if (t.namespace === "payments") t.allowTo = [];
        });
        assertViolation(
            v,
            "federation.policies[1].namespace: search is a tenant on idc-sh, ack-sh but not on eks-apne1, where this policy may place its workloads: Karmada does not copy a tenant's namespace to members, so it would not exist there; add the tenant to those clusters or keep the policy off them",
        );
        // A namespace that is a tenant nowhere is Karmada's to copy: no rule.
        const karmadas = parsedAfter((f) =>
            f.federation.policies.push({ name: "jobs", namespace: "jobs", resources: [{ apiVersion: "batch/v1", kind: "Job", name: "j" }] }),
        );
        assert.ok(karmadas.ok, JSON.stringify(karmadas));
    });

    it("resource references and registries have strict formats", () => {
        const v = violationsAfter((f) => {
            policy(f, "payments-api").resources[0].kind = "deployment; rm -rf /";
            f.federation.overrides[0].rules[0].imageRegistry = "https://registry";
        });
        assertViolation(v, "federation.policies[0].resources[0].kind: must be a Kind (PascalCase)");
        assertViolation(v, "federation.overrides[0].rules[0].imageRegistry: must be a registry host[:port][/path]");
    });

    it("the API server's address: required on an idc hub, a DNS name on a cloud hub", () => {
        assertViolation(
            violationsAfter((f) => delete f.federation.apiServer.address),
            "federation.apiServer.address: is required on an idc hub (idc-sh): the LoadBalancer address karmada-apiserver takes from the IDC's range",
        );
        assertViolation(
            violationsAfter((f) => {
                f.hub = "eks-apne1";
                delete f.federation.apiServer.dnsName;
            }),
            "federation.apiServer.dnsName: is required on an eks hub (eks-apne1): the cloud assigns the internal load balancer's address, so members use a DNS name pointed at it",
        );
    });

    it("the API server's address is not inside a pod or service range of the fleet", () => {
        assertViolation(
            violationsAfter((f) => (f.federation.apiServer.address = "10.96.0.50")),
            "federation.apiServer.address: 10.96.0.50 is inside clusters[0].network.serviceCidr 10.96.0.0/16",
        );
        assertViolation(
            violationsAfter((f) => (f.federation.apiServer.address = "10.65.1.1")),
            "federation.apiServer.address: 10.65.1.1 is inside clusters[1].network.podCidr 10.65.0.0/16",
        );
    });

    it("etcd: 3 or 5 members in prod", () => {
        assertViolation(
            violationsAfter((f) => (f.federation.etcd.replicas = 1)),
            "federation.etcd.replicas: must be 3 or 5 in prod (got 1): one member is lost with its node",
        );
        assertViolation(
            violationsAfter((f) => (f.federation.etcd.replicas = 2)),
            "federation.etcd.replicas: must be 1, 3 or 5",
        );
    });

    it("an override rule overrides something", () => {
        assertViolation(
            violationsAfter((f) => (f.federation.overrides[0].rules[0] = { clusters: ["ack-sh"] })),
            "federation.overrides[0].rules[0]: must override something (imageRegistry, replicas or labels)",
        );
    });
});

describe("federation spec: the IDC hub's load balancer address", () => {
    it("must come from the hub's LoadBalancer range", () => {
        const { assertViolation, violationsAfter } = require("../../harness") as typeof import("../../harness");
        assertViolation(
            violationsAfter((f: any) => (f.federation.apiServer.address = "10.10.15.200")),
            "federation.apiServer.address: 10.10.15.200 is not inside the hub's network.loadBalancerCidr 10.12.0.0/22: the load balancer could not take it",
        );
    });
});
