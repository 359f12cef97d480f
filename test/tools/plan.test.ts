// The offline plan end to end: what it writes for the checked-in stacks, how it refuses an
// invalid spec, and the markdown diff a pull request gets.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseArgs, plan, UsageError } from "../../tools/plan";
import { diffInventories, InventoryFile, renderDiff } from "../../tools/planDiff";
import { ROOT } from "../../tools/stackFile";
import { directConnectLink, oneSiteFleet, plannedStack, rawStackFleet, runWithModuleProbe } from "../harness";

const made: string[] = [];
const tmp = (label: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${label}-`));
    made.push(dir);
    return dir;
};

function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? listFiles(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

function writeStack(fleet: unknown): string {
    const file = path.join(tmp("config"), "Pulumi.test.yaml");
    fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": fleet } }));
    return file;
}

/** Runs `fn` with console.log captured: its result and the lines it printed. */
const captured = async <T>(fn: () => Promise<T>): Promise<{ result: T; printed: string }> => {
    const log = console.log;
    const lines: string[] = [];
    console.log = (line: unknown) => lines.push(String(line));
    try {
        return { result: await fn(), printed: lines.join("\n") };
    } finally {
        console.log = log;
    }
};

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

    before(async () => {
        prodDir = await plannedStack("prod");
        prod = JSON.parse(fs.readFileSync(path.join(prodDir, "inventory.json"), "utf8"));
    });

    after(() => {
        for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes an inventory of every resource, each assigned to its cluster", () => {
        assert.strictEqual(prod.stack, "prod");
        const clusters = new Set(prod.resources.map((r) => r.cluster));
        for (const name of ["idc-sh", "eks-apne1", "ack-sh"]) assert.ok(clusters.has(name), `no resources for ${name}`);
        for (const r of prod.resources) {
            assert.match(r.urn, /^urn:pulumi:prod::hybrid-fleet::/);
            assert.ok(r.type && r.name && typeof r.inputs === "object");
        }
        const urns = prod.resources.map((r) => r.urn);
        assert.deepStrictEqual(urns, [...urns].sort(), "inventory is sorted by URN for stable diffs");
    });

    it("writes the SSH host key every connection pins, per host, with the fingerprint ssh-keygen -l computes", () => {
        const idc = rawStackFleet("prod").clusters.find((c: any) => c.provider === "idc");
        const hosts = [...idc.controlPlane.hosts, ...idc.etcd.hosts, ...idc.workers, ...(idc.gateway?.hosts ?? [])];
        const dir = tmp("keys");
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

    it("writes every IDC host's files under files/<host>/<remote path>, one folder per spec host", () => {
        const idc = rawStackFleet("prod").clusters.find((c: any) => c.provider === "idc");
        const specHosts = [...idc.controlPlane.hosts, ...idc.etcd.hosts, ...idc.workers, ...(idc.gateway?.hosts ?? [])].map((h: any) => h.name).sort();
        assert.deepStrictEqual(fs.readdirSync(path.join(prodDir, "files")).sort(), specHosts);
        const copies = prod.resources.filter((r) => r.type === "command:remote:CopyToRemote").length;
        assert.strictEqual(listFiles(path.join(prodDir, "files")).length, copies, "one file per CopyToRemote");
        for (const [host, file] of [
            ["cp-1", "etc/haproxy/haproxy.cfg"],
            ["cp-2", "etc/keepalived/keepalived.conf"],
            ["etcd-1", "etc/etcd/etcd.conf.yml"],
        ]) {
            assert.ok(fs.existsSync(path.join(prodDir, "files", host, file)), `${host}: /${file}`);
        }
    });

    it("never writes a secret: placeholders and keys stay [secret]", () => {
        const leaks = listFiles(prodDir).filter((f) => {
            const text = fs.readFileSync(f, "utf8");
            return text.includes("[offline placeholder") || text.includes("PRIVATE KEY-----");
        });
        assert.deepStrictEqual(leaks, []);
    });

    it("refuses an invalid spec: every violation, exit 1, no stack trace, nothing written", () => {
        const fleet = rawStackFleet("prod");
        fleet.clusters[2].network.podCidr = "10.64.0.0/16";
        fleet.clusters[0].etcd.hosts.pop();
        const out = tmp("invalid");
        const run = runPlanCli(["--stack", "invalid", "--config", writeStack(fleet), "--out", out]);
        assert.strictEqual(run.status, 1, run.stderr);
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

    it("diffs against an older inventory: removed cluster and changed inputs", async () => {
        const fleet = rawStackFleet("prod");
        fleet.clusters = fleet.clusters.filter((c: any) => c.name !== "ack-sh");
        fleet.links = fleet.links.filter((l: any) => !l.between.includes("ack-sh"));
        // ack-sh anchored the CEN edge in Tokyo: with it gone, idc-sh <-> eks-apne1 has no mainland
        // anchor (IPsec on cen without an edge is refused), so the operator orders a licensed line instead.
        fleet.cenEdges = [];
        fleet.links = fleet.links.map((l: any) => (l.between.includes("eks-apne1") ? directConnectLink() : l));
        // The federation's example policies name ack-sh: without them, ack-sh leaves with its membership.
        fleet.federation.policies = [];
        fleet.federation.overrides = [];
        const out = tmp("changed");
        const { result, printed: markdown } = await captured(() =>
            plan({ stack: "prod", config: writeStack(fleet), out, diff: path.join(prodDir, "inventory.json") }),
        );
        assert.strictEqual(result, 0);
        const after: InventoryFile = JSON.parse(fs.readFileSync(path.join(out, "inventory.json"), "utf8"));
        const diff = diffInventories(prod, after);
        // ack-sh goes, and with it eks-apne1's end of their link (its VPN, the routes to ack-sh's blocks
        // and the security-group rules letting them in), the other mesh members' remote secrets for it,
        // and its Karmada objects and policies.
        const linkEnd = (r: { cluster: string | null; name: string }) =>
            r.cluster === "eks-apne1" && (r.name.startsWith("eks-apne1-link-ack-sh") || /^eks-apne1-links-(rt\d|ingress-443)-10-(30|66)-0-0-16$/.test(r.name));
        const watchesAck = (r: { cluster: string | null; name: string }) => r.cluster !== "ack-sh" && r.name.endsWith("-mesh-remote-ack-sh");
        const karmadaOfAck = (r: { cluster: string | null; name: string }) =>
            r.cluster === "karmada" && (r.name.startsWith("karmada-ack-sh-") || /^karmada-(policy|override|namespace)-/.test(r.name));
        // idc-sh's gateway hosts stay, managed with no tunnel (the Direct Connect line ends on the data centre's router).
        const gone = (r: { cluster: string | null; name: string }) => r.cluster === "ack-sh" || linkEnd(r) || watchesAck(r) || karmadaOfAck(r);
        assert.strictEqual(prod.resources.filter(watchesAck).length, 2);
        assert.strictEqual(diff.removed.length, prod.resources.filter(gone).length);
        assert.ok(diff.removed.every(gone));
        // Added: only the Direct Connect side of idc-sh's line on eks-apne1.
        assert.ok(diff.added.length > 0);
        assert.ok(
            diff.added.every((r) => r.cluster === "eks-apne1" && r.name.startsWith("eks-apne1-dx-idc-sh")),
            diff.added.map((r) => r.name).join(", "),
        );
        assert.ok(markdown.includes(`**${diff.added.length} to add, ${diff.changed.length} to change, ${diff.removed.length} to remove**`), markdown);
    });

    it("is deterministic: planning the same commit again, in another process and into its own directory, diffs to no change", async function () {
        // Two whole plans, one in a child process allowed 60 s: more than mocha's default 30 s on a busy machine.
        this.timeout(150_000);
        const out = tmp("again");
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
        const dir = tmp("foreign");
        fs.writeFileSync(path.join(dir, "precious.txt"), "keep me");
        const run = runPlanCli(["--stack", "prod", "--out", dir]);
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /holds no plan \(inventory\.json\); refusing to write into it/);
        assert.deepStrictEqual(fs.readdirSync(dir), ["precious.txt"]);
    });

    it("plans again into a directory an interrupted plan left with only its own files, and clears all of them", async () => {
        const dir = tmp("interrupted");
        fs.writeFileSync(path.join(dir, "ssh-host-keys.txt"), "stale-host SHA256:stale\n");
        fs.mkdirSync(path.join(dir, "manifests", "gone-cluster"), { recursive: true });
        fs.writeFileSync(path.join(dir, "manifests", "gone-cluster", "x.yaml"), "stale: true\n");
        const { result } = await captured(() => plan({ stack: "dev", config: writeStack(oneSiteFleet("dev", "ack-dev")), out: dir }));
        assert.strictEqual(result, 0);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["inventory.json", "manifests", "ssh-host-keys.txt"]);
        assert.ok(!fs.existsSync(path.join(dir, "manifests", "gone-cluster")), "the stale manifests go");
        assert.ok(!fs.readFileSync(path.join(dir, "ssh-host-keys.txt"), "utf8").includes("stale-host"));
    });

    it("with FLEET_MOCK_STACKS=1 a failure's stack points into the TypeScript sources (the bundles' source maps)", () => {
        const dir = tmp("foreign-mapped");
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

    it("names the changed input keys and options of a resource", () => {
        const base = { cluster: "c", parent: null, provider: null, custom: true, protect: false, retainOnDelete: false, dependencies: [] };
        const before: InventoryFile = {
            project: "hybrid-fleet",
            stack: "s",
            resources: [
                { ...base, urn: "u:a", type: "t:a", name: "a", inputs: { size: 1, tags: { x: "1" }, gone: true } },
                { ...base, urn: "u:b", type: "t:b", name: "b", inputs: {} },
            ],
        };
        const after: InventoryFile = {
            ...before,
            resources: [
                { ...base, urn: "u:a", type: "t:a", name: "a", protect: true, options: { ignoreChanges: ["tags"] }, inputs: { size: 2, tags: { x: "1" } } },
                { ...base, urn: "u:c", type: "t:c", name: "c", inputs: {} },
            ],
        };
        const diff = diffInventories(before, after);
        assert.deepStrictEqual(
            diff.changed.map((c) => [c.entry.name, c.inputs, c.options]),
            [["a", ["gone", "size"], ["protect", "ignoreChanges"]]],
        );
        const md = renderDiff(diff, "s");
        assert.ok(md.includes("**1 to add, 1 to change, 1 to remove**"));
        assert.ok(md.includes("| `t:a` | `a` | c | `gone`, `size` | `protect`, `ignoreChanges` |"), md);
        // An option taken away shows too, and so does one only changed.
        const secretKept = {
            ...after,
            resources: [{ ...after.resources[0], options: { ignoreChanges: ["tags"], additionalSecretOutputs: ["stdout"] } }, after.resources[1]],
        };
        const dropped = diffInventories(secretKept, after);
        assert.deepStrictEqual(
            dropped.changed.map((c) => c.options),
            [["additionalSecretOutputs"]],
        );
        const timeouts = { ...after, resources: [{ ...after.resources[0], options: { ignoreChanges: ["tags", "size"] } }, after.resources[1]] };
        assert.deepStrictEqual(
            diffInventories(after, timeouts).changed.map((c) => c.options),
            [["ignoreChanges"]],
        );
    });
});
