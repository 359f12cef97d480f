// The IDC end of a link against an emulated cloud end, with the real tools, in network namespaces
// on this machine (see linksLab.ts for the lab and its userspace ESP data plane):
//
//   site "tor" 10.10.0.1 (ToR, AS 65010)            site "vpc" 10.20.0.1 (VPC router, AS 64600)
//        |  fabric 10.10.0.0/24                              |  10.20.0.0/24
//     gw1, gw2 (IDC gateways, AS 65001)              c1, c2 (the cloud gateway's two tunnel ends, AS 64512)
//        \______________ outside 198.18.0.0/15 (a bridge) _____________/
//          tunnel t1: gw1 <-> c1 (169.254.21.0/30), tunnel t2: gw2 <-> c2 (169.254.22.0/30)
//
// The gateways run exactly the rendered swanctl.conf and frr.conf; the cloud ends run the files
// rendered from mirrorTunnel() of the same tunnel parameters (what the managed gateway is given).
// The ToR and the VPC router are the test's own small FRR configs. Asserted: both tunnels
// ESTABLISHED, every BGP session Established, each site learns the other's prefix and the gateways
// take nothing else (a cloud end that also announces a default route, a link-local block and a
// more-specific of the IDC's range; a ToR with a stray prefix), a ping crosses,
// and crosses again with gw1 dead; a wrong PSK and a proposal the other end rejects fail; a rotated
// PSK reloaded at both ends keeps the running SA, authenticates the next and refuses the old key.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import { renderFrrConf, renderLinksSysctl, renderSwanctlConf } from "../../components/links/render";
import { mirrorTunnel, ResolvedGatewayHost, ResolvedTunnel, TunnelParams } from "../../components/links/types";
import { requireTool, run, tempDir, waitFor } from "./idcTools";
import { Lab, Namespace } from "./linksLab";

const IDC_ASN = 65001;
const CLOUD_ASN = 64512;
const TOR_ASN = 65010;
const VPC_ASN = 64600;
const IDC_PREFIX = "10.10.0.0/24";
/** The IDC's pod range: the racks teach the gateways only a node's block of it, as CNIs do (a PodCIDR per node). */
const IDC_POD_PREFIX = "10.164.0.0/16";
const IDC_POD_BLOCK = "10.164.1.0/24";
const CLOUD_PREFIX = "10.20.0.0/24";
/**
 * What a misbehaving cloud end announces besides its own prefix (a Transit Gateway route table can
 * hold an egress VPC's default route): a default route, a link-local block, a more-specific of the
 * IDC's own range. The IDC gateways take none of them.
 */
const CLOUD_HOSTILE = ["0.0.0.0/0", "169.254.99.0/30", "10.10.0.128/25"];
/** What a ToR announces that is none of the site's prefixes: the gateways do not pass it to the clouds. */
const TOR_HOSTILE = "10.99.0.0/24";
const crypto = { ike: "aes256gcm16-prfsha384-ecp384", esp: "aes256gcm16-ecp384", ikeLifetimeSeconds: 28800, espLifetimeSeconds: 3600, dpdDelaySeconds: 10 };

/** A PSK of AWS's alphabet, fresh per run. */
const psk = () =>
    `K${randomBytes(24)
        .toString("base64")
        .replace(/[^A-Za-z0-9]/g, "")}`.slice(0, 32);

function tunnel(name: string, n: number, idcOutside: string, cloudOutside: string): ResolvedTunnel {
    return {
        name,
        ifId: 1,
        localOutside: idcOutside,
        remoteOutside: cloudOutside,
        insideCidr: `169.254.${20 + n}.0/30`,
        localInside: `169.254.${20 + n}.2`,
        remoteInside: `169.254.${20 + n}.1`,
        psk: psk(),
        localAsn: IDC_ASN,
        remoteAsn: CLOUD_ASN,
        crypto: { ...crypto },
    };
}

/** The cloud end of a tunnel: mirrorTunnel() of the same parameters (it only swaps ends; the PSK string passes through). */
const mirror = (t: ResolvedTunnel) => mirrorTunnel(t as unknown as TunnelParams) as unknown as ResolvedTunnel;

