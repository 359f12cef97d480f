// The IDC gateway's pure renderers: every tunnel and peer present, and hostile values refused (so
// no spec value can add a line to a config file or a command). The rendered files handed to their
// tools (`vtysh -C`, `bash -n`) are test/integration/links-render.test.ts.
import * as assert from "assert";
import {
    renderFrrConf,
    renderGatewaySetupScript,
    renderLinksSysctl,
    renderSwanctlConf,
    renderMssClampRules,
    renderXfrmScript,
    renderXfrmUnit,
} from "../../../components/links/render";
import { mirrorTunnel, ResolvedGatewayHost, ResolvedTunnel } from "../../../components/links/types";
import { host } from "./gatewayHost";

const all = (h: ResolvedGatewayHost) => [renderSwanctlConf(h), renderFrrConf(h), renderXfrmScript(h), renderLinksSysctl(h)];

describe("links renderers: swanctl.conf", () => {
    it("one IKEv2 connection per tunnel, route-based, with its proposals, DPD, restart and if_id", () => {
        const text = renderSwanctlConf(host());
        for (const t of host().tunnels) {
            const block = text.slice(text.indexOf(`    ${t.name} {`), text.indexOf(`    ike-${t.name} {`));
            assert.ok(block.includes(`remote_addrs = ${t.remoteOutside}\n`), t.name);
            assert.ok(block.includes(`if_id_in = ${t.ifId}\n`) && block.includes(`if_id_out = ${t.ifId}\n`), t.name);
            assert.match(
                text,
                new RegExp(
                    `ike-${t.name} \\{\\n        id-local = 198\\.18\\.0\\.11\\n        id-remote = ${t.remoteOutside.replace(/\./g, "\\.")}\\n        secret = "${t.psk}"`,
                ),
            );
        }
        assert.strictEqual(text.match(/^ {8}version = 2$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}local_ts = 0\.0\.0\.0\/0$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}start_action = start$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}dpd_action = restart$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {8}proposals = aes256gcm16-prfsha384-ecp384$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}esp_proposals = aes256gcm16-ecp384$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {8}dpd_delay = 10s$/gm)?.length, 3);
        // Kept up for good: retried without end, restarted when the peer closes it, never moved to another address.
        assert.strictEqual(text.match(/^ {8}keyingtries = 0$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}close_action = restart$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {8}mobike = no$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {8}rekey_time = 28800s$/gm)?.length, 3);
        assert.strictEqual(text.match(/^ {16}rekey_time = 3600s$/gm)?.length, 3);
    });

    it("the cloud end's file (mirrorTunnel) swaps the addresses and keeps PSK and proposals", () => {
        const h = host();
        const cloud: ResolvedGatewayHost = {
            ...h,
            host: { name: "cloud", address: "10.20.0.11", publicAddress: "198.18.1.1" },
            localAsn: 64513,
            tunnels: [mirrorTunnel(h.tunnels[0] as never) as unknown as ResolvedTunnel],
            fabricPeers: [],
            announce: ["10.20.0.0/16"],
        };
        const text = renderSwanctlConf(cloud);
        assert.match(text, /local_addrs = 198\.18\.1\.1\n {8}remote_addrs = 198\.18\.0\.11\n/);
        assert.match(text, /secret = "Psk\.number_1"/);
    });
});

