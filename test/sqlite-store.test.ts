// The SQLite store on a real file: schema and migrations, durability settings, compare-and-set
// status moves and writes (alone, in batches, across two connections), transactions, the journal.
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import type { LastError, RowWrite } from "../host/model.js";
import { openSqliteStore, rowAfterWrite, rowsAfterWrites, StatusConflictError, type Durability, type NewVolume, type Store } from "../host/store/index.js";
import { migrate, MIGRATIONS, SCHEMA_VERSION, type Migration } from "../host/store/migrations.js";
import type { SqliteStore } from "../host/store/sqlite-store.js";
import { tempDirPerTest } from "./support/temp-dir.js";

const temp = tempDirPerTest("cghost-store-");
let dbPath: string;

beforeEach(() => {
  // A folder that does not exist yet: the store creates it.
  dbPath = join(temp.path, "state", "cghost.db");
});

function open(durability?: Durability): SqliteStore {
  const store = openSqliteStore({ path: dbPath, ...(durability ? { durability } : {}) });
  temp.track(store);
  return store;
}

/** A second, plain connection to look at the file as stored. */
function inspect(): Database.Database {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  temp.track(db);
  return db;
}

function addGroup(store: Store, id: string, status: "available" | "creating" = "available"): void {
  store.insertGroup({
    id,
    name: `name-${id}`,
    description: "d",
    projectId: "p1",
    volumeTypes: ["gold", "silver"],
    status,
    sourceCgsnapshotId: null,
    sourceGroupId: null,
  });
}

function addVolume(store: Store, id: string, extra: Partial<NewVolume> = {}): void {
  store.insertVolume({ id, name: `name-${id}`, sizeGb: 10, volumeType: "gold", projectId: "p1", status: "available", groupId: null, sourceId: null, ...extra });
}

/** Fails the test unless fn throws a StatusConflictError, which it returns. */
function conflictOf(fn: () => void): StatusConflictError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StatusConflictError);
    return error as StatusConflictError;
  }
  throw new Error("expected a StatusConflictError, and the call succeeded");
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

const lastError: LastError = { code: "DRIVER_FAILED", grpcCode: 14, message: "array offline", at: "2024-01-01T00:00:00.000Z", operationId: "op-1" };

