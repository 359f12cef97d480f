// The EKS site on the mock engine, over the whole prod fleet (and dev / Cilium variants where the
// spec changes the graph): what the program declares for the VPC, the control plane, the add-ons,
// Karpenter and the metrics bucket, and how it is wired.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_KEYS } from "../../components/core/conventions";
import { CILIUM_OPERATOR, controlPlaneLogGroupName } from "../../components/eks/render";
import { al2023UserData, nodeadmConfig } from "../../components/eks/kubelet";
import { eventPattern, INTERRUPTION_EVENTS } from "../../components/eks/karpenter/render";
import { KARPENTER } from "../../components/eks/karpenter/versions";
import { EKS_METRICS_WRITER } from "../../stacks/eks";
import { EksClusterSpec, FleetSpec } from "../../stacks/spec";
import { MOCK_ADDON_VERSIONS } from "../../tools/mocks/aws";
import { k8sProviderName } from "../../stacks/types";
import { MOCK_AWS_ACCOUNT } from "../../tools/mocks/aws";
import { CILIUM } from "../../components/network/cilium/versions";
import { validateCustomResource } from "../crds";
import { Inventory, loadStackSpec, oneSiteSpec, RegisteredResource, runFleet, SecretValue } from "../harness";

const T = {
    awsProvider: "pulumi:providers:aws",
    k8sProvider: "pulumi:providers:kubernetes",
    vpc: "aws:ec2/vpc:Vpc",
    cidrAssoc: "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation",
    subnet: "aws:ec2/subnet:Subnet",
    igw: "aws:ec2/internetGateway:InternetGateway",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    routeTable: "aws:ec2/routeTable:RouteTable",
    route: "aws:ec2/route:Route",
    rtAssoc: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    flowLog: "aws:ec2/flowLog:FlowLog",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    kms: "aws:kms/key:Key",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    cluster: "aws:eks/cluster:Cluster",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    addon: "aws:eks/addon:Addon",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
    release: "kubernetes:helm.sh/v3:Release",
    nodePool: "kubernetes:karpenter.sh/v1:NodePool",
    nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    eniConfig: "kubernetes:crd.k8s.amazonaws.com/v1alpha1:ENIConfig",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    bucket: "aws:s3/bucket:Bucket",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    tag: "aws:ec2/tag:Tag",
};

const C = "eks-apne1";
const idOf = (r: RegisteredResource) => r.state.id ?? `${r.name}-id`;
const json = (v: unknown) => JSON.parse(v instanceof SecretValue ? String(v.value) : String(v));
const resolved = <T>(o: pulumi.Output<T> | pulumi.Input<T>) => (pulumi.output(o) as any).promise() as Promise<T>;

function eksSpec(fleet: FleetSpec): EksClusterSpec {
    return fleet.clusters.find((c): c is EksClusterSpec => c.provider === "eks")!;
}

/**
 * The trust condition of a Pod Identity role: the session tags EKS sets on every assume (EKS docs,
 * "Create IAM role with trust policy required by EKS Pod Identity"), for one ServiceAccount of one cluster.
 */
const podIdentityCondition = (clusterArn: string, namespace: string, serviceAccount: string) => ({
    StringEquals: {
        "aws:SourceAccount": MOCK_AWS_ACCOUNT,
        "aws:RequestTag/eks-cluster-arn": clusterArn,
        "aws:RequestTag/kubernetes-namespace": namespace,
        "aws:RequestTag/kubernetes-service-account": serviceAccount,
    },
});

