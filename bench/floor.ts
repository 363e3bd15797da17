// The write-ahead floor: the least any host that keeps RULES.md section 9 adds to the baseline's
// round trip. Before the call, one commit opens a journal entry and writes one row's transitional
// status; the call goes out as the host sends its own (an `x-request-id` and a deadline); after it,
// one commit writes the row's final status and closes the entry. No checks, rules, requests built
// from rows, locks or events: what is left between this and the host is the host's own code.
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { AS_HOST_DEADLINE_MS, type BaselineClient, baselineCycle } from "./baseline.js";
import type { DurabilityName } from "./results.js";
import type { BenchOperation } from "./sample-requests.js";
import type { Cycle } from "./workload.js";

/** The store's PRAGMA synchronous for each durability (host/store/sqlite-store.ts). */
const SYNCHRONOUS: Record<DurabilityName, string> = { normal: "NORMAL", full: "FULL" };

/** Two commits per operation in a SQLite file of its own. */
export interface FloorJournal {
  /** Commits an open journal entry and one row in its transitional status. */
  before(operationId: string, kind: BenchOperation): void;
  /** Commits the row's final status and closes the entry. */
  after(operationId: string): void;
  /** The entry's state and its row's status, for tests. */
  read(operationId: string): { state: string; status: string } | undefined;
  close(): void;
}

/**
 * Opens (creating) the floor's database at path: WAL and the durability's `synchronous`, as the
 * store. Its checkpoints stay inline (SQLite's default: one each time the log passes 1,000 pages):
 * they weigh on the p99, not on the p50 the floor is read by.
 */
export function openFloorJournal(path: string, durability: DurabilityName): FloorJournal {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${SYNCHRONOUS[durability]}`);
    db.exec(`
      CREATE TABLE IF NOT EXISTS journal (operation_id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS journal_by_state ON journal (state, created_at);
      CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at TEXT NOT NULL);
    `);
  } catch (error) {
    db.close();
    throw error;
  }
  const open = db.prepare("INSERT INTO journal (operation_id, kind, state, created_at) VALUES (?, ?, 'open', ?)");
  const insertRow = db.prepare("INSERT INTO rows (id, status, updated_at) VALUES (?, 'creating', ?)");
  const settleRow = db.prepare("UPDATE rows SET status = 'available', updated_at = ? WHERE id = ? AND status = 'creating'");
  const closeEntry = db.prepare("UPDATE journal SET state = 'closed' WHERE operation_id = ? AND state = 'open'");
  const read = db.prepare<[string], { state: string; status: string }>(
    "SELECT journal.state, rows.status FROM journal JOIN rows ON rows.id = journal.operation_id WHERE journal.operation_id = ?",
  );
  const before = db.transaction((operationId: string, kind: BenchOperation) => {
    const now = new Date().toISOString();
    open.run(operationId, kind, now);
    insertRow.run(operationId, now);
  });
  const after = db.transaction((operationId: string) => {
    const changed = settleRow.run(new Date().toISOString(), operationId).changes + closeEntry.run(operationId).changes;
    if (changed !== 2) throw new Error(`floor entry '${operationId}' was not open`);
  });
  return {
    before: (operationId, kind) => before.immediate(operationId, kind),
    after: (operationId) => after.immediate(operationId),
    read: (operationId) => read.get(operationId),
    close: () => db.close(),
  };
}

/**
 * The floor's latency cycle: the baseline's cycle, each call between the floor's two commits and
 * sent with an `x-request-id` (the entry's id) and a deadline, as the host sends its calls. The
 * call window is the call alone, between the two commits.
 */
export function floorCycle(client: BaselineClient, journal: FloorJournal, operations: readonly BenchOperation[]): Cycle {
  return baselineCycle(client, operations, {
    send: async (op, request, call) => {
      const operationId = randomUUID();
      journal.before(operationId, op);
      call.sent = performance.now();
      await client.call(op, request, { requestId: operationId, deadlineMs: AS_HOST_DEADLINE_MS });
      call.answered = performance.now();
      journal.after(operationId);
    },
  });
}
