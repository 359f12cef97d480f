// The fleet CLI in process: its argument rules and validation; the pull-request comment's text.
// test/integration/fleet-cli.test.ts runs both as processes, and an operation against the stand-in pulumi.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseCli, UsageError } from "../../tools/fleet";
import { evaluatePolicies } from "../../policy/offline";
import { diffInventories } from "../../tools/planDiff";
import { planComment, previewSection } from "../../tools/prComment";
import { stackFilePath } from "../../tools/stackFile";
import { rawStackFleet } from "../harness";
import { runFleetCli } from "./fleetCli";

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
            [["rotate-psk", "--stack", "prod"], /rotate-psk needs --tunnel NAME/],
            [["rotate-psk", "--stack", "prod", "--tunnel", ""], /--tunnel needs a value/],
            [["up", "--stack", "prod", "--tunnel", "x"], /--tunnel applies to rotate-psk, not up/],
        ] as const) {
            assert.throws(
                () => parseCli([...argv]),
                (e: unknown) => e instanceof UsageError && message.test((e as Error).message),
            );
        }
    });

    it("rotates a tunnel's PSK by name in the stack file given (--config), and says where", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cli-")), "Pulumi.dev.yaml");
        fs.copyFileSync(stackFilePath("dev"), file);
        assert.deepStrictEqual(await runFleetCli(["rotate-psk", "--stack", "dev", "--config", file, "--tunnel", "ack-dev-idc-dev-c1t2"]), {
            code: 0,
            out: ["ack-dev-idc-dev-c1t2: PSK rotation 0 -> 1 (links[1].pskRotations[1] in Pulumi.dev.yaml); the next `pulumi up` gives both ends a new key"],
            err: [],
        });
        const json = await runFleetCli(["rotate-psk", "--stack", "dev", "--config", file, "--tunnel", "ack-dev-idc-dev-c1t2", "--json"]);
        assert.deepStrictEqual(JSON.parse(json.out[0]), {
            ok: true,
            tunnel: "ack-dev-idc-dev-c1t2",
            path: ["links", 1, "pskRotations", 1],
            from: 1,
            to: 2,
            file,
        });
        const unknown = await runFleetCli(["rotate-psk", "--stack", "dev", "--config", file, "--tunnel", "nope"]);
        assert.strictEqual(unknown.code, 1);
        assert.match(unknown.err[0], /^rotate-psk failed: no tunnel "nope" in this fleet; its tunnels: ack-dev-idc-dev-c1t1, /);
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it("validates a stack: 0 when valid, 1 with every violation (as JSON with --json)", async () => {
        assert.deepStrictEqual(await runFleetCli(["validate", "--stack", "dev"]), {
            code: 0,
            out: ["stack dev: the fleet spec is valid (3 clusters)"],
            err: [],
        });
        const fleet = rawStackFleet("dev");
        fleet.hub = "nowhere";
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cli-")), "Pulumi.dev.yaml");
        fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": fleet } }));
        const r = await runFleetCli(["validate", "--stack", "dev", "--config", file, "--json"]);
        assert.strictEqual(r.code, 1);
        assert.deepStrictEqual(JSON.parse(r.out[0]), { ok: false, violations: ["hub: nowhere is not the name of a cluster"] });
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });
});

describe("pull-request comment", () => {
    it("summarises a real preview's JSON events: changes, clusters, failures with the provider's message, the policy pack's results", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-"));
        const file = path.join(dir, "preview.jsonl");
        const lines = [
            { kind: "failed", cluster: "eks-apne1", name: "eks-apne1-eks", message: "InvalidParameterException: unsupported\nversion" },
            // An engine error outside any resource's failure counts; a warning does not.
            { kind: "diagnostic", severity: "error", cluster: "ack-sh", urn: "urn:pulumi:prod::p::t::ack-sh-vpc", message: "QuotaExceeded" },
            { kind: "diagnostic", severity: "warning", cluster: "ack-sh", urn: "urn:pulumi:prod::p::t::ack-sh-vpc", message: "deprecated field" },
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
                "> :x: [ack-sh] ack-sh-vpc: QuotaExceeded",
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
});

describe("the pull-request comment of an offline plan", () => {
    // A KMS key as the program declares one (rotating): protected, it violates nothing; unprotected, a mandatory policy.
    const entry = (type: string, name: string, protect: boolean) => ({
        urn: `urn:pulumi:s::hybrid-fleet::${type}::${name}`,
        type,
        name,
        cluster: "c",
        parent: null,
        provider: null,
        custom: true,
        protect,
        retainOnDelete: false,
        dependencies: [],
        inputs: { enableKeyRotation: true },
    });
    const planOf = (protect: boolean) => {
        const inventory = { project: "hybrid-fleet", stack: "s", resources: [entry("aws:kms/key:Key", "etcd-key", protect)] };
        return { inventory, policies: evaluatePolicies(inventory) };
    };

    it("fails (exit 1) on a mandatory policy violation, after printing the report that names it", () => {
        const { text, code } = planComment(planOf(false), "s");
        assert.strictEqual(code, 1);
        assert.match(text, /^1 resources \(the base commit had no valid plan to diff against\)\.$/m);
        assert.match(text, /aws:kms\/key:Key holds data or trust and must be protected \(protect: true\)/);
    });

    it("passes (exit 0) without one, and shows the diff when there is a base", () => {
        const plan = planOf(true);
        const { text, code } = planComment({ ...plan, diff: diffInventories({ ...plan.inventory, resources: [] }, plan.inventory) }, "s");
        assert.strictEqual(code, 0);
        assert.match(text, /\*\*1 to add, 0 to change, 0 to remove\*\*/);
    });
});
