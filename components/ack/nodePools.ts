// The ACK cluster's nodes: one managed alicloud.cs.NodePool per spec pool, spread over every
// zone's node vSwitch, scaled by ACK's cluster autoscaler (the system pool has a fixed size), auto-repaired and auto-upgraded in the
// maintenance window, with encrypted disks, IMDS hardened and no public IPs.
import * as alicloud from "../core/sdk/alicloud";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { FLEET_KEYS } from "../core/conventions";
import { nodePoolLabels, nodePoolTaints } from "./render";
import type { AckNodePoolSpec } from "./types";

export interface AckNodePoolsArgs {
    pools: AckNodePoolSpec[];
    /** The kubelet settings of every pool (AckClusterShape.kubelet). */
    kubelet: { podPidsLimit: number };
    /** ACK's cluster autoscaler scales the pools. */
    autoscaling: boolean;
    clusterId: pulumi.Input<string>;
    vswitchIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

export class AckNodePools extends pulumi.ComponentResource {
    readonly pools: alicloud.cs.NodePool[];

    constructor(name: string, args: AckNodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:ack:NodePools", name, {}, opts);
        const { tags } = args;
        const autoscale = args.autoscaling;

        // Managed node pools require a key pair (alicloud.cs.NodePool docs: "only keyName is
        // supported"); the private key stays a secret in state, for break-glass access from the VPC.
        const loginKey = new tls.PrivateKey(`${name}-login`, { algorithm: "RSA", rsaBits: 4096 }, { parent: this });
        const keyPair = new alicloud.ecs.EcsKeyPair(
            `${name}-login`,
            { keyPairName: `${name}-nodes`, publicKey: loginKey.publicKeyOpenssh, tags },
            { parent: this },
        );

        // ACK's cluster autoscaler scales the pools whose scalingConfig is enabled.
        const autoscaler = autoscale
            ? new alicloud.cs.AutoscalingConfig(
                  `${name}-autoscaler`,
                  { clusterId: args.clusterId, scalerType: "cluster-autoscaler", expander: "least-waste", scaleDownEnabled: true },
                  { parent: this },
              )
            : undefined;

        this.pools = args.pools.map(
            (pool) =>
                new alicloud.cs.NodePool(
                    `${name}-${pool.name}`,
                    {
                        clusterId: args.clusterId,
                        nodePoolName: pool.name,
                        vswitchIds: args.vswitchIds,
                        // Spread nodes evenly across the zones.
                        multiAzPolicy: "BALANCE",
                        instanceTypes: pool.instanceTypes,
                        instanceChargeType: "PostPaid",
                        spotStrategy: pool.spot ? "SpotAsPriceGo" : "NoSpot",
                        // Replace a spot node before its reclaim notice runs out.
                        spotInstanceRemedy: pool.spot ? true : undefined,
                        // ACK labels the nodes of an autoscaled pool k8s.aliyun.com=true, and its system
                        // add-ons (CoreDNS, metrics-server) keep off such nodes (alicloud cs.NodePool docs,
                        // scalingConfig): the system pool keeps a fixed size, its minSize.
                        ...(autoscale && !pool.system
                            ? {
                                  scalingConfig: {
                                      enable: true,
                                      minSize: pool.minSize,
                                      maxSize: pool.maxSize,
                                      type: pool.spot ? "spot" : "cpu",
                                      // No EIPs on nodes: egress is the VPC's NAT gateway.
                                      isBondEip: false,
                                  },
                              }
                            : { desiredSize: String(pool.minSize) }),
                        management: {
                            enable: true,
                            autoRepair: true,
                            autoRepairPolicy: { restartNode: true },
                            autoUpgrade: true,
                            autoUpgradePolicy: { autoUpgradeKubelet: true },
                            autoVulFix: true,
                            autoVulFixPolicy: { vulLevel: "asap", restartNode: false },
                            // One node at a time during repairs and upgrades (ACK's default).
                            maxUnavailable: 1,
                        },
                        // ACK applies a changed kubelet configuration to the pool's existing nodes too (cs.NodePool kubeletConfiguration).
                        kubeletConfiguration: { podPidsLimit: String(args.kubelet.podPidsLimit) },
                        labels: nodePoolLabels(pool),
                        taints: nodePoolTaints(pool),
                        keyName: keyPair.keyPairName,
                        // The key logs in as ecs-user, not root (sudo where break-glass needs it).
                        loginAsNonRoot: true,
                        // IMDSv2-style hardened metadata access only (ACK 1.28+).
                        instanceMetadataOptions: { httpTokens: "required" },
                        systemDiskCategory: "cloud_essd",
                        systemDiskSize: pool.systemDiskGiB,
                        systemDiskEncrypted: true,
                        dataDisks: [{ category: "cloud_essd", size: pool.dataDiskGiB, encrypted: "true" }],
                        installCloudMonitor: true,
                        tags: { ...tags, [FLEET_KEYS.nodePool]: pool.name },
                    },
                    { parent: this, dependsOn: autoscaler ? [autoscaler] : [] },
                ),
        );

        this.registerOutputs({ nodePoolIds: this.pools.map((p) => p.id) });
    }
}
