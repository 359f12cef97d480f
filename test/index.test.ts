// The Pulumi program itself, as `pulumi up` runs it (Pulumi.yaml's main, tools/program.js: index.ts
// compiled into bin/index.js): config in, exactly the offline plan's resources declared, per-cluster
// outputs out, kubeconfigs secret; and an invalid spec stops it with one RunError before any resource exists.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { fleetFromConfig } from "../stacks/config";
import { redact, runOnMocks } from "../tools/mockEngine";
import { offlineConfig, parseStackFile, readStackFile } from "../tools/stackFile";
import { checkedInStackFile, plannedInventory, rawStackFleet, runProgram } from "./harness";

const resolve = <T>(o: pulumi.Input<T>): Promise<T> => new Promise((r) => pulumi.output(o).apply((v) => r(v as T)));
const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> => (o as any).isSecret;

describe("the Pulumi program (index.ts, compiled)", function () {
    this.timeout(60000);

    it("builds the prod fleet from the stack config: the offline plan's resources, and each cluster's outputs, kubeconfigs secret", async () => {
        let exported: Record<string, unknown> | undefined;
        const inventory = await runProgram(async () => {
            // The program runs when it loads, so it loads here, inside the mock engine; the
            // stack then waits for every export that is a promise, as the language host does.
            exported = require("../tools/program");
            return Promise.all(Object.values(exported!));
        }, "prod");
        assert.ok(exported);
        // What `pulumi up` declares is what the offline plan lists: every URN, every input.
        const plan = (await plannedInventory("prod")).inventory;
        const declared = inventory.resources.map((r) => ({ urn: r.urn, inputs: redact(r.inputs) })).sort((a, b) => (a.urn < b.urn ? -1 : 1));
        assert.deepStrictEqual(
            declared,
            plan.resources.map((r) => ({ urn: r.urn, inputs: r.inputs })),
        );
        const program = {
            environment: exported.environment as string,
            hub: exported.hub as string,
            clusters: (await exported.clusters) as Record<string, Record<string, any>>,
            links: (await exported.links) as any[],
        };
        assert.strictEqual(program.environment, "prod");
        assert.strictEqual(program.hub, "idc-sh");
        assert.deepStrictEqual(Object.keys(program.clusters).sort(), ["ack-sh", "eks-apne1", "idc-sh"]);
        assert.deepStrictEqual(
            program.links.map((l: any) => `${l.name} ${l.kind} ${l.tunnels.length}`),
            // Both cross-border links ride ack-sh's CEN edge in Tokyo: no tunnels of their own.
            ["eks-apne1-idc-sh ipsec-vpn 0", "ack-sh-idc-sh express-connect 0", "eks-apne1-ack-sh ipsec-vpn 0"],
        );
        // ... and name the edge and the four tunnels between eks-apne1 and it.
        assert.deepStrictEqual(
            program.links.map((l: any) => (l.cenEdge ? `${l.cenEdge.name} ${l.cenEdge.region} ${l.cenEdge.tunnels.length}` : "-")),
            ["ack-sh-ap-northeast-1-edge ap-northeast-1 4", "-", "ack-sh-ap-northeast-1-edge ap-northeast-1 4"],
        );
        const sites = inventory.resources
            .filter((r) => r.type.endsWith(":Site"))
            .map((r) => r.name)
            .sort();
        assert.deepStrictEqual(sites, ["ack-sh", "eks-apne1", "idc-sh"]);
        for (const [name, outputs] of Object.entries(program.clusters)) {
            assert.ok(pulumi.Output.isInstance(outputs.kubeconfig), `${name} exports a kubeconfig`);
            assert.strictEqual(await isSecret(outputs.kubeconfig), true, `${name}: the kubeconfig is a secret`);
            assert.match(String(await resolve(outputs.apiServer)), /^https:\/\//, `${name}: apiServer`);
        }
    });

    it("stops on an invalid spec with one RunError listing every violation, before any resource", async () => {
        const fleet = rawStackFleet("prod");
        fleet.hub = "nowhere";
        fleet.clusters[0].etcd.hosts.pop();
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "program-")), "Pulumi.bad.yaml");
        try {
            // The short key form `fleet:` is the same config key as `hybrid-fleet:fleet`.
            fs.writeFileSync(file, YAML.stringify({ config: { fleet } }));
            const stack = readStackFile(file);
            const { config, secretKeys } = offlineConfig(stack, parseStackFile(stack));
            // The program is only the validation: were it to return, the run would resolve and this fails.
            await assert.rejects(
                runOnMocks(() => fleetFromConfig(), { config, secretKeys, stack: "bad" }),
                (e: Error) => {
                    assert.ok(e instanceof pulumi.RunError, "a RunError: the CLI prints its message without a stack trace");
                    assert.match(e.message, /hub: nowhere is not the name of a cluster/);
                    assert.match(e.message, /clusters\[0\]\.etcd\.hosts: etcd members must be odd and 3 to 7 in prod \(got 2\)/);
                    return true;
                },
            );
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    it("judges names made of the stack's own name: a valid spec in a stack whose name SLS refuses stops the same way", async () => {
        const stack = checkedInStackFile("prod");
        const { config, secretKeys } = offlineConfig(stack, parseStackFile(stack));
        await assert.rejects(
            runOnMocks(() => fleetFromConfig(), { config, secretKeys, stack: "Prod" }),
            (e: Error) => {
                assert.ok(e instanceof pulumi.RunError);
                assert.match(e.message, /clusters\[2\]\.name: in stack "Prod" names the SLS project "ack-sh-Prod-vpc-flow-logs", which SLS refuses/);
                return true;
            },
        );
    });
});
