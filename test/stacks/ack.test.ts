// The ACK site on the mock engine, over the prod fleet: what the program declares for the VPC,
// the control plane, the node pools and the metrics store, and that no secret leaks.
import * as assert from "assert";
import { ADMIN_CREDENTIAL_MINUTES } from "../../components/ack/cluster";
import { ACK_METRICS_WRITER } from "../../stacks/ack";
import { AckClusterSpec } from "../../stacks/spec";
import { k8sProviderName } from "../../stacks/types";
import { MOCK_CLIENT_KEY_DATA } from "../../tools/mocks/alicloud";
import { Inventory, loadStackSpec, oneSiteSpec, plainTextOccurrences, RegisteredResource, runFleet, SecretValue } from "../harness";

const T = {
    provider: "pulumi:providers:alicloud",
    vpc: "alicloud:vpc/network:Network",
    vswitch: "alicloud:vpc/switch:Switch",
    cidrBlock: "alicloud:vpc/ipv4CidrBlock:Ipv4CidrBlock",
    nat: "alicloud:vpc/natGateway:NatGateway",
    eip: "alicloud:ecs/eipAddress:EipAddress",
    eipAssoc: "alicloud:ecs/eipAssociation:EipAssociation",
    snat: "alicloud:vpc/snatEntry:SnatEntry",
    cluster: "alicloud:cs/managedKubernetes:ManagedKubernetes",
    kms: "alicloud:kms/key:Key",
    logProject: "alicloud:log/project:Project",
    logStore: "alicloud:log/store:Store",
    flowLog: "alicloud:vpc/flowLog:FlowLog",
    nodePool: "alicloud:cs/nodePool:NodePool",
    autoscaler: "alicloud:cs/autoscalingConfig:AutoscalingConfig",
    bucket: "alicloud:oss/bucket:Bucket",
    bucketAcl: "alicloud:oss/bucketAcl:BucketAcl",
    publicAccess: "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock",
    role: "alicloud:ram/role:Role",
    policy: "alicloud:ram/policy:Policy",
    attachment: "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment",
    k8sProvider: "pulumi:providers:kubernetes",
};

const plain = (v: unknown) => (v instanceof SecretValue ? v.value : v);

