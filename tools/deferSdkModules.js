// `require("@pulumi/pulumi")` loads, through its index, things this program never uses there:
//   - for function serialization only (pulumi.runtime.serializeFunction / computeCodePaths: Lambda
//     callbacks, dynamic providers): the TypeScript compiler (one 8.9 MB file, ~0.39 s to compile
//     and run) and npm's Arborist with pacote, sigstore and the rest of npm's fetch stack (~0.26 s);
//   - the Automation API (`pulumi.automation`: execa, js-yaml, the CLI wrappers; ~37 ms), which the
//     program never uses and this project's own Automation library imports from
//     "@pulumi/pulumi/automation" itself.
// Together about four fifths of the SDK's load time, paid by the plan, `pulumi up` and every test
// process. install() makes those requires return a stand-in that loads the real module the first
// time it is used, so a program that does serialize a function, or reads `pulumi.automation`, still
// works and pays for it then.
//
// Only the requires named below, from the @pulumi/pulumi files that make them; every other
// require, of the same modules too, is untouched. Plain JavaScript: it runs before anything loads
// (tools/build.js for the plan and `pulumi up`, tools/register.js for the tests).
"use strict";
const Module = require("module");
const path = require("path");

/**
 * parent: the requiring file under node_modules; request: what it requires.
 * functions: exports its parent reads as soon as it loads (runtime/index.js copies
 * `computeCodePaths` onto its own exports): each is handed out as a function that loads the module
 * when called. esModule: the module is compiled from ES modules and its parent asks so at once
 * (`__importStar` reads `__esModule`): answered without loading it. Every other property access
 * loads the module at once.
 */
const DEFERRED = [
    { parent: "@pulumi/pulumi/typescript-shim.js", request: "typescript", functions: [] },
    { parent: "@pulumi/pulumi/runtime/index.js", request: "./closure/codePaths", functions: ["computeCodePaths"] },
    { parent: "@pulumi/pulumi/index.js", request: "./automation", functions: [], esModule: true },
];

function standIn(load, functions, esModule = false) {
    let real;
    const loaded = () => (real ??= load());
    /** What a read gets before the module is loaded: a forwarder per early-read function, and `__esModule`. */
    const early = new Map(
        functions.map((name) => [
            name,
            function (...args) {
                return loaded()[name].apply(this, args);
            },
        ]),
    );
    if (esModule) early.set("__esModule", true);
    return new Proxy(
        {},
        {
            get: (_, key) => (real === undefined && early.has(key) ? early.get(key) : loaded()[key]),
            has: (_, key) => key in loaded(),
            ownKeys: () => Reflect.ownKeys(loaded()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(loaded(), key);
                // A proxy may not report a property non-configurable that its (empty) target lacks.
                return d && { ...d, configurable: true };
            },
            set: (_, key, value) => Reflect.set(loaded(), key, value),
        },
    );
}

let installed = false;

function install() {
    if (installed) return;
    installed = true;
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        const from = parent?.filename;
        if (from) {
            for (const d of DEFERRED) {
                if (request !== d.request || !from.endsWith(path.join("node_modules", d.parent))) continue;
                return standIn(() => load.call(Module, request, parent, isMain), d.functions, d.esModule);
            }
        }
        return load.apply(this, arguments);
    };
}

module.exports = { install };
