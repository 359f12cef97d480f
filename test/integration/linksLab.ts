// A network lab for the links integration test: network namespaces joined by veth pairs and
// bridges, each namespace with its own strongSwan (charon-systemd, own strongswan.conf through
// STRONGSWAN_CONF, own vici socket) and its own FRR (zebra + bgpd, own zserv and vty sockets).
// Addresses exist only inside the namespaces (198.18.0.0/15 outside, 169.254.0.0/16 inside,
// 10.x sites): nothing is sent anywhere else. Every process and namespace is removed by `destroy`.
//
// The data plane: this machine's kernel has neither ESP (CONFIG_INET_ESP), XFRM interfaces
// (CONFIG_XFRM_INTERFACE) nor VTI (CONFIG_NET_IPVTI), so charon uses strongSwan's userspace ESP
// (the kernel-libipsec plugin: one TUN device, ipsec0, UDP-encapsulated ESP). The tunnel's inside
// address goes on ipsec0 where a gateway host puts it on xfrm<ifId>; one tunnel per charon, as
// libipsec has no interface ids.
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Processes, run, RunResult, sleep, waitFor } from "./idcTools";

/** Plugins charon loads: crypto for the proposals under test, userspace ESP, netlink for addresses and routes, vici for swanctl. */
const CHARON_PLUGINS = "random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 x509 pubkey gmp kdf kernel-libipsec kernel-netlink socket-default vici";

export function sh(cmd: string, args: string[], timeoutMs = 20_000): RunResult {
    const r = run(cmd, args, { timeoutMs });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    return r;
}

export class Namespace {
    charon?: ChildProcess;
    private frr: ChildProcess[] = [];
    constructor(
        readonly lab: Lab,
        readonly name: string,
        readonly dir: string,
    ) {}

    exec(args: string[], timeoutMs = 20_000): RunResult {
        return run("ip", ["netns", "exec", this.name, ...args], { timeoutMs });
    }
    must(args: string[], timeoutMs = 20_000): RunResult {
        return sh("ip", ["netns", "exec", this.name, ...args], timeoutMs);
    }
    ip(args: string[]): RunResult {
        return sh("ip", ["-n", this.name, ...args]);
    }

    get vici(): string {
        return `unix://${this.dir}/charon.vici`;
    }
    get charonLog(): string {
        return path.join(this.dir, "charon.log");
    }
    get vty(): string {
        return path.join(this.dir, "frr");
    }

    /** Starts charon-systemd in this namespace with its own strongswan.conf, log and vici socket. */
    async startCharon(): Promise<void> {
        const conf = path.join(this.dir, "strongswan.conf");
        fs.writeFileSync(
            conf,
            `charon-systemd {
  load_modular = no
  load = ${CHARON_PLUGINS}
  plugins {
    vici {
      socket = ${this.vici}
    }
  }
  filelog {
    lab {
      path = ${this.charonLog}
      time_format = %T
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
    }
  }
  journal {
    default = -1
  }
}
`,
        );
        this.charon = this.lab.procs.start("ip", ["netns", "exec", this.name, "/usr/sbin/charon-systemd"], path.join(this.dir, "charon.out"), {
            ...process.env,
            STRONGSWAN_CONF: conf,
        });
        await waitFor(`${this.name}: vici socket`, 15_000, () => (fs.existsSync(`${this.dir}/charon.vici`) ? true : undefined), 200);
        await waitFor(`${this.name}: ipsec0`, 15_000, () => (this.exec(["ip", "link", "show", "ipsec0"]).status === 0 ? true : undefined), 200);
        // kernel-libipsec routes every policy's remote selector (0.0.0.0/0 here) into ipsec0 in
        // charon's table 220, whatever install_routes says; with XFRM interfaces charon installs no
        // route for if_id policies. Dropping the rule to table 220 gives the same: only the routes
        // FRR installs send traffic into the tunnel.
        await waitFor(
            `${this.name}: charon's routing rule`,
            15_000,
            () => (this.must(["ip", "rule", "show", "table", "220"]).stdout.trim() ? true : undefined),
            200,
        );
        this.must(["ip", "rule", "del", "table", "220"]);
    }

    /** `swanctl --load-all` of a swanctl.conf (written to this namespace's dir). */
    loadSwanctl(text: string): RunResult {
        const file = path.join(this.dir, "swanctl.conf");
        fs.writeFileSync(file, text, { mode: 0o600 });
        return this.exec(["swanctl", "--load-all", "--noprompt", "--file", file, "--uri", this.vici]);
    }

