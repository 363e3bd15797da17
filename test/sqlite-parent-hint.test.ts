// The Parents hint of large moves and writes: the store updates through the parent's index when
// the named rows are all of the parent's live rows, and by id otherwise, with the same result.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RowWrite } from "../host/model.js";
import { openSqliteStore, StatusConflictError } from "../host/store/index.js";
import type { SqliteStore } from "../host/store/sqlite-store.js";

/** More than the store's threshold for set-based UPDATEs (32). */
const N = 40;

let dir: string;
let store: SqliteStore;
/** The UPDATEs the store ran, by the way they find rows. */
let updates: Array<"by id" | "by parent">;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cghost-parent-hint-"));
  store = openSqliteStore({ path: join(dir, "cghost.db") });
  updates = [];
  // Count the set-based UPDATEs as they run: the store prepares each shape on first use.
  const db = (store as unknown as { db: Database.Database }).db;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    if (sql.startsWith("UPDATE") && sql.includes("RETURNING")) {
      const all = statement.all.bind(statement);
      statement.all = ((...params: unknown[]) => {
        updates.push(sql.includes("json_each") ? "by id" : "by parent");
        return all(...params);
      }) as typeof statement.all;
    }
    return statement;
  }) as typeof db.prepare;
  for (const g of ["g1", "g2"]) {
    store.insertGroup({ id: g, name: g, description: "", projectId: "p1", volumeTypes: ["gold"], status: "available", sourceCgsnapshotId: null, sourceGroupId: null });
  }
});

afterEach(() => {
  try {
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function addVolumes(groupId: string, prefix: string, count: number, status: "available" | "error" = "available"): string[] {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  for (const id of ids) store.insertVolume({ id, name: id, sizeGb: 1, volumeType: "gold", projectId: "p1", status, groupId, sourceId: null });
  return ids;
}

function statuses(groupId: string): Record<string, string> {
  return Object.fromEntries(store.listVolumes({ groupId, includeDeleted: true }).map((v) => [v.id, v.status]));
}

const toDeleting = (ids: readonly string[], parent?: string) =>
  ({ kind: "volume", ids, from: ["available", "error"], to: "deleting", ...(parent === undefined ? {} : { parent }) }) as const;

describe("a move naming its parent", () => {
  it("updates through the parent's index when the named rows are all of its live rows", () => {
    const ids = addVolumes("g1", "v", N);
    store.moveStatus(toDeleting(ids, "g1"));
    expect(updates).toEqual(["by parent"]);
    expect(Object.values(statuses("g1"))).toEqual(Array(N).fill("deleting"));
  });

  it("finds them in any order", () => {
    const ids = addVolumes("g1", "v", N);
    store.moveStatus(toDeleting([...ids].reverse(), "g1"));
    expect(updates).toEqual(["by parent"]);
    expect(Object.values(statuses("g1"))).toEqual(Array(N).fill("deleting"));
  });

  it("moves only the named rows when the parent holds another in those statuses (undone, then by id)", () => {
    const ids = addVolumes("g1", "v", N);
    const [other] = addVolumes("g1", "x", 1);
    store.moveStatus(toDeleting(ids, "g1"));
    expect(updates).toEqual(["by parent", "by id"]);
    const after = statuses("g1");
    expect(after[other!]).toBe("available");
    expect(ids.every((id) => after[id] === "deleting")).toBe(true);
  });

  it("still moves named rows that are not the parent's (a wrong hint costs time only)", () => {
    const ids = addVolumes("g1", "v", N);
    store.moveStatus(toDeleting(ids, "g2"));
    expect(updates).toEqual(["by parent", "by id"]);
    expect(Object.values(statuses("g1"))).toEqual(Array(N).fill("deleting"));
  });

  it("names the row in the way and changes nothing when one is not in an expected status", () => {
    const ids = addVolumes("g1", "v", N);
    store.moveStatus({ kind: "volume", ids: [ids[7]!], from: ["available"], to: "in-use" });
    let error: unknown;
    try {
      store.transaction(() => store.moveStatus(toDeleting(ids, "g1")));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StatusConflictError);
    expect(error).toMatchObject({ kind: "volume", id: ids[7], actual: "in-use" });
    const after = statuses("g1");
    expect(after[ids[7]!]).toBe("in-use");
    expect(ids.filter((id) => id !== ids[7]).every((id) => after[id] === "available")).toBe(true);
  });
});

describe("writes naming their parents", () => {
  const deleted = (id: string): RowWrite => ({ kind: "volume", id, expect: ["deleting"], status: "deleted", softDelete: true });

  it("apply a uniform batch through the parent's index, soft deletes included", () => {
    const ids = addVolumes("g1", "v", N);
    store.moveStatus(toDeleting(ids));
    updates.length = 0;
    store.applyWrites(ids.map(deleted), { volume: "g1" });
    expect(updates).toEqual(["by parent"]);
    expect(store.countVolumes({ groupId: "g1" })).toBe(0);
    expect(Object.values(statuses("g1"))).toEqual(Array(N).fill("deleted"));
  });

  it("apply mixed outcomes, each row as written", () => {
    const ids = addVolumes("g1", "v", 2 * N);
    store.moveStatus(toDeleting(ids));
    updates.length = 0;
    const writes = ids.map((id, i): RowWrite => (i % 2 === 0 ? deleted(id) : { kind: "volume", id, expect: ["deleting"], status: "error_deleting" }));
    store.applyWrites(writes, { volume: "g1" });
    // The first batch is not all of the parent's "deleting" rows: undone, then by id. After it,
    // the second batch is.
    expect(updates).toEqual(["by parent", "by id", "by parent"]);
    const after = statuses("g1");
    expect(ids.every((id, i) => after[id] === (i % 2 === 0 ? "deleted" : "error_deleting"))).toBe(true);
  });

  it("cover a cgsnapshot's snapshots", () => {
    const volumes = addVolumes("g1", "v", N);
    store.insertCgSnapshot({ id: "c1", groupId: "g1", name: "c", description: "", projectId: "p1", status: "creating" });
    const snapshots = volumes.map((v, i) => ({ id: `s-${i}`, cgsnapshotId: "c1", volumeId: v, volumeSizeGb: 1, status: "creating" as const }));
    store.insertSnapshots(snapshots);
    store.applyWrites(
      snapshots.map((s): RowWrite => ({ kind: "snapshot", id: s.id, expect: ["creating"], status: "available" })),
      { snapshot: "c1" },
    );
    expect(updates).toEqual(["by parent"]);
    expect(store.listSnapshots("c1").map((s) => s.status)).toEqual(Array(N).fill("available"));
  });
});
