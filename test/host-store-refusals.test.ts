// When the host's own database refuses a transaction (a full disk, an I/O error, a lock held past
// the busy timeout), the caller learns which side of the driver call it happened on:
// - before the call: STORE_UNAVAILABLE, nothing written and the driver not called;
// - the outcome: retried while the caller waits; past HostOptions.outcomeWaitMs the caller gets
//   OUTCOME_PENDING, the rows keep their transitional statuses (which refuse other operations),
//   and the host records the outcome in the background once the database takes writes again,
//   without calling the driver again. Closing leaves it to the next start (RULES.md section 9).
// Over the front API the caller sees OUTCOME_PENDING as gRPC UNKNOWN, and /metrics shows the
// outcome pending (cghost_outcomes_pending), then counts the operation once. The refusals are
// real better-sqlite3 SqliteErrors thrown in place of one store call; the first test shows SQLite
// itself throwing the codes the host classifies.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { credentials, status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { HostServiceClient } from "../host/front/front-contract.js";
import { startFrontServer } from "../host/front/front-server.js";
import { PluginMonitor } from "../host/front/plugin-status.js";
import { HostError, isStoreRefusal, type OperationEvent } from "../host/index.js";
import { groupWithVolumes, startHarness, type Harness } from "./support/host-harness.js";

const refusal = (code: string, message: string): Error => new Database.SqliteError(message, code);