describe("schema and migrations", () => {
  it("opening a new file creates its folder, every table and sets user_version", () => {
    const store = open();
    expect(store.settings().schemaVersion).toBe(SCHEMA_VERSION);
    const db = inspect();
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    expect(tables).toEqual(["cgsnapshots", "groups", "journal", "snapshots", "volumes"]);
    const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").all().map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(["volumes_by_group", "cgsnapshots_by_group", "journal_by_state"]));
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('snapshots')").all().map((r) => r.name);
    expect(columns).toEqual(expect.arrayContaining(["id", "status", "cgsnapshot_id", "volume_id", "volume_size_gb", "position", "provider_location", "provider_id", "metadata", "last_error", "deleted_at"]));
  });

  it("closing and reopening keeps the data and runs no step twice", () => {
    const first = open();
    addGroup(first, "g1");
    addVolume(first, "v1", { groupId: "g1" });
    first.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "available", provider: { metadata: { k: "v" } } }]);
    first.close();
    first.close(); // idempotent

    const second = open();
    expect(second.settings().schemaVersion).toBe(SCHEMA_VERSION);
    expect(second.getGroup("g1")?.volumeTypes).toEqual(["gold", "silver"]);
    expect(second.getVolume("v1")).toMatchObject({ groupId: "g1", metadata: { k: "v" }, status: "available" });
    expect(second.listVolumes({ groupId: "g1" }).map((v) => v.id)).toEqual(["v1"]);
  });

  it("a failing step rolls back with the steps before it in the same run: the file keeps its old version", () => {
    const db = new Database(join(temp.path, "m.db"));
    temp.track(db);
    const steps: Migration[] = [
      { version: 1, description: "one", sql: "CREATE TABLE a (x INTEGER);" },
      { version: 2, description: "two", sql: "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);" },
    ];
    migrate(db, steps.slice(0, 1));
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    expect(() => migrate(db, steps)).toThrow(/nowhere/);
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
  });

  it("refuses a file written by a newer schema, naming both versions", () => {
    open().close();
    const db = new Database(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => open()).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 5}, newer than ${SCHEMA_VERSION}`));
  });

  it("CHECK constraints refuse a status the entity cannot hold", () => {
    open();
    const db = new Database(dbPath);
    temp.track(db);
    expect(() =>
      db.prepare("INSERT INTO volumes (id, name, size_gb, volume_type, status, project_id, created_at, updated_at) VALUES ('x', 'n', 1, 'g', 'updating', 'p', 't', 't')").run(),
    ).toThrow(/CHECK constraint failed/);
  });
});

describe("connection settings", () => {
  it("runs in WAL mode with foreign keys on and a busy timeout", () => {
    const store = open();
    expect(store.settings()).toMatchObject({ journalMode: "wal", foreignKeys: true, busyTimeoutMs: 5000 });
    // WAL is a property of the file: a second connection sees it too.
    expect(inspect().pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("durability 'normal' (the default) is synchronous=NORMAL (1), 'full' is FULL (2)", () => {
    expect(open().settings().synchronous).toBe(1);
    expect(open("normal").settings().synchronous).toBe(1);
    expect(open("full").settings().synchronous).toBe(2);
  });

  it("refuses an unknown durability, naming it", () => {
    expect(() => openSqliteStore({ path: dbPath, durability: "paranoid" as Durability })).toThrow(/'paranoid'/);
  });

  it("foreign keys are enforced, and the error names the row", () => {
    const store = open();
    expect(() => addVolume(store, "v-orphan", { groupId: "no-such-group" })).toThrow(/FOREIGN KEY constraint failed \(volume 'v-orphan'\)/);
    expect(store.getVolume("v-orphan")).toBeUndefined();
  });
});

describe("moveStatus is compare-and-set", () => {
  it("moves rows that hold an expected status and stamps updatedAt", async () => {
    const store = open();
    addVolume(store, "v1");
    addVolume(store, "v2", { status: "error" });
    const before = store.getVolume("v1")!;
    await tick();
    store.moveStatus({ kind: "volume", ids: ["v1", "v2"], from: ["available", "error"], to: "deleting" });
    expect(store.getVolume("v1")?.status).toBe("deleting");
    expect(store.getVolume("v2")?.status).toBe("deleting");
    expect(store.getVolume("v1")!.updatedAt > before.updatedAt).toBe(true);
    expect(store.getVolume("v1")!.createdAt).toBe(before.createdAt);
  });

  it("throws StatusConflictError naming the row, its status and the expected ones, and changes nothing", () => {
    const store = open();
    addGroup(store, "g1", "creating");
    const before = store.getGroup("g1");
    const error = conflictOf(() => store.moveStatus({ kind: "group", ids: ["g1"], from: ["available", "error"], to: "deleting" }));
    expect(error).toMatchObject({ code: "STATUS_CONFLICT", kind: "group", id: "g1", actual: "creating", expected: ["available", "error"] });
    expect(error.message).toContain("g1");
    expect(store.getGroup("g1")).toEqual(before);
  });

  it("a missing or soft-deleted row is a conflict with no actual status", () => {
    const store = open();
    addVolume(store, "v1");
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "deleted", softDelete: true }]);
    expect(conflictOf(() => store.moveStatus({ kind: "volume", ids: ["v1"], from: ["deleted"], to: "available" }))).toMatchObject({ id: "v1", actual: undefined });
    expect(conflictOf(() => store.moveStatus({ kind: "volume", ids: ["nope"], from: ["available"], to: "deleting" }))).toMatchObject({ id: "nope", actual: undefined });
  });

  it("a batch where one row conflicts commits nothing", () => {
    const store = open();
    for (const id of ["v1", "v2", "v3"]) addVolume(store, id);
    store.moveStatus({ kind: "volume", ids: ["v2"], from: ["available"], to: "in-use" });
    const before = store.listVolumes();
    const error = conflictOf(() => store.moveStatus({ kind: "volume", ids: ["v1", "v2", "v3"], from: ["available"], to: "deleting" }));
    expect(error).toMatchObject({ id: "v2", actual: "in-use", expected: ["available"] });
    expect(store.listVolumes()).toEqual(before);
  });

  it("inside a caller's transaction that catches the conflict, the half-done batch is still undone", () => {
    const store = open();
    addGroup(store, "g1");
    for (const id of ["v1", "v2"]) addVolume(store, id);
    store.moveStatus({ kind: "volume", ids: ["v2"], from: ["available"], to: "error" });
    store.transaction(() => {
      store.moveStatus({ kind: "group", ids: ["g1"], from: ["available"], to: "updating" });
      expect(() => store.moveStatus({ kind: "volume", ids: ["v1", "v2"], from: ["available"], to: "deleting" })).toThrow(StatusConflictError);
    });
    expect(store.getGroup("g1")?.status).toBe("updating");
    expect(store.getVolume("v1")?.status).toBe("available");
  });

  it("a one-row move or write (no savepoint of its own) that conflicts inside a caller's transaction changes nothing", () => {
    const store = open();
    addGroup(store, "g1");
    addVolume(store, "v1", { status: "error" });
    const before = store.getVolume("v1");
    store.transaction(() => {
      store.moveStatus({ kind: "group", ids: ["g1"], from: ["available"], to: "updating" });
      expect(() => store.moveStatus({ kind: "volume", ids: ["v1"], from: ["available"], to: "deleting" })).toThrow(StatusConflictError);
      expect(() => store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "deleted", softDelete: true }])).toThrow(StatusConflictError);
    });
    expect(store.getGroup("g1")?.status).toBe("updating");
    expect(store.getVolume("v1")).toEqual(before);
  });

  it("a move of many rows (one set-based UPDATE) names the row that conflicts and moves none", () => {
    const store = open();
    const ids = Array.from({ length: 40 }, (_, i) => `v${i}`);
    for (const id of ids) addVolume(store, id);
    store.setVolumeAttached("v33", true);
    expect(conflictOf(() => store.moveStatus({ kind: "volume", ids, from: ["available"], to: "deleting" }))).toMatchObject({
      kind: "volume",
      id: "v33",
      actual: "in-use",
      expected: ["available"],
    });
    expect(new Set(store.listVolumes().map((v) => v.status))).toEqual(new Set(["available", "in-use"]));
    store.setVolumeAttached("v33", false);
    const stamped = store.moveStatus({ kind: "volume", ids, from: ["available"], to: "deleting" });
    expect(store.listVolumes().every((v) => v.status === "deleting" && v.updatedAt === stamped)).toBe(true);
  });

  it("two stores on one file cannot both move the same row", () => {
    const a = open();
    const b = open();
    addGroup(a, "g1");
    // Both saw it available; the first move wins, the second is told what happened.
    expect(b.getGroup("g1")?.status).toBe("available");
    a.moveStatus({ kind: "group", ids: ["g1"], from: ["available"], to: "deleting" });
    const error = conflictOf(() => b.moveStatus({ kind: "group", ids: ["g1"], from: ["available"], to: "updating" }));
    expect(error).toMatchObject({ id: "g1", actual: "deleting", expected: ["available"] });
    expect(a.getGroup("g1")?.status).toBe("deleting");
    expect(b.getGroup("g1")?.status).toBe("deleting");
  });

  it("refuses a status the entity cannot hold, naming it", () => {
    const store = open();
    addVolume(store, "v1");
    expect(() => store.moveStatus({ kind: "volume", ids: ["v1"], from: ["available"], to: "updating" })).toThrow(/status 'updating' is not a volume status/);
    expect(store.getVolume("v1")?.status).toBe("available");
  });
});

describe("applyWrites", () => {
  it("applies provider fields and merges metadata into what is stored", () => {
    const store = open();
    addGroup(store, "g1", "creating");
    store.applyWrites([
      { kind: "group", id: "g1", expect: ["creating"], status: "available", provider: { providerLocation: "pool-a", metadata: { a: "1", b: "2" } } },
    ]);
    expect(store.getGroup("g1")).toMatchObject({ status: "available", providerLocation: "pool-a", providerId: null, metadata: { a: "1", b: "2" } });
    store.applyWrites([{ kind: "group", id: "g1", expect: ["available"], status: "available", provider: { providerId: "id-9", metadata: { b: "3", c: "4" } } }]);
    // Absent fields keep the stored value; metadata keys are added or replaced, never dropped.
    expect(store.getGroup("g1")).toMatchObject({ providerLocation: "pool-a", providerId: "id-9", metadata: { a: "1", b: "3", c: "4" } });
  });

  it("leaves provider fields NULL when never set", () => {
    const store = open();
    addVolume(store, "v1");
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "error" }]);
    const row = inspect().prepare("SELECT provider_location, provider_id, metadata, last_error, deleted_at FROM volumes WHERE id = 'v1'").get();
    expect(row).toEqual({ provider_location: null, provider_id: null, metadata: "{}", last_error: null, deleted_at: null });
  });

  it("a soft delete hides the row from listings, while get returns it with deletedAt set", () => {
    const store = open();
    addGroup(store, "g1");
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p1", status: "deleting" });
    store.insertSnapshots([{ id: "s1", cgsnapshotId: "c1", volumeId: "v", volumeSizeGb: 1, status: "deleting" }]);
    store.applyWrites([
      { kind: "cgsnapshot", id: "c1", expect: ["deleting"], status: "deleted", softDelete: true },
      { kind: "snapshot", id: "s1", expect: ["deleting"], status: "deleted", softDelete: true },
    ]);
    expect(store.getCgSnapshot("c1")).toMatchObject({ status: "deleted", deletedAt: expect.any(String) });
    expect(store.getSnapshot("s1")?.deletedAt).not.toBeNull();
    expect(store.listCgSnapshots()).toEqual([]);
    expect(store.listCgSnapshots({ groupId: "g1" })).toEqual([]);
    expect(store.listSnapshots("c1")).toEqual([]);
    expect(store.listCgSnapshots({ groupId: "g1", includeDeleted: true }).map((c) => c.id)).toEqual(["c1"]);
    expect(store.listSnapshots("c1", { includeDeleted: true }).map((s) => s.id)).toEqual(["s1"]);
  });

  it("sets a volume's group with a string, clears it with null and leaves it with undefined", () => {
    const store = open();
    addGroup(store, "g1");
    addVolume(store, "v1");
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "available", groupId: "g1" }]);
    expect(store.getVolume("v1")?.groupId).toBe("g1");
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "available" }]);
    expect(store.getVolume("v1")?.groupId).toBe("g1");
    expect(store.listVolumes({ groupId: "g1" }).map((v) => v.id)).toEqual(["v1"]);
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["available"], status: "available", groupId: null }]);
    expect(store.getVolume("v1")?.groupId).toBeNull();
    expect(store.listVolumes({ groupId: "g1" })).toEqual([]);
  });

  it("refuses groupId on anything but a volume", () => {
    const store = open();
    addGroup(store, "g1");
    expect(() => store.applyWrites([{ kind: "group", id: "g1", expect: ["available"], status: "available", groupId: "g2" }])).toThrow(/only volumes change group/);
  });

  it("stores lastError as JSON and reads it back parsed; recordLastError touches nothing else", () => {
    const store = open();
    addVolume(store, "v1", { status: "creating" });
    addVolume(store, "v2", { status: "deleting" });
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["creating"], status: "error", lastError }]);
    expect(store.getVolume("v1")?.lastError).toEqual(lastError);
    expect(JSON.parse(String(inspect().prepare<[], { last_error: string }>("SELECT last_error FROM volumes WHERE id = 'v1'").get()?.last_error))).toEqual(lastError);
    // A later write without lastError keeps the recorded one.
    store.applyWrites([{ kind: "volume", id: "v1", expect: ["error"], status: "error" }]);
    expect(store.getVolume("v1")?.lastError).toEqual(lastError);

    const other = { ...lastError, message: "timed out", operationId: "op-2" };
    store.recordLastError("volume", ["v2"], other);
    expect(store.getVolume("v2")).toMatchObject({ status: "deleting", lastError: other });
    expect(() => store.recordLastError("volume", ["ghost"], other)).toThrow(/volume 'ghost'/);
  });

  it("many identical writes go as one set-based UPDATE beside row-by-row ones; one conflict among them commits nothing", () => {
    const store = open();
    addGroup(store, "g1");
    const ids = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    for (const id of ids) addVolume(store, id, { status: "deleting", groupId: "g1" });
    const deleted = (id: string): RowWrite => ({ kind: "volume", id, expect: ["deleting"], status: "deleted", softDelete: true });
    // 38 identical writes (set-based), two of other shapes (row by row).
    const writes: RowWrite[] = [
      ...ids.slice(0, 38).map(deleted),
      { kind: "volume", id: "v38", expect: ["deleting"], status: "error_deleting", provider: { metadata: { why: "busy" } } },
      { kind: "volume", id: "v39", expect: ["deleting"], status: "available", groupId: null },
    ];
    const before = store.listVolumes({ includeDeleted: true });

    // One row of the set-based batch is not where the write expects it: nothing is kept.
    store.moveStatus({ kind: "volume", ids: ["v17"], from: ["deleting"], to: "error" });
    const held = store.listVolumes({ includeDeleted: true });
    expect(conflictOf(() => store.applyWrites(writes))).toMatchObject({ kind: "volume", id: "v17", actual: "error", expected: ["deleting"] });
    expect(store.listVolumes({ includeDeleted: true })).toEqual(held);

    store.moveStatus({ kind: "volume", ids: ["v17"], from: ["error"], to: "deleting" });
    store.applyWrites(writes);
    const after = new Map(store.listVolumes({ includeDeleted: true }).map((v) => [v.id, v]));
    for (const id of ids.slice(0, 38)) expect(after.get(id)).toMatchObject({ status: "deleted", deletedAt: expect.any(String), groupId: "g1" });
    expect(after.get("v38")).toMatchObject({ status: "error_deleting", deletedAt: null, metadata: { why: "busy" }, groupId: "g1" });
    expect(after.get("v39")).toMatchObject({ status: "available", deletedAt: null, groupId: null });
    expect(before).toHaveLength(40);
  });

  it("writes of two shapes interleaved, each shape 32 or more, land each with its own values", () => {
    const store = open();
    addGroup(store, "g1");
    const ids = Array.from({ length: 70 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    for (const id of ids) addVolume(store, id, { status: "deleting", groupId: "g1" });
    const writes: RowWrite[] = ids.map((id, i) =>
      i % 2 === 0
        ? { kind: "volume", id, expect: ["deleting"], status: "deleted", softDelete: true }
        : { kind: "volume", id, expect: ["deleting"], status: "error_deleting" },
    );
    const at = store.applyWrites(writes);
    ids.forEach((id, i) =>
      expect(store.getVolume(id)).toMatchObject(i % 2 === 0 ? { status: "deleted", deletedAt: at } : { status: "error_deleting", deletedAt: null, updatedAt: at }),
    );
  });

  it("a batch where one write conflicts commits none of it", () => {
    const store = open();
    addGroup(store, "g1", "creating");
    addVolume(store, "v1", { status: "creating" });
    addVolume(store, "v2", { status: "available" });
    const writes: RowWrite[] = [
      { kind: "group", id: "g1", expect: ["creating"], status: "available", provider: { providerLocation: "x" } },
      { kind: "volume", id: "v1", expect: ["creating"], status: "available", groupId: "g1" },
      { kind: "volume", id: "v2", expect: ["creating"], status: "available" },
    ];
    const before = { group: store.getGroup("g1"), volumes: store.listVolumes() };
    expect(conflictOf(() => store.applyWrites(writes))).toMatchObject({ kind: "volume", id: "v2", actual: "available", expected: ["creating"] });
    expect({ group: store.getGroup("g1"), volumes: store.listVolumes() }).toEqual(before);
  });
});

describe("setVolumeAttached", () => {
  it("moves available to in-use and back, and refuses any other starting status", () => {
    const store = open();
    addVolume(store, "v1");
    store.setVolumeAttached("v1", true);
    expect(store.getVolume("v1")?.status).toBe("in-use");
    expect(conflictOf(() => store.setVolumeAttached("v1", true))).toMatchObject({ id: "v1", actual: "in-use", expected: ["available"] });
    store.setVolumeAttached("v1", false);
    expect(store.getVolume("v1")?.status).toBe("available");
    expect(conflictOf(() => store.setVolumeAttached("v1", false))).toMatchObject({ actual: "available", expected: ["in-use"] });
    addVolume(store, "v2", { status: "error" });
    expect(conflictOf(() => store.setVolumeAttached("v2", true))).toMatchObject({ id: "v2", actual: "error" });
  });
});

describe("transaction", () => {
  it("a throw rolls back everything written inside and rethrows the same error", () => {
    const store = open();
    addGroup(store, "g1");
    const boom = new Error("boom");
    expect(() =>
      store.transaction(() => {
        addVolume(store, "v1", { groupId: "g1" });
        store.moveStatus({ kind: "group", ids: ["g1"], from: ["available"], to: "deleting" });
        store.openJournal({ operationId: "op-1", kind: "delete_group", groupId: "g1", rows: { groups: ["g1"], volumes: [], cgsnapshots: [], snapshots: [] }, request: {} });
        throw boom;
      }),
    ).toThrow(boom);
    expect(store.getVolume("v1")).toBeUndefined();
    expect(store.getGroup("g1")?.status).toBe("available");
    expect(store.getJournal("op-1")).toBeUndefined();
  });

  it("returns fn's value, and a nested throw caught by the outer undoes only the inner part", () => {
    const store = open();
    const value = store.transaction(() => {
      addGroup(store, "g1");
      try {
        store.transaction(() => {
          addGroup(store, "g2");
          throw new Error("inner");
        });
      } catch {
        // The outer decides to go on without the inner part.
      }
      return 42;
    });
    expect(value).toBe(42);
    expect(store.getGroup("g1")).toBeDefined();
    expect(store.getGroup("g2")).toBeUndefined();
  });
});

describe("read", () => {
  it("runs fn's reads in one snapshot: a commit from another connection meanwhile is not seen inside", () => {
    const store = open();
    addGroup(store, "g1");
    const other = new Database(dbPath);
    temp.track(other);
    const seen = store.read(() => {
      const first = store.getGroup("g1")?.status;
      other.prepare("UPDATE groups SET status = 'error' WHERE id = 'g1'").run();
      return [first, store.getGroup("g1")?.status];
    });
    expect(seen).toEqual(["available", "available"]);
    // After the read transaction, the other connection's commit is there.
    expect(store.getGroup("g1")?.status).toBe("error");
  });

  it("returns fn's value and rethrows its error, leaving no transaction open", () => {
    const store = open();
    expect(store.read(() => 7)).toBe(7);
    const boom = new Error("boom");
    expect(() => store.read(() => { throw boom; })).toThrow(boom);
    addGroup(store, "after");
    expect(store.getGroup("after")).toBeDefined();
  });
});

describe("commit (group commit)", () => {
  /** Bytes of WAL so far: each transaction appends every page it changed (no checkpoint runs this early). */
  function walBytes(): number {
    return statSync(`${dbPath}-wal`).size;
  }

  it("commit() calls of one event-loop turn share one transaction: fewer WAL pages than one commit each", async () => {
    const shared = open();
    const sharedStart = walBytes();
    const values = await Promise.all(["g1", "g2", "g3", "g4"].map((id) => shared.commit(() => (addGroup(shared, id), id))));
    expect(values).toEqual(["g1", "g2", "g3", "g4"]);
    const sharedBytes = walBytes() - sharedStart;
    shared.close();

    rmSync(join(temp.path, "state"), { recursive: true, force: true });
    const separate = open();
    const separateStart = walBytes();
    for (const id of ["g1", "g2", "g3", "g4"]) await separate.commit(() => addGroup(separate, id));
    const separateBytes = walBytes() - separateStart;

    expect(separate.listGroups().map((g) => g.id)).toEqual(["g1", "g2", "g3", "g4"]);
    expect(sharedBytes).toBeGreaterThan(0);
    expect(sharedBytes).toBeLessThan(separateBytes);
  });

  it("a fn that throws is undone alone and rejects alone; the others of its batch commit", async () => {
    const store = open();
    addGroup(store, "g1");
    const results = await Promise.allSettled([
      store.commit(() => addGroup(store, "a")),
      store.commit(() => {
        addGroup(store, "b");
        // A conflict after a write: the write must go too.
        store.moveStatus({ kind: "group", ids: ["g1"], from: ["deleting"], to: "available" });
      }),
      store.commit(() => addGroup(store, "c")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StatusConflictError);
    const stored = inspect().prepare("SELECT id FROM groups ORDER BY rowid").pluck().all();
    expect(stored).toEqual(["g1", "a", "c"]);
  });

  it("rejects what is still queued when the store closes first, writing nothing", async () => {
    const store = open();
    const pending = store.commit(() => addGroup(store, "late"));
    store.close();
    await expect(pending).rejects.toThrow(/closed/);
    const reopened = open();
    expect(reopened.getGroup("late")).toBeUndefined();
  });
});

describe("rowAfterWrite: the row applyWrites leaves, computed without reading it", () => {
  it("agrees with the stored rows for every kind of write, set-based and row by row, and applyWrites returns the stamp", () => {
    const store = open();
    addGroup(store, "g1");
    addGroup(store, "g2");
    const ids = Array.from({ length: 40 }, (_, i) => `v${String(i).padStart(2, "0")}`);
    for (const id of ids) addVolume(store, id, { status: "deleting", groupId: "g1" });
    // Rows that already carry provider fields, metadata and a last error, for the writes to merge into or keep.
    store.applyWrites([
      { kind: "volume", id: "v34", expect: ["deleting"], status: "deleting", provider: { providerLocation: "old", providerId: "old-id", metadata: { a: "1", b: "2" } }, lastError },
      { kind: "volume", id: "v35", expect: ["deleting"], status: "deleting", provider: { metadata: { keep: "me" } } },
    ]);
    const deleted = (id: string): RowWrite => ({ kind: "volume", id, expect: ["deleting"], status: "deleted", softDelete: true });
    const writes: RowWrite[] = [
      ...ids.slice(0, 34).map(deleted), // one set-based UPDATE
      { kind: "volume", id: "v34", expect: ["deleting"], status: "error_deleting", provider: { providerLocation: "new", metadata: { b: "3", c: "4" } } },
      { kind: "volume", id: "v35", expect: ["deleting"], status: "error", lastError: { ...lastError, message: "second" } },
      { kind: "volume", id: "v36", expect: ["deleting"], status: "available", groupId: null },
      { kind: "volume", id: "v37", expect: ["deleting"], status: "available", groupId: "g2", provider: { providerId: "pid" } },
      { kind: "volume", id: "v38", expect: ["deleting"], status: "deleted", softDelete: true, provider: { metadata: { z: "9" } } },
      { kind: "volume", id: "v39", expect: ["deleting"], status: "error_deleting" },
    ];
    const before = store.listVolumes({ groupId: "g1" });
    const untouched = structuredClone(before);
    const at = store.applyWrites(writes);
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // rowAfterWrite copies: the row it is given stays as it was.
    for (const [i, write] of writes.entries()) expect(rowAfterWrite(before[i]!, write, at)).toEqual(store.getVolume(write.id));
    expect(before).toEqual(untouched);
    // rowsAfterWrites writes into the rows it is given and returns them.
    const computed = rowsAfterWrites("volume", before, writes, at)!;
    expect(computed).toHaveLength(40);
    expect(computed.every((row, i) => row === before[i])).toBe(true);
    expect(store.getVolumes(ids)).toEqual(computed);
    // Only what the write names changes: the untouched provider fields and metadata keys stay.
    expect(computed[34]).toMatchObject({ providerLocation: "new", providerId: "old-id", metadata: { a: "1", b: "3", c: "4" }, lastError });
  });

  it("rowsAfterWrites gives up, leaving every row as it was, when a row has no write, has two, or a write names another row", () => {
    const store = open();
    addVolume(store, "v1");
    addVolume(store, "v2");
    const rows = store.listVolumes();
    const stored = structuredClone(rows);
    const write = (id: string): RowWrite => ({ kind: "volume", id, expect: ["available"], status: "error" });
    expect(rowsAfterWrites("volume", rows, [write("v1")], "t")).toBeUndefined();
    expect(rowsAfterWrites("volume", rows, [write("v1"), write("v2"), write("v2")], "t")).toBeUndefined();
    expect(rowsAfterWrites("volume", rows, [write("v1"), write("v3")], "t")).toBeUndefined();
    expect(rows).toEqual(stored);
    expect(rowsAfterWrites("volume", rows, [write("v2"), write("v1"), { ...write("g"), kind: "group" }], "t")?.map((v) => v.id)).toEqual(["v1", "v2"]);
    expect(rows.map((v) => [v.status, v.updatedAt])).toEqual([["error", "t"], ["error", "t"]]);
  });
});

describe("insertGroup", () => {
  it("returns the row as stored", () => {
    const store = open();
    const returned = store.insertGroup({
      id: "g1",
      name: "n",
      description: "d",
      projectId: "p1",
      volumeTypes: ["gold", "silver"],
      status: "creating",
      sourceCgsnapshotId: null,
      sourceGroupId: "g0",
    });
    expect(returned).toEqual(store.getGroup("g1"));
  });
});

describe("insertSnapshots", () => {
  it("returns the rows as stored, in the order given, across cgsnapshots", () => {
    const store = open();
    addGroup(store, "g1");
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p1", status: "creating" });
    store.insertCgSnapshot({ id: "c2", groupId: "g1", name: "d", description: "", projectId: "p1", status: "creating" });
    const returned = store.insertSnapshots([
      { id: "s1", cgsnapshotId: "c1", volumeId: "v1", volumeSizeGb: 3, status: "creating" },
      { id: "s2", cgsnapshotId: "c2", volumeId: "v1", volumeSizeGb: 3, status: "available" },
      { id: "s3", cgsnapshotId: "c1", volumeId: "v2", volumeSizeGb: 5, status: "creating" },
    ]);
    expect(returned).toEqual(store.getSnapshots(["s1", "s2", "s3"]));
    expect(returned.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
  });
});

describe("counts", () => {
  it("countVolumes and countSnapshots count what the listings of the same filter return", () => {
    const store = open();
    addGroup(store, "g1");
    for (const id of ["v1", "v2", "v3"]) addVolume(store, id, { groupId: "g1" });
    addVolume(store, "v-free");
    store.applyWrites([{ kind: "volume", id: "v2", expect: ["available"], status: "deleted", softDelete: true }]);
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p1", status: "available" });
    store.insertSnapshots(["s1", "s2"].map((id) => ({ id, cgsnapshotId: "c1", volumeId: "v1", volumeSizeGb: 1, status: "available" as const })));
    store.applyWrites([{ kind: "snapshot", id: "s1", expect: ["available"], status: "deleted", softDelete: true }]);
    for (const includeDeleted of [false, true]) {
      expect(store.countVolumes({ groupId: "g1", includeDeleted })).toBe(store.listVolumes({ groupId: "g1", includeDeleted }).length);
      expect(store.countSnapshots("c1", { includeDeleted })).toBe(store.listSnapshots("c1", { includeDeleted }).length);
    }
    expect([store.countVolumes({ groupId: "g1" }), store.countVolumes({ groupId: "g1", includeDeleted: true }), store.countSnapshots("c1")]).toEqual([2, 3, 1]);
    expect(store.countVolumes({ groupId: "nothing" })).toBe(0);
  });
});

describe("listings", () => {
  it("list in insertion order, not id order, and leave out soft-deleted rows unless asked", () => {
    const store = open();
    for (const id of ["g-c", "g-a", "g-b"]) addGroup(store, id);
    for (const id of ["v-z", "v-a", "v-m"]) addVolume(store, id, { groupId: "g-a" });
    addVolume(store, "v-free");
    store.applyWrites([{ kind: "volume", id: "v-a", expect: ["available"], status: "deleted", softDelete: true }]);
    expect(store.listGroups().map((g) => g.id)).toEqual(["g-c", "g-a", "g-b"]);
    expect(store.listVolumes({ groupId: "g-a" }).map((v) => v.id)).toEqual(["v-z", "v-m"]);
    expect(store.listVolumes({ groupId: "g-a", includeDeleted: true }).map((v) => v.id)).toEqual(["v-z", "v-a", "v-m"]);
    expect(store.listVolumes().map((v) => v.id)).toEqual(["v-z", "v-m", "v-free"]);
  });

  it("listSnapshots returns snapshots in insertion order across batches, with the cgsnapshot's project", () => {
    const store = open();
    addGroup(store, "g1");
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p7", status: "creating" });
    const snap = (id: string) => ({ id, cgsnapshotId: "c1", volumeId: `vol-${id}`, volumeSizeGb: 5, status: "creating" as const });
    store.insertSnapshots(["s-q", "s-b", "s-x"].map(snap));
    store.insertSnapshots(["s-a"].map(snap));
    const listed = store.listSnapshots("c1");
    expect(listed.map((s) => s.id)).toEqual(["s-q", "s-b", "s-x", "s-a"]);
    expect(listed[0]).toMatchObject({ projectId: "p7", volumeId: "vol-s-q", volumeSizeGb: 5, metadata: {}, providerLocation: null, lastError: null });
    const positions = inspect().prepare<[], { id: string; position: number }>("SELECT id, position FROM snapshots ORDER BY position").all();
    expect(positions).toEqual([{ id: "s-q", position: 0 }, { id: "s-b", position: 1 }, { id: "s-x", position: 2 }, { id: "s-a", position: 3 }]);
  });

  it("insertSnapshots is one transaction: a duplicate id inserts none of the batch, and the error names it", () => {
    const store = open();
    addGroup(store, "g1");
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p1", status: "creating" });
    const snap = (id: string) => ({ id, cgsnapshotId: "c1", volumeId: "v", volumeSizeGb: 1, status: "creating" as const });
    expect(() => store.insertSnapshots([snap("s1"), snap("s2"), snap("s1")])).toThrow(/snapshot 's1'/);
    expect(store.listSnapshots("c1")).toEqual([]);
    expect(() => store.insertSnapshots([{ ...snap("s9"), cgsnapshotId: "nope" }])).toThrow(/cgsnapshot 'nope'/);
  });
});

describe("journal", () => {
  const rows = { groups: ["g1"], volumes: ["v1", "v2"], cgsnapshots: [], snapshots: [] };

  it("opens, lists open entries oldest first, closes with a result, and keeps closed entries readable", () => {
    const store = open();
    store.openJournal({ operationId: "op-b", kind: "update_group", groupId: "g1", rows, request: { addIds: ["v1"], removeIds: [] } });
    store.openJournal({ operationId: "op-a", kind: "delete_group", groupId: "g1", rows, request: { deleteVolumes: true } });
    expect(store.listOpenJournal().map((e) => e.operationId)).toEqual(["op-b", "op-a"]);
    expect(store.getJournal("op-b")).toMatchObject({ kind: "update_group", groupId: "g1", rows, request: { addIds: ["v1"], removeIds: [] }, state: "open", result: null, closedAt: null });

    store.closeJournal("op-b", "update_group.ok");
    expect(store.listOpenJournal().map((e) => e.operationId)).toEqual(["op-a"]);
    expect(store.getJournal("op-b")).toMatchObject({ state: "closed", result: "update_group.ok", closedAt: expect.any(String) });
    expect(inspect().prepare("SELECT state, result FROM journal WHERE operation_id = 'op-b'").get()).toEqual({ state: "closed", result: "update_group.ok" });
  });

  it("closing twice or closing an unknown entry throws, naming the operation", () => {
    const store = open();
    store.openJournal({ operationId: "op-1", kind: "create_group", groupId: "g1", rows, request: null });
    store.closeJournal("op-1", "create_group.ok");
    expect(() => store.closeJournal("op-1", "again")).toThrow(/'op-1' is already closed/);
    expect(() => store.closeJournal("op-404", "x")).toThrow(/'op-404' does not exist/);
    expect(store.getJournal("op-1")?.result).toBe("create_group.ok");
  });

  it("pruneJournal deletes closed entries started before the cutoff, never an open one", () => {
    const store = open();
    for (const id of ["old-closed", "old-open", "new-closed"]) {
      store.openJournal({ operationId: id, kind: "create_group", groupId: "g1", rows, request: null });
    }
    store.closeJournal("old-closed", "create_group.ok");
    store.closeJournal("new-closed", "create_group.ok");
    // Back-date two entries, as if started a week ago.
    const db = new Database(dbPath);
    temp.track(db);
    db.prepare("UPDATE journal SET created_at = '2026-01-01T00:00:00.000Z' WHERE operation_id IN ('old-closed', 'old-open')").run();

    expect(store.pruneJournal("2026-06-01T00:00:00.000Z")).toBe(1);
    expect(store.getJournal("old-closed")).toBeUndefined();
    expect(store.getJournal("old-open")?.state).toBe("open");
    expect(store.getJournal("new-closed")?.state).toBe("closed");
    expect(store.pruneJournal("2026-06-01T00:00:00.000Z")).toBe(0);
  });

  it("open entries survive a reopen: what recovery reads after a host died", () => {
    const first = open();
    first.openJournal({ operationId: "op-1", kind: "create_cgsnapshot", groupId: "g1", rows, request: { name: "n" } });
    first.close();
    expect(open().listOpenJournal()).toMatchObject([{ operationId: "op-1", state: "open", request: { name: "n" } }]);
  });
});
