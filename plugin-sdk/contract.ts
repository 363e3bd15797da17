// The one module of plugin-sdk/ that imports the generated contract (gen/); the rest of the SDK
// imports it from here, so a change of generator touches one file.
export {
  CgSnapshotSource,
  ConsistencyGroupDriverServiceService,
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
  GroupSource,
  UpdateConsistencyGroupRequest,
  UpdateConsistencyGroupResponse,
} from "../gen/cgdriver/v1/driver.js";
export type { ConsistencyGroupDriverServiceServer, DeepPartial } from "../gen/cgdriver/v1/driver.js";
export {
  GetCapabilitiesRequest,
  GetCapabilitiesResponse,
  GetPluginInfoRequest,
  GetPluginInfoResponse,
  Operation,
  PluginServiceService,
  ProbeRequest,
  ProbeResponse,
  SourceKind,
} from "../gen/cgdriver/v1/plugin.js";
export type { PluginServiceServer } from "../gen/cgdriver/v1/plugin.js";
export {
  CallerContext,
  CgSnapshot,
  CgSnapshotStatus,
  CgSnapshotUpdate,
  ConsistencyGroup,
  GroupStatus,
  GroupUpdate,
  Snapshot,
  SnapshotStatus,
  SnapshotUpdate,
  SnapshotUpdateList,
  Volume,
  VolumeStatus,
  VolumeUpdate,
  VolumeUpdateList,
} from "../gen/cgdriver/v1/types.js";
