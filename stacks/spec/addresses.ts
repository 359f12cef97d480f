// IDC address rules across the spec's parts: the BGP peers (the CNI's and the link gateways' fabric
// peers) are switches, so none may be a cluster host, a gateway host or the control-plane VIP, and
// each must be a usable unicast address the nodes reach in one hop (inside network.nodeCidr) or a
// declared fabric peer; the VIP and the peers stay out of the load balancer range (the load balancer
// would hand the address out a second time).
import { cidr, contains, parseIp, usableHost } from "../cidr";
import type { IdcClusterSpec } from "./idc";
import type { Violation } from "./violation";

/** Not unicast host addresses: this network, loopback, link-local, multicast, reserved/broadcast. */
const NOT_UNICAST = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"].map(cidr);

export function addressRules(fleet: { clusters: readonly { provider: string }[] }): Violation[] {
    const out: Violation[] = [];
    fleet.clusters.forEach((cluster, i) => {
        if (cluster.provider !== "idc") return;
        const c = cluster as IdcClusterSpec;
        const at = ["clusters", i];
        const nodeCidr = cidr(c.network.nodeCidr);
        const lb = c.network.loadBalancerCidr ? cidr(c.network.loadBalancerCidr) : undefined;
        const hosts = new Map<string, string>();
        for (const h of [...c.controlPlane.hosts, ...c.etcd.hosts, ...c.workers, ...(c.gateway?.hosts ?? [])]) hosts.set(h.address, `host ${h.name}`);
        const fabric = c.gateway?.fabricPeers ?? [];
        const fabricIps = new Set(fabric.map((p) => p.peerIp));
        const vip = c.controlPlane.vip;

        const peerRules = (peerIp: string, path: (string | number)[], declaredFabric: boolean) => {
            const ip = parseIp(peerIp);
            if (ip === undefined) return;
            if (NOT_UNICAST.some((b) => contains(b, ip))) {
                out.push({ path, rule: `${peerIp} is not a usable unicast address (this-network, loopback, link-local, multicast or reserved)` });
                return;
            }
            if (peerIp === vip) out.push({ path, rule: `${peerIp} is the control-plane VIP: a BGP peer is a switch, not the VIP` });
            else if (hosts.has(peerIp))
                out.push({ path, rule: `${peerIp} is the address of ${hosts.get(peerIp)}: a BGP peer is a switch, not a host of the cluster` });
            if (contains(nodeCidr, ip)) {
                if (!usableHost(nodeCidr, ip))
                    out.push({ path, rule: `${peerIp} is the network or broadcast address of network.nodeCidr ${c.network.nodeCidr}` });
            } else if (!declaredFabric) {
                out.push({
                    path,
                    rule: `${peerIp} is outside network.nodeCidr ${c.network.nodeCidr} and not one of gateway.fabricPeers: the nodes peer with the switches of their own segment`,
                });
            }
            if (lb && contains(lb, ip))
                out.push({ path, rule: `${peerIp} is inside network.loadBalancerCidr ${c.network.loadBalancerCidr}: the load balancer could hand it out` });
        };

        const cni = c.network.cni === "calico" ? c.network.calico : c.network.cilium;
        (cni?.bgp?.peers ?? []).forEach((p, k) => peerRules(p.peerIp, [...at, "network", c.network.cni, "bgp", "peers", k, "peerIp"], fabricIps.has(p.peerIp)));
        fabric.forEach((p, k) => peerRules(p.peerIp, [...at, "gateway", "fabricPeers", k, "peerIp"], true));

        const vipIp = parseIp(vip);
        if (vipIp !== undefined && lb && contains(lb, vipIp))
            out.push({
                path: [...at, "controlPlane", "vip"],
                rule: `${vip} is inside network.loadBalancerCidr ${c.network.loadBalancerCidr}: the load balancer could hand it out`,
            });
    });
    return out;
}