function idcGateway(name: string, fabricAddress: string, t: ResolvedTunnel): ResolvedGatewayHost {
    return {
        host: { name, address: fabricAddress, publicAddress: t.localOutside },
        localAsn: IDC_ASN,
        tunnels: [t],
        fabricPeers: [{ name: "tor", peerIp: "10.10.0.1", asn: TOR_ASN }],
        announce: [IDC_PREFIX, IDC_POD_PREFIX],
    };
}

function cloudEnd(name: string, vpcAddress: string, t: ResolvedTunnel): ResolvedGatewayHost {
    const m = mirror(t);
    return {
        host: { name, address: vpcAddress, publicAddress: m.localOutside },
        localAsn: CLOUD_ASN,
        tunnels: [m],
        fabricPeers: [{ name: "vpc", peerIp: "10.20.0.1", asn: VPC_ASN }],
        announce: [CLOUD_PREFIX],
    };
}

/** The cloud end's rendered frr.conf, made to announce CLOUD_HOSTILE too (each a discard route, a `network` and a SITE entry). */
function misbehaving(frrConf: string): string {
    const extra = CLOUD_HOSTILE.map((p, i) => `ip prefix-list SITE seq ${900 + i * 5} permit ${p}\nip route ${p} blackhole 254`).join("\n");
    const withRoutes = frrConf.replace(/\nrouter bgp /, `\n${extra}\n!\nrouter bgp `);
    const out = withRoutes.replace(
        /\n address-family ipv4 unicast\n/,
        `\n address-family ipv4 unicast\n${CLOUD_HOSTILE.map((p) => `  network ${p}\n`).join("")}`,
    );
    assert.notStrictEqual(out, withRoutes, "the rendered frr.conf has the address family this edit expects");
    return out;
}

/** The test's own site routers: accept and pass on everything (not the thing under test); `originate`: prefixes it routes itself and announces. */
function siteRouter(name: string, asn: number, routerId: string, peers: { ip: string; asn: number }[], originate: string[] = []): string {
    return `frr defaults traditional
hostname ${name}
${originate.map((p) => `ip route ${p} blackhole\n`).join("")}router bgp ${asn}
 bgp router-id ${routerId}
 no bgp ebgp-requires-policy
${peers.map((p) => ` neighbor ${p.ip} remote-as ${p.asn}\n neighbor ${p.ip} timers 3 9`).join("\n")}
 address-family ipv4 unicast
  maximum-paths 4${originate.length > 0 ? "\n  redistribute static" : ""}
 exit-address-family
exit
`;
}

/** The inside address on ipsec0 (kernel-libipsec's TUN), where a gateway host puts it on xfrm<ifId>. */
function insideAddress(ns: Namespace, t: ResolvedTunnel): void {
    ns.ip(["addr", "add", `${t.localInside}/30`, "dev", "ipsec0"]);
    ns.ip(["link", "set", "ipsec0", "up"]);
}

/** The rendered sysctls (forwarding, loose rp_filter) inside a namespace. */
function sysctls(ns: Namespace, h: ResolvedGatewayHost): void {
    const file = `${ns.dir}/sysctl.conf`;
    fs.writeFileSync(file, renderLinksSysctl(h));
    ns.must(["sysctl", "-q", "-p", file]);
}

function checkFrrConf(dir: string, name: string, text: string): void {
    const file = `${dir}/${name}.frr.conf`;
    fs.writeFileSync(file, text);
    const r = run("vtysh", ["-C", "-f", file], { timeoutMs: 20_000 });
    assert.strictEqual(r.status, 0, `${name}: vtysh -C rejects frr.conf\n${r.stdout}${r.stderr}`);
}

