// The package's API for other tools (portals, bots, release pipelines). Offline: validate a spec,
// plan it (inventory, diff and policy report as data). With the Pulumi CLI: open a stack (inline
// from a FleetSpec, or this project's Pulumi.<stack>.yaml) and preview, up, refresh, destroy or
// read its outputs, for the whole fleet or one cluster, with typed per-cluster progress.
export { validateSpec, validateStack, planOffline, FleetSpecError } from "./offline";
export { rotateTunnelPsk } from "./pskRotation";
export type { PskRotation } from "./pskRotation";
export type { PlanRequest, OfflinePlan } from "./offline";
export { FleetStack, FleetBusyError, FleetOperationError, ProtectedResourcesError, Secret, PROJECT, POLICY_PACK } from "./stack";
export type { FleetStackOptions, OperationOptions, OperationResult, FleetOutputs, ClusterOutputs } from "./stack";
export { FleetProgress, clusterOfUrn, FLEET } from "./events";
export type { FleetEvent, ClusterProgress } from "./events";
export type { FleetSpec } from "../stacks/spec";
export type { InventoryFile, InventoryDiff, InventoryEntry } from "../tools/planDiff";
export type { PolicyReport, PolicyViolation } from "../policy/offline";
