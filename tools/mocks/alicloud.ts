// Mock outputs for alicloud resources and invokes (see tools/mocks/index.ts): the attributes
// that the real provider computes and that the program reads (ids of tables, EIP addresses,
// endpoints, RRSA metadata, ARNs, the cluster credential), shaped like the real ones.
import type { CallMock, OutputsMock } from "./types";

const ACCOUNT = "1234567890123456";

/** A stable fake address derived from a resource name, e.g. for an EIP. */
function addressFor(name: string, first: number): string {
    let h = 0;
    for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return `${first}.${(h >>> 16) % 256}.${(h >>> 8) % 256}.${(h % 254) + 1}`;
}

export const outputs: Record<string, OutputsMock> = {
    "alicloud:vpc/network:Network": (a) => ({ routeTableId: `vtb-${a.name}`, routerId: `vrt-${a.name}` }),
    "alicloud:vpc/natGateway:NatGateway": (a) => ({ snatTableIds: `stb-${a.name}`, forwardTableIds: `ftb-${a.name}` }),
    "alicloud:ecs/eipAddress:EipAddress": (a) => ({ ipAddress: addressFor(a.name, 47), status: "InUse" }),
    // A dual-tunnel VPN gateway's two public IPs (tunnel 1 and tunnel 2).
    "alicloud:vpn/gateway:Gateway": (a) => ({
        internetIp: addressFor(a.name, 47),
        disasterRecoveryInternetIp: addressFor(`${a.name}-dr`, 39),
        status: "Active",
    }),
    // CEN: the transit router's, its route table's and an attachment's ids, as the real provider computes them.
    "alicloud:cen/transitRouter:TransitRouter": (a) => ({ transitRouterId: `tr-${a.name}`, status: "Active" }),
    "alicloud:cen/transitRouterRouteTable:TransitRouterRouteTable": (a) => ({ transitRouterRouteTableId: `vtb-${a.name}`, status: "Active" }),
    "alicloud:cen/transitRouterVpcAttachment:TransitRouterVpcAttachment": (a) => ({ transitRouterAttachmentId: `tr-attach-${a.name}`, status: "Attached" }),
    "alicloud:cen/transitRouterVbrAttachment:TransitRouterVbrAttachment": (a) => ({ transitRouterAttachmentId: `tr-attach-${a.name}`, status: "Attached" }),
    "alicloud:cen/transitRouterPeerAttachment:TransitRouterPeerAttachment": (a) => ({ transitRouterAttachmentId: `tr-attach-${a.name}`, status: "Attached" }),
    "alicloud:kms/key:Key": (a) => ({ arn: `acs:kms:cn-shanghai:${ACCOUNT}:key/key-${a.name}-id`, status: "Enabled" }),
    "alicloud:ram/role:Role": (a) => ({ arn: `acs:ram::${ACCOUNT}:role/${a.inputs.roleName ?? a.name}` }),
    // A RAM user's AccessKey: the id is the resource id, the secret a stand-in (a secret output).
    "alicloud:ram/accessKey:AccessKey": (a) => ({ secret: `mock-access-key-secret-${a.name}`, status: "Active" }),
    "alicloud:oss/bucket:Bucket": (a) => ({
        intranetEndpoint: "oss-cn-shanghai-internal.aliyuncs.com",
        extranetEndpoint: "oss-cn-shanghai.aliyuncs.com",
        location: "oss-cn-shanghai",
        owner: ACCOUNT,
        bucket: a.inputs.bucket,
    }),
    "alicloud:cs/managedKubernetes:ManagedKubernetes": (a) => {
        const clusterId = `c${a.name.replace(/[^a-z0-9]/g, "")}`;
        const intranet = addressFor(a.name, 10);
        return {
            vpcId: `vpc-${a.name}`,
            securityGroupId: `sg-${a.name}`,
            slbId: `lb-${a.name}`,
            slbIntranet: intranet,
            workerRamRoleName: `KubernetesWorkerRole-${clusterId}`,
            connections: {
                apiServerIntranet: `https://${intranet}:6443`,
                apiServerInternet: a.inputs.slbInternetEnabled ? `https://${addressFor(a.name, 47)}:6443` : "",
                masterPublicIp: "",
                serviceDomain: `*.${clusterId}.cn-shanghai.alicontainer.com`,
            },
            rrsaMetadata: {
                enabled: a.inputs.enableRrsa === true,
                ramOidcProviderName: `ack-rrsa-${clusterId}`,
                ramOidcProviderArn: `acs:ram::${ACCOUNT}:oidc-provider/ack-rrsa-${clusterId}`,
                rrsaOidcIssuerUrl: `https://oidc-ack-cn-shanghai.oss-cn-shanghai.aliyuncs.com/${clusterId}`,
            },
        };
    },
};

/** A kubeconfig shaped like ACK's DescribeClusterUserKubeconfig answer; the key data is a marker the tests look for. */
export const MOCK_CLIENT_KEY_DATA = "bW9jay1hY2stY2xpZW50LWtleQ==";

export const calls: Record<string, CallMock> = {
    "alicloud:cs/getClusterCredential:getClusterCredential": (a) => {
        const clusterId = String(a.inputs.clusterId);
        return {
            id: clusterId,
            clusterId,
            clusterName: clusterId,
            expiration: "2028-01-01T00:00:00Z",
            certificateAuthority: { clusterCert: "bW9jay1jYQ==", clientCert: "bW9jay1jZXJ0", clientKey: MOCK_CLIENT_KEY_DATA },
            kubeConfig: [
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                `- name: kubernetes`,
                "  cluster:",
                `    server: https://10.30.0.5:6443`,
                "    certificate-authority-data: bW9jay1jYQ==",
                "contexts:",
                `- name: ${clusterId}`,
                "  context: { cluster: kubernetes, user: admin }",
                `current-context: ${clusterId}`,
                "users:",
                "- name: admin",
                "  user:",
                "    client-certificate-data: bW9jay1jZXJ0",
                `    client-key-data: ${MOCK_CLIENT_KEY_DATA}`,
                "",
            ].join("\n"),
        };
    },
};