describe("links: IDC gateways against an emulated cloud end (strongSwan + FRR in network namespaces)", function () {
    this.timeout(420_000);
    // Each step needs the previous one: stop at the first failure.
    this.bail(true);
    let lab: Lab;
    let root: string;
    const t1 = tunnel("idc-cloud-t1", 1, "198.18.0.11", "198.18.1.1");
    const t2 = tunnel("idc-cloud-t2", 2, "198.18.0.12", "198.18.1.2");
    const plans = {
        gw1: idcGateway("gw1", "10.10.0.11", t1),
        gw2: idcGateway("gw2", "10.10.0.12", t2),
        c1: cloudEnd("cloud-t1", "10.20.0.11", t1),
        c2: cloudEnd("cloud-t2", "10.20.0.12", t2),
    };
    const ns: Record<string, Namespace> = {};

    before(async function () {
        if (process.getuid?.() !== 0) throw new Error("the links lab needs root (network namespaces, charon, FRR)");
        for (const tool of ["ip", "swanctl", "vtysh", "ping", "/usr/sbin/charon-systemd", "/usr/lib/frr/bgpd"]) requireTool(tool);
        if (!fs.existsSync("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"))
            throw new Error("kernel-libipsec missing: apt-get install libcharon-extra-plugins libstrongswan-standard-plugins");
        root = tempDir("links-lab-");
        fs.chmodSync(root, 0o755);
        lab = new Lab(root);
        const wan = lab.ns("wan");
        lab.bridge(wan, "br0");
        ns.tor = lab.ns("tor");
        lab.bridge(ns.tor, "fab", "10.10.0.1/24");
        ns.vpc = lab.ns("vpc");
        lab.bridge(ns.vpc, "vpc", "10.20.0.1/24");
        for (const [key, plan, site, lan] of [
            ["gw1", plans.gw1, ns.tor, "fab"],
            ["gw2", plans.gw2, ns.tor, "fab"],
            ["c1", plans.c1, ns.vpc, "vpc"],
            ["c2", plans.c2, ns.vpc, "vpc"],
        ] as const) {
            const n = lab.ns(key);
            ns[key] = n;
            lab.plug(n, "out", `${plan.tunnels[0].localOutside}/15`, wan, "br0");
            lab.plug(n, "lan", `${plan.host.address}/24`, site, lan);
            sysctls(n, plan);
        }
        for (const key of ["gw1", "gw2", "c1", "c2"]) {
            await ns[key].startCharon();
            insideAddress(ns[key], plans[key as keyof typeof plans].tunnels[0]);
        }
        for (const n of Object.values(ns)) await n.startFrr();
    });

    after(async () => {
        if (process.env.LINKS_LAB_KEEP) return; // debugging: leaves the lab running (ip netns pids / ip netns del by hand)
        if (lab) await lab.destroy();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("vtysh -C accepts every rendered frr.conf", () => {
        for (const [name, plan] of Object.entries(plans)) checkFrrConf(root, name, renderFrrConf(plan));
    });

    it("swanctl --load-all loads every rendered swanctl.conf (one connection, one secret each)", () => {
        for (const key of ["c1", "c2", "gw1", "gw2"] as const) {
            const r = ns[key].loadSwanctl(renderSwanctlConf(plans[key]));
            assert.strictEqual(r.status, 0, `${key}: ${r.stdout}${r.stderr}`);
            assert.match(r.stdout, /loaded ike secret 'ike-idc-cloud-t\d'/);
            assert.match(r.stdout, /successfully loaded 1 connections, 0 unloaded/);
        }
    });

    it("both tunnels reach ESTABLISHED with their CHILD_SA installed (start_action = start)", async () => {
        for (const [key, t] of [
            ["gw1", t1],
            ["gw2", t2],
            ["c1", t1],
            ["c2", t2],
        ] as const) {
            await waitFor(`${key}: ${t.name} ESTABLISHED`, 30_000, () =>
                ns[key].ikeStates()[t.name] === "ESTABLISHED" && ns[key].installedChildren().includes(t.name) ? true : undefined,
            );
        }
    });

    it("every BGP session is Established: over both tunnels, to the ToR and to the VPC router", async () => {
        for (const key of ["gw1", "gw2"] as const) ns[key].applyFrr(renderFrrConf(plans[key]));
        for (const key of ["c1", "c2"] as const) ns[key].applyFrr(misbehaving(renderFrrConf(plans[key])));
        ns.tor.applyFrr(
            siteRouter(
                "tor",
                TOR_ASN,
                "10.10.0.1",
                [
                    { ip: "10.10.0.11", asn: IDC_ASN },
                    { ip: "10.10.0.12", asn: IDC_ASN },
                ],
                [IDC_POD_BLOCK, TOR_HOSTILE],
            ),
        );
        ns.vpc.applyFrr(
            siteRouter("vpc", VPC_ASN, "10.20.0.1", [
                { ip: "10.20.0.11", asn: CLOUD_ASN },
                { ip: "10.20.0.12", asn: CLOUD_ASN },
            ]),
        );
        const expected: Record<string, string[]> = {
            gw1: ["169.254.21.1", "10.10.0.1"],
            gw2: ["169.254.22.1", "10.10.0.1"],
            c1: ["169.254.21.2", "10.20.0.1"],
            c2: ["169.254.22.2", "10.20.0.1"],
            tor: ["10.10.0.11", "10.10.0.12"],
            vpc: ["10.20.0.11", "10.20.0.12"],
        };
        for (const [key, peers] of Object.entries(expected)) {
            await waitFor(`${key}: BGP Established with ${peers.join(", ")}`, 60_000, () => {
                const states = ns[key].bgpPeers();
                return peers.every((p) => states[p] === "Established") ? true : undefined;
            }).catch((e) => {
                const diag = (n: Namespace) =>
                    `${n.name}:\n${n.vtysh("show bgp summary")}\n${n.must(["ip", "route"]).stdout}\n${n.must(["ss", "-tanp"]).stdout}\n${n.must(["ip", "xfrm", "policy"]).stdout}\n${n.must(["ip", "rule"]).stdout}\n${n.must(["ip", "route", "show", "table", "all"]).stdout}\n${n.must(["sysctl", "-a", "--pattern", "rp_filter|forwarding"]).stdout}`;
                throw new Error(`${e.message}\n${diag(ns[key])}\n${diag(ns.tor)}\n${fs.readFileSync(`${ns.tor.dir}/bgpd.log`, "utf8").slice(-3000)}`);
            });
        }
    });

    it("each site learns the other's prefix, and nothing else crosses (no inside /30s, no site prefix echoed back)", async () => {
        await waitFor("the ToR learns the cloud prefix over both gateways", 30_000, () => (ns.tor.kernelRoutes().includes(CLOUD_PREFIX) ? true : undefined));
        await waitFor("the VPC router learns the IDC prefix", 30_000, () => (ns.vpc.kernelRoutes().includes(IDC_PREFIX) ? true : undefined));
        // The pod range, of which the gateways hold only the ToR's block: its discard route keeps the `network` announced.
        await waitFor("the VPC router learns the IDC pod range", 30_000, () => (ns.vpc.kernelRoutes().includes(IDC_POD_PREFIX) ? true : undefined));
        const torRoutes = JSON.parse(ns.tor.vtysh("show bgp ipv4 unicast json")).routes as Record<string, { nexthops: { ip: string }[] }[]>;
        assert.deepStrictEqual(
            Object.keys(torRoutes).sort(),
            [CLOUD_PREFIX, IDC_POD_BLOCK, TOR_HOSTILE].sort(),
            "the ToR gets exactly the cloud prefix (beside its own two)",
        );
        const viaGateways = torRoutes[CLOUD_PREFIX].map((p) => p.nexthops[0].ip).sort();
        assert.deepStrictEqual(viaGateways, ["10.10.0.11", "10.10.0.12"], "one path over each gateway");
        const vpcRoutes = JSON.parse(ns.vpc.vtysh("show bgp ipv4 unicast json")).routes as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(vpcRoutes).sort(), [IDC_PREFIX, IDC_POD_PREFIX].sort());
        // The cloud end learns only the IDC's announced prefixes over the tunnel (the aggregate, never the rack's block).
        const c1Routes = JSON.parse(ns.c1.vtysh("show bgp ipv4 unicast json")).routes as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(c1Routes).sort(), [IDC_PREFIX, IDC_POD_PREFIX, CLOUD_PREFIX, ...CLOUD_HOSTILE].sort());
    });

    it("takes nothing it must not: no default, link-local or own more-specific from a cloud, nothing but site prefixes from a ToR; tags stay inside", () => {
        // The cloud end did send them: what it advertises over the tunnel.
        const sent = JSON.parse(ns.c1.vtysh("show bgp ipv4 unicast neighbors 169.254.21.2 advertised-routes json")).advertisedRoutes as Record<string, unknown>;
        assert.deepStrictEqual(Object.keys(sent).sort(), [CLOUD_PREFIX, ...CLOUD_HOSTILE].sort(), "c1 advertises its prefix and the hostile ones");
        // ... and the gateway keeps only the cloud's prefix of them, tagged as learned from a tunnel.
        for (const [gw, cloudPeer] of [
            ["gw1", "169.254.21.1"],
            ["gw2", "169.254.22.1"],
        ] as const) {
            const routes = JSON.parse(ns[gw].vtysh("show bgp ipv4 unicast json")).routes as Record<string, unknown>;
            assert.deepStrictEqual(Object.keys(routes).sort(), [IDC_PREFIX, IDC_POD_PREFIX, IDC_POD_BLOCK, CLOUD_PREFIX].sort(), `${gw}'s BGP table`);
            const cloud = JSON.parse(ns[gw].vtysh(`show bgp ipv4 unicast ${CLOUD_PREFIX} json`)).paths as {
                peer: { peerId: string };
                largeCommunity?: { string: string };
            }[];
            const fromTunnel = cloud.find((p) => p.peer.peerId === cloudPeer);
            assert.strictEqual(fromTunnel?.largeCommunity?.string, `${IDC_ASN}:1:0`, `${gw} tags what the tunnel taught`);
        }
        // The ToR's route to the cloud carries no tag of the gateways': it is deleted on the way out.
        const atTor = JSON.parse(ns.tor.vtysh(`show bgp ipv4 unicast ${CLOUD_PREFIX} json`)).paths as { largeCommunity?: unknown }[];
        assert.ok(atTor.length > 0 && atTor.every((p) => p.largeCommunity === undefined), JSON.stringify(atTor));
        // Nothing of the ToR's but the site's prefixes reaches a cloud.
        assert.ok(!(TOR_HOSTILE in (JSON.parse(ns.c1.vtysh("show bgp ipv4 unicast json")).routes as object)), "c1 learns the ToR's stray prefix");
    });

    it("a ping crosses between the sites through the tunnels", async () => {
        await waitFor("ping 10.10.0.1 -> 10.20.0.1", 30_000, () => (ns.tor.ping("10.10.0.1", "10.20.0.1") ? true : undefined));
        assert.ok(ns.vpc.ping("10.20.0.1", "10.10.0.1", 3), "ping back from the VPC side");
        // It went through ESP: the CHILD_SAs counted packets.
        const out = ns.gw1.must(["swanctl", "--list-sas", "--uri", ns.gw1.vici]).stdout + ns.gw2.must(["swanctl", "--list-sas", "--uri", ns.gw2.vici]).stdout;
        const packets = [...out.matchAll(/out\s+\S+\s+\([^)]*\),\s+\d+ bytes,\s+(\d+) packets/g)].reduce((n, m) => n + Number(m[1]), 0);
        assert.ok(packets > 0, `no ESP packets counted:\n${out}`);
    });

    it("with gateway 1 dead, traffic still crosses over gateway 2's tunnel", async () => {
        await ns.gw1.kill();
        ns.gw1.ip(["link", "set", "out", "down"]);
        ns.gw1.ip(["link", "set", "lan", "down"]);
        // Bounded by the rendered BGP hold time towards the cloud (30 s) and the ToR's (9 s).
        const started = Date.now();
        await waitFor("the ToR drops gw1", 30_000, () => (ns.tor.bgpPeers()["10.10.0.11"] !== "Established" ? true : undefined));
        await waitFor("c1 drops its tunnel session", 60_000, () => (ns.c1.bgpPeers()["169.254.21.2"] !== "Established" ? true : undefined));
        await waitFor("ping over gw2", 60_000, () => (ns.tor.ping("10.10.0.1", "10.20.0.1") ? true : undefined));
        assert.ok(ns.vpc.ping("10.20.0.1", "10.10.0.1", 3), "ping back over gw2");
        assert.strictEqual(ns.gw2.ikeStates()["idc-cloud-t2"], "ESTABLISHED");
        console.log(`      failover: traffic crossed again ${Math.round((Date.now() - started) / 1000)} s after gw1 died`);
    });
});

