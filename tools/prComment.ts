// The pull-request comment of one stack, from the automation library: the offline plan's diff
// against the base commit's inventory and the policy report; with --preview, the summary of a
// real `npm run fleet -- preview --json` run (its JSON event lines). `npm run pr-comment` runs it
// from its esbuild bundle (bin/prComment.js, tools/build.js), as the plan runs.
//
//   npm run pr-comment -- --stack NAME [--base OLD_INVENTORY] [--preview EVENTS.jsonl]
//
// Exit 1 when a mandatory policy is violated (the comment is printed first) or the plan fails; 2 on
// a usage error.
import * as fs from "fs";
import { parseArgs } from "util";
import { urnName } from "./urn";
import { runCommand } from "./cli";
import type { OfflinePlan } from "../automation/offline";

export function previewSection(file: string, stack: string): string {
    const events = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
    const summary = events.find((e) => e.kind === "summary");
    const failed = events.filter((e) => e.kind === "failed" || (e.kind === "diagnostic" && e.severity === "error"));
    const lines = [`### Real preview of stack \`${stack}\``, ""];
    if (!summary) lines.push("The preview did not finish (no summary from the engine).");
    else {
        const changes = Object.entries(summary.changes as Record<string, number>).filter(([op]) => op !== "same");
        lines.push(changes.length ? changes.map(([op, n]) => `**${n}** to ${op}`).join(", ") : "No changes.");
        lines.push("", "| cluster | resources | failed |", "|---|---|---|");
        for (const [c, p] of Object.entries(summary.clusters as Record<string, { started: number; failed: number }>))
            if (p.started) lines.push(`| ${c} | ${p.started} | ${p.failed} |`);
    }
    for (const f of failed)
        lines.push("", `> :x: ${f.cluster ? `[${f.cluster}] ` : ""}${f.name ?? (f.urn ? urnName(f.urn) : "")}: ${String(f.message).replace(/\n/g, " ")}`);
    // The engine's own policy results (the pack runs in the preview): mandatory first.
    const policies = events
        .filter((e) => e.kind === "policy")
        .sort((a, b) => Number(b.enforcementLevel === "mandatory") - Number(a.enforcementLevel === "mandatory"));
    if (policies.length > 0) {
        lines.push(
            "",
            `#### Policy pack in the preview (${policies.length})`,
            "",
            "| level | policy | cluster | resource | message |",
            "|---|---|---|---|---|",
        );
        const cell = (v: unknown) =>
            String(v ?? "")
                .replace(/\|/g, "\\|")
                .replace(/\n/g, " ");
        for (const p of policies)
            lines.push(
                `| ${cell(p.enforcementLevel)} | \`${cell(p.policy)}\` | ${cell(p.cluster)} | ${p.urn ? `\`${cell(urnName(p.urn))}\`` : "(stack)"} | ${cell(p.message)} |`,
            );
    }
    return lines.join("\n");
}

const USAGE = "usage: npm run pr-comment -- --stack NAME [--base OLD_INVENTORY] [--preview EVENTS.jsonl]";

export interface CommentArgs {
    stack: string;
    base?: string;
    preview?: string;
}

/** The command line's options; throws on an unknown or missing one. */
export function parseCommentArgs(argv: string[]): CommentArgs {
    const { values } = parseArgs({
        args: argv,
        options: { stack: { type: "string" }, base: { type: "string" }, preview: { type: "string" } },
    });
    if (!values.stack) throw new Error("--stack NAME is required");
    return { stack: values.stack, base: values.base, preview: values.preview };
}

/** Prints the comment; its exit code. */
async function comment(values: CommentArgs): Promise<number> {
    if (values.preview) {
        console.log(previewSection(values.preview, values.stack));
        return 0;
    }
    const { planOffline } = require("../automation") as typeof import("../automation");
    const { ROOT } = require("./stackFile") as typeof import("./stackFile");
    const path = require("path") as typeof import("path");
    const base = values.base && fs.existsSync(values.base) ? values.base : undefined;
    const plan = await planOffline({ stack: values.stack, out: path.join(ROOT, "out", values.stack), ...(base ? { previous: base } : {}) });
    const { text, code } = planComment(plan, values.stack);
    console.log(text);
    return code;
}

/** An offline plan's comment (its diff, or its size without a base, and the policy report) and the exit code: 1 on a mandatory violation. */
export function planComment(plan: Pick<OfflinePlan, "diff" | "inventory" | "policies">, stack: string): { text: string; code: number } {
    const { renderDiff } = require("./planDiff") as typeof import("./planDiff");
    const { renderPolicyReport } = require("../policy/offline") as typeof import("../policy/offline");
    const parts = [
        plan.diff
            ? renderDiff(plan.diff, stack)
            : `### Offline plan of stack \`${stack}\`\n\n${plan.inventory.resources.length} resources (the base commit had no valid plan to diff against).`,
        renderPolicyReport(plan.policies, stack),
    ];
    return { text: parts.join("\n\n"), code: plan.policies.mandatory === 0 ? 0 : 1 };
}

/** The command line: prints the comment and exits with its code. */
export function main(argv: string[]): void {
    runCommand(argv, { name: "pr-comment", usage: USAGE, parse: parseCommentArgs, run: comment });
}

if (require.main === module) main(process.argv.slice(2));
