// The Store interface: what the manager needs from persistence, with its semantics written down.
import type {
  CgSnapshotRow,
  EntityKind,
  GroupRow,
  JournalEntry,
  JournalState,
  LastError,
  OperationKind,
  RowWrite,
  SnapshotRow,
  VolumeRow,
} from "../model.js";

/** How hard a commit tries to survive: see README "Durability". */
export type Durability = "normal" | "full";

/** Filters for listings; soft-deleted rows are left out unless `includeDeleted` is set. */
export interface ListFilter {
  includeDeleted?: boolean;
}

/** A new row as inserted; the store fills timestamps, metadata `{}` and null provider fields. */
export type NewGroup = Pick<
  GroupRow,
  "id" | "name" | "description" | "projectId" | "volumeTypes" | "status" | "sourceCgsnapshotId" | "sourceGroupId"
>;
export type NewVolume = Pick<
  VolumeRow,
  "id" | "name" | "sizeGb" | "volumeType" | "projectId" | "status" | "groupId" | "sourceId"
>;
export type NewCgSnapshot = Pick<CgSnapshotRow, "id" | "groupId" | "name" | "description" | "projectId" | "status">;
export type NewSnapshot = Pick<SnapshotRow, "id" | "cgsnapshotId" | "volumeId" | "volumeSizeGb" | "status">;

/** A compare-and-set status move: every row in `ids` must hold one of `from`. */
export interface StatusMove {
  kind: EntityKind;
  ids: readonly string[];
  from: readonly string[];
  to: string;
  /** See Parents: the group (of volumes) or cgsnapshot (of snapshots) whose live rows `ids` all are. */
  parent?: string;
}

/**
 * A hint for large moves and writes: the named volumes are, as the caller read them, every live
 * volume of `volume` (a group id); the named snapshots every live snapshot of `snapshot` (a
 * cgsnapshot id). The store may then update through the parent's index instead of looking up the
 * primary key once per id (a 100,000-row UPDATE: about half the time). It checks that the rows
 * changed are exactly the rows named, and otherwise undoes that and goes by id: a wrong hint
 * costs time, never a different result.
 */
export interface Parents {
  volume?: string;
  snapshot?: string;
}

/**
 * Persistence for groups, volumes, cgsnapshots, snapshots and the operation journal.
 *
 * Semantics every implementation keeps:
 * - `transaction(fn)` runs fn atomically: everything it writes commits together or not at all
 *   (fn throwing rolls back and rethrows). Nested calls join the outer transaction.
 * - `commit(fn)` is `transaction(fn)` for callers that can wait: it runs fn, with the other
 *   commit() calls made in the same turn of the event loop, in one shared transaction (a group
 *   commit), each fn in its own savepoint; it resolves once that transaction is committed. A fn
 *   that throws rolls back alone and rejects only its own promise; a commit that fails rejects
 *   them all. Under concurrent operations this is what keeps the commit cost per operation low.
 * - `moveStatus` and `applyWrites` are compare-and-set: when any named row does not hold an
 *   expected status (or does not exist, or is soft-deleted), they throw `StatusConflictError`
 *   naming the row, its status and the expected ones, and (inside `transaction`) nothing of that
 *   transaction is kept. So two hosts, or two calls, on one database cannot both move a row.
 * - Reads of a missing id return undefined; soft-deleted rows are returned by `get*` (with
 *   `deletedAt` set) but left out of listings unless asked for.
 * - Timestamps are ISO-8601 strings set by the store; `updatedAt` changes on every write.
 * - When the database itself refuses (disk full, an I/O error, a lock held past the busy
 *   timeout), the error thrown carries SQLite's extended result code as `code` (`SQLITE_FULL`,
 *   `SQLITE_IOERR_WRITE`, `SQLITE_BUSY`, ...): see isStoreRefusal. The transaction kept nothing.
 */
export interface Store {
  transaction<T>(fn: () => T): T;
  commit<T>(fn: () => T): Promise<T>;
  /** Runs fn's reads as one read transaction: one snapshot, and the file locks taken once, not per read. */
  read<T>(fn: () => T): T;

