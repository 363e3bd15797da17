// The one place that turns the contract's status enum numbers into the stored status strings.
// The four enums number their members differently (VOLUME_STATUS_IN_USE shifts the volume enum),
// so each has its own table rather than a shared offset.
import { CgSnapshotStatus, GroupStatus, SnapshotStatus, VolumeStatus } from "../contract.js";
import type { EntityKind } from "../model.js";

const GROUP: ReadonlyMap<number, string> = new Map([
  [GroupStatus.GROUP_STATUS_CREATING, "creating"],
  [GroupStatus.GROUP_STATUS_AVAILABLE, "available"],
  [GroupStatus.GROUP_STATUS_ERROR, "error"],
  [GroupStatus.GROUP_STATUS_DELETING, "deleting"],
  [GroupStatus.GROUP_STATUS_ERROR_DELETING, "error_deleting"],
  [GroupStatus.GROUP_STATUS_UPDATING, "updating"],
  [GroupStatus.GROUP_STATUS_DELETED, "deleted"],
]);

const VOLUME: ReadonlyMap<number, string> = new Map([
  [VolumeStatus.VOLUME_STATUS_CREATING, "creating"],
  [VolumeStatus.VOLUME_STATUS_AVAILABLE, "available"],
  [VolumeStatus.VOLUME_STATUS_IN_USE, "in-use"],
  [VolumeStatus.VOLUME_STATUS_ERROR, "error"],
  [VolumeStatus.VOLUME_STATUS_DELETING, "deleting"],
  [VolumeStatus.VOLUME_STATUS_ERROR_DELETING, "error_deleting"],
  [VolumeStatus.VOLUME_STATUS_DELETED, "deleted"],
]);

const CGSNAPSHOT: ReadonlyMap<number, string> = new Map([
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_CREATING, "creating"],
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE, "available"],
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR, "error"],
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETING, "deleting"],
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING, "error_deleting"],
  [CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED, "deleted"],
]);

const SNAPSHOT: ReadonlyMap<number, string> = new Map([
  [SnapshotStatus.SNAPSHOT_STATUS_CREATING, "creating"],
  [SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE, "available"],
  [SnapshotStatus.SNAPSHOT_STATUS_ERROR, "error"],
  [SnapshotStatus.SNAPSHOT_STATUS_DELETING, "deleting"],
  [SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING, "error_deleting"],
  [SnapshotStatus.SNAPSHOT_STATUS_DELETED, "deleted"],
]);

const TABLES: Readonly<Record<EntityKind, ReadonlyMap<number, string>>> = {
  group: GROUP,
  volume: VOLUME,
  cgsnapshot: CGSNAPSHOT,
  snapshot: SNAPSHOT,
};

const ENUMS: Readonly<Record<EntityKind, Record<number, string>>> = {
  group: GroupStatus,
  volume: VolumeStatus,
  cgsnapshot: CgSnapshotStatus,
  snapshot: SnapshotStatus,
};

/** The stored string of a status enum number; undefined for UNSPECIFIED and numbers outside the enum. */
export function statusName(kind: EntityKind, value: number): string | undefined {
  return TABLES[kind].get(value);
}

/** Every stored string the entity's status enum can name (UNSPECIFIED excluded). */
export function statusNames(kind: EntityKind): string[] {
  return [...TABLES[kind].values()];
}

/** The enum member's name for messages, e.g. `VOLUME_STATUS_IN_USE (3)`, or the bare number when outside the enum. */
export function statusLabel(kind: EntityKind, value: number): string {
  const name = ENUMS[kind][value];
  // UNRECOGNIZED (-1) is ts-proto's placeholder, not a member of the contract.
  return name === undefined || value < 0 ? String(value) : `${name} (${value})`;
}
