// The host library's public API: what a volume service embeds. End-user symbols first.
export { openHost, type OpenHostOptions, type PluginTarget } from "./manager/open-host.js";
export {
  createHost,
  Host,
  type Caller,
  type CgSnapshotView,
  type GroupSourceInput,
  type GroupView,
  type HostEvents,
  type HostOptions,
  type OperationEvent,
  type OperationRecord,
  type OperationState,
  type PluginCallEvent,
} from "./manager/host.js";
export {
  HOST_ERROR_CODES,
  HostError,
  type HostErrorCode,
  type OperationFailure,
  type WrittenStatus,
} from "./manager/errors.js";
export type { CreateGroupInput, RegisterVolumeInput } from "./manager/inputs.js";
export type { RecoveredOperation, RecoverySummary } from "./manager/recovery.js";
export { DEFAULT_DEADLINES_MS } from "./manager/deadlines.js";
export { DEFAULT_JOURNAL_RETENTION_MS, DEFAULT_OUTCOME_WAIT_MS } from "./manager/host.js";
export type {
  CgSnapshotRow,
  CgSnapshotStatus,
  GroupRow,
  GroupStatus,
  LastError,
  OperationKind,
  SnapshotRow,
  SnapshotStatus,
  VolumeRow,
  VolumeStatus,
} from "./model.js";
export { isStoreRefusal, openSqliteStore, type Durability, type Store } from "./store/index.js";
export { connectPlugin, launchPlugin, PluginLaunchError, PLUGIN_LAUNCH_ERROR_CODES, type PluginLaunchErrorCode } from "./plugin/index.js";
export type { LaunchTransport, SidecarTlsOptions } from "./plugin/index.js";
export type { PluginCapabilities, PluginClient, PluginInfo } from "./plugin/plugin-client.js";
