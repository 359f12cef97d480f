// The validators test/crds.ts keeps in .cache/crds are the ones ajv compiles: a test that validates
// against a cached one must reach the same verdict, with the same errors, as against a fresh one.
import * as assert from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { crdSchemas, newAjv, validatorFor } from "./crds";

/** The first upstream schema for a kind (Karpenter's NodePool is vendored twice, with the AWS provider's chart). */
function schemaOf(apiVersion: string, kind: string): object {
    const schemas = crdSchemas(apiVersion, kind);
    assert.ok(schemas.length > 0, `an upstream CRD defines ${apiVersion} ${kind}`);
    return schemas[0];
}

describe("CRD validators kept in the cache", () => {
    let cacheDir: string;
    beforeEach(() => {
        cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "crd-cache-"));
    });
    afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

    /** The compiled validator (first call, which writes the module) and the module loaded back (second call). */
    function compiledAndCached(schema: object) {
        const dir = fs.mkdtempSync(path.join(cacheDir, "schema-"));
        const compiled = validatorFor(schema, dir);
        assert.strictEqual(fs.readdirSync(dir).length, 1, "one module is kept per schema");
        const cached = validatorFor(schema, dir);
        assert.notStrictEqual(cached, compiled, "the second call loads the kept module");
        return { compiled, cached };
    }

    function assertSameVerdicts(schema: object, objects: unknown[], fresh = newAjv().compile(schema)) {
        const { cached } = compiledAndCached(schema);
        for (const obj of objects) {
            const verdict = fresh(obj);
            assert.strictEqual(cached(obj), verdict, `the same verdict on ${JSON.stringify(obj)}`);
            assert.deepStrictEqual(cached.errors ?? null, fresh.errors ?? null, `the same errors on ${JSON.stringify(obj)}`);
        }
    }

    it("carries Go's (?i) patterns: PrometheusRule's partial_response_strategy matches case-insensitively, from the cache as compiled", () => {
        const rule = (strategy: unknown) => ({
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            spec: { groups: [{ name: "g", partial_response_strategy: strategy, rules: [{ alert: "A", expr: "up == 0" }] }] },
        });
        const schema = schemaOf("monitoring.coreos.com/v1", "PrometheusRule");
        const { cached } = compiledAndCached(schema);
        assert.strictEqual(cached(rule("ABORT")), true, JSON.stringify(cached.errors));
        assert.strictEqual(cached(rule("Warn")), true, JSON.stringify(cached.errors));
        assert.strictEqual(cached(rule("never")), false);
        assert.match(JSON.stringify(cached.errors), /must match pattern/);
        assertSameVerdicts(schema, [rule("ABORT"), rule("never"), rule(3), rule(undefined)]);
    });

    it("checks formats from the cache: a NodePool taint's timeAdded is a date-time", () => {
        const pool = (timeAdded: unknown) => ({
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: "default" },
            spec: {
                template: {
                    spec: {
                        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                        requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }],
                        taints: [{ key: "dedicated", effect: "NoSchedule", timeAdded }],
                    },
                },
            },
        });
        const schema = schemaOf("karpenter.sh/v1", "NodePool");
        const { cached } = compiledAndCached(schema);
        assert.strictEqual(cached(pool("2026-11-30T10:00:00Z")), true, JSON.stringify(cached.errors));
        assert.strictEqual(cached(pool("yesterday")), false);
        assert.match(JSON.stringify(cached.errors), /must match format \\"date-time\\"/);
    });

    /** Kinds whose schemas compile quickly, and 150 arbitrary objects of each (any spec), from a fixed seed. */
    const SAMPLED: [string, string][] = [
        ["karpenter.sh/v1", "NodePool"],
        ["monitoring.coreos.com/v1", "PrometheusRule"],
        ["networking.istio.io/v1", "DestinationRule"],
    ];
    const arbitrary = (apiVersion: string, kind: string, seed: number) =>
        fc.sample(
            fc.record(
                { apiVersion: fc.constant(apiVersion), kind: fc.constant(kind), spec: fc.jsonValue({ maxDepth: 4 }) },
                { requiredKeys: ["apiVersion", "kind"] },
            ),
            { numRuns: 150, seed },
        );

    it("gives what a fresh compile gives on arbitrary objects (NodePool, DestinationRule, PrometheusRule)", () => {
        for (const [apiVersion, kind] of SAMPLED) assertSameVerdicts(schemaOf(apiVersion, kind), arbitrary(apiVersion, kind, 20261130));
    });

    it("compiled without ajv's optimization pass, gives what an optimized validator gives (NodePool, DestinationRule, PrometheusRule)", () => {
        for (const [apiVersion, kind] of SAMPLED) {
            const schema = schemaOf(apiVersion, kind);
            assertSameVerdicts(schema, arbitrary(apiVersion, kind, 20261201), newAjv(true).compile(schema));
        }
    });

    it("compiles a changed schema anew instead of loading another schema's validator", () => {
        const schema = schemaOf("networking.istio.io/v1", "DestinationRule") as any;
        const stricter = structuredClone(schema);
        stricter.required = ["spec"];
        const loose = validatorFor(schema, cacheDir);
        const strict = validatorFor(stricter, cacheDir);
        assert.strictEqual(fs.readdirSync(cacheDir).length, 2);
        const noSpec = { apiVersion: "networking.istio.io/v1", kind: "DestinationRule" };
        assert.strictEqual(loose(noSpec), true);
        assert.strictEqual(strict(noSpec), false);
        assert.strictEqual(validatorFor(stricter, cacheDir)(noSpec), false, "the kept module of the changed schema");
    });

    it("compiles again and replaces a kept module that cannot be loaded", () => {
        const schema = schemaOf("networking.istio.io/v1", "DestinationRule");
        validatorFor(schema, cacheDir);
        const [file] = fs.readdirSync(cacheDir).map((f) => path.join(cacheDir, f));
        fs.writeFileSync(file, "module.exports = (");
        const validate = validatorFor(schema, cacheDir);
        assert.strictEqual(validate({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", spec: { host: "a" } }), true);
        assert.match(fs.readFileSync(file, "utf8"), /^"use strict";module\.exports = validate/, "the module was written again");
        assert.notStrictEqual(validatorFor(schema, cacheDir), validate, "and loads");
    });
});
