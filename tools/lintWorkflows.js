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

/**
 * Every action from another repository at a full commit SHA, with the version it is as a comment:
 * a tag or a branch can be moved under the workflow (GitHub's security hardening guide, "Using
 * third-party actions": a full-length commit SHA is the only immutable reference).
 */
function unpinnedActions(text) {
    const problems = [];
    text.split("\n").forEach((line, i) => {
        const m = /^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!m || m[1].startsWith("./")) return;
        if (/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(m[1]) && /^\s*#\s*v\d/.test(m[2])) return;
        problems.push(`line ${i + 1}: ${m[1]} is not pinned to a full commit SHA with its version as a comment ("@<40 hex> # vX.Y.Z")`);
    });
    return problems;
}

/** Each workflow file's problems (empty when it is valid), by its path from the repository root. */
function workflowProblems(dir = DIR) {
    const shown = path.relative(path.join(__dirname, ".."), dir);
    const files = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => /\.ya?ml$/.test(f)).sort();
    if (files.length === 0) return [[shown, ["no workflow files"]]];
    return files.map((f) => {
        const text = fs.readFileSync(path.join(dir, f), "utf8");
        const { errors } = validateWorkflow(text);
        return [path.join(shown, f), [...errors.map((e) => JSON.stringify(e)), ...unpinnedActions(text)]];
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
