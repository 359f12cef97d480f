// Whole-fleet invariants on the mock engine, for every checked-in stack: the shape of the
// resource graph (parents, names, explicit providers per cluster), secrets, and speed.
import * as assert from "assert";
import { ACK, EKS, IDC, Inventory, loadStackSpec, newSshHostKey, plainTextOccurrences, rawStackFleet, RegisteredResource, runFleet } from "../harness";
import { buildFleet } from "../../stacks/fleet";
import { type FleetSpec, loadFleet } from "../../stacks/spec";
import { redact, runOnMocks } from "../../tools/mockEngine";
import { offlineConfig, readStackFile, stackFilePath } from "../../tools/stackFile";
import { urnName } from "../../tools/urn";

for (const stack of ["prod", "dev"] as const) {
    describe(`${stack} fleet on the mock engine`, () => {
        let spec: FleetSpec;
        let inventory: Inventory;
        let elapsedMs: number;

        before(async () => {
            spec = loadStackSpec(stack);
            // The run's own time (runFleet may hand back an earlier run of the same fleet).
            ({ inventory, elapsedMs } = await runFleet(spec));
        });

        /** The cluster a resource belongs to: its top-level site component. */
        const siteOf = (r: RegisteredResource) => [r, ...inventory.ancestors(r)].pop()!;

        it("evaluates in seconds", () => {
            assert.ok(elapsedMs < 10_000, `took ${elapsedMs} ms`);
        });

        it("has one site component per cluster and one component per fleet layer, and every other resource under one", () => {
            const roots = inventory.resources.filter((r) => !r.parent);
            const sites = roots.filter((r) => /^hybrid:(idc|eks|ack):Site$/.test(r.type));
            assert.deepStrictEqual(sites.map((r) => [r.type.split(":")[1], r.name]).sort(), spec.clusters.map((c) => [c.provider, c.name]).sort());
            // Fleet layers hold what belongs to no one cluster (the mesh's root CA); the rest of a layer lives under the sites.
            assert.deepStrictEqual(
                roots
                    .filter((r) => !sites.includes(r))
                    .map((r) => [r.type, r.name])
                    .sort(),
                [
                    ["hybrid:federation:Karmada", "karmada"],
                    ["hybrid:mesh:Mesh", "mesh"],
                    ["hybrid:observability:ThanosFleet", "observability"],
                ],
            );
        });

        it("types components hybrid:<domain>:<Component> and derives child names from the component", () => {
            for (const r of inventory.resources.filter((x) => !x.custom && !x.type.startsWith("eks:"))) {
                assert.match(r.type, /^hybrid:[a-z]+:[A-Z][A-Za-z0-9]+$/, r.urn);
            }
            for (const r of inventory.resources) {
                const parent = r.parent ? inventory.byUrn(r.parent) : undefined;
                if (parent?.type.startsWith("hybrid:")) {
                    assert.ok(r.name.startsWith(parent.name), `${r.type} ${r.name} is not named after its parent ${parent.name}`);
                }
            }
        });

        it("gives every cloud and Kubernetes resource the explicit provider of its own cluster", () => {
            const explicit: Record<string, string> = { "aws:": "aws", "alicloud:": "alicloud", "kubernetes:": "kubernetes" };
            for (const r of inventory.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
                const prefix = Object.keys(explicit).find((p) => r.type.startsWith(p));
                if (!prefix) continue;
                const provider = inventory.providerOf(r);
                assert.ok(provider, `${r.type} ${r.name} uses a default provider`);
                assert.strictEqual(provider.type, `pulumi:providers:${explicit[prefix]}`);
                assert.strictEqual(siteOf(provider).name, siteOf(r).name, `${r.name} uses another cluster's provider ${provider.name}`);
                if (prefix === "kubernetes:") assert.strictEqual(provider.name, `${siteOf(r).name}-k8s`);
            }
        });

        it("keeps secrets secret: no private key or config secret in plain text", () => {
            assert.deepStrictEqual(plainTextOccurrences(inventory, "PRIVATE KEY"), []);
            assert.deepStrictEqual(plainTextOccurrences(inventory, "[offline placeholder"), []);
        });
    });
}

describe("declaring the fleet in batches", function () {
    this.timeout(120_000);

    it("one cluster at a time: each batch's registrations finish before the next starts, and the declarations are the same", async () => {
        const spec = loadStackSpec("prod");
        const file = readStackFile(stackFilePath("prod"));
        const { config, secretKeys } = offlineConfig(file, { ok: true, spec });
        const { inventory: oneByOne } = await runOnMocks(() => buildFleet(spec, { batch: 1 }), { config, secretKeys, stack: "prod" });
        const { inventory } = await runFleet(spec);

        // The mock engine records a resource when its registration completes: everything before the
        // second site's component belongs to the first site (its builder's resources all finished).
        const siteOf = (r: RegisteredResource) => [r, ...oneByOne.ancestors(r)].pop()!;
        const second = oneByOne.resources.findIndex((r) => r.type.endsWith(":Site") && r.name === spec.clusters[1].name);
        assert.ok(second > 50, `the second site registered at ${second}`);
        const before = new Set(oneByOne.resources.slice(0, second).map((r) => siteOf(r).name));
        assert.deepStrictEqual([...before], [spec.clusters[0].name]);

        // Same resources, names, parents, providers, dependencies, options and inputs as the default batch
        // size (secrets redacted: the random mocks draw fresh values in every run, as the provider would).
        const declared = (inv: Inventory) =>
            [...inv.resources]
                .sort((a, b) => (a.urn < b.urn ? -1 : 1))
                .map(({ state: _state, ...r }) => ({ ...r, dependencies: [...r.dependencies].sort(), inputs: redact(r.inputs) }));
        assert.deepStrictEqual(declared(oneByOne), declared(inventory));
    });
});

