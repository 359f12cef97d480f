// `npm run lint:workflows`: every GitHub workflow in .github/workflows checked against the workflow
// schema by @action-validator/core, the validator the action-validator CLI wraps. The CLI takes one
// file per process: three Node starts, ~0.9 of the lint's 2.6 CPU s, for ~10 ms of validation.
// Plain JavaScript: the lint runs before anything is compiled.
"use strict";
const fs = require("fs");
const path = require("path");
const { validateWorkflow } = require("@action-validator/core");
const { exitWhenFlushed } = require("./cli");

const DIR = path.join(__dirname, "..", ".github", "workflows");

/** Each workflow file's problems (empty when it is valid), by its path from the repository root. */
function workflowProblems(dir = DIR) {
    const shown = path.relative(path.join(__dirname, ".."), dir);
    const files = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => /\.ya?ml$/.test(f)).sort();
    if (files.length === 0) return [[shown, ["no workflow files"]]];
    return files.map((f) => {
        const { errors } = validateWorkflow(fs.readFileSync(path.join(dir, f), "utf8"));
        return [path.join(shown, f), errors.map((e) => JSON.stringify(e))];
    });
}

module.exports = { workflowProblems };

if (require.main === module) {
    let failed = false;
    for (const [file, problems] of workflowProblems()) {
        if (problems.length === 0) continue;
        failed = true;
        console.error(`${file}:\n  ${problems.join("\n  ")}`);
    }
    exitWhenFlushed(failed ? 1 : 0);
}
