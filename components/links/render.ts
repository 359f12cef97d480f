// Pure renderers for an IDC gateway host (resolved plan in, text out): strongSwan's swanctl.conf
// (route-based IPsec, one XFRM interface per tunnel), FRR's frr.conf (a BGP session per tunnel
// over its inside addresses and the sessions towards the rack ToRs), and the script that creates
// the XFRM interfaces and the kernel settings. Every value is checked against a strict format
// before it is written: anything else throws, so nothing from a spec can inject a line.
import { DNS_LABEL } from "../core/conventions";
import type { FabricPeer, ResolvedGatewayHost, ResolvedTunnel } from "./types";

/**
 * What the routing files need: the plan without the outside addresses and PSKs. frr.conf, the XFRM
 * script and the sysctls are known before any cloud gateway exists (a preview shows them) and hold
 * no secret.
 */
export type GatewayRouting = Omit<ResolvedGatewayHost, "tunnels"> & { tunnels: Omit<ResolvedTunnel, "psk" | "localOutside" | "remoteOutside">[] };

// ---------------------------------------------------------------------------------------------
// Strict formats

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const CIDR = new RegExp(`^(${OCTET}(?:\\.${OCTET}){3})/(3[0-2]|[12]?[0-9])$`);
/** One strongSwan proposal: algorithm keywords joined by dashes (strongSwan docs, "IKEv2 Cipher Suites"). */
const PROPOSAL = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** PSKs: AWS's rule (8-64 of [A-Za-z0-9._], not starting with 0), which Alibaba Cloud also accepts. */
const PSK = /^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/;
/** Linux interface names (IFNAMSIZ 16, no slash, colon or whitespace). */
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

function fail(what: string, value: unknown, rule: string): never {
    throw new Error(`${what}: ${JSON.stringify(value)} ${rule}`);
}

/** Connection, host and peer names: DNS labels, so they are safe in every file and command. */
export function checkName(what: string, v: unknown): string {
    if (typeof v !== "string" || !DNS_LABEL.test(v)) fail(what, v, "is not a name ([a-z0-9-], 1-63 characters, no leading/trailing dash)");
    return v;
}

export function checkIpv4(what: string, v: unknown): string {
    if (typeof v !== "string" || !IPV4.test(v)) fail(what, v, "is not an IPv4 address");
    return v;
}

const ipToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** A CIDR with no host bits set ("10.0.0.0/24", not "10.0.0.1/24"). */
export function checkCidr(what: string, v: unknown): string {
    const m = typeof v === "string" ? CIDR.exec(v) : null;
    if (!m) fail(what, v, "is not an IPv4 CIDR");
    const bits = Number(m[2]);
    const size = 2 ** (32 - bits);
    if (ipToInt(m[1]) % size !== 0) fail(what, v, "has host bits set");
    return v as string;
}

function inCidr(ip: string, cidr: string): boolean {
    const [net, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipToInt(ip) / size) === ipToInt(net) / size;
}

function checkInt(what: string, v: unknown, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(what, v, `is not an integer in ${min}..${max}`);
    return v;
}

/** A 2- or 4-byte ASN (RFC 6793), 0 and 4294967295 excluded (RFC 7300). */
export const checkAsn = (what: string, v: unknown) => checkInt(what, v, 1, 4294967294);

/** A comma-separated list of proposals (swanctl.conf `proposals` / `esp_proposals`). */
export function checkProposals(what: string, v: unknown): string {
    if (typeof v !== "string" || !v.split(",").every((p) => PROPOSAL.test(p)))
        fail(what, v, "is not a list of strongSwan proposals ([a-z0-9] keywords joined by -)");
    return v;
}

export function checkPsk(what: string, v: unknown): string {
    if (typeof v !== "string" || !PSK.test(v)) fail(what, "[secret]", "is not a PSK of 8-64 characters of [A-Za-z0-9._] not starting with 0");
    return v;
}

export function checkIfName(what: string, v: unknown): string {
    if (typeof v !== "string" || !IFNAME.test(v)) fail(what, v, "is not a Linux interface name");
    return v;
}

/** XFRM interface ids: 32-bit, 0 means "no interface" to the kernel. */
export const checkIfId = (what: string, v: unknown) => checkInt(what, v, 1, 0xfffffffe);

