// The Automation API library against a stand-in `pulumi` (test/fixtures/fake-pulumi), each CLI
// call a process as with the real CLI: the arguments each operation gives the CLI, the engine's
// events turned into per-cluster progress, the lock, destroy's guard on protected resources, typed
// outputs; and the stand-in itself. No real CLI can run here. test/automation/stack.test.ts plans
// offline in process.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { format, inspect } from "util";
import { EngineEvent, PulumiCommand } from "@pulumi/pulumi/automation";
import { FleetBusyError, FleetEvent, FleetOperationError, FleetSpecError, FleetStack, ProtectedResourcesError } from "../../automation";
import { loadStackSpec, rawStackFleet } from "../harness";

const FAKE_ROOT = path.join(__dirname, "..", "fixtures", "fake-pulumi");

/** An engine event log for `up` of eks-apne1: two resources done, one failing with the provider's message. */
function upEvents(stack: string): EngineEvent[] {
    const urn = (chain: string, name: string) => `urn:pulumi:${stack}::hybrid-fleet::${chain}::${name}`;
    const vpc = urn("hybrid:eks:Site$hybrid:eks:Vpc$aws:ec2/vpc:Vpc", "eks-apne1-vpc");
    const cluster = urn("hybrid:eks:Site$hybrid:eks:Cluster$aws:eks/cluster:Cluster", "eks-apne1-eks");
    const ns = urn("hybrid:idc:Site$hybrid:network:Tenants$kubernetes:core/v1:Namespace", "idc-sh-tenants-payments");
    const step = (u: string, type: string, op: "create" | "update" | "same") => ({ op, urn: u, type, provider: "" });
    let sequence = 0;
    const e = (body: Omit<EngineEvent, "sequence" | "timestamp">): EngineEvent => ({ sequence: sequence++, timestamp: 1764400000 + sequence, ...body });
    return [
        e({ preludeEvent: { config: {} } }),
        e({ resourcePreEvent: { metadata: step(urn("pulumi:pulumi:Stack", `hybrid-fleet-${stack}`), "pulumi:pulumi:Stack", "same") } }),
        e({ resourcePreEvent: { metadata: step(vpc, "aws:ec2/vpc:Vpc", "create") } }),
        e({ resOutputsEvent: { metadata: step(vpc, "aws:ec2/vpc:Vpc", "create") } }),
        e({ resourcePreEvent: { metadata: step(ns, "kubernetes:core/v1:Namespace", "same") } }),
        e({ resOutputsEvent: { metadata: step(ns, "kubernetes:core/v1:Namespace", "same") } }),
        e({ resourcePreEvent: { metadata: step(cluster, "aws:eks/cluster:Cluster", "update") } }),
        e({
            diagnosticEvent: {
                urn: cluster,
                message: "<{%fg 1%}>error: updating EKS Cluster (eks-apne1) version: InvalidParameterException: unsupported Kubernetes version<{%reset%}>\n",
                color: "raw",
                severity: "error",
            },
        }),
        e({ resOpFailedEvent: { metadata: step(cluster, "aws:eks/cluster:Cluster", "update"), status: 1, steps: 1 } }),
        e({ summaryEvent: { maybeCorrupt: false, durationSeconds: 42, resourceChanges: { create: 1, same: 1, update: 0 }, policyPacks: {} } }),
    ];
}

