// Every systemd unit the prod and dev fleets place on an IDC host (etcd's member, backup and defrag
// units, the VRRP filter, the link gateways' XFRM unit), through `systemd-analyze verify` in a root
// made of what the plan copies to that host: the unit files as `systemctl link` puts them, this
// machine's systemd units (the targets they order against), and stand-ins only for the executables
// another step installs. So a key systemd does not know, a unit that needs one the host never gets,
// or an ExecStart= whose program the plan does not place fails here. No root needed.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { LINKS_PATHS } from "../../components/links/render";
import { plannedStack } from "../harness";
import { requireTool, run, tempDir } from "./idcTools";

/** Executables a unit runs that no copied file provides, and what puts them on the host. */
const INSTALLED_BY_STEPS: Record<string, string> = {
    "/usr/local/bin/etcd": "etcd's release step (sha256-checked tarball)",
    "/usr/sbin/nft": "Debian's nftables package (the control-plane packages step)",
    [LINKS_PATHS.xfrmScript]: "the gateway setup step, from the staged xfrm.sh",
};

/** systemd's own units on this machine: what a host's systemd has (network-online.target, sysinit.target, ...). */
const SYSTEM_UNITS = "/usr/lib/systemd/system";

const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));

/**
 * `systemd-analyze verify` of `units` (name -> text) in a root holding `files` (absolute path -> text)
 * and the stand-ins; its status and everything it printed (a warning such as an unknown key goes to stderr with status 0).
 */
function verify(units: Map<string, string>, files: Map<string, string>): { status: number | null; output: string } {
    const root = tempDir("systemd-root-");
    try {
        const put = (file: string, text: string) => {
            const at = path.join(root, file);
            fs.mkdirSync(path.dirname(at), { recursive: true });
            fs.writeFileSync(at, text);
            // The steps that place a script make it executable (install -m 0755, the timers step's chmod 0750).
            if (text.startsWith("#!")) fs.chmodSync(at, 0o755);
        };
        for (const [file, text] of files) put(file, text);
        for (const file of Object.keys(INSTALLED_BY_STEPS)) if (!files.has(file)) put(file, "#!/bin/sh\n");
        fs.cpSync(SYSTEM_UNITS, path.join(root, SYSTEM_UNITS), { recursive: true });
        // `systemctl link` symlinks each into /etc/systemd/system; systemd-analyze does not follow an absolute link inside --root, so copies.
        const linked = [...units].map(([name, text]) => {
            put(`/etc/systemd/system/${name}`, text);
            return path.join(root, "etc/systemd/system", name);
        });
        const r = run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...linked]);
        return { status: r.status, output: (r.stdout + r.stderr).trim() };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

/** Each host's units and files as the plan of `stack` copies them (`out/files/<host>/<remote path>`). */
async function hostsOf(stack: "prod" | "dev"): Promise<Map<string, { units: Map<string, string>; files: Map<string, string> }>> {
    const dir = path.join(await plannedStack(stack), "files");
    const hosts = new Map<string, { units: Map<string, string>; files: Map<string, string> }>();
    for (const host of fs.readdirSync(dir).sort()) {
        const files = new Map(walk(path.join(dir, host)).map((f) => [`/${path.relative(path.join(dir, host), f)}`, fs.readFileSync(f, "utf8")]));
        const units = new Map([...files].filter(([f]) => /\.(service|timer)$/.test(f)).map(([f, text]) => [path.basename(f), text]));
        if (units.size > 0) hosts.set(host, { units, files });
    }
    return hosts;
}

describe("every systemd unit the fleets place on a host passes systemd-analyze verify", function () {
    this.timeout(120_000);
    before(() => requireTool("systemd-analyze"));

    it("fails a unit with a key systemd does not know, and one whose program is not on the host (the check can fail)", () => {
        const unit = "[Unit]\nDescription=t\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/t\nRestartSecs=5\n";
        const missing = verify(new Map([["t.service", unit]]), new Map());
        assert.notStrictEqual(missing.status, 0, missing.output);
        assert.match(missing.output, /Command \/usr\/local\/bin\/t is not executable/);
        const placed = verify(new Map([["t.service", unit]]), new Map([["/usr/local/bin/t", "#!/bin/sh\n"]]));
        assert.match(placed.output, /Unknown key 'RestartSecs'/);
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
            for (const [host, { units, files }] of hosts) {
                const r = verify(units, files);
                assert.ok(r.status === 0 && r.output === "", `${host} (${[...units.keys()].join(", ")}):\n${r.output}`);
            }
        });
    }
});
