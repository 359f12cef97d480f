// The offline plan as a user runs it, `npm run plan -- ARGS` in a process of its own (the esbuild
// bundle through tools/build.js, with a probe listing the modules it loaded): usage and spec errors
// before the SDK loads, determinism across processes, the directories it refuses, source-mapped
// stacks on request; and the host-key file against ssh-keygen. test/tools/plan.test.ts checks the
// plan's files and diff in process.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs, UsageError } from "../../tools/plan";
import { diffInventories, InventoryFile, renderDiff } from "../../tools/planDiff";
import { ROOT } from "../../tools/stackFile";
import { plannedInventory, rawStackFleet } from "../harness";
import { listFiles, PlanScratch } from "../tools/planScratch";
import { runWithModuleProbe } from "./processes";

const scratch = new PlanScratch();

/**
 * What a plan never uses and must not load: what the SDK's index loads for function serialization and
 * the Automation API (tools/deferSdkModules.js), and the indexes of the SDKs the program imports by
 * namespace (components/core/sdk). Paths below node_modules.
 */
const NEVER_USED = ["typescript/", "@npmcli/arborist/", "@pulumi/pulumi/automation/", "@pulumi/aws/index.js", "@pulumi/alicloud/index.js"];

/** `npm run plan -- ARGS` without npm: the esbuild bundle, rebuilt first if a source changed (tools/build.js); and what it loaded. */
function runPlanCli(args: string[]) {
    const run = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "plan", ...args], ROOT);
    return {
        ...run,
        sdkLoaded: run.loaded.some((m) => m.startsWith("@pulumi/")),
        unusedLoaded: NEVER_USED.filter((prefix) => run.loaded.some((m) => m.startsWith(prefix))).join(","),
    };
}