describe("EKS site on the mock engine (prod)", function () {
    this.timeout(120000);
    let inv: Inventory;
    let fleet: Awaited<ReturnType<typeof runFleet>>["fleet"];
    const spec = eksSpec(loadStackSpec("prod"));
    const ofSite = (inventory: Inventory, cluster = C) => {
        const site = inventory.named("hybrid:eks:Site", cluster);
        return inventory.resources.filter((r) => inventory.ancestors(r).some((a) => a.urn === site.urn));
    };
    const mine = (type: string) => ofSite(inv).filter((r) => r.type === type);
    const named = (type: string, name: string) => inv.named(type, name);

    before(async () => {
        ({ inventory: inv, fleet } = await runFleet(loadStackSpec("prod")));
    });

    describe("foundation", () => {
        it("gives the cluster its own AWS provider in the spec's region with the fleet's tags, used by every AWS resource", () => {
            const provider = named(T.awsProvider, `${C}-aws`);
            assert.strictEqual(provider.inputs.region, "ap-northeast-1");
            assert.deepStrictEqual(json(provider.inputs.defaultTags).tags, { "hybrid-fleet.io/cluster": C, "hybrid-fleet.io/environment": "prod" });
            const awsResources = ofSite(inv).filter((r) => r.type.startsWith("aws:"));
            assert.ok(awsResources.length > 60, `${awsResources.length}`);
            for (const r of awsResources) assert.strictEqual(inv.providerOf(r)?.urn, provider.urn, `${r.type} ${r.name}`);
        });

        it("parents every resource under a component of the site, with names derived from it", () => {
            const site = named("hybrid:eks:Site", C);
            for (const [type, name] of [
                ["hybrid:eks:Vpc", C],
                ["hybrid:eks:Cluster", C],
                ["hybrid:eks:Karpenter", `${C}-karpenter`],
                ["hybrid:eks:MetricsStore", `${C}-metrics`],
            ]) {
                const component = named(type, name);
                assert.strictEqual(component.parent, site.urn, type);
                const children = inv.childrenOf(component.urn);
                assert.ok(children.length > 0, type);
                for (const child of children) assert.ok(child.name.startsWith(name), `${child.name} under ${name}`);
            }
            for (const r of ofSite(inv)) assert.ok(r.parent, r.name);
        });

        it("declares the VPC with podCidr as a secondary block", () => {
            const vpc = named(T.vpc, `${C}-vpc`);
            assert.strictEqual(vpc.inputs.cidrBlock, "10.20.0.0/16");
            assert.strictEqual(vpc.inputs.enableDnsHostnames, true);
            const assoc = named(T.cidrAssoc, `${C}-pods`);
            assert.deepStrictEqual([assoc.inputs.vpcId, assoc.inputs.cidrBlock], [idOf(vpc), "10.65.0.0/16"]);
        });

        it("declares a public, a private and a pod subnet in every zone, tagged for ELBs, the cluster and Karpenter", () => {
            const subnets = mine(T.subnet);
            const byRole = (role: string) => subnets.filter((s) => s.inputs.tags["hybrid-fleet.io/subnet-role"] === role);
            const vpcId = idOf(named(T.vpc, `${C}-vpc`));
            for (const role of ["public", "private", "pods"]) {
                assert.deepStrictEqual(
                    byRole(role).map((s) => s.inputs.availabilityZone),
                    spec.zones,
                    role,
                );
            }
            assert.deepStrictEqual(
                byRole("private").map((s) => s.inputs.cidrBlock),
                ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
            );
            assert.deepStrictEqual(
                byRole("public").map((s) => s.inputs.cidrBlock),
                ["10.20.224.0/22", "10.20.228.0/22", "10.20.232.0/22"],
            );
            assert.deepStrictEqual(
                byRole("pods").map((s) => s.inputs.cidrBlock),
                ["10.65.0.0/19", "10.65.32.0/19", "10.65.64.0/19"],
            );
            for (const s of subnets) {
                assert.strictEqual(s.inputs.vpcId, vpcId);
                assert.strictEqual(s.inputs.mapPublicIpOnLaunch, false, s.name);
                assert.strictEqual(s.inputs.tags[`kubernetes.io/cluster/${C}`], "shared", s.name);
            }
            for (const s of byRole("public")) assert.strictEqual(s.inputs.tags["kubernetes.io/role/elb"], "1");
            for (const s of byRole("private")) {
                assert.strictEqual(s.inputs.tags["kubernetes.io/role/internal-elb"], "1");
                assert.strictEqual(s.inputs.tags["karpenter.sh/discovery"], C);
            }
            for (const s of [...byRole("public"), ...byRole("pods")]) assert.strictEqual(s.inputs.tags["karpenter.sh/discovery"], undefined, s.name);
            for (const s of byRole("pods")) assert.ok(s.dependencies.includes(named(T.cidrAssoc, `${C}-pods`).urn));
        });

        it("routes public subnets to the internet gateway and each zone's private and pod subnets to its own NAT gateway", () => {
            const igw = named(T.igw, `${C}-igw`);
            const publicRoute = named(T.route, `${C}-public-internet`);
            assert.deepStrictEqual([publicRoute.inputs.destinationCidrBlock, publicRoute.inputs.gatewayId], ["0.0.0.0/0", idOf(igw)]);
            const nats = mine(T.nat);
            assert.strictEqual(nats.length, 3, "perZone");
            spec.zones.forEach((zone) => {
                const nat = named(T.nat, `${C}-nat-${zone}`);
                assert.strictEqual(nat.inputs.subnetId, idOf(named(T.subnet, `${C}-public-${zone}`)));
                assert.strictEqual(nat.inputs.allocationId, idOf(named(T.eip, `${C}-nat-${zone}`)));
                const table = named(T.routeTable, `${C}-private-${zone}`);
                const route = named(T.route, `${C}-private-${zone}-nat`);
                assert.deepStrictEqual(
                    [route.inputs.routeTableId, route.inputs.destinationCidrBlock, route.inputs.natGatewayId],
                    [idOf(table), "0.0.0.0/0", idOf(nat)],
                );
                for (const role of ["private", "pods"]) {
                    const assoc = named(T.rtAssoc, `${C}-${role}-${zone}`);
                    assert.deepStrictEqual([assoc.inputs.subnetId, assoc.inputs.routeTableId], [idOf(named(T.subnet, `${C}-${role}-${zone}`)), idOf(table)]);
                }
                const pub = named(T.rtAssoc, `${C}-public-${zone}`);
                assert.strictEqual(pub.inputs.routeTableId, idOf(named(T.routeTable, `${C}-public`)));
            });
            assert.deepStrictEqual(inv.named("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", `${C}-default-sg`).inputs.ingress ?? [], []);
        });

        it("sends all VPC flows to an encrypted log group with the spec's retention, through a least-privilege role", () => {
            const flow = named(T.flowLog, `${C}-flow-logs`);
            const group = named(T.logGroup, `${C}-flow-logs`);
            const key = named(T.kms, `${C}-flow-logs`);
            const role = named(T.role, `${C}-flow-logs`);
            assert.deepStrictEqual(
                [flow.inputs.vpcId, flow.inputs.trafficType, flow.inputs.logDestinationType, flow.inputs.logDestination, flow.inputs.iamRoleArn],
                [idOf(named(T.vpc, `${C}-vpc`)), "ALL", "cloud-watch-logs", group.state.arn, role.state.arn],
            );
            assert.strictEqual(group.inputs.retentionInDays, 365);
            assert.strictEqual(group.inputs.kmsKeyId, key.state.arn);
            // prod: CloudWatch refuses to delete the group while its protection is on.
            assert.strictEqual(group.inputs.deletionProtectionEnabled, true);
            assert.ok(group.protect && key.protect && key.inputs.enableKeyRotation === true);
            const keyPolicy = json(key.inputs.policy);
            const logsGrant = keyPolicy.Statement.find((s: any) => s.Principal?.Service === "logs.ap-northeast-1.amazonaws.com");
            // The same key encrypts the site's VPN tunnel logs (the links' connections log there), and nothing else.
            assert.deepStrictEqual(logsGrant.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"], [
                `arn:aws:logs:ap-northeast-1:${MOCK_AWS_ACCOUNT}:log-group:/aws/vpc/${C}/flow-logs`,
                `arn:aws:logs:ap-northeast-1:${MOCK_AWS_ACCOUNT}:log-group:/aws/vpn/${C}/tunnels`,
            ]);
            const vpnLogs = named(T.logGroup, `${C}-vpn-logs`);
            assert.deepStrictEqual(
                [vpnLogs.inputs.name, vpnLogs.inputs.retentionInDays, vpnLogs.inputs.kmsKeyId, vpnLogs.inputs.deletionProtectionEnabled, vpnLogs.protect],
                [`/aws/vpn/${C}/tunnels`, 365, key.state.arn, true, true],
            );
            const trust = json(role.inputs.assumeRolePolicy).Statement[0];
            assert.deepStrictEqual(trust.Principal, { Service: "vpc-flow-logs.amazonaws.com" });
            assert.strictEqual(trust.Condition.StringEquals["aws:SourceAccount"], MOCK_AWS_ACCOUNT);
            // Confused-deputy guard: only this account's flow logs in this region may assume it.
            assert.deepStrictEqual(trust.Condition.ArnLike, { "aws:SourceArn": `arn:aws:ec2:ap-northeast-1:${MOCK_AWS_ACCOUNT}:vpc-flow-log/*` });
            const perms = json(named(T.rolePolicy, `${C}-flow-logs`).inputs.policy).Statement;
            assert.strictEqual(perms.length, 1);
            assert.deepStrictEqual(perms[0].Resource, [group.state.arn, `${group.state.arn}:log-stream:*`]);
            assert.ok(!perms[0].Action.some((a: string) => a.includes("*") || a === "logs:CreateLogGroup"));
            // The flow log starts only once its role can write.
            assert.ok(flow.dependencies.includes(named(T.rolePolicy, `${C}-flow-logs`).urn));
        });
    });

    describe("control plane", () => {
        it("keeps the endpoint private, with API authentication, no creator admin, deletion protection and the spec's version", () => {
            const c = named(T.cluster, `${C}-eks`);
            assert.strictEqual(c.inputs.name, C);
            assert.strictEqual(c.inputs.version, "1.36");
            assert.strictEqual(c.inputs.vpcConfig.endpointPrivateAccess, true);
            assert.strictEqual(c.inputs.vpcConfig.endpointPublicAccess, false);
            assert.strictEqual(c.inputs.vpcConfig.publicAccessCidrs, undefined);
            assert.deepStrictEqual(
                c.inputs.vpcConfig.subnetIds,
                spec.zones.map((z) => idOf(named(T.subnet, `${C}-private-${z}`))),
            );
            assert.deepStrictEqual(c.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.strictEqual(c.inputs.deletionProtection, true);
            assert.deepStrictEqual(c.inputs.upgradePolicy, { supportType: "STANDARD" });
            assert.strictEqual(c.inputs.bootstrapSelfManagedAddons, false);
            assert.deepStrictEqual(c.inputs.kubernetesNetworkConfig, { ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" });
            assert.ok(c.protect, "the cluster holds the workloads' state");
        });

        it("never opens a public endpoint to the world, in any EKS cluster of the prod fleet", () => {
            const clusters = inv.ofType(T.cluster);
            assert.ok(clusters.length >= 1);
            for (const c of clusters) {
                const cidrs: string[] = c.inputs.vpcConfig.publicAccessCidrs ?? [];
                assert.ok(!cidrs.includes("0.0.0.0/0"), c.name);
                assert.ok(
                    c.inputs.vpcConfig.endpointPublicAccess === false || cidrs.length > 0,
                    `${c.name}: public endpoint without a CIDR list defaults to 0.0.0.0/0`,
                );
            }
        });

        it("envelope-encrypts secrets with its own rotating, protected KMS key", () => {
            const c = named(T.cluster, `${C}-eks`);
            const key = named(T.kms, `${C}-secrets`);
            assert.deepStrictEqual(c.inputs.encryptionConfig, { provider: { keyArn: key.state.arn }, resources: ["secrets"] });
            assert.ok(key.protect && key.inputs.enableKeyRotation === true && key.inputs.deletionWindowInDays === 30);
            const users = inv.resources.filter((r) => r.type !== T.rolePolicy && r !== c && JSON.stringify(r.inputs).includes(key.state.arn));
            assert.deepStrictEqual(
                users.map((r) => r.name),
                [],
                "dedicated to secrets",
            );
            const clusterKeyUse = json(named(T.rolePolicy, `${C}-cluster-secrets-key`).inputs.policy).Statement[0];
            assert.strictEqual(clusterKeyUse.Resource, key.state.arn);
        });

        it("logs api, audit and authenticator into a pre-created, encrypted, protected log group", () => {
            const c = named(T.cluster, `${C}-eks`);
            assert.deepStrictEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
            const group = named(T.logGroup, `${C}-control-plane`);
            assert.strictEqual(group.inputs.name, controlPlaneLogGroupName(C));
            assert.strictEqual(group.inputs.name, `/aws/eks/${C}/cluster`);
            assert.strictEqual(group.inputs.retentionInDays, 365);
            assert.strictEqual(group.inputs.kmsKeyId, named(T.kms, `${C}-logs`).state.arn);
            assert.ok(group.protect && group.inputs.deletionProtectionEnabled === true);
            assert.ok(c.dependencies.includes(group.urn), "EKS would otherwise create the group without retention");
        });

        it("grants cluster admin to exactly the spec's admin principals", () => {
            const entries = mine(T.accessEntry).filter((e) => e.inputs.type === "STANDARD");
            assert.deepStrictEqual(
                entries.map((e) => e.inputs.principalArn),
                spec.adminPrincipals,
            );
            const associations = mine(T.accessPolicy);
            assert.deepStrictEqual(
                associations.map((a) => a.inputs.principalArn),
                spec.adminPrincipals,
            );
            for (const a of associations) {
                assert.strictEqual(a.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
                assert.deepStrictEqual(a.inputs.accessScope, { type: "cluster" });
                assert.strictEqual(a.inputs.clusterName, C);
            }
        });

        it("pins CoreDNS, kube-proxy, VPC CNI (custom networking), Pod Identity agent and EBS CSI", () => {
            // Unpinned add-ons take what aws.eks.getAddonVersion answers for the cluster's version (here the mock's answer).
            const versions = Object.fromEntries(mine(T.addon).map((a) => [a.inputs.addonName, a.inputs.addonVersion]));
            assert.deepStrictEqual(
                versions,
                Object.fromEntries(
                    ["eks-pod-identity-agent", "vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver"].map((n) => [n, MOCK_ADDON_VERSIONS[n]("1.36")]),
                ),
            );
            const cni = named(T.addon, `${C}-vpc-cni`);
            assert.deepStrictEqual(json(cni.inputs.configurationValues).env, {
                AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: "true",
                ENI_CONFIG_LABEL_DEF: "topology.kubernetes.io/zone",
            });
            // cni vpc-cni: the VPC CNI is the only policy engine, so it must enforce the tenants' NetworkPolicies.
            assert.strictEqual(json(cni.inputs.configurationValues).enableNetworkPolicy, "true");
            const k8s = named(T.k8sProvider, k8sProviderName(C));
            // Pods on their own ENIs get the nodes' security group, not the cluster security group.
            const sg = idOf(named("aws:ec2/securityGroup:SecurityGroup", `${C}-node-sg`));
            spec.zones.forEach((zone) => {
                const eni = named(T.eniConfig, `${C}-eniconfig-${zone}`);
                assert.deepStrictEqual(eni.inputs.metadata.name, zone);
                assert.deepStrictEqual(eni.inputs.spec, { subnet: idOf(named(T.subnet, `${C}-pods-${zone}`)), securityGroups: [sg] });
                assert.strictEqual(inv.providerOf(eni)?.urn, k8s.urn);
                assert.ok(eni.dependencies.includes(cni.urn), "the ENIConfig CRD comes with the VPC CNI");
            });
        });

        it("enforces the tenant NetworkPolicies it declares through the VPC CNI's policy engine, with no second engine", () => {
            const policies = mine(T.networkPolicy);
            assert.ok(policies.length > 0, "prod declares tenant policies on this cluster");
            for (const p of policies) assert.strictEqual(inv.providerOf(p)?.name, k8sProviderName(C), p.name);
            assert.strictEqual(json(named(T.addon, `${C}-vpc-cni`).inputs.configurationValues).enableNetworkPolicy, "true");
            const networking = ofSite(inv).filter((r) => !inv.ancestors(r).some((a) => a.type.startsWith("hybrid:mesh:")));
            assert.deepStrictEqual(
                networking
                    .filter((r) => r.type === T.release && ![KARPENTER.chart, KARPENTER.crdChart, "kube-prometheus-stack"].includes(r.inputs.chart))
                    .map((r) => r.name),
                [],
                "no Calico or Cilium chart",
            );
            assert.deepStrictEqual(
                ofSite(inv).filter((r) => r.type.startsWith("hybrid:eks:CiliumOperator")),
                [],
                "no Cilium operator identity without Cilium",
            );
        });

        it("runs an on-demand system node group over every zone, tainted CriticalAddonsOnly, after networking is in place", () => {
            const ng = named(T.nodeGroup, `${C}-system`);
            assert.strictEqual(ng.inputs.capacityType, "ON_DEMAND");
            assert.deepStrictEqual(
                ng.inputs.subnetIds,
                spec.zones.map((z) => idOf(named(T.subnet, `${C}-private-${z}`))),
            );
            assert.deepStrictEqual(ng.inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 6 });
            // A new launch template version rolls one node at a time: the add-ons on the others keep running.
            assert.deepStrictEqual(ng.inputs.updateConfig, { maxUnavailable: 1 });
            assert.deepStrictEqual(ng.inputs.instanceTypes, ["m7i.large"]);
            assert.deepStrictEqual(ng.inputs.labels, { [FLEET_KEYS.system]: "true" });
            assert.deepStrictEqual(ng.inputs.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
            assert.strictEqual(ng.inputs.version, "1.36");
            for (const before of [`${C}-vpc-cni`, `${C}-kube-proxy`, `${C}-eks-pod-identity-agent`])
                assert.ok(ng.dependencies.includes(named(T.addon, before).urn), before);
            for (const zone of spec.zones) assert.ok(ng.dependencies.includes(named(T.eniConfig, `${C}-eniconfig-${zone}`).urn));
            const lt = named(T.launchTemplate, `${C}-system-nodes`);
            assert.strictEqual(ng.inputs.launchTemplate.id, idOf(lt));
            assert.deepStrictEqual(lt.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.deepStrictEqual(lt.inputs.blockDeviceMappings[0].ebs, { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" });
            // RuntimeDefault seccomp and the PID limit of the spec's defaults, as nodeadm's NodeConfig in the user data.
            assert.deepStrictEqual(spec.kubelet, {
                seccompDefault: true,
                podPidsLimit: 4096,
                shutdownGracePeriodSeconds: 30,
                shutdownGracePeriodCriticalPodsSeconds: 10,
            });
            assert.strictEqual(Buffer.from(lt.inputs.userData, "base64").toString(), al2023UserData(spec.kubelet));
            // CoreDNS and the EBS CSI controller run on these nodes.
            for (const a of [`${C}-coredns`, `${C}-aws-ebs-csi-driver`]) {
                const addon = named(T.addon, a);
                assert.ok(addon.dependencies.includes(ng.urn), a);
                const cfg = json(addon.inputs.configurationValues);
                const placement = cfg.controller ?? cfg;
                assert.deepStrictEqual(placement.nodeSelector, { [FLEET_KEYS.system]: "true" });
                assert.deepStrictEqual(placement.tolerations, [{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }]);
            }
        });

        it("gives the EBS CSI driver its own Pod Identity role, trusted only from this cluster", () => {
            const role = named(T.role, `${C}-ebs-csi`);
            const addon = named(T.addon, `${C}-aws-ebs-csi-driver`);
            assert.deepStrictEqual(addon.inputs.podIdentityAssociations, [{ roleArn: role.state.arn, serviceAccount: "ebs-csi-controller-sa" }]);
            const trust = json(role.inputs.assumeRolePolicy).Statement[0];
            assert.deepStrictEqual(trust.Principal, { Service: "pods.eks.amazonaws.com" });
            assert.deepStrictEqual(trust.Action, ["sts:AssumeRole", "sts:TagSession"]);
            assert.deepStrictEqual(trust.Condition, podIdentityCondition(named(T.cluster, `${C}-eks`).state.arn, "kube-system", "ebs-csi-controller-sa"));
            assert.strictEqual(named(T.attachment, `${C}-ebs-csi`).inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
        });

        it("makes an encrypted gp3 StorageClass the default, bound on first consumer, through the cluster's provider", () => {
            const sc = named(T.storageClass, `${C}-gp3`);
            assert.strictEqual(inv.providerOf(sc)?.name, k8sProviderName(C));
            assert.strictEqual(sc.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.deepStrictEqual(
                [sc.inputs.provisioner, sc.inputs.parameters.type, sc.inputs.parameters.encrypted, sc.inputs.volumeBindingMode],
                ["ebs.csi.aws.com", "gp3", "true", "WaitForFirstConsumer"],
            );
            assert.strictEqual(sc.inputs.reclaimPolicy, "Retain");
            assert.ok(sc.dependencies.includes(named(T.addon, `${C}-aws-ebs-csi-driver`).urn));
        });

        it("hands the fleet a secret kubeconfig, the cluster's own provider and the managed endpoint", async () => {
            const built = fleet.clusters.find((c) => c.spec.name === C)!;
            const provider = named(T.k8sProvider, k8sProviderName(C));
            assert.ok(provider.inputs.kubeconfig instanceof SecretValue, "kubeconfig is a secret");
            const cfg = json(provider.inputs.kubeconfig);
            const endpoint = named(T.cluster, `${C}-eks`).state.endpoint;
            assert.strictEqual(cfg.clusters[0].cluster.server, endpoint);
            assert.ok(cfg.users[0].user.exec.args.includes("arn:aws:iam::123456789012:role/platform-admin"));
            for (const a of mine(T.accessPolicy)) assert.ok(provider.dependencies.includes(a.urn), "the provider acts through the admin access entry");
            assert.ok(built.access, "access is filled");
            assert.strictEqual(await resolved(built.access!.provider.urn), provider.urn);
            assert.strictEqual(await resolved(built.access!.apiServer.host), new URL(endpoint).hostname);
            assert.strictEqual(built.access!.apiServer.port, 443);
            assert.ok(pulumi.Output.isInstance(built.access!.kubeconfig) && (await (built.access!.kubeconfig as any).isSecret));
            const readyUrns = await Promise.all(built.access!.ready.map((r) => resolved(r.urn)));
            assert.ok(readyUrns.includes(named(T.nodeGroup, `${C}-system`).urn));
            assert.ok(readyUrns.includes(named(T.release, `${C}-karpenter-chart`).urn));
        });
    });

    describe("Karpenter", () => {
        const K = `${C}-karpenter`;

        it("identifies the controller through Pod Identity, with the scoped policy", () => {
            const role = named(T.role, `${K}-controller`);
            const trust = json(role.inputs.assumeRolePolicy).Statement;
            assert.strictEqual(trust.length, 1);
            assert.deepStrictEqual(
                [trust[0].Effect, trust[0].Principal, trust[0].Action],
                ["Allow", { Service: "pods.eks.amazonaws.com" }, ["sts:AssumeRole", "sts:TagSession"]],
            );
            assert.deepStrictEqual(
                trust[0].Condition,
                podIdentityCondition(named(T.cluster, `${C}-eks`).state.arn, KARPENTER.namespace, KARPENTER.serviceAccount),
            );
            const association = named(T.podIdentity, `${K}-controller`);
            assert.deepStrictEqual(
                [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
                [C, KARPENTER.namespace, KARPENTER.serviceAccount, role.state.arn],
            );
            // Six managed policies (the single one would pass IAM's size quota), each attached to the controller's role, before its association.
            const ids = ["", "-iam-integration", "-eks-integration", "-interruption", "-zonal-shift", "-resource-discovery"].map((g) => `${K}-controller${g}`);
            const statements = ids.flatMap((id) => {
                const policy = named(T.policy, id);
                const attachment = named(T.attachment, id);
                assert.deepStrictEqual([attachment.inputs.role, attachment.inputs.policyArn], [role.state.name, policy.state.arn]);
                assert.ok(association.dependencies.includes(attachment.urn), `${id} is attached before the association`);
                return json(policy.inputs.policy).Statement;
            });
            assert.strictEqual(statements.length, 18);
            const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
            assert.strictEqual(bySid.AllowInterruptionQueueActions.Resource, named(T.queue, `${K}-interruption`).state.arn);
            assert.strictEqual(bySid.AllowPassingInstanceRole.Resource, named(T.role, `${K}-node`).state.arn);
            assert.strictEqual(bySid.AllowAPIServerEndpointDiscovery.Resource, `arn:aws:eks:ap-northeast-1:${MOCK_AWS_ACCOUNT}:cluster/${C}`);
            assert.strictEqual(bySid.AllowScopedDeletion.Condition.StringEquals[`aws:ResourceTag/kubernetes.io/cluster/${C}`], "owned");
            assert.strictEqual(bySid.AllowScopedEC2InstanceActionsWithTags.Condition.StringEquals["aws:RequestTag/eks:eks-cluster-name"], C);
        });

        it("gives nodes a role with worker, ECR pull and CNI policies (no SSM unless asked) and an EC2_LINUX access entry", () => {
            const role = named(T.role, `${K}-node`);
            assert.deepStrictEqual(json(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: "ec2.amazonaws.com" });
            const policies = mine(T.attachment)
                .filter((a) => a.inputs.role === role.state.name)
                .map((a) => a.inputs.policyArn);
            assert.deepStrictEqual(
                policies,
                ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy"].map((p) => `arn:aws:iam::aws:policy/${p}`),
            );
            // No node role of the prod fleet carries SSM (ssmAccess defaults to false).
            assert.ok(!inv.ofType(T.attachment).some((a) => String(a.inputs.policyArn).endsWith("/AmazonSSMManagedInstanceCore")));
            const entry = named(T.accessEntry, `${K}-node`);
            assert.deepStrictEqual([entry.inputs.type, entry.inputs.principalArn, entry.inputs.clusterName], ["EC2_LINUX", role.state.arn, C]);
        });

        it("declares the interruption queue: 5 minutes, SSE, only this account's EventBridge rules may send, TLS only", () => {
            const queue = named(T.queue, `${K}-interruption`);
            assert.strictEqual(queue.inputs.messageRetentionSeconds, 300);
            assert.strictEqual(queue.inputs.sqsManagedSseEnabled, true);
            const policy = named(T.queuePolicy, `${K}-interruption`);
            assert.strictEqual(policy.inputs.queueUrl, queue.state.url);
            const doc = json(policy.inputs.policy);
            const deny = doc.Statement.find((s: any) => s.Effect === "Deny");
            assert.deepStrictEqual(deny?.Condition, { Bool: { "aws:SecureTransport": "false" } });
            const allow = doc.Statement.filter((s: any) => s.Effect === "Allow");
            assert.deepStrictEqual(
                allow.map((s: any) => [s.Principal, s.Action, s.Resource, s.Condition]),
                [
                    [
                        { Service: "events.amazonaws.com" },
                        "sqs:SendMessage",
                        queue.state.arn,
                        { ArnLike: { "aws:SourceArn": `arn:aws:events:ap-northeast-1:${MOCK_AWS_ACCOUNT}:rule/*` } },
                    ],
                ],
            );
            // The condition admits every rule the program routes to the queue, and the policy exists before their targets.
            const pattern = new RegExp(`^${allow[0].Condition.ArnLike["aws:SourceArn"].replace(/[.]/g, "\\.").replace("*", "[^/]+")}$`);
            for (const rule of mine(T.rule)) assert.match(rule.state.arn, pattern, rule.name);
            for (const target of mine(T.target)) assert.ok(target.dependencies.includes(policy.urn), target.name);
        });

        it("routes exactly the five interruption events to the queue", () => {
            const rules = mine(T.rule);
            const patterns = rules.map((r) => json(r.inputs.eventPattern));
            assert.deepStrictEqual(
                patterns.map((p) => [p.source, p["detail-type"]]),
                [
                    [["aws.health"], ["AWS Health Event"]],
                    [["aws.ec2"], ["EC2 Spot Instance Interruption Warning"]],
                    [["aws.ec2"], ["EC2 Instance Rebalance Recommendation"]],
                    [["aws.ec2"], ["EC2 Instance State-change Notification"]],
                    [["aws.ec2"], ["EC2 Capacity Reservation Instance Interruption Warning"]],
                ],
            );
            assert.deepStrictEqual(patterns, INTERRUPTION_EVENTS.map(eventPattern));
            const queue = named(T.queue, `${K}-interruption`);
            const targets = mine(T.target);
            assert.strictEqual(targets.length, 5);
            for (const rule of rules) {
                const target = targets.filter((t) => t.inputs.rule === rule.state.name);
                assert.strictEqual(target.length, 1, rule.name);
                assert.strictEqual(target[0].inputs.arn, queue.state.arn);
            }
        });

        it("installs the CRDs from their own pinned chart, so upgrades update them, and the controller chart without its crds/", () => {
            const crds = named(T.release, `${K}-crd`);
            const release = named(T.release, `${K}-chart`);
            assert.deepStrictEqual(
                [crds.inputs.name, crds.inputs.chart, crds.inputs.version, crds.inputs.namespace, crds.inputs.atomic],
                ["karpenter-crd", "oci://public.ecr.aws/karpenter/karpenter-crd", "1.14.3", "kube-system", true],
            );
            assert.strictEqual(crds.inputs.version, release.inputs.version, "CRDs at the controller's version");
            assert.strictEqual(crds.inputs.skipCrds, undefined, "the CRD chart renders its CRDs as templates");
            assert.strictEqual(inv.providerOf(crds)?.name, k8sProviderName(C));
            assert.strictEqual(release.inputs.skipCrds, true, "one owner per CRD");
            assert.ok(release.dependencies.includes(crds.urn), "the controller starts once its CRDs exist");
            // helm uninstall would delete the CRDs and every NodePool and NodeClaim with them: the release is never uninstalled by Pulumi.
            assert.strictEqual(crds.retainOnDelete, true);
            assert.strictEqual(release.retainOnDelete, false);
        });

        it("installs the pinned chart from the OCI registry, pointed at this cluster and its queue, on the system nodes", () => {
            const release = named(T.release, `${K}-chart`);
            assert.deepStrictEqual(
                [release.inputs.chart, release.inputs.version, release.inputs.namespace],
                ["oci://public.ecr.aws/karpenter/karpenter", "1.14.3", "kube-system"],
            );
            assert.strictEqual(release.inputs.repositoryOpts, undefined);
            assert.strictEqual(inv.providerOf(release)?.name, k8sProviderName(C));
            const v = release.inputs.values;
            assert.deepStrictEqual(v.settings, {
                clusterName: C,
                clusterEndpoint: named(T.cluster, `${C}-eks`).state.endpoint,
                interruptionQueue: named(T.queue, `${K}-interruption`).state.name,
                reservedENIs: "1",
            });
            assert.strictEqual(v.replicas, 2);
            assert.strictEqual(v.serviceAccount.name, named(T.podIdentity, `${K}-controller`).inputs.serviceAccount);
            const ng = named(T.nodeGroup, `${C}-system`);
            for (const [label, value] of Object.entries(v.nodeSelector)) assert.strictEqual(ng.inputs.labels[label], value);
            for (const taint of ng.inputs.taints)
                assert.ok(v.tolerations.some((t: any) => t.key === taint.key && t.operator === "Exists" && t.effect === "NoSchedule"));
            assert.deepStrictEqual(v.podDisruptionBudget, { name: "karpenter", maxUnavailable: 1 });
            // Guaranteed QoS (requests = limits, the getting-started guide's figures): the controller is the last pod evicted from a busy node.
            assert.deepStrictEqual(v.controller.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
            for (const dep of [
                ng.urn,
                named(T.podIdentity, `${K}-controller`).urn,
                named(T.queuePolicy, `${K}-interruption`).urn,
                named(T.accessEntry, `${K}-node`).urn,
            ]) {
                assert.ok(release.dependencies.includes(dep), dep);
            }
        });

        it("declares a NodePool and an EC2NodeClass per spec pool, valid against the upstream CRDs, after the CRD and controller charts", () => {
            const release = named(T.release, `${K}-chart`);
            const crds = named(T.release, `${K}-crd`);
            const nodeRole = named(T.role, `${K}-node`);
            assert.deepStrictEqual(
                mine(T.nodePool).map((p) => p.inputs.metadata.name),
                spec.karpenter.nodePools.map((p) => p.name),
            );
            assert.deepStrictEqual(
                mine(T.nodeClass).map((p) => p.inputs.metadata.name),
                spec.karpenter.nodePools.map((p) => p.name),
            );
            for (const r of [...mine(T.nodePool), ...mine(T.nodeClass)]) {
                assert.strictEqual(inv.providerOf(r)?.name, k8sProviderName(C));
                assert.ok(r.dependencies.includes(crds.urn), `${r.name} waits for the CRDs`);
                assert.ok(r.dependencies.includes(release.urn), `${r.name} waits for the controller`);
                assert.deepStrictEqual(validateCustomResource(r.inputs as any), [], `${r.inputs.kind} ${r.inputs.metadata.name}`);
            }
            for (const c of mine(T.nodeClass)) {
                assert.strictEqual(c.inputs.spec.role, nodeRole.state.name);
                assert.deepStrictEqual(c.inputs.spec.subnetSelectorTerms, [{ tags: { "karpenter.sh/discovery": C } }]);
                // This cluster's tag value, never a wildcard: another cluster's groups would match too.
                assert.deepStrictEqual(c.inputs.spec.securityGroupSelectorTerms, [{ tags: { "karpenter.sh/discovery": C } }]);
                assert.deepStrictEqual(c.inputs.spec.amiSelectorTerms, [{ alias: "al2023@v20260903" }]);
                assert.strictEqual(c.inputs.spec.userData, nodeadmConfig(spec.kubelet));
            }
            // The selectors find the private subnets and the nodes' own security group, never the cluster security group.
            const tagged = inv.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.inputs.tags?.["karpenter.sh/discovery"] === C);
            assert.deepStrictEqual(
                tagged.map((r) => r.name),
                [`${C}-node-sg`],
            );
            assert.deepStrictEqual(
                inv.resources.filter((r) => r.type === T.tag && r.inputs.key === "karpenter.sh/discovery"),
                [],
                "no discovery tag on the cluster security group",
            );
            const critical = named(T.nodePool, `${K}-on-demand-critical-nodepool`).inputs.spec;
            assert.strictEqual(critical.weight, 100);
            assert.deepStrictEqual(critical.limits, { cpu: "200", memory: "800Gi" });
        });
    });

    describe("node security group", () => {
        it("gives the nodes their own group: control plane in on the listed ports only, node to node, egress, nodes to the API server", () => {
            const sg = named("aws:ec2/securityGroup:SecurityGroup", `${C}-node-sg`);
            const clusterSg = named(T.cluster, `${C}-eks`).state.vpcConfig.clusterSecurityGroupId;
            assert.strictEqual(sg.inputs.tags[`kubernetes.io/cluster/${C}`], "owned");
            const rules = inv.resources.filter((r) => r.type.startsWith("aws:vpc/securityGroup") && r.name.startsWith(`${C}-node-sg-`));
            const row = (r: RegisteredResource) =>
                [
                    r.type.endsWith("IngressRule") ? "in" : "out",
                    r.inputs.securityGroupId === idOf(sg) ? "nodes" : r.inputs.securityGroupId === clusterSg ? "cluster" : "?",
                    r.inputs.ipProtocol,
                    r.inputs.fromPort ?? "",
                    r.inputs.referencedSecurityGroupId === idOf(sg)
                        ? "nodes"
                        : r.inputs.referencedSecurityGroupId === clusterSg
                          ? "cluster"
                          : (r.inputs.cidrIpv4 ?? "?"),
                ].join(" ");
            assert.deepStrictEqual(
                rules.map(row).sort(),
                [
                    ...[443, 4443, 5443, 6443, 8443, 9443, 10250, 15017].map((p) => `in nodes tcp ${p} cluster`),
                    "in nodes -1  nodes",
                    "out nodes -1  0.0.0.0/0",
                    "in cluster tcp 443 nodes",
                ].sort(),
            );
            for (const r of rules)
                if (r.inputs.fromPort !== undefined) assert.strictEqual(r.inputs.toPort, r.inputs.fromPort, `${r.name}: one port, not a range`);
            // The system nodes get this group only (a launch template naming groups gets no cluster security group from EKS).
            const lt = named("aws:ec2/launchTemplate:LaunchTemplate", `${C}-system-nodes`);
            assert.deepStrictEqual(lt.inputs.vpcSecurityGroupIds, [idOf(sg)]);
        });
    });

    describe("data protection", () => {
        it("protects every KMS key, log group, the cluster and the metrics bucket", () => {
            const stateful = [...mine(T.kms), ...mine(T.logGroup), ...mine(T.cluster), ...mine(T.bucket)];
            assert.strictEqual(mine(T.kms).length, 4, "flow logs, secrets, control-plane logs, metrics");
            for (const r of stateful) assert.ok(r.protect, `${r.type} ${r.name}`);
            for (const k of mine(T.kms)) assert.strictEqual(k.inputs.enableKeyRotation, true, k.name);
        });

        it("keeps metrics in a versioned, KMS-encrypted, private, TLS-only bucket that only the writer's ServiceAccount can use", () => {
            const M = `${C}-metrics`;
            const bucket = named(T.bucket, `${M}-bucket`);
            assert.strictEqual(bucket.inputs.bucket, spec.metrics.objectStore.bucket);
            assert.strictEqual(bucket.inputs.forceDestroy, false);
            assert.deepStrictEqual(inv.named("aws:s3/bucketVersioning:BucketVersioning", `${M}-versioning`).inputs.versioningConfiguration, {
                status: "Enabled",
            });
            const sse = inv.named("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `${M}-sse`).inputs.rules[0];
            assert.deepStrictEqual(sse.applyServerSideEncryptionByDefault, { sseAlgorithm: "aws:kms", kmsMasterKeyId: named(T.kms, `${M}-key`).state.arn });
            // An S3 Bucket Key: KMS is asked once per bucket key, not once per block Thanos writes.
            assert.strictEqual(sse.bucketKeyEnabled, true);
            const block = inv.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${M}-public-access`).inputs;
            for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(block[k], true, k);
            const tls = json(inv.named("aws:s3/bucketPolicy:BucketPolicy", `${M}-tls-only`).inputs.policy).Statement[0];
            assert.deepStrictEqual([tls.Effect, tls.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
            // ACLs off: the bucket owner owns every object, whoever wrote it.
            assert.deepStrictEqual(inv.named("aws:s3/bucketOwnershipControls:BucketOwnershipControls", `${M}-ownership`).inputs.rule, {
                objectOwnership: "BucketOwnerEnforced",
            });
            // Versioned: what was overwritten or deleted is kept 30 days, not for ever.
            const lifecycle = inv.named("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `${M}-lifecycle`);
            assert.deepStrictEqual(lifecycle.inputs.rules, [
                {
                    id: "old-versions-and-uploads",
                    status: "Enabled",
                    filter: { prefix: "" },
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                    expiration: { expiredObjectDeleteMarker: true },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ]);
            assert.ok(lifecycle.dependencies.includes(inv.named("aws:s3/bucketVersioning:BucketVersioning", `${M}-versioning`).urn));
            const association = named(T.podIdentity, `${M}-writer`);
            assert.deepStrictEqual(
                [association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
                [EKS_METRICS_WRITER.namespace, EKS_METRICS_WRITER.serviceAccount, named(T.role, `${M}-writer`).state.arn],
            );
            assert.deepStrictEqual(
                json(named(T.role, `${M}-writer`).inputs.assumeRolePolicy).Statement[0].Condition,
                podIdentityCondition(named(T.cluster, `${C}-eks`).state.arn, EKS_METRICS_WRITER.namespace, EKS_METRICS_WRITER.serviceAccount),
            );
        });
    });
});

describe("EKS site on the mock engine (spec variants)", function () {
    this.timeout(120000);

    it("dev: one NAT gateway for every zone, 30-day flow logs, no deletion protection", async () => {
        const { inventory: inv } = await runFleet(loadStackSpec("dev"));
        const D = "eks-dev";
        const nats = inv.ofType(T.nat).filter((n) => n.name.startsWith(`${D}-`));
        assert.deepStrictEqual(
            nats.map((n) => n.name),
            [`${D}-nat-ap-northeast-1a`],
        );
        for (const zone of ["ap-northeast-1a", "ap-northeast-1c"]) {
            assert.strictEqual(inv.named(T.route, `${D}-private-${zone}-nat`).inputs.natGatewayId, idOf(nats[0]));
        }
        assert.strictEqual(inv.named(T.logGroup, `${D}-flow-logs`).inputs.retentionInDays, 30);
        assert.strictEqual(inv.named(T.cluster, `${D}-eks`).inputs.deletionProtection, false);
        assert.strictEqual(inv.named(T.storageClass, `${D}-gp3`).inputs.reclaimPolicy, "Delete");
    });

    it("ssmAccess: AmazonSSMManagedInstanceCore on both node roles (system nodes and Karpenter's), nowhere else", async () => {
        const fleetSpec = oneSiteSpec("prod", C);
        eksSpec(fleetSpec).ssmAccess = true;
        const { inventory: inv } = await runFleet(fleetSpec);
        const ssm = inv.ofType(T.attachment).filter((a) => String(a.inputs.policyArn).endsWith("/AmazonSSMManagedInstanceCore"));
        const roles = ssm.map((a) => inv.resources.find((r) => r.type === T.role && r.state?.name === a.inputs.role)?.name).sort();
        assert.deepStrictEqual(roles, [`${C}-karpenter-node`, `${C}-system-nodes`]);
    });

    it("cilium: no VPC CNI, no kube-proxy, no ENIConfig, no CNI policy on nodes; extra log types and a listed public CIDR", async () => {
        const fleetSpec = oneSiteSpec("prod", C);
        const e = eksSpec(fleetSpec);
        e.network.cni = "cilium";
        e.controlPlaneLogs.extraTypes = ["scheduler", "controllerManager"];
        e.endpoint.publicAccessCidrs = ["203.0.113.0/24"];
        const { inventory: inv, fleet } = await runFleet(fleetSpec);
        const addons = inv
            .ofType(T.addon)
            .filter((a) => a.name.startsWith(`${C}-`))
            .map((a) => a.inputs.addonName);
        assert.deepStrictEqual(addons.sort(), ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent"]);
        assert.deepStrictEqual(inv.ofType(T.eniConfig), []);
        const nodeRole = inv.named(T.role, `${C}-karpenter-node`);
        const policies = inv
            .ofType(T.attachment)
            .filter((a) => a.inputs.role === nodeRole.state.name)
            .map((a) => a.inputs.policyArn);
        assert.ok(!policies.some((p: string) => p.endsWith("AmazonEKS_CNI_Policy")), policies.join());
        const c = inv.named(T.cluster, `${C}-eks`);
        assert.deepStrictEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        assert.deepStrictEqual([c.inputs.vpcConfig.endpointPublicAccess, c.inputs.vpcConfig.publicAccessCidrs], [true, ["203.0.113.0/24"]]);
        // Cilium's CNI config keeps pods off the primary ENI too.
        assert.strictEqual(inv.named(T.release, `${C}-karpenter-chart`).inputs.values.settings.reservedENIs, "1");
        // Karpenter's nodes, like the system nodes, start tainted until the Cilium agent runs.
        const pools = inv.ofType("kubernetes:karpenter.sh/v1:NodePool").filter((r) => r.name.startsWith(`${C}-`));
        assert.ok(pools.length > 0);
        for (const pool of pools) {
            assert.deepStrictEqual(pool.inputs.spec.template.spec.startupTaints, [
                { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NoExecute" },
            ]);
            assert.deepStrictEqual(validateCustomResource(pool.inputs as { apiVersion: string; kind: string }), [], pool.name);
        }
        // Cilium installs with the control plane, before the nodes are Ready (they cannot be without a
        // CNI, nor CoreDNS and Karpenter): the cluster, the admins' access, the operator's credentials.
        const built = fleet.clusters.find((x) => x.spec.name === C)!;
        const cniReady = await Promise.all(built.access!.cniReady!.map((r) => resolved(r.urn)));
        const association = inv.named(T.podIdentity, `${C}-cilium-operator`);
        const admins = inv.ofType(T.accessPolicy).filter((a) => a.name.startsWith(`${C}-admin-`));
        assert.ok(admins.length > 0);
        assert.deepStrictEqual(cniReady, [c.urn, ...admins.map((a) => a.urn), association.urn]);
        // Every other add-on still waits for the nodes, DNS, storage and Karpenter, as with any CNI.
        const ready = await Promise.all(built.access!.ready.map((r) => resolved(r.urn)));
        assert.ok(ready.includes(inv.named(T.nodeGroup, `${C}-system`).urn) && ready.includes(inv.named(T.release, `${C}-karpenter-chart`).urn));
        // The system nodes join tainted until the Cilium agent runs on them (the operator removes it).
        const taints = inv.named(T.nodeGroup, `${C}-system`).inputs.taints;
        assert.deepStrictEqual(
            taints.map((t: any) => [t.key, t.effect]),
            [
                ["CriticalAddonsOnly", "NO_SCHEDULE"],
                ["node.cilium.io/agent-not-ready", "NO_EXECUTE"],
            ],
        );
    });
});

describe("EKS site on the mock engine (Cilium ENI mode: the operator's EC2 identity)", function () {
    this.timeout(120000);
    const O = `${C}-cilium-operator`;
    let inv: Inventory;
    let fleet: Awaited<ReturnType<typeof runFleet>>["fleet"];
    let statements: any[];
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

    before(async () => {
        const fleetSpec = oneSiteSpec("prod", C);
        const e = eksSpec(fleetSpec);
        e.network.cni = "cilium";
        e.network.cilium.clusterId = 30;
        ({ inventory: inv, fleet } = await runFleet(fleetSpec));
        statements = json(inv.named(T.rolePolicy, O).inputs.policy).Statement;
    });

    it("declares a role trusted by EKS Pod Identity from this cluster only, associated with the chart's operator ServiceAccount", () => {
        const component = inv.named("hybrid:eks:CiliumOperatorIdentity", O);
        assert.strictEqual(component.parent, inv.named("hybrid:eks:Site", C).urn);
        const role = inv.named(T.role, O);
        const trust = json(role.inputs.assumeRolePolicy).Statement;
        assert.strictEqual(trust.length, 1);
        assert.deepStrictEqual(
            [trust[0].Effect, trust[0].Principal, trust[0].Action],
            ["Allow", { Service: "pods.eks.amazonaws.com" }, ["sts:AssumeRole", "sts:TagSession"]],
        );
        const association = inv.named(T.podIdentity, O);
        // The trust admits exactly the ServiceAccount the association names, in this cluster.
        assert.deepStrictEqual(
            trust[0].Condition,
            podIdentityCondition(inv.named(T.cluster, `${C}-eks`).state.arn, association.inputs.namespace, association.inputs.serviceAccount),
        );
        assert.deepStrictEqual(
            [association.inputs.clusterName, association.inputs.namespace, association.inputs.serviceAccount, association.inputs.roleArn],
            [C, "kube-system", "cilium-operator", role.state.arn],
        );
        assert.ok(association.dependencies.includes(inv.named(T.rolePolicy, O).urn), "permissions before credentials");
        assert.strictEqual(inv.named(T.rolePolicy, O).inputs.role, idOf(role));
        assert.strictEqual(inv.providerOf(association)?.name, `${C}-aws`);
    });

    it("associates the ServiceAccount the Cilium chart actually runs its operator as, in the release's namespace", () => {
        const release = inv.named(T.release, `${C}-cilium-chart`);
        assert.strictEqual(release.inputs.namespace, CILIUM.namespace);
        assert.strictEqual(CILIUM_OPERATOR.namespace, release.inputs.namespace);
        // The chart's default operator ServiceAccount is kept: the values do not rename it.
        assert.strictEqual(release.inputs.values.serviceAccounts?.operator?.name, undefined);
        assert.deepStrictEqual(release.inputs.values.ipam, { mode: "eni" });
    });

    it("installs Cilium only after the association exists (EKS injects credentials at pod creation)", async () => {
        const release = inv.named(T.release, `${C}-cilium-chart`);
        const association = inv.named(T.podIdentity, O);
        assert.ok(release.dependencies.includes(association.urn), "the Cilium chart waits for the operator's credentials");
        // Not for the nodes: they only turn Ready once Cilium runs on them.
        assert.ok(!release.dependencies.includes(inv.named(T.nodeGroup, `${C}-system`).urn));
        const built = fleet.clusters.find((x) => x.spec.name === C)!;
        assert.strictEqual(await resolved(built.outputs.ciliumOperatorRoleArn as pulumi.Output<string>), inv.named(T.role, O).state.arn);
    });

    it("scopes every mutating EC2 action to the cluster's VPC or to its tagged nodes; only reads are on *", () => {
        const vpcId = idOf(inv.named(T.vpc, `${C}-vpc`));
        const vpcArn = `arn:aws:ec2:ap-northeast-1:${MOCK_AWS_ACCOUNT}:vpc/${vpcId}`;
        const actions = (s: any) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
        const granted = statements.flatMap(actions);
        // Cilium docs, "AWS ENI" > "Required Privileges".
        for (const a of [
            "ec2:CreateNetworkInterface",
            "ec2:AttachNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
            "ec2:CreateTags",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeRouteTables",
        ]) {
            assert.ok(granted.includes(a), a);
        }
        for (const s of statements) {
            assert.strictEqual(s.Effect, "Allow");
            assert.ok(
                actions(s).every((a: string) => a.startsWith("ec2:") && !a.includes("*")),
                s.Sid,
            );
            const reads = actions(s).every((a: string) => /^ec2:(Describe|Get)/.test(a));
            if (reads) continue;
            assert.notStrictEqual(s.Resource, "*", `${s.Sid} mutates on *`);
            assert.ok(s.Condition, `${s.Sid} is unconditioned`);
        }
        assert.deepStrictEqual(bySid("ManageEnisInClusterVpc").Condition, { ArnEquals: { "ec2:Vpc": vpcArn } });
        assert.deepStrictEqual(bySid("TagEnisInClusterVpc").Condition, { ArnEquals: { "ec2:Vpc": vpcArn } });
        assert.deepStrictEqual(bySid("TagEnisInClusterVpc").Resource, `arn:aws:ec2:ap-northeast-1:${MOCK_AWS_ACCOUNT}:network-interface/*`);
        assert.deepStrictEqual(bySid("AttachEnisToClusterNodes").Condition, { StringEquals: { [`aws:ResourceTag/${FLEET_KEYS.cluster}`]: C } });
        assert.deepStrictEqual(bySid("DescribeNetwork").Condition, { StringEquals: { "aws:RequestedRegion": "ap-northeast-1" } });
        assert.ok(
            !granted.includes("ec2:DetachNetworkInterface") && !granted.some((a: string) => /RunInstances|TerminateInstances|Ipv6/.test(a)),
            granted.join(),
        );
    });

    it("tags every node the program launches with the cluster tag the attach statement selects on", () => {
        const lt = inv.named(T.launchTemplate, `${C}-system-nodes`);
        const instanceTags = lt.inputs.tagSpecifications.find((t: any) => t.resourceType === "instance").tags;
        assert.strictEqual(instanceTags[FLEET_KEYS.cluster], C);
        const classes = inv.ofType(T.nodeClass).filter((n) => n.name.startsWith(`${C}-`));
        assert.ok(classes.length > 0);
        for (const c of classes) assert.strictEqual(c.inputs.spec.tags[FLEET_KEYS.cluster], C, c.name);
    });
});

describe("EKS site on the mock engine (Calico for policy on the VPC CNI)", function () {
    this.timeout(120000);

    it("keeps the VPC CNI's policy engine off: Calico alone enforces the tenant NetworkPolicies", async () => {
        const fleetSpec = oneSiteSpec("prod", C);
        eksSpec(fleetSpec).network.cni = "calico";
        const { inventory: inv } = await runFleet(fleetSpec);
        const cni = inv.named(T.addon, `${C}-vpc-cni`);
        const cfg = json(cni.inputs.configurationValues);
        assert.strictEqual(cfg.enableNetworkPolicy, "false");
        assert.strictEqual(cfg.env.AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG, "true", "Calico still takes addresses from the VPC CNI");
        const installation = inv.ofType("kubernetes:operator.tigera.io/v1:Installation").filter((r) => r.name.startsWith(`${C}-`));
        assert.strictEqual(installation.length, 1, "Calico is the policy engine");
        const policies = inv.ofType(T.networkPolicy).filter((p) => inv.providerOf(p)?.name === k8sProviderName(C));
        assert.ok(policies.length > 0);
        assert.deepStrictEqual(inv.ofType("hybrid:eks:CiliumOperatorIdentity"), []);
    });
});
