// The mesh's checks that run a tool: a remote secret's kubeconfig as rendered, read by `kubectl`
// (`config view`, no cluster), and the Istio chart files vendored in test/fixtures/charts checked
// byte for byte against the upstream blob ids listed in its README (`git hash-object`). The
// renderers' process-free tests are test/components/mesh/render.test.ts.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { remoteKubeconfig, serverUrl } from "../../components/mesh/render";
import { requireTool } from "./idcTools";

const CHARTS = path.join(__dirname, "..", "fixtures", "charts");

describe("mesh renderers", () => {
    describe("remote secrets", () => {
        it("kubectl reads it", function () {
            const kubectl = requireTool("kubectl");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-kubeconfig-"));
            try {
                const file = path.join(dir, "config");
                fs.writeFileSync(file, remoteKubeconfig({ cluster: "ack-sh", server: serverUrl("10.30.0.5", 6443), caPem: "x", token: "tok" }));
                const out = execFileSync(kubectl, ["--kubeconfig", file, "config", "view", "-o", "jsonpath={.clusters[0].cluster.server}"], {
                    encoding: "utf8",
                });
                assert.strictEqual(out, "https://10.30.0.5:6443");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("vendored chart files are byte-for-byte the upstream blobs listed in the README", () => {
        const table = fs.readFileSync(path.join(CHARTS, "README.md"), "utf8");
        const rows = [...table.matchAll(/^\| `([^`]+)` \|.*\| ([0-9a-f]{8}) \|$/gm)];
        assert.ok(rows.length >= 9);
        for (const [, file, blob] of rows) {
            const id = execFileSync("git", ["hash-object", path.join(CHARTS, file)], { encoding: "utf8" }).trim();
            assert.ok(id.startsWith(blob), `${file}: ${id} is not upstream blob ${blob}`);
        }
    });
});
