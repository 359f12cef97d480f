// hybrid:observability:ThanosFleet: the fleet-wide half of monitoring. A fleet CA (@pulumi/tls,
// protected) issues every Thanos gRPC server a certificate and Thanos Query a client one (mTLS on
// every hop across the links); the fleet component holds only the CA, the rest lives per cluster. Per cluster: the sidecar's internal load balancer and TLS Secret.
// Per bucket, in the site of the cluster that owns it: exactly one compactor and the store
// gateways. On the hub: Thanos Query over every sidecar and store gateway (endpoint SD config),
// the Query Frontend, and Grafana's Thanos data source and fleet dashboards.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as YAML from "yaml";
import { inBatches } from "../core/batches";
import type { ClusterHandle } from "../core/contract";
import { certificateAuthority, ECDSA_P256 } from "../core/pki";
import { SECRETS } from "./clusterMonitoring";
import { fleetDashboards } from "./dashboards";
import {
    bucketPlacements,
    compactorStatefulSet,
    endpointSdConfig,
    grafanaDatasource,
    grpcLoadBalancer,
    PROMETHEUS_POD_LABELS,
    queryDeployment,
    queryFrontendDeployment,
    queryFrontendService,
    queryService,
    storeGatewayStatefulSet,
    thanosPodMonitor,
} from "./render";
import { GRPC_SERVER_NAME, MONITORING_NAMESPACE, PORTS } from "./versions";

export interface ThanosFleetArgs {
    /** The cluster that runs Thanos Query, the Query Frontend and Grafana. */
    hub: string;
    compactor: { retention: { raw: string; fiveMinutes: string; oneHour: string }; downsampling: boolean };
    storeGateway: { replicas: number };
    query: { replicas: number };
    /** Site networks of the fleet: the only sources the gRPC load balancers accept. */
    peerCidrs: string[];
    /** What each cluster's monitoring add-on handed back (its namespace, Secrets, release), by cluster name. */
    clusterReady: Record<string, pulumi.Resource[]>;
}

const CA_VALIDITY_H = 10 * 365 * 24;
const LEAF_VALIDITY_H = 365 * 24;
export const GRPC_TLS_SECRET = SECRETS.grpcTls;
export const QUERY_TLS_SECRET = "thanos-query-tls";

/** host:port of a LoadBalancer Service once its site has given it an address. */
function lbAddress(svc: k8s.core.v1.Service): pulumi.Output<string> {
    return svc.status.apply((s) => {
        const ingress = s?.loadBalancer?.ingress?.[0];
        const host = ingress?.ip ?? ingress?.hostname;
        return host ? `${host}:${PORTS.grpc}` : "";
    });
}

/** hybrid:observability:ThanosSite: the Thanos objects of one cluster, under that cluster's site. */
export class ThanosSite extends pulumi.ComponentResource {
    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:observability:ThanosSite", name, {}, opts);
    }
    done(): void {
        this.registerOutputs({});
    }
}

/**
 * The fleet's Thanos layer. Made by `ThanosFleet.declare`, which declares the per-cluster and
 * per-bucket parts in batches (core/batches.ts): at 100 clusters they are ~1,000 resources.
 */
export class ThanosFleet extends pulumi.ComponentResource {
    /** Every gRPC endpoint Thanos Query reads, by role ("sidecar <cluster>", "store <bucket>"). */
    readonly endpoints: Record<string, pulumi.Output<string>> = {};

