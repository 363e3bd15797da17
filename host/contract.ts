// The one module of host/ that imports the generated contract (gen/); the rest of host/ imports
// the contract from here, so a change of generator touches one file.
import {
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
} from "../gen/cgdriver/v1/driver.js";
import { Operation } from "../gen/cgdriver/v1/plugin.js";
import type { OperationKind } from "./model.js";

export {
  ConsistencyGroupDriverServiceClient,
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
  UpdateConsistencyGroupRequest,
  UpdateConsistencyGroupResponse,
} from "../gen/cgdriver/v1/driver.js";
export {
  GetCapabilitiesResponse,
  GetPluginInfoResponse,
  Operation,
  PluginServiceClient,
  ProbeResponse,
  SourceKind,
} from "../gen/cgdriver/v1/plugin.js";
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

/** The request message of each operation. */
export interface RequestByKind {
  create_group: CreateConsistencyGroupRequest;
  create_group_from_source: CreateConsistencyGroupFromSourceRequest;
  delete_group: DeleteConsistencyGroupRequest;
  update_group: UpdateConsistencyGroupRequest;
  create_cgsnapshot: CreateCgSnapshotRequest;
  delete_cgsnapshot: DeleteCgSnapshotRequest;
}

/** The response message of each operation. */
export interface ResponseByKind {
  create_group: CreateConsistencyGroupResponse;
  create_group_from_source: CreateConsistencyGroupFromSourceResponse;
  delete_group: DeleteConsistencyGroupResponse;
  update_group: UpdateConsistencyGroupResponse;
  create_cgsnapshot: CreateCgSnapshotResponse;
  delete_cgsnapshot: DeleteCgSnapshotResponse;
}

/** Each operation's RPC method name on ConsistencyGroupDriverService and capability enum value. */
export const RPC_BY_KIND: Readonly<Record<OperationKind, { method: string; operation: Operation }>> = {
  create_group: { method: "CreateConsistencyGroup", operation: Operation.OPERATION_CREATE_CONSISTENCY_GROUP },
  create_group_from_source: {
    method: "CreateConsistencyGroupFromSource",
    operation: Operation.OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE,
  },
  delete_group: { method: "DeleteConsistencyGroup", operation: Operation.OPERATION_DELETE_CONSISTENCY_GROUP },
  update_group: { method: "UpdateConsistencyGroup", operation: Operation.OPERATION_UPDATE_CONSISTENCY_GROUP },
  create_cgsnapshot: { method: "CreateCgSnapshot", operation: Operation.OPERATION_CREATE_CG_SNAPSHOT },
  delete_cgsnapshot: { method: "DeleteCgSnapshot", operation: Operation.OPERATION_DELETE_CG_SNAPSHOT },
};
