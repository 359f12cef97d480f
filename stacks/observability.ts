// Maps the validated fleet spec to the observability add-ons' args: each cluster's Prometheus
// (retention, receivers with their secret webhook URLs, Grafana on the hub, which autoscaler's
// alerts apply) and the fleet's Thanos layer (compaction, store gateways, query replicas).
import { KARPENTER } from "../components/eks/karpenter/versions";
import type { ClusterMonitoringArgs } from "../components/observability/clusterMonitoring";
import type { ThanosFleetArgs } from "../components/observability/thanosFleet";
import { configSecret } from "./config";
import { networkBlocks, type ClusterSpec, type FleetSpec } from "./spec";

export function clusterMonitoringArgs(c: ClusterSpec, fleet: FleetSpec): ClusterMonitoringArgs {
    const o = fleet.observability;
    const autoscaler = c.provider === "eks" ? "karpenter" : c.provider === "ack" && c.autoscaling.enabled ? "cluster-autoscaler" : undefined;
    return {
        retention: o.prometheus.retention,
        receivers: o.alertmanager.receivers.map((r) => ({ name: r.name, severities: r.severities, webhookUrl: configSecret(r.webhookUrlKey) })),
        grafana: c.name === fleet.hub,
        ...(autoscaler ? { autoscaler } : {}),
        // Karpenter's chart Service (charts/karpenter/templates/service.yaml: port http-metrics, the
        // chart's selector labels with the release name). ACK's cluster-autoscaler runs in the
        // managed control plane (no pod in the cluster to scrape): its alert reads kube-state-metrics.
        ...(c.provider === "eks"
            ? {
                  autoscalerMetrics: {
                      name: "karpenter",
                      namespace: KARPENTER.namespace,
                      selector: { "app.kubernetes.io/name": "karpenter", "app.kubernetes.io/instance": KARPENTER.release },
                      port: "http-metrics",
                  },
              }
            : {}),
    };
}

export function thanosFleetArgs(fleet: FleetSpec): Omit<ThanosFleetArgs, "clusterReady"> {
    const o = fleet.observability;
    return {
        hub: fleet.hub,
        compactor: { retention: o.compactor.retention, downsampling: o.compactor.downsampling },
        storeGateway: { replicas: o.storeGateway.replicas },
        query: { replicas: o.query.replicas },
        // Site and pod networks: Thanos Query's connections arrive from either, depending on the site's SNAT.
        peerCidrs: fleet.clusters.flatMap((c) =>
            networkBlocks(c)
                .slice(0, 2)
                .map((b) => b.text),
        ),
    };
}