    private constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:observability:ThanosFleet", name, {}, opts);
    }

    static async declare(name: string, clusters: ClusterHandle[], args: ThanosFleetArgs, opts?: pulumi.ComponentResourceOptions): Promise<ThanosFleet> {
        const fleet = new ThanosFleet(name, opts);
        const hub = clusters.find((c) => c.name === args.hub);
        if (!hub) throw new Error(`hub ${args.hub} is not a cluster of the fleet`);
        // Each cluster's Kubernetes objects live under its own site (through its own provider); the
        // fleet component keeps only what spans sites: the CA.
        const sites = new Map(clusters.map((c) => [c.name, new ThanosSite(`${c.name}-${name}`, { parent: c.parent })]));
        const at = (c: ClusterHandle, suffix: string) => `${c.name}-${name}-${suffix}`;
        const k8sOpts = (c: ClusterHandle, dependsOn: pulumi.Input<pulumi.Resource>[] = []): pulumi.CustomResourceOptions => ({
            parent: sites.get(c.name)!,
            provider: c.provider,
            dependsOn,
        });
        const ready = (c: ClusterHandle) => args.clusterReady[c.name] ?? c.ready;

        // The fleet CA: its key is the trust of every Thanos hop, so it is protected.
        const ca = certificateAuthority(
            { key: `${name}-ca`, cert: `${name}-ca` },
            {
                key: ECDSA_P256,
                subject: { commonName: "thanos-fleet-ca", organization: "hybrid-fleet" },
                validityPeriodHours: CA_VALIDITY_H,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            fleet,
        );
        // Leaf certificates live with the cluster that uses them (removing a cluster removes only its own).
        const issue = (c: ClusterHandle, id: string, commonName: string, server: boolean) => {
            const leaf = { parent: sites.get(c.name)! };
            const key = new tls.PrivateKey(at(c, id), { algorithm: "ECDSA", ecdsaCurve: "P256" }, leaf);
            const csr = new tls.CertRequest(
                at(c, id),
                { privateKeyPem: key.privateKeyPem, subject: { commonName }, ...(server ? { dnsNames: [GRPC_SERVER_NAME] } : {}) },
                leaf,
            );
            const cert = new tls.LocallySignedCert(
                at(c, id),
                {
                    certRequestPem: csr.certRequestPem,
                    caCertPem: ca.certPem,
                    caPrivateKeyPem: ca.keyPem,
                    validityPeriodHours: LEAF_VALIDITY_H,
                    earlyRenewalHours: 30 * 24,
                    allowedUses: ["digital_signature", "key_encipherment", server ? "server_auth" : "client_auth"],
                },
                leaf,
            );
            return { "ca.crt": ca.certPem, "tls.crt": cert.certPem, "tls.key": pulumi.secret(key.privateKeyPem) };
        };

        // Per cluster: the sidecar's server certificate and its internal load balancer.
        await inBatches(clusters, (c) => {
            const secret = new k8s.core.v1.Secret(
                at(c, "grpc-tls"),
                {
                    metadata: { name: GRPC_TLS_SECRET, namespace: MONITORING_NAMESPACE },
                    type: "Opaque",
                    stringData: issue(c, "grpc", `${c.name}.thanos`, true),
                },
                k8sOpts(c, ready(c)),
            );
            const lb = grpcLoadBalancer("thanos-sidecar-grpc", c.site, PROMETHEUS_POD_LABELS, args.peerCidrs);
            const svc = new k8s.core.v1.Service(at(c, "sidecar-lb"), lb, k8sOpts(c, [...ready(c), secret]));
            fleet.endpoints[`sidecar ${c.name}`] = lbAddress(svc);
        });

        // Per bucket: one compactor and the store gateways, in the owner's site with its credentials;
        // a PodMonitor per cluster that runs any, so a halted compactor alerts.
        const monitored = new Set<string>();
        await inBatches(bucketPlacements(clusters), (p) => {
            const c = p.owner;
            const short = `thanos-${p.bucket.replace(/\./g, "-")}`.slice(0, 40).replace(/-+$/, "");
            const workload = {
                name: short,
                objstoreSecret: SECRETS.objstore,
                grpcTlsSecret: GRPC_TLS_SECRET,
                retention: args.compactor.retention,
                downsampling: args.compactor.downsampling,
                storeGatewayReplicas: args.storeGateway.replicas,
            };
            const id = at(c, p.bucket);
            const compactor = compactorStatefulSet(workload);
            new k8s.apps.v1.StatefulSet(`${id}-compactor`, compactor, k8sOpts(c, ready(c)));
            const store = storeGatewayStatefulSet(workload);
            new k8s.apps.v1.StatefulSet(`${id}-store`, store, k8sOpts(c, ready(c)));
            if (!monitored.has(c.name)) {
                monitored.add(c.name);
                const pm = thanosPodMonitor();
                new k8s.apiextensions.CustomResource(at(c, "thanos-podmonitor"), pm, k8sOpts(c, ready(c)));
            }
            const lb = grpcLoadBalancer(`${short}-store-grpc`, c.site, store.spec.selector.matchLabels, args.peerCidrs);
            const svc = new k8s.core.v1.Service(`${id}-store-lb`, lb, k8sOpts(c, ready(c)));
            fleet.endpoints[`store ${p.bucket}`] = lbAddress(svc);
        });

        // The hub: Thanos Query (mTLS client of every endpoint), the Query Frontend, Grafana's data source.
        const clientTls = new k8s.core.v1.Secret(
            at(hub, "query-tls"),
            {
                metadata: { name: QUERY_TLS_SECRET, namespace: MONITORING_NAMESPACE },
                type: "Opaque",
                stringData: issue(hub, "query-client", "thanos-query", false),
            },
            k8sOpts(hub, ready(hub)),
        );
        const roles = Object.keys(fleet.endpoints).sort();
        const sdConfig = pulumi
            .all(roles.map((r) => fleet.endpoints[r]))
            .apply((addresses) =>
                YAML.stringify(endpointSdConfig(addresses.map((address, i) => ({ address, role: roles[i] })).filter((e) => e.address !== ""))),
            );
        const sd = new k8s.core.v1.ConfigMap(
            at(hub, "query-endpoints"),
            { metadata: { name: "thanos-query-endpoints", namespace: MONITORING_NAMESPACE }, data: { "endpoints.yaml": sdConfig } },
            k8sOpts(hub, ready(hub)),
        );
        const query = queryDeployment({
            name: "thanos-query",
            sdConfigMap: "thanos-query-endpoints",
            clientTlsSecret: QUERY_TLS_SECRET,
            replicas: args.query.replicas,
        });
        new k8s.apps.v1.Deployment(at(hub, "query"), query, k8sOpts(hub, [clientTls, sd]));
        new k8s.core.v1.Service(at(hub, "query"), queryService("thanos-query"), k8sOpts(hub, ready(hub)));
        new k8s.apps.v1.Deployment(
            at(hub, "query-frontend"),
            queryFrontendDeployment({ name: "thanos-query-frontend", queryService: "thanos-query", replicas: args.query.replicas }),
            k8sOpts(hub, ready(hub)),
        );
        new k8s.core.v1.Service(at(hub, "query-frontend"), queryFrontendService("thanos-query-frontend"), k8sOpts(hub, ready(hub)));
        new k8s.core.v1.ConfigMap(
            at(hub, "grafana-datasource"),
            {
                metadata: { name: "grafana-datasource-thanos", namespace: MONITORING_NAMESPACE, labels: { grafana_datasource: "1" } },
                data: { "thanos.yaml": grafanaDatasource("thanos-query-frontend") },
            },
            k8sOpts(hub, ready(hub)),
        );
        for (const [file, dashboard] of Object.entries(fleetDashboards())) {
            const id = file.replace(/\.json$/, "");
            new k8s.core.v1.ConfigMap(
                at(hub, id),
                {
                    metadata: { name: `dashboard-${id}`, namespace: MONITORING_NAMESPACE, labels: { grafana_dashboard: "1" } },
                    data: { [file]: JSON.stringify(dashboard) },
                },
                k8sOpts(hub, ready(hub)),
            );
        }
        for (const site of sites.values()) site.done();
        fleet.registerOutputs({ endpoints: fleet.endpoints });
        return fleet;
    }
}
