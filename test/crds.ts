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

function listYaml(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
        const full = path.join(dir, d.name);
        return d.isDirectory() ? listYaml(full) : /\.ya?ml$/.test(d.name) ? [full] : [];
    });
}

/**
 * The vendored CRD files' text, read once. Parsing all 6.7 MB of YAML took ~5 s per test process,
 * so a file is parsed only when an object of a kind it may define is validated (see entriesOf).
 */
let texts: Map<string, string> | undefined;
function crdTexts(): Map<string, string> {
    if (texts) return texts;
    if (!fs.existsSync(CRD_DIR)) throw new Error(`upstream CRDs not found at ${CRD_DIR} (set HYBRID_FLEET_CRDS)`);
    texts = new Map(listYaml(CRD_DIR).map((file) => [file, fs.readFileSync(file, "utf8")]));
    return texts;
}

/** Every served version's schema in one file, by `group/version/Kind`; parsed once per file. */
const parsed = new Map<string, Map<string, Entry[]>>();
function schemasIn(file: string): Map<string, Entry[]> {
    let byKey = parsed.get(file);
    if (byKey) return byKey;
    byKey = new Map();
    for (const doc of YAML.parseAllDocuments(crdTexts().get(file)!)) {
        const crd = doc.toJS();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec.versions ?? []) {
            if (!v.served || !v.schema?.openAPIV3Schema) continue;
            const key = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
            const list = byKey.get(key) ?? [];
            list.push({ file: path.relative(CRD_DIR, file), schema: v.schema.openAPIV3Schema });
            byKey.set(key, list);
        }
    }
    parsed.set(file, byKey);
    return byKey;
}

/**
 * The schemas for one `group/version/Kind`: only files whose text names that kind and group can
 * define it (a CRD states both as plain YAML scalars), and only those are parsed. A file that
 * names them without defining them is parsed and contributes nothing, so the answer is the same
 * as parsing every file.
 */
const entries = new Map<string, Entry[]>();
function entriesOf(key: string): Entry[] {
    let found = entries.get(key);
    if (found) return found;
    const [group, , kind] = key.split("/");
    const kindLine = new RegExp(`^\\s*kind: ["']?${kind}["']?\\s*$`, "m");
    found = [];
    for (const [file, text] of crdTexts()) {
        if (text.includes(group) && kindLine.test(text)) found.push(...(schemasIn(file).get(key) ?? []));
    }
    entries.set(key, found);
    return found;
}

/** All apiVersion/kind pairs that have an upstream CRD here (parses every file). */
export function knownCustomResources(): string[] {
    const keys = new Set<string>();
    for (const file of crdTexts().keys()) for (const key of schemasIn(file).keys()) keys.add(key);
    return [...keys].sort();
}

/**
 * Errors of `obj` against every upstream CRD for its apiVersion and kind (empty = valid).
 * Throws when no upstream CRD defines that apiVersion/kind.
 */
export function validateCustomResource(obj: { apiVersion: string; kind: string; [k: string]: unknown }): string[] {
    const key = `${obj.apiVersion}/${obj.kind}`;
    const schemas = entriesOf(key);
    if (schemas.length === 0) throw new Error(`no upstream CRD for ${key} in ${CRD_DIR}`);
    const errors: string[] = [];
    for (const e of schemas) {
        e.validate ??= ajv.compile(e.schema);
        if (!e.validate(obj)) {
            for (const err of e.validate.errors ?? [])
                errors.push(`${e.file}: ${err.instancePath || "/"} ${err.message}${err.params ? " " + JSON.stringify(err.params) : ""}`);
        }
    }
    return errors;
}
