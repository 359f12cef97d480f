// Validates rendered custom resources against upstream CRD schemas (spec.versions[].schema.openAPIV3Schema)
// with ajv. The CRDs the program renders objects for are vendored, byte for byte, in
// test/fixtures/crds (a subset of ../shared/crds; provenance and blob ids in its UPSTREAM.md), so a
// clone tests on its own, in CI and on GitHub alike. CEL rules (x-kubernetes-validations) are
// not JSON Schema and are not checked here; tests that depend on one assert it directly.
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const CRD_DIR = process.env.HYBRID_FLEET_CRDS ?? path.resolve(__dirname, "fixtures", "crds");

interface Entry {
    file: string;
    schema: object;
    validate?: ValidateFunction;
}

/** Upstream patterns are Go RE2; the one construct JS lacks here is the inline (?i) flag. */
function goRegExp(source: string, flags: string): RegExp {
    const insensitive = source.includes("(?i)");
    return new RegExp(source.replace(/\(\?i\)/g, ""), insensitive && !flags.includes("i") ? flags + "i" : flags);
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { regExp: goRegExp as any } });
addFormats(ajv);
// Kubernetes-specific formats used by the upstream schemas.
for (const f of ["cidr", "idn-hostname", "int32", "int64", "byte", "double", "float", "quantity"]) ajv.addFormat(f, true);

let index: Map<string, Entry[]> | undefined;

function listYaml(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
        const full = path.join(dir, d.name);
        return d.isDirectory() ? listYaml(full) : /\.ya?ml$/.test(d.name) ? [full] : [];
    });
}

function load(): Map<string, Entry[]> {
    if (index) return index;
    if (!fs.existsSync(CRD_DIR)) throw new Error(`upstream CRDs not found at ${CRD_DIR} (set HYBRID_FLEET_CRDS)`);
    index = new Map();
    for (const file of listYaml(CRD_DIR)) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const crd = doc.toJS();
            if (crd?.kind !== "CustomResourceDefinition") continue;
            for (const v of crd.spec.versions ?? []) {
                if (!v.served || !v.schema?.openAPIV3Schema) continue;
                const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
                const list = index.get(key) ?? [];
                list.push({ file: path.relative(CRD_DIR, file), schema: v.schema.openAPIV3Schema });
                index.set(key, list);
            }
        }
    }
    return index;
}

/** All apiVersion/kind pairs that have an upstream CRD here. */
export function knownCustomResources(): string[] {
    return [...load().keys()].sort();
}

/**
 * Errors of `obj` against every upstream CRD for its apiVersion and kind (empty = valid).
 * Throws when no upstream CRD defines that apiVersion/kind.
 */
export function validateCustomResource(obj: { apiVersion: string; kind: string; [k: string]: unknown }): string[] {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const entries = load().get(key);
    if (!entries) throw new Error(`no upstream CRD for ${key} in ${CRD_DIR}`);
    const errors: string[] = [];
    for (const e of entries) {
        e.validate ??= ajv.compile(e.schema);
        if (!e.validate(obj)) {
            for (const err of e.validate.errors ?? [])
                errors.push(`${e.file}: ${err.instancePath || "/"} ${err.message}${err.params ? " " + JSON.stringify(err.params) : ""}`);
        }
    }
    return errors;
}
