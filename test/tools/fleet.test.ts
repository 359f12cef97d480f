// The fleet CLI: argument rules and exit codes, validate and plan offline, an operation against
// the stand-in pulumi with progress lines.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseCli, runCli, UsageError } from "../../tools/fleet";
import { previewSection } from "../../tools/prComment";
import { rawStackFleet, runWithModuleProbe } from "../harness";

const ROOT = path.resolve(__dirname, "..", "..");

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
        parseCli(argv),
        (l) => out.push(l),
        (l) => err.push(l),
    );
    return { code, out, err };
}

describe("fleet CLI", function () {
    this.timeout(60_000);

    it("reads its arguments with util.parseArgs and refuses bad ones", () => {
        assert.deepStrictEqual(parseCli(["preview", "--stack", "prod", "--cluster", "eks-apne1", "--json"]), {
            command: "preview",
            stack: "prod",
            cluster: "eks-apne1",
            json: true,
        });
        for (const [argv, message] of [
            [[], /a command is required/],
            [["deploy", "--stack", "prod"], /unknown command deploy/],
            [["plan"], /--stack NAME is required/],
            [["plan", "--stack", "prod", "--bogus"], /Unknown option '--bogus'/],
            [["plan", "--stack", "prod", "--cluster", "x"], /--cluster applies to preview, up and refresh, not plan/],
            [["plan", "extra", "--stack", "prod"], /unexpected argument extra/],
            // An unset CI variable: never the whole fleet, nor the default stack file.
            [["up", "--stack", "prod", "--cluster", ""], /--cluster needs a value, got an empty one/],
            [["up", "--stack", " ", "--cluster", "eks-apne1"], /--stack needs a value/],
            [["validate", "--stack", "prod", "--config", ""], /--config needs a value/],
        ] as const) {
            assert.throws(
                () => parseCli([...argv]),
                (e: unknown) => e instanceof UsageError && message.test((e as Error).message),
            );
        }
    });

    it("exits 2 on a usage error, before loading the SDKs", () => {
        // What `npm run fleet` runs: the esbuild bundle, through tools/build.js.
        const r = spawnSync(process.execPath, ["tools/build.js", "fleet", "deploy"], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 2);
        assert.match(r.stderr, /a command is required|unknown command deploy/);
        assert.match(r.stderr, /usage: npm run fleet -- <validate\|plan\|preview\|up\|refresh\|outputs>/);
    });

    it("validates a stack: 0 when valid, 1 with every violation (as JSON with --json)", async () => {
        assert.deepStrictEqual(await run(["validate", "--stack", "dev"]), { code: 0, out: ["stack dev: the fleet spec is valid (3 clusters)"], err: [] });
        const fleet = rawStackFleet("dev");
        fleet.hub = "nowhere";
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cli-")), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": fleet } }));
        const r = await run(["validate", "--stack", "dev", "--config", file, "--json"]);
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(JSON.parse(r.out[0]), { ok: false, violations: ["hub: nowhere is not the name of a cluster"] });
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
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
            const r = await run(["preview", "--stack", "dev", "--cluster", "eks-dev"]);
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
            const valid = await run(["validate", "--stack", "staging", "--config", file]);
            assert.strictEqual(valid.code, 0, valid.err.join("\n"));
            const r2 = await run(["preview", "--stack", "staging", "--config", file, "--cluster", "eks-staging"]);
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
    it("summarises a real preview's JSON events: changes, clusters, failures with the provider's message, the policy pack's results", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
        const file = path.join(dir, "preview.jsonl");
        const lines = [
            { kind: "failed", cluster: "eks-apne1", name: "eks-apne1-eks", message: "InvalidParameterException: unsupported\nversion" },
            {
                kind: "policy",
                cluster: "ack-sh",
                policy: "kubernetes-version-supported",
                enforcementLevel: "advisory",
                message: "ends soon",
                urn: "urn:pulumi:prod::p::t::ack-sh-cluster",
            },
            {
                kind: "policy",
                cluster: "eks-apne1",
                policy: "api-endpoint-not-public",
                enforcementLevel: "mandatory",
                message: "open | to all",
                urn: "urn:pulumi:prod::p::t::eks-apne1-eks",
            },
            {
                kind: "summary",
                changes: { same: 400, update: 2, create: 1 },
                durationSeconds: 9,
                clusters: { "eks-apne1": { started: 3, done: 2, failed: 1 }, "ack-sh": { started: 0, done: 0, failed: 0 } },
            },
        ];
        fs.writeFileSync(file, "> npm noise\n" + lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
        assert.strictEqual(
            previewSection(file, "prod"),
            [
                "### Real preview of stack `prod`",
                "",
                "**2** to update, **1** to create",
                "",
                "| cluster | resources | failed |",
                "|---|---|---|",
                "| eks-apne1 | 3 | 1 |",
                "",
                "> :x: [eks-apne1] eks-apne1-eks: InvalidParameterException: unsupported version",
                "",
                "#### Policy pack in the preview (2)",
                "",
                "| level | policy | cluster | resource | message |",
                "|---|---|---|---|---|",
                "| mandatory | `api-endpoint-not-public` | eks-apne1 | `eks-apne1-eks` | open \\| to all |",
                "| advisory | `kubernetes-version-supported` | ack-sh | `ack-sh-cluster` | ends soon |",
            ].join("\n"),
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs from its bundle as `npm run pr-comment` does (no TypeScript compiler loaded), and refuses bad arguments with usage", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
        const file = path.join(dir, "preview.jsonl");
        fs.writeFileSync(file, JSON.stringify({ kind: "summary", changes: { same: 3, create: 1 }, durationSeconds: 1, clusters: {} }) + "\n");
        try {
            const run = runWithModuleProbe([path.join(ROOT, "tools/build.js"), "prComment", "--stack", "dev", "--preview", file], ROOT);
            assert.strictEqual(run.status, 0, run.stderr);
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
