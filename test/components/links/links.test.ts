// The links layer on the mock engine, for prod and dev, also as a first preview (no computed
// outputs): what each link kind declares, on which site and provider, the tunnel options both
// managed gateways are given, how the eks <-> ack gateways face each other, the IDC gateway plans
// handed back, and PSKs that are secrets from birth and never appear in plain text.
import * as assert from "assert";
import type { LinksResult } from "../../../components/links/addon";
import { PSK_PATTERN } from "../../../components/links/plan";
import type { Fleet } from "../../../stacks/fleet";
import type { FleetSpec } from "../../../stacks/spec";
import { finalPathOf } from "../../../components/idc/renderers/node";
import { pskOf } from "../../../components/links/keys";
import { LINKS_PATHS } from "../../../components/links/render";
import { parseFleet } from "../../../stacks/spec";
import { generateFleet } from "../../../tools/fleetGen";
import {
    directConnectLink,
    Inventory,
    linkResources,
    loadStackSpec,
    parsedAfter,
    plainTextOccurrences,
    RegisteredResource,
    runFleet,
    SecretValue,
} from "../../harness";

async function run(spec: FleetSpec, stack: "prod" | "dev", preview = false): Promise<{ inventory: Inventory; fleet: Fleet }> {
    return runFleet(spec, stack, { preview });
}

const countByType = (rs: RegisteredResource[]) => {
    const m: Record<string, number> = {};
    for (const r of rs) m[r.type] = (m[r.type] ?? 0) + 1;
    return m;
};
const secretValue = (v: unknown): string => {
    assert.ok(v instanceof SecretValue, `expected a secret, got ${JSON.stringify(v)}`);
    return String(v.value);
};