  getGroup(id: string): GroupRow | undefined;
  listGroups(filter?: ListFilter): GroupRow[];
  getVolume(id: string): VolumeRow | undefined;
  /** Rows by id, in the order asked, soft-deleted included; undefined where an id does not exist. */
  getVolumes(ids: readonly string[]): Array<VolumeRow | undefined>;
  listVolumes(filter?: ListFilter & { groupId?: string }): VolumeRow[];
  /** How many rows listVolumes would return for a group, without reading them. */
  countVolumes(filter: ListFilter & { groupId: string }): number;
  getCgSnapshot(id: string): CgSnapshotRow | undefined;
  listCgSnapshots(filter?: ListFilter & { groupId?: string }): CgSnapshotRow[];
  getSnapshot(id: string): SnapshotRow | undefined;
  getSnapshots(ids: readonly string[]): Array<SnapshotRow | undefined>;
  /** Snapshots of one cgsnapshot, in insertion order. */
  listSnapshots(cgsnapshotId: string, filter?: ListFilter): SnapshotRow[];
  /** How many rows listSnapshots would return, without reading them. */
  countSnapshots(cgsnapshotId: string, filter?: ListFilter): number;

  /** Inserts a group; returns the row as stored (what getGroup would return now). */
  insertGroup(row: NewGroup): GroupRow;
  insertVolume(row: NewVolume): void;
  insertCgSnapshot(row: NewCgSnapshot): void;
  /** Inserts the snapshots (each cgsnapshot's in order) and returns them as stored, in the order given. */
  insertSnapshots(rows: readonly NewSnapshot[]): SnapshotRow[];

  /** Compare-and-set status move; throws StatusConflictError when any row does not match. Returns the `updatedAt` it stamped. */
  moveStatus(move: StatusMove): string;
  /**
   * Applies the rules' writes, each compare-and-set; throws StatusConflictError on a mismatch.
   * Returns the timestamp it stamped (`updatedAt`, and `deletedAt` of soft deletes): each row is
   * then what rowAfterWrite (written-rows.ts) computes.
   */
  applyWrites(writes: readonly RowWrite[], parents?: Parents): string;
  /** Records `error` as the last error of the named rows without touching their status. */
  recordLastError(kind: EntityKind, ids: readonly string[], error: LastError): void;
  /** Sets a volume's status between `available` and `in-use` (attach/detach by the volume service). */
  setVolumeAttached(id: string, attached: boolean): void;

  openJournal(entry: Omit<JournalEntry, "state" | "result" | "createdAt" | "closedAt">): void;
  closeJournal(operationId: string, result: string): void;
  getJournal(operationId: string): JournalEntry | undefined;
  /** Deletes closed entries of operations started at or before `startedBy` (ISO-8601); returns how many. Open entries stay. */
  pruneJournal(startedBy: string): number;
  /** Entries still open: operations a host died in the middle of, or in flight. Oldest first; only `kind` when given. */
  listOpenJournal(filter?: { kind?: OperationKind }): JournalEntry[];
  /**
   * Journal entries without their row ids and request, newest first (by operation id), at most
   * `limit`, those after `before` (an operation id) when given: a page, in time however long the
   * journal is.
   */
  listJournalSummaries(filter: JournalSummaryFilter): JournalSummary[];

  close(): void;
}

/** What listJournalSummaries returns. */
export interface JournalSummaryFilter {
  /** Only entries still open. */
  openOnly?: boolean;
  /** Only the entries filed under this group. */
  groupId?: string;
  /** Only entries with an operation id below this one (the last of the previous page). */
  before?: string;
  limit: number;
}

/** A journal entry without its row ids and request: what a listing shows. */
export interface JournalSummary {
  operationId: string;
  kind: OperationKind;
  groupId: string;
  state: JournalState;
  result: string | null;
  createdAt: string;
  closedAt: string | null;
  /** The request id of the call that started it ("" when the entry does not record one). */
  requestId: string;
  /** How many rows of each kind it names. */
  counts: { groups: number; volumes: number; cgsnapshots: number; snapshots: number };
}

/** Thrown by compare-and-set writes when a row is not in an expected status. */
export class StatusConflictError extends Error {
  readonly code = "STATUS_CONFLICT";
  constructor(
    readonly kind: EntityKind,
    readonly id: string,
    readonly actual: string | undefined,
    readonly expected: readonly string[],
  ) {
    super(
      `STATUS_CONFLICT: ${kind} ${id} is ${actual === undefined ? "missing or deleted" : `'${actual}'`}, ` +
        `expected one of ${expected.map((s) => `'${s}'`).join(", ")}; another call changed it first, reload and retry`,
    );
    this.name = "StatusConflictError";
  }
}

/** SQLite result codes that say the database could not do it now, whatever the data: worth trying again later. */
const REFUSAL_CODES = ["SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_NOMEM"];

/**
 * True for an error by which the database refused a transaction for a reason outside the data
 * (disk full, I/O error, a lock held too long, a file made read-only): the same transaction may
 * succeed once that is fixed. A constraint or a status conflict is not one.
 */
export function isStoreRefusal(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && REFUSAL_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}