describe("automation library against a stand-in pulumi", function () {
    this.timeout(60_000);
    let dir: string;
    let pulumi: PulumiCommand;
    const record = () => path.join(dir, "record.jsonl");
    const calls = (): string[][] =>
        fs.existsSync(record())
            ? fs
                  .readFileSync(record(), "utf8")
                  .trim()
                  .split("\n")
                  .map((l) => JSON.parse(l).argv)
            : [];
    /** Every run of the stand-in so far, as it recorded it (argv, cwd, and stdin where it read one). */
    const recorded = (): { argv: string[]; cwd: string; stdin?: string }[] =>
        fs
            .readFileSync(record(), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
    const env = (extra: Record<string, string> = {}) => ({ FAKE_PULUMI_RECORD: record(), PULUMI_SKIP_UPDATE_CHECK: "true", ...extra });

    before(async () => {
        pulumi = await PulumiCommand.get({ root: FAKE_ROOT, skipVersionCheck: true });
    });
    // Every stack a test opens is closed after it (an inline stack's workspace directory goes).
    const opened: FleetStack[] = [];
    const open = async (options: Parameters<typeof FleetStack.open>[0]) => {
        const fleet = await FleetStack.open(options);
        opened.push(fleet);
        return fleet;
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    });
    afterEach(() => {
        for (const fleet of opened.splice(0)) fleet.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs an inline program for one cluster: its site targeted with dependents, progress per cluster, the provider's message on failure", async () => {
        const eventsFile = path.join(dir, "events.json");
        fs.writeFileSync(eventsFile, JSON.stringify(upEvents("prod")));
        const fleet = await open({
            stack: "prod",
            spec: loadStackSpec("prod"),
            pulumiCommand: pulumi,
            envVars: env({ FAKE_PULUMI_EVENTS: eventsFile }),
            config: { sshPrivateKey: { value: "not-a-real-key", secret: true } },
        });
        const events: FleetEvent[] = [];
        const result = await fleet.up({ cluster: "eks-apne1", onEvent: (e) => events.push(e) });

        const up = calls().find((a) => a[0] === "up")!;
        assert.ok(up, `no up call in ${JSON.stringify(calls())}`);
        const targets = up.flatMap((a, i) => (a === "--target" ? [up[i + 1]] : []));
        assert.deepStrictEqual(targets, ["urn:pulumi:prod::hybrid-fleet::hybrid:eks:Site::eks-apne1"]);
        assert.ok(up.includes("--target-dependents"));
        assert.ok(up.includes("auto.inline"), "an inline program");
        // The secret reached the CLI on stdin (it drops one trailing newline), never on a command line.
        const records = recorded();
        assert.deepStrictEqual(
            records.filter((r) => r.argv[0] === "config").map((r) => [r.argv, r.stdin]),
            [[["config", "set", "hybrid-fleet:sshPrivateKey", "--secret", "--stack", "prod", "--non-interactive"], "not-a-real-key\n"]],
        );
        assert.ok(!calls().some((argv) => argv.some((a) => a.includes("not-a-real-key"))), "a secret on a command line");

        assert.deepStrictEqual(
            events.filter((e) => e.kind !== "diagnostic" && e.kind !== "summary").map((e) => [e.kind, e.cluster, (e as { name: string }).name]),
            [
                ["started", "eks-apne1", "eks-apne1-vpc"],
                ["done", "eks-apne1", "eks-apne1-vpc"],
                ["started", "idc-sh", "idc-sh-tenants-payments"],
                ["done", "idc-sh", "idc-sh-tenants-payments"],
                ["started", "eks-apne1", "eks-apne1-eks"],
                ["failed", "eks-apne1", "eks-apne1-eks"],
            ],
        );
        const failed = events.find((e) => e.kind === "failed") as Extract<FleetEvent, { kind: "failed" }>;
        assert.strictEqual(failed.message, "error: updating EKS Cluster (eks-apne1) version: InvalidParameterException: unsupported Kubernetes version");
        assert.strictEqual(failed.op, "update");
        const summary = events.find((e) => e.kind === "summary") as Extract<FleetEvent, { kind: "summary" }>;
        assert.deepStrictEqual(summary.clusters["eks-apne1"], { started: 2, done: 1, failed: 1 });
        assert.deepStrictEqual(result.clusters["idc-sh"], { started: 1, done: 1, failed: 0 });
        assert.strictEqual(summary.durationSeconds, 42);
    });

    it("uses the project directory and its stack file without a spec, and refuses an unknown cluster", async () => {
        const fleet = await open({ stack: "dev", pulumiCommand: pulumi, envVars: env() });
        await fleet.preview();
        const preview = calls().find((a) => a[0] === "preview")!;
        assert.ok(preview.includes("auto.local") && !preview.includes("--target"), JSON.stringify(preview));
        const cwd = JSON.parse(fs.readFileSync(record(), "utf8").trim().split("\n").pop()!).cwd;
        assert.strictEqual(cwd, path.resolve(__dirname, "..", ".."));
        await assert.rejects(fleet.refresh({ cluster: "nope" }), /no cluster named nope in stack dev \(have: idc-dev, eks-dev, ack-dev\)/);
    });

    it("runs every CLI command against the backend it is given, for the project's own stack too", async () => {
        // A `pulumi` that logs the backend each run sees, then is the stand-in.
        const root = path.join(dir, "wrapped");
        fs.mkdirSync(path.join(root, "bin"), { recursive: true });
        fs.writeFileSync(
            path.join(root, "bin", "pulumi"),
            `#!/bin/bash\nprintf '%s %s %s\\n' "\${PULUMI_BACKEND_URL-none}" "$1" "\${2-}" >> ${JSON.stringify(path.join(dir, "backend.log"))}\nexec ${JSON.stringify(path.join(FAKE_ROOT, "bin", "pulumi"))} "$@"\n`,
            { mode: 0o755 },
        );
        const wrapped = await PulumiCommand.get({ root, skipVersionCheck: true });
        for (const spec of [undefined, loadStackSpec("dev")]) {
            fs.rmSync(path.join(dir, "backend.log"), { force: true });
            const fleet = await open({ stack: "dev", ...(spec ? { spec } : {}), backendUrl: "s3://acme-pulumi-state", pulumiCommand: wrapped, envVars: env() });
            await fleet.preview();
            const runs = fs.readFileSync(path.join(dir, "backend.log"), "utf8").trim().split("\n");
            assert.ok(
                runs.some((l) => l.startsWith("s3://acme-pulumi-state stack select")),
                runs.join("\n"),
            );
            assert.deepStrictEqual(
                runs.filter((l) => !l.startsWith("s3://acme-pulumi-state ")),
                [],
                `${spec ? "inline" : "project"}: a run against another backend`,
            );
        }
    });

    it("keeps an inline stack's settings in a directory of its own, removed on close; the project's directory stays", async () => {
        const inline = await open({ stack: "prod", spec: loadStackSpec("prod"), pulumiCommand: pulumi, envVars: env() });
        const workDir = inline.stack.workspace.workDir;
        assert.strictEqual(path.dirname(workDir), os.tmpdir());
        assert.match(path.basename(workDir), /^hybrid-fleet-stack-/);
        // The SDK writes the project's settings there, and the CLI runs there.
        assert.ok(fs.existsSync(path.join(workDir, "Pulumi.yaml")), "the project settings are in the workspace directory");
        await inline.preview();
        assert.strictEqual(JSON.parse(fs.readFileSync(record(), "utf8").trim().split("\n").pop()!).cwd, workDir);
        inline.close();
        assert.ok(!fs.existsSync(workDir), "close() removes the workspace directory");
        inline.close();

        const project = await open({ stack: "dev", pulumiCommand: pulumi, envVars: env() });
        assert.strictEqual(project.stack.workspace.workDir, path.resolve(__dirname, "..", ".."));
        project.close();
        assert.ok(fs.existsSync(path.join(project.stack.workspace.workDir, "Pulumi.yaml")), "the project directory is never removed");

        // A stack that cannot be selected or created leaves no directory behind.
        const workDirs = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith("hybrid-fleet-stack-"));
        const before = workDirs();
        await assert.rejects(
            FleetStack.open({
                stack: "prod",
                spec: loadStackSpec("prod"),
                pulumiCommand: pulumi,
                envVars: env({ FAKE_PULUMI_STACK_STDERR: "error: no backend" }),
            }),
            /no backend/,
        );
        assert.deepStrictEqual(workDirs(), before);
    });

    it("stops an invalid spec before the CLI runs an operation", async () => {
        const raw = rawStackFleet("prod");
        raw.hub = "nowhere";
        await assert.rejects(
            open({ stack: "prod", spec: { raw }, pulumiCommand: pulumi, envVars: env() }),
            (e: unknown) => e instanceof FleetSpecError && e.violations.includes("hub: nowhere is not the name of a cluster"),
        );
        assert.deepStrictEqual(calls(), []);
    });

    it("refuses a second operation on the stack: from this process at once, and when the engine's lock is held", async () => {
        const fleet = await open({ stack: "prod", spec: loadStackSpec("prod"), pulumiCommand: pulumi, envVars: env() });
        const first = fleet.preview();
        await assert.rejects(fleet.up(), (e: unknown) => e instanceof FleetBusyError && /preview is running from this process/.test((e as Error).message));
        await first;

        const locked = await open({
            stack: "prod",
            spec: loadStackSpec("prod"),
            pulumiCommand: pulumi,
            envVars: env({
                FAKE_PULUMI_STDERR:
                    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
            }),
        });
        await assert.rejects(locked.up(), (e: unknown) => e instanceof FleetBusyError && /holds the engine's lock/.test((e as Error).message));
        const failing = await open({
            stack: "prod",
            spec: loadStackSpec("prod"),
            pulumiCommand: pulumi,
            envVars: env({ FAKE_PULUMI_STDERR: "error: preview failed: boom" }),
        });
        await assert.rejects(
            failing.preview(),
            (e: unknown) => e instanceof FleetOperationError && /preview of stack prod failed:[\s\S]*boom/.test((e as Error).message),
        );
    });

    it("refuses destroy while protected resources exist, unless told to leave them", async () => {
        const state = path.join(dir, "state.json");
        const protectedUrn = "urn:pulumi:prod::hybrid-fleet::hybrid:eks:Site$hybrid:eks:Cluster$aws:eks/cluster:Cluster::eks-apne1-eks";
        fs.writeFileSync(
            state,
            JSON.stringify({
                version: 3,
                deployment: {
                    resources: [
                        { urn: protectedUrn, protect: true },
                        { urn: "urn:pulumi:prod::hybrid-fleet::hybrid:idc:Site::idc-sh", protect: false },
                    ],
                },
            }),
        );
        const fleet = await open({ stack: "prod", spec: loadStackSpec("prod"), pulumiCommand: pulumi, envVars: env({ FAKE_PULUMI_STATE: state }) });
        await assert.rejects(fleet.destroy(), (e: unknown) => e instanceof ProtectedResourcesError && e.urns.includes(protectedUrn));
        assert.ok(!calls().some((a) => a[0] === "destroy"), "destroy must not reach the CLI");
        // One IDC cluster holds nothing protected in this state: its destroy goes ahead.
        await fleet.destroy({ cluster: "idc-sh" });
        await fleet.destroy({ excludeProtected: true });
        const destroys = calls().filter((a) => a[0] === "destroy");
        assert.strictEqual(destroys.length, 2);
        assert.ok(destroys[1].includes("--exclude-protected"));
        // The program runs: providers get fresh credentials, not the expired ones in state.
        for (const d of destroys) assert.ok(d.includes("--run-program=true"), d.join(" "));
        await fleet.refresh({ cluster: "idc-sh" });
        const [refresh] = calls().filter((a) => a[0] === "refresh");
        assert.ok(refresh.includes("--run-program=true"), refresh.join(" "));
    });

    it("sets secret config through the CLI's stdin, plain config on set-all; a failure names the key, never the value", async () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        const config = { sshPrivateKey: { value: key, secret: true }, "aws:region": { value: "ap-northeast-1" } };
        const fleet = await open({ stack: "prod", spec: loadStackSpec("prod"), pulumiCommand: pulumi, envVars: env(), config });
        await fleet.preview();
        const records = recorded();
        assert.deepStrictEqual(
            records.filter((r) => r.argv[0] === "config").map((r) => [r.argv, r.stdin]),
            [
                [["config", "set-all", "--stack", "prod", "--plaintext", "aws:region=ap-northeast-1", "--non-interactive"], undefined],
                // The whole key, its own trailing newline kept: the CLI drops only the one added.
                [["config", "set", "hybrid-fleet:sshPrivateKey", "--secret", "--stack", "prod", "--non-interactive"], `${key}\n`],
            ],
        );
        const failing = await open({
            stack: "prod",
            spec: loadStackSpec("prod"),
            pulumiCommand: pulumi,
            envVars: env({ FAKE_PULUMI_CONFIG_STDERR: "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE" }),
            config,
        });
        await assert.rejects(failing.up(), (e: Error) => {
            assert.ok(e instanceof FleetOperationError, String(e));
            assert.match(
                e.message,
                /^up of stack prod failed:\npulumi config set hybrid-fleet:sshPrivateKey --secret: exit 255\nerror: passphrase must be set/,
            );
            assert.ok(!e.message.includes("b3BlbnNzaC1rZXktdjEAAAAA") && !e.stack!.includes("b3BlbnNzaC1rZXktdjEAAAAA"), e.message);
            return true;
        });
        assert.ok(!calls().some((argv) => argv.some((a) => a.includes("b3BlbnNzaC1rZXktdjEAAAAA"))), "a secret on a command line");
    });

    it("hands back typed outputs per cluster with the kubeconfig still a secret", async () => {
        const outputs = path.join(dir, "outputs.json");
        const cluster = { provider: "eks", region: "ap-northeast-1", apiServer: "https://x.eks.amazonaws.com" };
        fs.writeFileSync(
            outputs,
            JSON.stringify({
                masked: { environment: "prod", hub: "idc-sh", clusters: { "eks-apne1": { ...cluster, kubeconfig: "[secret]" } } },
                plain: { environment: "prod", hub: "idc-sh", clusters: { "eks-apne1": { ...cluster, kubeconfig: "apiVersion: v1\nusers: [token: s3cr3t]" } } },
            }),
        );
        const fleet = await open({
            stack: "prod",
            spec: loadStackSpec("prod"),
            pulumiCommand: pulumi,
            envVars: env({ FAKE_PULUMI_OUTPUTS: outputs }),
        });
        const out = await fleet.outputs();
        const eks = out.clusters["eks-apne1"];
        assert.strictEqual(eks.apiServer, cluster.apiServer);
        assert.ok(!JSON.stringify(out).includes("s3cr3t") && !`${eks.kubeconfig}`.includes("s3cr3t"));
        // Printed as loggers print objects (console.log, util.inspect, %o), nested too.
        for (const printed of [inspect(out, { depth: null, showHidden: true }), format("%o %O %j", out, eks, eks), inspect(eks.kubeconfig)])
            assert.ok(!printed.includes("s3cr3t"), printed);
        assert.match(eks.kubeconfig!.reveal(), /s3cr3t/);
    });
});

