// The default Store: one SQLite file through better-sqlite3, the Store semantics kept by
// compare-and-set UPDATEs inside transactions.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type {
  CgSnapshotRow,
  CgSnapshotStatus,
  EntityKind,
  GroupRow,
  GroupStatus,
  JournalEntry,
  JournalState,
  LastError,
  OperationKind,
  RowWrite,
  SnapshotRow,
  SnapshotStatus,
  VolumeRow,
  VolumeStatus,
} from "../model.js";
import { Checkpointer, type CheckpointerStats } from "./checkpointer.js";
import { migrate } from "./migrations.js";
import {
  StatusConflictError,
  type Durability,
  type JournalSummary,
  type JournalSummaryFilter,
  type ListFilter,
  type NewCgSnapshot,
  type NewGroup,
  type NewSnapshot,
  type NewVolume,
  type Parents,
  type StatusMove,
  type Store,
} from "./store.js";

/** Where the store lives and how hard each commit tries to survive. */
export interface OpenSqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  path: string;
  /**
   * - `normal` (default): `synchronous=NORMAL` in WAL mode. A commit is safe once the call returns
   *   if the *process* crashes or is killed; an OS crash or power loss may lose the last commits
   *   (never corrupts the file). About 15 µs a commit here.
   * - `full`: `synchronous=FULL`: every commit is fsynced, so it also survives an OS crash or
   *   power loss. About 220 µs a commit here.
   */
  durability?: Durability;
  /**
   * Who copies the write-ahead log into the database file:
   * - `inline` (default): SQLite, inside the commit that takes the log past 1,000 pages; that
   *   commit then takes ~100 ms longer per 20 MB (a 100,000-row write).
   * - `background`: a worker thread with its own connection, every 100 ms, while this connection
   *   goes on writing (checkpointer.ts). Costs ~60 ms of CPU to start: for a long-running host.
   *   A `:memory:` database has no log and ignores it.
   */
  checkpoints?: "inline" | "background";
}

/** What a store's connection actually runs with, read back from SQLite (for diagnostics and tests). */
export interface SqliteStoreSettings {
  path: string;
  /** `wal` for a file database. */
  journalMode: string;
  /** PRAGMA synchronous: 1 (NORMAL) for durability `normal`, 2 (FULL) for `full`. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
  /** PRAGMA user_version: the last migration applied. */
  schemaVersion: number;
  /** Who checkpoints the log now: `background` falls back to `inline` if its worker fails. */
  checkpoints: "inline" | "background";
  /** PRAGMA wal_autocheckpoint: 1000 pages inline, 0 while the worker does it. */
  walAutocheckpoint: number;
}

/** The SQLite store: the Store interface plus a read-back of its connection settings. */
export interface SqliteStore extends Store {
  /** The connection's settings as SQLite reports them. */
  settings(): SqliteStoreSettings;
  /** What the background checkpointer has done; undefined when checkpoints are inline. */
  checkpointStats(): CheckpointerStats | undefined;
}

/** The PRAGMA synchronous value of each durability. */
const SYNCHRONOUS: Record<Durability, string> = { normal: "NORMAL", full: "FULL" };

/** SQLite's default wal_autocheckpoint, restored if the background checkpointer fails. */
const INLINE_AUTOCHECKPOINT_PAGES = 1000;

/** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const TABLES: Record<EntityKind, string> = {
  group: "groups",
  volume: "volumes",
  cgsnapshot: "cgsnapshots",
  snapshot: "snapshots",
};

// Checked before writing so the error names the offending status; the CHECK constraints in the
// schema are the backstop for any other writer.
const GROUP_STATUSES: readonly GroupStatus[] = ["creating", "available", "error", "deleting", "error_deleting", "updating", "deleted"];
const VOLUME_STATUSES: readonly VolumeStatus[] = ["creating", "available", "in-use", "error", "deleting", "error_deleting", "deleted"];
const CGSNAPSHOT_STATUSES: readonly CgSnapshotStatus[] = ["creating", "available", "error", "deleting", "error_deleting", "deleted"];
const SNAPSHOT_STATUSES: readonly SnapshotStatus[] = CGSNAPSHOT_STATUSES;
const STATUSES: Record<EntityKind, ReadonlySet<string>> = {
  group: new Set(GROUP_STATUSES),
  volume: new Set(VOLUME_STATUSES),
  cgsnapshot: new Set(CGSNAPSHOT_STATUSES),
  snapshot: new Set(SNAPSHOT_STATUSES),
};

/** Opens (creating when missing) and migrates the SQLite store at `options.path`. */
export function openSqliteStore(options: OpenSqliteStoreOptions): SqliteStore {
  const durability = options.durability ?? "normal";
  if (!Object.hasOwn(SYNCHRONOUS, durability)) {
    throw new RangeError(`durability '${String(durability)}' is not one of 'normal', 'full'`);
  }
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    // busy_timeout first: switching to WAL and migrating both need locks another opener may hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && options.path !== ":memory:") {
      throw new Error(`SQLite refused WAL mode for ${options.path} (journal_mode is '${String(mode)}'); use a local filesystem`);
    }
    db.pragma(`synchronous = ${SYNCHRONOUS[durability]}`);
    db.pragma("foreign_keys = ON");
    migrate(db);
    if (options.checkpoints === "background" && options.path !== ":memory:") {
      db.pragma("wal_autocheckpoint = 0");
      const checkpointer = new Checkpointer({
        path: db.name,
        synchronous: SYNCHRONOUS[durability],
        busyTimeoutMs: BUSY_TIMEOUT_MS,
        // The log must not grow without bound: this connection takes the work back.
        onFailure: () => {
          if (db.open) db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT_PAGES}`);
        },
      });
      return new SqliteStoreImpl(db, checkpointer);
    }
    return new SqliteStoreImpl(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

type Statement<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

// Row reads fetch arrays (better-sqlite3's raw mode) from explicit column lists: for a
// 100,000-row listing that is about twice as fast as objects. Each list and its tuple type below
// must stay in step; the decoders at the end of this file read them by position.
const COMMON_COLUMNS =
  "id, status, project_id, provider_location, provider_id, metadata, created_at, updated_at, deleted_at, last_error";
type CommonTuple = [
  id: string,
  status: string,
  projectId: string,
  providerLocation: string | null,
  providerId: string | null,
  metadata: string,
  createdAt: string,
  updatedAt: string,
  deletedAt: string | null,
  lastError: string | null,
];
const COLUMNS: Record<EntityKind, string> = {
  group: `${COMMON_COLUMNS}, name, description, volume_types, source_cgsnapshot_id, source_group_id`,
  volume: `${COMMON_COLUMNS}, name, size_gb, volume_type, group_id, source_id`,
  cgsnapshot: `${COMMON_COLUMNS}, group_id, name, description`,
  snapshot: `${COMMON_COLUMNS}, cgsnapshot_id, volume_id, volume_size_gb`,
};
type GroupTuple = [
  ...CommonTuple,
  name: string,
  description: string,
  volumeTypes: string,
  sourceCgsnapshotId: string | null,
  sourceGroupId: string | null,
];
type VolumeTuple = [...CommonTuple, name: string, sizeGb: number, volumeType: string, groupId: string | null, sourceId: string | null];
type CgSnapshotTuple = [...CommonTuple, groupId: string, name: string, description: string];
type SnapshotTuple = [...CommonTuple, cgsnapshotId: string, volumeId: string, volumeSizeGb: number];

interface RawJournal {
  operation_id: string;
  kind: string;
  group_id: string;
  rows: string;
  request: string;
  state: string;
  result: string | null;
  created_at: string;
  closed_at: string | null;
}

interface RawJournalSummary {
  operation_id: string;
  kind: string;
  group_id: string;
  state: string;
  result: string | null;
  created_at: string;
  closed_at: string | null;
  request_id: unknown;
  groups: number | null;
  volumes: number | null;
  cgsnapshots: number | null;
  snapshots: number | null;
}

/** A row table's listing statements: live rows only, or soft-deleted ones too. */
interface Listing<R> {
  live: Statement<unknown[], R>;
  all: Statement<unknown[], R>;
}

class SqliteStoreImpl implements SqliteStore {
  private readonly db: Database.Database;
  private readonly get: {
    group: Statement<[string], GroupTuple>;
    volume: Statement<[string], VolumeTuple>;
    cgsnapshot: Statement<[string], CgSnapshotTuple>;
    snapshot: Statement<[string], SnapshotTuple>;
  };
  private readonly statusOf: Record<EntityKind, Statement<[string], { status: string; deleted_at: string | null }>>;
  /** Row counts matching the listings of the same name (pluck mode: the number itself). */
  private readonly counts: { volumesOfGroup: Listing<number>; snapshotsOf: Listing<number> };
  private readonly list: {
    groups: Listing<GroupTuple>;
    volumes: Listing<VolumeTuple>;
    volumesOfGroup: Listing<VolumeTuple>;
    cgsnapshots: Listing<CgSnapshotTuple>;
    cgsnapshotsOfGroup: Listing<CgSnapshotTuple>;
    snapshotsOf: Listing<SnapshotTuple>;
  };
  private readonly insert: {
    group: Statement;
    volume: Statement;
    cgsnapshot: Statement;
    snapshot: Statement;
  };
  private readonly snapshotParent: Statement<[string], { project_id: string; next: number }>;
  private readonly lastErrorUpdate: Record<EntityKind, Statement>;
  private readonly journal: {
    open: Statement;
    close: Statement;
    get: Statement<[string], RawJournal>;
    listOpen: Statement<[], RawJournal>;
    listOpenOfKind: Statement<[string], RawJournal>;
    prune: Statement<[string]>;
    summaries: Statement<[{ before: string | null; open: number; group: string | null; limit: number }], RawJournalSummary>;
  };
  /** Compare-and-set UPDATEs by their SQL: a handful of shapes, each prepared once on first use. */
  private readonly casStatements = new Map<string, Statement>();

  // Batch writers wrapped once: better-sqlite3 turns a nested call into a savepoint, so a batch
  // that conflicts half-way is undone even when the caller's transaction catches the error.
  private readonly moveTx: Database.Transaction<(move: StatusMove) => string>;
  private readonly writeTx: Database.Transaction<(writes: readonly RowWrite[], parents?: Parents) => string>;
  private readonly insertSnapshotsTx: Database.Transaction<(rows: readonly NewSnapshot[]) => SnapshotRow[]>;
  private readonly lastErrorTx: Database.Transaction<(kind: EntityKind, ids: readonly string[], error: LastError) => void>;
  // transaction(fn) runs fn through this one wrapper: db.transaction() builds four wrapper
  // functions and their properties on every call, about 4.5 µs each time (bench/README.md).
  private readonly anyTx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly readTx: Database.Transaction<(fn: () => unknown) => unknown>;
  /** commit() calls waiting for the next group commit, in call order. */
  private queuedCommits: Array<{ fn: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];

  constructor(
    db: Database.Database,
    private readonly checkpointer?: Checkpointer,
  ) {
    this.db = db;
    const byId = <R>(kind: EntityKind) => db.prepare<[string], R>(`SELECT ${COLUMNS[kind]} FROM ${TABLES[kind]} WHERE id = ?`).raw(true);
    this.get = {
      group: byId<GroupTuple>("group"),
      volume: byId<VolumeTuple>("volume"),
      cgsnapshot: byId<CgSnapshotTuple>("cgsnapshot"),
      snapshot: byId<SnapshotTuple>("snapshot"),
    };
    const statusOf = (kind: EntityKind) =>
      db.prepare<[string], { status: string; deleted_at: string | null }>(`SELECT status, deleted_at FROM ${TABLES[kind]} WHERE id = ?`);
    this.statusOf = { group: statusOf("group"), volume: statusOf("volume"), cgsnapshot: statusOf("cgsnapshot"), snapshot: statusOf("snapshot") };

    // Insertion order: created_at, then rowid for rows created within the same millisecond.
    const listing = <R>(kind: EntityKind, where: string | undefined, order = "created_at, rowid"): Listing<R> => {
      const from = `SELECT ${COLUMNS[kind]} FROM ${TABLES[kind]}`;
      return {
        live: db.prepare<unknown[], R>(`${from} WHERE ${where ? `${where} AND ` : ""}deleted_at IS NULL ORDER BY ${order}`).raw(true),
        all: db.prepare<unknown[], R>(`${from}${where ? ` WHERE ${where}` : ""} ORDER BY ${order}`).raw(true),
      };
    };
    this.list = {
      groups: listing<GroupTuple>("group", undefined),
      volumes: listing<VolumeTuple>("volume", undefined),
      volumesOfGroup: listing<VolumeTuple>("volume", "group_id = ?"),
      cgsnapshots: listing<CgSnapshotTuple>("cgsnapshot", undefined),
      cgsnapshotsOfGroup: listing<CgSnapshotTuple>("cgsnapshot", "group_id = ?"),
      snapshotsOf: listing<SnapshotTuple>("snapshot", "cgsnapshot_id = ?", "position"),
    };
    const counting = (kind: EntityKind, where: string): Listing<number> => {
      const from = `SELECT count(*) FROM ${TABLES[kind]} WHERE ${where}`;
      return { live: db.prepare<unknown[], number>(`${from} AND deleted_at IS NULL`).pluck(true), all: db.prepare<unknown[], number>(from).pluck(true) };
    };
    this.counts = { volumesOfGroup: counting("volume", "group_id = ?"), snapshotsOf: counting("snapshot", "cgsnapshot_id = ?") };

    this.insert = {
      group: db.prepare(
        `INSERT INTO groups (id, name, description, project_id, volume_types, status, source_cgsnapshot_id, source_group_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      volume: db.prepare(
        `INSERT INTO volumes (id, name, size_gb, volume_type, project_id, status, group_id, source_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      cgsnapshot: db.prepare(
        `INSERT INTO cgsnapshots (id, group_id, name, description, project_id, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      snapshot: db.prepare(
        `INSERT INTO snapshots (id, cgsnapshot_id, volume_id, volume_size_gb, position, status, project_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
    // A snapshot takes its cgsnapshot's project (NewSnapshot carries none) and the next position.
    this.snapshotParent = db.prepare<[string], { project_id: string; next: number }>(
      `SELECT project_id, COALESCE((SELECT MAX(position) + 1 FROM snapshots WHERE cgsnapshot_id = cgsnapshots.id), 0) AS next
       FROM cgsnapshots WHERE id = ?`,
    );
    const lastErrorUpdate = (kind: EntityKind) => db.prepare(`UPDATE ${TABLES[kind]} SET last_error = ?, updated_at = ? WHERE id = ?`);
    this.lastErrorUpdate = {
      group: lastErrorUpdate("group"),
      volume: lastErrorUpdate("volume"),
      cgsnapshot: lastErrorUpdate("cgsnapshot"),
      snapshot: lastErrorUpdate("snapshot"),
    };
    this.journal = {
      open: db.prepare(
        `INSERT INTO journal (operation_id, kind, group_id, rows, request, state, created_at) VALUES (?, ?, ?, ?, ?, 'open', ?)`,
      ),
      close: db.prepare(`UPDATE journal SET state = 'closed', result = ?, closed_at = ? WHERE operation_id = ? AND state = 'open'`),
      get: db.prepare<[string], RawJournal>("SELECT * FROM journal WHERE operation_id = ?"),
      listOpen: db.prepare<[], RawJournal>("SELECT * FROM journal WHERE state = 'open' ORDER BY created_at, rowid"),
      // Checks before a delete ask for one kind only: filtering here, not after decoding every
      // open entry, keeps them cheap while hundreds of other operations are in flight.
      listOpenOfKind: db.prepare<[string], RawJournal>("SELECT * FROM journal WHERE state = 'open' AND kind = ? ORDER BY created_at, rowid"),
      prune: db.prepare<[string]>("DELETE FROM journal WHERE state = 'closed' AND created_at <= ?"),
      // Newest first by operation id (UUIDv7: time-ordered), through its primary key index, so a
      // page costs its rows however long the journal is. Ids and the request stay in the file.
      summaries: db.prepare<[{ before: string | null; open: number; group: string | null; limit: number }], RawJournalSummary>(
        `SELECT operation_id, kind, group_id, state, result, created_at, closed_at,
           json_extract(request, '$.caller.requestId') AS request_id,
           json_array_length(rows, '$.groups') AS groups, json_array_length(rows, '$.volumes') AS volumes,
           json_array_length(rows, '$.cgsnapshots') AS cgsnapshots, json_array_length(rows, '$.snapshots') AS snapshots
         FROM journal
         WHERE (@before IS NULL OR operation_id < @before) AND (@open = 0 OR state = 'open') AND (@group IS NULL OR group_id = @group)
         ORDER BY operation_id DESC LIMIT @limit`,
      ),
    };

    this.anyTx = db.transaction((fn: () => unknown) => fn());
    this.readTx = db.transaction((fn: () => unknown) => fn());
    this.moveTx = db.transaction((move: StatusMove) => this.moveNow(move));
    this.writeTx = db.transaction((writes: readonly RowWrite[], parents?: Parents) => this.writeNow(writes, parents));
    this.insertSnapshotsTx = db.transaction((rows: readonly NewSnapshot[]) => this.insertSnapshotsNow(rows));
    this.lastErrorTx = db.transaction((kind: EntityKind, ids: readonly string[], error: LastError) =>
      this.recordLastErrorNow(kind, ids, error),
    );
  }

  /** Runs fn atomically; nested calls become savepoints of the outer transaction. */
  transaction<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
    // fails at once with SQLITE_BUSY_SNAPSHOT when another connection committed in between,
    // instead of waiting for busy_timeout.
    return this.anyTx.immediate(fn) as T;
  }

  /**
   * Runs fn in the next group commit: every commit() queued in this turn of the event loop shares
   * one transaction (one WAL append instead of one per caller), each fn in its own savepoint.
   */
  commit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queuedCommits.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      // setImmediate runs after the poll phase: every I/O callback of this loop turn (answers
      // from the plugin, calls from clients) has queued its commit by then.
      if (this.queuedCommits.length === 1) setImmediate(() => this.flushCommits());
    });
  }

  private flushCommits(): void {
    const batch = this.queuedCommits;
    this.queuedCommits = [];
    if (!this.db.open) {
      for (const item of batch) item.reject(new Error("the store was closed before this transaction could commit"));
      return;
    }
    if (batch.length === 1) {
      const only = batch[0]!;
      let value: unknown;
      try {
        value = this.anyTx.immediate(only.fn);
      } catch (error) {
        only.reject(error);
        return;
      }
      only.resolve(value);
      return;
    }
    const settled: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.anyTx.immediate(() => {
        for (const item of batch) {
          try {
            // Inside a transaction, the wrapper runs fn in a savepoint: a throw undoes fn alone.
            settled.push({ ok: true, value: this.anyTx(item.fn) });
          } catch (error) {
            settled.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The shared transaction itself failed (busy, disk full): nothing of the batch was kept.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = settled[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }

  /**
   * Runs fn's reads in one deferred transaction. Each statement outside a transaction takes and
   * drops SQLite's shared locks (fcntl calls on the file and on the WAL index): about 4.5 µs a
   * read here, against 1.2 µs for a read inside one (bench/README.md).
   */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.readTx(fn) as T;
  }

  /** The group with `id`, soft-deleted included. */
  getGroup(id: string): GroupRow | undefined {
    const raw = this.get.group.get(id);
    return raw && toGroup(raw);
  }

  /** Groups in insertion order. */
  listGroups(filter?: ListFilter): GroupRow[] {
    return decodeEach(pick(this.list.groups, filter).iterate(), toGroup);
  }

  /** The volume with `id`, soft-deleted included. */
  getVolume(id: string): VolumeRow | undefined {
    const raw = this.get.volume.get(id);
    return raw && toVolume(raw);
  }

  /** Volumes by id, in the order asked: one query for many (see manyById). */
  getVolumes(ids: readonly string[]): Array<VolumeRow | undefined> {
    return this.manyById("volume", ids, (id) => this.getVolume(id), toVolume);
  }

  /** Volumes in insertion order, optionally of one group. */
  listVolumes(filter?: ListFilter & { groupId?: string }): VolumeRow[] {
    if (filter?.groupId !== undefined) return decodeEach(pick(this.list.volumesOfGroup, filter).iterate(filter.groupId), toVolume);
    return decodeEach(pick(this.list.volumes, filter).iterate(), toVolume);
  }

  /** How many rows listVolumes would return for a group (the group's index, no row read). */
  countVolumes(filter: ListFilter & { groupId: string }): number {
    return pick(this.counts.volumesOfGroup, filter).get(filter.groupId)!;
  }

  /** The cgsnapshot with `id`, soft-deleted included. */
  getCgSnapshot(id: string): CgSnapshotRow | undefined {
    const raw = this.get.cgsnapshot.get(id);
    return raw && toCgSnapshot(raw);
  }

  /** Cgsnapshots in insertion order, optionally of one group. */
  listCgSnapshots(filter?: ListFilter & { groupId?: string }): CgSnapshotRow[] {
    if (filter?.groupId !== undefined) return decodeEach(pick(this.list.cgsnapshotsOfGroup, filter).iterate(filter.groupId), toCgSnapshot);
    return decodeEach(pick(this.list.cgsnapshots, filter).iterate(), toCgSnapshot);
  }

  /** The snapshot with `id`, soft-deleted included. */
  getSnapshot(id: string): SnapshotRow | undefined {
    const raw = this.get.snapshot.get(id);
    return raw && toSnapshot(raw);
  }

  /** Snapshots by id, in the order asked. */
  getSnapshots(ids: readonly string[]): Array<SnapshotRow | undefined> {
    return this.manyById("snapshot", ids, (id) => this.getSnapshot(id), toSnapshot);
  }

  /**
   * Rows of many ids: one statement over a JSON array instead of one lookup each, about three
   * times faster for the 100,000 volumes of a large group's request.
   */
  private manyById<T extends { id: string }, R>(kind: EntityKind, ids: readonly string[], one: (id: string) => T | undefined, convert: (raw: R) => T): Array<T | undefined> {
    if (ids.length < SET_BASED_MIN_ROWS) return ids.map(one);
    const columns = COLUMNS[kind].split(", ").map((c) => `row.${c}`).join(", ");
    const statement = this.prepared(`SELECT ${columns} FROM json_each(?) AS listed JOIN ${TABLES[kind]} AS row ON row.id = listed.value`);
    statement.raw(true);
    const found = new Map<string, T>();
    for (const raw of statement.iterate(JSON.stringify(ids)) as IterableIterator<R>) {
      const row = convert(raw);
      found.set(row.id, row);
    }
    return ids.map((id) => found.get(id));
  }

  /** Snapshots of one cgsnapshot, in insertion order. */
  listSnapshots(cgsnapshotId: string, filter?: ListFilter): SnapshotRow[] {
    return decodeEach(pick(this.list.snapshotsOf, filter).iterate(cgsnapshotId), toSnapshot);
  }

  /** How many rows listSnapshots would return. */
  countSnapshots(cgsnapshotId: string, filter?: ListFilter): number {
    return pick(this.counts.snapshotsOf, filter).get(cgsnapshotId)!;
  }

  /** Inserts a group with empty metadata and no provider fields. */
  insertGroup(row: NewGroup): GroupRow {
    const now = timestamp();
    naming("group", row.id, () =>
      this.insert.group.run(
        row.id,
        row.name,
        row.description,
        row.projectId,
        JSON.stringify(row.volumeTypes),
        row.status,
        row.sourceCgsnapshotId,
        row.sourceGroupId,
        now,
        now,
      ),
    );
    return {
      ...insertedCommon(row.id, row.status, row.projectId, now),
      name: row.name,
      description: row.description,
      volumeTypes: [...row.volumeTypes],
      sourceCgsnapshotId: row.sourceCgsnapshotId,
      sourceGroupId: row.sourceGroupId,
    };
  }

  /** Inserts a volume with empty metadata and no provider fields. */
  insertVolume(row: NewVolume): void {
    const now = timestamp();
    naming("volume", row.id, () =>
      this.insert.volume.run(row.id, row.name, row.sizeGb, row.volumeType, row.projectId, row.status, row.groupId, row.sourceId, now, now),
    );
  }

  /** Inserts a cgsnapshot with empty metadata and no provider fields. */
  insertCgSnapshot(row: NewCgSnapshot): void {
    const now = timestamp();
    naming("cgsnapshot", row.id, () =>
      this.insert.cgsnapshot.run(row.id, row.groupId, row.name, row.description, row.projectId, row.status, now, now),
    );
  }

  /** Inserts snapshots in one transaction, each after the last of its cgsnapshot. */
  insertSnapshots(rows: readonly NewSnapshot[]): SnapshotRow[] {
    return this.insertSnapshotsTx.immediate(rows);
  }

  /** Compare-and-set status move; throws StatusConflictError when any row does not match. */
  moveStatus(move: StatusMove): string {
    // One row is one UPDATE, all or nothing by itself: the savepoint is for batches that can fail half-way.
    return move.ids.length <= 1 ? this.moveNow(move) : this.moveTx.immediate(move);
  }

  /** Applies the rules' writes, each compare-and-set; throws StatusConflictError on a mismatch. */
  applyWrites(writes: readonly RowWrite[], parents?: Parents): string {
    return writes.length <= 1 ? this.writeNow(writes) : this.writeTx.immediate(writes, parents);
  }

  /** Records `error` as the last error of the named rows without touching their status. */
  recordLastError(kind: EntityKind, ids: readonly string[], error: LastError): void {
    this.lastErrorTx.immediate(kind, ids, error);
  }

  /** Sets a volume's status between `available` and `in-use` (attach/detach by the volume service). */
  setVolumeAttached(id: string, attached: boolean): void {
    this.moveStatus(
      attached ? { kind: "volume", ids: [id], from: ["available"], to: "in-use" } : { kind: "volume", ids: [id], from: ["in-use"], to: "available" },
    );
  }

  /** Opens a journal entry for an operation about to write its first status. */
  openJournal(entry: Omit<JournalEntry, "state" | "result" | "createdAt" | "closedAt">): void {
    const request = JSON.stringify(entry.request ?? null);
    naming("journal entry", entry.operationId, () =>
      this.journal.open.run(entry.operationId, entry.kind, entry.groupId, JSON.stringify(entry.rows), request, timestamp()),
    );
  }

  /** Closes an open journal entry with how the operation ended. */
  closeJournal(operationId: string, result: string): void {
    if (this.journal.close.run(result, timestamp(), operationId).changes === 1) return;
    const found = this.journal.get.get(operationId);
    throw new Error(
      found === undefined
        ? `journal entry '${operationId}' does not exist; open it before closing it`
        : `journal entry '${operationId}' is already closed (result '${String(found.result)}'); an operation closes once`,
    );
  }

  /** Deletes closed entries started at or before `startedBy`; the (state, created_at) index finds them. */
  pruneJournal(startedBy: string): number {
    return this.journal.prune.run(startedBy).changes;
  }

  /** The journal entry of `operationId`, open or closed. */
  getJournal(operationId: string): JournalEntry | undefined {
    const raw = this.journal.get.get(operationId);
    return raw && toJournal(raw);
  }

  /** A page of journal summaries, newest first: see Store.listJournalSummaries. */
  listJournalSummaries(filter: JournalSummaryFilter): JournalSummary[] {
    const raws = this.journal.summaries.all({ before: filter.before ?? null, open: filter.openOnly ? 1 : 0, group: filter.groupId ?? null, limit: filter.limit });
    return raws.map((raw) => ({
      operationId: raw.operation_id,
      kind: raw.kind as OperationKind,
      groupId: raw.group_id,
      state: raw.state as JournalState,
      result: raw.result,
      createdAt: raw.created_at,
      closedAt: raw.closed_at,
      requestId: typeof raw.request_id === "string" ? raw.request_id : "",
      counts: { groups: raw.groups ?? 0, volumes: raw.volumes ?? 0, cgsnapshots: raw.cgsnapshots ?? 0, snapshots: raw.snapshots ?? 0 },
    }));
  }

  /** Entries still open: operations a host died in the middle of, or in flight. Oldest first; only `kind` when given. */
  listOpenJournal(filter?: { kind?: OperationKind }): JournalEntry[] {
    if (filter?.kind !== undefined) return decodeEach(this.journal.listOpenOfKind.iterate(filter.kind), toJournal);
    return decodeEach(this.journal.listOpen.iterate(), toJournal);
  }

  /** The connection's settings as SQLite reports them. */
  settings(): SqliteStoreSettings {
    const pragma = (name: string): unknown => this.db.pragma(name, { simple: true });
    return {
      path: this.db.name,
      journalMode: String(pragma("journal_mode")),
      synchronous: Number(pragma("synchronous")),
      foreignKeys: pragma("foreign_keys") === 1,
      busyTimeoutMs: Number(pragma("busy_timeout")),
      schemaVersion: Number(pragma("user_version")),
      checkpoints: this.checkpointer === undefined || this.checkpointer.failed ? "inline" : "background",
      walAutocheckpoint: Number(pragma("wal_autocheckpoint")),
    };
  }

  checkpointStats(): CheckpointerStats | undefined {
    return this.checkpointer?.stats();
  }

  /** Closes the database; closing twice does nothing. */
  close(): void {
    if (!this.db.open) return;
    // The worker's connection first: the last connection to close is the one that removes the log.
    this.checkpointer?.close();
    this.db.close();
  }

  private moveNow(move: StatusMove): string {
    checkStatus(move.kind, `move of ${move.ids.length} row(s)`, move.to);
    if (move.from.length === 0) throw new RangeError(`move of ${move.kind} rows to '${move.to}' names no expected status`);
    const now = timestamp();
    if (move.ids.length >= SET_BASED_MIN_ROWS) {
      const moved = this.casMany(move.kind, move.ids, move.from, "status = ?, updated_at = ?", [move.to, now], move.parent);
      if (moved.length !== move.ids.length) this.conflictAmong(move.kind, move.ids, moved, move.from);
      return now;
    }
    const statement = this.cas(move.kind, move.from.length, "status = ?, updated_at = ?");
    // One parameter array for the whole batch; only the id slot changes per row.
    const params: string[] = [move.to, now, "", ...move.from];
    for (const id of move.ids) {
      params[2] = id;
      if (statement.run(params).changes !== 1) this.conflict(move.kind, id, move.from);
    }
    return now;
  }

  private writeNow(writes: readonly RowWrite[], parents?: Parents): string {
    const now = timestamp();
    // Writes that change the same columns to the same values (a delete's hundred thousand
    // "deleted" volumes) run as one set-based UPDATE; the rest row by row, in order.
    const batches = new Map<string, WriteBatch>();
    // Each write's batch, by index: the row-by-row pass skips the set-based ones without a lookup.
    const batchOf: WriteBatch[] = [];
    const seen: Record<EntityKind, Set<string>> = { group: new Set(), volume: new Set(), cgsnapshot: new Set(), snapshot: new Set() };
    let repeated = false;
    let previousWrite: RowWrite | undefined;
    let previousBatch: WriteBatch | undefined;
    for (const write of writes) {
      if (!STATUSES[write.kind].has(write.status)) checkStatus(write.kind, `write of '${write.id}'`, write.status);
      if (write.expect.length === 0) throw new RangeError(`write of ${write.kind} ${write.id} names no expected status`);
      if (write.kind !== "volume" && write.groupId !== undefined) {
        throw new RangeError(`write of ${write.kind} ${write.id} sets groupId '${String(write.groupId)}'; only volumes change group`);
      }
      const seenOfKind = seen[write.kind];
      if (seenOfKind.has(write.id)) repeated = true;
      seenOfKind.add(write.id);
      // A large answer's writes come in runs of one shape: the run shares its batch, found once.
      let batch = previousWrite !== undefined && sameShape(previousWrite, write) ? previousBatch : undefined;
      if (batch === undefined) {
        const key = batchKey(write);
        batch = batches.get(key);
        if (batch === undefined) batches.set(key, (batch = { first: write, ids: [], setBased: false }));
      }
      batch.ids.push(write.id);
      batchOf.push(batch);
      previousWrite = write;
      previousBatch = batch;
    }
    for (const batch of batches.values()) {
      // Two writes of one row must apply in their order: only then is it row by row throughout.
      if (repeated || batch.ids.length < SET_BASED_MIN_ROWS) continue;
      const { first, ids } = batch;
      const { set, values } = writeAssignments(first, now);
      const parent = first.kind === "volume" ? parents?.volume : first.kind === "snapshot" ? parents?.snapshot : undefined;
      const written = this.casMany(first.kind, ids, first.expect, set, values, parent);
      if (written.length !== ids.length) this.conflictAmong(first.kind, ids, written, first.expect);
      batch.setBased = true;
    }
    for (let i = 0; i < writes.length; i++) {
      if (batchOf[i]!.setBased) continue;
      const write = writes[i]!;
      const { set, values } = writeAssignments(write, now);
      const statement = this.cas(write.kind, write.expect.length, set);
      if (naming(write.kind, write.id, () => statement.run(...values, write.id, ...write.expect)).changes !== 1) {
        this.conflict(write.kind, write.id, write.expect);
      }
    }
    return now;
  }

  private insertSnapshotsNow(rows: readonly NewSnapshot[]): SnapshotRow[] {
    const now = timestamp();
    const stored: SnapshotRow[] = [];
    // Rows of one batch usually share a cgsnapshot: look each parent up once.
    const parents = new Map<string, { project_id: string; next: number }>();
    for (const row of rows) {
      const parent = parents.get(row.cgsnapshotId) ?? this.snapshotParent.get(row.cgsnapshotId);
      if (parent === undefined) {
        throw new RangeError(`snapshot '${row.id}' names cgsnapshot '${row.cgsnapshotId}', which does not exist; insert the cgsnapshot first`);
      }
      parents.set(row.cgsnapshotId, parent);
      const position = parent.next++;
      naming("snapshot", row.id, () =>
        this.insert.snapshot.run(row.id, row.cgsnapshotId, row.volumeId, row.volumeSizeGb, position, row.status, parent.project_id, now, now),
      );
      // Written out, not spread from insertedCommon: 100,000 spread rows cost ~0.7 s more to
      // build and use, and ~50 MiB more (a 100k create-cgsnapshot, bench/README.md).
      stored.push({
        id: row.id,
        status: row.status,
        projectId: parent.project_id,
        providerLocation: null,
        providerId: null,
        metadata: {},
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        lastError: null,
        cgsnapshotId: row.cgsnapshotId,
        volumeId: row.volumeId,
        volumeSizeGb: row.volumeSizeGb,
      });
    }
    return stored;
  }

  private recordLastErrorNow(kind: EntityKind, ids: readonly string[], error: LastError): void {
    const json = JSON.stringify(error);
    const now = timestamp();
    const statement = this.lastErrorUpdate[kind];
    for (const id of ids) {
      if (statement.run(json, now, id).changes !== 1) {
        throw new RangeError(`cannot record the last error of ${kind} '${id}': no such ${kind}`);
      }
    }
  }

  /**
   * The compare-and-set UPDATE for one kind, one shape and `expected` statuses, prepared once.
   * `move` sets the status only; `write` also applies a RowWrite's extras (and a volume's group).
   */
  /**
   * The compare-and-set UPDATE of one row for a SET clause and a number of expected statuses:
   * `IN (?, ?)` with bound values runs about twice as fast as `IN (SELECT value FROM json_each(?))`,
   * and there are only a handful of shapes, each prepared once on first use.
   */
  private cas(kind: EntityKind, expected: number, set: string): Statement {
    return this.prepared(`UPDATE ${TABLES[kind]} SET ${set} WHERE id = ? AND deleted_at IS NULL AND status IN (${placeholders(expected)})`);
  }

  /**
   * The compare-and-set of many rows (set-based; the caller is in a transaction): through the
   * parent's index when a parent is named and the rows that changes are exactly `ids`, otherwise
   * (no parent, or a wrong one: that UPDATE is undone in its savepoint) by id. Returns the ids changed.
   */
  private casMany(kind: EntityKind, ids: readonly string[], expected: readonly string[], set: string, values: readonly unknown[], parent: string | undefined): string[] {
    const column = PARENT_COLUMN[kind];
    if (parent !== undefined && column !== undefined) {
      const statement = this.prepared(
        `UPDATE ${TABLES[kind]} SET ${set} WHERE ${column} = ? AND deleted_at IS NULL AND status IN (${placeholders(expected.length)}) RETURNING id`,
        true,
      );
      try {
        return this.anyTx(() => {
          const changed = statement.all(...values, parent, ...expected) as string[];
          if (!sameMembers(changed, ids)) throw NOT_THE_PARENTS_ROWS;
          return changed;
        }) as string[];
      } catch (error) {
        if (error !== NOT_THE_PARENTS_ROWS) throw error;
      }
    }
    return this.casSet(kind, expected.length, set).all(...values, JSON.stringify(ids), ...expected) as string[];
  }

  /** The same compare-and-set over a JSON array of ids, returning the ids it changed (plucked). */
  private casSet(kind: EntityKind, expected: number, set: string): Statement {
    // UPDATE ... FROM probes the primary key once per listed id; `id IN (SELECT ...)` first
    // builds a temporary index of the whole list, a third slower for 100,000 ids.
    const table = TABLES[kind];
    const sql =
      `UPDATE ${table} SET ${set} FROM json_each(?) AS listed WHERE ${table}.id = listed.value ` +
      `AND ${table}.deleted_at IS NULL AND ${table}.status IN (${placeholders(expected)}) RETURNING ${table}.id`;
    return this.prepared(sql, true);
  }

  private prepared(sql: string, pluck = false): Statement {
    let statement = this.casStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (pluck) statement.pluck(true);
      this.casStatements.set(sql, statement);
    }
    return statement;
  }

  /** After a set-based UPDATE changed fewer rows than named: the conflict of the first row it left. */
  private conflictAmong(kind: EntityKind, ids: readonly string[], changed: readonly string[], expected: readonly string[]): never {
    const done = new Set(changed);
    const left = ids.find((id) => !done.has(id));
    if (left === undefined) throw new RangeError(`an update of ${kind} rows names one row twice`);
    this.conflict(kind, left, expected);
  }

  /** Throws the StatusConflictError for a row a compare-and-set did not change. */
  private conflict(kind: EntityKind, id: string, expected: readonly string[]): never {
    const found = this.statusOf[kind].get(id);
    throw new StatusConflictError(kind, id, found === undefined || found.deleted_at !== null ? undefined : found.status, expected);
  }
}

/** The statement for live rows, or all rows when soft-deleted ones are asked for. */
/**
 * Decodes a listing row by row as SQLite steps through it. Each raw row then dies young, where
 * `.all()` keeps every one alive until the last is read: on a 100,000-volume group that is about
 * 440 ms against 355 ms, most of the difference garbage collection (bench/README.md).
 */
function decodeEach<R, T>(rows: IterableIterator<R>, convert: (raw: R) => T): T[] {
  const out: T[] = [];
  for (const raw of rows) out.push(convert(raw));
  return out;
}

function pick<R>(listing: Listing<R>, filter: ListFilter | undefined): Statement<unknown[], R> {
  return filter?.includeDeleted === true ? listing.all : listing.live;
}

/** Writes of one shape (same columns, same values), run set-based once there are SET_BASED_MIN_ROWS of them. */
interface WriteBatch {
  first: RowWrite;
  ids: string[];
  /** Applied by one set-based UPDATE; the row-by-row pass skips its writes. */
  setBased: boolean;
}

/** The column naming a row's parent, for the kinds a Parents hint covers (each has an index starting with it). */
const PARENT_COLUMN: Partial<Record<EntityKind, string>> = { volume: "group_id", snapshot: "cgsnapshot_id" };

/** Thrown inside casMany's savepoint to undo an UPDATE through a parent that changed other rows than named. */
const NOT_THE_PARENTS_ROWS = Symbol("not the parent's rows");

/** Whether `changed` (distinct ids, as RETURNING gives them) and `named` hold the same ids. */
function sameMembers(changed: readonly string[], named: readonly string[]): boolean {
  if (changed.length !== named.length) return false;
  // The usual case, cheaply: the UPDATE walked the parent's index in the order the caller's
  // listing read it. Then `changed` being distinct makes `named` so too.
  let i = 0;
  while (i < named.length && changed[i] === named[i]) i++;
  if (i === named.length) return true;
  const set = new Set(named);
  return set.size === named.length && changed.every((id) => set.has(id));
}

/** Above this many rows, a move or a batch of identical writes runs as one set-based UPDATE. */
const SET_BASED_MIN_ROWS = 32;

/** Writes with equal keys change the same columns to the same values (groupId undefined and null differ). */
function batchKey(write: RowWrite): string {
  const group = write.groupId === undefined ? "unchanged" : JSON.stringify(write.groupId);
  const head = `${write.kind} ${write.status} ${write.expect.join(",")} ${write.softDelete === true} ${group}`;
  // The usual write of a large answer changes only the status: no JSON needed for its key.
  if (write.provider === undefined && write.lastError === undefined) return head;
  return `${head} ${JSON.stringify([write.provider ?? null, write.lastError ?? null])}`;
}

/** Whether two writes have one batch key: only status changes, the same ones (no provider fields or error to compare). */
function sameShape(a: RowWrite, b: RowWrite): boolean {
  return (
    a.kind === b.kind &&
    a.status === b.status &&
    a.softDelete === b.softDelete &&
    a.groupId === b.groupId &&
    a.provider === undefined &&
    b.provider === undefined &&
    a.lastError === undefined &&
    b.lastError === undefined &&
    a.expect.length === b.expect.length &&
    a.expect.every((status, i) => status === b.expect[i])
  );
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

/**
 * The SET clause of a write and its values, naming only what the write changes: an UPDATE that
 * names group_id rewrites the volumes_by_group index entry even when the value stays the same.
 */
function writeAssignments(write: RowWrite, now: string): { set: string; values: unknown[] } {
  const set = ["status = ?", "updated_at = ?"];
  const values: unknown[] = [write.status, now];
  if (write.softDelete === true) {
    set.push("deleted_at = ?");
    values.push(now);
  }
  const provider = write.provider;
  if (provider?.providerLocation !== undefined && provider.providerLocation !== null) {
    set.push("provider_location = ?");
    values.push(provider.providerLocation);
  }
  if (provider?.providerId !== undefined && provider.providerId !== null) {
    set.push("provider_id = ?");
    values.push(provider.providerId);
  }
  if (provider?.metadata !== undefined) {
    // metadata is merged (RFC 7396 merge patch of string values adds or replaces keys).
    set.push("metadata = json_patch(metadata, ?)");
    values.push(JSON.stringify(provider.metadata));
  }
  if (write.lastError !== undefined) {
    set.push("last_error = ?");
    values.push(JSON.stringify(write.lastError));
  }
  if (write.kind === "volume" && write.groupId !== undefined) {
    set.push("group_id = ?");
    values.push(write.groupId);
  }
  return { set: set.join(", "), values };
}

/** Throws a RangeError naming the status when `kind` cannot hold it. */
function checkStatus(kind: EntityKind, what: string, status: string): void {
  if (!STATUSES[kind].has(status)) {
    const valid = [...STATUSES[kind]].map((s) => `'${s}'`).join(", ");
    throw new RangeError(`${kind} ${what}: status '${status}' is not a ${kind} status (${valid})`);
  }
}

/** Runs a statement, adding the row to SQLite's message (constraint errors name only the column). */
function naming<T>(what: string, id: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    // Keep the SqliteError and its `code`; only say which row it was about.
    if (error instanceof Database.SqliteError) error.message = `${error.message} (${what} '${id}')`;
    throw error;
  }
}

/** Now, as the ISO-8601 text every timestamp column holds (sorts in time order). */
function timestamp(): string {
  return new Date().toISOString();
}

/** The stored driver metadata, short-cutting the empty object most rows hold. */
function metadataOf(text: string): Record<string, string> {
  return text === "{}" ? {} : (JSON.parse(text) as Record<string, string>);
}

/**
 * The common fields of a row just inserted, as the decoders read them back: the INSERT leaves
 * the provider fields, metadata, deletion and last error to their defaults. For one row; a
 * batch of 100,000 spread from it is much slower to build and use (see insertSnapshotsNow).
 */
function insertedCommon<S extends string>(id: string, status: S, projectId: string, now: string) {
  return { id, status, projectId, providerLocation: null, providerId: null, metadata: {}, createdAt: now, updatedAt: now, deletedAt: null, lastError: null };
}

/** The stored last error, parsed. */
function lastErrorOf(text: string | null): LastError | null {
  return text === null ? null : (JSON.parse(text) as LastError);
}

// Decoders: object literals written out in full, because building rows with a spread of shared
// fields measured several times slower on 100,000-row listings. Status casts are safe: the
// CHECK constraints hold each column to its entity's statuses.

function toGroup(r: GroupTuple): GroupRow {
  return {
    id: r[0],
    status: r[1] as GroupStatus,
    projectId: r[2],
    providerLocation: r[3],
    providerId: r[4],
    metadata: metadataOf(r[5]),
    createdAt: r[6],
    updatedAt: r[7],
    deletedAt: r[8],
    lastError: lastErrorOf(r[9]),
    name: r[10],
    description: r[11],
    volumeTypes: JSON.parse(r[12]) as string[],
    sourceCgsnapshotId: r[13],
    sourceGroupId: r[14],
  };
}

function toVolume(r: VolumeTuple): VolumeRow {
  return {
    id: r[0],
    status: r[1] as VolumeStatus,
    projectId: r[2],
    providerLocation: r[3],
    providerId: r[4],
    metadata: metadataOf(r[5]),
    createdAt: r[6],
    updatedAt: r[7],
    deletedAt: r[8],
    lastError: lastErrorOf(r[9]),
    name: r[10],
    sizeGb: r[11],
    volumeType: r[12],
    groupId: r[13],
    sourceId: r[14],
  };
}

function toCgSnapshot(r: CgSnapshotTuple): CgSnapshotRow {
  return {
    id: r[0],
    status: r[1] as CgSnapshotStatus,
    projectId: r[2],
    providerLocation: r[3],
    providerId: r[4],
    metadata: metadataOf(r[5]),
    createdAt: r[6],
    updatedAt: r[7],
    deletedAt: r[8],
    lastError: lastErrorOf(r[9]),
    groupId: r[10],
    name: r[11],
    description: r[12],
  };
}

function toSnapshot(r: SnapshotTuple): SnapshotRow {
  return {
    id: r[0],
    status: r[1] as SnapshotStatus,
    projectId: r[2],
    providerLocation: r[3],
    providerId: r[4],
    metadata: metadataOf(r[5]),
    createdAt: r[6],
    updatedAt: r[7],
    deletedAt: r[8],
    lastError: lastErrorOf(r[9]),
    cgsnapshotId: r[10],
    volumeId: r[11],
    volumeSizeGb: r[12],
  };
}

function toJournal(raw: RawJournal): JournalEntry {
  return {
    operationId: raw.operation_id,
    kind: raw.kind as OperationKind,
    groupId: raw.group_id,
    rows: JSON.parse(raw.rows) as JournalEntry["rows"],
    request: JSON.parse(raw.request) as unknown,
    state: raw.state as JournalState,
    result: raw.result,
    createdAt: raw.created_at,
    closedAt: raw.closed_at,
  };
}
