// The offline plan in process: what it writes for the checked-in stacks, the directories it clears,
// and the markdown diff a pull request gets. test/integration/plan-cli.test.ts runs it as a user
// does, in a process of its own.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { hostKeyFingerprint } from "../../components/idc/hostKey";
import { Inventory, RegisteredResource, SecretValue } from "../../tools/mockEngine";
import { manifestOf, pinnedHostKeys, plan } from "../../tools/plan";
import { diffInventories, InventoryEntry, InventoryFile, renderDiff } from "../../tools/planDiff";
import { directConnectLink, newSshHostKey, oneSiteFleet, plannedInventory, rawStackFleet } from "../harness";
import { listFiles, PlanScratch } from "./planScratch";

const scratch = new PlanScratch();

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

describe("offline plan", () => {
    let prodDir: string;
    let prod: InventoryFile;

    before(async () => ({ dir: prodDir, inventory: prod } = await plannedInventory("prod")));
    after(() => scratch.clear());

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
        const out = scratch.dir("changed");
        const { result, printed: markdown } = await captured(() =>
            plan({ stack: "prod", config: scratch.stackFile(fleet), out, diff: path.join(prodDir, "inventory.json") }),
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

    it("plans again into a directory an interrupted plan left with only its own files, and clears all of them", async () => {
        const dir = scratch.dir("interrupted");
        fs.writeFileSync(path.join(dir, "ssh-host-keys.txt"), "stale-host SHA256:stale\n");
        fs.mkdirSync(path.join(dir, "manifests", "gone-cluster"), { recursive: true });
        fs.writeFileSync(path.join(dir, "manifests", "gone-cluster", "x.yaml"), "stale: true\n");
        const { result } = await captured(() => plan({ stack: "dev", config: scratch.stackFile(oneSiteFleet("dev", "ack-dev")), out: dir }));
        assert.strictEqual(result, 0);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["inventory.json", "manifests", "ssh-host-keys.txt"]);
        assert.ok(!fs.existsSync(path.join(dir, "manifests", "gone-cluster")), "the stale manifests go");
        assert.ok(!fs.readFileSync(path.join(dir, "ssh-host-keys.txt"), "utf8").includes("stale-host"));
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

    it("compares retainOnDelete, parent, provider and dependencies; not the dependencies' order or a provider's id", () => {
        const was = {
            cluster: "c",
            custom: true,
            protect: false,
            retainOnDelete: false,
            urn: "u:a",
            type: "t:a",
            name: "a",
            inputs: {},
            parent: "u:c1",
            provider: "u:p1::id-1",
            dependencies: ["u:d1", "u:d2"],
        };
        const inventory = (...resources: InventoryFile["resources"]): InventoryFile => ({ project: "hybrid-fleet", stack: "s", resources });
        const cases: [string, Partial<InventoryEntry>, string[]][] = [
            ["retainOnDelete", { retainOnDelete: true }, ["retainOnDelete"]],
            ["parent", { parent: "u:c2" }, ["parent"]],
            ["provider", { provider: "u:p2::id-1" }, ["provider"]],
            ["dependencies", { dependencies: ["u:d1"] }, ["dependencies"]],
            ["the dependencies reordered", { dependencies: ["u:d2", "u:d1"] }, []],
            ["the provider's id (the mock engine's, derived from its name)", { provider: "u:p1::id-2" }, []],
        ];
        for (const [what, now, options] of cases) {
            const diff = diffInventories(inventory(was), inventory({ ...was, ...now }));
            assert.deepStrictEqual(
                diff.changed.map((c) => c.options),
                options.length > 0 ? [options] : [],
                what,
            );
        }
    });

    it("lists each host's pinned key fingerprints by host name, and NOT PINNED where a connection has none", () => {
        const key = newSshHostKey();
        const command = (host: string, hostKey?: string) => ({
            type: "command:remote:Command",
            inputs: { connection: new SecretValue({ host, ...(hostKey ? { hostKey } : {}) }) },
        });
        const resources = [
            command("10.0.0.1", key),
            command("10.0.0.1", key),
            command("10.0.0.2"),
            { type: "command:remote:CopyToRemote", inputs: { connection: { host: "10.0.0.3", hostKey: key } } },
        ];
        const inventory = { ofType: (type: string) => resources.filter((r) => r.type === type) } as unknown as Pick<Inventory, "ofType">;
        assert.deepStrictEqual(
            pinnedHostKeys(
                inventory,
                new Map([
                    ["10.0.0.1", "cp-1"],
                    ["10.0.0.2", "worker-1"],
                ]),
            ),
            [
                ["10.0.0.3", hostKeyFingerprint(key)],
                ["cp-1", hostKeyFingerprint(key)],
                ["worker-1", "NOT PINNED"],
            ],
        );
    });

    it("names manifest files with plain characters only, whatever an object's name or namespace holds", () => {
        const r = {
            type: "kubernetes:core/v1:ConfigMap",
            name: "x",
            inputs: { kind: "ConfigMap", metadata: { name: "../../etc/passwd", namespace: "a/b c" } },
        };
        assert.strictEqual(manifestOf(r as unknown as RegisteredResource).file, "configmap-a_b_c-.._.._etc_passwd.yaml");
    });

    it("warns when a protected resource would be removed, and only then", () => {
        const base = { cluster: "c", parent: null, provider: null, custom: true, retainOnDelete: false, dependencies: [], inputs: {} };
        const inventory = (protect: boolean): InventoryFile => ({
            project: "hybrid-fleet",
            stack: "s",
            resources: [{ ...base, urn: "u:disk", type: "t:disk", name: "disk", protect }],
        });
        const empty: InventoryFile = { project: "hybrid-fleet", stack: "s", resources: [] };
        const warning = "> :warning: a **protected** resource is removed: `pulumi up` will refuse until it is unprotected.";
        assert.ok(renderDiff(diffInventories(inventory(true), empty), "s").includes(warning));
        assert.ok(!renderDiff(diffInventories(inventory(false), empty), "s").includes(warning));
    });

    it("moves an old resource to one new resource only, however many name it as an alias", () => {
        const base = { cluster: "c", parent: null, provider: null, custom: true, protect: false, retainOnDelete: false, dependencies: [], inputs: {} };
        const urn = (name: string) => `urn:pulumi:s::hybrid-fleet::t:a::${name}`;
        const before: InventoryFile = { project: "hybrid-fleet", stack: "s", resources: [{ ...base, urn: urn("old"), type: "t:a", name: "old" }] };
        const aliased = (name: string) => ({ ...base, urn: urn(name), type: "t:a", name, options: { aliases: [urn("old")] } });
        const diff = diffInventories(before, { ...before, resources: [aliased("new-1"), aliased("new-2")] });
        assert.deepStrictEqual(
            diff.renamed.map((r) => [r.from.name, r.entry.name]),
            [["old", "new-1"]],
        );
        assert.deepStrictEqual(
            diff.added.map((r) => r.name),
            ["new-2"],
        );
        assert.deepStrictEqual(diff.removed, []);
    });
});
