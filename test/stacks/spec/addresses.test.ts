// IDC address rules: BGP peers (the CNI's and the gateways' fabric peers) are switches on the node
// segment or declared fabric, never a host or the VIP, never outside unicast; the VIP and the peers
// stay out of the load balancer range. Each rule fails on a mutated checked-in stack.
import * as assert from "assert";
import { parseFleet } from "../../../stacks/spec";
import { assertViolation, rawStackFleet, violationsAfter } from "../../harness";

const idc = (fleet: any) => fleet.clusters[0];

describe("spec: IDC BGP peer and VIP addresses", () => {
    it("the checked-in stacks pass", () => {
        for (const stack of ["prod", "dev"] as const) assert.ok(parseFleet(rawStackFleet(stack)).ok, stack);
    });

    it("prod (Calico): a CNI peer on the VIP, on a host, outside the node segment, not unicast, or on the network address", () => {
        const v = violationsAfter((f) => {
            const peers = idc(f).network.calico.bgp.peers;
            peers[0].peerIp = idc(f).controlPlane.vip;
            peers[1].peerIp = idc(f).workers[0].address;
            peers[2].peerIp = "10.20.0.1";
            peers[3].peerIp = "224.0.0.18";
            peers[4].peerIp = "10.10.0.0";
            peers[5].peerIp = idc(f).gateway.hosts[0].address;
        });
        const at = "clusters[0].network.calico.bgp.peers";
        assertViolation(v, `${at}[0].peerIp: 10.10.0.10 is the control-plane VIP: a BGP peer is a switch, not the VIP`);
        assertViolation(v, `${at}[1].peerIp: 10.10.2.11 is the address of host worker-1: a BGP peer is a switch, not a host of the cluster`);
        assertViolation(
            v,
            `${at}[2].peerIp: 10.20.0.1 is outside network.nodeCidr 10.10.0.0/20 and not one of gateway.fabricPeers: the nodes peer with the switches of their own segment`,
        );
        assertViolation(v, `${at}[3].peerIp: 224.0.0.18 is not a usable unicast address (this-network, loopback, link-local, multicast or reserved)`);
        assertViolation(v, `${at}[4].peerIp: 10.10.0.0 is the network or broadcast address of network.nodeCidr 10.10.0.0/20`);
        assertViolation(v, `${at}[5].peerIp: 10.10.0.21 is the address of host gw-1: a BGP peer is a switch, not a host of the cluster`);
    });

    it("prod: a fabric peer on a host or the VIP; a peer or the VIP inside the load balancer range", () => {
        const v = violationsAfter((f) => {
            idc(f).gateway.fabricPeers[0].peerIp = idc(f).controlPlane.hosts[1].address;
            idc(f).gateway.fabricPeers[1].peerIp = idc(f).controlPlane.vip;
            idc(f).network.loadBalancerCidr = "10.10.0.0/28";
        });
        assertViolation(
            v,
            "clusters[0].gateway.fabricPeers[0].peerIp: 10.10.0.12 is the address of host cp-2: a BGP peer is a switch, not a host of the cluster",
        );
        assertViolation(v, "clusters[0].gateway.fabricPeers[1].peerIp: 10.10.0.10 is the control-plane VIP: a BGP peer is a switch, not the VIP");
        assertViolation(v, "clusters[0].controlPlane.vip: 10.10.0.10 is inside network.loadBalancerCidr 10.10.0.0/28: the load balancer could hand it out");
        assertViolation(
            v,
            "clusters[0].network.calico.bgp.peers[2].peerIp: 10.10.0.3 is inside network.loadBalancerCidr 10.10.0.0/28: the load balancer could hand it out",
        );
    });

    it("dev (Cilium): a peer outside the node segment or on loopback is refused", () => {
        const v = violationsAfter((f) => {
            idc(f).network.cilium.bgp.peers[0].peerIp = "192.168.50.1";
            idc(f).network.cilium.bgp.peers[1].peerIp = "127.0.0.1";
        }, "dev");
        assertViolation(
            v,
            "clusters[0].network.cilium.bgp.peers[0].peerIp: 192.168.50.1 is outside network.nodeCidr 10.110.0.0/22 and not one of gateway.fabricPeers: the nodes peer with the switches of their own segment",
        );
        assertViolation(
            v,
            "clusters[0].network.cilium.bgp.peers[1].peerIp: 127.0.0.1 is not a usable unicast address (this-network, loopback, link-local, multicast or reserved)",
        );
    });
});
