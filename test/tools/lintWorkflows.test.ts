// `npm run lint:workflows`: every workflow file is checked, a schema violation names its file, and
// a directory without workflows is a problem, not a pass.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const { workflowProblems } = require("../../tools/lintWorkflows") as { workflowProblems(dir?: string): [string, string[]][] };
const WORKFLOWS = path.resolve(__dirname, "../../.github/workflows");

describe("npm run lint:workflows", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("checks every checked-in workflow, and finds none invalid", () => {
        const checked = workflowProblems();
        assert.deepStrictEqual(
            checked.map(([file]) => path.basename(file)),
            fs
                .readdirSync(WORKFLOWS)
                .filter((f) => /\.ya?ml$/.test(f))
                .sort(),
        );
        assert.ok(checked.length >= 3);
        for (const [file, problems] of checked) assert.deepStrictEqual(problems, [], file);
    });

    it("refuses an action not pinned to a full commit SHA with its version (a tag or branch can be moved), not a local workflow", () => {
        const up = fs.readFileSync(path.join(WORKFLOWS, "up.yml"), "utf8");
        assert.match(up, /uses: actions\/checkout@[0-9a-f]{40} # v6\./);
        fs.writeFileSync(path.join(dir, "up.yml"), up.replace(/actions\/checkout@[0-9a-f]{40} # v[\d.]+/, "actions/checkout@v6"));
        fs.writeFileSync(path.join(dir, "deploy.yml"), fs.readFileSync(path.join(WORKFLOWS, "deploy.yml"), "utf8"));
        fs.writeFileSync(path.join(dir, "nocomment.yml"), up.replace(/(actions\/checkout@[0-9a-f]{40}) # v[\d.]+/, "$1"));
        const problems = new Map(workflowProblems(dir).map(([file, p]) => [path.basename(file), p]));
        assert.match(problems.get("up.yml")!.join("\n"), /line \d+: actions\/checkout@v6 is not pinned to a full commit SHA/);
        assert.strictEqual(problems.get("up.yml")!.length, 1);
        assert.strictEqual(problems.get("nocomment.yml")!.length, 1);
        assert.deepStrictEqual(problems.get("deploy.yml"), [], "a local reusable workflow (./.github/...) needs no pin");
    });

    it("names the file and the path of a job the schema refuses (a misspelt runs-on), and .yaml files too", () => {
        for (const f of fs.readdirSync(WORKFLOWS)) fs.copyFileSync(path.join(WORKFLOWS, f), path.join(dir, f));
        const up = fs.readFileSync(path.join(WORKFLOWS, "up.yml"), "utf8");
        assert.match(up, /runs-on:/);
        fs.writeFileSync(path.join(dir, "broken.yaml"), up.replace("runs-on:", "runs-onn:"));
        const problems = new Map(workflowProblems(dir).map(([file, p]) => [path.basename(file), p]));
        assert.deepStrictEqual(problems.get("up.yml"), []);
        assert.ok(problems.get("broken.yaml")!.length > 0);
        assert.match(problems.get("broken.yaml")!.join("\n"), /Additional property 'runs-onn' is not allowed/);
    });

    it("a directory without workflow files, or none at all, is a problem", () => {
        for (const where of [dir, path.join(dir, "missing")]) {
            assert.deepStrictEqual(
                workflowProblems(where).map(([, p]) => p),
                [["no workflow files"]],
            );
        }
    });
});
