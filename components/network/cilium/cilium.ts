// hybrid:network:Cilium: the pinned Cilium chart (versions.ts) as the cluster's CNI and kube-proxy replacement,
// with Hubble and its relay; native routing in an IDC (direct routes, or BGP to the racks'
// switches), ENI mode on EKS.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "../../core/contract";
import { customResource, Manifest, pinnedRelease } from "../../core/k8s";
import type { EksClusterShape } from "../../eks/types";
import type { IdcClusterShape } from "../../idc/types";
import { ciliumBgpAdvertisement, ciliumBgpClusterConfigs, ciliumBgpPeerConfig, ciliumEniCniConfig, ciliumLoadBalancerIpPool, ciliumValues } from "./render";
import { CILIUM } from "./versions";

export interface CiliumArgs {
    /** The cluster as the Cilium renderers read it: its site, CIDRs, `network.cilium` options (EKS: zones and VPC). */
    spec: IdcClusterShape | EksClusterShape;
    access: ClusterAccess;
}

/**
 * How long the release may wait for its pods. IDC: the nodes have joined before. EKS: the release
 * installs while the system node group is being created in parallel (its nodes only turn Ready
 * once the Cilium agent runs on them) and waits for the operator and relay Deployments, which need
 * those nodes: 20 min covers a managed node group's creation (~15 min) and the agents' start.
 */
const RELEASE_TIMEOUT_S = { idc: 600, eks: 1200 } as const;

export class Cilium extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: CiliumArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:network:Cilium", name, {}, opts);
        const { spec, access } = args;
        // EKS: the nodes' ENI settings, read by the agent when it starts (cni.configMap), so before the chart.
        const cniConfig: pulumi.Resource[] = [];
        if (spec.provider === "eks") {
            const cm = ciliumEniCniConfig(spec);
            cniConfig.push(
                new k8s.core.v1.ConfigMap(
                    `${name}-cni-configuration`,
                    { metadata: cm.metadata, data: cm.data },
                    { parent: this, provider: access.provider, dependsOn: access.cniReady ?? access.ready },
                ),
            );
        }
        this.release = pinnedRelease(
            `${name}-chart`,
            {
                release: "cilium",
                chart: CILIUM,
                values: pulumi.output(access.apiServer).apply((a) => ciliumValues(spec, { apiServer: { host: String(a.host), port: Number(a.port) } })),
                timeoutSeconds: RELEASE_TIMEOUT_S[spec.provider],
            },
            { parent: this, provider: access.provider, dependsOn: [...(access.cniReady ?? access.ready), ...cniConfig] },
        );

        if (spec.provider === "idc" && spec.network.cilium.bgp) {
            // The chart ships no CRDs: cilium-operator registers the BGP ones at start when
            // bgpControlPlane is enabled, and the atomic release waits for the operator to be ready.
            const cr = (suffix: string, m: Manifest, dependsOn: pulumi.Resource[]) =>
                customResource(`${name}-${suffix}`, m, { parent: this, provider: access.provider, dependsOn });
            const peerConfig = cr("bgp-peer-config", ciliumBgpPeerConfig(), [this.release]);
            const advertisement = cr("bgp-advertisement", ciliumBgpAdvertisement(spec), [this.release]);
            // The sessions start with the cluster config: its peer config and routes exist by then
            // (otherwise Cilium reports cilium.io/MissingPeerConfigs and announces nothing).
            for (const cc of ciliumBgpClusterConfigs(spec)) cr(cc.metadata.name, cc, [this.release, peerConfig, advertisement]);
        }
        const lbPool = spec.provider === "idc" ? ciliumLoadBalancerIpPool(spec) : undefined;
        if (lbPool) {
            // LB IPAM's CRD, like the BGP ones, is registered by cilium-operator at start.
            customResource(`${name}-lb-pool`, lbPool, { parent: this, provider: access.provider, dependsOn: [this.release] });
        }
        this.registerOutputs({});
    }
}
