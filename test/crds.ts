// Validates rendered custom resources against upstream CRD schemas (spec.versions[].schema.openAPIV3Schema)
// with ajv. The CRDs the program renders objects for are vendored, byte for byte, in
// test/fixtures/crds (a subset of ../shared/crds; provenance and blob ids in its UPSTREAM.md), so a
// clone tests on its own, in CI and on GitHub alike. CEL rules (x-kubernetes-validations) are
// not JSON Schema and are not checked here; tests that depend on one assert it directly.
//
// What a test process would do again on every run is kept in .cache/crds/ (gitignored), keyed by
// content: each CRD file's schemas as JSON and each schema's validator as the module ajv's standalone
// code generation writes for it. A clean clone (CI) has no cache, so both are also made cheaply:
// the YAML is read by js-yaml (the tigera operator's Installation CRD in 80 ms against the `yaml`
// package's 429 ms; all 40 vendored files 0.3 s against 1.6 s, to identical JSON), and ajv compiles
// without its optimization pass (Installation's validator in 187 ms against 931 ms: the pass only
// shrinks the generated code, ajv's `code.optimize`; what a validator accepts is the same).
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import standaloneCode from "ajv/dist/standalone";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadAll } from "js-yaml";
import { writeAtomically } from "../tools/files";

export const CRD_DIR = process.env.HYBRID_FLEET_CRDS ?? path.resolve(__dirname, "fixtures", "crds");
const CACHE = path.resolve(__dirname, "..", ".cache", "crds");

interface Entry {
    file: string;
    schema: object;
    validate?: ValidateFunction;
}

/**
 * Upstream patterns are Go RE2; the one construct JS lacks here is the inline (?i) flag. Kept as
 * source: a cached validator module carries it as code (ajv's `code.regExp` contract).
 */
const GO_REGEXP = `function goRegExp(source, flags) {
    const insensitive = source.includes("(?i)");
    return new RegExp(source.replace(/\\(\\?i\\)/g, ""), insensitive && !flags.includes("i") ? flags + "i" : flags);
}`;
const goRegExp = Object.assign(new Function(`return ${GO_REGEXP}`)() as (source: string, flags: string) => RegExp, { code: `(${GO_REGEXP})` });

/** Kubernetes-specific formats used by the upstream schemas: accepted, not checked. */
const KUBERNETES_FORMATS = ["cidr", "idn-hostname", "int32", "int64", "byte", "double", "float", "quantity"];

const OPTIONS = { strict: false, allErrors: true, validateFormats: true, code: { optimize: false } } as const;

/** `source: true` keeps each validator's code, which is what the cache stores; `optimize` only to compare with ajv's default. */
export function newAjv(optimize: boolean = OPTIONS.code.optimize): Ajv {
    const ajv = new Ajv({ ...OPTIONS, code: { optimize, regExp: goRegExp as any, source: true } });
    addFormats(ajv);
    for (const f of KUBERNETES_FORMATS) ajv.addFormat(f, true);
    return ajv;
}
const ajv = newAjv();

/** `name@version` of an installed package: a cache entry made with another version is not this one's. */
function installed(pkg: string): string {
    return `${pkg}@${JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version}`;
}

/** Everything besides the schema that decides a validator's code: a change to any compiles anew. */
const COMPILER = ["ajv", "ajv-formats"].map(installed).concat(JSON.stringify(OPTIONS), GO_REGEXP, KUBERNETES_FORMATS.join()).join("\0");
/** What decides a CRD file's parsed schemas besides its text. */
const PARSER = installed("js-yaml");

const sha1 = (...parts: string[]) => parts.reduce((h, part) => h.update(part).update("\0"), createHash("sha1")).digest("hex");

/** Kept whole (another worker may read it meanwhile), or not at all. */
function keep(file: string, text: string): void {
    try {
        writeAtomically(file, text);
    } catch {
        // A cache that cannot be written (a read-only checkout) only costs the next run the work again.
    }
}

/** A kept module's export; what it requires (ajv's runtime, ajv-formats) resolves from this file, wherever the cache is. */
function loadModule(code: string): ValidateFunction {
    const module = { exports: {} as unknown };
    new Function("module", "exports", "require", code)(module, module.exports, require);
    if (typeof module.exports !== "function") throw new Error("not a validator module");
    return module.exports as ValidateFunction;
}

/**
 * The validator of one schema: from the cache when the module for this schema and compiler is
 * there, otherwise compiled and its standalone module kept in `cacheDir`.
 */
export function validatorFor(schema: object, cacheDir: string = CACHE): ValidateFunction {
    const file = path.join(cacheDir, `${sha1(COMPILER, JSON.stringify(schema))}.js`);
    try {
        return loadModule(fs.readFileSync(file, "utf8"));
    } catch {
        // Not kept yet, or unloadable (cut short by a full disk, say): compiled below and replaced.
    }
    const validate = ajv.compile(schema);
    keep(file, standaloneCode(ajv, validate));
    return validate;
}

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
    for (const [key, schema] of servedSchemas(crdTexts().get(file)!)) {
        const list = byKey.get(key) ?? [];
        list.push({ file: path.relative(CRD_DIR, file), schema });
        byKey.set(key, list);
    }
    parsed.set(file, byKey);
    return byKey;
}

/** `[group/version/Kind, schema]` of every served version in a CRD file's text, kept as JSON by the text's hash. */
function servedSchemas(text: string): [string, object][] {
    const file = path.join(CACHE, `schemas-${sha1(PARSER, text)}.json`);
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        // Not cached yet (or unreadable): parsed and kept below.
    }
    const schemas: [string, object][] = [];
    for (const crd of loadAll(text) as any[]) {
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec.versions ?? []) {
            if (v.served && v.schema?.openAPIV3Schema) schemas.push([`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, v.schema.openAPIV3Schema]);
        }
    }
    // What the next run reads back, also this time: a value JSON cannot hold (a YAML .inf) is the same null in both.
    const json = JSON.stringify(schemas);
    keep(file, json);
    return JSON.parse(json);
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

/** The upstream schemas for one apiVersion and kind (one per CRD file that defines it). */
export function crdSchemas(apiVersion: string, kind: string): object[] {
    return entriesOf(`${apiVersion}/${kind}`).map((e) => e.schema);
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
        e.validate ??= validatorFor(e.schema);
        if (!e.validate(obj)) {
            for (const err of e.validate.errors ?? [])
                errors.push(`${e.file}: ${err.instancePath || "/"} ${err.message}${err.params ? " " + JSON.stringify(err.params) : ""}`);
        }
    }
    return errors;
}
