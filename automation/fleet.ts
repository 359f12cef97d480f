// The first entry points, kept for tools that import them: each is now a thin call into the
// library (automation/index.ts).
import type { PreviewResult, UpResult } from "@pulumi/pulumi/automation";
import { plan } from "../tools/plan";
import { validateStack } from "./offline";
import { FleetStack } from "./stack";

export { validateStack };

export interface FleetTarget {
    stack: string;
    /** Output of the Pulumi engine, line by line. */
    onOutput?: (line: string) => void;
}

/** `pulumi preview --diff` for one stack's Pulumi.<stack>.yaml, after offline validation. */
export async function previewFleet(target: FleetTarget): Promise<PreviewResult> {
    const fleet = await FleetStack.open({ stack: target.stack });
    return fleet.stack.preview({ diff: true, onOutput: target.onOutput });
}

/** `pulumi up` for one stack's Pulumi.<stack>.yaml, after offline validation. */
export async function deployFleet(target: FleetTarget): Promise<UpResult> {
    const fleet = await FleetStack.open({ stack: target.stack });
    return fleet.stack.up({ diff: true, onOutput: target.onOutput });
}

/** The offline plan (no CLI, no cloud): see tools/plan.ts. Resolves to the exit code. */
export function planFleet(stack: string, out?: string): Promise<number> {
    return plan({ stack, out });
}
