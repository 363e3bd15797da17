// Who copies the write-ahead log into the database file: SQLite inside a commit (inline, the
// default) or a worker thread with its own connection (background, what a host runs with).
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Checkpointer } from "../host/store/checkpointer.js";
import { openSqliteStore } from "../host/store/index.js";
import type { SqliteStore } from "../host/store/sqlite-store.js";
import { tempDirPerTest } from "./support/temp-dir.js";

const temp = tempDirPerTest("cghost-checkpoints-");
let dbPath: string;

beforeEach(() => {
  dbPath = join(temp.path, "cghost.db");
});

function open(checkpoints?: "inline" | "background", path = dbPath): SqliteStore {
  const store = openSqliteStore({ path, ...(checkpoints ? { checkpoints } : {}) });
  temp.track(store);
  return store;
}

function addGroup(store: SqliteStore, id: string): void {
  store.insertGroup({ id, name: id, description: "", projectId: "p1", volumeTypes: ["gold"], status: "available", sourceCgsnapshotId: null, sourceGroupId: null });
}

/** `count` volumes of group g in one transaction. */
function addVolumes(store: SqliteStore, prefix: string, count: number): void {
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      store.insertVolume({ id: `${prefix}-${i}`, name: `v${i}`, sizeGb: 1, volumeType: "gold", projectId: "p1", status: "available", groupId: "g", sourceId: null });
    }
  });
}

describe("inline checkpoints (the default)", () => {
  it("leave checkpoints to SQLite's commits and start no worker", () => {
    const store = open();
    expect(store.settings()).toMatchObject({ checkpoints: "inline", walAutocheckpoint: 1000 });
    expect(store.checkpointStats()).toBeUndefined();
  });

  it("are what an in-memory store gets even when background is asked (it has no log)", () => {
    const store = open("background", ":memory:");
    expect(store.settings().checkpoints).toBe("inline");
    expect(store.checkpointStats()).toBeUndefined();
  });
});

describe("background checkpoints", () => {
  it("turn off the connection's own checkpoints and copy a large commit's log from the worker", async () => {
    const store = open("background");
    expect(store.settings()).toMatchObject({ checkpoints: "background", walAutocheckpoint: 0 });
    addGroup(store, "g");
    await vi.waitFor(() => expect(store.checkpointStats()!.state).toBe("running"), { timeout: 10_000 });

    // 40,000 rows are a log of over a thousand pages: inline, this commit would have checkpointed.
    const runsBefore = store.checkpointStats()!.runs;
    addVolumes(store, "v", 40_000);
    await vi.waitFor(
      () => {
        const stats = store.checkpointStats()!;
        expect(stats.runs).toBeGreaterThan(runsBefore);
        expect(stats.framesCheckpointed).toBeGreaterThan(1000);
      },
      { timeout: 10_000 },
    );
    expect(store.countVolumes({ groupId: "g" })).toBe(40_000);
  });

  it("let the store write on while the worker checkpoints: no busy errors, nothing lost", async () => {
    const store = open("background");
    addGroup(store, "g");
    await vi.waitFor(() => expect(store.checkpointStats()!.state).toBe("running"), { timeout: 10_000 });
    const runsBefore = store.checkpointStats()!.runs;
    // Write in many commits until the worker has run several times in between.
    let batch = 0;
    while (store.checkpointStats()!.runs < runsBefore + 3) {
      addVolumes(store, `b${batch}`, 200);
      batch++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(store.countVolumes({ groupId: "g" })).toBe(batch * 200);
    expect(store.checkpointStats()!.state).toBe("running");
  });

  it("close the worker's connection before the store's, so the log is removed and the data is in the file", () => {
    const store = open("background");
    addGroup(store, "g");
    addVolumes(store, "v", 2000);
    store.close();
    expect(store.checkpointStats()!.state).toBe("closed");
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    temp.track(db);
    expect(db.prepare("SELECT count(*) FROM volumes WHERE group_id = 'g'").pluck().get()).toBe(2000);
  });

  it("close cleanly right after opening, while the worker is still loading", () => {
    const store = open("background");
    // Loading takes the worker tens of milliseconds; a very busy machine may let it finish first.
    expect(["starting", "running"]).toContain(store.checkpointStats()!.state);
    store.close();
    expect(store.checkpointStats()!.state).toBe("closed");
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
  });
});

describe("a checkpointer whose worker fails", () => {
  it("hands checkpoints back to the store's connection", async () => {
    const store = open("background");
    // The worker opens the file by name ~60 ms from now; the store's connection holds it open.
    const moved = `${dbPath}.moved`;
    renameSync(dbPath, moved);
    try {
      await vi.waitFor(() => expect(store.settings().checkpoints).toBe("inline"), { timeout: 10_000 });
    } finally {
      renameSync(moved, dbPath);
    }
    expect(store.checkpointStats()!.state).toBe("failed");
    expect(store.settings().walAutocheckpoint).toBe(1000);
    addGroup(store, "g");
    expect(store.getGroup("g")?.status).toBe("available");
  });

  it("reports the failure once, with the reason, and closes", async () => {
    const store = open("inline");
    const failures: string[] = [];
    const checkpointer = new Checkpointer({
      path: dbPath,
      synchronous: "NORMAL",
      busyTimeoutMs: 1000,
      driver: join(temp.path, "no-such-driver.js"),
      onFailure: (reason) => failures.push(reason),
    });
    temp.track(checkpointer);
    await vi.waitFor(() => expect(failures).toHaveLength(1), { timeout: 10_000 });
    expect(failures[0]).toContain("no-such-driver.js");
    expect(checkpointer.failed).toBe(true);
    // Nothing of it is left running: its thread ends.
    await checkpointer.ended;
    expect(checkpointer.stats().state).toBe("failed");
    checkpointer.close();
    expect(checkpointer.stats().state).toBe("failed");
    expect(store.settings().checkpoints).toBe("inline");
  });

  it("that fails while running (an I/O error) ends its thread and hands back once", async () => {
    // A stand-in for better-sqlite3 whose checkpoints fail: the worker opens fine, then fails.
    const driver = join(temp.path, "failing-driver.cjs");
    writeFileSync(
      driver,
      `module.exports = class { pragma(sql) { if (sql.startsWith("wal_checkpoint")) throw new Error("disk I/O error (stand-in)"); return []; } close() {} };`,
    );
    const failures: string[] = [];
    const checkpointer = temp.track(
      new Checkpointer({ path: dbPath, synchronous: "NORMAL", busyTimeoutMs: 1000, intervalMs: 10, driver, onFailure: (reason) => failures.push(reason) }),
    );
    await checkpointer.ended;
    expect(failures).toEqual(["disk I/O error (stand-in)"]);
    expect(checkpointer.stats()).toMatchObject({ state: "failed", runs: 0 });
  });

});