/** The interface that carries a tunnel: `xfrm<ifId>` (at most 14 characters, under IFNAMSIZ). */
export const xfrmInterface = (t: Pick<ResolvedTunnel, "ifId">) => `xfrm${t.ifId}`;

// ---------------------------------------------------------------------------------------------
// The whole plan, checked once

/** BGP timers towards the cloud gateways: AWS VPN's own (keepalive 10 s, hold 30 s; AWS VPN user guide, "Customer gateway device requirements"). */
export const TUNNEL_BGP_TIMERS = { keepaliveSeconds: 10, holdSeconds: 30 } as const;
/** BGP timers towards the ToRs (same LAN: quick failure detection). */
export const FABRIC_BGP_TIMERS = { keepaliveSeconds: 3, holdSeconds: 9 } as const;
/** Routes accepted from one cloud tunnel / one ToR before the session is torn down (a leak guard). */
export const MAX_PREFIXES = { tunnel: 1000, fabric: 10000 } as const;

export const LINKS_PATHS = {
    swanctlConf: "/etc/swanctl/swanctl.conf",
    frrConf: "/etc/frr/frr.conf",
    /** Creates the XFRM interfaces; run by the unit below before strongSwan starts. */
    xfrmScript: "/usr/local/sbin/hybrid-fleet-xfrm",
    xfrmUnit: "/etc/systemd/system/hybrid-fleet-xfrm.service",
    sysctl: "/etc/sysctl.d/60-hybrid-fleet-links.conf",
} as const;

/** Checks every value of a resolved gateway plan; throws `<where>: <value> <rule>` on the first bad one. */
export function checkGatewayHost(h: GatewayRouting): void {
    checkName("host.name", h.host.name);
    checkIpv4(`${h.host.name}: host.address`, h.host.address);
    checkIpv4(`${h.host.name}: host.publicAddress`, h.host.publicAddress);
    checkAsn(`${h.host.name}: localAsn`, h.localAsn);
    if (h.uplink !== undefined) checkIfName(`${h.host.name}: uplink`, h.uplink);
    if (!Array.isArray(h.tunnels) || !Array.isArray(h.fabricPeers) || !Array.isArray(h.announce))
        throw new Error(`${h.host.name}: tunnels, fabricPeers and announce must be lists`);
    h.announce.forEach((p, i) => checkCidr(`${h.host.name}: announce[${i}]`, p));
    if (!h.announce.length) throw new Error(`${h.host.name}: announce: at least one prefix`);
    const names = new Set<string>();
    const ifIds = new Set<number>();
    const neighbours = new Set<string>();
    for (const [i, t] of h.tunnels.entries()) {
        const w = `${h.host.name}: tunnels[${i}]`;
        checkName(`${w}.name`, t.name);
        if (names.has(t.name)) throw new Error(`${w}.name: ${t.name} is used by another tunnel`);
        names.add(t.name);
        checkIfId(`${w}.ifId`, t.ifId);
        if (ifIds.has(t.ifId)) throw new Error(`${w}.ifId: ${t.ifId} is used by another tunnel`);
        ifIds.add(t.ifId);
        checkCidr(`${w}.insideCidr`, t.insideCidr);
        if (!t.insideCidr.endsWith("/30")) fail(`${w}.insideCidr`, t.insideCidr, "is not a /30");
        checkIpv4(`${w}.localInside`, t.localInside);
        checkIpv4(`${w}.remoteInside`, t.remoteInside);
        for (const [k, a] of [
            ["localInside", t.localInside],
            ["remoteInside", t.remoteInside],
        ] as const) {
            const usable = inCidr(a, t.insideCidr) && a !== t.insideCidr.split("/")[0] && ipToInt(a) !== ipToInt(t.insideCidr.split("/")[0]) + 3;
            if (!usable) fail(`${w}.${k}`, a, `is not a host address of ${t.insideCidr}`);
        }
        if (t.localInside === t.remoteInside) fail(`${w}.remoteInside`, t.remoteInside, "equals localInside");
        checkAsn(`${w}.localAsn`, t.localAsn);
        if (t.localAsn !== h.localAsn) fail(`${w}.localAsn`, t.localAsn, `is not the host's ASN ${h.localAsn}`);
        checkAsn(`${w}.remoteAsn`, t.remoteAsn);
        checkProposals(`${w}.crypto.ike`, t.crypto.ike);
        checkProposals(`${w}.crypto.esp`, t.crypto.esp);
        checkInt(`${w}.crypto.ikeLifetimeSeconds`, t.crypto.ikeLifetimeSeconds, 900, 86400);
        checkInt(`${w}.crypto.espLifetimeSeconds`, t.crypto.espLifetimeSeconds, 900, 86400);
        if (t.crypto.espLifetimeSeconds >= t.crypto.ikeLifetimeSeconds)
            fail(`${w}.crypto.espLifetimeSeconds`, t.crypto.espLifetimeSeconds, "is not below ikeLifetimeSeconds");
        checkInt(`${w}.crypto.dpdDelaySeconds`, t.crypto.dpdDelaySeconds, 1, 3600);
        if (neighbours.has(t.remoteInside)) throw new Error(`${w}.remoteInside: ${t.remoteInside} is another BGP neighbour`);
        neighbours.add(t.remoteInside);
    }
    for (const [i, p] of h.fabricPeers.entries()) {
        const w = `${h.host.name}: fabricPeers[${i}]`;
        checkName(`${w}.name`, p.name);
        checkIpv4(`${w}.peerIp`, p.peerIp);
        checkAsn(`${w}.asn`, p.asn);
        if (neighbours.has(p.peerIp)) throw new Error(`${w}.peerIp: ${p.peerIp} is another BGP neighbour`);
        neighbours.add(p.peerIp);
    }
}

