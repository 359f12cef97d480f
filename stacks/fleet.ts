// buildFleet: the whole fleet from one validated FleetSpec. Each site builder declares its
// cluster; then every cluster with a control plane gets its networking; then cross-site wiring.
import type { FleetSpec } from "./spec";
import type { BuiltCluster } from "./types";
import { buildAckSite } from "./ack";
import { buildEksSite } from "./eks";
import { buildIdcSite } from "./idc";
import { addClusterNetworking } from "../components/network";

export interface Fleet {
    spec: FleetSpec;
    clusters: BuiltCluster[];
}

export function buildFleet(spec: FleetSpec): Fleet {
    const clusters = spec.clusters.map((c): BuiltCluster => {
        switch (c.provider) {
            case "idc":
                return buildIdcSite(c, spec);
            case "eks":
                return buildEksSite(c, spec);
            case "ack":
                return buildAckSite(c, spec);
        }
    });
    for (const cluster of clusters) {
        if (cluster.access) addClusterNetworking(cluster, spec);
        cluster.component.complete(cluster.outputs);
    }
    return { spec, clusters };
}