/** A value as Pulumi compares it: an object's keys in any order, a list's items in theirs. */
const canonical = (value: unknown): unknown =>
    Array.isArray(value)
        ? value.map(canonical)
        : value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype
          ? Object.fromEntries(
                Object.keys(value)
                    .sort()
                    .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
            )
          : value;

/**
 * Per URN: inputs, parent, provider and, unless left out, the set of dependencies. What the engine
 * updates a resource for is its inputs (and parent or provider); a changed dependency list alone
 * updates nothing, it only orders the next deployment.
 */
const asTheEngineCompares = (inv: Inventory, { dependencies = true } = {}) =>
    new Map(
        inv.resources.map((r) => [
            r.urn,
            JSON.stringify(
                canonical(
                    JSON.parse(
                        JSON.stringify({
                            inputs: r.inputs,
                            parent: r.parent,
                            provider: r.provider,
                            dependencies: dependencies ? [...r.dependencies].sort() : [],
                        }),
                    ),
                ),
            ),
        ]),
    );

describe("a YAML mapping has no order", function () {
    this.timeout(120_000);

    /** Every mapping of a raw spec with its keys in reverse order (lists keep theirs: a list's order can mean something). */
    const reversedMappings = (value: unknown): unknown =>
        Array.isArray(value)
            ? value.map(reversedMappings)
            : value !== null && typeof value === "object"
              ? Object.fromEntries(
                    Object.entries(value)
                        .reverse()
                        .map(([k, v]) => [k, reversedMappings(v)]),
                )
              : value;

    // Every record of the schema hands its keys on in one order (test/stacks/spec/mapping.test.ts); this is the same
    // end to end, on dev (the smaller fleet): its mappings that reach lists and files, each given two keys.
    it("dev, with two or more keys in its labels and the kubelet's maps, declares the same when each mapping is written in reverse", async () => {
        const raw = rawStackFleet("dev");
        const idc = raw.clusters[IDC];
        for (const host of [idc.controlPlane.hosts[0], idc.workers[0]]) host.labels = { "topology.kubernetes.io/zone": "rack-a", "acme.io/rack": "a1" };
        // The kubelet's maps, written into every node's kubeadm configuration.
        idc.kubelet = { evictionHard: { "memory.available": "500Mi", "nodefs.available": "10%" }, systemReserved: { cpu: "500m", memory: "1Gi" } };
        raw.clusters[ACK].nodePools[1].labels = { "acme.io/tier": "general", "acme.io/team": "search" };
        raw.clusters[EKS].karpenter.nodePools[0].labels = { "acme.io/tier": "general", "acme.io/team": "search" };
        const [a, b] = [
            asTheEngineCompares((await runFleet(loadFleet(raw), "dev")).inventory),
            asTheEngineCompares((await runFleet(loadFleet(reversedMappings(raw)), "dev")).inventory),
        ];
        assert.deepStrictEqual([...b.keys()].sort(), [...a.keys()].sort(), "the same URNs");
        const differing = [...a].filter(([urn, text]) => b.get(urn) !== text).map(([urn]) => urn);
        assert.deepStrictEqual(differing, []);
    });
});

describe("scaling out touches only what it must", function () {
    this.timeout(120_000);

    it("a second IDC worker on dev adds only its own resources, and changes only the certificate upload before joins, its cleanup and the kubelet CSR approver's allow list", async () => {
        // What a deployment would update: the dependencies of what waits for every node (namespaces, charts) do grow.
        const before = asTheEngineCompares((await runFleet(loadStackSpec("dev"), "dev")).inventory, { dependencies: false });
        const raw = rawStackFleet("dev");
        const workers = raw.clusters[IDC].workers;
        workers.push({ ...workers[0], name: "dev-worker-2", address: "10.110.2.12", sshHostKey: newSshHostKey() });
        const after = asTheEngineCompares((await runFleet(loadFleet(raw), "dev")).inventory, { dependencies: false });
        const added = [...after.keys()].filter((urn) => !before.has(urn)).map(urnName);
        assert.deepStrictEqual(
            [...before.keys()].filter((urn) => !after.has(urn)),
            [],
            "a resource is gone",
        );
        assert.ok(added.length > 10, added.join(" "));
        assert.deepStrictEqual(
            added.filter((n) => !n.includes("dev-worker-2")),
            [],
            "a new resource that is not the new worker's",
        );
        assert.deepStrictEqual(
            [...before]
                .filter(([urn, text]) => after.get(urn) !== undefined && after.get(urn) !== text)
                .map(([urn]) => urnName(urn))
                .sort(),
            ["idc-dev-control-plane-dev-cp-1-join-token", "idc-dev-control-plane-dev-cp-1-join-token-cleanup", "idc-dev-kubelet-csr-approver-chart"],
        );
    });
});