// ---------------------------------------------------------------------------------------------
// strongSwan

/**
 * swanctl.conf (strongSwan 5.9, swanctl.conf(5)): one IKEv2 connection per tunnel, PSK auth with
 * the outside addresses as identities (what AWS and Alibaba Cloud VPN expect), route-based: the
 * CHILD_SA selects everything (0.0.0.0/0 both ways) and carries the tunnel's XFRM interface id, so
 * the routing table (FRR) decides what enters which tunnel. The tunnel is initiated at start and
 * restarted when it closes or the peer stops answering DPD; keyingtries = 0 retries for ever.
 * PSKs are in `secrets`: the whole file is a secret.
 */
export function renderSwanctlConf(h: ResolvedGatewayHost): string {
    checkGatewayHost(h);
    h.tunnels.forEach((t, i) => {
        checkIpv4(`${h.host.name}: tunnels[${i}].localOutside`, t.localOutside);
        checkIpv4(`${h.host.name}: tunnels[${i}].remoteOutside`, t.remoteOutside);
        checkPsk(`${h.host.name}: tunnels[${i}].psk`, t.psk);
    });
    const conns = h.tunnels.map(
        (t) => `    ${t.name} {
        version = 2
        local_addrs = ${t.localOutside}
        remote_addrs = ${t.remoteOutside}
        proposals = ${t.crypto.ike}
        rekey_time = ${t.crypto.ikeLifetimeSeconds}s
        dpd_delay = ${t.crypto.dpdDelaySeconds}s
        keyingtries = 0
        mobike = no
        if_id_in = ${t.ifId}
        if_id_out = ${t.ifId}
        local {
            auth = psk
            id = ${t.localOutside}
        }
        remote {
            auth = psk
            id = ${t.remoteOutside}
        }
        children {
            ${t.name} {
                mode = tunnel
                local_ts = 0.0.0.0/0
                remote_ts = 0.0.0.0/0
                esp_proposals = ${t.crypto.esp}
                rekey_time = ${t.crypto.espLifetimeSeconds}s
                if_id_in = ${t.ifId}
                if_id_out = ${t.ifId}
                start_action = start
                close_action = restart
                dpd_action = restart
            }
        }
    }`,
    );
    const secrets = h.tunnels.map(
        (t) => `    ike-${t.name} {
        id-local = ${t.localOutside}
        id-remote = ${t.remoteOutside}
        secret = "${t.psk}"
    }`,
    );
    return `# strongSwan swanctl.conf for ${h.host.name}: rendered by hybrid-fleet, do not edit.
# Holds pre-shared keys: root only (0600).
connections {
${conns.join("\n")}
}

secrets {
${secrets.join("\n")}
}
`;
}

