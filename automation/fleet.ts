// Automation API entry points for other tools (portals, bots, release pipelines): validate the
// fleet spec offline first, then drive the Pulumi CLI on the project directory for one stack.
//
//   import { previewFleet, deployFleet, planFleet } from "hybrid-fleet/automation/fleet";
//   const result = await previewFleet({ stack: "prod", onOutput: process.stdout.write.bind(process.stdout) });
import { LocalWorkspace, PreviewResult, Stack, UpResult } from "@pulumi/pulumi/automation";
import { FleetSpec, FleetSpecError } from "../stacks/spec";
import { plan } from "../tools/plan";
import { parseStackFile, readStackFile, ROOT, stackFilePath } from "../tools/stackFile";

export interface FleetTarget {
    stack: string;
    /** Output of the Pulumi engine, line by line. */
    onOutput?: (line: string) => void;
}

/** The stack's spec, validated without the CLI; throws FleetSpecError with every violation. */
export function validateStack(stack: string, configFile = stackFilePath(stack)): FleetSpec {
    const parsed = parseStackFile(readStackFile(configFile));
    if (!parsed.ok) throw new FleetSpecError(parsed.violations);
    return parsed.spec;
}

async function selectStack(target: FleetTarget): Promise<Stack> {
    validateStack(target.stack);
    return LocalWorkspace.selectStack({ stackName: target.stack, workDir: ROOT });
}

/** `pulumi preview --diff` for one stack, after offline validation. */
export async function previewFleet(target: FleetTarget): Promise<PreviewResult> {
    return (await selectStack(target)).preview({ diff: true, onOutput: target.onOutput });
}

/** `pulumi up` for one stack, after offline validation. */
export async function deployFleet(target: FleetTarget): Promise<UpResult> {
    return (await selectStack(target)).up({ diff: true, onOutput: target.onOutput });
}

/** The offline plan (no CLI, no cloud): see tools/plan.ts. Resolves to the exit code. */
export function planFleet(stack: string, out?: string): Promise<number> {
    return plan({ stack, out });
}
