// Pure renderers for the API server's HA front: keepalived holds the VIP, HAProxy on every
// control-plane host balances the VIP port over every API server. The shape follows the kubeadm
// HA guide (kubernetes/kubeadm, docs/ha-considerations.md, "keepalived and haproxy").
import { APT_RETRY_FUNCTION, aptUpdate } from "./node";

export interface ControlPlaneHost {
    name: string;
    address: string;
}

/** The API server's secure port on every control-plane host (kubeadm's default bindPort). */
export const APISERVER_PORT = 6443;

export const LB_PATHS = {
    haproxyCfg: "/etc/haproxy/haproxy.cfg",
    keepalivedConf: "/etc/keepalived/keepalived.conf",
    /** The VRRP authentication block (a secret), included by keepalived.conf so that the main file can be reviewed in the plan. */
    vrrpAuth: "/etc/keepalived/vrrp-auth.conf",
    /** Where the track script is copied; the LB command installs it root-owned to `checkScriptInstalled`. */
    checkScript: "/etc/keepalived/check_apiserver.sh",
    /** keepalived's script security runs only scripts whose whole path is writable by root alone. */
    checkScriptInstalled: "/usr/local/libexec/keepalived/check_apiserver.sh",
    /** The nftables rule set that limits VRRP to the control-plane hosts, and its unit (linked, as the etcd units are). */
    vrrpFilter: "/etc/hybrid-fleet/vrrp-filter.nft",
    vrrpFilterUnit: "/etc/hybrid-fleet/hybrid-fleet-vrrp-filter.service",
} as const;

/** The unit that loads LB_PATHS.vrrpFilter at boot, before keepalived starts. */
export const VRRP_FILTER_UNIT = "hybrid-fleet-vrrp-filter.service";

export interface HaproxyInput {
    /** The frontend port (the spec's controlPlane.port, 8443 by default). */
    frontendPort: number;
    backends: ControlPlaneHost[];
    apiServerPort?: number;
}

/**
 * haproxy.cfg: a TCP frontend (TLS passes through to the API servers) and a backend that checks
 * each API server's /healthz over TLS. Timeouts: connect 5s and check 10s from the kubeadm HA guide;
 * client 5m / server 15m from kubespray's apiserver load balancer (watches are long-lived).
 */
export function renderHaproxyConfig(input: HaproxyInput): string {
    const apiPort = input.apiServerPort ?? APISERVER_PORT;
    const servers = input.backends.map((b) => `    server ${b.name} ${b.address}:${apiPort} check check-ssl verify none inter 3s fall 3 rise 2`);
    return `# HAProxy in front of the kube-apiservers: rendered by hybrid-fleet, do not edit.
global
    log /dev/log local0
    maxconn 20000
    user haproxy
    group haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin

defaults
    mode tcp
    log global
    option tcplog
    option dontlognull
    option redispatch
    retries 1
    timeout connect 5s
    timeout client 5m
    timeout server 15m
    timeout check 10s

frontend apiserver
    bind *:${input.frontendPort}
    mode tcp
    option tcplog
    default_backend apiserver

backend apiserver
    mode tcp
    balance roundrobin
    option httpchk
    http-check connect ssl
    http-check send meth GET uri /healthz
    http-check expect status 200
${servers.join("\n")}
`;
}

export interface KeepalivedInput {
    self: ControlPlaneHost;
    /** Every control-plane host, self included; priorities follow this order. */
    hosts: ControlPlaneHost[];
    vip: string;
    /** Prefix length of the node network the VIP lives on. */
    vipPrefix: number;
    interface: string;
    virtualRouterId: number;
    advertIntervalSeconds: number;
    /** Where the track script is (LB_PATHS.checkScriptInstalled on the hosts; tests move it). */
    checkScript?: string;
    /** The included authentication file (LB_PATHS.vrrpAuth on the hosts; tests move it). */
    authInclude?: string;
}