/** One series' value in Prometheus's text format; 0 when absent. */
function series(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ outcomeWaitMs: 1000 });
});
afterAll(async () => {
  await h?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const journal = (operationId: string) => h.query<{ state: string; result: string | null }>("SELECT state, result FROM journal WHERE operation_id = ?", operationId)[0];

async function rejection(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HostError);
  return error as HostError;
}

describe("what counts as the database refusing", () => {
  it("the codes SQLite throws for a full database and a held lock; not a constraint or a status conflict", () => {
    const dir = mkdtempSync(join(tmpdir(), "cghost-refusal-"));
    const db = new Database(join(dir, "x.db"));
    const other = new Database(join(dir, "x.db"), { timeout: 0 });
    try {
      db.pragma("journal_mode = WAL");
      db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
      // A database allowed no more pages than it has is full at the next insert that needs one.
      db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
      let full: unknown;
      try {
        for (let i = 0; i < 1000; i++) db.prepare("INSERT INTO t (body) VALUES (?)").run("x".repeat(4000));
      } catch (error) {
        full = error;
      }
      expect((full as { code?: string }).code).toBe("SQLITE_FULL");
      expect(isStoreRefusal(full)).toBe(true);
      // Another connection holds the write lock: with no busy timeout left, SQLITE_BUSY.
      db.exec("BEGIN IMMEDIATE");
      let busy: unknown;
      try {
        other.exec("BEGIN IMMEDIATE");
      } catch (error) {
        busy = error;
      }
      db.exec("ROLLBACK");
      expect((busy as { code?: string }).code).toBe("SQLITE_BUSY");
      expect(isStoreRefusal(busy)).toBe(true);
      let constraint: unknown;
      try {
        db.prepare("INSERT INTO t (id, body) VALUES (1, NULL)").run();
      } catch (error) {
        constraint = error;
      }
      expect((constraint as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
      expect(isStoreRefusal(constraint)).toBe(false);
      expect(isStoreRefusal(Object.assign(new Error("group g is 'error'"), { code: "STATUS_CONFLICT" }))).toBe(false);
    } finally {
      other.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the host's database refusing a transaction", () => {
  it("before the driver call: STORE_UNAVAILABLE, nothing written, the driver not called", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    const before = h.fingerprint();
    const calls = h.calls().length;
    vi.spyOn(h.store, "openJournal").mockImplementationOnce(() => {
      throw refusal("SQLITE_FULL", "database or disk is full");
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.code).toBe("STORE_UNAVAILABLE");
    expect(error.message).toBe("STORE_UNAVAILABLE: the host's database refused it: database or disk is full (SQLITE_FULL); nothing was written");
    expect(h.fingerprint()).toBe(before);
    expect(h.calls()).toHaveLength(calls);
    expect(h.status("groups", groupId)).toBe("available");
  });

  it("the outcome, a few times: retried while the caller waits, then recorded, the driver called once", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const calls = h.calls().length;
    const applyWrites = vi.spyOn(h.store, "applyWrites");
    applyWrites
      .mockImplementationOnce(() => {
        throw refusal("SQLITE_IOERR_WRITE", "disk I/O error");
      })
      .mockImplementationOnce(() => {
        throw refusal("SQLITE_BUSY", "database is locked");
      });
    const view = await h.host.deleteGroup(groupId, { deleteVolumes: true });
    expect(applyWrites).toHaveBeenCalledTimes(3);
    expect(view.group.status).toBe("deleted");
    expect(h.status("groups", groupId)).toBe("deleted");
    expect(volumeIds.map((id) => h.status("volumes", id))).toEqual(["deleted", "deleted"]);
    expect(h.calls().slice(calls).map((c) => c.kind)).toEqual(["delete_group"]);
    expect(h.query<{ n: number }>("SELECT count(*) AS n FROM journal WHERE state = 'open'")[0]!.n).toBe(0);
  });

  it("the outcome, past outcomeWaitMs: OUTCOME_PENDING, rows kept transitional, recorded in the background once the database takes it", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const calls = h.calls().length;
    let refusing = true;
    const original = h.store.applyWrites.bind(h.store);
    vi.spyOn(h.store, "applyWrites").mockImplementation((writes, parents) => {
      if (refusing) throw refusal("SQLITE_FULL", "database or disk is full");
      return original(writes, parents);
    });
    const events: OperationEvent[] = [];
    h.host.on("operation", (event) => events.push(event));

    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.code).toBe("OUTCOME_PENDING");
    expect(error.message).toMatch(
      /^OUTCOME_PENDING: delete_group [0-9a-f-]{36}: the driver answered \(R3\.5\), but the host's database refused to record it: database or disk is full \(SQLITE_FULL\)\. Its rows keep their transitional statuses until the host records it, which it keeps trying, at least every 2 s/,
    );
    const operationId = /delete_group ([0-9a-f-]{36})/.exec(error.message)![1]!;
    expect(h.status("groups", groupId)).toBe("deleting");
    expect(volumeIds.map((id) => h.status("volumes", id))).toEqual(["deleting", "deleting"]);
    expect(journal(operationId)).toEqual({ state: "open", result: null });
    expect(events).toEqual([]);
    // The transitional statuses keep other operations off the rows meanwhile.
    expect((await rejection(h.host.updateGroup(groupId, { removeVolumeIds: [volumeIds[0]!] }))).code).toBe("INVALID_STATUS");

    const recorded = new Promise<OperationEvent>((resolve) => h.host.once("operation", resolve));
    refusing = false;
    const event = await recorded;
    expect(event).toMatchObject({ kind: "delete_group", operationId, groupId, ok: true, ruleId: "R3.5" });
    expect(h.status("groups", groupId)).toBe("deleted");
    expect(volumeIds.map((id) => h.status("volumes", id))).toEqual(["deleted", "deleted"]);
    expect(journal(operationId)).toEqual({ state: "closed", result: "R3.5" });
    // Recording it called nothing: the driver had answered.
    expect(h.calls().slice(calls).map((c) => c.kind)).toEqual(["delete_group"]);
  });
});

describe("an operation listener that throws", () => {
  it("does not take the process down when the background retry records the outcome", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    let refusing = true;
    const original = h.store.applyWrites.bind(h.store);
    vi.spyOn(h.store, "applyWrites").mockImplementation((writes, parents) => {
      if (refusing) throw refusal("SQLITE_FULL", "database or disk is full");
      return original(writes, parents);
    });
    expect((await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }))).code).toBe("OUTCOME_PENDING");
    const recorded = new Promise<OperationEvent>((resolve) => h.host.once("operation", resolve));
    const faulty = (): never => {
      throw new Error("a listener with a bug");
    };
    h.host.on("operation", faulty);
    try {
      refusing = false;
      await recorded;
      // Had it escaped the timer, vitest would report an uncaught error and fail this test.
      expect(h.status("groups", groupId)).toBe("deleted");
      expect(h.host.outcomesPending).toBe(0);
    } finally {
      h.host.off("operation", faulty);
    }
  });
});