describe("the stand-in pulumi itself", () => {
    const bin = path.join(FAKE_ROOT, "bin", "pulumi");
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-self-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("records every argument exactly, from its bash fast path and from Node alike, and answers the same", () => {
        const record = path.join(dir, "record.jsonl");
        const cases: string[][] = [
            ["version"],
            ["stack", "select", "--stack", "a\"b\\c$(x)`y` 'z'", "--non-interactive"],
            ["config", "set-all", "--stack", "prod", "--secret", "hybrid-fleet:k=-----BEGIN-----\\n x"],
            // Outside printable ASCII: Node records these.
            ["stack", "select", "--stack", "é"],
            ["stack", "init", "--stack", "line\nbreak"],
            ["stack", "export", "--stack", "prod"],
            ["whoami"],
        ];
        const outputs = cases.map((argv) => {
            const run = spawnSync(bin, argv, { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, FAKE_PULUMI_RECORD: record } });
            assert.strictEqual(run.status, 0, run.stderr);
            return run.stdout;
        });
        const recorded = fs
            .readFileSync(record, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        assert.deepStrictEqual(
            recorded.map((r) => r.argv),
            cases,
        );
        assert.deepStrictEqual(new Set(recorded.map((r) => r.cwd)), new Set([fs.realpathSync(dir)]));
        assert.deepStrictEqual(outputs, ["v3.248.0\n", "", "", "", "", JSON.stringify({ version: 3, deployment: { resources: [] } }), "fake\n"]);
    });

    it("fails stack select and init with the given stderr, and hands other commands to Node", () => {
        const env = { PATH: process.env.PATH, FAKE_PULUMI_STACK_STDERR: "error: no backend", FAKE_PULUMI_OUTPUTS: path.join(dir, "outputs.json") };
        for (const sub of ["select", "init"]) {
            const run = spawnSync(bin, ["stack", sub, "--stack", "prod"], { cwd: dir, encoding: "utf8", env });
            assert.deepStrictEqual([run.status, run.stderr], [255, "error: no backend\n"]);
        }
        fs.writeFileSync(env.FAKE_PULUMI_OUTPUTS, JSON.stringify({ plain: { a: 1 }, masked: { a: "[secret]" } }));
        const outputs = spawnSync(bin, ["stack", "output", "--json", "--show-secrets"], { cwd: dir, encoding: "utf8", env });
        assert.deepStrictEqual([outputs.status, outputs.stdout], [0, '{"a":1}']);
    });
});