/** Distinct VRRP priorities: the first host listed is preferred, each next one a step lower. */
export function vrrpPriority(hosts: ControlPlaneHost[], self: ControlPlaneHost): number {
    const index = hosts.findIndex((h) => h.name === self.name);
    if (index < 0) throw new Error(`${self.name} is not a control-plane host`);
    return 150 - index;
}

/**
 * keepalived.conf: one VRRP instance with the VIP, unicast to the other control-plane hosts (no
 * multicast needed on the switch), PASS authentication (included from the secret vrrp-auth.conf,
 * see renderVrrpAuth), and a track script: when it fails (the local HAProxy or API server is
 * down) the instance goes to FAULT and releases the VIP. No secret in here.
 */
export function renderKeepalivedConfig(input: KeepalivedInput): string {
    const peers = input.hosts.filter((h) => h.name !== input.self.name);
    const checkScript = input.checkScript ?? LB_PATHS.checkScriptInstalled;
    // A lone host has no peer: keepalived 2.2 rejects an empty unicast_peer block (keepalived -t exits 5).
    const unicast = peers.length
        ? `    unicast_src_ip ${input.self.address}\n    unicast_peer {\n${peers.map((p) => `        ${p.address}`).join("\n")}\n    }\n`
        : "";
    return `# keepalived for the API server VIP: rendered by hybrid-fleet, do not edit.
global_defs {
    router_id ${input.self.name}
    # Scripts run only if root alone can write them and their directories.
    enable_script_security
    script_user root
    max_auto_priority
}

vrrp_script check_apiserver {
    script "${checkScript}"
    interval 3
    timeout 5
    fall 3
    rise 2
}

vrrp_instance apiserver_vip {
    state BACKUP
    interface ${input.interface}
    virtual_router_id ${input.virtualRouterId}
    priority ${vrrpPriority(input.hosts, input.self)}
    advert_int ${input.advertIntervalSeconds}
${unicast}    # VRRP PASS authentication with a generated password, from a secret file
    include ${input.authInclude ?? LB_PATHS.vrrpAuth}
    virtual_ipaddress {
        ${input.vip}/${input.vipPrefix} dev ${input.interface}
    }
    track_script {
        check_apiserver
    }
}
`;
}

/** The VRRP instance's authentication block, included by keepalived.conf. keepalived uses at most 8 characters of auth_pass. */
export function renderVrrpAuth(authPass: string): string {
    if (!/^[A-Za-z0-9]{1,8}$/.test(authPass)) throw new Error("keepalived auth_pass must be 1 to 8 letters or digits");
    return `authentication {
    auth_type PASS
    auth_pass ${authPass}
}
`;
}

/** The track script: fails when the local HAProxy frontend or the local API server does not answer /healthz. */
export function renderCheckApiserverScript(args: { frontendPort: number; apiServerPort?: number; vip: string }): string {
    const apiPort = args.apiServerPort ?? APISERVER_PORT;
    return `#!/bin/sh
# keepalived track script: healthy only when this host's HAProxy and API server both serve /healthz.
errorExit() { echo "*** $*" >&2; exit 1; }
curl -sfk --max-time 2 https://127.0.0.1:${args.frontendPort}/healthz -o /dev/null || errorExit "HAProxy on 127.0.0.1:${args.frontendPort} is down"
curl -sfk --max-time 2 https://127.0.0.1:${apiPort}/healthz -o /dev/null || errorExit "API server on 127.0.0.1:${apiPort} is down"
if ip -o addr show | grep -qw "${args.vip}"; then
  curl -sfk --max-time 2 https://${args.vip}:${args.frontendPort}/healthz -o /dev/null || errorExit "VIP ${args.vip}:${args.frontendPort} does not answer"
fi
`;
}

