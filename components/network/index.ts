// Cluster networking for every site: Calico or Cilium plus the zero-trust tenant baseline.
// Owner: networking (issue 7).
import type { FleetSpec } from "../../stacks/spec";
import type { BuiltCluster } from "../../stacks/types";

export function addClusterNetworking(_cluster: BuiltCluster, _fleet: FleetSpec): void {
    // Filled in by issue 7.
}
