// The ordered registry of add-ons. Each line pairs an add-on (a folder under components/) with
// the function that maps the validated spec to its args; `undefined` means a cluster (or the
// fleet) does not get it. Order between add-ons comes from their `needs`, not from this list.
import { yieldToEventLoop } from "../components/core/batches";
import type { AddonResult, ClusterAddon, ClusterHandle, FleetAddon } from "../components/core/contract";
import { federationAddon } from "../components/federation/addon";
import { kubeletCsrApproverAddon } from "../components/kubeletcerts/addon";
import { linksAddon } from "../components/links/addon";
import { meshAddon } from "../components/mesh/addon";
import { cniAddon, tenantsAddon } from "../components/network/addons";
import { tenantPools } from "../components/network/tenants/render";
import { federationArgs } from "./federation";
import { linksArgs } from "./links";
import { meshArgs } from "./mesh";
import { monitoringAddon, observabilityAddon } from "../components/observability/addons";
import { clusterMonitoringArgs, thanosFleetArgs } from "./observability";
import type { ClusterSpec, FleetSpec } from "./spec";

// The registry holds entries of different args types; each entry is typed where it is made (onCluster, onFleet).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ClusterAddonEntry<A = any> {
    addon: ClusterAddon<A>;
    args: (cluster: ClusterSpec, fleet: FleetSpec) => A | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface FleetAddonEntry<A = any> {
    addon: FleetAddon<A>;
    args: (fleet: FleetSpec, clusters: ClusterHandle[]) => A | undefined;
}
export const onCluster = <A>(addon: ClusterAddon<A>, args: ClusterAddonEntry<A>["args"]): ClusterAddonEntry<A> => ({ addon, args });
export const onFleet = <A>(addon: FleetAddon<A>, args: FleetAddonEntry<A>["args"]): FleetAddonEntry<A> => ({ addon, args });

export const clusterAddons: ClusterAddonEntry[] = [
    onCluster(cniAddon, (c) =>
        c.provider === "ack"
            ? undefined
            : c.network.cni === "calico"
              ? { kind: "calico" as const, spec: c }
              : c.network.cni === "cilium"
                ? { kind: "cilium" as const, spec: c }
                : undefined,
    ),
    onCluster(tenantsAddon, (c) =>
        c.network.tenants.length === 0 ? undefined : { tenants: c.network.tenants, poolsOf: (ns: string) => (c.provider === "ack" ? [] : tenantPools(c, ns)) },
    ),
    onCluster(monitoringAddon, clusterMonitoringArgs),
    // IDC kubelets request CA-signed serving certificates (serverTLSBootstrap): approve them for the spec's own nodes.
    onCluster(kubeletCsrApproverAddon, (c) =>
        c.provider === "idc"
            ? {
                  nodeNames: [...c.controlPlane.hosts, ...c.workers].map((h) => h.name),
                  nodeAddresses: [...c.controlPlane.hosts, ...c.workers].map((h) => h.address),
              }
            : undefined,
    ),
];

export const fleetAddons: FleetAddonEntry[] = [
    // links, mesh, federation, observability: one line each.
    onFleet(linksAddon, (fleet) => linksArgs(fleet)),
    onFleet(meshAddon, (fleet) => meshArgs(fleet)),
    onFleet(federationAddon, (fleet) => federationArgs(fleet)),
    onFleet(observabilityAddon, (fleet) => thanosFleetArgs(fleet)),
];

/**
 * Registry entries in install order: every add-on after the ones it needs, otherwise in registry
 * order. A need that names no add-on, or a cycle, is a programming error caught by the tests.
 */
export function installOrder<E extends { addon: { name: string; needs: readonly string[] } }>(entries: E[]): E[] {
    const byName = new Map(entries.map((e) => [e.addon.name, e]));
    if (byName.size !== entries.length) throw new Error("add-on names must be unique in the registry");
    const done = new Set<string>();
    const visiting = new Set<string>();
    const order: E[] = [];
    const visit = (e: E, chain: string[]): void => {
        if (done.has(e.addon.name)) return;
        if (visiting.has(e.addon.name)) throw new Error(`add-on dependency cycle: ${[...chain, e.addon.name].join(" -> ")}`);
        visiting.add(e.addon.name);
        for (const need of e.addon.needs) {
            const dep = byName.get(need);
            if (!dep) throw new Error(`add-on ${e.addon.name} needs ${need}, which is not in the registry`);
            visit(dep, [...chain, e.addon.name]);
        }
        visiting.delete(e.addon.name);
        done.add(e.addon.name);
        order.push(e);
    };
    for (const e of entries) visit(e, []);
    return order;
}

/** Installs the cluster add-ons a cluster gets, each after what it needs; returns each one's result. */
export function installClusterAddons(handle: ClusterHandle, spec: ClusterSpec, fleetSpec: FleetSpec, entries = clusterAddons): Map<string, AddonResult> {
    const results = new Map<string, AddonResult>();
    for (const { addon, args } of installOrder(entries)) {
        const a = args(spec, fleetSpec);
        if (a === undefined) continue;
        // A need this cluster does not get (e.g. no CNI of ours on ACK) is satisfied by the site itself.
        const after = addon.needs.flatMap((n) => results.get(n)?.ready ?? []);
        results.set(addon.name, addon.install(handle, a, after));
    }
    return results;
}

/** Installs the fleet add-ons once every cluster exists, yielding to the event loop before each (core/batches.ts). */
export async function installFleetAddons(handles: ClusterHandle[], fleetSpec: FleetSpec, entries = fleetAddons): Promise<Map<string, AddonResult>> {
    const results = new Map<string, AddonResult>();
    for (const { addon, args } of installOrder(entries)) {
        const a = args(fleetSpec, handles);
        if (a === undefined) continue;
        await yieldToEventLoop();
        const after = addon.needs.flatMap((n) => results.get(n)?.ready ?? []);
        results.set(addon.name, await addon.install(handles, a, after));
    }
    return results;
}