export interface VrrpFilterInput {
    /** keepalived's interface. */
    interface: string;
    /** Every control-plane host's address: the only sources VRRP is accepted from. */
    peers: string[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * nftables rule set for VRRP (IP protocol 112): on keepalived's interface, adverts are accepted only
 * from the control-plane hosts; everything else on that protocol is dropped before keepalived sees it.
 * VRRP's `auth_type PASS` is sent in clear, so this filter (not the password) is what keeps another
 * host on the segment from taking the VIP (keepalived.conf(5); RFC 5798 section 9 drops
 * authentication altogether). Its own table, replaced atomically (`table` + `delete table` + the new
 * table in one `nft -f` transaction, the nft(8) idiom), a priority before the default filter, policy
 * accept: it drops VRRP from others and nothing else, whatever other tables (the CNI's, kube-proxy's) do.
 * VRRP over IPv6 is not used (the VIP is IPv4) and is dropped on that interface.
 */
export function renderVrrpFilter(input: VrrpFilterInput): string {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(input.interface)) throw new Error(`interface: ${JSON.stringify(input.interface)} is not a Linux interface name`);
    if (input.peers.length === 0) throw new Error("peers: at least one control-plane address");
    for (const p of input.peers) if (!IPV4.test(p)) throw new Error(`peers: ${JSON.stringify(p)} is not an IPv4 address`);
    const peers = [...new Set(input.peers)].join(", ");
    return `#!/usr/sbin/nft -f
# VRRP only from the control-plane hosts: rendered by hybrid-fleet, do not edit.
table inet hybrid_fleet_vrrp
delete table inet hybrid_fleet_vrrp
table inet hybrid_fleet_vrrp {
    set control_plane {
        type ipv4_addr
        elements = { ${peers} }
    }

    chain input {
        type filter hook input priority filter - 10; policy accept;
        iifname "${input.interface}" ip protocol vrrp ip saddr @control_plane accept
        iifname "${input.interface}" ip protocol vrrp counter drop
        iifname "${input.interface}" meta nfproto ipv6 meta l4proto vrrp counter drop
    }
}
`;
}

/** A oneshot unit that loads the VRRP filter at boot, before keepalived (Before= orders start-up; WantedBy keepalived). */
export function renderVrrpFilterUnit(filter: string = LB_PATHS.vrrpFilter): string {
    return `[Unit]
Description=hybrid-fleet: VRRP only from the control-plane hosts (nftables)
Wants=network-pre.target
Before=network-pre.target keepalived.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${filter}
ExecReload=/usr/sbin/nft -f ${filter}
ExecStop=/usr/sbin/nft delete table inet hybrid_fleet_vrrp

[Install]
WantedBy=multi-user.target keepalived.service
`;
}

/** Installs the track script root-owned, installs HAProxy and keepalived, checks both configs with the real tools, then (re)starts them. */
export function renderLoadBalancerScript(packages: string): string {
    return `set -euo pipefail
install -d -o root -g root -m 0755 ${LB_PATHS.checkScriptInstalled.replace(/\/[^/]+$/, "")}
install -o root -g root -m 0755 ${LB_PATHS.checkScript} ${LB_PATHS.checkScriptInstalled}
# keepalived -t only warns about a missing include: make sure the authentication file is there.
test -s ${LB_PATHS.vrrpAuth}
chmod 0600 ${LB_PATHS.vrrpAuth}
${APT_RETRY_FUNCTION}
${aptUpdate()}
${packages}
haproxy -c -q -f ${LB_PATHS.haproxyCfg}
keepalived -t -f ${LB_PATHS.keepalivedConf}
# The VRRP filter first: checked by nft, loaded before keepalived (re)starts, and at every boot.
nft -c -f ${LB_PATHS.vrrpFilter}
systemctl link ${LB_PATHS.vrrpFilterUnit}
systemctl daemon-reload
systemctl enable ${VRRP_FILTER_UNIT}
systemctl restart ${VRRP_FILTER_UNIT}
systemctl enable haproxy keepalived
systemctl reload-or-restart haproxy
systemctl restart keepalived
`;
}
