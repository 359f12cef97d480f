// The SDK floor for the benchmark (tools/bench.ts): what a plan of N resources costs at least on
// this machine. The same SDKs the program loads, the same mock engine (tools/mockEngine.ts), and
// N bare custom resources without inputs, so the rest of a plan's time is the program's own.
//
//   node tools/build.js sdkFloor N
import * as fs from "fs";
import * as path from "path";
import { runOnMocks } from "./mockEngine";

/** Every @pulumi/* runtime dependency the program declares resources with (package.json). */
export function programSdks(): string[] {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
    return Object.keys(manifest.dependencies).filter((name) => name.startsWith("@pulumi/") && name !== "@pulumi/policy");
}

export function main(argv: string[]): void {
    const count = Number(argv[0]);
    if (!Number.isInteger(count) || count < 1) {
        console.error("usage: node tools/build.js sdkFloor RESOURCES");
        process.exit(2);
    }
    for (const sdk of programSdks()) require(sdk);
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    const started = Date.now();
    const cpu = process.cpuUsage();
    /** A custom resource with no inputs: what registering a resource costs the SDK and the mock engine. */
    class Bare extends pulumi.CustomResource {
        constructor(name: string) {
            super("bench:index:Bare", name, {});
        }
    }
    runOnMocks(() => {
        for (let i = 0; i < count; i++) new Bare(`bare-${i}`);
    }).then(
        ({ inventory }) => {
            const { user, system } = process.cpuUsage(cpu);
            console.log(
                `sdk floor: ${inventory.resources.length} resources (evaluated in ${Date.now() - started} ms on the mock engine, ${Math.round((user + system) / 1000)} ms CPU)`,
            );
            process.exit(0);
        },
        (e: Error) => {
            console.error(`sdk floor failed: ${e.message}`);
            process.exit(1);
        },
    );
}

if (require.main === module) main(process.argv.slice(2));
