// Idempotency. The host sends the same operation id on every retry of an uncertain call and after
// its own restart, and expects a repeated id to do nothing twice and to answer as the first call
// did. The ledger keeps the answer of each completed operation in operations/<operationId>.json,
// written atomically after the work; a repeat reads it back instead of touching files again.
//
// What it does not cover, by design: a crash after the work but before the entry is written. The
// retry then redoes the work, which every operation tolerates because each one converges (copies
// replace their target atomically, deletes treat "already gone" as done). Failed calls are not
// recorded either: a retry of a failure runs again, so a cancelled copy is redone, not replayed.
// Entries are never expired here; a production driver would drop them after the host's retry horizon.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-file.js";
import { errnoCode, FileDriverError } from "./errors.js";
import type { DataLayout } from "./layout.js";

/** The result of a ledgered operation: the answer, and whether it came from the ledger. */
export interface Outcome<T> {
  answer: T;
  /** True when an earlier call with the same operation id did the work. */
  replayed: boolean;
}

/** What operations/<operationId>.json holds. */
interface LedgerEntry {
  format: 1;
  operationId: string;
  /** The operation kind, e.g. "create-cgsnapshot". */
  kind: string;
  /** A digest of the ids the request named, to catch an operation id reused for another request. */
  fingerprint: string;
  completedAt: string;
  answer: unknown;
}

/** A digest of what a request is about (its kind and ids), stable across retries of that request. */
export function fingerprintOf(subject: unknown): string {
  return createHash("sha256").update(JSON.stringify(subject)).digest("hex");
}

/** The operation ledger of one data directory. */
export class OperationLedger {
  // A retry can arrive while the first attempt still runs (the host stopped waiting for it). The
  // retry waits for that attempt rather than copying the same files concurrently.
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly layout: DataLayout) {}

  /** Runs `work` once per operation id; a repeat returns the stored answer without running it. */
  async once<T>(operationId: string, kind: string, fingerprint: string, work: () => Promise<T>): Promise<Outcome<T>> {
    const path = this.layout.operationRecord(operationId);
    for (let running = this.inFlight.get(operationId); running; running = this.inFlight.get(operationId)) {
      await running.catch(() => undefined); // its failure is its caller's; this call tries afresh
    }
    // No await between the check above and this set, so two concurrent repeats cannot both start.
    const attempt = this.replayOrRun(path, operationId, kind, fingerprint, work);
    this.inFlight.set(operationId, attempt);
    try {
      return await attempt;
    } finally {
      if (this.inFlight.get(operationId) === attempt) this.inFlight.delete(operationId);
    }
  }

  private async replayOrRun<T>(path: string, operationId: string, kind: string, fingerprint: string, work: () => Promise<T>): Promise<Outcome<T>> {
    const stored = await readEntry(path);
    if (stored !== undefined) {
      if (stored.kind !== kind || stored.fingerprint !== fingerprint) {
        throw new FileDriverError(
          "FAILED_PRECONDITION",
          `operation id ${operationId} was already used for another request (${stored.kind} at ${stored.completedAt}); use a new operation id for a new request`,
        );
      }
      // The ledger holds only answers this class wrote for this same kind of operation.
      return { answer: stored.answer as T, replayed: true };
    }
    // Round-tripping through JSON makes the first answer identical to every replay of it.
    const answer = JSON.parse(JSON.stringify(await work())) as T;
    const entry: LedgerEntry = { format: 1, operationId, kind, fingerprint, completedAt: new Date().toISOString(), answer };
    await writeFileAtomic(path, `${JSON.stringify(entry, null, 2)}\n`);
    return { answer, replayed: false };
  }
}

async function readEntry(path: string): Promise<LedgerEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LedgerEntry;
  } catch (error) {
    // Atomic writes make this a sign of outside tampering, not of a crash; say which file.
    throw new Error(`operation ledger entry ${path} is not valid JSON; move it away to let the operation run again`, { cause: error });
  }
}