describe("links renderers: frr.conf", () => {
    it("a session per tunnel over its inside address and per ToR, each with its in/out policy and a prefix limit", () => {
        const text = renderFrrConf(host());
        assert.match(text, /^router bgp 65001$/m);
        assert.match(text, /^ bgp ebgp-requires-policy$/m);
        for (const t of host().tunnels) {
            const n = t.remoteInside;
            for (const line of [
                ` neighbor ${n} remote-as ${t.remoteAsn}`,
                ` neighbor ${n} timers 10 30`,
                `  neighbor ${n} route-map TUNNEL-IN in`,
                `  neighbor ${n} route-map TUNNEL-OUT out`,
                `  neighbor ${n} maximum-prefix 1000`,
            ])
                assert.ok(text.split("\n").includes(line), line);
        }
        for (const p of host().fabricPeers) {
            for (const line of [
                ` neighbor ${p.peerIp} remote-as ${p.asn}`,
                `  neighbor ${p.peerIp} route-map FABRIC-IN in`,
                `  neighbor ${p.peerIp} route-map FABRIC-OUT out`,
                `  neighbor ${p.peerIp} maximum-prefix 10000`,
            ])
                assert.ok(text.split("\n").includes(line), line);
        }
        for (const p of host().announce) {
            assert.ok(text.split("\n").includes(`  network ${p}`), p);
            // FRR announces a `network` only while the RIB holds that exact prefix: a discard route
            // below every protocol's distance holds it when the racks teach only more-specifics.
            assert.ok(text.split("\n").includes(`ip route ${p} blackhole 254`), p);
            assert.ok(
                text.split("\n").some((l) => /^ip prefix-list SITE seq \d+ permit /.test(l) && l.endsWith(` ${p}`)),
                p,
            );
        }
    });

    it("no transit: what one tunnel teaches goes only to the fabric, unless the plan asks for transit", () => {
        const plain = renderFrrConf(host());
        const tunnelOut = (t: string) => t.split("\n!\n").filter((b) => b.startsWith("route-map TUNNEL-OUT"));
        assert.deepStrictEqual(tunnelOut(plain), ["route-map TUNNEL-OUT permit 10\n match ip address prefix-list SITE"]);
        const transit = renderFrrConf({ ...host(), transit: true });
        assert.strictEqual(tunnelOut(transit).length, 2);
        assert.ok(tunnelOut(transit)[1].includes("match large-community FROM-TUNNEL"));
    });
});

describe("links renderers: XFRM interfaces, sysctls, setup", () => {
    it("one xfrm<ifId> per tunnel on the uplink with its inside address; others removed", () => {
        const text = renderXfrmScript(host());
        for (const t of host().tunnels) {
            assert.ok(text.includes(`ip link add xfrm${t.ifId} type xfrm dev eth1 if_id ${t.ifId}\n`));
            assert.ok(text.includes(`ip addr replace ${t.localInside}/30 dev xfrm${t.ifId}\n`));
            assert.ok(text.includes(`sysctl -qw net.ipv4.conf.xfrm${t.ifId}.rp_filter=2\n`));
            // The tunnels' MTU (Alibaba's VPN Gateway asks for at most 1360), and the MSS clamp below.
            assert.ok(text.includes(`ip link set xfrm${t.ifId} mtu 1360 up\n`));
        }
        assert.ok(text.includes(`nft -f - <<'HYBRID_FLEET_NFT'\n${renderMssClampRules()}HYBRID_FLEET_NFT\n`));
        assert.ok(text.includes('keep=" xfrm1 xfrm2 xfrm3 "'));
        // A host left with no tunnel keeps no XFRM interface: the script removes every one it finds.
        const none = renderXfrmScript({ ...host(), tunnels: [] });
        assert.match(none, /^keep=" +"$/m);
        assert.ok(none.includes('ip link del "$dev"') && !none.includes("ip link add"));
        assert.ok(!renderSwanctlConf({ ...host(), tunnels: [] }).includes("remote_addrs"), "no connection left in swanctl.conf");
        assert.ok(!renderXfrmScript({ ...host(), uplink: undefined }).includes(" dev eth1 "));
        // The longest name Linux takes (IFNAMSIZ 16 with its NUL): 15 characters.
        assert.ok(renderXfrmScript({ ...host(), uplink: "enp0s31f6abcdef" }).includes(" type xfrm dev enp0s31f6abcdef if_id "));
        assert.match(renderLinksSysctl(host()), /^net\.ipv4\.ip_forward = 1$/m);
        assert.match(renderLinksSysctl(host()), /^net\.ipv4\.conf\.all\.rp_filter = 2$/m);
        assert.match(renderXfrmUnit(), /^Before=strongswan\.service frr\.service$/m);
    });

    it("the setup script closes swanctl.conf (PSKs) to root and frr.conf to root and group frr", () => {
        const setup = renderGatewaySetupScript({ sshUser: "deploy", aptRetryFunction: "", aptUpdate: "", aptInstall: "" }).split("\n");
        for (const line of [
            "chmod 0600 /etc/swanctl/swanctl.conf",
            "chown root:frr /etc/frr /etc/frr/frr.conf",
            "chmod 0750 /etc/frr",
            "chmod 0640 /etc/frr/frr.conf",
        ])
            assert.ok(setup.includes(line), line);
        // The staged copies are owned by the SSH user; what runs is root's and not writable by anyone else.
        assert.ok(setup.includes("install -m 0755 -o root -g root /etc/hybrid-fleet/links/xfrm.sh /usr/local/sbin/hybrid-fleet-xfrm"));
    });
});

