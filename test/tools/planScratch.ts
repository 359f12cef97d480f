// Scratch space for the plan's tests (test/tools/plan.test.ts in process, and
// test/integration/plan-cli.test.ts through the CLI): temp directories removed together after a
// file's tests, a stack file holding a given fleet, and the files a plan wrote. A helper, not a test file.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

export class PlanScratch {
    private readonly made: string[] = [];

    /** A new temp directory, `plan-<label>-*`. */
    dir(label: string): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${label}-`));
        this.made.push(dir);
        return dir;
    }

    /** A stack file (Pulumi.test.yaml) whose `hybrid-fleet:fleet` is `fleet`. */
    stackFile(fleet: unknown): string {
        const file = path.join(this.dir("config"), "Pulumi.test.yaml");
        fs.writeFileSync(file, YAML.stringify({ config: { "hybrid-fleet:fleet": fleet } }));
        return file;
    }

    /** Removes every directory made so far. */
    clear(): void {
        for (const dir of this.made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Every file below `dir` (none when it does not exist). */
export function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? listFiles(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}
