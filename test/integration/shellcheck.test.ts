// Every shell script the prod and dev fleets declare, through ShellCheck (Debian's shellcheck): the
// scripts each remote Command runs (its create, update and delete commands, and the script it hands
// sudo on stdin, secrets included, as the mock engine holds them) and every script file the plan
// copies to a host (`*.sh` or a shebang). `bash -n` only parses; ShellCheck also finds unquoted
// expansions, unset variables, masked failures and the like. Nothing may be reported but the few
// findings below, each deliberate and each still present (an entry that no longer matches is removed).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadStackSpec, plannedStack, runFleet, SecretValue } from "../harness";
import { listFiles } from "../tools/planScratch";
import { requireTool, run, tempDir } from "./idcTools";

interface Finding {
    script: string;
    line: number;
    code: number;
    level: string;
    message: string;
    /** The whole line, and the part of it ShellCheck points at ("(several lines)" when it spans more). */
    text: string;
    at: string;
}

/**
 * Findings that are the point of the line, not a slip: each by its code, its line and the very
 * expansion ShellCheck points at (another on the same line is reported). Rewriting them would change
 * the script of every Command that runs it, and a changed script runs again on every host at the next
 * `pulumi up`.
 */
const DELIBERATE: { code: number; line: RegExp; at: RegExp; why: string }[] = [
    { code: 2034, line: /^ {2}for try in \$\(seq 1 60\); do$/, at: /^for$/, why: "apt_retry counts its attempts; the counter itself is never read" },
    {
        code: 2086,
        line: /apt-get install .* \$containerd_package \$kube_packages$/,
        at: /^\$kube_packages$/,
        why: "a list of package=version words that must split",
    },
    {
        code: 2086,
        line: /\(1\.\$here_minor\): \$\(echo \$behind\);/,
        at: /^\$behind$/,
        why: "echo joins the nodes listed one per line into one line of the message",
    },
    { code: 2116, line: /\(1\.\$here_minor\): \$\(echo \$behind\);/, at: /^\$\(echo \$behind\)$/, why: "the same echo: it is there to join the lines" },
    {
        code: 2043,
        line: /^ {2}for member in https:\/\/[^ ]+; do$/,
        at: /^https:\/\/[0-9.]+:2379$/,
        why: "the loop goes over the rendered member list, which has one member in a one-member cluster",
    },
];
const deliberate = (f: Finding) => DELIBERATE.some((d) => d.code === f.code && d.line.test(f.text) && d.at.test(f.at));

/** The host's own env files (etcdctl.env, backup.env) are sourced by path; they exist on the host, not here. */
const EXCLUDED = ["SC1091"];

/** Every script of a stack: the remote Commands' (create/update/delete/stdin) and the script files the plan writes. */
async function scriptsOf(stack: "prod" | "dev"): Promise<Map<string, string>> {
    const scripts = new Map<string, string>();
    const { inventory } = await runFleet(loadStackSpec(stack), stack);
    for (const r of inventory.ofType("command:remote:Command")) {
        for (const key of ["create", "update", "delete", "stdin"]) {
            const raw = r.inputs[key];
            const value = raw instanceof SecretValue ? raw.value : raw;
            if (typeof value !== "string" || value.trim() === "") continue;
            scripts.set(`${stack} ${r.name} ${key}`, value);
            // `sudo -n bash -c '<script>'` (a delete step): ShellCheck sees only the quoted word, so the script itself too.
            const inner = /^sudo -n bash -c '((?:[^']|'\\'')*)'$/.exec(value);
            if (inner) scripts.set(`${stack} ${r.name} ${key} (bash -c)`, inner[1].replaceAll("'\\''", "'"));
        }
    }
    const files = path.join(await plannedStack(stack), "files");
    for (const file of listFiles(files)) {
        const text = fs.readFileSync(file, "utf8");
        if (file.endsWith(".sh") || /^#!.*\b(ba)?sh\b/.test(text)) scripts.set(`${stack} ${path.relative(files, file)}`, text);
    }
    return scripts;
}

/**
 * ShellCheck over all of them, findings by script: a script with a shebang as the shell it names (the
 * VRRP track script is /bin/sh, which keepalived runs directly: dash on Debian), one without as bash
 * (every Command runs `sudo -n bash -s`). One ShellCheck run for each of the two.
 */
