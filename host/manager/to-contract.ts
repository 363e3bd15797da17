// Turns the store's rows into the contract's messages for a driver request.
import {
  type CallerContext,
  type CgSnapshot,
  CgSnapshotStatus,
  type ConsistencyGroup,
  GroupStatus,
  type Snapshot,
  SnapshotStatus,
  type Volume,
  VolumeStatus,
} from "../contract.js";
import type { CgSnapshotRow, GroupRow, SnapshotRow, VolumeRow } from "../model.js";

const GROUP_STATUS: Record<GroupRow["status"], GroupStatus> = {
  creating: GroupStatus.GROUP_STATUS_CREATING,
  available: GroupStatus.GROUP_STATUS_AVAILABLE,
  error: GroupStatus.GROUP_STATUS_ERROR,
  deleting: GroupStatus.GROUP_STATUS_DELETING,
  error_deleting: GroupStatus.GROUP_STATUS_ERROR_DELETING,
  updating: GroupStatus.GROUP_STATUS_UPDATING,
  deleted: GroupStatus.GROUP_STATUS_DELETED,
};

const VOLUME_STATUS: Record<VolumeRow["status"], VolumeStatus> = {
  creating: VolumeStatus.VOLUME_STATUS_CREATING,
  available: VolumeStatus.VOLUME_STATUS_AVAILABLE,
  "in-use": VolumeStatus.VOLUME_STATUS_IN_USE,
  error: VolumeStatus.VOLUME_STATUS_ERROR,
  deleting: VolumeStatus.VOLUME_STATUS_DELETING,
  error_deleting: VolumeStatus.VOLUME_STATUS_ERROR_DELETING,
  deleted: VolumeStatus.VOLUME_STATUS_DELETED,
};

const CGSNAPSHOT_STATUS: Record<CgSnapshotRow["status"], CgSnapshotStatus> = {
  creating: CgSnapshotStatus.CG_SNAPSHOT_STATUS_CREATING,
  available: CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE,
  error: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR,
  deleting: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETING,
  error_deleting: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING,
  deleted: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED,
};

const SNAPSHOT_STATUS: Record<SnapshotRow["status"], SnapshotStatus> = {
  creating: SnapshotStatus.SNAPSHOT_STATUS_CREATING,
  available: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE,
  error: SnapshotStatus.SNAPSHOT_STATUS_ERROR,
  deleting: SnapshotStatus.SNAPSHOT_STATUS_DELETING,
  error_deleting: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING,
  deleted: SnapshotStatus.SNAPSHOT_STATUS_DELETED,
};

/** A group row as the contract's ConsistencyGroup. */
export function groupMessage(row: GroupRow): ConsistencyGroup {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    projectId: row.projectId,
    volumeTypes: row.volumeTypes,
    status: GROUP_STATUS[row.status],
    providerLocation: row.providerLocation ?? "",
    providerId: row.providerId ?? "",
    metadata: row.metadata,
  };
}

/** A volume row as the contract's Volume. */
export function volumeMessage(row: VolumeRow): Volume {
  return {
    id: row.id,
    name: row.name,
    sizeGb: row.sizeGb,
    volumeType: row.volumeType,
    projectId: row.projectId,
    status: VOLUME_STATUS[row.status],
    groupId: row.groupId ?? "",
    providerLocation: row.providerLocation ?? "",
    providerId: row.providerId ?? "",
    metadata: row.metadata,
  };
}

/** A cgsnapshot row as the contract's CgSnapshot. */
export function cgsnapshotMessage(row: CgSnapshotRow): CgSnapshot {
  return {
    id: row.id,
    groupId: row.groupId,
    name: row.name,
    description: row.description,
    projectId: row.projectId,
    status: CGSNAPSHOT_STATUS[row.status],
    providerLocation: row.providerLocation ?? "",
    providerId: row.providerId ?? "",
    metadata: row.metadata,
  };
}

/** A snapshot row as the contract's Snapshot. */
export function snapshotMessage(row: SnapshotRow): Snapshot {
  return {
    id: row.id,
    cgsnapshotId: row.cgsnapshotId,
    volumeId: row.volumeId,
    volumeSizeGb: row.volumeSizeGb,
    status: SNAPSHOT_STATUS[row.status],
    providerLocation: row.providerLocation ?? "",
    providerId: row.providerId ?? "",
    metadata: row.metadata,
  };
}

/** The caller's identity as the contract's CallerContext. */
export function callerMessage(caller: { requestId: string; projectId: string; userId: string }): CallerContext {
  return { requestId: caller.requestId, projectId: caller.projectId, userId: caller.userId };
}
