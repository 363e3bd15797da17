// How an operation's two transactions commit: at once when it is the only operation in flight,
// in the store's group commit when others are in flight too. Either way every operation's
// statuses and journal entry land, which is what is asserted; the spies only show the path taken.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import { startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const openJournalEntries = (): number => h.query<{ n: number }>("SELECT count(*) AS n FROM journal WHERE state = 'open'")[0]!.n;

describe("committing an operation", () => {
  it("commits at once, in two transactions of its own, when it is the only operation in flight", async () => {
    h.script({});
    const grouped = vi.spyOn(h.store, "commit");
    const atOnce = vi.spyOn(h.store, "transaction");
    const group = await h.host.createGroup({ name: "alone", volumeTypes: ["gold"] });
    expect(grouped).not.toHaveBeenCalled();
    expect(atOnce).toHaveBeenCalledTimes(2);
    expect(h.status("groups", group.id)).toBe("available");
    expect(openJournalEntries()).toBe(0);
  });

  it("joins the group commit when other operations are in flight, and every one lands", async () => {
    h.script({});
    const grouped = vi.spyOn(h.store, "commit");
    const groups = await Promise.all(Array.from({ length: 6 }, (_, i) => h.host.createGroup({ name: `together-${i}`, volumeTypes: ["gold"] })));
    // The first may start alone; the others find it in flight.
    expect(grouped.mock.calls.length).toBeGreaterThanOrEqual(10);
    for (const group of groups) expect(h.status("groups", group.id)).toBe("available");
    expect(new Set(groups.map((g) => g.id)).size).toBe(6);
    expect(openJournalEntries()).toBe(0);
  });

  it("journals each operation under a time-ordered id (UUIDv7): later operations sort later", async () => {
    h.script({});
    const before = h.query<{ n: number }>("SELECT count(*) AS n FROM journal")[0]!.n;
    for (let i = 0; i < 3; i++) await h.host.createGroup({ name: `ordered-${i}`, volumeTypes: ["gold"] });
    const ids = h.query<{ id: string }>("SELECT operation_id AS id FROM journal ORDER BY rowid").map((row) => row.id);
    expect(ids).toHaveLength(before + 3);
    const latest = ids.slice(-3);
    for (const id of latest) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...latest].sort()).toEqual(latest);
  });

  it("a refusal at the check commits nothing, alone or in a group commit", async () => {
    h.script({});
    const before = h.fingerprint();
    const missing = "00000000-0000-4000-8000-000000000000";
    const results = await Promise.allSettled([h.host.deleteGroup(missing), h.host.updateGroup(missing, { addVolumeIds: [] })]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(h.host.deleteGroup(missing)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(h.fingerprint()).toBe(before);
  });
});

describe("what an operation reads back", () => {
  it("create and delete return what a fresh read returns, reading the group row once between them", async () => {
    h.script({
      create_group: { respond: { modelUpdate: { providerLocation: "pool-1", metadata: { tier: "gold" } } } },
      delete_group: { respond: { modelUpdate: { providerId: "gone-1" } } },
    });
    const reads = vi.spyOn(h.store, "getGroup");
    const created = await h.host.createGroup({ name: "read-back", volumeTypes: ["gold"] });
    expect(created).toEqual(h.store.getGroup(created.id));
    const deleted = await h.host.deleteGroup(created.id);
    expect(deleted).toEqual(h.host.showGroup(created.id));
    expect(deleted.group).toMatchObject({ status: "deleted", providerLocation: "pool-1", providerId: "gone-1", metadata: { tier: "gold" } });
    // The delete's check reads it; the request and both results come from the rows already held.
    expect(reads.mock.calls.length - 2).toBe(1);
  });

  it("create-cgsnapshot builds its request and result from the snapshots it inserted, not by reading them", async () => {
    h.script({ create_cgsnapshot: { respond: { modelUpdate: { providerLocation: "snap-pool" } } } });
    const group = await h.host.createGroup({ name: "snap-read-back", volumeTypes: ["gold"] });
    const volumeIds = Array.from({ length: 3 }, () => h.host.registerVolume({ sizeGb: 2, volumeType: "gold" }).id);
    await h.host.updateGroup(group.id, { addVolumeIds: volumeIds });
    const byId = vi.spyOn(h.store, "getSnapshots");
    const listed = vi.spyOn(h.store, "listSnapshots");
    const created = await h.host.createCgSnapshot(group.id, { name: "read-back" });
    expect(byId).not.toHaveBeenCalled();
    expect(listed).not.toHaveBeenCalled();
    expect(created).toEqual(h.host.showCgSnapshot(created.cgsnapshot.id));
    expect(created.snapshots.map((s) => [s.volumeId, s.status])).toEqual(volumeIds.map((id) => [id, "available"]));
    expect(h.status("cgsnapshots", created.cgsnapshot.id)).toBe("available");
  });
});

