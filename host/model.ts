// The host's domain model: rows as the store holds them, statuses as the reference's strings.
// Pure types and constant tables only; every layer of host/ may import this file.

/** Status of a consistency group. */
export type GroupStatus =
  | "creating"
  | "available"
  | "error"
  | "deleting"
  | "error_deleting"
  | "updating"
  | "deleted";

/** Status of a volume. */
export type VolumeStatus =
  | "creating"
  | "available"
  | "in-use"
  | "error"
  | "deleting"
  | "error_deleting"
  | "deleted";

/** Status of a cgsnapshot. */
export type CgSnapshotStatus = "creating" | "available" | "error" | "deleting" | "error_deleting" | "deleted";

/** Status of a member snapshot of a cgsnapshot. */
export type SnapshotStatus = CgSnapshotStatus;

/** The four kinds of row the rules write. */
export type EntityKind = "group" | "volume" | "cgsnapshot" | "snapshot";

/** The six driver operations, named as the journal stores them. */
export type OperationKind =
  | "create_group"
  | "create_group_from_source"
  | "delete_group"
  | "update_group"
  | "create_cgsnapshot"
  | "delete_cgsnapshot";

export const OPERATION_KINDS: readonly OperationKind[] = [
  "create_group",
  "create_group_from_source",
  "delete_group",
  "update_group",
  "create_cgsnapshot",
  "delete_cgsnapshot",
];

/** Statuses no outcome may leave a row in. */
export const TRANSITIONAL_STATUSES: readonly string[] = ["creating", "deleting", "updating"];

/** `error` or `error_deleting`. */
export function isErrorLike(status: string | undefined): boolean {
  return status === "error" || status === "error_deleting";
}

/** The last error recorded on a row, shown to the user. */
export interface LastError {
  /** Stable host error code, for example `DRIVER_FAILED` or `MALFORMED_RESPONSE`. */
  code: string;
  /** The gRPC status code of the plugin's answer, when there was one. */
  grpcCode?: number;
  message: string;
  /** ISO-8601 time the error was recorded. */
  at: string;
  operationId: string;
}

/** Fields every row shares. */
export interface RowCommon {
  id: string;
  projectId: string;
  providerLocation: string | null;
  providerId: string | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  lastError: LastError | null;
}

export interface GroupRow extends RowCommon {
  name: string;
  description: string;
  volumeTypes: string[];
  status: GroupStatus;
  /** Set on a group made by create-from-source: the cgsnapshot it was made from. */
  sourceCgsnapshotId: string | null;
  /** Set on a group made by create-from-source: the group it was made from. */
  sourceGroupId: string | null;
}

export interface VolumeRow extends RowCommon {
  name: string;
  sizeGb: number;
  volumeType: string;
  status: VolumeStatus;
  groupId: string | null;
  /** For a volume made by create-from-source: the snapshot or volume it was copied from. */
  sourceId: string | null;
}

export interface CgSnapshotRow extends RowCommon {
  groupId: string;
  name: string;
  description: string;
  status: CgSnapshotStatus;
}

export interface SnapshotRow extends RowCommon {
  cgsnapshotId: string;
  volumeId: string;
  volumeSizeGb: number;
  status: SnapshotStatus;
}

/** The fields a driver may change on a row (RULES.md section 7). */
export interface ProviderFields {
  providerLocation?: string;
  providerId?: string;
  /** Keys merged into the stored driver metadata. */
  metadata?: Record<string, string>;
}

/**
 * One row change decided by the rules. The store applies it as compare-and-set: the row must
 * still hold one of `expect` (the transitional status the manager wrote), or the whole outcome
 * rolls back.
 */
export interface RowWrite {
  kind: EntityKind;
  id: string;
  /** Statuses the row must hold for the write to apply. */
  expect: readonly string[];
  /** The final status. `deleted` together with `softDelete` removes the row from listings. */
  status: string;
  /** Set `deleted_at` (soft delete). */
  softDelete?: boolean;
  /** Driver-reported fields to apply. */
  provider?: ProviderFields;
  /** Volumes only: the new group (a string), leave it (null), or unchanged (undefined). */
  groupId?: string | null;
  /** Record this as the row's last error; undefined leaves the stored one. */
  lastError?: LastError;
}

/** The state of a journal entry. */
export type JournalState = "open" | "closed";

/** One journaled operation (RULES.md section 9). */
export interface JournalEntry {
  operationId: string;
  kind: OperationKind;
  /** The group the operation serialises on. */
  groupId: string;
  /** The ids of every row the operation wrote a transitional status to, by kind. */
  rows: { groups: string[]; volumes: string[]; cgsnapshots: string[]; snapshots: string[] };
  /** Operation-specific request data needed to re-issue the call after a restart (JSON). */
  request: unknown;
  state: JournalState;
  /** How the operation ended: the rule id that decided it, or the reason it was failed. */
  result: string | null;
  createdAt: string;
  closedAt: string | null;
}
