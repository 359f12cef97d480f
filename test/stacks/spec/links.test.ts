// The links' spec rules: every one rejects a mutated checked-in stack with its `<path>: <rule>`
// line, and the checked-in stacks pass them all.
import * as assert from "assert";
import { parseFleet } from "../../../stacks/spec";
import { ACK, assertViolation, directConnectLink, EKS, IDC, parsedAfter, rawStackFleet, violationsAfter } from "../../harness";

// prod: clusters[0] idc-sh (2 gateways), [1] eks-apne1, [2] ack-sh; links[0] idc<->eks ipsec (cen, rides
// ack-sh's edge), [1] idc<->ack express-connect, [2] eks<->ack ipsec (cen, rides the edge); cenEdges[0]
// ack-sh in ap-northeast-1. dev: [0] idc-dev, [1] eks-dev, [2] ack-dev; links[0] idc<->eks (edge),
// [1] idc<->ack ipsec (pinned /30s and XFRM ids).

/**
 * prod with its IPsec links back on their own tunnels: ack-sh in Hong Kong (no mainland anchor, so
 * no CEN edge; the line to it crosses on a carrier line), both links' /30s pinned as they once were.
 */
function offBorder(f: any): void {
    f.clusters[ACK].region = "cn-hongkong";
    f.clusters[ACK].zones = ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"];
    delete f.links[2].crossBorder;
    f.links[1].crossBorder = "carrier-line";
    delete f.cenEdges;
    f.links[0].insideCidrs = ["169.254.20.0/30", "169.254.20.4/30", "169.254.20.8/30", "169.254.20.12/30"];
    f.links[2].insideCidrs = ["169.254.10.0/30", "169.254.10.4/30", "169.254.10.8/30", "169.254.10.12/30"];
}
const offBorderAfter = (mutate: (f: any) => void) =>
    violationsAfter((f) => {
        offBorder(f);
        mutate(f);
    });

