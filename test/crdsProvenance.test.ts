// The vendored CRDs are the upstream files, unmodified: each one's git blob id starts with the id
// UPSTREAM.md records for it (the table copied from ../shared/crds/README.md).
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CRD_DIR } from "./crds";

const gitBlobId = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");

function vendored(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
        const full = path.join(dir, d.name);
        return d.isDirectory() ? vendored(full) : d.name.endsWith(".yaml") ? [path.relative(CRD_DIR, full)] : [];
    });
}

describe("vendored upstream CRDs", () => {
    it("are byte-for-byte the upstream files listed in UPSTREAM.md", () => {
        const table = fs.readFileSync(path.join(CRD_DIR, "UPSTREAM.md"), "utf8");
        const blobs = new Map<string, string>();
        for (const m of table.matchAll(/^\| `([^`]+\.yaml)` \|.*\| ([0-9a-f]{8}) \|$/gm)) blobs.set(m[1], m[2]);
        const files = vendored(CRD_DIR);
        assert.ok(files.length >= 10, `only ${files.length} CRD files`);
        for (const file of files) {
            const expected = blobs.get(file);
            assert.ok(expected, `${file} is not listed in UPSTREAM.md`);
            assert.ok(gitBlobId(fs.readFileSync(path.join(CRD_DIR, file))).startsWith(expected), `${file} differs from upstream blob ${expected}`);
        }
    });
});