// ---------------------------------------------------------------------------------------------
// FRR

/** The administrative distance of an announced prefix's discard route: above every protocol's (eBGP 20, iBGP 200). */
const DISCARD_DISTANCE = 254;

/** Large community (RFC 8092) that marks the routes learned from a tunnel, so only those go to the fabric. */
const fromTunnel = (asn: number) => `${asn}:1:0`;

/**
 * frr.conf (FRR 8.4, integrated config): eBGP over every tunnel's inside address and to every
 * ToR. Policy (eBGP needs one, `bgp ebgp-requires-policy`, RFC 8212):
 * - to the clouds: only this site's own prefixes (h.announce), unless `transit` also re-advertises
 *   what other tunnels taught;
 * - from the clouds: anything but this site's prefixes, the inside /16 and a default route, tagged;
 * - to the fabric: only the tagged (cloud) routes; from the fabric: only this site's prefixes.
 * The site's prefixes are originated with `network`, which FRR (7.4 on, either defaults) announces
 * only while the RIB holds exactly that prefix ("bgp network import-check"). The racks hand the
 * gateway only more-specifics of the pod and load-balancer ranges (a PodCIDR or Calico block per
 * node, /32s for Service addresses), so each announced prefix has a discard route of its own at
 * distance 254: it keeps the `network` up, loses to any learned route of the same prefix, and drops
 * what no more-specific covers instead of sending it back out. `maximum-prefix` tears a session
 * down on a leak.
 */
export function renderFrrConf(h: GatewayRouting): string {
    checkGatewayHost(h);
    const asn = h.localAsn;
    const site = h.announce.map((p, i) => `ip prefix-list SITE seq ${(i + 1) * 5} permit ${p}`);
    const siteAny = h.announce.map((p, i) => `ip prefix-list SITE-ANY seq ${(i + 1) * 5} permit ${p} le 32`);
    const neighbours = [
        ...h.tunnels.map(
            (t) => ` neighbor ${t.remoteInside} remote-as ${t.remoteAsn}
 neighbor ${t.remoteInside} description tunnel ${t.name}
 neighbor ${t.remoteInside} timers ${TUNNEL_BGP_TIMERS.keepaliveSeconds} ${TUNNEL_BGP_TIMERS.holdSeconds}
 neighbor ${t.remoteInside} update-source ${t.localInside}`,
        ),
        ...h.fabricPeers.map(
            (p: FabricPeer) => ` neighbor ${p.peerIp} remote-as ${p.asn}
 neighbor ${p.peerIp} description fabric ${p.name}
 neighbor ${p.peerIp} timers ${FABRIC_BGP_TIMERS.keepaliveSeconds} ${FABRIC_BGP_TIMERS.holdSeconds}`,
        ),
    ];
    const af = [
        ...h.announce.map((p) => `  network ${p}`),
        ...h.tunnels.map(
            (t) => `  neighbor ${t.remoteInside} activate
  neighbor ${t.remoteInside} route-map TUNNEL-IN in
  neighbor ${t.remoteInside} route-map TUNNEL-OUT out
  neighbor ${t.remoteInside} maximum-prefix ${MAX_PREFIXES.tunnel}`,
        ),
        ...h.fabricPeers.map(
            (p) => `  neighbor ${p.peerIp} activate
  neighbor ${p.peerIp} route-map FABRIC-IN in
  neighbor ${p.peerIp} route-map FABRIC-OUT out
  neighbor ${p.peerIp} maximum-prefix ${MAX_PREFIXES.fabric}`,
        ),
    ];
    const transit = h.transit
        ? `route-map TUNNEL-OUT permit 20
 match large-community FROM-TUNNEL
!
`
        : "";
    return `! FRR frr.conf for ${h.host.name}: rendered by hybrid-fleet, do not edit.
frr defaults traditional
hostname ${h.host.name}
log syslog informational
service integrated-vtysh-config
!
${site.join("\n")}
!
${siteAny.join("\n")}
!
ip prefix-list NOT-FROM-CLOUD seq 5 permit 0.0.0.0/0
ip prefix-list NOT-FROM-CLOUD seq 10 permit 169.254.0.0/16 le 32
${h.announce.map((p, i) => `ip prefix-list NOT-FROM-CLOUD seq ${15 + i * 5} permit ${p} le 32`).join("\n")}
!
${h.announce.map((p) => `ip route ${p} blackhole ${DISCARD_DISTANCE}`).join("\n")}
!
bgp large-community-list standard FROM-TUNNEL seq 5 permit ${fromTunnel(asn)}
!
route-map TUNNEL-IN deny 10
 match ip address prefix-list NOT-FROM-CLOUD
!
route-map TUNNEL-IN permit 20
 set large-community ${fromTunnel(asn)} additive
!
route-map TUNNEL-OUT permit 10
 match ip address prefix-list SITE
!
${transit}route-map FABRIC-IN permit 10
 match ip address prefix-list SITE-ANY
!
route-map FABRIC-OUT permit 10
 match large-community FROM-TUNNEL
 set large-comm-list FROM-TUNNEL delete
!
router bgp ${asn}
 bgp router-id ${h.host.address}
 bgp log-neighbor-changes
 bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp bestpath as-path multipath-relax
${neighbours.join("\n")}
 !
 address-family ipv4 unicast
${af.join("\n")}
  maximum-paths 4
 exit-address-family
exit
!
`.replace(/\n{3,}/g, "\n\n");
}

