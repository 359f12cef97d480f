// Monitoring as add-ons: kube-prometheus-stack with the Thanos sidecar on every cluster (after its
// CNI), and once every cluster exists the fleet's Thanos layer over all of them.
import type { ClusterAddon, FleetAddon } from "../core/contract";
import { ClusterMonitoring, ClusterMonitoringArgs } from "./clusterMonitoring";
import { ThanosFleet, ThanosFleetArgs } from "./thanosFleet";

export const MONITORING_ADDON = "monitoring";

export const monitoringAddon: ClusterAddon<ClusterMonitoringArgs> = {
    name: MONITORING_ADDON,
    needs: ["cni"],
    install(cluster, args, after) {
        const monitoring = new ClusterMonitoring(`${cluster.name}-monitoring`, { ...cluster, ready: [...cluster.ready, ...after] }, args, {
            parent: cluster.parent,
        });
        return { ready: monitoring.ready };
    },
};

export const observabilityAddon: FleetAddon<Omit<ThanosFleetArgs, "clusterReady">> = {
    name: "observability",
    // Thanos Query on the hub reads every site's sidecars and store gateways over the links.
    needs: ["links"],
    async install(clusters, args, after) {
        // Each cluster's monitoring namespace, Secrets and release come first (cluster add-on results).
        // Only the hub's objects wait for the links: its Query reads every site over them, while a
        // site's own sidecar, store gateway and compactor need only their cluster and bucket. (Every
        // site's objects waiting for every link resource grew as sites x links: 1.65 M of the 2.0 M
        // dependencies a 100-cluster plan declared.)
        const clusterReady = Object.fromEntries(
            clusters.map((c) => [c.name, [...(c.addons?.[MONITORING_ADDON] ?? c.ready), ...(c.name === args.hub ? after : [])]]),
        );
        const fleet = await ThanosFleet.declare("observability", clusters, { ...args, clusterReady });
        return { ready: [fleet] };
    },
};
