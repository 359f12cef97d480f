// Mock outputs for aws resources and invokes (see tools/mocks/index.ts): the attributes that the
// real provider computes and that the program reads (ARNs, names, endpoints, the cluster's CA and
// security group), shaped like the real ones.
import type { CallMock, OutputsMock } from "./types";

export const MOCK_AWS_ACCOUNT = "123456789012";
const REGION = "ap-northeast-1";

/** A stable hex id derived from a resource name, like the ids AWS hands out. */
function hexFor(name: string, length: number): string {
    let h = 2166136261;
    let out = "";
    while (out.length < length) {
        for (const ch of name + out.length) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
        out += h.toString(16).padStart(8, "0");
    }
    return out.slice(0, length).toUpperCase();
}

const region = (a: { inputs: Record<string, any> }) => String(a.inputs.region ?? REGION);
const physical = (a: { name: string; inputs: Record<string, any> }) => String(a.inputs.name ?? a.name);

export const outputs: Record<string, OutputsMock> = {
    "aws:eks/cluster:Cluster": (a) => {
        const r = region(a);
        return {
            arn: `arn:aws:eks:${r}:${MOCK_AWS_ACCOUNT}:cluster/${physical(a)}`,
            endpoint: `https://${hexFor(a.name, 32)}.gr7.${r}.eks.amazonaws.com`,
            certificateAuthority: { data: "bW9jay1la3MtY2E=" },
            status: "ACTIVE",
            platformVersion: "eks.10",
            vpcConfig: {
                ...a.inputs.vpcConfig,
                clusterSecurityGroupId: `sg-${hexFor(a.name, 17).toLowerCase()}`,
                vpcId: `vpc-${hexFor(a.name, 17).toLowerCase()}`,
            },
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.${r}.amazonaws.com/id/${hexFor(a.name, 32)}` }] }],
        };
    },
    "aws:eks/nodeGroup:NodeGroup": (a) => ({
        arn: `arn:aws:eks:${region(a)}:${MOCK_AWS_ACCOUNT}:nodegroup/${a.inputs.clusterName}/${a.inputs.nodeGroupName}/x`,
        status: "ACTIVE",
    }),
    "aws:eks/addon:Addon": (a) => ({ arn: `arn:aws:eks:${region(a)}:${MOCK_AWS_ACCOUNT}:addon/${a.inputs.clusterName}/${a.inputs.addonName}/x` }),
    "aws:iam/role:Role": (a) => ({ arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:role/${physical(a)}`, name: physical(a), uniqueId: `AROA${hexFor(a.name, 17)}` }),
    "aws:iam/policy:Policy": (a) => ({ arn: `arn:aws:iam::${MOCK_AWS_ACCOUNT}:policy/${physical(a)}`, name: physical(a) }),
    "aws:kms/key:Key": (a) => ({
        arn: `arn:aws:kms:${region(a)}:${MOCK_AWS_ACCOUNT}:key/${hexFor(a.name, 32).toLowerCase()}`,
        keyId: hexFor(a.name, 32).toLowerCase(),
    }),
    "aws:cloudwatch/logGroup:LogGroup": (a) => ({ arn: `arn:aws:logs:${region(a)}:${MOCK_AWS_ACCOUNT}:log-group:${physical(a)}` }),
    "aws:cloudwatch/eventRule:EventRule": (a) => ({ arn: `arn:aws:events:${region(a)}:${MOCK_AWS_ACCOUNT}:rule/${physical(a)}`, name: physical(a) }),
    "aws:sqs/queue:Queue": (a) => ({
        arn: `arn:aws:sqs:${region(a)}:${MOCK_AWS_ACCOUNT}:${physical(a)}`,
        url: `https://sqs.${region(a)}.amazonaws.com/${MOCK_AWS_ACCOUNT}/${physical(a)}`,
        name: physical(a),
    }),
    "aws:s3/bucket:Bucket": (a) => ({ arn: `arn:aws:s3:::${a.inputs.bucket ?? a.name}`, bucket: a.inputs.bucket ?? a.name }),
    "aws:ec2/eip:Eip": (a) => ({
        publicIp: `18.${parseInt(hexFor(a.name, 2), 16)}.${parseInt(hexFor(a.name + "b", 2), 16)}.${(parseInt(hexFor(a.name + "c", 2), 16) % 254) + 1}`,
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1, defaultVersion: 1 }),
    // The two outside addresses AWS gives a VPN connection's tunnels (public, distinct per connection).
    "aws:ec2/vpnConnection:VpnConnection": (a) => ({
        tunnel1Address: `52.${parseInt(hexFor(a.name, 2), 16)}.${parseInt(hexFor(a.name + "x", 2), 16)}.${(parseInt(hexFor(a.name + "1", 2), 16) % 254) + 1}`,
        tunnel2Address: `54.${parseInt(hexFor(a.name, 2), 16)}.${parseInt(hexFor(a.name + "x", 2), 16)}.${(parseInt(hexFor(a.name + "2", 2), 16) % 254) + 1}`,
        arn: `arn:aws:ec2:${region(a)}:${MOCK_AWS_ACCOUNT}:vpn-connection/vpn-${hexFor(a.name, 17).toLowerCase()}`,
    }),
    "aws:ec2transitgateway/transitGateway:TransitGateway": (a) => ({
        arn: `arn:aws:ec2:${region(a)}:${MOCK_AWS_ACCOUNT}:transit-gateway/tgw-${hexFor(a.name, 17).toLowerCase()}`,
        associationDefaultRouteTableId: `tgw-rtb-${hexFor(a.name + "a", 17).toLowerCase()}`,
        propagationDefaultRouteTableId: `tgw-rtb-${hexFor(a.name + "a", 17).toLowerCase()}`,
    }),
};

/**
 * What the mock answers for aws.eks.getAddonVersion (mostRecent): a fixed, plausible version per
 * add-on, and for kube-proxy the cluster's minor, so the offline plan is deterministic. These are
 * stand-ins for the plan, not pins: the real lookup happens at deploy time.
 */
export const MOCK_ADDON_VERSIONS: Record<string, (kubernetesVersion: string) => string> = {
    "kube-proxy": (k) => `v${k}.0-eksbuild.1`,
    coredns: () => "v1.12.4-eksbuild.1",
    "vpc-cni": () => "v1.20.3-eksbuild.1",
    "eks-pod-identity-agent": () => "v1.3.8-eksbuild.2",
    "aws-ebs-csi-driver": () => "v1.50.1-eksbuild.1",
};

export const calls: Record<string, CallMock> = {
    "aws:eks/getAddonVersion:getAddonVersion": (a) => {
        const { addonName, kubernetesVersion } = a.inputs as { addonName: string; kubernetesVersion: string };
        const version = MOCK_ADDON_VERSIONS[addonName];
        if (!version) throw new Error(`mock: no add-on version for ${addonName}`);
        return { addonName, kubernetesVersion, mostRecent: a.inputs.mostRecent, version: version(kubernetesVersion), id: addonName };
    },
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: MOCK_AWS_ACCOUNT,
        arn: `arn:aws:sts::${MOCK_AWS_ACCOUNT}:assumed-role/platform-admin/pulumi`,
        userId: "AROAMOCKPULUMI:pulumi",
        id: MOCK_AWS_ACCOUNT,
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" }),
    "aws:index/getRegion:getRegion": (a) => ({ region: a.inputs.region ?? REGION, name: a.inputs.region ?? REGION, id: a.inputs.region ?? REGION }),
};
