// Every systemd unit the prod and dev fleets place on an IDC host (etcd's member, backup and defrag
// units, the VRRP filter, the link gateways' XFRM unit), through `systemd-analyze verify` in a root
// made of what the plan gives that host: the files it copies there, installed and made executable as
// the host's own steps do (their `install -m` and `chmod` lines), the unit files where systemd finds
// them, the units of Debian's systemd package (the targets they order against), and stand-ins only
// for the programs a Debian package or etcd's release step puts there, where a step of that host
// installs them. So a key systemd does not know, a unit required that the host never gets, or an
// ExecStart= whose program the plan does not place or make executable (by its owner: the test runs
// as one user) fails here. Where each unit is linked from is the steps' business (their own tests).
// No root needed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadIdcSpec, loadStackSpec, plannedStack, runFleet, SecretValue } from "../harness";
import { listFiles } from "../tools/planScratch";
import { requireTool, run, tempDir } from "./idcTools";

/**
 * Programs a unit runs that no copied file provides: stood in on a host only when one of its steps
 * installs them (a line matching `by`).
 */
const INSTALLED_BY_STEPS: { program: string; by: RegExp; what: string }[] = [
    {
        program: "/usr/local/bin/etcd",
        by: /^install -m 0755 "\$tmp\/\$name\/etcd" .* \/usr\/local\/bin\/$/m,
        what: "etcd's release step (a sha256-checked tarball)",
    },
    { program: "/usr/sbin/nft", by: /apt-get install .*\bnftables=\S/, what: "Debian's nftables package (the control-plane packages step)" },
];

/** The unit files of Debian's systemd package, as installed on this machine (the host runs the same package); directories end with '/'. */
function systemdPackageUnits(): string[] {
    if (!packageUnits) {
        const r = run("dpkg-query", ["-L", "systemd"]);
        assert.strictEqual(r.status, 0, r.stderr);
        packageUnits = r.stdout
            .split("\n")
            .filter((f) => /^\/(usr\/)?lib\/systemd\/system\/./.test(f))
            .map((f) => (fs.lstatSync(f).isDirectory() ? `${f}/` : f));
    }
    return packageUnits;
}
let packageUnits: string[] | undefined;

interface Host {
    /** The unit files, by name. */
    units: Map<string, string>;
    /** What the plan copies to the host, by path. */
    files: Map<string, string>;
    /** The host's steps, as their scripts: what installs and chmods the files. */
    steps: string[];
}

/**
 * The files as the host's steps leave them: `install [-D] ... [-m MODE] SRC DST` puts SRC's content (a
 * file the plan copies, or its staged copy) at DST with that mode (install's own default 0755);
 * `chmod MODE PATH...` sets it. A line about a file here that this cannot read (a symbolic mode,
 * `--mode=`, options run together) throws rather than guessing.
 */
function installed(host: Host): Map<string, { text: string; mode: number }> {
    const out = new Map([...host.files].map(([file, text]) => [file, { text, mode: 0o644 }]));
    for (const line of host.steps.flatMap((s) => s.split("\n")).map((l) => l.trim())) {
        const words = line.split(/\s+/);
        if (words[0] !== "install" && words[0] !== "chmod") continue;
        const touches = words.slice(1).some((w) => out.has(w));
        const unreadable = words.some((w) => /^--mode=|^-[A-Za-z]*m[0-7]/.test(w)) || (words[0] === "chmod" && !/^0?[0-7]{3}$/.test(words[1] ?? ""));
        if (touches && unreadable) throw new Error(`cannot read the mode this step sets: ${line}`);
        if (words[0] === "install" && !words.includes("-d")) {
            const m = words.indexOf("-m");
            const mode = m === -1 ? 0o755 : parseInt(words[m + 1], 8);
            const [src, dst] = words.slice(-2);
            const text = out.get(dst)?.text ?? out.get(src)?.text;
            if (text !== undefined) out.set(dst, { text, mode });
        } else if (words[0] === "chmod" && !unreadable) {
            for (const p of words.slice(2)) {
                const f = out.get(p);
                if (f) f.mode = parseInt(words[1], 8);
            }
        }
    }
    return out;
}

/**
 * `systemd-analyze verify` of a host's units in a root holding what the host gets; its status and
 * everything it printed (a warning such as an unknown key goes to stderr with status 0).
 */
