// hybrid:network:Calico: Calico v3.32.1 through the Tigera operator. The CRD chart, then the
// operator chart, then the operator's Installation; where the program manages projectcalico.org/v3
// objects (IDC BGP and IPAM), the Calico API server and those objects after it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterAccess } from "../../core/contract";
import { customResource, Manifest, pinnedRelease } from "../../core/k8s";
import type { EksClusterShape } from "../../eks/types";
import type { IdcClusterShape } from "../../idc/types";
import { bgpConfiguration, bgpPeers, calicoApiServer, calicoInstallation, calicoLoadBalancerPool, ipamConfiguration, tigeraOperatorValues } from "./render";
import { CALICO } from "./versions";

export interface CalicoArgs {
    /** The cluster as the Calico renderers read it: its site, pod CIDR and `network.calico` options. */
    spec: IdcClusterShape | EksClusterShape;
    access: ClusterAccess;
}

export class Calico extends pulumi.ComponentResource {
    /** What tenant policies and later add-ons wait for: the Installation (and the API server where it runs). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: CalicoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:network:Calico", name, {}, opts);
        const { spec, access } = args;
        const on = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, provider: access.provider, dependsOn });
        const cr = (suffix: string, m: Manifest, dependsOn: pulumi.Resource[]) => customResource(`${name}-${suffix}`, m, on(dependsOn));

        // The operator runs on the host network before any CNI exists, so its namespace is
        // privileged, as in Calico's own tigera-operator.yaml manifest.
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: CALICO.namespace, labels: { name: CALICO.namespace, "pod-security.kubernetes.io/enforce": "privileged" } } },
            on(access.ready),
        );
        const chart = (c: string) => ({ chart: c, version: CALICO.version, namespace: CALICO.namespace, repo: CALICO.repo });
        // Kept if Pulumi ever deletes the release: `helm uninstall` deletes chart-template CRDs, and with
        // them every Calico object (IP pools, BGP, policies), and the cluster's pod network.
        const crds = pinnedRelease(
            `${name}-crds`,
            { release: "calico-crds", chart: chart(CALICO.crdChart), timeoutSeconds: 600 },
            { ...on([namespace]), retainOnDelete: true },
        );
        const operator = pinnedRelease(
            `${name}-operator`,
            {
                release: "calico",
                chart: chart(CALICO.operatorChart),
                timeoutSeconds: 600,
                values: pulumi.output(access.apiServer).apply((a) => tigeraOperatorValues({ host: String(a.host), port: Number(a.port) })),
            },
            on([crds]),
        );
        const installation = cr("installation", calicoInstallation(spec), [operator]);
        this.ready = [installation];

        if (spec.provider === "idc") {
            // projectcalico.org/v3 is served by the Calico API server: it comes up after the
            // Installation, and the v3 objects after it reports Ready.
            const apiServer = cr("apiserver", calicoApiServer(), [installation]);
            cr("ipam", ipamConfiguration(), [apiServer]);
            // The LoadBalancer range: kube-controllers assigns Service addresses from it.
            const lbPool = calicoLoadBalancerPool(spec);
            if (lbPool) cr("lb-pool", lbPool, [apiServer]);
            if (spec.network.calico.bgp) {
                const bgp = cr("bgp", bgpConfiguration(spec), [apiServer]);
                for (const peer of bgpPeers(spec)) cr(`peer-${peer.metadata.name}`, peer, [apiServer, bgp]);
            }
            this.ready = [installation, apiServer];
        }
        this.registerOutputs({});
    }
}