describe("links layer on the mock engine", function () {
    this.timeout(120_000);

    describe("prod", () => {
        let inv: Inventory;
        let fleet: Fleet;
        let preview: Inventory;
        before(async () => {
            ({ inventory: inv, fleet } = await run(loadStackSpec("prod"), "prod"));
            preview = (await run(loadStackSpec("prod"), "prod", true)).inventory;
        });

        it("declares per link kind: TGW hub, the CEN edge gateway in Tokyo facing AWS for both cross-border links, the Express Connect VBR", () => {
            assert.deepStrictEqual(countByType(linkResources(inv)), {
                "hybrid:links:AwsTransitHub": 1,
                "aws:ec2transitgateway/transitGateway:TransitGateway": 1,
                "aws:ec2transitgateway/vpcAttachment:VpcAttachment": 1,
                // The remote prefixes (idc-sh node, pod, LB + ack-sh VPC, pod) as one list, routed from each of 3 private route tables.
                "aws:ec2/managedPrefixList:ManagedPrefixList": 2,
                "aws:ec2/route:Route": 3,
                // One crossing between eks-apne1 and ack-sh's edge carries both cross-border links: two AWS connections, four tunnels.
                "hybrid:links:AwsVpn": 1,
                "aws:ec2/customerGateway:CustomerGateway": 2,
                "aws:ec2/vpnConnection:VpnConnection": 2,
                "random:index/randomPassword:RandomPassword": 4,
                // The edge in Tokyo: a VPC, two vSwitches, the dual-tunnel gateway, its VPC attachment, the static
                // routes to AWS's prefixes and the VPC's flow logs (an SLS project in Tokyo, its Logstore, the flow log).
                "hybrid:links:AlicloudCenEdge": 1,
                "alicloud:vpc/network:Network": 1,
                "alicloud:vpc/switch:Switch": 2,
                "alicloud:log/project:Project": 1,
                "alicloud:log/store:Store": 1,
                "alicloud:vpc/flowLog:FlowLog": 1,
                "alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry": 2,
                "hybrid:links:AlicloudVpnHub": 1,
                "alicloud:vpn/gateway:Gateway": 1,
                "hybrid:links:AlicloudVpn": 1,
                "alicloud:vpn/customerGateway:CustomerGateway": 4,
                "alicloud:vpn/connection:Connection": 2,
                "hybrid:links:AlicloudExpressConnect": 1,
                "alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter": 1,
                "alicloud:vpc/bgpGroup:BgpGroup": 1,
                "alicloud:vpc/bgpPeer:BgpPeer": 1,
                // ack-sh's CEN transit router: the VPC and the VBR attached, each associated with and propagating into its table.
                "hybrid:links:AlicloudCenHub": 1,
                "alicloud:cen/instance:Instance": 1,
                // ack-sh's VPC in Shanghai, the edge VPC in Tokyo.
                "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": 2,
                "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment": 1,
                // Both cross-border links land in ap-northeast-1 (Asia-Pacific): one package, one inter-region connection.
                "hybrid:links:AlicloudCenCrossBorder": 1,
                "alicloud:cen/bandwidthPackage:BandwidthPackage": 1,
                "alicloud:cen/bandwidthPackageAttachment:BandwidthPackageAttachment": 1,
                "pulumi:providers:alicloud": 1,
                "alicloud:cen/transitRouter:TransitRouter": 2,
                "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable": 2,
                "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment": 1,
                // VPC, VBR, peer (local), peer (remote) and the edge VPC.
                "alicloud:cen/transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation": 5,
                "alicloud:cen/transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation": 5,
                // Security-group rules, one per port with its sources as a prefix list: eks-apne1's API (443)
                // from idc-sh and ack-sh (mesh, Push); ack-sh's east-west gateway (15443) from both, Thanos
                // gRPC (10901) from the hub idc-sh. (The second AWS prefix list is 443's sources.)
                "hybrid:links:LinkIngress": 2,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
                "alicloud:ecs/ecsPrefixList:EcsPrefixList": 2,
                "alicloud:ecs/securityGroupRule:SecurityGroupRule": 2,
                // The two IDC gateway hosts, kept with no tunnel left (their AWS tunnels are torn down):
                // strongSwan + FRR over SSH (five files, each copied and installed root-owned, the
                // directories and the setup command each).
                "hybrid:links:IdcGateway": 2,
                "command:remote:CopyToRemote": 10,
                "command:remote:Command": 14,
            });
            for (const g of inv.ofType("hybrid:links:IdcGateway"))
                assert.strictEqual(inv.ancestors(g).pop()!.name, "idc-sh", `${g.name} is not under its IDC site`);
        });

        it("keeps the edge VPC's flow logs in Tokyo as long as the anchor keeps its own, the project and Logstore protected", () => {
            const edge = inv.named("hybrid:links:AlicloudCenEdge", "ack-sh-ap-northeast-1-edge");
            // The edge's VPC, as its transit router attachment names it.
            const attachment = inv.childrenOf(edge.urn).find((r) => r.type === "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment")!;
            const flowLog = inv.named("alicloud:vpc/flowLog:FlowLog", "ack-sh-ap-northeast-1-edge-flow-logs");
            const project = inv.named("alicloud:log/project:Project", "ack-sh-ap-northeast-1-edge-flow-logs");
            const store = inv.named("alicloud:log/store:Store", "ack-sh-ap-northeast-1-edge-flow-logs");
            for (const r of [flowLog, project, store]) {
                assert.strictEqual(r.parent, edge.urn);
                assert.strictEqual(inv.providerOf(r)?.inputs.region, "ap-northeast-1", `${r.type} is not in the edge's region`);
            }
            assert.strictEqual(project.inputs.projectName, "ack-sh-prod-ap-northeast-1-flow-logs");
            assert.ok(project.protect && store.protect && !flowLog.protect);
            const anchor = loadStackSpec("prod").clusters.find((c) => c.name === "ack-sh");
            assert.ok(anchor?.provider === "ack");
            assert.strictEqual(store.inputs.retentionPeriod, anchor.network.flowLogRetentionDays);
            assert.deepStrictEqual(store.inputs.encryptConf, { enable: true, encryptType: "default" });
            assert.deepStrictEqual(
                {
                    resourceType: flowLog.inputs.resourceType,
                    resourceId: flowLog.inputs.resourceId,
                    trafficType: flowLog.inputs.trafficType,
                    logStoreName: flowLog.inputs.logStoreName,
                },
                { resourceType: "VPC", resourceId: attachment.inputs.vpcId, trafficType: "All", logStoreName: "vpc-flow-logs" },
            );
            // The anchor's own VPC keeps its flow logs as it did: same names, its own project in Shanghai.
            assert.strictEqual(inv.named("alicloud:log/project:Project", "ack-sh-flow-logs").inputs.projectName, "ack-sh-prod-vpc-flow-logs");
        });

        it("registers the same resources in a first preview (nothing declared inside an apply)", () => {
            const urns = (i: Inventory) =>
                linkResources(i)
                    .map((r) => r.urn)
                    .sort();
            assert.deepStrictEqual(urns(preview), urns(inv));
            assert.deepStrictEqual(preview.resources.map((r) => r.urn).sort(), inv.resources.map((r) => r.urn).sort());
            // Computed outputs are unknown there: the AWS customer gateways wait for the edge gateway's IPs.
            assert.strictEqual(
                preview.named("aws:ec2/customerGateway:CustomerGateway", "eks-apne1-link-ack-sh-ap-northeast-1-c1-cgw").inputs.ipAddress,
                "[unknown]",
            );
        });

        it("puts each end under its own site, on that site's provider", () => {
            // Cloud resources only: the IDC gateways' commands go over SSH, with no provider of a cloud.
            // The cross-border connection's far transit router, the edge and its VPN connections live in
            // Tokyo, on that region's provider.
            const far = (r: RegisteredResource) =>
                /^ack-sh-cen-asia-pacific-ap-northeast-1-(tr|tr-rtb|peer-remote-assoc|peer-remote-prop)$/.test(r.name) ||
                r.name.startsWith("ack-sh-ap-northeast-1-");
            for (const r of linkResources(inv).filter(
                (x) => x.custom && !x.type.startsWith("random:") && !x.type.startsWith("command:") && !x.type.startsWith("pulumi:providers:"),
            )) {
                const site = [r, ...inv.ancestors(r)].pop()!;
                const provider = inv.providerOf(r)!;
                assert.ok(provider, `${r.name} has no explicit provider`);
                const expected = far(r) ? "ack-sh-cen-asia-pacific-ap-northeast-1-alicloud" : `${site.name}-${r.type.split(":")[0]}`;
                assert.strictEqual(provider.name, expected, `${r.name} on ${provider.name}`);
            }
            assert.strictEqual(inv.named("pulumi:providers:alicloud", "ack-sh-cen-asia-pacific-ap-northeast-1-alicloud").inputs.region, "ap-northeast-1");
        });

        it("configures both tunnels of every AWS connection explicitly, with BGP and their logs", () => {
            const vpn = inv.named("aws:ec2/vpnConnection:VpnConnection", "eks-apne1-link-ack-sh-ap-northeast-1-c2").inputs;
            const tunnelLogs = inv.named("aws:cloudwatch/logGroup:LogGroup", "eks-apne1-vpn-logs");
            assert.strictEqual(vpn.staticRoutesOnly, false);
            assert.strictEqual(vpn.transitGatewayId, "eks-apne1-links-tgw-id");
            for (const n of [1, 2]) {
                assert.match(vpn[`tunnel${n}InsideCidr`], /^169\.254\.\d+\.\d+\/30$/);
                assert.deepStrictEqual(vpn[`tunnel${n}IkeVersions`], ["ikev2"]);
                // The suite Alibaba's gateway accepts too (no GCM there).
                assert.deepStrictEqual(vpn[`tunnel${n}Phase1EncryptionAlgorithms`], ["AES256"]);
                assert.deepStrictEqual(vpn[`tunnel${n}Phase2IntegrityAlgorithms`], ["SHA2-256"]);
                assert.deepStrictEqual(vpn[`tunnel${n}Phase1DhGroupNumbers`], [14]);
                assert.strictEqual(vpn[`tunnel${n}DpdTimeoutAction`], "restart");
                assert.strictEqual(vpn[`tunnel${n}StartupAction`], "start");
                assert.match(secretValue(vpn[`tunnel${n}PresharedKey`]), PSK_PATTERN);
                assert.deepStrictEqual(vpn[`tunnel${n}LogOptions`], {
                    cloudwatchLogOptions: {
                        logEnabled: true,
                        logGroupArn: tunnelLogs.state.arn,
                        logOutputFormat: "json",
                        bgpLogEnabled: true,
                        bgpLogGroupArn: tunnelLogs.state.arn,
                        bgpLogOutputFormat: "json",
                    },
                });
            }
            // The customer gateway is the edge gateway's second IP, with ack-sh's AS.
            const cgw = inv.named("aws:ec2/customerGateway:CustomerGateway", "eks-apne1-link-ack-sh-ap-northeast-1-c2-cgw").inputs;
            const edge = inv.named("alicloud:vpn/gateway:Gateway", "ack-sh-ap-northeast-1-edge-vpngw");
            assert.deepStrictEqual([cgw.ipAddress, cgw.bgpAsn], [edge.state.disasterRecoveryInternetIp, "64540"]);
            assert.strictEqual(inv.named("aws:ec2transitgateway/transitGateway:TransitGateway", "eks-apne1-links-tgw").inputs.amazonSideAsn, 64530);
            const remote = inv.named("aws:ec2/managedPrefixList:ManagedPrefixList", "eks-apne1-links-remote-prefixes").inputs;
            assert.deepStrictEqual((remote.entries as { cidr: string }[]).map((e) => e.cidr).sort(), [
                "10.10.0.0/20",
                "10.12.0.0/22",
                "10.30.0.0/16",
                "10.64.0.0/16",
                "10.66.0.0/16",
            ]);
            assert.strictEqual(remote.maxEntries, 5);
            for (const i of [0, 1, 2]) {
                const route = inv.named("aws:ec2/route:Route", `eks-apne1-links-rt${i}-remote`).inputs;
                assert.deepStrictEqual(
                    [route.destinationPrefixListId, route.destinationCidrBlock, route.transitGatewayId],
                    ["eks-apne1-links-remote-prefixes-id", undefined, "eks-apne1-links-tgw-id"],
                );
            }
        });

        it("logs every AWS tunnel's IKE/IPsec and BGP events to its site's VPN log group, encrypted, protected, kept as long as its flow logs", () => {
            // The site's, not the links': removing the last link leaves the logs kept so far.
            const group = inv.named("aws:cloudwatch/logGroup:LogGroup", "eks-apne1-vpn-logs");
            const key = inv.named("aws:kms/key:Key", "eks-apne1-flow-logs");
            assert.strictEqual(inv.ancestors(group)[0].type, "hybrid:eks:Vpc");
            assert.strictEqual(group.inputs.name, "/aws/vpn/eks-apne1/tunnels");
            const eks = fleet.spec.clusters.find((c) => c.name === "eks-apne1")!;
            assert.strictEqual(eks.provider === "eks" && eks.network.flowLogRetentionDays, 365);
            assert.strictEqual(group.inputs.retentionInDays, 365);
            assert.strictEqual(group.inputs.kmsKeyId, key.state.arn);
            assert.strictEqual(group.inputs.deletionProtectionEnabled, true);
            assert.ok(group.protect && key.protect && key.inputs.enableKeyRotation === true);
            // CloudWatch Logs may use the site's network-log key for its two groups only.
            const grant = JSON.parse(key.inputs.policy).Statement.find((s: any) => s.Sid === "CloudWatchLogsEncrypts");
            const account = key.state.arn.split(":")[4];
            assert.deepStrictEqual(grant.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"], [
                `arn:aws:logs:ap-northeast-1:${account}:log-group:/aws/vpc/eks-apne1/flow-logs`,
                `arn:aws:logs:ap-northeast-1:${account}:log-group:/aws/vpn/eks-apne1/tunnels`,
            ]);
            const connections = inv.ofType("aws:ec2/vpnConnection:VpnConnection");
            assert.ok(connections.length > 0);
            for (const vpn of connections)
                for (const n of [1, 2]) assert.strictEqual(vpn.inputs[`tunnel${n}LogOptions`].cloudwatchLogOptions.logGroupArn, group.state.arn, vpn.name);
        });

        it("leaves no tunnel from mainland China to AWS: every AWS customer gateway is the Tokyo edge's, every Alibaba VPN gateway in Tokyo", () => {
            const edge = inv.named("alicloud:vpn/gateway:Gateway", "ack-sh-ap-northeast-1-edge-vpngw").state;
            const edgeIps = [edge.internetIp, edge.disasterRecoveryInternetIp];
            const cgws = inv.ofType("aws:ec2/customerGateway:CustomerGateway");
            assert.ok(cgws.length > 0);
            for (const c of cgws) assert.ok(edgeIps.includes(c.inputs.ipAddress), `${c.name} faces ${c.inputs.ipAddress}, not the edge`);
            assert.deepStrictEqual(cgws.map((c) => c.inputs.ipAddress).sort(), [...edgeIps].sort(), "one AWS connection per edge IP");
            for (const g of inv.ofType("alicloud:vpn/gateway:Gateway")) assert.strictEqual(inv.providerOf(g)!.inputs.region, "ap-northeast-1", g.name);
            // idc-sh's gateway hosts carry no tunnel any more (their AWS tunnels are torn down on the next run).
            const hosts = (fleet.layers.get("links") as LinksResult).gatewayHosts.get("idc-sh")!;
            assert.deepStrictEqual(
                hosts.map((h) => h.tunnels.length),
                [0, 0],
            );
        });

        it("builds the edge the way CEN documents it: a VPC in two zones attached to the Tokyo transit router, joined to its table, AWS's prefixes routed to it", () => {
            const vpc = inv.named("alicloud:vpc/network:Network", "ack-sh-ap-northeast-1-edge-vpc").inputs;
            assert.strictEqual(vpc.cidrBlock, "10.31.0.0/24");
            const vsw = (z: string) => inv.named("alicloud:vpc/switch:Switch", `ack-sh-ap-northeast-1-edge-vsw-${z}`).inputs;
            assert.deepStrictEqual([vsw("ap-northeast-1a").cidrBlock, vsw("ap-northeast-1b").cidrBlock], ["10.31.0.0/25", "10.31.0.128/25"]);
            const gw = inv.named("alicloud:vpn/gateway:Gateway", "ack-sh-ap-northeast-1-edge-vpngw").inputs;
            assert.deepStrictEqual(
                [gw.vpcId, gw.vswitchId, gw.disasterRecoveryVswitchId, gw.autoPropagate, gw.networkType],
                [
                    "ack-sh-ap-northeast-1-edge-vpc-id",
                    "ack-sh-ap-northeast-1-edge-vsw-ap-northeast-1a-id",
                    "ack-sh-ap-northeast-1-edge-vsw-ap-northeast-1b-id",
                    true,
                    "public",
                ],
            );
            const att = inv.named("alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment", "ack-sh-ap-northeast-1-edge-tr-vpc").inputs;
            assert.deepStrictEqual(
                [att.cenId, att.transitRouterId, att.vpcId, att.autoPublishRouteEnabled],
                ["ack-sh-links-cen-id", "tr-ack-sh-cen-asia-pacific-ap-northeast-1-tr", "ack-sh-ap-northeast-1-edge-vpc-id", true],
            );
            assert.deepStrictEqual(
                att.zoneMappings.map((z: any) => [z.zoneId, z.vswitchId]),
                [
                    ["ap-northeast-1a", "ack-sh-ap-northeast-1-edge-vsw-ap-northeast-1a-id"],
                    ["ap-northeast-1b", "ack-sh-ap-northeast-1-edge-vsw-ap-northeast-1b-id"],
                ],
            );
            const remoteTable = "vtb-ack-sh-cen-asia-pacific-ap-northeast-1-tr-rtb";
            for (const t of ["assoc", "prop"]) {
                const r = inv.resources.find((x) => x.name === `ack-sh-ap-northeast-1-edge-tr-vpc-${t}`)!.inputs;
                assert.deepStrictEqual(
                    [r.transitRouterAttachmentId, r.transitRouterRouteTableId],
                    ["tr-attach-ack-sh-ap-northeast-1-edge-tr-vpc", remoteTable],
                );
            }
            const routes = inv
                .ofType("alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry")
                .map((r) => [
                    r.inputs.transitRouterRouteEntryDestinationCidrBlock,
                    r.inputs.transitRouterRouteEntryNextHopType,
                    r.inputs.transitRouterRouteEntryNextHopId,
                    r.inputs.transitRouterRouteTableId,
                ]);
            assert.deepStrictEqual(routes, [
                ["10.20.0.0/16", "Attachment", "tr-attach-ack-sh-ap-northeast-1-edge-tr-vpc", remoteTable],
                ["10.65.0.0/16", "Attachment", "tr-attach-ack-sh-ap-northeast-1-edge-tr-vpc", remoteTable],
            ]);
        });

        it("faces the AWS and Alibaba gateways: AWS customer gateways are the edge IPs, the edge's are AWS's tunnel addresses", () => {
            const vpngw = inv.named("alicloud:vpn/gateway:Gateway", "ack-sh-ap-northeast-1-edge-vpngw");
            const awsCgw = (c: number) =>
                inv.named("aws:ec2/customerGateway:CustomerGateway", `eks-apne1-link-ack-sh-ap-northeast-1-c${c}-cgw`).inputs.ipAddress;
            assert.deepStrictEqual([awsCgw(1), awsCgw(2)], [vpngw.state.internetIp, vpngw.state.disasterRecoveryInternetIp]);
            const awsVpn = (c: number) => inv.named("aws:ec2/vpnConnection:VpnConnection", `eks-apne1-link-ack-sh-ap-northeast-1-c${c}`);
            const aliCgw = (key: string) =>
                inv.named("alicloud:vpn/customerGateway:CustomerGateway", `ack-sh-ap-northeast-1-link-eks-apne1-aws-${key}-cgw`).inputs;
            assert.strictEqual(aliCgw("c1t2").ipAddress, awsVpn(1).state.tunnel2Address);
            assert.strictEqual(aliCgw("c2t1").ipAddress, awsVpn(2).state.tunnel1Address);
            assert.strictEqual(aliCgw("c1t1").asn, "64530");
            // Alibaba connection t1: its master tunnel faces AWS connection 1's tunnel 1, its slave AWS connection 2's tunnel 1, same PSKs.
            const conn = inv.named("alicloud:vpn/connection:Connection", "ack-sh-ap-northeast-1-link-eks-apne1-t1").inputs;
            assert.strictEqual(conn.enableTunnelsBgp, true);
            assert.strictEqual(conn.vpnGatewayId, "ack-sh-ap-northeast-1-edge-vpngw-id");
            const [master, slave] = conn.tunnelOptionsSpecifications;
            assert.deepStrictEqual(
                [master.role, master.customerGatewayId, slave.role, slave.customerGatewayId],
                ["master", "ack-sh-ap-northeast-1-link-eks-apne1-aws-c1t1-cgw-id", "slave", "ack-sh-ap-northeast-1-link-eks-apne1-aws-c2t1-cgw-id"],
            );
            // Both ends of tunnel c1t1 on one /30: AWS the first address, the edge the second, BGP as ack-sh's AS.
            const inside = awsVpn(1).inputs.tunnel1InsideCidr as string;
            const second = inside.replace(/\.(\d+)\/30$/, (_m, last) => `.${Number(last) + 2}`);
            assert.deepStrictEqual(master.tunnelBgpConfig, { localAsn: "64540", localBgpIp: second, tunnelCidr: inside });
            assert.deepStrictEqual(
                [master.tunnelIkeConfig.ikeEncAlg, master.tunnelIkeConfig.ikeAuthAlg, master.tunnelIkeConfig.ikePfs, master.tunnelIkeConfig.ikeVersion],
                ["aes256", "sha256", "group14", "ikev2"],
            );
            assert.strictEqual(secretValue(master.tunnelIkeConfig.psk), secretValue(awsVpn(1).inputs.tunnel1PresharedKey));
            assert.strictEqual(secretValue(slave.tunnelIkeConfig.psk), secretValue(awsVpn(2).inputs.tunnel1PresharedKey));
        });

        it("declares the Express Connect logical side from the spec's line", () => {
            const vbr = inv.named("alicloud:expressconnect/virtualBorderRouter:VirtualBorderRouter", "ack-sh-ec-idc-sh-vbr").inputs;
            assert.deepStrictEqual(
                [vbr.physicalConnectionId, vbr.vlanId, vbr.localGatewayIp, vbr.peerGatewayIp],
                ["pc-uf6k3x9q2m7n4p8r", 1201, "10.255.0.1", "10.255.0.2"],
            );
            const group = inv.named("alicloud:vpc/bgpGroup:BgpGroup", "ack-sh-ec-idc-sh-bgp").inputs;
            assert.deepStrictEqual([group.localAsn, group.peerAsn, group.routerId], [64540, 64620, "ack-sh-ec-idc-sh-vbr-id"]);
            assert.strictEqual(inv.named("alicloud:vpc/bgpPeer:BgpPeer", "ack-sh-ec-idc-sh-bgp-peer").inputs.peerIpAddress, "10.255.0.2");
        });

        it("attaches the Express Connect VBR and the ACK VPC to one CEN transit router, both associated with and propagating into its table", () => {
            const tr = inv.named("alicloud:cen/transitRouter:TransitRouter", "ack-sh-links-tr").inputs;
            assert.strictEqual(tr.cenId, "ack-sh-links-cen-id");
            const vpc = inv.named("alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment", "ack-sh-links-tr-vpc").inputs;
            assert.strictEqual(vpc.transitRouterId, "tr-ack-sh-links-tr");
            assert.strictEqual(vpc.autoPublishRouteEnabled, true);
            // Two zones, each with the node vSwitch of that zone (zone order = vSwitch order).
            assert.deepStrictEqual(
                vpc.zoneMappings.map((z: any) => z.zoneId),
                ["cn-shanghai-e", "cn-shanghai-f"],
            );
            assert.strictEqual(new Set(vpc.zoneMappings.map((z: any) => z.vswitchId)).size, 2);
            const vbr = inv.named("alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment", "ack-sh-ec-idc-sh-tr-vbr").inputs;
            assert.deepStrictEqual(
                [vbr.vbrId, vbr.transitRouterId, vbr.cenId, vbr.autoPublishRouteEnabled],
                ["ack-sh-ec-idc-sh-vbr-id", "tr-ack-sh-links-tr", "ack-sh-links-cen-id", true],
            );
            for (const [att, id] of [
                ["ack-sh-links-tr-vpc", "tr-attach-ack-sh-links-tr-vpc"],
                ["ack-sh-ec-idc-sh-tr-vbr", "tr-attach-ack-sh-ec-idc-sh-tr-vbr"],
            ]) {
                for (const t of [
                    "transitRouterRouteTableAssociation:TransitRouterRouteTableAssociation",
                    "transitRouterRouteTablePropagation:TransitRouterRouteTablePropagation",
                ]) {
                    const r = inv.named(`alicloud:cen/${t}`, `${att}-${t.startsWith("transitRouterRouteTableAssociation") ? "assoc" : "prop"}`).inputs;
                    assert.deepStrictEqual([r.transitRouterAttachmentId, r.transitRouterRouteTableId], [id, "vtb-ack-sh-links-tr-rtb"]);
                }
            }
        });

        it("buys the cross-border capacity on CEN: a China <-> Asia-Pacific package carrying one inter-region connection to Tokyo", () => {
            const pkg = inv.named("alicloud:cen/bandwidthPackage:BandwidthPackage", "ack-sh-cen-asia-pacific-bwp");
            assert.deepStrictEqual(
                [pkg.inputs.geographicRegionAId, pkg.inputs.geographicRegionBId, pkg.inputs.bandwidth, pkg.inputs.paymentType],
                ["China", "Asia-Pacific", 200, "PrePaid"],
            );
            assert.strictEqual(pkg.retainOnDelete, true, "a prepaid package cannot be released before it expires");
            const bound = inv.named("alicloud:cen/bandwidthPackageAttachment:BandwidthPackageAttachment", "ack-sh-cen-asia-pacific-bwp-cen").inputs;
            assert.deepStrictEqual([bound.instanceId, bound.bandwidthPackageId], ["ack-sh-links-cen-id", "ack-sh-cen-asia-pacific-bwp-id"]);
            const peer = inv.named(
                "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment",
                "ack-sh-cen-asia-pacific-ap-northeast-1-peer",
            ).inputs;
            // Both crossing links (idc-sh <-> eks-apne1, eks-apne1 <-> ack-sh) at the default 100 Mbit/s each.
            assert.deepStrictEqual(
                [
                    peer.transitRouterId,
                    peer.peerTransitRouterId,
                    peer.peerTransitRouterRegionId,
                    peer.bandwidthType,
                    peer.cenBandwidthPackageId,
                    peer.bandwidth,
                ],
                [
                    "tr-ack-sh-links-tr",
                    "tr-ack-sh-cen-asia-pacific-ap-northeast-1-tr",
                    "ap-northeast-1",
                    "BandwidthPackage",
                    "ack-sh-cen-asia-pacific-bwp-id",
                    200,
                ],
            );
            assert.strictEqual(
                inv.named("alicloud:cen/transitRouter:TransitRouter", "ack-sh-cen-asia-pacific-ap-northeast-1-tr").inputs.cenId,
                "ack-sh-links-cen-id",
            );
        });

        it("lets the other sites in on exactly the ports the layers dial, from their node and pod prefixes, on the cluster security groups", () => {
            // Only the links layer's rules: the EKS node security group has ingress rules of its own.
            const fromLinks = (r: RegisteredResource) => inv.ancestors(r).some((a) => a.type === "hybrid:links:LinkIngress");
            // A rule's sources: the entries of the prefix list it references (the mock id is "<name>-id").
            const sourcesOf = (type: string, listId: unknown) =>
                (inv.ofType(type).find((l) => `${l.name}-id` === listId)!.inputs.entries as { cidr: string; description: string }[]).map(
                    (e) => `${e.cidr} ${e.description}`,
                );
            const eks = inv
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter(fromLinks)
                .map((r) => r.inputs);
            // The EKS cluster security group (the mock's clusterSecurityGroupId of eks-apne1's control plane).
            const eksSg = new Set(eks.map((r) => r.securityGroupId));
            assert.strictEqual(eksSg.size, 1);
            assert.match([...eksSg][0], /^sg-[0-9a-f]{17}$/);
            assert.deepStrictEqual(
                eks.map((r) => [r.ipProtocol, r.fromPort, r.toPort, r.cidrIpv4, sourcesOf("aws:ec2/managedPrefixList:ManagedPrefixList", r.prefixListId)]),
                [
                    // idc-sh's nodes and pods (not its LoadBalancer range 10.12.0.0/22), ack-sh's VPC and Terway pods.
                    [
                        "tcp",
                        443,
                        443,
                        undefined,
                        ["10.10.0.0/20 from idc-sh", "10.30.0.0/16 from ack-sh", "10.64.0.0/16 from idc-sh", "10.66.0.0/16 from ack-sh"],
                    ],
                ],
            );
            assert.strictEqual(
                eks[0].description,
                "mesh: istiod of idc-sh watches the API server; mesh: istiod of ack-sh watches the API server; federation: Karmada on idc-sh calls the API server (Push)",
            );
            const ack = inv
                .ofType("alicloud:ecs/securityGroupRule:SecurityGroupRule")
                .filter(fromLinks)
                .map((r) => r.inputs);
            assert.ok(
                ack.every((r) => r.securityGroupId === "sg-ack-sh-cluster"),
                "the ACK cluster security group",
            );
            assert.ok(ack.every((r) => r.type === "ingress" && r.ipProtocol === "tcp" && r.policy === "accept" && r.nicType === "intranet"));
            assert.deepStrictEqual(
                ack.map((r) => [r.portRange, r.cidrIp, sourcesOf("alicloud:ecs/ecsPrefixList:EcsPrefixList", r.prefixListId)]),
                [
                    // Only the hub reads Thanos; both other sites reach the east-west gateway.
                    ["10901/10901", undefined, ["10.10.0.0/20 from idc-sh", "10.64.0.0/16 from idc-sh"]],
                    [
                        "15443/15443",
                        undefined,
                        ["10.10.0.0/20 from idc-sh", "10.20.0.0/16 from eks-apne1", "10.64.0.0/16 from idc-sh", "10.65.0.0/16 from eks-apne1"],
                    ],
                ],
            );
            // ECS prefix-list entry descriptions are 2 to 32 characters; each list holds exactly its entries.
            for (const l of inv.ofType("alicloud:ecs/ecsPrefixList:EcsPrefixList")) {
                const entries = l.inputs.entries as { description: string }[];
                assert.ok(
                    entries.every((e) => e.description.length >= 2 && e.description.length <= 32),
                    l.name,
                );
                assert.strictEqual(l.inputs.maxEntries, entries.length, l.name);
            }
            // Nothing wide open.
            for (const t of ["aws:ec2/managedPrefixList:ManagedPrefixList", "alicloud:ecs/ecsPrefixList:EcsPrefixList"])
                for (const l of inv.ofType(t)) assert.ok(!(l.inputs.entries as { cidr: string }[]).some((e) => e.cidr === "0.0.0.0/0"), l.name);
        });

        it("hands back each IDC gateway host's plan: no tunnel (idc-sh reaches AWS over its line and CEN), its fabric peers and prefixes", () => {
            const result = fleet.layers.get("links") as LinksResult;
            const hosts = result.gatewayHosts.get("idc-sh")!;
            assert.deepStrictEqual(
                hosts.map((h) => [h.host.name, h.tunnels.map((t) => t.name), h.fabricPeers.length, h.announce]),
                [
                    ["gw-1", [], 2, ["10.10.0.0/20", "10.64.0.0/16", "10.12.0.0/22"]],
                    ["gw-2", [], 2, ["10.10.0.0/20", "10.64.0.0/16", "10.12.0.0/22"]],
                ],
            );
            assert.ok(result.ready.length >= 6);
        });

        it("keeps every PSK secret: generated, marked secret on every input, never in plain text", () => {
            const psks = inv.ofType("random:index/randomPassword:RandomPassword").filter((r) => r.name.endsWith("-psk"));
            assert.strictEqual(psks.length, 4);
            for (const r of psks) {
                assert.deepStrictEqual([r.inputs.length, r.inputs.overrideSpecial], [40, "._"]);
                const value = String(r.state.result instanceof SecretValue ? r.state.result.value : r.state.result);
                assert.ok(value.length === 40);
                assert.deepStrictEqual(plainTextOccurrences(inv, value.slice(1)), [], `${r.name}'s value appears in plain text`);
            }
        });
    });

    describe("dev", () => {
        let inv: Inventory;
        let fleetDev: Fleet;
        let preview: Inventory;
        before(async () => {
            ({ inventory: inv, fleet: fleetDev } = await run(loadStackSpec("dev"), "dev"));
            preview = (await run(loadStackSpec("dev"), "dev", true)).inventory;
        });

        it("keeps the edge VPC's flow logs as long as ack-dev keeps its own (30 days in dev), in a project named for the dev stack", () => {
            assert.strictEqual(inv.named("alicloud:log/store:Store", "ack-dev-ap-northeast-1-edge-flow-logs").inputs.retentionPeriod, 30);
            assert.strictEqual(inv.named("alicloud:log/store:Store", "ack-dev-flow-logs").inputs.retentionPeriod, 30);
            assert.strictEqual(
                inv.named("alicloud:log/project:Project", "ack-dev-ap-northeast-1-edge-flow-logs").inputs.projectName,
                "ack-dev-dev-ap-northeast-1-flow-logs",
            );
        });

        it("declares the edge crossing towards AWS and one Alibaba dual-tunnel connection whose two tunnels land on the IDC gateway", () => {
            const counts = countByType(linkResources(inv));
            // eks-dev <-> ack-dev's edge in Tokyo: two AWS connections; idc-dev <-> ack-dev: one dual-tunnel connection.
            assert.strictEqual(counts["aws:ec2/vpnConnection:VpnConnection"], 2);
            assert.strictEqual(counts["alicloud:vpn/connection:Connection"], 3);
            assert.strictEqual(counts["alicloud:vpn/customerGateway:CustomerGateway"], 5);
            assert.strictEqual(counts["random:index/randomPassword:RandomPassword"], 6);
            const conn = inv.named("alicloud:vpn/connection:Connection", "ack-dev-link-idc-dev-c1").inputs;
            assert.deepStrictEqual(
                conn.tunnelOptionsSpecifications.map((t: any) => [t.role, t.customerGatewayId, t.tunnelBgpConfig.localBgpIp]),
                [
                    ["master", "ack-dev-link-idc-dev-dev-gw-1-cgw-id", "169.254.10.9"],
                    ["slave", "ack-dev-link-idc-dev-dev-gw-1-cgw-id", "169.254.10.13"],
                ],
            );
            assert.strictEqual(
                inv.named("alicloud:vpn/customerGateway:CustomerGateway", "ack-dev-link-idc-dev-dev-gw-1-cgw").inputs.ipAddress,
                "198.51.100.21",
            );
            // No AWS customer gateway faces idc-dev: both are the edge's IPs.
            const edge = inv.named("alicloud:vpn/gateway:Gateway", "ack-dev-ap-northeast-1-edge-vpngw").state;
            assert.deepStrictEqual(
                inv
                    .ofType("aws:ec2/customerGateway:CustomerGateway")
                    .map((c) => c.inputs.ipAddress)
                    .sort(),
                [edge.internetIp, edge.disasterRecoveryInternetIp].sort(),
            );
        });

        it("routes idc-dev (behind ack-dev's VPN gateway) on ack-dev's transit router to its VPC, so AWS reaches it over CEN", () => {
            const hub = "tr-attach-ack-dev-links-tr-vpc";
            const routes = inv
                .ofType("alicloud:cen/transitRouterRouteEntry:TransitRouterRouteEntry")
                .filter((r) => r.name.startsWith("ack-dev-links-vpc-routes-"))
                .map((r) => [
                    r.inputs.transitRouterRouteEntryDestinationCidrBlock,
                    r.inputs.transitRouterRouteEntryNextHopId,
                    r.inputs.transitRouterRouteTableId,
                ]);
            assert.deepStrictEqual(routes, [
                ["10.110.0.0/22", hub, "vtb-ack-dev-links-tr-rtb"],
                ["10.164.0.0/16", hub, "vtb-ack-dev-links-tr-rtb"],
                ["10.111.0.0/24", hub, "vtb-ack-dev-links-tr-rtb"],
            ]);
            // The gateway host keeps its pinned XFRM ids for the tunnels to ack-dev.
            const [gw] = (fleetDev.layers.get("links") as LinksResult).gatewayHosts.get("idc-dev")!;
            assert.deepStrictEqual(
                gw.tunnels.map((t) => [t.name, t.ifId]),
                [
                    ["ack-dev-idc-dev-c1t1", 3],
                    ["ack-dev-idc-dev-c1t2", 4],
                ],
            );
        });

        it("routes ack-dev's prefixes from eks-dev through the transit IDC", () => {
            const dests = (inv.named("aws:ec2/managedPrefixList:ManagedPrefixList", "eks-dev-links-remote-prefixes").inputs.entries as { cidr: string }[])
                .map((e) => e.cidr)
                .sort();
            assert.strictEqual(inv.named("aws:ec2/route:Route", "eks-dev-links-rt0-remote").inputs.destinationPrefixListId, "eks-dev-links-remote-prefixes-id");
            assert.deepStrictEqual(dests, ["10.110.0.0/22", "10.111.0.0/24", "10.130.0.0/16", "10.164.0.0/16", "10.166.0.0/16"]);
        });

        it("registers the same resources in a first preview", () => {
            assert.deepStrictEqual(preview.resources.map((r) => r.urn).sort(), inv.resources.map((r) => r.urn).sort());
        });

        it("keeps eks-dev's VPN tunnel logs as long as its flow logs (30 days), without deletion protection outside prod", () => {
            const group = inv.named("aws:cloudwatch/logGroup:LogGroup", "eks-dev-vpn-logs");
            assert.deepStrictEqual(
                [group.inputs.name, group.inputs.retentionInDays, group.inputs.deletionProtectionEnabled],
                ["/aws/vpn/eks-dev/tunnels", 30, false],
            );
            assert.strictEqual(group.protect, true);
        });
    });

    describe("PSK rotation (dev: a tunnel of its IDC link to ack-dev, one of eks-dev's crossing to ack-dev's edge)", () => {
        it("gives a rotated tunnel's PSK a keeper (a new password under the same name), and that key reaches both ends", async () => {
            const parsed = parsedAfter((f) => {
                f.links[1].pskRotations = [1, 0];
                f.cenEdges[0].pskRotations = { "eks-dev": [0, 0, 2, 0] };
            }, "dev");
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
            const { inventory } = await run(parsed.spec, "dev");
            const crossing = "eks-dev-link-ack-dev-ap-northeast-1";
            const passwords = inventory.ofType("random:index/randomPassword:RandomPassword").filter((r) => r.name.endsWith("-psk"));
            assert.deepStrictEqual(Object.fromEntries(passwords.map((r) => [r.name, r.inputs.keepers])), {
                [`${crossing}-c1t1-psk`]: undefined,
                [`${crossing}-c1t2-psk`]: undefined,
                [`${crossing}-c2t1-psk`]: { rotation: "2" },
                [`${crossing}-c2t2-psk`]: undefined,
                "ack-dev-link-idc-dev-c1t1-psk": { rotation: "1" },
                "ack-dev-link-idc-dev-c1t2-psk": undefined,
            });
            const keyOf = (name: string) => {
                const result = passwords.find((r) => r.name === name)!.state.result;
                return pskOf(String(result instanceof SecretValue ? result.value : result));
            };
            // The crossing: AWS connection 2's tunnel 1 faces the edge's second IP, the slave tunnel of Alibaba connection t1.
            const aws = inventory.named("aws:ec2/vpnConnection:VpnConnection", `${crossing}-c2`).inputs;
            assert.strictEqual(secretValue(aws.tunnel1PresharedKey), keyOf(`${crossing}-c2t1-psk`));
            const [, slave] = inventory.named("alicloud:vpn/connection:Connection", "ack-dev-ap-northeast-1-link-eks-dev-t1").inputs
                .tunnelOptionsSpecifications;
            assert.strictEqual(secretValue(slave.tunnelIkeConfig.psk), keyOf(`${crossing}-c2t1-psk`));
            // The IDC link: Alibaba's master tunnel and the IDC gateway's swanctl.conf.
            const [master] = inventory.named("alicloud:vpn/connection:Connection", "ack-dev-link-idc-dev-c1").inputs.tunnelOptionsSpecifications;
            assert.strictEqual(secretValue(master.tunnelIkeConfig.psk), keyOf("ack-dev-link-idc-dev-c1t1-psk"));
            const swanctl = inventory
                .ofType("command:remote:CopyToRemote")
                .filter((c) => finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.swanctlConf)
                .map((c) => {
                    assert.ok(c.inputs.source instanceof SecretValue, "swanctl.conf is a secret");
                    return (c.inputs.source.value as { text: string }).text;
                });
            assert.strictEqual(swanctl.length, 1, "idc-dev has one gateway host");
            assert.ok(swanctl[0].includes(`secret = "${keyOf("ack-dev-link-idc-dev-c1t1-psk")}"`), "the IDC end has the rotated key");
        });
    });

    describe("PSK rotation of an IDC <-> IDC link (a generated fleet's two IDC sites: idc-sh-1 links to idc-sh-0 over IPsec)", () => {
        it("gives the rotated tunnel's key a keeper, and both IDC ends' swanctl.conf that key", async () => {
            // The generated 4-cluster fleet's IDC sites alone: the cloud sites, their links and CEN edges
            // and the federation policies naming them go (1,161 resources instead of 1,531).
            const raw = generateFleet(4);
            raw.clusters = raw.clusters.filter((c: { provider: string }) => c.provider === "idc");
            const kept = new Set(raw.clusters.map((c: { name: string }) => c.name));
            raw.links = raw.links.filter((l: { between: string[] }) => l.between.every((n) => kept.has(n)));
            raw.cenEdges = [];
            raw.transit = [];
            delete raw.federation.policies;
            delete raw.federation.overrides;
            const i = raw.links.findIndex((l: { between: string[] }) => l.between.includes("idc-sh-0") && l.between.includes("idc-sh-1"));
            assert.ok(i >= 0 && raw.links[i].kind === "ipsec-vpn", "the generated fleet links the two IDC sites over IPsec");
            raw.links[i].pskRotations = [0, 3];
            const parsed = parseFleet(raw);
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.violations.join("\n"));
            const { inventory } = await run(parsed.spec, "prod");
            const passwords = inventory.ofType("random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("idc-sh-0-link-idc-sh-1-"));
            assert.deepStrictEqual(
                passwords.map((r) => [r.name, r.inputs.keepers]),
                [
                    ["idc-sh-0-link-idc-sh-1-c1t1-psk", undefined],
                    ["idc-sh-0-link-idc-sh-1-c1t2-psk", { rotation: "3" }],
                ],
            );
            const keyOf = (r: RegisteredResource) => pskOf(String(r.state.result instanceof SecretValue ? r.state.result.value : r.state.result));
            const [unrotated, rotated] = passwords.map(keyOf);
            // Each site's gateway hosts: tunnel 1 on the first gateway of each, tunnel 2 on the second.
            const swanctlOf = (site: string) =>
                inventory
                    .ofType("command:remote:CopyToRemote")
                    .filter((c) => c.name.startsWith(`${site}-`) && finalPathOf(String(c.inputs.remotePath)) === LINKS_PATHS.swanctlConf)
                    .map((c) => (c.inputs.source.value as { text: string }).text);
            for (const site of ["idc-sh-0", "idc-sh-1"]) {
                const files = swanctlOf(site);
                assert.strictEqual(files.filter((f) => f.includes(`secret = "${rotated}"`)).length, 1, `${site}: one gateway holds the rotated key`);
                assert.strictEqual(files.filter((f) => f.includes(`secret = "${unrotated}"`)).length, 1, `${site}: one gateway holds the other key`);
            }
        });
    });

    describe("direct-connect (eks <-> idc)", () => {
        it("declares the DX gateway, its Transit Gateway association and a transit VIF on the spec's line", async () => {
            const spec = loadStackSpec("prod");
            spec.links[0] = directConnectLink({ mtu: 8500 }) as (typeof spec.links)[number];
            const { inventory } = await run(spec, "prod");
            const counts = countByType(linkResources(inventory));
            assert.strictEqual(counts["hybrid:links:AwsDirectConnect"], 1);
            assert.strictEqual(counts["aws:ec2/vpnConnection:VpnConnection"], 2, "only eks<->ack's");
            const vif = inventory.named("aws:directconnect/transitVirtualInterface:TransitVirtualInterface", "eks-apne1-dx-idc-sh-vif").inputs;
            assert.deepStrictEqual(
                [vif.connectionId, vif.vlan, vif.bgpAsn, vif.amazonAddress, vif.customerAddress, vif.mtu, vif.dxGatewayId],
                ["dxcon-fg5678gh", 101, 64620, "169.254.100.1/30", "169.254.100.2/30", 8500, "eks-apne1-dx-idc-sh-dxgw-id"],
            );
            assert.strictEqual(inventory.named("aws:directconnect/gateway:Gateway", "eks-apne1-dx-idc-sh-dxgw").inputs.amazonSideAsn, "64550");
            const assoc = inventory.named("aws:directconnect/gatewayAssociation:GatewayAssociation", "eks-apne1-dx-idc-sh-tgw").inputs;
            assert.deepStrictEqual([assoc.associatedGatewayId, assoc.allowedPrefixes], ["eks-apne1-links-tgw-id", ["10.20.0.0/16", "10.65.0.0/16"]]);
            // No IDC gateway host plan: the line ends on the IDC's router, not on the tunnel gateways.
        });
    });
});