// ---------------------------------------------------------------------------------------------
// XFRM interfaces and kernel settings

/**
 * The script that (re)creates one XFRM interface per tunnel (ip-link(8): `type xfrm dev PHYS_DEV
 * if_id IF_ID`), gives it the tunnel's inside address and brings it up; interfaces of tunnels no
 * longer in the plan (xfrm* with another id) are removed. Idempotent: run at every boot (the unit
 * below) and after every change.
 */
export function renderXfrmScript(h: GatewayRouting): string {
    checkGatewayHost(h);
    const dev = h.uplink ? ` dev ${h.uplink}` : "";
    const keep = h.tunnels.map(xfrmInterface);
    const lines = h.tunnels.map((t) => {
        const ifname = xfrmInterface(t);
        const prefix = t.insideCidr.split("/")[1];
        return `# ${t.name}
ip link show ${ifname} >/dev/null 2>&1 || ip link add ${ifname} type xfrm${dev} if_id ${t.ifId}
sysctl -qw net.ipv4.conf.${ifname}.rp_filter=2
ip addr replace ${t.localInside}/${prefix} dev ${ifname}
ip link set ${ifname} mtu ${TUNNEL_MTU} up`;
    });
    return `#!/bin/bash
# XFRM interfaces of ${h.host.name}'s tunnels: rendered by hybrid-fleet, do not edit.
set -euo pipefail
keep=" ${keep.join(" ")} "
for dev in $(ip -o link show type xfrm | awk -F': ' '{print $2}' | cut -d@ -f1); do
  case "$keep" in *" $dev "*) ;; *) ip link del "$dev" ;; esac
done
${lines.join("\n")}
# TCP connections into a tunnel take an MSS that fits its MTU (the SYN and the SYN-ACK both leave
# through an xfrm interface): neither cloud's IPsec gateway fragments or reassembles.
nft -f - <<'HYBRID_FLEET_NFT'
${renderMssClampRules()}HYBRID_FLEET_NFT
`;
}

/**
 * The tunnels' MTU: Alibaba Cloud's VPN Gateway asks the on-premises gateway for at most 1,360 bytes
 * ("Configure MTUs": IPsec-VPN neither fragments nor reassembles). AWS leaves the value to the device
 * (the MTU in its example configurations is "an example only", "Best practices for your customer
 * gateway device"): the same figure serves its tunnels.
 */
export const TUNNEL_MTU = 1360;

/** nftables: clamp the MSS of TCP handshakes leaving through an xfrm interface to the route's MTU; replaces an earlier copy whole. */
export function renderMssClampRules(): string {
    return `table inet hybrid-fleet-links
delete table inet hybrid-fleet-links
table inet hybrid-fleet-links {
  chain clamp-mss {
    type filter hook forward priority mangle; policy accept;
    oifname "xfrm*" tcp flags syn / syn,rst tcp option maxseg size set rt mtu
  }
}
`;
}

