// The host's journal as an operator reads it (listOperations, showOperation): newest first, paged
// by operation id, filtered to open ones or one group's, each with the state this host sees it in
// (running, recording, unfinished, done), the rule that decided it, and the rows it names; all
// checked against the journal table itself.
import { setImmediate as nextTurn } from "node:timers/promises";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { HostError, type OperationRecord } from "../host/index.js";
import { groupWithVolumes, registerVolumes, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ deadlinesMs: { create_group: 400 }, outcomeWaitMs: 0 });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function thrown(fn: () => unknown): HostError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HostError);
    return error as HostError;
  }
  throw new Error("it did not throw");
}

/** The journal table's own view of an operation. */
function stored(operationId: string): { kind: string; group_id: string; state: string; result: string | null } {
  return h.query<{ kind: string; group_id: string; state: string; result: string | null }>(
    "SELECT kind, group_id, state, result FROM journal WHERE operation_id = ?",
    operationId,
  )[0]!;
}

describe("the journal, as listOperations and showOperation give it", () => {
  it("lists done operations newest first, each as the journal table holds it, with its rows counted", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const { cgsnapshot, snapshots } = await h.host.createCgSnapshot(groupId, {});
    const newest = h.host.listOperations({ groupId });
    expect(newest.map((o) => o.kind)).toEqual(["create_cgsnapshot", "update_group", "create_group"]);
    for (const o of newest) {
      expect(o.state).toBe("done");
      expect(stored(o.operationId)).toEqual({ kind: o.kind, group_id: groupId, state: "closed", result: o.result });
      expect(o.closedAt! >= o.createdAt).toBe(true);
      expect(o.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(newest.map((o) => o.result)).toEqual(["R5.3", "R4.3", "R1.4"]);
    expect(newest[0]!.counts).toEqual({ groups: 1, volumes: 0, cgsnapshots: 1, snapshots: 2 });
    expect(newest[1]!.counts).toEqual({ groups: 1, volumes: 2, cgsnapshots: 0, snapshots: 0 });
    const shown = h.host.showOperation(newest[0]!.operationId);
    expect(shown.operation).toEqual(newest[0]);
    expect(shown.rows).toEqual({ groups: [groupId], volumes: [], cgsnapshots: [cgsnapshot.id], snapshots: snapshots.map((s) => s.id) });
    expect(h.host.showOperation(newest[1]!.operationId).rows.volumes).toEqual(volumeIds);
  });

  it("pages by operation id: each operation once, newest first, however the pages are cut", async () => {
    for (let i = 0; i < 5; i++) await h.host.createGroup({ name: `paged-${i}`, volumeTypes: ["gold"] });
    const all = h.host.listOperations();
    const ids = h.query<{ id: string }>("SELECT operation_id AS id FROM journal ORDER BY operation_id DESC").map((r) => r.id);
    expect(all.map((o) => o.operationId)).toEqual(ids);
    const paged: OperationRecord[] = [];
    let before: string | undefined;
    for (;;) {
      const page = h.host.listOperations({ limit: 2, ...(before === undefined ? {} : { before }) });
      paged.push(...page);
      if (page.length < 2) break;
      before = page.at(-1)!.operationId;
    }
    expect(paged.map((o) => o.operationId)).toEqual(ids);
  });

  it("refuses a group that does not exist, a bad limit and an unknown operation, naming each", () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    expect(thrown(() => h.host.listOperations({ groupId: missing })).message).toBe(`NOT_FOUND: group ${missing} does not exist`);
    expect(thrown(() => h.host.listOperations({ limit: 0 })).message).toBe("INVALID_ARGUMENT: limit 0 must be a whole number from 1");
    expect(thrown(() => h.host.showOperation(missing)).message).toBe(
      `NOT_FOUND: operation ${missing} does not exist (never run here, or older than the journal keeps)`,
    );
    expect(thrown(() => h.host.showOperation("not an id")).code).toBe("INVALID_ARGUMENT");
  });

  it("says running while the driver call is out, and done with its rule once recorded", async () => {
    h.script({ create_group: { hang: true } });
    const creating = h.host.createGroup({ name: "slow", volumeTypes: ["gold"] }).then(
      () => undefined,
      (error: unknown) => error as HostError,
    );
    // The first transaction commits within the call's own turn of the event loop.
    await nextTurn();
    const [running] = h.host.listOperations({ openOnly: true });
    expect(running).toMatchObject({ kind: "create_group", state: "running", result: null, closedAt: null });
    expect(stored(running!.operationId).state).toBe("open");
    const error = await creating;
    expect(error?.failure?.cause).toBe("DEADLINE_EXCEEDED");
    h.script({});
    expect(h.host.showOperation(running!.operationId).operation).toMatchObject({ state: "done", result: error!.failure!.ruleId });
    expect(h.host.listOperations({ openOnly: true })).toEqual([]);
  });

  it("says recording while the database refuses the outcome, and done once it takes it", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    let refusing = true;
    const original = h.store.applyWrites.bind(h.store);
    vi.spyOn(h.store, "applyWrites").mockImplementation((writes, parents) => {
      if (refusing) throw new Database.SqliteError("database or disk is full", "SQLITE_FULL");
      return original(writes, parents);
    });
    const error = await h.host.deleteGroup(groupId, { deleteVolumes: true }).then(
      () => undefined,
      (e: unknown) => e as HostError,
    );
    expect(error?.code).toBe("OUTCOME_PENDING");
    const [pending] = h.host.listOperations({ openOnly: true });
    expect(pending).toMatchObject({ kind: "delete_group", groupId, state: "recording" });
    const recorded = new Promise((resolve) => h.host.once("operation", resolve));
    refusing = false;
    await recorded;
    expect(h.host.showOperation(pending!.operationId).operation.state).toBe("done");
  });

  it("says unfinished for an open entry no operation of this host runs: what a stopped host leaves", () => {
    const [volume] = registerVolumes(h.host, 1);
    const operationId = "01a23500-0000-7000-8000-000000000001";
    // As a host killed mid-operation leaves its entry (the next start would settle it).
    h.store.openJournal({
      operationId,
      kind: "update_group",
      groupId: "00000000-0000-4000-8000-00000000000a",
      rows: { groups: ["00000000-0000-4000-8000-00000000000a"], volumes: [volume!], cgsnapshots: [], snapshots: [] },
      request: { caller: { requestId: "left-behind" } },
    });
    const shown = h.host.showOperation(operationId);
    expect(shown.operation).toMatchObject({ state: "unfinished", requestId: "left-behind", counts: { groups: 1, volumes: 1, cgsnapshots: 0, snapshots: 0 } });
    expect(h.host.listOperations({ openOnly: true }).map((o) => [o.operationId, o.state])).toEqual([[operationId, "unfinished"]]);
    h.store.closeJournal(operationId, "test: settled by hand");
  });
});
