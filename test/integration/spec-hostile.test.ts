// Hostile input handed to real processes: a stack file nested 5,000 levels deep fails the offline
// plan CLI (node tools/build.js plan) with exit 1 and the clean error; fast-check properties feed
// hostile strings to the IDC fields that reach scripts and to the shell quoting of the renderers,
// and real bash parses every rendered script (`bash -n`) and reads every accepted value back
// unchanged in a restricted `bash -r` (hundreds of values in one batch, see bashBatch); every
// calendar the spec accepts passes `systemd-analyze calendar`. Nothing here needs root.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseFleet } from "../../stacks/spec";
import { isCalendar } from "../../stacks/spec/idc";
import { renderDataDiskScript } from "../../components/idc/renderers/etcd";
import { renderDirsScript, STAGE_ROOT, stagedPath } from "../../components/idc/renderers/node";
import { shq } from "../../components/idc/renderers/shell";
import { IDC, rawStackFleet } from "../harness";
import { TODAY } from "../stacks/spec/today";
import { requireTool } from "./idcTools";

describe("hostile stack files", () => {
    it("the offline plan exits 1 with the clean error", function () {
        this.timeout(300000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-"));
        const file = path.join(dir, "Pulumi.t.yaml");
        fs.writeFileSync(file, `config:\n  hybrid-fleet:fleet: ${"{".repeat(5000)}${"}".repeat(5000)}\n`);
        const run = spawnSync(process.execPath, ["tools/build.js", "plan", "--stack", "t", "--config", file, "--out", path.join(dir, "out")], {
            cwd: path.join(__dirname, "..", ".."),
            encoding: "utf8",
            timeout: 120000,
        });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.strictEqual(run.status, 1, run.stderr);
        assert.match(run.stderr, /Pulumi\.t\.yaml: nests \[ \] \/ \{ \} 5000 levels deep; at most 64/);
        assert.doesNotMatch(run.stderr, /RangeError| {4}at /);
    });
});

/** One shell check: `bash -n` of a script, and/or what `variable` holds after `assignment` in a restricted bash. */
interface BashJob {
    syntax?: string;
    read?: { assignment: string; variable: string };
}
type BashResult = { syntax?: number; read?: { status: number | null; out: string } };

/**
 * Runs many BashJobs with one spawn from this process. Starting a process costs 10-30 ms on this
 * kind of machine and the property tests below check hundreds of values, so: every `bash -n` runs
 * from one bash loop (one exec per script: a syntax check must see the script alone), and every
 * read-back runs in ONE restricted bash (no PATH, no startup files, `set -f`), one after the other,
 * each printing its variable NUL-terminated. If that run does not print exactly what each job
 * expects, every read-back runs again in its own restricted bash (`isolated`), so the caller's
 * assertion names the value that failed.
 */
function bashBatch(jobs: BashJob[], expected?: (string | undefined)[]): BashResult[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bash-batch-"));
    try {
        const reads = jobs.flatMap((job, i) => (job.read ? [i] : []));
        jobs.forEach((job, i) => {
            if (job.syntax !== undefined) fs.writeFileSync(path.join(dir, `${i}.syntax`), job.syntax);
            if (job.read) fs.writeFileSync(path.join(dir, `${i}.read`), `set -f; ${job.read.assignment}\nprintf %s "$${job.read.variable}"`);
        });
        const together = reads.map((i) => `${jobs[i].read!.assignment}\nprintf '%s\\0' "$${jobs[i].read!.variable}"\n`).join("");
        fs.writeFileSync(path.join(dir, "together"), `set -f\n${together}`);
        const readScript = (file: string) => `s=$(cat ${file}; printf x); s=\${s%x}; env -i PATH=/nonexistent /bin/bash --norc --noprofile -r -c "$s"`;
        const runner = [
            'cd "$1"',
            `for i in $(seq 0 ${jobs.length - 1}); do`,
            '  if [ -f "$i.syntax" ]; then /bin/bash -n "$i.syntax" 2>/dev/null; echo $? > "$i.syntax.rc"; fi',
            "done",
            `${readScript("together")} > together.out 2>/dev/null; echo $? > together.rc`,
            // Only when the joint run is off: each read-back alone.
            'if [ "$2" = isolated ]; then for i in $(seq 0 ' + (jobs.length - 1) + "); do",
            `  if [ -f "$i.read" ]; then ${readScript('"$i.read"')} > "$i.out" 2>/dev/null; echo $? > "$i.read.rc"; fi`,
            "done; fi",
        ].join("\n");
        const run = (mode: string) => {
            const r = spawnSync("/bin/bash", ["-c", runner, "runner", dir, mode], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
        };
        run("together");
        const rc = (file: string) => Number(fs.readFileSync(path.join(dir, file), "utf8"));
        const outs = fs.readFileSync(path.join(dir, "together.out"), "utf8").split("\0");
        const jointOk = rc("together.rc") === 0 && outs.length === reads.length + 1 && reads.every((i, k) => expected === undefined || outs[k] === expected[i]);
        if (!jointOk) run("isolated");
        return jobs.map((job, i) => ({
            ...(job.syntax !== undefined ? { syntax: rc(`${i}.syntax.rc`) } : {}),
            ...(job.read
                ? {
                      read: jointOk
                          ? { status: 0, out: outs[reads.indexOf(i)] }
                          : { status: rc(`${i}.read.rc`), out: fs.readFileSync(path.join(dir, `${i}.out`), "utf8") },
                  }
                : {}),
        }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Any Unicode scalar value: the code points of fast-check's "binary" unit (all but the surrogate
 * halves), made by hand because the first string arbitrary over that unit builds a reverse map of
 * all 1.1 M code points (to see which of its "dangerous" strings such as "__proto__" it can yield):
 * 1.4 s of every test process that loaded this file.
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((i) => String.fromCodePoint(i < 0xd800 ? i : i + 0x800));

const hostile = fc.oneof(
    fc.string({ unit: anyCodePoint, maxLength: 30 }),
    fc.constantFrom(
        "$(id)",
        "`id`",
        "a b",
        "a;b",
        "a\nb",
        "'",
        '"',
        "\\",
        "*",
        "~",
        "${x}",
        "-rf",
        "/var/lib/e tcd",
        "/var/lib/$(x)",
        "/dev/nvme0n1;x",
        "a&&b",
        "/var/lib/etcd\n",
    ),
    fc.string({ unit: fc.constantFrom(..."aZ09._-/ $`'\";|&<>(){}[]*?~!#\\\n\t%+=:,@".split("")), maxLength: 20 }),
);

describe("hostile values for IDC fields that reach scripts (property)", () => {
    // Each with values the spec accepts beside the hostile ones, so the read-back in bash runs for every field.
    const fields: { name: string; set: (c: any, v: string) => void; valid: string[] }[] = [
        { name: "etcd host name", set: (c, v) => (c.etcd.hosts[0].name = v), valid: ["etcd-9", "etcd-a1"] },
        { name: "worker name", set: (c, v) => (c.workers[0].name = v), valid: ["worker-9", "gpu-1"] },
        { name: "host address", set: (c, v) => (c.etcd.hosts[0].address = v), valid: ["10.10.1.99", "10.10.2.99"] },
        { name: "controlPlane.dnsName", set: (c, v) => (c.controlPlane.dnsName = v), valid: ["api2.idc-sh.acme.internal", "k8s.example.com"] },
        { name: "etcd.dataDir", set: (c, v) => (c.etcd.dataDir = v), valid: ["/var/lib/etcd2", "/data/etcd"] },
        { name: "etcd.hosts[].nvmeDevice", set: (c, v) => (c.etcd.hosts[0].nvmeDevice = v), valid: ["/dev/nvme1n1", "/dev/nvme0n2"] },
        { name: "etcd.backup.onCalendar", set: (c, v) => (c.etcd.backup = { ...(c.etcd.backup ?? {}), onCalendar: v }), valid: ["daily"] },
        { name: "etcd.backup.prefix", set: (c, v) => (c.etcd.backup = { ...(c.etcd.backup ?? {}), prefix: v }), valid: ["etcd/idc-sh2", "backups"] },
        { name: "ssh.user", set: (c, v) => (c.ssh = { ...(c.ssh ?? {}), user: v }), valid: ["deploy", "ops_1"] },
        {
            name: "keepalived.interface",
            set: (c, v) => (c.controlPlane.keepalived = { ...(c.controlPlane.keepalived ?? {}), interface: v }),
            valid: ["bond0", "ens3"],
        },
    ];
    for (const field of fields) {
        it(`${field.name}: a clean violation, or a value that stays one inert word`, () => {
            const accepted: { value: string; job: BashJob }[] = [];
            fc.assert(
                fc.property(fc.oneof(hostile, fc.constantFrom(...field.valid)), (value) => {
                    const fleet = rawStackFleet("prod");
                    field.set(fleet.clusters[IDC], value);
                    const r = parseFleet(fleet, { today: TODAY });
                    if (!r.ok) {
                        // Clean: every line is `<path>: <rule>`, and the hostile value never breaks a line.
                        for (const v of r.violations) assert.match(v, /^[A-Za-z0-9_.[\]()-]+: \S/);
                        return;
                    }
                    const c = r.spec.clusters[IDC];
                    assert.ok(c.provider === "idc");
                    assert.doesNotMatch(value, /[\n\r'"`$\\;&|<>(){}]/, `accepted ${JSON.stringify(value)}`);
                    if (field.name === "etcd.backup.onCalendar") return; // a timer unit line, not shell: checked by systemd-analyze (integration)
                    // Interpolated unquoted as a shell word: it must parse, and come back as exactly itself
                    // (checked by real bash for every accepted value at once, below).
                    const script = renderDataDiskScript(c.etcd.hosts[0].nvmeDevice, c.etcd.dataDir).replace("dev=", `v=${value}\ndev=`);
                    accepted.push({ value, job: { syntax: script, read: { assignment: `v=${value}`, variable: "v" } } });
                }),
                { numRuns: 60 },
            );
            if (field.name !== "etcd.backup.onCalendar") assert.ok(accepted.length > 0, "no value was accepted: the read-back checked nothing");
            const results = bashBatch(
                accepted.map((a) => a.job),
                accepted.map((a) => a.value),
            );
            accepted.forEach(({ value, job }, i) => {
                assert.strictEqual(results[i].syntax, 0, `bash -n refuses the script with ${JSON.stringify(value)}: ${job.syntax!.slice(0, 200)}`);
                assert.deepStrictEqual(results[i].read, { status: 0, out: value }, `${JSON.stringify(value)} does not read back as itself`);
            });
        });
    }
});

describe("systemd calendars (property, systemd-analyze)", () => {
    const num = fc.integer({ min: 0, max: 70 }).map(String);
    const field = fc.oneof(
        fc.constant("*"),
        num,
        fc.tuple(num, num).map(([a, b]) => `${a}..${b}`),
        fc.tuple(num, fc.integer({ min: 0, max: 20 })).map(([a, s]) => `${a}/${s}`),
        fc.tuple(num, num).map(([a, b]) => `${a},${b}`),
    );
    const weekday = fc.constantFrom("Mon", "Sun", "Mon..Fri", "Sat,Sun", "Funday", "");
    const calendar = fc.oneof(
        fc
            .tuple(weekday, fc.tuple(field, field, field), fc.tuple(field, field, fc.option(field)), fc.constantFrom("", " UTC", " PST"))
            .map(([w, [y, mo, d], [h, mi, se], tz]) => `${w ? `${w} ` : ""}${y}-${mo}-${d} ${h}:${mi}${se === null ? "" : `:${se}`}${tz}`),
        fc.constantFrom("hourly", "daily", "fortnightly", "Sun *-*-* 03:30:00", "*:0/5", "Sat", "2026-02-30", "*-*-* 24:00", "-h", "Mon 25:00"),
        fc.string({ unit: fc.constantFrom(..."0123456789*:-,./ MonSatUTC".split("")), maxLength: 24 }),
    );

    it("every calendar the spec accepts, systemd reads", function () {
        requireTool("systemd-analyze");
        const accepted: string[] = [];
        fc.assert(
            fc.property(calendar, (value) => {
                if (isCalendar(value)) accepted.push(value);
            }),
            { numRuns: 150 },
        );
        assert.ok(accepted.length > 10, `only ${accepted.length} accepted values: the generator explores too little`);
        // systemd-analyze takes many expressions and fails when any fails: one run, then one per value to name it.
        if (spawnSync("systemd-analyze", ["calendar", "--", ...accepted], { encoding: "utf8" }).status !== 0) {
            for (const value of accepted) {
                const r = spawnSync("systemd-analyze", ["calendar", "--", value], { encoding: "utf8" });
                assert.strictEqual(r.status, 0, `${JSON.stringify(value)}: ${r.stderr}`);
            }
            assert.fail("systemd-analyze refused the batch but every value alone");
        }
    });
});

describe("renderers quote what they interpolate (defence in depth, property)", () => {
    const anyText = fc.string({ unit: anyCodePoint, maxLength: 40 }).filter((t) => !t.includes("\0"));
    it("shq: any string is one bash word that reads back unchanged; plain words stay as they are", () => {
        const values: string[] = [];
        fc.assert(
            fc.property(anyText, (value) => {
                values.push(value);
            }),
            { numRuns: 50 },
        );
        // Each value read back as itself, and two quoted copies are two words (real bash, one batch).
        const results = bashBatch(
            values.flatMap((value) => [
                { read: { assignment: `v=${shq(value)}`, variable: "v" } },
                { read: { assignment: `set -- ${shq(value)} ${shq(value)}; n=$#`, variable: "n" } },
            ]),
            values.flatMap((value) => [value, "2"]),
        );
        values.forEach((value, i) => {
            assert.deepStrictEqual(results[2 * i].read, { status: 0, out: value }, JSON.stringify(value));
            assert.deepStrictEqual(results[2 * i + 1].read, { status: 0, out: "2" }, JSON.stringify(value));
        });
        assert.strictEqual(shq("/var/lib/etcd"), "/var/lib/etcd");
    });

    /** 40 pairs of any text (fast-check's, from its seed for this run). */
    const hostilePairs = () => fc.sample(fc.tuple(anyText, anyText), 40);

    it("the data-disk script stays inert with hostile paths: its head sets dev and mnt to exactly them", () => {
        const pairs = hostilePairs();
        // The script parses, and its head sets dev and mnt to exactly a and b (real bash, one batch).
        const results = bashBatch(
            pairs.flatMap(([a, b]) => {
                const disk = renderDataDiskScript(a, b);
                const head = disk.slice("set -euo pipefail\n".length, disk.indexOf("\ntest -b "));
                return [{ syntax: disk, read: { assignment: head, variable: "dev" } }, { read: { assignment: head, variable: "mnt" } }];
            }),
            pairs.flatMap(([a, b]) => [a, b]),
        );
        pairs.forEach(([a, b], i) => {
            const what = JSON.stringify([a, b]);
            assert.strictEqual(results[2 * i].syntax, 0, `bash -n refuses the script for ${what}`);
            assert.deepStrictEqual([results[2 * i].read!.out, results[2 * i + 1].read!.out], [a, b], what);
        });
    });

    it("the directory script hands hostile paths and names to each command as single, unchanged arguments (real bash, the commands stood in)", () => {
        const pairs = hostilePairs();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dirs-script-"));
        try {
            // Each stand-in logs its name and argv (count first, NUL-separated); getent finds no user, so adduser runs.
            const standIns = ["getent", "adduser", "install", "chown", "chmod", "mkdir"]
                .map((cmd) => `${cmd}() { printf '%s\\0' "$(($# + 1))" ${cmd} "$@" >> "$LOG"; ${cmd === "getent" ? "return 2" : "return 0"}; }`)
                .join("\n");
            pairs.forEach(([a, b], i) =>
                fs.writeFileSync(path.join(dir, `${i}.sh`), renderDirsScript(a, [{ path: b, group: "etcd" }], [{ name: b, home: a }])),
            );
            fs.writeFileSync(path.join(dir, "stand-ins.sh"), standIns);
            // No PATH: a command the script runs that is not stood in fails it.
            const runner = `cd "$1"; for i in $(seq 0 ${pairs.length - 1}); do env -i PATH=/nonexistent LOG="$i.log" /bin/bash --norc --noprofile -c '. ./stand-ins.sh; . "./$0.sh"' "$i"; echo $? > "$i.rc"; done`;
            const r = spawnSync("/bin/bash", ["-c", runner, "runner", dir], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            pairs.forEach(([a, b], i) => {
                const what = JSON.stringify([a, b]);
                assert.strictEqual(fs.readFileSync(path.join(dir, `${i}.rc`), "utf8").trim(), "0", `the script failed for ${what}`);
                const words = fs
                    .readFileSync(path.join(dir, `${i}.log`), "utf8")
                    .split("\0")
                    .slice(0, -1);
                const calls: string[][] = [];
                for (let at = 0; at < words.length; at += Number(words[at]) + 1) calls.push(words.slice(at + 1, at + 1 + Number(words[at])));
                const stage = stagedPath(a, "");
                assert.deepStrictEqual(
                    calls,
                    [
                        ["getent", "passwd", b],
                        ["adduser", "--system", "--group", "--no-create-home", "--home", a, b],
                        ["install", "-d", "-o", "root", "-g", "root", "-m", "0711", path.posix.dirname(STAGE_ROOT), STAGE_ROOT],
                        ["install", "-d", "-o", a, "-m", "0700", stage],
                        ["install", "-d", "-o", "root", "-g", "etcd", "-m", "0750", b],
                        ["chown", "root:etcd", b],
                        ["chmod", "0750", b],
                        ["mkdir", "-p", stagedPath(a, b)],
                        ["chown", "-R", a, stage],
                        ["chmod", "-R", "u+rwX,go-rwx", stage],
                    ],
                    what,
                );
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
