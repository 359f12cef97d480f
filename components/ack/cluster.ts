// The ACK Pro control plane: a managed cluster with no workers of its own (node pools add them),
// Secrets encrypted with a dedicated KMS key, RRSA on, an internal API server load balancer,
// control-plane and audit logs in an SLS project, a maintenance window, and the admin
// kubeconfig (a secret) with the cluster's own Kubernetes provider.
import * as alicloud from "../core/sdk/alicloud";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { k8sProviderName } from "../core/conventions";
import { protectedKey } from "./kms";
import { clusterAddons, controlPlaneLogComponents, defaultStorageClass, endpointHost, maintenanceWindow } from "./render";
import { type AckClusterShape, slsProjectNames } from "./types";

export interface AckClusterArgs {
    /** The cluster as the ACK renderers read it (version, edition, network, API server, logging, maintenance window, add-ons). */
    spec: AckClusterShape;
    environment: string;
    vpcId: pulumi.Input<string>;
    /** Node vSwitches, one per zone: the control plane's ENIs and the API server SLB live here. */
    vswitchIds: pulumi.Input<string>[];
    /** Terway pod vSwitches, one per zone. */
    podVswitchIds: pulumi.Input<string>[];
    tags: Record<string, string>;
}

/**
 * Lifetime of the admin kubeconfig the deployment uses: long enough for one `pulumi up` with
 * node pools and Helm waits, far below ACK's multi-year default (alicloud.cs.getClusterCredential: 15-4320).
 */
export const ADMIN_CREDENTIAL_MINUTES = 240;

export class AckCluster extends pulumi.ComponentResource {
    readonly clusterId: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** RRSA: the RAM OIDC provider and the issuer that workload roles trust. */
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    /** The API server's internal (VPC) endpoint host. */
    readonly apiServerHost: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;

    constructor(name: string, args: AckClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:ack:Cluster", name, {}, opts);
        const { spec, tags } = args;
        const prod = args.environment === "prod";
        const terway = spec.network.cni === "terway";

        // A key per cluster for envelope encryption of Secrets in etcd; losing it loses the Secrets.
        const secretsKey = protectedKey(
            `${name}-secrets`,
            { description: `${name}: envelope encryption of Kubernetes Secrets`, protects: "encrypts the Secrets of an ACK cluster", tags },
            this,
        );

        // Control-plane and audit logs; the project outlives the cluster (deleteOptions keep it).
        const logs = new alicloud.log.Project(
            `${name}-logs`,
            { projectName: slsProjectNames(name, pulumi.getStack()).logs, description: `${name}: control-plane and audit logs`, tags },
            { parent: this, protect: true },
        );

        const cluster = new alicloud.cs.ManagedKubernetes(
            `${name}-cluster`,
            {
                name,
                clusterSpec: spec.clusterSpec,
                version: spec.kubernetesVersion,
                // Control plane ENIs and the API server SLB in every zone's node vSwitch; no workers here.
                vswitchIds: args.vswitchIds,
                podVswitchIds: terway ? args.podVswitchIds : undefined,
                podCidr: terway ? undefined : spec.network.podCidr,
                nodeCidrMask: terway ? undefined : spec.network.nodeCidrMask,
                serviceCidr: spec.network.serviceCidr,
                // The VPC component owns NAT and SNAT.
                newNatGateway: false,
                slbInternetEnabled: spec.apiServer.internetFacing,
                // Enterprise security groups deny traffic between members by default.
                isEnterpriseSecurityGroup: true,
                // iptables, fixed at creation: kube-proxy's ipvs mode is deprecated upstream since 1.35 and
                // off by default from 1.40 (KEP-5495), and its nftables mode needs Linux 5.13 or later
                // (kubernetes.io, "Virtual IPs and Service Proxies"), which Alibaba Cloud Linux 3 (5.10) is not.
                proxyMode: "iptables",
                enableRrsa: true,
                disableEncryption: false,
                encryptionProviderKey: secretsKey.id,
                deletionProtection: prod,
                controlPlaneLogProject: logs.projectName,
                controlPlaneLogComponents: controlPlaneLogComponents(spec),
                controlPlaneLogTtl: String(spec.logging.retentionDays),
                auditLogConfig: { enabled: true, slsProjectName: logs.projectName },
                maintenanceWindow: maintenanceWindow(spec),
                addons: clusterAddons(spec),
                // On delete, keep the logs (audit evidence) rather than ACK's per-type defaults.
                deleteOptions: [
                    { resourceType: "SLS_ControlPlane", deleteMode: "retain" },
                    { resourceType: "SLS_Data", deleteMode: "retain" },
                ],
                // The kubeconfig comes from the credential data source below, never from state attributes.
                skipSetCertificateAuthority: true,
                tags,
            },
            // The cluster's etcd holds the workloads' state, in every environment (deletion protection is prod's).
            { parent: this, protect: true },
        );
        this.clusterId = cluster.id;
        this.securityGroupId = cluster.securityGroupId;
        this.oidcProviderArn = cluster.rrsaMetadata.apply((m) => m.ramOidcProviderArn);
        this.oidcIssuerUrl = cluster.rrsaMetadata.apply((m) => m.rrsaOidcIssuerUrl);
        this.apiServerHost = cluster.connections.apply((c) => endpointHost(c.apiServerIntranet));

        // The admin kubeconfig, a secret from birth; it names the internal endpoint when the SLB has no EIP.
        // Short-lived: fetched again on every deployment, so state never holds a lasting admin credential.
        const credential = alicloud.cs.getClusterCredentialOutput(
            { clusterId: cluster.id, temporaryDurationMinutes: ADMIN_CREDENTIAL_MINUTES },
            { parent: this },
        );
        this.kubeconfig = pulumi.secret(credential.kubeConfig);
        this.provider = new k8s.Provider(k8sProviderName(name), { kubeconfig: this.kubeconfig }, { parent: this });

        // The CSI plug-in (a cluster add-on above) provisions it; encrypted disks are the default.
        new k8s.storage.v1.StorageClass(`${name}-essd`, defaultStorageClass(args.environment), { parent: this, provider: this.provider });

        this.registerOutputs({
            clusterId: this.clusterId,
            securityGroupId: this.securityGroupId,
            oidcProviderArn: this.oidcProviderArn,
            oidcIssuerUrl: this.oidcIssuerUrl,
            apiServerHost: this.apiServerHost,
            kubeconfig: this.kubeconfig,
        });
    }
}
