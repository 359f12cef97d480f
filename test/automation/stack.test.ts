// The Automation API library's offline plan, in process: a spec object planned to an inventory, a
// diff and a policy report, its temporary directories, plans started together.
// test/integration/automation-cli.test.ts runs the library's operations against a stand-in CLI.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planOffline } from "../../automation";
import { oneSiteFleet, oneSiteSpec } from "../harness";

describe("automation library, offline", function () {
    this.timeout(60_000);

    it("plans a spec object: the inventory, the diff against an earlier one and the policy report as data", async () => {
        // dev's IDC site alone: the library's path is the same for one site or three.
        const first = await planOffline({ stack: "dev", spec: oneSiteSpec("dev", "idc-dev") });
        try {
            const raw = oneSiteFleet("dev", "idc-dev", (site) =>
                site.workers.push({
                    name: "dev-worker-2",
                    address: "10.110.2.12",
                    sshHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrh1VJiDHjTHMJTGIbvzt++uT6Q83fgMgBfJBGBhGFQ",
                }),
            );
            const second = await planOffline({ stack: "dev", spec: { raw }, previous: first.inventory });
            try {
                assert.ok(
                    second.diff!.added.some((e) => e.name.includes("dev-worker-2")),
                    "the new worker's resources are added",
                );
                assert.strictEqual(second.diff!.removed.length, 0);
                assert.strictEqual(second.policies.mandatory, 0);
                assert.ok(second.log.some((l) => l.startsWith("hybrid-fleet offline plan: stack dev")));
            } finally {
                fs.rmSync(second.outDir, { recursive: true, force: true });
            }
        } finally {
            fs.rmSync(first.outDir, { recursive: true, force: true });
        }
    });
});

describe("automation library, offline, edges", function () {
    this.timeout(60_000);

    it("plans a spec built in code that shares one object in many places (written out in full, not as >100 YAML aliases)", async () => {
        const peer = { namespace: "ingress", ports: [{ port: 8080 }] };
        const raw = oneSiteFleet("dev", "idc-dev", (site) => (site.network.tenants = [{ namespace: "shop", allowFrom: Array(101).fill(peer) }]));
        const p = await planOffline({ stack: "dev", spec: { raw } });
        try {
            assert.ok(p.inventory.resources.some((r) => r.type === "kubernetes:core/v1:Namespace" && (r.inputs as any).metadata?.name === "shop"));
        } finally {
            fs.rmSync(p.outDir, { recursive: true, force: true });
        }
    });

    it("leaves no temporary directory when it fails: an earlier inventory that is missing, a name that is no stack name", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-tmp-"));
        const before = process.env.TMPDIR;
        process.env.TMPDIR = tmp;
        try {
            await assert.rejects(planOffline({ stack: "dev", spec: oneSiteSpec("dev", "idc-dev"), previous: path.join(tmp, "missing.json") }), /ENOENT/);
            await assert.rejects(planOffline({ stack: "dev/x", spec: oneSiteSpec("dev", "idc-dev") }), /stack: "dev\/x" is not a stack name/);
            assert.deepStrictEqual(fs.readdirSync(tmp), []);
        } finally {
            if (before === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = before;
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("automation library, offline, at once", function () {
    this.timeout(60_000);

    it("runs offline plans started together one after the other: each its own resources, the console given back", async () => {
        const { log, error } = console;
        const sites = ["eks-dev", "ack-dev"];
        const plans = await Promise.all(sites.map((site) => planOffline({ stack: "dev", spec: oneSiteSpec("dev", site) })));
        try {
            assert.strictEqual(console.log, log);
            assert.strictEqual(console.error, error);
            plans.forEach((p, i) => {
                const urns = p.inventory.resources.map((r) => r.urn);
                assert.strictEqual(new Set(urns).size, urns.length, `${sites[i]}: a resource twice`);
                assert.deepStrictEqual([...new Set(p.inventory.resources.map((r) => r.cluster).filter((c) => c !== null && c !== "karmada"))], [sites[i]]);
            });
        } finally {
            for (const p of plans) fs.rmSync(p.outDir, { recursive: true, force: true });
        }
    });
});