describe("through the front API", () => {
  it("OUTCOME_PENDING reaches a client as UNKNOWN with its code; /metrics shows it pending, then counts the operation once", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    const monitor = new PluginMonitor(h.plugin, { probeIntervalMs: 0, probeDeadlineMs: 5000 });
    const server = await startFrontServer({ host: h.host, plugin: monitor, address: `unix:${join(h.dir, "front.sock")}`, metrics: undefined, logger: pino({ level: "silent" }) });
    const client = new HostServiceClient(server.address, credentials.createInsecure());
    try {
      let refusing = true;
      const original = h.store.applyWrites.bind(h.store);
      vi.spyOn(h.store, "applyWrites").mockImplementation((writes, parents) => {
        if (refusing) throw refusal("SQLITE_FULL", "database or disk is full");
        return original(writes, parents);
      });
      const deletes = async (): Promise<number> => series(await server.metrics.text(), 'cghost_operations_total{operation="delete_group",outcome="succeeded"}');
      const before = await deletes();
      const error = await new Promise<ServiceError>((resolve, reject) =>
        client.deleteConsistencyGroup({ caller: undefined, groupId, deleteVolumes: true }, (e) => (e ? resolve(e) : reject(new Error("the delete succeeded")))),
      );
      expect(error.code).toBe(grpcStatus.UNKNOWN);
      expect(error.metadata.get("cghost-error-code")).toEqual(["OUTCOME_PENDING"]);
      const pending = await server.metrics.text();
      expect(series(pending, "cghost_outcomes_pending")).toBe(1);
      // Not a refusal: the driver did it.
      expect(pending).not.toContain('outcome="outcome_pending"');

      const recorded = new Promise<OperationEvent>((resolve) => h.host.once("operation", resolve));
      refusing = false;
      await recorded;
      const after = await server.metrics.text();
      expect(series(after, "cghost_outcomes_pending")).toBe(0);
      expect(await deletes()).toBe(before + 1);
      expect(h.status("groups", groupId)).toBe("deleted");
    } finally {
      client.close();
      await server.stop({ graceMs: 1000 });
    }
  });
});

describe("closing with an outcome the database still refuses", () => {
  it("stops retrying and leaves the rows and the journal entry for the next start, saying so", async () => {
    const lines: Array<{ msg: string; pending?: number }> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; pending?: number }) });
    const own = await startHarness({ outcomeWaitMs: 0, logger });
    let closed = false;
    try {
      const { groupId } = await groupWithVolumes(own, 1);
      vi.spyOn(own.store, "applyWrites").mockImplementation(() => {
        throw refusal("SQLITE_FULL", "database or disk is full");
      });
      const error = await rejection(own.host.deleteGroup(groupId, { deleteVolumes: true }));
      expect(error.code).toBe("OUTCOME_PENDING");
      const operationId = /delete_group ([0-9a-f-]{36})/.exec(error.message)![1]!;
      expect(own.status("groups", groupId)).toBe("deleting");
      expect(own.query("SELECT state FROM journal WHERE operation_id = ?", operationId)).toEqual([{ state: "open" }]);
      closed = true;
      await own.close();
      expect(lines.map((l) => l.msg)).toContain(
        "stopping with outcomes the database refused: their rows stay transitional, their journal entries open; the next start settles them (RULES.md section 9)",
      );
      expect(lines.find((l) => l.pending !== undefined)?.pending).toBe(1);
    } finally {
      if (!closed) await own.close();
    }
  });
});