    /** IKE SAs by name -> state, from `swanctl --list-sas --raw`. */
    ikeStates(): Record<string, string> {
        const out = this.must(["swanctl", "--list-sas", "--raw", "--uri", this.vici]).stdout;
        const states: Record<string, string> = {};
        for (const m of out.matchAll(/list-sa event \{(\S+) \{[^{]*?state=([A-Z_]+)/g)) states[m[1]] = m[2];
        return states;
    }

    /** CHILD_SAs in state INSTALLED (names). */
    installedChildren(): string[] {
        const out = this.must(["swanctl", "--list-sas", "--raw", "--uri", this.vici]).stdout;
        return [...out.matchAll(/\{name=(\S+) [^{}]*?state=INSTALLED/g)].map((m) => m[1]);
    }

    /** zebra, bgpd and staticd in this namespace, no config yet (applied with `applyFrr`). */
    async startFrr(): Promise<void> {
        fs.mkdirSync(this.vty, { recursive: true });
        sh("chown", ["frr:frr", this.vty]);
        const common = ["-f", "/dev/null", "-z", `${this.vty}/zserv.api`, "--vty_socket", this.vty, "-A", "127.0.0.1", "-P", "0"];
        // zebra first (the others connect to its socket); static routes (`ip route` in frr.conf) are
        // staticd's, which watchfrr always starts on a host.
        for (const [daemon, ready] of [
            ["zebra", "zserv.api"],
            ["bgpd", "bgpd.vty"],
            ["staticd", "staticd.vty"],
        ]) {
            this.frr.push(
                this.lab.procs.start(
                    "ip",
                    ["netns", "exec", this.name, `/usr/lib/frr/${daemon}`, ...common, "-i", `${this.vty}/${daemon}.pid`],
                    path.join(this.dir, `${daemon}.log`),
                ),
            );
            await waitFor(`${this.name}: ${daemon}`, 15_000, () => (fs.existsSync(`${this.vty}/${ready}`) ? true : undefined), 200);
        }
    }

    /** Applies a frr.conf to the running daemons (`vtysh -f`, as `vtysh -b` does with the integrated config at boot). */
    applyFrr(text: string): void {
        const file = path.join(this.dir, "frr.conf");
        fs.writeFileSync(file, text);
        const r = run("vtysh", ["--vty_socket", this.vty, "-f", file], { timeoutMs: 20_000 });
        if (r.status !== 0 || /% (Unknown|Invalid|Ambiguous)/.test(r.stdout + r.stderr))
            throw new Error(`${this.name}: vtysh -f frr.conf: exit ${r.status}\n${r.stdout}${r.stderr}`);
    }

    vtysh(command: string): string {
        return sh("vtysh", ["--vty_socket", this.vty, "-c", command]).stdout;
    }

    /** Neighbour -> state from `show bgp summary json`. */
    bgpPeers(): Record<string, string> {
        const summary = JSON.parse(this.vtysh("show bgp summary json"));
        const peers = summary.ipv4Unicast?.peers ?? {};
        return Object.fromEntries(Object.entries(peers).map(([ip, p]) => [ip, (p as { state: string }).state]));
    }

    /** Prefixes in the kernel's main table (what zebra installed from BGP included). */
    kernelRoutes(): string[] {
        return this.must(["ip", "-4", "route", "show"])
            .stdout.split("\n")
            .map((l) => l.split(" ")[0])
            .filter(Boolean);
    }

    ping(from: string, to: string, count = 1): boolean {
        return this.exec(["ping", "-n", "-q", "-c", String(count), "-W", "2", "-I", from, to], 15_000).status === 0;
    }

    /** Stops this namespace's daemons at once (SIGKILL: a host that dies, no goodbye to its peers). */
    async kill(): Promise<void> {
        for (const c of [this.charon, ...this.frr]) if (c) c.kill("SIGKILL");
        await sleep(200);
    }
}

export class Lab {
    readonly procs = new Processes();
    private readonly namespaces: Namespace[] = [];
    /** A short random prefix: namespace names must not collide with another run. */
    readonly prefix = `lk${process.pid.toString(36).slice(-3)}`;

    constructor(readonly root: string) {}

    ns(short: string): Namespace {
        const name = `${this.prefix}-${short}`;
        sh("ip", ["netns", "add", name]);
        const dir = path.join(this.root, short);
        fs.mkdirSync(dir, { recursive: true });
        const ns = new Namespace(this, name, dir);
        this.namespaces.push(ns);
        ns.ip(["link", "set", "lo", "up"]);
        return ns;
    }

    /** A bridge in `ns` (a switch). */
    bridge(ns: Namespace, name: string, address?: string): void {
        ns.ip(["link", "add", name, "type", "bridge"]);
        if (address) ns.ip(["addr", "add", address, "dev", name]);
        ns.ip(["link", "set", name, "up"]);
    }

    /** A veth from `ns` (interface `ifname`, with `address`) plugged into `bridge` in `switchNs`. */
    plug(ns: Namespace, ifname: string, address: string, switchNs: Namespace, bridge: string): void {
        const peer = `${ns.name.slice(this.prefix.length + 1)}-${ifname}`.slice(0, 15);
        sh("ip", ["link", "add", ifname, "netns", ns.name, "type", "veth", "peer", "name", peer, "netns", switchNs.name]);
        switchNs.ip(["link", "set", peer, "master", bridge, "up"]);
        ns.ip(["addr", "add", address, "dev", ifname]);
        ns.ip(["link", "set", ifname, "up"]);
    }

    async destroy(): Promise<void> {
        await this.procs.stopAll();
        for (const ns of this.namespaces) run("ip", ["netns", "del", ns.name]);
    }
}