function verify(host: Host): { status: number | null; output: string } {
    const root = tempDir("systemd-root-");
    try {
        const put = (file: string, text: string, mode: number) => {
            const at = path.join(root, file);
            fs.mkdirSync(path.dirname(at), { recursive: true });
            fs.writeFileSync(at, text, { mode });
            fs.chmodSync(at, mode);
        };
        for (const [file, { text, mode }] of installed(host)) put(file, text, mode);
        for (const { program, by } of INSTALLED_BY_STEPS)
            if (
                host.steps.some((step) =>
                    by.test(
                        step
                            .split("\n")
                            .map((l) => l.trim())
                            .join("\n"),
                    ),
                )
            )
                put(program, "#!/bin/sh\n", 0o755);
        // The package's own files only (a *.wants directory may hold other packages' links).
        for (const unit of systemdPackageUnits()) {
            const at = path.join(root, "usr/lib/systemd/system", unit.replace(/^\/(usr\/)?lib\/systemd\/system\//, ""));
            if (unit.endsWith("/")) fs.mkdirSync(at, { recursive: true });
            else {
                fs.mkdirSync(path.dirname(at), { recursive: true });
                fs.cpSync(unit, at, { verbatimSymlinks: true });
            }
        }
        // Where systemd finds them: `systemctl link` symlinks each into /etc/systemd/system (the gateway's setup
        // step installs its unit there); systemd-analyze does not follow an absolute link inside --root, so copies.
        const linked = [...host.units].map(([name, text]) => {
            put(`/etc/systemd/system/${name}`, text, 0o644);
            return path.join(root, "etc/systemd/system", name);
        });
        const r = run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...linked]);
        return { status: r.status, output: (r.stdout + r.stderr).trim() };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** Each IDC host of `stack` with a unit: its units and files as the plan writes them (`out/files/<host>/<path>`), and its steps. */
async function hostsOf(stack: "prod" | "dev"): Promise<Map<string, Host>> {
    const dir = path.join(await plannedStack(stack), "files");
    const idc = loadIdcSpec(stack);
    const addressOf = new Map([...idc.controlPlane.hosts, ...idc.etcd.hosts, ...idc.workers, ...(idc.gateway?.hosts ?? [])].map((h) => [h.name, h.address]));
    const { inventory } = await runFleet(loadStackSpec(stack), stack);
    const unwrap = (v: unknown) => (v instanceof SecretValue ? v.value : v);
    const hosts = new Map<string, Host>();
    for (const name of fs.readdirSync(dir).sort()) {
        const files = new Map(listFiles(path.join(dir, name)).map((f) => [`/${path.relative(path.join(dir, name), f)}`, fs.readFileSync(f, "utf8")]));
        const units = new Map([...files].filter(([f]) => /\.(service|timer)$/.test(f)).map(([f, text]) => [path.basename(f), text]));
        if (units.size === 0) continue;
        const steps = inventory
            .ofType("command:remote:Command")
            .filter((c) => (unwrap(c.inputs.connection) as { host: string }).host === addressOf.get(name))
            .flatMap((c) => [unwrap(c.inputs.stdin), c.inputs.create].filter((s): s is string => typeof s === "string"));
        assert.ok(steps.length > 0, `no step reaches ${name}`);
        hosts.set(name, { units, files, steps });
    }
    return hosts;
}

describe("every systemd unit the fleets place on a host passes systemd-analyze verify", function () {
    this.timeout(120_000);
    before(() => {
        requireTool("systemd-analyze");
        requireTool("dpkg-query");
    });

    it("fails a unit with a key systemd does not know, one that requires a unit the host lacks, and one whose program is missing or not executable (the check can fail)", () => {
        const unit = (extra: string) => `[Unit]\nDescription=t\n${extra}[Service]\nType=oneshot\nExecStart=/usr/local/bin/t\n`;
        const host = (text: string, files: [string, string][], steps: string[] = []): Host => ({
            units: new Map([["t.service", text]]),
            files: new Map(files),
            steps,
        });
        const program: [string, string] = ["/usr/local/bin/t", "#!/bin/sh\n"];
        const placed = verify(host(unit(""), [program], ["install -m 0755 /tmp/t /usr/local/bin/t"]));
        assert.deepStrictEqual(placed, { status: 0, output: "" });
        assert.match(verify(host(`${unit("")}RestartSecs=5\n`, [program], ["chmod 0755 /usr/local/bin/t"])).output, /Unknown key 'RestartSecs'/);
        const lacking = verify(host(unit("Requires=nothere.service\n"), [program], ["chmod 0755 /usr/local/bin/t"]));
        assert.notStrictEqual(lacking.status, 0, lacking.output);
        assert.match(lacking.output, /nothere\.service/);
        assert.match(verify(host(unit(""), [])).output, /Command \/usr\/local\/bin\/t is not executable: No such file or directory/);
        // A packaged program is there only where a step installs its package.
        const filter = "[Unit]\nDescription=f\n[Service]\nType=oneshot\nExecStart=/usr/sbin/nft -f /etc/f.nft\n";
        assert.match(verify(host(filter, [])).output, /Command \/usr\/sbin\/nft is not executable: No such file or directory/);
        const withPackage = verify(host(filter, [], ["apt_retry apt-get install -y --no-install-recommends nftables=1.0.6-2+deb12u2"]));
        assert.deepStrictEqual(withPackage, { status: 0, output: "" });
        // Copied, but no step makes it executable.
        assert.match(verify(host(unit(""), [program])).output, /Command \/usr\/local\/bin\/t is not executable: Permission denied/);
        // A mode this cannot read is refused, not guessed.
        assert.throws(() => verify(host(unit(""), [program], ["chmod u+x /usr/local/bin/t"])), /cannot read the mode this step sets: chmod u\+x/);
    });

    for (const stack of ["prod", "dev"] as const) {
        it(`${stack}: every host's units, with nothing printed`, async () => {
            const hosts = await hostsOf(stack);
            const all = [...hosts.values()].flatMap((h) => [...h.units.keys()]);
            // The kinds there are: etcd members, control-plane hosts, link gateways (prod and dev both have each).
            for (const name of [
                "etcd-member.service",
                "etcd-backup.timer",
                "etcd-defrag.timer",
                "hybrid-fleet-vrrp-filter.service",
                "hybrid-fleet-xfrm.service",
            ])
                assert.ok(all.includes(name), `no host of ${stack} has ${name}`);
            for (const [name, host] of hosts) {
                const r = verify(host);
                assert.ok(r.status === 0 && r.output === "", `${name} (${[...host.units.keys()].join(", ")}):\n${r.output}`);
            }
        });
    }
});