/** Runs the XFRM script at boot, before strongSwan (which needs the interfaces' ids) and FRR. */
export function renderXfrmUnit(): string {
    return `# rendered by hybrid-fleet, do not edit.
[Unit]
Description=hybrid-fleet XFRM interfaces of the IPsec tunnels
After=network-online.target
Wants=network-online.target
Before=strongswan.service frr.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${LINKS_PATHS.xfrmScript}

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Forwarding on, and loose reverse-path filtering (RFC 3704 "loose") where the kernel would drop
 * asymmetric return traffic: a cloud prefix may come back over the other gateway's tunnel.
 */
export function renderLinksSysctl(h: GatewayRouting): string {
    checkGatewayHost(h);
    return `# ${h.host.name}: rendered by hybrid-fleet, do not edit.
net.ipv4.ip_forward = 1
# The kernel uses max(all, <interface>): every interface, xfrm ones included, is at least loose.
net.ipv4.conf.all.rp_filter = 2
net.ipv4.conf.default.rp_filter = 2
`;
}

// ---------------------------------------------------------------------------------------------
// Packages and the setup script

/** Debian 12 package versions (apt-cache policy, bookworm + bookworm-security). */
export const LINKS_PACKAGES = {
    "strongswan-swanctl": "5.9.8-5+deb12u6",
    "charon-systemd": "5.9.8-5+deb12u6",
    frr: "8.4.4-1.1~deb12u2",
    // Clamps TCP's MSS on the tunnels (renderXfrmScript).
    nftables: "1.0.6-2+deb12u2",
} as const;

/** Where the files that end up root-owned elsewhere are copied first (owned by the SSH user, 0750). */
export const LINKS_STAGE = "/etc/hybrid-fleet/links";
export const LINKS_STAGED = {
    xfrmScript: `${LINKS_STAGE}/xfrm.sh`,
    xfrmUnit: `${LINKS_STAGE}/hybrid-fleet-xfrm.service`,
    sysctl: `${LINKS_STAGE}/sysctl.conf`,
} as const;

export interface GatewaySetupInput {
    /** The SSH user that owns the copied files (so that later copies can overwrite them). */
    sshUser: string;
    /** The bounded-retry apt function and its `apt-get update` / `install` lines (components/idc's). */
    aptRetryFunction: string;
    aptUpdate: string;
    aptInstall: string;
}

/**
 * Installs the pinned packages (the configuration files are already in place: dpkg keeps them,
 * --force-confold), puts the staged script, unit and sysctls root-owned where they run, closes
 * swanctl.conf (PSKs: 0600) and frr.conf (group frr), turns bgpd on in /etc/frr/daemons, and
 * (re)starts the XFRM interfaces, charon-systemd (Debian's strongswan.service loads swanctl.conf
 * with `swanctl --load-all`) and FRR (reload: frr-reload.py applies only the difference).
 */
export function renderGatewaySetupScript(input: GatewaySetupInput): string {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(input.sshUser)) fail("sshUser", input.sshUser, "is not a Linux user name");
    return `set -euo pipefail
${input.aptRetryFunction}
${input.aptUpdate}
${input.aptInstall}
install -m 0755 -o root -g root ${LINKS_STAGED.xfrmScript} ${LINKS_PATHS.xfrmScript}
install -m 0644 -o root -g root ${LINKS_STAGED.xfrmUnit} ${LINKS_PATHS.xfrmUnit}
install -m 0644 -o root -g root ${LINKS_STAGED.sysctl} ${LINKS_PATHS.sysctl}
sysctl -q -p ${LINKS_PATHS.sysctl}
chmod 0600 ${LINKS_PATHS.swanctlConf}
chown root:frr /etc/frr ${LINKS_PATHS.frrConf}
chmod 0750 /etc/frr
chmod 0640 ${LINKS_PATHS.frrConf}
sed -i 's/^bgpd=no$/bgpd=yes/' /etc/frr/daemons
systemctl daemon-reload
systemctl enable hybrid-fleet-xfrm.service strongswan.service frr.service
systemctl restart hybrid-fleet-xfrm.service
if systemctl is-active --quiet strongswan.service; then swanctl --load-all --noprompt; else systemctl start strongswan.service; fi
if systemctl is-active --quiet frr.service; then systemctl reload frr.service; else systemctl start frr.service; fi
swanctl --list-conns >/dev/null
vtysh -c 'show bgp summary' >/dev/null
`;
}
