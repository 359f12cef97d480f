// The fleet CLI and the pull-request comment as processes: `npm run fleet` refusing a bad command
// line before the SDKs load, a preview through the Automation API against the stand-in pulumi
// (test/fixtures/fake-pulumi) with its progress lines, and `npm run pr-comment` from its bundle.
// test/tools/fleet.test.ts checks the argument rules, validation and the comment's text in process.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { previewSection } from "../../tools/prComment";
import { rawStackFleet } from "../harness";
import { runFleetCli } from "../tools/fleetCli";
import { runWithModuleProbe } from "./processes";
import { ROOT } from "../../tools/stackFile";

describe("fleet CLI", function () {
    this.timeout(60_000);

    it("exits 2 on a usage error, before loading the SDKs", () => {
        // What `npm run fleet` runs: the esbuild bundle, through tools/build.js.
        const r = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "fleet", "deploy"], ROOT);
        assert.strictEqual(r.status, 2, r.stderr);
        assert.match(r.stderr, /a command is required|unknown command deploy/);
        assert.match(r.stderr, /usage: npm run fleet -- <validate\|plan\|preview\|up\|refresh\|outputs>/);
        assert.deepStrictEqual(
            r.loaded.filter((m) => m.startsWith("@pulumi/")),
            [],
            "an SDK module was loaded",
        );
    });

    it("previews one cluster through the CLI it is given, with a progress line per event in CI", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-fake-"));
        const events = [
            {
                sequence: 1,
                timestamp: 1,
                resourcePreEvent: {
                    metadata: {
                        op: "create",
                        urn: "urn:pulumi:dev::hybrid-fleet::hybrid:eks:Site$aws:ec2/vpc:Vpc::eks-dev-vpc",
                        type: "aws:ec2/vpc:Vpc",
                        provider: "",
                    },
                },
            },
            {
                sequence: 2,
                timestamp: 2,
                resOutputsEvent: {
                    metadata: {
                        op: "create",
                        urn: "urn:pulumi:dev::hybrid-fleet::hybrid:eks:Site$aws:ec2/vpc:Vpc::eks-dev-vpc",
                        type: "aws:ec2/vpc:Vpc",
                        provider: "",
                    },
                },
            },
            { sequence: 3, timestamp: 3, summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { create: 1 }, policyPacks: {} } },
        ];
        fs.writeFileSync(path.join(dir, "events.json"), JSON.stringify(events));
        const saved = { ...process.env };
        Object.assign(process.env, {
            FLEET_PULUMI_ROOT: path.join(__dirname, "..", "fixtures", "fake-pulumi"),
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            FAKE_PULUMI_EVENTS: path.join(dir, "events.json"),
            FAKE_PULUMI_RECORD: path.join(dir, "record.jsonl"),
        });
        try {
            const r = await runFleetCli(["preview", "--stack", "dev", "--cluster", "eks-dev"]);
            assert.strictEqual(r.code, 0, r.err.join("\n"));
            assert.deepStrictEqual(r.out, [
                "started [eks-dev] create aws:ec2/vpc:Vpc eks-dev-vpc",
                "done    [eks-dev] create aws:ec2/vpc:Vpc eks-dev-vpc",
                "summary: create 1 in 3 s",
                "  eks-dev                  1 done, 0 failed of 1",
            ]);
            const preview = fs
                .readFileSync(path.join(dir, "record.jsonl"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l).argv)
                .find((a: string[]) => a[0] === "preview");
            assert.ok(preview.includes("urn:pulumi:dev::hybrid-fleet::hybrid:eks:Site::eks-dev"), JSON.stringify(preview));
            assert.strictEqual(preview[preview.indexOf("--policy-pack") + 1], path.join(ROOT, "policy"));

            // A stack whose config file is given (there is no Pulumi.staging.yaml): that file is the one
            // validated, targeted and handed to the CLI, with a cluster only it names.
            const staging = rawStackFleet("dev");
            staging.clusters.find((c: { name: string }) => c.name === "eks-dev").name = "eks-staging";
            for (const link of staging.links ?? []) link.between = link.between.map((n: string) => (n === "eks-dev" ? "eks-staging" : n));
            const file = path.join(dir, "Pulumi.staging.yaml");
            fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": staging } }));
            const valid = await runFleetCli(["validate", "--stack", "staging", "--config", file]);
            assert.strictEqual(valid.code, 0, valid.err.join("\n"));
            const r2 = await runFleetCli(["preview", "--stack", "staging", "--config", file, "--cluster", "eks-staging"]);
            assert.strictEqual(r2.code, 0, r2.err.join("\n"));
            const preview2 = fs
                .readFileSync(path.join(dir, "record.jsonl"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l).argv)
                .filter((a: string[]) => a[0] === "preview")
                .pop();
            assert.strictEqual(preview2[preview2.indexOf("--config-file") + 1], file);
            assert.ok(preview2.includes("urn:pulumi:staging::hybrid-fleet::hybrid:eks:Site::eks-staging"), JSON.stringify(preview2));
        } finally {
            process.env = saved;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("pull-request comment", () => {
    it("runs from its bundle as `npm run pr-comment` does (no TypeScript compiler loaded), and refuses bad arguments with usage", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
        const file = path.join(dir, "preview.jsonl");
        fs.writeFileSync(file, JSON.stringify({ kind: "summary", changes: { same: 3, create: 1 }, durationSeconds: 1, clusters: {} }) + "\n");
        try {
            const run = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "prComment", "--stack", "dev", "--preview", file], ROOT);
            assert.strictEqual(run.status, 0, run.stderr);
            // The comment for this summary (the bundle prints what the source renders, which test/tools/fleet.test.ts checks in full).
            assert.strictEqual(run.stdout, "### Real preview of stack `dev`\n\n**1** to create\n\n| cluster | resources | failed |\n|---|---|---|\n");
            assert.strictEqual(run.stdout, previewSection(file, "dev") + "\n");
            assert.deepStrictEqual(
                run.loaded.filter((m) => m.startsWith("typescript/") || m.startsWith("ts-node/")),
                [],
            );
            for (const [argv, message] of [
                [["--preview", file], /^--stack NAME is required\nusage: npm run pr-comment/],
                [["--stack", "dev", "--bogus", "1"], /^Unknown option '--bogus'.*\nusage: npm run pr-comment/s],
            ] as const) {
                const bad = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "prComment", ...argv], ROOT);
                assert.strictEqual(bad.status, 2, bad.stderr);
                assert.match(bad.stderr, message);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