function shellcheck(scripts: Map<string, string>): Finding[] {
    const dir = tempDir("shellcheck-");
    try {
        const names = [...scripts.keys()];
        const files = names.map((_, i) => path.join(dir, `${i}.sh`));
        names.forEach((name, i) => fs.writeFileSync(files[i], scripts.get(name)!));
        const withShebang = files.filter((_, i) => scripts.get(names[i])!.startsWith("#!"));
        const without = files.filter((f) => !withShebang.includes(f));
        const comments = [withShebang, without].flatMap((group, i) => {
            if (group.length === 0) return [];
            const shell = i === 0 ? [] : ["--shell=bash"];
            // --norc and no SHELLCHECK_OPTS: nothing of this machine's (a .shellcheckrc, the environment) turns a check off.
            const r = run("shellcheck", ["--norc", ...shell, "--severity=style", "--format=json1", `--exclude=${EXCLUDED.join(",")}`, ...group], {
                timeoutMs: 120_000,
                env: { ...process.env, SHELLCHECK_OPTS: "" },
            });
            // 0: nothing found, 1: findings; anything else is ShellCheck failing.
            assert.ok(r.status === 0 || r.status === 1, `shellcheck exited ${r.status}: ${r.stderr}`);
            return (
                JSON.parse(r.stdout) as {
                    comments: {
                        file: string;
                        line: number;
                        endLine: number;
                        column: number;
                        endColumn: number;
                        code: number;
                        level: string;
                        message: string;
                    }[];
                }
            ).comments;
        });
        return comments.map((c) => {
            const script = names[files.indexOf(c.file)];
            const text = scripts.get(script)!.split("\n")[c.line - 1];
            const at = c.endLine === c.line ? text.slice(c.column - 1, c.endColumn - 1) : "(several lines)";
            return { script, line: c.line, code: c.code, level: c.level, message: c.message, text, at };
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("every shell script the fleets declare passes ShellCheck", function () {
    this.timeout(300_000);
    before(() => requireTool("shellcheck"));

    it("reports an unquoted expansion and an unset variable in a broken script, and a bashism in a /bin/sh one (the check can fail)", () => {
        const found = shellcheck(new Map([["broken", "#!/bin/bash\nset -euo pipefail\ntarget=$1\nrm -rf $target/$sub_dir\n"]]));
        const codes = found.map((f) => f.code);
        for (const code of [2086, 2154]) assert.ok(codes.includes(code), `SC${code} not among ${codes.join(", ")}`);
        // A /bin/sh script is read as sh: `[[` is a bashism there, and fine in a script without a shebang (run by bash).
        const bashism = 'if [[ -n "$1" ]]; then echo "$1"; fi\n';
        assert.deepStrictEqual(
            shellcheck(new Map([["sh", `#!/bin/sh\n${bashism}`]])).map((f) => f.code),
            [3010],
        );
        assert.deepStrictEqual(shellcheck(new Map([["bash -s", bashism]])), []);
        // A deliberate line excuses only its own expansion: another one beside it is reported.
        const line = "apt_retry env DEBIAN_FRONTEND=noninteractive apt-get install -y $extra $containerd_package $kube_packages\n";
        const beside = shellcheck(new Map([["packages", `extra=$1 containerd_package=$2 kube_packages=$3\n${line}`]]));
        assert.deepStrictEqual(
            beside.filter((f) => !deliberate(f)).map((f) => [f.code, f.at]),
            [
                [2086, "$extra"],
                [2086, "$containerd_package"],
            ],
        );
    });

    const seen: Finding[] = [];
    for (const stack of ["prod", "dev"] as const) {
        it(`${stack}: nothing reported but the deliberate findings`, async () => {
            const scripts = await scriptsOf(stack);
            // Each kind is there: Commands' scripts on stdin, secret ones too, the delete steps' and the copied script files.
            assert.ok([...scripts.keys()].filter((k) => k.endsWith(" stdin")).length > 50, "the Commands' stdin scripts");
            assert.ok(
                [...scripts.keys()].some((k) => k.endsWith("etcd-restore.sh")),
                "the copied script files",
            );
            assert.ok(
                [...scripts.keys()].some((k) => k.endsWith(" delete (bash -c)")),
                "the delete steps' scripts",
            );
            const findings = shellcheck(scripts);
            seen.push(...findings);
            const unexpected = findings.filter((f) => !deliberate(f));
            assert.deepStrictEqual(
                unexpected.map((f) => `${f.script}:${f.line}: SC${f.code} (${f.level}) at ${f.at}: ${f.message}\n    ${f.text}`),
                [],
            );
        });
    }

    it("every deliberate finding is still in some script (prod's or dev's): an entry for none is removed", () => {
        const unused = DELIBERATE.filter((d) => !seen.some((f) => f.code === d.code && d.line.test(f.text) && d.at.test(f.at)));
        assert.deepStrictEqual(
            unused.map((d) => `SC${d.code} ${d.line}`),
            [],
        );
    });
});
