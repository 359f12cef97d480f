// The fleet CLI run in this process, its printed lines collected (tools/fleet.ts's runCli): for
// test/tools/fleet.test.ts and test/integration/fleet-cli.test.ts. A helper, not a test file.
import { parseCli, runCli } from "../../tools/fleet";

export async function runFleetCli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
        parseCli(argv),
        (l) => out.push(l),
        (l) => err.push(l),
    );
    return { code, out, err };
}
