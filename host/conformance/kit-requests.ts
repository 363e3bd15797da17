// The objects the kit creates and the requests it sends about them, built as the host builds
// them: fresh UUIDs, the transitional status the host writes before each call, and the provider
// fields and metadata of earlier answers.
import { randomUUID } from "node:crypto";
import {
  CgSnapshotStatus,
  CreateCgSnapshotRequest,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupRequest,
  DeleteCgSnapshotRequest,
  DeleteConsistencyGroupRequest,
  GroupStatus,
  SnapshotStatus,
  UpdateConsistencyGroupRequest,
  VolumeStatus,
  type CgSnapshot,
  type ConsistencyGroup,
  type Snapshot,
  type Volume,
} from "../contract.js";

/** The project every kit object belongs to, so a driver author can tell them apart on the backend. */
export const KIT_PROJECT_ID = "cghost-conformance";
/** The volume type of every kit volume and group. */
export const KIT_VOLUME_TYPE = "conformance";
/** The size of every kit volume, in GB: the smallest a backend can have. */
export const KIT_VOLUME_SIZE_GB = 1;

/** Fields a driver may set, kept from its answers as the host keeps them. */
export interface Provided {
  providerLocation: string;
  providerId: string;
  metadata: Record<string, string>;
}

export interface KitVolume extends Provided {
  id: string;
  name: string;
  sizeGb: number;
  /** The group it belongs to, "" while in none. */
  groupId: string;
}

export interface KitGroup extends Provided {
  id: string;
  name: string;
  /** Member volumes, in the order they joined. */
  volumeIds: string[];
}

export interface KitSnapshot extends Provided {
  id: string;
  volumeId: string;
  volumeSizeGb: number;
}

export interface KitCgSnapshot extends Provided {
  id: string;
  groupId: string;
  name: string;
  snapshots: KitSnapshot[];
}

/** A new id; every id the kit ever sends is made here. */
export function newId(): string {
  return randomUUID();
}

function provided(): Provided {
  return { providerLocation: "", providerId: "", metadata: {} };
}

/** A group object with a fresh id, not yet sent. */
export function newKitGroup(label: string): KitGroup {
  const id = newId();
  return { id, name: `conformance-${label}`, volumeIds: [], ...provided() };
}

/** A volume object with a fresh id, in no group, not yet sent. */
export function newKitVolume(label: string): KitVolume {
  return { id: newId(), name: `conformance-${label}`, sizeGb: KIT_VOLUME_SIZE_GB, groupId: "", ...provided() };
}

/** A cgsnapshot object of `group` with one snapshot per member volume, not yet sent. */
export function newKitCgSnapshot(label: string, group: KitGroup, volumes: ReadonlyMap<string, KitVolume>): KitCgSnapshot {
  const snapshots = group.volumeIds.map((volumeId) => ({
    id: newId(),
    volumeId,
    volumeSizeGb: volumes.get(volumeId)?.sizeGb ?? KIT_VOLUME_SIZE_GB,
    ...provided(),
  }));
  return { id: newId(), groupId: group.id, name: `conformance-${label}`, snapshots, ...provided() };
}

function context(): { requestId: string; projectId: string; userId: string } {
  return { requestId: `req-${newId()}`, projectId: KIT_PROJECT_ID, userId: "cghost-conformance" };
}

function groupMessage(group: KitGroup, status: GroupStatus): ConsistencyGroup {
  return {
    id: group.id,
    name: group.name,
    description: "made by cghost conformance; safe to delete",
    projectId: KIT_PROJECT_ID,
    volumeTypes: [KIT_VOLUME_TYPE],
    status,
    providerLocation: group.providerLocation,
    providerId: group.providerId,
    metadata: { ...group.metadata },
  };
}

function volumeMessage(volume: KitVolume, status: VolumeStatus, groupId = volume.groupId): Volume {
  return {
    id: volume.id,
    name: volume.name,
    sizeGb: volume.sizeGb,
    volumeType: KIT_VOLUME_TYPE,
    projectId: KIT_PROJECT_ID,
    status,
    groupId,
    providerLocation: volume.providerLocation,
    providerId: volume.providerId,
    metadata: { ...volume.metadata },
  };
}

function cgsnapshotMessage(cgsnapshot: KitCgSnapshot, status: CgSnapshotStatus): CgSnapshot {
  return {
    id: cgsnapshot.id,
    groupId: cgsnapshot.groupId,
    name: cgsnapshot.name,
    description: "made by cghost conformance; safe to delete",
    projectId: KIT_PROJECT_ID,
    status,
    providerLocation: cgsnapshot.providerLocation,
    providerId: cgsnapshot.providerId,
    metadata: { ...cgsnapshot.metadata },
  };
}

