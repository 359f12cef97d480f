// The benchmark's commands as processes: `npm run bench` refusing a bad figure with its usage line,
// and the bare SDK floor loading the SDKs as the program does (a probe lists what it loaded).
// test/tools/bench.test.ts and sdkFloor.test.ts check the argument rules and the replay in process.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { runWithModuleProbe } from "./processes";
import { ROOT } from "../../tools/stackFile";

describe("npm run bench: its command line", () => {
    it("exits 2 with the reason and the usage line, no stack trace", () => {
        const run = spawnSync(process.execPath, [path.join(ROOT, "tools/build.js"), "bench", "--sizes", "3,x"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(run.status, 2, run.stderr);
        assert.strictEqual(
            run.stderr,
            '--sizes is a comma-separated list of cluster counts from 1 to 100 (got "3,x")\nusage: npm run bench [-- --sizes 1,3,10,30,100] [--runs R] [--no-prod] [--keep DIR]\n',
        );
        assert.strictEqual(run.stdout, "");
    });
});

describe("benchmark SDK floor: --replay", function () {
    this.timeout(60_000);

    it("the bare floor loads the SDKs as the program does: aws and alicloud by namespace, not @pulumi/eks, which the program never loads", () => {
        const run = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "sdkFloor", "1"], process.cwd());
        assert.strictEqual(run.status, 0, run.stderr);
        const loaded = run.loaded.filter((m) => m.startsWith("@pulumi/"));
        const packages = new Set(loaded.map((m) => m.split("/").slice(0, 2).join("/")));
        assert.deepStrictEqual([...packages].sort(), [
            "@pulumi/alicloud",
            "@pulumi/aws",
            "@pulumi/command",
            "@pulumi/kubernetes",
            "@pulumi/pulumi",
            "@pulumi/random",
            "@pulumi/tls",
        ]);
        assert.ok(loaded.includes("@pulumi/aws/ec2/index.js") && loaded.includes("@pulumi/alicloud/cen/index.js"));
        assert.deepStrictEqual(
            loaded.filter((m) => m === "@pulumi/aws/index.js" || m === "@pulumi/alicloud/index.js"),
            [],
        );
    });
});