describe("links: a tunnel whose ends disagree does not come up", function () {
    this.timeout(180_000);
    let lab: Lab;
    let root: string;

    before(async () => {
        root = tempDir("links-bad-");
        fs.chmodSync(root, 0o755);
        lab = new Lab(root);
    });

    after(async () => {
        if (lab) await lab.destroy();
        if (root && !process.env.LINKS_LAB_KEEP) fs.rmSync(root, { recursive: true, force: true });
    });

    /** Two namespaces on one outside bridge, each with charon and one side's file; returns both after `waitMs`. */
    async function pair(tag: string, idc: ResolvedGatewayHost, cloud: ResolvedGatewayHost, cloudText = renderSwanctlConf): Promise<[Namespace, Namespace]> {
        const wan = lab.ns(`${tag}w`);
        lab.bridge(wan, "br0");
        const a = lab.ns(`${tag}a`);
        const b = lab.ns(`${tag}b`);
        lab.plug(a, "out", `${idc.tunnels[0].localOutside}/15`, wan, "br0");
        lab.plug(b, "out", `${cloud.tunnels[0].localOutside}/15`, wan, "br0");
        for (const [n, h, render] of [
            [b, cloud, cloudText],
            [a, idc, renderSwanctlConf],
        ] as const) {
            await n.startCharon();
            const r = n.loadSwanctl(render(h));
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        }
        return [a, b];
    }

    /** Neither end may reach ESTABLISHED within 20 s (the matching files establish in ~1 s above). */
    async function assertNeverEstablished(a: Namespace, b: Namespace, name: string, logNeedle: RegExp): Promise<void> {
        const log = await waitFor(`${a.name}: ${logNeedle}`, 20_000, () => {
            const text = fs.existsSync(a.charonLog)
                ? fs.readFileSync(a.charonLog, "utf8") + (fs.existsSync(b.charonLog) ? fs.readFileSync(b.charonLog, "utf8") : "")
                : "";
            return logNeedle.test(text) ? text : undefined;
        });
        assert.ok(log);
        for (const n of [a, b]) assert.notStrictEqual(n.ikeStates()[name], "ESTABLISHED", `${n.name}: ${name} established despite the mismatch`);
        assert.deepStrictEqual([...a.installedChildren(), ...b.installedChildren()], []);
    }

    /** The control: the cloud end loads the matching file (start_action = start initiates) and the same pair comes up. */
    async function assertFixedComesUp(a: Namespace, b: Namespace, fixed: ResolvedGatewayHost, name: string): Promise<void> {
        const r = b.loadSwanctl(renderSwanctlConf(fixed));
        assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        b.exec(["swanctl", "--initiate", "--child", name, "--timeout", "10", "--uri", b.vici], 15_000);
        await waitFor(`${name} ESTABLISHED once both ends agree`, 30_000, () =>
            a.ikeStates()[name] === "ESTABLISHED" && b.ikeStates()[name] === "ESTABLISHED" ? true : undefined,
        );
    }

    it("a wrong PSK: authentication fails, no SA (and the matching PSK brings the same pair up)", async () => {
        const t = tunnel("idc-cloud-psk", 3, "198.18.2.1", "198.18.2.2");
        const cloud = cloudEnd("cloud-psk", "10.20.0.11", t);
        cloud.tunnels[0].psk = psk();
        const [a, b] = await pair("p", idcGateway("gwp", "10.10.0.11", t), cloud);
        await assertNeverEstablished(a, b, t.name, /AUTHENTICATION_FAILED|authentication of '198\.18\.2\.\d' with pre-shared key failed|MAC mismatched/);
        await assertFixedComesUp(a, b, cloudEnd("cloud-psk", "10.20.0.11", t), t.name);
    });

    it("a rotated PSK (links[].pskRotations): reloaded at both ends, the running SA stays, a new one authenticates with the new key and never with the old", async () => {
        const t = tunnel("idc-cloud-rot", 5, "198.18.4.1", "198.18.4.2");
        const ends = (k: ResolvedTunnel) => [idcGateway("gwr", "10.10.0.11", k), cloudEnd("cloud-rot", "10.20.0.11", k)] as const;
        // The cloud end only answers here (no start, restart or DPD restart of its own), so every IKE SA is one the IDC end
        // negotiated after the step before: an SA the cloud end re-initiated meanwhile would race the key change.
        const answering = (h: ResolvedGatewayHost) => {
            const text = renderSwanctlConf(h);
            const quiet = text.replace(/start_action = start/g, "start_action = none").replace(/(close|dpd)_action = restart/g, "$1_action = none");
            assert.strictEqual(quiet.match(/_action = none/g)?.length, 3 * h.tunnels.length, "the cloud end's file has the three actions to quiet");
            return quiet;
        };
        const [a, b] = await pair("r", ...ends(t), answering);
        /** The unique ids of the tunnel's ESTABLISHED IKE SAs at the IDC end. */
        const established = () =>
            [...a.must(["swanctl", "--list-sas", "--raw", "--ike", t.name, "--uri", a.vici]).stdout.matchAll(/list-sa event \{\S+ \{([^{]*)/g)]
                .filter((m) => /\bstate=ESTABLISHED\b/.test(m[1]))
                .map((m) => /\buniqueid=(\d+)\b/.exec(m[1])![1]);
        const bothUp = (what: string, fresh: (ids: string[]) => boolean = () => true) =>
            waitFor(`${t.name} ESTABLISHED ${what}`, 30_000, () => {
                const ids = established();
                return ids.length > 0 && fresh(ids) && b.ikeStates()[t.name] === "ESTABLISHED" ? ids : undefined;
            });
        const reload = (n: Namespace, h: ResolvedGatewayHost) => {
            const r = n.loadSwanctl(n === b ? answering(h) : renderSwanctlConf(h));
            assert.strictEqual(r.status, 0, r.stdout + r.stderr);
        };
        /** The IDC end closes every IKE SA of the tunnel (the DELETE tells the cloud end); then each of `from` negotiates anew. */
        const renegotiate = (...from: Namespace[]) => {
            a.exec(["swanctl", "--terminate", "--ike", t.name, "--timeout", "10", "--uri", a.vici], 15_000);
            for (const n of from) n.exec(["swanctl", "--initiate", "--child", t.name, "--timeout", "10", "--uri", n.vici], 15_000);
        };
        const first = await bothUp("with the first key");
        // What the gateway's setup does after swanctl.conf changed, at both ends: swanctl --load-all.
        const rotated: ResolvedTunnel = { ...t, psk: psk() };
        const [idcRotated, cloudRotated] = ends(rotated);
        reload(a, idcRotated);
        reload(b, cloudRotated);
        assert.deepStrictEqual(established(), first, "the established IKE SAs are kept");
        renegotiate(a);
        await bothUp("with the rotated key", (ids) => ids.every((id) => !first.includes(id)));
        // The cloud end back on the old key: the IDC end no longer holds it, so no new SA authenticates, whichever end
        // starts (the responder checks the AUTH against every key it holds for the pair of ids).
        fs.writeFileSync(a.charonLog, "");
        fs.writeFileSync(b.charonLog, "");
        reload(b, ends(t)[1]);
        renegotiate(b, a);
        await assertNeverEstablished(a, b, t.name, /AUTHENTICATION_FAILED|authentication of '198\.18\.4\.\d' with pre-shared key failed|MAC mismatched/);
        // IKEv2 authenticates each end on its own: the IDC end, answering the cloud end's old key, refuses it itself.
        const idcLog = fs.readFileSync(a.charonLog, "utf8");
        assert.match(idcLog, /tried \d+ shared keys? for '198\.18\.4\.1' - '198\.18\.4\.2', but MAC mismatched/);
        assert.doesNotMatch(idcLog, /authentication of '198\.18\.4\.2' with pre-shared key successful/);
    });

    it("a proposal the other end rejects: NO_PROPOSAL_CHOSEN, no SA (and the matching proposal brings it up)", async () => {
        const t = tunnel("idc-cloud-prop", 4, "198.18.3.1", "198.18.3.2");
        const cloud = cloudEnd("cloud-prop", "10.20.0.11", t);
        cloud.tunnels[0].crypto = { ...cloud.tunnels[0].crypto, ike: "aes128-sha256-modp2048" };
        const [a, b] = await pair("q", idcGateway("gwq", "10.10.0.11", t), cloud);
        await assertNeverEstablished(a, b, t.name, /NO_PROPOSAL_CHOSEN|no acceptable proposal found/);
        await assertFixedComesUp(a, b, cloudEnd("cloud-prop", "10.20.0.11", t), t.name);
    });
});