describe("links spec", () => {
    it("accepts the checked-in stacks with their gateways, ASNs and lines", () => {
        for (const stack of ["prod", "dev"] as const) {
            const r = parseFleet(rawStackFleet(stack));
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
        }
        const prod = parseFleet(rawStackFleet("prod"));
        assert.ok(prod.ok);
        const idc = prod.spec.clusters[IDC];
        assert.ok(idc.provider === "idc");
        assert.strictEqual(idc.gateway?.hosts.length, 2);
        assert.strictEqual(idc.network.loadBalancerCidr, "10.12.0.0/22");
        assert.strictEqual(prod.spec.links[1].expressConnect?.physicalConnectionId, "pc-uf6k3x9q2m7n4p8r");
    });

    it("with the stack known, refuses a CEN edge whose flow-log project name SLS would refuse", () => {
        // "ack-sh-" + stack + "-ap-northeast-1-flow-logs": 32 + the stack's length, at most 63.
        const edgeViolations = (stack: string) => {
            const result = parseFleet(rawStackFleet("prod"), { stack });
            return result.ok ? [] : result.violations.filter((v) => v.startsWith("cenEdges"));
        };
        assert.deepStrictEqual(edgeViolations("s".repeat(31)), []);
        const stack = "s".repeat(32);
        assert.deepStrictEqual(edgeViolations(stack), [
            `cenEdges[0]: in stack "${stack}" names the SLS project "ack-sh-${stack}-ap-northeast-1-flow-logs" of its VPC's flow logs, which SLS refuses (3 to 63 characters of [a-z0-9-], a letter or digit at each end)`,
        ]);
        assert.strictEqual(edgeViolations("Prod").length, 1);
        // Without a stack, names derived from one are not judged.
        assert.ok(parseFleet(rawStackFleet("prod")).ok);
    });

    describe("ASNs", () => {
        it("rejects a public, a reserved and a duplicate ASN", () => {
            const v = violationsAfter((f) => {
                f.clusters[EKS].gateway.asn = 7224;
                f.clusters[ACK].gateway.asn = 3356;
            });
            assertViolation(v, "clusters[1].gateway.asn: 7224 is reserved by AWS or Alibaba Cloud (7224, 9059, 45104)");
            assertViolation(v, "clusters[2].gateway.asn: must be a private ASN (64512-65534 or 4200000000-4294967294, RFC 6996)");
            assertViolation(
                violationsAfter((f) => (f.clusters[ACK].gateway.asn = 45104)),
                "clusters[2].gateway.asn: 45104 is reserved by AWS or Alibaba Cloud (7224, 9059, 45104)",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[ACK].gateway.asn = 64530)),
                "clusters[2].gateway.asn: AS 64530 is already clusters[1].gateway.asn: every site needs its own ASN",
            );
        });
        it("rejects an IDC gateway AS equal to the fabric's or to the nodes'", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].gateway.asn = 64512)),
                "clusters[0].gateway.asn: AS 64512 is the fabric's AS (fabricPeers rack-a-tor-1): the gateways speak eBGP to the ToRs",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].gateway.asn = 64600)),
                "clusters[0].gateway.asn: AS 64600 is the nodes' AS (the CNI's bgp.asNumber): their routes to other sites would be dropped as loops",
            );
        });
        it("requires two zones on an ACK end of a VPN (dual-tunnel gateway)", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[2].zones = ["cn-shanghai-e"]), "dev"),
                "clusters[2].zones: needs at least two zones: ack-dev's dual-tunnel VPN gateway for links[1] takes a vSwitch in each of two zones",
            );
        });
        it("requires a gateway (ASN) on every link end", () => {
            assertViolation(
                violationsAfter((f) => delete f.clusters[ACK].gateway),
                "clusters[2].gateway: is required: ack-sh is an end of links[1] (its BGP ASN)",
            );
        });
    });

    describe("IDC gateways and load balancer range", () => {
        it("rejects a third gateway host, and an IDC end of a VPN with none", () => {
            assertViolation(
                violationsAfter((f) => f.clusters[IDC].gateway.hosts.push({ name: "gw-3", address: "10.10.0.23", publicAddress: "203.0.113.23" })),
                "clusters[0].gateway.hosts: one or two gateway hosts",
            );
            assertViolation(
                offBorderAfter((f) => (f.clusters[IDC].gateway.hosts = [])),
                "clusters[0].gateway.hosts: needs one or two gateway hosts: idc-sh terminates the tunnels of links[0]",
            );
            // An IDC whose only IPsec link rides a CEN edge terminates no tunnel: no gateway host needed.
            const r = parsedAfter((f) => (f.clusters[IDC].gateway.hosts = []));
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
        });
        it("rejects a gateway outside nodeCidr, on a used address or name, or with a private public address", () => {
            const v = violationsAfter((f) => {
                f.clusters[IDC].gateway.hosts[0].address = "10.11.0.5";
                f.clusters[IDC].gateway.hosts[1] = { name: "cp-1", address: "10.10.0.10", publicAddress: "192.168.7.1" };
            });
            assertViolation(v, "clusters[0].gateway.hosts[0].address: 10.11.0.5 is not a host address of network.nodeCidr 10.10.0.0/20");
            assertViolation(v, "clusters[0].gateway.hosts[1].address: 10.10.0.10 is already used by the control-plane VIP");
            assertViolation(v, "clusters[0].gateway.hosts[1].name: host name cp-1 is already used in this cluster");
            assertViolation(
                v,
                "clusters[0].gateway.hosts[1].publicAddress: 192.168.7.1 is not a public address (the cloud gateways dial it over the internet)",
            );
        });
        it("rejects a fabric peer outside nodeCidr", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].gateway.fabricPeers[1].peerIp = "10.99.0.2")),
                "clusters[0].gateway.fabricPeers[1].peerIp: 10.99.0.2 is not a host address of network.nodeCidr 10.10.0.0/20",
            );
        });
        it("checks a gateway host's own fabric peers like the site's: in nodeCidr, names unique, not the gateway's AS", () => {
            const rackB = (f: any) =>
                (f.clusters[IDC].gateway.hosts[1].fabricPeers = [
                    { name: "rack-b-tor-1", peerIp: "10.10.1.1", asn: 64513 },
                    { name: "rack-b-tor-1", peerIp: "10.99.1.2", asn: 64513 },
                ]);
            const v = violationsAfter(rackB);
            assertViolation(v, "clusters[0].gateway.hosts[1].fabricPeers[1].peerIp: 10.99.1.2 is not a host address of network.nodeCidr 10.10.0.0/20");
            assertViolation(v, "clusters[0].gateway.hosts[1].fabricPeers[1].name: rack-b-tor-1 is already a fabric peer of this gateway");
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].gateway.hosts[0].fabricPeers = [{ name: "tor", peerIp: "10.10.0.1", asn: 64620 }])),
                "clusters[0].gateway.asn: AS 64620 is the fabric's AS (fabricPeers tor): the gateways speak eBGP to the ToRs",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].gateway.fabricPeers[1].name = "rack-a-tor-1")),
                "clusters[0].gateway.fabricPeers[1].name: rack-a-tor-1 is already a fabric peer of this gateway",
            );
            // Valid per-host peers pass, the site-wide form stays valid beside them.
            const fleet = rawStackFleet("prod");
            fleet.clusters[IDC].gateway.hosts[1].fabricPeers = [{ name: "rack-b-tor-1", peerIp: "10.10.1.1", asn: 64513 }];
            const r = parseFleet(fleet);
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
        });
        it("rejects a load balancer range outside RFC 1918 or overlapping a fleet block", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].network.loadBalancerCidr = "100.64.0.0/24")),
                "clusters[0].network.loadBalancerCidr: 100.64.0.0/24 must lie inside RFC 1918 space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].network.loadBalancerCidr = "10.10.8.0/22")),
                "clusters[0].network.loadBalancerCidr: 10.10.8.0/22 overlaps clusters[0].network.nodeCidr 10.10.0.0/20",
            );
            assertViolation(
                violationsAfter((f) => (f.clusters[IDC].network.loadBalancerCidr = "10.20.4.0/24")),
                "clusters[1].network.vpcCidr: 10.20.0.0/16 overlaps clusters[0].network.loadBalancerCidr 10.20.4.0/24",
            );
        });
    });

    describe("tunnel inside /30s", () => {
        it("rejects a count that is not the link's tunnel count", () => {
            assertViolation(
                offBorderAfter((f) => f.links[0].insideCidrs.pop()),
                "links[0].insideCidrs: this link has 4 tunnels: give 4 inside /30s (got 3)",
            );
        });
        it("rejects a block outside 169.254.0.0/16, not a /30, or reserved by AWS", () => {
            const v = offBorderAfter((f) => (f.links[0].insideCidrs = ["10.0.0.0/30", "169.254.20.0/29", "169.254.3.0/30", "169.254.169.252/30"]));
            assertViolation(v, "links[0].insideCidrs[0]: 10.0.0.0/30 must be a /30 inside 169.254.0.0/16");
            assertViolation(v, "links[0].insideCidrs[1]: 169.254.20.0/29 must be a /30 inside 169.254.0.0/16");
            assertViolation(v, "links[0].insideCidrs[2]: 169.254.3.0/30 is reserved by AWS (169.254.3.0/30): pick another /30 of 169.254.0.0/16");
            assertViolation(v, "links[0].insideCidrs[3]: 169.254.169.252/30 is reserved by AWS (169.254.169.252/30): pick another /30 of 169.254.0.0/16");
        });
        it("rejects a /30 used twice in the fleet", () => {
            const v = offBorderAfter((f) => (f.links[2].insideCidrs = ["169.254.30.0/30", "169.254.30.4/30", "169.254.30.8/30", "169.254.20.4/30"]));
            assertViolation(
                v,
                "links[2].insideCidrs[3]: 169.254.20.4/30 is already used by links[0].insideCidrs[1]: tunnel and peering /30s are unique in the fleet",
            );
        });
        it("rejects a tunnel /30 that is a Direct Connect peering subnet", () => {
            const v = offBorderAfter((f) => {
                f.links[0] = directConnectLink({ amazonAddress: "169.254.30.1/30", customerAddress: "169.254.30.2/30" });
                f.links[2].insideCidrs = ["169.254.30.0/30", "169.254.30.4/30", "169.254.30.8/30", "169.254.30.12/30"];
            });
            assertViolation(
                v,
                "links[2].insideCidrs[0]: 169.254.30.0/30 is already used by links[0].directConnect.amazonAddress: tunnel and peering /30s are unique in the fleet",
            );
        });
        it("rejects a Direct Connect connection id with anything after its eight characters", () => {
            assertViolation(
                offBorderAfter((f) => (f.links[0] = directConnectLink({ connectionId: "dxcon-fg5678gh0" }))),
                "links[0].directConnect.connectionId: must be a Direct Connect connection id like dxcon-fg5678gh",
            );
        });
        it("rejects pinned /30s on a dedicated line", () => {
            assertViolation(
                violationsAfter((f) => (f.links[1].insideCidrs = ["169.254.30.0/30", "169.254.30.4/30"])),
                "links[1].insideCidrs: only an ipsec-vpn link has tunnels (this one is express-connect)",
            );
        });
    });

    describe("link ends and kinds", () => {
        it("rejects a link between two IDC clusters of one IDC", () => {
            const v = violationsAfter((f) => {
                const twin = structuredClone(f.clusters[IDC]);
                Object.assign(twin, { name: "idc-sh-2", gateway: { ...twin.gateway, asn: 64625 } });
                twin.network = {
                    ...twin.network,
                    nodeCidr: "10.40.0.0/20",
                    podCidr: "10.67.0.0/16",
                    serviceCidr: "10.97.0.0/16",
                    loadBalancerCidr: "10.41.0.0/24",
                };
                f.clusters.push(twin);
                f.links.push({ between: ["idc-sh", "idc-sh-2"], kind: "ipsec-vpn" });
            });
            assertViolation(
                v,
                "links[3].between: a link joins two sites: clusters of different providers, or two IDCs in different regions (idc-sh and idc-sh-2 are both idc in cn-shanghai-idc1)",
            );
        });
        it("rejects a dedicated line without its parameters, and parameters of the wrong kind", () => {
            assertViolation(
                violationsAfter((f) => delete f.links[1].expressConnect),
                "links[1].expressConnect: is required for an express-connect link (physical connection id, VLAN, addresses: the line is ordered out of band)",
            );
            const v = violationsAfter((f) => {
                f.links[0].kind = "direct-connect";
                delete f.links[0].insideCidrs;
                f.links[0].expressConnect = f.links[1].expressConnect;
            });
            assertViolation(
                v,
                "links[0].directConnect: is required for a direct-connect link (connection id, VLAN, addresses: the line is ordered out of band)",
            );
            assertViolation(v, "links[0].expressConnect: only an express-connect link has an expressConnect line (this one is direct-connect)");
        });
        it("rejects a direct-connect link that is not eks <-> idc, and mismatched peering addresses", () => {
            const v = violationsAfter((f) => {
                f.links[2] = { ...directConnectLink({ customerAddress: "169.254.100.6/30", amazonSideAsn: 64530 }), between: ["eks-apne1", "ack-sh"] };
            });
            assertViolation(v, "links[2].kind: direct-connect joins an eks cluster and an idc cluster (a transit VIF to the IDC's router)");
            assertViolation(
                v,
                "links[2].directConnect.customerAddress: 169.254.100.6/30 and amazonAddress 169.254.100.1/30 must be two addresses of one peering subnet",
            );
            assertViolation(
                v,
                "links[2].directConnect.amazonSideAsn: AS 64530 is already clusters[1].gateway.asn: the Direct Connect gateway needs an AS of its own",
            );
        });
        it("rejects express-connect peering addresses outside one subnet", () => {
            assertViolation(
                violationsAfter((f) => (f.links[1].expressConnect.peerGatewayIp = "10.255.0.5")),
                "links[1].expressConnect.peerGatewayIp: 10.255.0.5 and localGatewayIp 10.255.0.1 must be two addresses of one 255.255.255.252 subnet",
            );
        });
    });

    describe("cross-border", () => {
        it("requires an explicit cross-border product between mainland China and elsewhere", () => {
            assertViolation(
                violationsAfter((f) => delete f.links[2].crossBorder),
                "links[2].crossBorder: ack-sh (cn-shanghai) is in mainland China and eks-apne1 (ap-northeast-1) is not: cross-border traffic needs a licensed product, set crossBorder: cen (CEN cross-border bandwidth) or carrier-line, not plain internet IPsec",
            );
        });
        it("rejects it where the link stays on one side, and a carrier line for IPsec", () => {
            assertViolation(
                violationsAfter((f) => (f.links[1].crossBorder = "carrier-line")),
                "links[1].crossBorder: the link does not cross the border of mainland China (idc-sh and ack-sh are both in it)",
            );
            assertViolation(
                violationsAfter((f) => (f.links[2].crossBorder = "carrier-line")),
                "links[2].crossBorder: carrier-line is for a dedicated line; an ipsec-vpn link crosses on cen",
            );
        });
        it("treats Hong Kong as outside mainland China", () => {
            const r = parsedAfter((f) => {
                f.clusters[ACK].region = "cn-hongkong";
                f.clusters[ACK].zones = ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"];
                delete f.links[2].crossBorder;
            });
            assert.ok(!r.ok);
            assert.ok(!r.violations.some((v) => v.startsWith("links[2].crossBorder")), r.violations.join("\n"));
            assert.ok(
                r.violations.some((v) => v.startsWith("links[1].crossBorder")),
                "idc-sh <-> ack (Hong Kong) now crosses",
            );
        });
        it("decides an IDC's side from gateway.mainlandChina, not from a region that looks like cn-*", () => {
            // The same IDC named cn-* but declared outside mainland China: its link to Tokyo no longer crosses.
            const fleet = rawStackFleet("prod");
            fleet.clusters[IDC].gateway.mainlandChina = false;
            const r = parseFleet(fleet);
            assert.ok(!r.ok);
            assertViolation(
                r.violations,
                "links[0].crossBorder: the link does not cross the border of mainland China (idc-sh and eks-apne1 are both outside it)",
            );
            assertViolation(
                r.violations,
                "links[1].crossBorder: ack-sh (cn-shanghai) is in mainland China and idc-sh (cn-shanghai-idc1) is not: cross-border traffic needs a licensed product, set crossBorder: cen (CEN cross-border bandwidth) or carrier-line, not plain internet IPsec",
            );
        });
        it("requires an IDC end of a link to say whether it is in mainland China", () => {
            assertViolation(
                violationsAfter((f) => delete f.clusters[IDC].gateway.mainlandChina),
                "clusters[0].gateway.mainlandChina: is required: idc-sh is an end of links[0] and an IDC's region is free text; say whether the data centre is in mainland China (it decides whether the link crosses the border)",
            );
        });
        it("places an AWS China region in mainland China", () => {
            const fleet = rawStackFleet("prod");
            fleet.clusters[EKS].region = "cn-north-1";
            delete fleet.links[0].crossBorder;
            delete fleet.links[2].crossBorder;
            const r = parseFleet(fleet);
            const v = r.ok ? [] : r.violations;
            assert.ok(!v.some((x) => /^links\[[02]\]\.(crossBorder|cen)/.test(x)), v.join("\n"));
        });
        it("needs a mainland ACK anchor and an outside Alibaba region for cen, and cen only with crossBorder: cen", () => {
            assertViolation(
                violationsAfter((f) => (f.clusters[EKS].region = "ap-northeast-3")),
                "links[0].cen.region: is required: eks-apne1's region ap-northeast-3 is not an Alibaba Cloud region outside mainland China; name the one the CEN connection lands in (cn-hongkong, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-3, ap-southeast-5, ap-southeast-6, ap-southeast-7, us-east-1, us-west-1, eu-central-1, eu-west-1, me-east-1, me-central-1)",
            );
            // Naming the landing region resolves it.
            const fleet = rawStackFleet("prod");
            fleet.clusters[EKS].region = "ap-northeast-3";
            fleet.links[0].cen = { region: "ap-northeast-1" };
            fleet.links[2].cen = { region: "ap-northeast-1", bandwidthMbps: 50 };
            const r = parseFleet(fleet);
            const v = r.ok ? [] : r.violations;
            assert.ok(!v.some((x) => x.includes(".cen") || x.includes("crossBorder")), v.join("\n"));
            assertViolation(
                violationsAfter((f) => (f.links[1].cen = { bandwidthMbps: 10 })),
                "links[1].cen: only a link with crossBorder: cen has a cen connection",
            );
            assertViolation(
                violationsAfter((f) => (f.links[2].cen = { bandwidthMbps: 1 })),
                "links[2].cen.bandwidthMbps: a CEN bandwidth package has at least 2 Mbit/s",
            );
            // Without an ACK site in mainland China there is no transit router to carry the crossing.
            assertViolation(
                violationsAfter((f) => {
                    f.clusters[ACK].region = "cn-hongkong";
                    f.clusters[ACK].zones = ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"];
                    f.links[1].crossBorder = "carrier-line";
                    delete f.links[2].crossBorder;
                    f.links[0].cen = { bandwidthMbps: 50 };
                }),
                "links[0].cen: needs an ack cluster in mainland China with a gateway: its CEN transit router carries the cross-border connection",
            );
            // ... and without an edge the link's IPsec would cross the border over the internet: refused.
            const unanchored = violationsAfter((f) => {
                f.clusters[ACK].region = "cn-hongkong";
                f.clusters[ACK].zones = ["cn-hongkong-b", "cn-hongkong-c", "cn-hongkong-d"];
                f.links[1].crossBorder = "carrier-line";
                delete f.links[2].crossBorder;
            });
            assertViolation(
                unanchored,
                "links[0].crossBorder: idc-sh <-> eks-apne1 cannot ride a CEN edge (that needs an eks site outside mainland China and an ack site in it with a gateway, as anchor): its IPsec tunnels would cross the border over the internet; join these sites with a dedicated line (express-connect or direct-connect, crossBorder: carrier-line) or through an anchored site",
            );
            // prod's own crossings ride ack-sh's edge: none is refused so.
            const prod = parseFleet(rawStackFleet("prod"));
            assert.ok(prod.ok, prod.ok ? "" : prod.violations.join("\n"));
        });
        it("needs two zones on the mainland ACK anchor of a cen crossing", () => {
            assertViolation(
                violationsAfter((f) => {
                    f.clusters[ACK].zones = ["cn-shanghai-e"];
                    f.links = [f.links[0]];
                }),
                "clusters[2].zones: needs at least two zones: ack-sh's CEN transit router, the cross-border anchor of links[0], attaches the VPC in two zones",
            );
        });
        it("needs two zones on the ack end of an express-connect line (the transit router's VPC attachment)", () => {
            assertViolation(
                violationsAfter((f) => {
                    f.clusters[ACK].zones = ["cn-shanghai-e"];
                    f.links[2].kind = "express-connect";
                    f.links.splice(2, 1);
                }),
                "clusters[2].zones: needs at least two zones: ack-sh's CEN transit router for links[1] attaches the VPC in two zones",
            );
        });
    });

    describe("CEN edges", () => {
        it("accepts prod's edge; an eks link crossing on cen needs the anchor's edge in its region", () => {
            assertViolation(
                violationsAfter((f) => delete f.cenEdges),
                "cenEdges: needs an entry { anchor: ack-sh, region: ap-northeast-1 } (vpcCidr, zones): links[0] (idc-sh <-> eks-apne1) crosses the border on cen, so its AWS tunnels end at ack-sh's VPN gateway in ap-northeast-1, not in mainland China",
            );
            assertViolation(
                violationsAfter((f) => delete f.cenEdges),
                "cenEdges: needs an entry { anchor: ack-sh, region: ap-northeast-1 } (vpcCidr, zones): links[2] (eks-apne1 <-> ack-sh) crosses the border on cen, so its AWS tunnels end at ack-sh's VPN gateway in ap-northeast-1, not in mainland China",
            );
        });
        it("rejects an anchor that is not a mainland ack site, a duplicate, and an edge no link rides", () => {
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].anchor = "eks-apne1")),
                "cenEdges[0].anchor: eks-apne1 is not an ack cluster in mainland China with a gateway: an edge hangs off that site's CEN",
            );
            assertViolation(
                violationsAfter((f) => f.cenEdges.push({ ...f.cenEdges[0], vpcCidr: "10.31.1.0/24" })),
                "cenEdges[1]: duplicates cenEdges[0] (ack-sh in ap-northeast-1)",
            );
            assertViolation(
                violationsAfter((f) =>
                    f.cenEdges.push({ anchor: "ack-sh", region: "ap-southeast-1", vpcCidr: "10.31.1.0/24", zones: ["ap-southeast-1a", "ap-southeast-1b"] }),
                ),
                "cenEdges[1]: no link rides it: no ipsec-vpn link between an eks cluster outside mainland China and ack-sh (or a mainland IDC) crosses on cen to ap-southeast-1",
            );
        });
        it("needs two different zones of its region", () => {
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].zones = ["ap-northeast-1a", "ap-southeast-1a"])),
                "cenEdges[0].zones[1]: ap-southeast-1a is not a zone of ap-northeast-1",
            );
            // The region's name alone is no zone of it (the same predicate as the sites' zones).
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].zones = ["ap-northeast-1a", "ap-northeast-1"])),
                "cenEdges[0].zones[1]: ap-northeast-1 is not a zone of ap-northeast-1",
            );
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].zones = ["ap-northeast-1a", "ap-northeast-1a"])),
                "cenEdges[0].zones: must be two different zones: the VPN gateway's two tunnels and the transit router's attachment each take one",
            );
        });
        it("puts the edge VPC in the fleet's non-overlap rule: RFC 1918, /16 to /28, clear of every site's blocks", () => {
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].vpcCidr = "10.30.128.0/24")),
                "cenEdges[0].vpcCidr: 10.30.128.0/24 overlaps clusters[2].network.vpcCidr 10.30.0.0/16: the edge VPC is routed over CEN and announced to AWS like every site's blocks",
            );
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].vpcCidr = "10.12.1.0/24")),
                "cenEdges[0].vpcCidr: 10.12.1.0/24 overlaps clusters[0].network.loadBalancerCidr 10.12.0.0/22: the edge VPC is routed over CEN and announced to AWS like every site's blocks",
            );
            for (const block of ["10.31.0.0/29", "100.64.0.0/24", "10.0.0.0/8"])
                assertViolation(
                    violationsAfter((f) => (f.cenEdges[0].vpcCidr = block)),
                    `cenEdges[0].vpcCidr: ${block} must be a /16 to /28 of RFC 1918 space (an Alibaba Cloud VPC; its halves are the two vSwitches)`,
                );
        });
        it("refuses a mainland IDC's crossing when the IDC has no link to the anchor", () => {
            assertViolation(
                violationsAfter((f) => f.links.splice(1, 1)),
                "links[0].crossBorder: idc-sh reaches eks-apne1 over ack-sh's CEN (the AWS tunnels end at its gateway in ap-northeast-1): idc-sh needs a link to ack-sh (express-connect, or ipsec-vpn to its VPN gateway)",
            );
            // dev's IDC reaches its anchor over IPsec: accepted (the anchor's transit router routes it to the VPC).
            const r = parseFleet(rawStackFleet("dev"));
            assert.ok(r.ok, r.ok ? "" : r.violations.join("\n"));
        });
        it("rejects tunnel pins on a link that rides an edge (it has no tunnels of its own)", () => {
            for (const [key, value] of [
                ["insideCidrs", ["169.254.20.0/30"]],
                ["xfrmIfIds", [1]],
                ["pskRotations", [1]],
            ] as const)
                assertViolation(
                    violationsAfter((f) => (f.links[2][key] = value)),
                    `links[2].${key}: the link rides ack-sh's CEN edge in ap-northeast-1 and has no tunnels of its own (the edge's tunnels to eks-apne1 carry it)`,
                );
        });
    });

    describe("PSK rotations", () => {
        it("takes one whole count per tunnel of an ipsec-vpn link", () => {
            assert.ok(parsedAfter((f) => (f.links[1].pskRotations = [0, 1]), "dev").ok);
            assertViolation(
                violationsAfter((f) => (f.links[1].pskRotations = [1]), "dev"),
                "links[1].pskRotations: this link has 2 tunnels: give 2 rotation counts (got 1)",
            );
            for (const bad of [-1, 1.5, "1"]) {
                const v = violationsAfter((f) => (f.links[1].pskRotations = [0, bad]), "dev");
                assert.ok(
                    v.some((x) => x.startsWith("links[1].pskRotations[1]: ")),
                    v.join("\n"),
                );
            }
            assertViolation(
                offBorderAfter((f) => (f.links[1].pskRotations = [1])),
                "links[1].pskRotations: only an ipsec-vpn link has tunnels (this one is express-connect)",
            );
        });
        it("takes a CEN edge crossing's counts by its eks cluster: four, for a cluster whose tunnels end there", () => {
            assert.ok(parsedAfter((f) => (f.cenEdges[0].pskRotations = { "eks-apne1": [0, 1, 0, 2] })).ok);
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].pskRotations = { "eks-apne1": [0, 1] })),
                "cenEdges[0].pskRotations.eks-apne1: eks-apne1's crossing has 4 tunnels: give 4 rotation counts (got 2)",
            );
            assertViolation(
                violationsAfter((f) => (f.cenEdges[0].pskRotations = { "ack-sh": [0, 0, 0, 1] })),
                "cenEdges[0].pskRotations.ack-sh: ack-sh has no tunnels to this edge: no ipsec-vpn link of an eks cluster of that name rides it",
            );
        });
    });

    describe("XFRM interface ids", () => {
        it("needs one id per tunnel, unique on each gateway host, and only on links with an IDC end", () => {
            assertViolation(
                violationsAfter((f) => (f.links[1].xfrmIfIds = [3]), "dev"),
                "links[1].xfrmIfIds: this link has 2 tunnels: give 2 XFRM interface ids (got 1)",
            );
            assertViolation(
                violationsAfter((f) => (f.links[1].xfrmIfIds = [3, 3]), "dev"),
                "links[1].xfrmIfIds[1]: 3 is already links[1].xfrmIfIds[0]'s XFRM interface id on idc-dev/dev-gw-1: ids are unique per gateway host",
            );
            assertViolation(
                offBorderAfter((f) => (f.links[2].xfrmIfIds = [1, 2, 3, 4])),
                "links[2].xfrmIfIds: only tunnels with an IDC end have XFRM interfaces (an ipsec-vpn link to an idc cluster)",
            );
            // Two links pinning one id on the same host: the second is reported.
            assertViolation(
                offBorderAfter((f) => {
                    f.links[0].xfrmIfIds = [1, 2, 1, 2];
                    f.links.push({ between: ["idc-sh", "ack-sh"], kind: "ipsec-vpn", crossBorder: "carrier-line", xfrmIfIds: [2, 5] });
                }),
                "links[3].xfrmIfIds[0]: 2 is already links[0].xfrmIfIds[1]'s XFRM interface id on idc-sh/gw-1: ids are unique per gateway host",
            );
            const v = violationsAfter((f) => (f.links[1].xfrmIfIds = [0, 4]), "dev");
            assert.ok(
                v.some((x) => x.startsWith("links[1].xfrmIfIds[0]: ")),
                v.join("\n"),
            );
        });
    });
});