describe("offline plan", () => {
    let prodDir: string;
    let prod: InventoryFile;

    before(async () => ({ dir: prodDir, inventory: prod } = await plannedInventory("prod")));
    after(() => scratch.clear());

    it("writes the SSH host key every connection pins, per host, with the fingerprint ssh-keygen -l computes", () => {
        const idc = rawStackFleet("prod").clusters.find((c: any) => c.provider === "idc");
        const hosts = [...idc.controlPlane.hosts, ...idc.etcd.hosts, ...idc.workers, ...(idc.gateway?.hosts ?? [])];
        const dir = scratch.dir("keys");
        const expected = hosts
            .map((h: any) => {
                const file = path.join(dir, `${h.name}.pub`);
                fs.writeFileSync(file, `${h.sshHostKey}\n`);
                const run = spawnSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
                assert.strictEqual(run.status, 0, run.stderr);
                return `${h.name} ${run.stdout.split(" ")[1]}`;
            })
            .sort();
        assert.deepStrictEqual(fs.readFileSync(path.join(prodDir, "ssh-host-keys.txt"), "utf8").trim().split("\n"), expected);
    });

    it("refuses an invalid spec: every violation, exit 1, no stack trace, nothing written", () => {
        const fleet = rawStackFleet("prod");
        fleet.clusters[2].network.podCidr = "10.64.0.0/16";
        fleet.clusters[0].etcd.hosts.pop();
        const out = scratch.dir("invalid");
        // A stack name SLS would refuse in the ACK site's project names is the spec's violation too.
        const run = runPlanCli(["--stack", "Invalid", "--config", scratch.stackFile(fleet), "--out", out]);
        assert.strictEqual(run.status, 1, run.stderr);
        assert.match(run.stderr, /clusters\[2\]\.name: in stack "Invalid" names the SLS project "ack-sh-Invalid-k8s-logs", which SLS refuses/);
        assert.match(run.stderr, /clusters\[2\]\.network\.podCidr: 10\.64\.0\.0\/16 overlaps clusters\[0\]\.network\.podCidr 10\.64\.0\.0\/16/);
        assert.match(run.stderr, /clusters\[0\]\.etcd\.hosts: etcd members must be odd and 3 to 7 in prod \(got 2\)/);
        assert.doesNotMatch(run.stderr + run.stdout, /\n\s+at /, "no stack trace");
        assert.deepStrictEqual(listFiles(out), [], "no inventory, manifests or files");
        assert.strictEqual(run.sdkLoaded, false, "the spec is refused before the Pulumi SDK loads");
    });

    it("rejects unknown arguments with usage", () => {
        const run = runPlanCli(["--stack", "prod", "--bogus", "1"]);
        assert.strictEqual(run.status, 2);
        assert.match(run.stderr, /usage: npm run plan -- --stack NAME/);
        assert.match(run.stderr, /Unknown option '--bogus'/);
        assert.strictEqual(run.sdkLoaded, false, "arguments are checked before the Pulumi SDK loads");
        // The other malformed command lines fail in the same parser, before anything else (the spawn above shows its exit code and usage).
        for (const args of [["--out", "x"], ["--stack"], ["--stack", "prod", "extra"]]) {
            assert.throws(() => parseArgs(args), UsageError, args.join(" "));
        }
    });

    it("is deterministic: planning the same commit again, in another process and into its own directory, diffs to no change", async function () {
        // Two whole plans, one in a child process allowed 60 s: more than mocha's default 30 s on a busy machine.
        this.timeout(150_000);
        const out = scratch.dir("again");
        const run = runPlanCli(["--stack", "prod", "--out", out, "--diff", path.join(prodDir, "inventory.json")]);
        assert.strictEqual(run.status, 0, run.stderr);
        assert.strictEqual(run.sdkLoaded, true, "the probe does see the SDK once a plan runs");
        // What the plan never uses stays unloaded through a whole plan.
        assert.strictEqual(run.unusedLoaded, "", "the plan loaded what it never uses");
        const again: InventoryFile = JSON.parse(fs.readFileSync(path.join(out, "inventory.json"), "utf8"));
        assert.deepStrictEqual(again, prod, "same inventory, generated keys included");
        assert.ok(run.stdout.includes("**0 to add, 0 to change, 0 to remove**"), run.stdout);
        // A real difference still shows, with the same diff the plan prints (tools/plan.ts --diff).
        const shrunk = { ...prod, resources: prod.resources.slice(3) };
        assert.ok(renderDiff(diffInventories(shrunk, again), "prod").includes("**3 to add, 0 to change, 0 to remove**"));
    });

    it("never clears a directory that holds no plan", () => {
        const dir = scratch.dir("foreign");
        fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
        const run = runPlanCli(["--stack", "prod", "--out", dir]);
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /holds no plan \(inventory\.json\); refusing to write into it/);
        assert.deepStrictEqual(fs.readdirSync(dir), ["precious.txt"]);
    });

    it("with FLEET_MOCK_STACKS=1 a failure's stack points into the TypeScript sources (the bundles' source maps)", () => {
        const dir = scratch.dir("foreign-mapped");
        fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
        const script = `
            const { load } = require(${JSON.stringify(path.join(ROOT, "tools/build.js"))});
            load("plan").plan({ stack: "prod", out: ${JSON.stringify(dir)} }).then(
                () => process.exit(3),
                (e) => process.stdout.write(e.stack),
            );
        `;
        const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, FLEET_MOCK_STACKS: "1" } });
        assert.strictEqual(run.status, 0, run.stderr);
        const source = fs.readFileSync(path.join(ROOT, "tools/plan.ts"), "utf8").split("\n");
        const line = source.findIndex((l) => l.includes("is not empty and holds no plan")) + 1;
        assert.ok(line > 0);
        assert.match(run.stdout.split("\n")[1], new RegExp(`at clearPlanDir \\(${path.join(ROOT, "tools/plan.ts").replace(/[/.]/g, "\\$&")}:${line}:\\d+\\)$`));
    });
});