describe("links renderers: hostile or wrong values are refused", () => {
    type Mutation = [string, (h: ResolvedGatewayHost) => void, RegExp];
    const hostile = 'x"\n}\nsecrets {\n  evil { secret = "x" }';
    const cases: Mutation[] = [
        ["host name with a newline", (h) => (h.host.name = "gw\nrouter bgp 1"), /host\.name: .* is not a name/],
        ["tunnel name with a brace", (h) => (h.tunnels[0].name = hostile), /tunnels\[0\]\.name: .* is not a name/],
        ["tunnel name in upper case", (h) => (h.tunnels[0].name = "Tunnel"), /is not a name/],
        ["duplicate tunnel name", (h) => (h.tunnels[1].name = h.tunnels[0].name), /tunnels\[1\]\.name: .* is used by another tunnel/],
        ["duplicate ifId", (h) => (h.tunnels[1].ifId = 1), /tunnels\[1\]\.ifId: 1 is used by another tunnel/],
        ["ifId 0", (h) => (h.tunnels[0].ifId = 0), /ifId: 0 is not an integer/],
        ["outside address with a command", (h) => (h.tunnels[0].remoteOutside = "198.18.1.1; reboot"), /remoteOutside: .* is not an IPv4 address/],
        ["outside address out of range", (h) => (h.tunnels[0].localOutside = "198.18.0.256"), /localOutside: .* is not an IPv4 address/],
        ["inside CIDR with host bits", (h) => (h.tunnels[0].insideCidr = "169.254.11.1/30"), /insideCidr: .* has host bits set/],
        ["inside CIDR not a /30", (h) => (h.tunnels[0].insideCidr = "169.254.11.0/29"), /insideCidr: .* is not a \/30/],
        [
            "inside address outside its /30",
            (h) => (h.tunnels[0].remoteInside = "169.254.99.1"),
            /remoteInside: .* is not a host address of 169\.254\.11\.0\/30/,
        ],
        ["inside address = broadcast", (h) => (h.tunnels[0].localInside = "169.254.11.3"), /localInside: .* is not a host address/],
        ["both inside addresses equal", (h) => (h.tunnels[0].remoteInside = h.tunnels[0].localInside), /remoteInside: .* equals localInside/],
        ["PSK with a quote", (h) => (h.tunnels[0].psk = 'abcdefgh"\nsecret = "x'), /tunnels\[0\]\.psk: "\[secret\]" is not a PSK/],
        ["PSK too short", (h) => (h.tunnels[0].psk = "abc"), /is not a PSK/],
        ["PSK starting with 0", (h) => (h.tunnels[0].psk = "0abcdefgh"), /is not a PSK/],
        [
            "proposal with a newline",
            (h) => (h.tunnels[0].crypto.ike = "aes256-sha256-modp2048\n}\nsecrets {"),
            /crypto\.ike: .* is not a list of strongSwan proposals/,
        ],
        ["proposal with a space", (h) => (h.tunnels[0].crypto.esp = "aes256 sha256"), /crypto\.esp: .* is not a list/],
        [
            "ESP lifetime above IKE lifetime",
            (h) => (h.tunnels[0].crypto.espLifetimeSeconds = 30000),
            /espLifetimeSeconds: 30000 is not below ikeLifetimeSeconds/,
        ],
        [
            "ESP lifetime equal to the IKE lifetime",
            (h) => (h.tunnels[0].crypto.espLifetimeSeconds = h.tunnels[0].crypto.ikeLifetimeSeconds),
            /espLifetimeSeconds: 28800 is not below ikeLifetimeSeconds/,
        ],
        ["IKE lifetime under 15 minutes", (h) => (h.tunnels[0].crypto.ikeLifetimeSeconds = 899), /ikeLifetimeSeconds: 899 is not an integer in 900\.\.86400/],
        ["DPD of 0", (h) => (h.tunnels[0].crypto.dpdDelaySeconds = 0), /dpdDelaySeconds: 0 is not an integer/],
        ["ASN 0", (h) => (h.localAsn = 0), /localAsn: 0 is not an integer in 1\.\.4294967294/],
        ["ASN as a string", (h) => ((h as { localAsn: unknown }).localAsn = "65001\nneighbor 1.1.1.1 remote-as 1"), /localAsn: .* is not an integer/],
        ["tunnel ASN not the host's", (h) => (h.tunnels[0].localAsn = 65002), /tunnels\[0\]\.localAsn: 65002 is not the host's ASN 65001/],
        ["fabric peer name", (h) => (h.fabricPeers[0].name = "tor\nexit"), /fabricPeers\[0\]\.name: .* is not a name/],
        ["fabric peer IP", (h) => (h.fabricPeers[0].peerIp = "10.10.0.1 remote-as 1"), /fabricPeers\[0\]\.peerIp: .* is not an IPv4 address/],
        [
            "fabric peer = tunnel neighbour",
            (h) => (h.fabricPeers[0].peerIp = h.tunnels[0].remoteInside),
            /fabricPeers\[0\]\.peerIp: .* is another BGP neighbour/,
        ],
        ["announce not a CIDR", (h) => (h.announce[0] = "10.10.0.0/24 le 32"), /announce\[0\]: .* is not an IPv4 CIDR/],
        ["announce with host bits", (h) => (h.announce[0] = "10.10.0.1/24"), /announce\[0\]: .* has host bits set/],
        ["nothing to announce", (h) => (h.announce = []), /announce: at least one prefix/],
        ["uplink with a slash", (h) => (h.uplink = "eth0/../x"), /uplink: .* is not a Linux interface name/],
        // IFNAMSIZ is 16 with the terminating NUL: 15 characters at most.
        ["uplink of 16 characters", (h) => (h.uplink = "enp0s31f6abcdefg"), /uplink: .* is not a Linux interface name/],
    ];
    for (const [what, mutate, expected] of cases) {
        it(`refuses ${what}`, () => {
            const h = host();
            mutate(h);
            // Only swanctl.conf holds the PSKs and outside addresses; every renderer checks every other value.
            const renderers = /psk|PSK|outside/.test(what) ? [renderSwanctlConf] : [renderSwanctlConf, renderFrrConf, renderXfrmScript, renderLinksSysctl];
            for (const r of renderers) assert.throws(() => r(h as never), expected, `${r.name} accepted ${what}`);
        });
    }

    it("never echoes a PSK in an error", () => {
        const h = host();
        h.tunnels[0].psk = "Secret-with-dash";
        assert.throws(
            () => renderSwanctlConf(h),
            (e: Error) => !e.message.includes("Secret-with-dash"),
        );
    });

    it("the valid plan renders, and every output is inert text (no unexpected characters)", () => {
        for (const text of all(host())) assert.match(text, /^[\x20-\x7e\n]*$/);
    });
});