describe("ACK site on the mock engine (prod)", function () {
    this.timeout(60000);
    let inv: Inventory;
    let fleet: Awaited<ReturnType<typeof runFleet>>["fleet"];
    const spec = loadStackSpec("prod").clusters.find((c): c is AckClusterSpec => c.provider === "ack")!;
    const ackResources = () => inv.resources.filter((r) => inv.ancestors(r).some((a) => a.type === "hybrid:ack:Site"));
    const idOf = (r: RegisteredResource) => r.state.id ?? `${r.name}-id`;

    before(async () => {
        ({ inventory: inv, fleet } = await runFleet(loadStackSpec("prod")));
    });

    it("gives the cluster its own Alicloud provider in the spec's region, used by every Alicloud resource", () => {
        const provider = inv.named(T.provider, "ack-sh-alicloud");
        assert.strictEqual(provider.inputs.region, "cn-shanghai");
        const alicloud = ackResources().filter((r) => r.type.startsWith("alicloud:"));
        assert.ok(alicloud.length > 20);
        // The links' cross-border connection ends in a transit router in another region, on that region's own provider.
        const farEnd = (r: (typeof alicloud)[number]) => {
            const p = inv.providerOf(r);
            return p !== undefined && inv.ancestors(p).some((a) => a.type === "hybrid:links:AlicloudCenCrossBorder") && p.inputs.region !== "cn-shanghai";
        };
        const far = alicloud.filter(farEnd);
        const under = (type: string) => far.filter((r) => inv.ancestors(r).some((a) => a.type === type)).length;
        assert.strictEqual(
            under("hybrid:links:AlicloudCenCrossBorder"),
            4,
            "the Tokyo transit router, its table, and the peer connection's association/propagation there",
        );
        // The CEN edge in Tokyo (VPC, two vSwitches, VPN gateway, VPC attachment joined to the table, two
        // static routes, the VPC's flow logs: project, Logstore, flow log) and its dual-tunnel connections
        // to AWS (four customer gateways, two connections).
        assert.strictEqual(under("hybrid:links:AlicloudCenEdge"), 12);
        assert.strictEqual(under("hybrid:links:AlicloudVpn"), 6);
        assert.strictEqual(far.length, 22);
        for (const r of alicloud.filter((x) => !farEnd(x))) assert.strictEqual(inv.providerOf(r)?.urn, provider.urn, `${r.type} ${r.name}`);
    });

    it("parents every resource under its component, under the site", () => {
        const site = inv.named("hybrid:ack:Site", "ack-sh");
        for (const type of ["hybrid:ack:Vpc", "hybrid:ack:Cluster", "hybrid:ack:NodePools", "hybrid:ack:MetricsStore"]) {
            const c = inv.ofType(type).find((r) => r.parent === site.urn);
            assert.ok(c, type);
        }
        assert.strictEqual(inv.named(T.vpc, "ack-sh-vpc").parent, inv.named("hybrid:ack:Vpc", "ack-sh").urn);
        assert.strictEqual(inv.named(T.cluster, "ack-sh-cluster").parent, inv.named("hybrid:ack:Cluster", "ack-sh").urn);
        assert.strictEqual(inv.named(T.bucket, "ack-sh-metrics-bucket").parent, inv.named("hybrid:ack:MetricsStore", "ack-sh-metrics").urn);
    });

    it("declares the VPC with a node vSwitch per zone, and podCidr as a secondary block with a pod vSwitch per zone", () => {
        const vpc = inv.named(T.vpc, "ack-sh-vpc");
        assert.strictEqual(vpc.inputs.cidrBlock, "10.30.0.0/16");
        const block = inv.named(T.cidrBlock, "ack-sh-pods");
        assert.strictEqual(block.inputs.secondaryCidrBlock, "10.66.0.0/16");
        assert.strictEqual(block.inputs.vpcId, idOf(vpc));
        // The site's own vSwitches (the links' CEN edge in Tokyo has its own VPC).
        const switches = inv.ofType(T.vswitch).filter((s) => inv.ancestors(s).some((a) => a.type === "hybrid:ack:Vpc" && a.name === "ack-sh"));
        const nodes = switches.filter((s) => s.name.includes("-nodes-"));
        const pods = switches.filter((s) => s.name.includes("-pods-"));
        assert.deepStrictEqual(
            nodes.map((s) => s.inputs.zoneId),
            spec.zones,
        );
        assert.deepStrictEqual(
            pods.map((s) => s.inputs.zoneId),
            spec.zones,
        );
        assert.deepStrictEqual(
            nodes.map((s) => s.inputs.cidrBlock),
            ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"],
        );
        assert.deepStrictEqual(
            pods.map((s) => s.inputs.cidrBlock),
            ["10.66.0.0/18", "10.66.64.0/18", "10.66.128.0/18"],
        );
        for (const s of switches) assert.strictEqual(s.inputs.vpcId, idOf(vpc));
        for (const s of pods) assert.ok(s.dependencies.includes(block.urn), `${s.name} waits for the secondary block`);
    });

    it("routes egress through one enhanced NAT gateway with an EIP and SNAT for every vSwitch", () => {
        const nat = inv.named(T.nat, "ack-sh-nat");
        assert.strictEqual(nat.inputs.natType, "Enhanced");
        assert.strictEqual(nat.inputs.networkType, "internet");
        assert.strictEqual(nat.inputs.vswitchId, idOf(inv.named(T.vswitch, "ack-sh-nodes-cn-shanghai-e")));
        const eip = inv.named(T.eip, "ack-sh-nat-eip");
        const assoc = inv.named(T.eipAssoc, "ack-sh-nat-eip");
        assert.strictEqual(assoc.inputs.allocationId, idOf(eip));
        assert.strictEqual(assoc.inputs.instanceId, idOf(nat));
        assert.strictEqual(assoc.inputs.instanceType, "Nat");
        const snats = inv.ofType(T.snat).filter((s) => s.name.startsWith("ack-sh-"));
        // The site's own vSwitches (the links' CEN edge in Tokyo has its own VPC).
        const switches = inv.ofType(T.vswitch).filter((s) => inv.ancestors(s).some((a) => a.type === "hybrid:ack:Vpc" && a.name === "ack-sh"));
        assert.deepStrictEqual(snats.map((s) => s.inputs.sourceVswitchId).sort(), switches.map(idOf).sort());
        for (const s of snats) {
            assert.strictEqual(s.inputs.snatTableId, nat.state.snatTableIds);
            assert.strictEqual(s.inputs.snatIp, eip.state.ipAddress);
            assert.ok(s.dependencies.includes(assoc.urn));
        }
    });

    it("declares an ACK Pro control plane with no workers, over every zone's vSwitch", () => {
        const c = inv.named(T.cluster, "ack-sh-cluster");
        assert.strictEqual(c.inputs.clusterSpec, "ack.pro.small");
        assert.strictEqual(c.inputs.version, "1.36.1-aliyun.1");
        const nodeSwitches = inv.ofType(T.vswitch).filter((s) => s.name.startsWith("ack-sh-nodes-"));
        assert.deepStrictEqual(c.inputs.vswitchIds, nodeSwitches.map(idOf));
        for (const k of ["workerVswitchIds", "workerNumber", "workerInstanceTypes"]) assert.strictEqual(c.inputs[k], undefined, k);
        assert.strictEqual(c.inputs.serviceCidr, "172.21.0.0/20");
        assert.strictEqual(c.inputs.newNatGateway, false);
    });

    it("runs Terway with the pod vSwitches and its add-on", () => {
        const c = inv.named(T.cluster, "ack-sh-cluster");
        const pods = inv.ofType(T.vswitch).filter((s) => s.name.startsWith("ack-sh-pods-"));
        assert.deepStrictEqual(c.inputs.podVswitchIds, pods.map(idOf));
        assert.strictEqual(c.inputs.podCidr, undefined);
        const addons = c.inputs.addons.map((a: any) => a.name);
        assert.ok(addons.includes("terway-eniip"), addons.join());
        assert.ok(!addons.includes("flannel"));
        // The tenant baseline's NetworkPolicies are only enforced with Terway's policy support on.
        const terway = c.inputs.addons.find((a: { name: string }) => a.name === "terway-eniip");
        assert.deepStrictEqual(JSON.parse(terway.config), { IPVlan: "false", NetworkPolicy: "true" });
    });

    it("encrypts Secrets with a dedicated, protected KMS key", () => {
        const c = inv.named(T.cluster, "ack-sh-cluster");
        const key = inv.named(T.kms, "ack-sh-secrets");
        assert.strictEqual(key.protect, true);
        assert.strictEqual(key.inputs.automaticRotation, "Enabled");
        assert.strictEqual(key.inputs.deletionProtection, "Enabled");
        assert.strictEqual(c.inputs.encryptionProviderKey, idOf(key));
        assert.strictEqual(c.inputs.disableEncryption, false);
        assert.ok(c.dependencies.includes(key.urn));
        // Dedicated: no other resource uses this key.
        const users = inv.resources.filter((r) => r !== c && JSON.stringify(r.inputs).includes(`"${idOf(key)}"`));
        assert.deepStrictEqual(
            users.map((r) => r.name),
            [],
        );
    });

    it("turns RRSA on, keeps the API server internal, uses an enterprise security group and kube-proxy's iptables mode, and protects the prod cluster from deletion", () => {
        const c = inv.named(T.cluster, "ack-sh-cluster");
        assert.strictEqual(c.inputs.enableRrsa, true);
        assert.strictEqual(c.inputs.slbInternetEnabled, false);
        // An enterprise (advanced) security group: its members reach each other only where a rule allows it.
        assert.strictEqual(c.inputs.isEnterpriseSecurityGroup, true);
        // Never kube-proxy's ipvs mode, deprecated upstream (KEP-5495): iptables, which the nodes' kernel runs.
        assert.strictEqual(c.inputs.proxyMode, "iptables");
        assert.strictEqual(c.inputs.deletionProtection, true);
        assert.strictEqual(c.protect, true);
    });

    it("ships control-plane logs (with the spec's retention) and audit logs to a protected SLS project", () => {
        const c = inv.named(T.cluster, "ack-sh-cluster");
        const project = inv.named(T.logProject, "ack-sh-logs");
        assert.strictEqual(project.protect, true);
        assert.strictEqual(c.inputs.controlPlaneLogProject, project.inputs.projectName);
        assert.strictEqual(c.inputs.controlPlaneLogTtl, String(spec.logging.retentionDays));
        // With node auto scaling on, the managed cluster-autoscaler's log too (its only visible trace).
        assert.ok(spec.autoscaling.enabled);
        assert.deepStrictEqual(c.inputs.controlPlaneLogComponents, ["apiserver", "kcm", "scheduler", "ccm", "controlplane-events", "cluster-autoscaler"]);
        assert.deepStrictEqual(c.inputs.auditLogConfig, { enabled: true, slsProjectName: project.inputs.projectName });
        assert.ok(c.inputs.deleteOptions.some((o: any) => o.resourceType === "SLS_ControlPlane" && o.deleteMode === "retain"));
    });

    it("logs every flow of the VPC, at the shortest window, into an encrypted Logstore of a protected project of its own", async () => {
        const vpc = inv.named(T.vpc, "ack-sh-vpc");
        const project = inv.named(T.logProject, "ack-sh-flow-logs");
        const store = inv.named(T.logStore, "ack-sh-flow-logs");
        const flow = inv.named(T.flowLog, "ack-sh-flow-logs");
        // The stack's name is in the project's (SLS project names are unique across Alibaba Cloud).
        assert.strictEqual(project.inputs.projectName, "ack-sh-prod-vpc-flow-logs");
        assert.notStrictEqual(project.inputs.projectName, inv.named(T.logProject, "ack-sh-logs").inputs.projectName);
        assert.strictEqual(project.protect, true);
        assert.strictEqual(store.protect, true);
        assert.strictEqual(store.inputs.projectName, project.inputs.projectName);
        assert.strictEqual(store.inputs.retentionPeriod, 365);
        assert.strictEqual(store.inputs.retentionPeriod, spec.network.flowLogRetentionDays);
        assert.deepStrictEqual(store.inputs.encryptConf, { enable: true, encryptType: "default" });
        assert.strictEqual(store.inputs.autoSplit, true);
        assert.strictEqual(flow.inputs.resourceType, "VPC");
        assert.strictEqual(flow.inputs.resourceId, idOf(vpc));
        assert.strictEqual(flow.inputs.trafficType, "All");
        assert.deepStrictEqual(flow.inputs.trafficPaths, ["all"]);
        assert.strictEqual(flow.inputs.aggregationInterval, "1");
        assert.strictEqual(flow.inputs.projectName, project.inputs.projectName);
        assert.strictEqual(flow.inputs.logStoreName, store.inputs.logstoreName);
        for (const r of [project, store, flow]) assert.strictEqual(inv.ancestors(r)[0].type, "hybrid:ack:Vpc");
        // The stack output that tells a user where to look.
        const built = fleet.clusters.find((c) => c.spec.name === "ack-sh")!;
        assert.strictEqual(await new Promise((resolve) => (built.outputs.flowLogProject as any).apply(resolve)), "ack-sh-prod-vpc-flow-logs");
    });

    it("sets a maintenance window", () => {
        const w = inv.named(T.cluster, "ack-sh-cluster").inputs.maintenanceWindow;
        assert.strictEqual(w.enable, true);
        assert.strictEqual(w.weeklyPeriod, "Saturday");
        assert.strictEqual(w.duration, "4h");
    });

    it("fills BuiltCluster.access: the cluster's k8s provider, a secret kubeconfig, the internal endpoint on 6443", async () => {
        const built = fleet.clusters.find((c) => c.spec.name === "ack-sh")!;
        assert.ok(built.access);
        const provider = inv.named(T.k8sProvider, k8sProviderName("ack-sh"));
        assert.strictEqual(provider.parent, inv.named("hybrid:ack:Cluster", "ack-sh").urn);
        assert.ok(provider.inputs.kubeconfig instanceof SecretValue, "kubeconfig is a secret input");
        assert.match(String(plain(provider.inputs.kubeconfig)), /client-key-data/);
        const cluster = inv.named(T.cluster, "ack-sh-cluster");
        const host = await new Promise((resolve) => (built.access!.apiServer.host as any).apply(resolve));
        assert.strictEqual(`https://${host}:6443`, cluster.state.connections.apiServerIntranet);
        assert.strictEqual(built.access!.apiServer.port, 6443);
        const secret = await new Promise((resolve) => (built.access!.kubeconfig as any).isSecret.then(resolve));
        assert.strictEqual(secret, true);
        const ready = built.access!.ready.map((r) => (r as any).urn);
        const pools = inv.ofType(T.nodePool).filter((p) => p.name.startsWith("ack-sh-"));
        const readyUrns = await Promise.all(ready.map((u: any) => new Promise((res) => u.apply(res))));
        assert.deepStrictEqual(readyUrns.sort(), pools.map((p) => p.urn).sort());
    });

    it("declares a node pool per spec pool across all zones with scaling, management, spot and taints", () => {
        const cluster = inv.named(T.cluster, "ack-sh-cluster");
        const nodeSwitches = inv
            .ofType(T.vswitch)
            .filter((s) => s.name.startsWith("ack-sh-nodes-"))
            .map(idOf);
        for (const pool of spec.nodePools) {
            const p = inv.named(T.nodePool, `ack-sh-${pool.name}`);
            assert.strictEqual(p.inputs.clusterId, idOf(cluster));
            assert.deepStrictEqual(p.inputs.vswitchIds, nodeSwitches);
            assert.deepStrictEqual(p.inputs.instanceTypes, pool.instanceTypes);
            // Autoscaled nodes carry k8s.aliyun.com=true, which ACK's system add-ons avoid: the system pool has a fixed size.
            if (pool.system) assert.deepStrictEqual([p.inputs.scalingConfig, p.inputs.desiredSize], [undefined, String(pool.minSize)]);
            else
                assert.deepStrictEqual(
                    { enable: p.inputs.scalingConfig.enable, minSize: p.inputs.scalingConfig.minSize, maxSize: p.inputs.scalingConfig.maxSize },
                    { enable: true, minSize: pool.minSize, maxSize: pool.maxSize },
                );
            assert.strictEqual(p.inputs.loginAsNonRoot, true, "the login key is ecs-user's, not root's");
            assert.strictEqual(p.inputs.spotStrategy, pool.spot ? "SpotAsPriceGo" : "NoSpot");
            const m = p.inputs.management;
            assert.deepStrictEqual(
                { enable: m.enable, autoRepair: m.autoRepair, autoUpgrade: m.autoUpgrade, maxUnavailable: m.maxUnavailable },
                { enable: true, autoRepair: true, autoUpgrade: true, maxUnavailable: 1 },
            );
            const taintKeys = (p.inputs.taints ?? []).map((t: any) => t.key);
            if (pool.system) assert.ok(taintKeys.includes("CriticalAddonsOnly"), `${pool.name} is tainted for add-ons`);
            else assert.ok(!taintKeys.includes("CriticalAddonsOnly"));
            for (const t of pool.taints) assert.ok(taintKeys.includes(t.key));
            assert.ok(p.inputs.labels.some((l: any) => l.key === "hybrid-fleet.io/node-pool" && l.value === pool.name));
        }
        const autoscaler = inv.named(T.autoscaler, "ack-sh-autoscaler");
        assert.strictEqual(autoscaler.inputs.clusterId, idOf(cluster));
    });

    it("encrypts node disks and gives nodes no public IP", () => {
        for (const p of inv.ofType(T.nodePool).filter((x) => x.name.startsWith("ack-sh-"))) {
            assert.strictEqual(p.inputs.systemDiskEncrypted, true);
            assert.ok(p.inputs.dataDisks.length > 0);
            for (const d of p.inputs.dataDisks) assert.strictEqual(d.encrypted, "true");
            assert.notStrictEqual(p.inputs.scalingConfig?.isBondEip, true);
            assert.ok(!p.inputs.internetMaxBandwidthOut, "no public bandwidth");
            assert.strictEqual(p.inputs.instanceMetadataOptions.httpTokens, "required");
            assert.strictEqual(p.inputs.password, undefined);
            // The spec's default PID limit per pod (no seccompDefault field for ACK's kubelet).
            assert.deepStrictEqual(p.inputs.kubeletConfiguration, { podPidsLimit: "4096" });
        }
        // Login by key pair only (its public half from a tls.PrivateKey; tools/mocks/tls.ts does not
        // yet return publicKeyOpenssh, so the link itself is not visible on the mock engine).
        const keyPair = inv.named("alicloud:ecs/ecsKeyPair:EcsKeyPair", "ack-sh-login");
        for (const p of inv.ofType(T.nodePool).filter((x) => x.name.startsWith("ack-sh-"))) assert.strictEqual(p.inputs.keyName, keyPair.inputs.keyPairName);
    });

    it("stores metrics in a protected, versioned, KMS-encrypted, private bucket", () => {
        const bucket = inv.named(T.bucket, "ack-sh-metrics-bucket");
        const key = inv.named(T.kms, "ack-sh-metrics-key");
        assert.strictEqual(bucket.inputs.bucket, spec.metrics.objectStore.bucket);
        assert.strictEqual(bucket.protect, true);
        assert.strictEqual(key.protect, true);
        assert.deepStrictEqual(bucket.inputs.versioning, { status: "Enabled" });
        // Versioned: what was overwritten or deleted is kept 30 days, not for ever.
        assert.deepStrictEqual(bucket.inputs.lifecycleRules, [
            {
                id: "old-versions-and-uploads",
                enabled: true,
                prefix: "",
                noncurrentVersionExpirations: [{ days: 30 }],
                expirations: [{ expiredObjectDeleteMarker: true }],
                abortMultipartUploads: [{ days: 7 }],
            },
        ]);
        assert.deepStrictEqual(bucket.inputs.serverSideEncryptionRule, { sseAlgorithm: "KMS", kmsMasterKeyId: idOf(key) });
        assert.strictEqual(inv.named(T.bucketAcl, "ack-sh-metrics-acl").inputs.acl, "private");
        assert.strictEqual(inv.named(T.publicAccess, "ack-sh-metrics-public-access").inputs.blockPublicAccess, true);
        assert.notStrictEqual(bucket.inputs.forceDestroy, true);
    });

    it("lets only the metrics writer's ServiceAccount assume the writer role through RRSA, scoped to the bucket", () => {
        const cluster = inv.named(T.cluster, "ack-sh-cluster");
        const role = inv.named(T.role, "ack-sh-metrics-writer");
        const trust = JSON.parse(role.inputs.assumeRolePolicyDocument);
        assert.deepStrictEqual(trust.Statement[0].Principal.Federated, [cluster.state.rrsaMetadata.ramOidcProviderArn]);
        assert.strictEqual(trust.Statement[0].Condition.StringEquals["oidc:iss"], cluster.state.rrsaMetadata.rrsaOidcIssuerUrl);
        assert.strictEqual(
            trust.Statement[0].Condition.StringEquals["oidc:sub"],
            `system:serviceaccount:${ACK_METRICS_WRITER.namespace}:${ACK_METRICS_WRITER.serviceAccount}`,
        );
        const policy = inv.named(T.policy, "ack-sh-metrics-writer");
        const doc = JSON.parse(policy.inputs.policyDocument);
        const resources: string[] = doc.Statement.flatMap((s: any) => s.Resource);
        const bucket = spec.metrics.objectStore.bucket;
        const key = inv.named(T.kms, "ack-sh-metrics-key");
        assert.deepStrictEqual(resources.sort(), [key.state.arn, `acs:oss:*:*:${bucket}`, `acs:oss:*:*:${bucket}/*`].sort());
        const attach = inv.named(T.attachment, "ack-sh-metrics-writer");
        assert.deepStrictEqual(
            { roleName: attach.inputs.roleName, policyName: attach.inputs.policyName, policyType: attach.inputs.policyType },
            { roleName: role.inputs.roleName, policyName: policy.inputs.policyName, policyType: "Custom" },
        );
    });

    it("makes encrypted ESSD the default StorageClass, zone-aware, kept on delete in prod, through the cluster's provider", () => {
        const classes = inv.ofType("kubernetes:storage.k8s.io/v1:StorageClass").filter((r) => r.name.startsWith("ack-sh"));
        assert.strictEqual(classes.length, 1);
        const sc = classes[0];
        assert.strictEqual(inv.providerOf(sc)?.name, k8sProviderName("ack-sh"));
        assert.strictEqual(sc.inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        assert.strictEqual(sc.inputs.provisioner, "diskplugin.csi.alibabacloud.com");
        assert.strictEqual(sc.inputs.parameters.type, "cloud_essd");
        assert.strictEqual(sc.inputs.parameters.encrypted, "true");
        assert.strictEqual(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(sc.inputs.reclaimPolicy, "Retain");
        const addons = inv.named(T.cluster, "ack-sh-cluster").inputs.addons.map((a: { name: string }) => a.name);
        assert.ok(addons.includes("csi-plugin") && addons.includes("managed-csiprovisioner"), "the CSI plug-in that provisions it is installed");
    });

    it("fetches a short-lived admin credential for the kubeconfig", () => {
        const calls = inv.invokes.filter((i) => i.token === "alicloud:cs/getClusterCredential:getClusterCredential");
        assert.strictEqual(calls.length, 1);
        // For the cluster the node pools join (their clusterId is the cluster's id).
        assert.strictEqual(calls[0].args.clusterId, inv.named(T.nodePool, "ack-sh-system").inputs.clusterId);
        assert.strictEqual(calls[0].args.temporaryDurationMinutes, ADMIN_CREDENTIAL_MINUTES);
        assert.ok(ADMIN_CREDENTIAL_MINUTES >= 15 && ADMIN_CREDENTIAL_MINUTES <= 4320, "inside the range ACK accepts");
    });

    it("keeps the kubeconfig's credentials out of plain text", () => {
        assert.deepStrictEqual(plainTextOccurrences(inv, MOCK_CLIENT_KEY_DATA), []);
        assert.deepStrictEqual(plainTextOccurrences(inv, "client-key-data"), []);
        const built = fleet.clusters.find((c) => c.spec.name === "ack-sh")!;
        for (const [k, v] of Object.entries(built.outputs)) assert.ok(!JSON.stringify(v ?? "").includes("BEGIN"), k);
    });
});

describe("ACK site on the mock engine (variants)", function () {
    this.timeout(60000);

    it("runs Flannel on podCidr with the node CIDR mask, and no pod vSwitches", async () => {
        const { inventory } = await runFleet(
            oneSiteSpec("prod", "ack-sh", (site) => {
                site.network.cni = "flannel";
                site.network.tenants = [];
            }),
        );
        const c = inventory.named(T.cluster, "ack-sh-cluster");
        assert.strictEqual(c.inputs.podCidr, "10.66.0.0/16");
        assert.strictEqual(c.inputs.nodeCidrMask, 25);
        assert.strictEqual(c.inputs.podVswitchIds, undefined);
        assert.ok(c.inputs.addons.some((a: any) => a.name === "flannel"));
        assert.strictEqual(inventory.ofType(T.cidrBlock).length, 0);
        assert.strictEqual(inventory.ofType(T.vswitch).filter((s) => s.name.includes("-pods-")).length, 0);
    });

    it("in dev: no deletion protection, the cluster and the dev bucket still protected", async () => {
        const { inventory } = await runFleet(loadStackSpec("dev"));
        const c = inventory.named(T.cluster, "ack-dev-cluster");
        assert.strictEqual(c.inputs.deletionProtection, false);
        assert.strictEqual(c.protect, true, "the cluster holds state in every environment");
        assert.strictEqual(inventory.named(T.bucket, "ack-dev-metrics-bucket").protect, true);
        assert.strictEqual(inventory.named(T.provider, "ack-dev-alicloud").inputs.region, "cn-shanghai");
        // dev keeps its flow logs 30 days (its stack file), in a project named after the dev stack.
        assert.strictEqual(inventory.named(T.logStore, "ack-dev-flow-logs").inputs.retentionPeriod, 30);
        assert.strictEqual(inventory.named(T.logProject, "ack-dev-flow-logs").inputs.projectName, "ack-dev-dev-vpc-flow-logs");
    });

    it("with autoscaling off, pools get a fixed size and no autoscaler", async () => {
        const { inventory } = await runFleet(oneSiteSpec("dev", "ack-dev", (site) => (site.autoscaling = { enabled: false })));
        const pool = inventory.named(T.nodePool, "ack-dev-system");
        assert.strictEqual(pool.inputs.scalingConfig, undefined);
        assert.strictEqual(pool.inputs.desiredSize, "2");
        assert.strictEqual(inventory.ofType(T.autoscaler).length, 0);
        assert.ok(!inventory.named(T.cluster, "ack-dev-cluster").inputs.controlPlaneLogComponents.includes("cluster-autoscaler"));
    });
});
