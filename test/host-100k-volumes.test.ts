// A group of 100,000 volumes goes through the real host and a real plugin process without hitting
// a message limit: one UpdateConsistencyGroup adding all of them, a CreateCgSnapshot and a
// DeleteCgSnapshot naming 100,000 snapshots, and a DeleteConsistencyGroup with all its volumes
// (each request well over grpc-js's default 4 MiB; the host's and the SDK's limit is 64 MiB).
// The statuses are checked in the database by counting, per status.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../host/store/index.js";
import { startHarness, type Harness } from "./support/host-harness.js";

const VOLUMES = 100_000;

let h: Harness;
const timings: Record<string, number> = {};

/** Runs `step`, recording how long it took under `name` (reported at the end, never asserted). */
async function timed<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await step();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

/** Rows of `table` per status, deleted rows included. */
function countsByStatus(table: string, where: string, ...params: unknown[]): Record<string, number> {
  const rows = h.query<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM ${table} WHERE ${where} GROUP BY status`, ...params);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

beforeAll(async () => {
  h = await startHarness({ script: {} });
});

afterAll(async () => {
  await h?.close();
  // One line for whoever watches the host's speed; the test asserts no timing.
  console.info(`host-100k-volumes timings (ms): ${JSON.stringify(timings)}`);
});

describe(`a group of ${VOLUMES.toLocaleString("en")} volumes`, () => {
  it("is updated, snapshotted, unsnapshotted and deleted with its volumes, no message limit hit", { timeout: 300_000 }, async () => {
    const group = await h.host.createGroup({ name: "big", volumeTypes: ["gold"] });

    // Registering through the host commits once per volume; the store in one transaction is the
    // same rows (available, in no group) in a fraction of the time.
    const volumeIds = Array.from({ length: VOLUMES }, () => randomUUID());
    await timed("register volumes (store, one transaction)", () => {
      const store = openSqliteStore({ path: h.dbPath });
      try {
        store.transaction(() => {
          volumeIds.forEach((id, i) =>
            store.insertVolume({ id, name: `vol-${i}`, sizeGb: 1, volumeType: "gold", projectId: "default", status: "available", groupId: null, sourceId: null }),
          );
        });
      } finally {
        store.close();
      }
    });

    const updated = await timed("updateGroup add 100k", () => h.host.updateGroup(group.id, { addVolumeIds: volumeIds }));
    expect(updated.group.status).toBe("available");
    expect(countsByStatus("volumes", "group_id = ?", group.id)).toEqual({ available: VOLUMES });

    const cgsnapshot = await timed("createCgSnapshot", () => h.host.createCgSnapshot(group.id, { name: "all" }));
    expect(cgsnapshot.cgsnapshot.status).toBe("available");
    expect(countsByStatus("snapshots", "cgsnapshot_id = ?", cgsnapshot.cgsnapshot.id)).toEqual({ available: VOLUMES });

    const unsnapshotted = await timed("deleteCgSnapshot", () => h.host.deleteCgSnapshot(cgsnapshot.cgsnapshot.id));
    expect(unsnapshotted.cgsnapshot.status).toBe("deleted");
    expect(countsByStatus("snapshots", "cgsnapshot_id = ?", cgsnapshot.cgsnapshot.id)).toEqual({ deleted: VOLUMES });

    const deleted = await timed("deleteGroup with volumes", () => h.host.deleteGroup(group.id, { deleteVolumes: true }));
    expect(deleted.group.status).toBe("deleted");
    expect(countsByStatus("volumes", "name LIKE 'vol-%'")).toEqual({ deleted: VOLUMES });

    // The plugin received every call whole: each request carried all 100,000 items.
    const calls = h.calls();
    expect(calls.map((c) => c.kind)).toEqual(["create_group", "update_group", "create_cgsnapshot", "delete_cgsnapshot", "delete_group"]);
    expect((calls[1]!.request.addVolumes as unknown[]).length).toBe(VOLUMES);
    expect((calls[2]!.request.snapshots as unknown[]).length).toBe(VOLUMES);
    expect((calls[3]!.request.snapshots as unknown[]).length).toBe(VOLUMES);
    expect((calls[4]!.request.volumes as unknown[]).length).toBe(VOLUMES);
  });
});