describe("what an operation tells its logger and listeners", () => {
  it("logs one line at info with the operation's ids, and emits its events to listeners", async () => {
    const lines: string[] = [];
    const logged = await startHarness({ logger: pino({ level: "info" }, { write: (line: string) => lines.push(line) }) });
    try {
      const operations: unknown[] = [];
      const calls: unknown[] = [];
      logged.host.on("operation", (event) => operations.push(event));
      logged.host.on("plugin-call", (event) => calls.push(event));
      const group = await logged.host.createGroup({ name: "told", volumeTypes: ["gold"] }, { requestId: "req-told" });
      const succeeded = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === "operation succeeded");
      expect(succeeded).toHaveLength(1);
      expect(succeeded[0]).toMatchObject({ operation: "create_group", groupId: group.id, requestId: "req-told", ruleId: "R1.4", operationId: expect.any(String) });
      expect(operations).toMatchObject([{ kind: "create_group", groupId: group.id, requestId: "req-told", ok: true, ruleId: "R1.4" }]);
      expect(calls).toMatchObject([{ kind: "create_group", method: "CreateConsistencyGroup", grpcCode: 0 }]);
    } finally {
      await logged.close();
    }
  });

  it("at warn, an operation that succeeds logs nothing", async () => {
    const lines: string[] = [];
    const quiet = await startHarness({ logger: pino({ level: "warn" }, { write: (line: string) => lines.push(line) }) });
    try {
      await quiet.host.createGroup({ name: "quiet", volumeTypes: ["gold"] });
      expect(lines.filter((line) => line.includes("operation"))).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe("large moves and writes", () => {
  it("name the group or cgsnapshot whose rows they are all of, so the store can use its index", async () => {
    h.script({});
    const group = await h.host.createGroup({ name: "forty", volumeTypes: ["gold"] });
    const volumeIds = Array.from({ length: 40 }, () => h.host.registerVolume({ sizeGb: 1, volumeType: "gold" }).id);
    await h.host.updateGroup(group.id, { addVolumeIds: volumeIds });
    const moves = vi.spyOn(h.store, "moveStatus");
    const writes = vi.spyOn(h.store, "applyWrites");

    const { cgsnapshot } = await h.host.createCgSnapshot(group.id, {});
    expect(writes).toHaveBeenLastCalledWith(expect.anything(), { snapshot: cgsnapshot.id });
    await h.host.deleteCgSnapshot(cgsnapshot.id);
    expect(moves).toHaveBeenCalledWith(expect.objectContaining({ kind: "snapshot", parent: cgsnapshot.id }));
    expect(writes).toHaveBeenLastCalledWith(expect.anything(), { snapshot: cgsnapshot.id });
    await h.host.deleteGroup(group.id, { deleteVolumes: true });
    expect(moves).toHaveBeenCalledWith(expect.objectContaining({ kind: "volume", parent: group.id }));
    expect(writes).toHaveBeenLastCalledWith(expect.anything(), { volume: group.id });

    expect(h.status("cgsnapshots", cgsnapshot.id)).toBe("deleted");
    expect(h.status("groups", group.id)).toBe("deleted");
    expect(volumeIds.map((id) => h.status("volumes", id))).toEqual(Array(40).fill("deleted"));
    const snapshots = h.query<{ status: string }>("SELECT status FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshot.id);
    expect(snapshots.map((s) => s.status)).toEqual(Array(40).fill("deleted"));
    expect(openJournalEntries()).toBe(0);
  });
});