function snapshotMessage(cgsnapshotId: string, snapshot: KitSnapshot, status: SnapshotStatus): Snapshot {
  return {
    id: snapshot.id,
    cgsnapshotId,
    volumeId: snapshot.volumeId,
    volumeSizeGb: snapshot.volumeSizeGb,
    status,
    providerLocation: snapshot.providerLocation,
    providerId: snapshot.providerId,
    metadata: { ...snapshot.metadata },
  };
}

/** CreateConsistencyGroup: the group `creating`. */
export function createGroupRequest(operationId: string, group: KitGroup): CreateConsistencyGroupRequest {
  return CreateConsistencyGroupRequest.fromPartial({
    operationId,
    context: context(),
    group: groupMessage(group, GroupStatus.GROUP_STATUS_CREATING),
  });
}

/** UpdateConsistencyGroup: the group `updating`; added volumes `available` in no group, removed ones `available` in it. */
export function updateGroupRequest(operationId: string, group: KitGroup, add: readonly KitVolume[], remove: readonly KitVolume[]): UpdateConsistencyGroupRequest {
  return UpdateConsistencyGroupRequest.fromPartial({
    operationId,
    context: context(),
    group: groupMessage(group, GroupStatus.GROUP_STATUS_UPDATING),
    addVolumes: add.map((v) => volumeMessage(v, VolumeStatus.VOLUME_STATUS_AVAILABLE, "")),
    removeVolumes: remove.map((v) => volumeMessage(v, VolumeStatus.VOLUME_STATUS_AVAILABLE, group.id)),
  });
}

/** CreateCgSnapshot: the cgsnapshot and its snapshots `creating`, the group `available`. */
export function createCgSnapshotRequest(operationId: string, cgsnapshot: KitCgSnapshot, group: KitGroup): CreateCgSnapshotRequest {
  return CreateCgSnapshotRequest.fromPartial({
    operationId,
    context: context(),
    cgsnapshot: cgsnapshotMessage(cgsnapshot, CgSnapshotStatus.CG_SNAPSHOT_STATUS_CREATING),
    snapshots: cgsnapshot.snapshots.map((s) => snapshotMessage(cgsnapshot.id, s, SnapshotStatus.SNAPSHOT_STATUS_CREATING)),
    group: groupMessage(group, GroupStatus.GROUP_STATUS_AVAILABLE),
  });
}

/** The source of a create-from-source, with its items in target order. */
export type KitSource =
  | { kind: "cgsnapshot"; cgsnapshot: KitCgSnapshot }
  | { kind: "group"; group: KitGroup; volumes: readonly KitVolume[] };

/** CreateConsistencyGroupFromSource: the group and targets `creating`, the source and its items `available`. */
export function createGroupFromSourceRequest(
  operationId: string,
  group: KitGroup,
  targets: readonly KitVolume[],
  source: KitSource,
): CreateConsistencyGroupFromSourceRequest {
  return CreateConsistencyGroupFromSourceRequest.fromPartial({
    operationId,
    context: context(),
    group: groupMessage(group, GroupStatus.GROUP_STATUS_CREATING),
    volumes: targets.map((v) => volumeMessage(v, VolumeStatus.VOLUME_STATUS_CREATING, group.id)),
    source:
      source.kind === "cgsnapshot"
        ? {
            $case: "cgsnapshotSource",
            value: {
              cgsnapshot: cgsnapshotMessage(source.cgsnapshot, CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE),
              snapshots: source.cgsnapshot.snapshots.map((s) => snapshotMessage(source.cgsnapshot.id, s, SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE)),
            },
          }
        : {
            $case: "groupSource",
            value: {
              group: groupMessage(source.group, GroupStatus.GROUP_STATUS_AVAILABLE),
              volumes: source.volumes.map((v) => volumeMessage(v, VolumeStatus.VOLUME_STATUS_AVAILABLE)),
            },
          },
  });
}

/** DeleteCgSnapshot: the cgsnapshot and its snapshots `deleting`. */
export function deleteCgSnapshotRequest(operationId: string, cgsnapshot: KitCgSnapshot): DeleteCgSnapshotRequest {
  return DeleteCgSnapshotRequest.fromPartial({
    operationId,
    context: context(),
    cgsnapshot: cgsnapshotMessage(cgsnapshot, CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETING),
    snapshots: cgsnapshot.snapshots.map((s) => snapshotMessage(cgsnapshot.id, s, SnapshotStatus.SNAPSHOT_STATUS_DELETING)),
  });
}

/** DeleteConsistencyGroup: the group and every member volume `deleting`. */
export function deleteGroupRequest(operationId: string, group: KitGroup, volumes: readonly KitVolume[]): DeleteConsistencyGroupRequest {
  return DeleteConsistencyGroupRequest.fromPartial({
    operationId,
    context: context(),
    group: groupMessage(group, GroupStatus.GROUP_STATUS_DELETING),
    volumes: volumes.map((v) => volumeMessage(v, VolumeStatus.VOLUME_STATUS_DELETING)),
  });
}
