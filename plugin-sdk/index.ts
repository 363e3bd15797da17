// The TypeScript driver SDK: implement a Driver, call serve(driver). Everything a driver author
// needs is exported here by name, the most used first.
export { serve, ServeError, type ServeOptions, type ServingPlugin } from "./serve.js";
export { ServeSecurityError, type ServeTlsOptions } from "./server-security.js";
export { SERVE_FLAGS, serveFlagsHelp, serveOptionsFromFlags, ServeFlagsError, type ServeFlagValues } from "./serve-flags.js";
export { DriverError, toServiceError, type DriverErrorOptions } from "./errors.js";
export type { Driver, DriverAnswer, DriverContext, ProbeResult, SourceKindName } from "./driver.js";
export { CgSnapshotStatus, GroupStatus, SnapshotStatus, VolumeStatus } from "./contract.js";
export {
  CreateCgSnapshotRequest,
  CreateCgSnapshotResponse,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupFromSourceResponse,
  CreateConsistencyGroupRequest,
  CreateConsistencyGroupResponse,
  DeleteCgSnapshotRequest,
  DeleteCgSnapshotResponse,
  DeleteConsistencyGroupRequest,
  DeleteConsistencyGroupResponse,
  UpdateConsistencyGroupRequest,
  UpdateConsistencyGroupResponse,
} from "./contract.js";
export {
  CallerContext,
  CgSnapshot,
  CgSnapshotSource,
  CgSnapshotUpdate,
  ConsistencyGroup,
  GroupSource,
  GroupUpdate,
  Snapshot,
  SnapshotUpdate,
  SnapshotUpdateList,
  Volume,
  VolumeUpdate,
  VolumeUpdateList,
} from "./contract.js";
export { Operation, SourceKind } from "./contract.js";
export type { DeepPartial } from "./contract.js";
export { DriverDefinitionError } from "./driver-description.js";
export { LaunchEnvironmentError } from "./launch-environment.js";
export { HandshakeError } from "./handshake.js";
