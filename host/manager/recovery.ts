// Restart recovery (RULES.md section 9). An operation writes its transitional statuses and opens
// its journal entry in one transaction, and applies its outcome and closes the entry in another;
// an entry still open at start-up therefore means a host died between the two, with the driver
// call made, half made, or not made at all. Recovery re-issues that call with the same operation
// id (the driver's idempotency key: a driver that finished the work answers as it did the first
// time, one that did not does it now) and applies the operation's own rule table to the answer,
// so every row ends in a status the rules allow. What cannot be re-issued gets the raised row.
//
// It assumes what section 9 assumes: the host that opened the entry is gone. A second host still
// running that operation would see its final transaction refused by the compare-and-set writes.
import type { Logger } from "pino";
import type { RequestByKind, ResponseByKind } from "../contract.js";
import { TRANSITIONAL_STATUSES, isErrorLike, type EntityKind, type JournalEntry, type OperationKind, type RowWrite } from "../model.js";
import type { DriverOutcome, RuleResult } from "../rules/outcome.js";
import type { PluginClient } from "../plugin/plugin-client.js";
import type { Store } from "../store/store.js";
import type { OperationEvent } from "./host.js";
import {
  journalRows,
  operationLockKeys,
  prepareCall,
  readJournalRequest,
  type CallerIdentity,
  type PreparedCall,
  type SubjectByKind,
} from "./request-builders.js";

/** How one open journal entry was settled. */
export interface RecoveredOperation {
  operationId: string;
  kind: OperationKind;
  /**
   * The RULES.md row that decided the re-issued call (e.g. `R5.3`); or `settled-elsewhere` when
   * its rows had already left their transitional statuses; or `unrecoverable` when the call could
   * not be rebuilt or its outcome not applied, and every row still transitional was set `error`;
   * or `recovery-error` when even that failed and the entry stays open (see the log).
   */
  ruleId: string;
  /** Whether the operation ended successfully by the rules. */
  ok: boolean;
  /** Why no rule table decided, when none did. */
  note?: string;
}

/** What a recovery pass did: one item per open journal entry, oldest first. */
export interface RecoverySummary {
  recovered: RecoveredOperation[];
}

/** What recovery needs from the host that runs it. */
export interface RecoveryContext {
  store: Store;
  log: Logger;
  /** ISO-8601 time now, for last errors. */
  now(): string;
  /** Whether the plugin declared the operation in its capabilities. */
  implemented(kind: OperationKind): boolean;
  pluginName: string;
  /** Resolves once the plugin says it is ready, or with its last answer when it never did in time. */
  waitUntilReady(): Promise<Readiness>;
  /** One driver call, as the normal flow makes it (deadline, request id, metrics); never rejects. */
  call<K extends OperationKind>(kind: K, request: RequestByKind[K], requestId: string): Promise<DriverOutcome<ResponseByKind[K]>>;
  /** Runs fn holding the host's per-group locks (KeyedLock.run); keys are taken synchronously. */
  lock<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T>;
  /** Reports a settled operation (the host's `operation` event). */
  settled(event: OperationEvent): void;
  /** True once the host stopped waiting for its operations: an outcome is then not applied. */
  stopping(): boolean;
}

/** The `ruleId` of an entry whose rows another host already settled. */
export const SETTLED_ELSEWHERE = "settled-elsewhere";
/** The `ruleId` of an entry that could not be re-issued: its transitional rows were set `error`. */
export const UNRECOVERABLE = "unrecoverable";
/** The last-error code of rows an unrecoverable entry left in `error`. */
export const RECOVERY_FAILED = "RECOVERY_FAILED";

/**
 * Settles every open journal entry: each is queued on its locks at once, in journal order, so
 * calls arriving meanwhile wait behind the groups being recovered; entries on disjoint groups run
 * concurrently. Never rejects for one entry's failure: that entry is reported as `recovery-error`.
 */
export async function recoverOpenOperations(ctx: RecoveryContext): Promise<RecoverySummary> {
  const entries = ctx.store.listOpenJournal();
  if (entries.length === 0) return { recovered: [] };
  ctx.log.warn({ open: entries.length }, "open journal entries found: a host stopped in the middle of these operations; recovering them");
  let readiness: Promise<Readiness> | undefined;
  const ready = (): Promise<Readiness> => (readiness ??= ctx.waitUntilReady());
  const runs = entries.map((entry) => {
    const log = ctx.log.child({ operation: entry.kind, operationId: entry.operationId, groupId: entry.groupId, recovery: true });
    const settle = async (): Promise<RecoveredOperation | undefined> => {
      try {
        return await recoverEntry(ctx, entry, ready, log);
      } catch (error) {
        log.error({ err: error }, "recovery of this operation failed; its journal entry stays open for the next start");
        return { operationId: entry.operationId, kind: entry.kind, ruleId: "recovery-error", ok: false, note: messageOf(error) };
      }
    };
    let keys: string[];
    try {
      keys = operationLockKeys(ctx.store, entry.kind, readJournalRequest(entry).subject);
    } catch {
      keys = [entry.groupId];
    }
    return ctx.lock(keys, settle);
  });
  const recovered = (await Promise.all(runs)).filter((r): r is RecoveredOperation => r !== undefined);
  return { recovered };
}

async function recoverEntry(
  ctx: RecoveryContext,
  entry: JournalEntry,
  ready: () => Promise<Readiness>,
  log: Logger,
): Promise<RecoveredOperation | undefined> {
  // Re-read under the lock: another recovery pass may have settled it while this one waited.
  if (ctx.store.getJournal(entry.operationId)?.state !== "open") return undefined;
  const started = performance.now();
  let caller: CallerIdentity;
  let subject: SubjectByKind[OperationKind];
  try {
    ({ caller, subject } = readJournalRequest(entry));
  } catch (error) {
    return unrecoverable(ctx, entry, undefined, messageOf(error), log);
  }

  const anchor = anchorOf(entry.kind, subject);
  const anchorStatus = statusOf(ctx.store, anchor.kind, anchor.id);
  if (anchorStatus === undefined || !TRANSITIONAL_STATUSES.includes(anchorStatus)) {
    const note = `${anchor.kind} ${anchor.id} is ${anchorStatus === undefined ? "missing" : `'${anchorStatus}'`}, no longer transitional: another host settled the operation`;
    ctx.store.closeJournal(entry.operationId, `${SETTLED_ELSEWHERE}: ${note}`);
    log.warn({ ruleId: SETTLED_ELSEWHERE }, note);
    return { operationId: entry.operationId, kind: entry.kind, ruleId: SETTLED_ELSEWHERE, ok: anchorStatus !== undefined && !isErrorLike(anchorStatus), note };
  }

  let prepared: PreparedCall<OperationKind>;
  try {
    prepared = prepareCall(ctx.store, entry.kind, subject, entry.operationId, caller);
  } catch (error) {
    return unrecoverable(ctx, entry, subject, messageOf(error), log);
  }
  let outcome: DriverOutcome<ResponseByKind[OperationKind]>;
  const readiness = ctx.implemented(entry.kind) ? await ready() : undefined;
  if (readiness === undefined) {
    outcome = {
      kind: "raised",
      failure: { code: "UNSUPPORTED_OPERATION", message: `plugin '${ctx.pluginName}' does not implement ${entry.kind} any more, so the interrupted call cannot be re-issued` },
    };
  } else if (!readiness.ready) {
    outcome = {
      kind: "raised",
      failure: { code: "PLUGIN_UNAVAILABLE", message: `plugin '${ctx.pluginName}' did not become ready to re-issue the interrupted call: ${readiness.message || "no reason given"}` },
    };
  } else {
    log.info({ requestId: caller.requestId }, "re-issuing the interrupted call with its operation id");
    outcome = await ctx.call(entry.kind, prepared.request, caller.requestId);
  }
  // The host is stopping without waiting: leave the entry open for the next start, as before.
  if (ctx.stopping()) throw new Error("the host stopped before the re-issued call's outcome could be applied");
  const result = prepared.decide(outcome as never, { operationId: entry.operationId, now: ctx.now() });
  try {
    ctx.store.transaction(() => {
      ctx.store.applyWrites(result.writes);
      ctx.store.closeJournal(entry.operationId, result.ruleId);
    });
  } catch (error) {
    return unrecoverable(ctx, entry, subject, `the outcome ${result.ruleId} could not be applied: ${messageOf(error)}`, log);
  }
  for (const warning of result.warnings) log.warn({ ruleId: result.ruleId }, warning);
  if (result.ok) log.info({ ruleId: result.ruleId }, "interrupted operation recovered: it succeeded");
  else log.warn({ ruleId: result.ruleId, cause: result.failure?.code }, "interrupted operation recovered: it failed by the rules");
  report(ctx, entry, caller.requestId, result, started);
  return { operationId: entry.operationId, kind: entry.kind, ruleId: result.ruleId, ok: result.ok };
}

/** Sets every row of the entry still in a transitional status `error`, and closes the entry. */
function unrecoverable(
  ctx: RecoveryContext,
  entry: JournalEntry,
  subject: SubjectByKind[OperationKind] | undefined,
  reason: string,
  log: Logger,
): RecoveredOperation {
  const started = performance.now();
  const now = ctx.now();
  const lastError = { code: RECOVERY_FAILED, message: `recovery after a host restart: ${reason}`, at: now, operationId: entry.operationId };
  const writes: RowWrite[] = [];
  for (const { kind, id } of rowsOf(ctx.store, entry, subject)) {
    const status = statusOf(ctx.store, kind, id);
    if (status !== undefined && TRANSITIONAL_STATUSES.includes(status)) writes.push({ kind, id, expect: [status], status: "error", lastError });
  }
  ctx.store.transaction(() => {
    ctx.store.applyWrites(writes);
    ctx.store.closeJournal(entry.operationId, `${UNRECOVERABLE}: ${reason}`);
  });
  log.error({ ruleId: UNRECOVERABLE, reason, errored: writes.length }, "interrupted operation could not be re-issued; its transitional rows are now error");
  const result: RuleResult = { ruleId: UNRECOVERABLE, ok: false, writes, failure: { code: RECOVERY_FAILED, message: reason }, warnings: [] };
  const requestId = (entry.request as { caller?: { requestId?: unknown } } | null)?.caller?.requestId;
  report(ctx, entry, typeof requestId === "string" ? requestId : "", result, started);
  return { operationId: entry.operationId, kind: entry.kind, ruleId: UNRECOVERABLE, ok: false, note: reason };
}

/** The row whose status says whether the operation is still unsettled. */
function anchorOf(kind: OperationKind, subject: SubjectByKind[OperationKind]): { kind: EntityKind; id: string } {
  if (kind === "create_cgsnapshot" || kind === "delete_cgsnapshot") return { kind: "cgsnapshot", id: (subject as SubjectByKind["create_cgsnapshot"]).cgsnapshotId };
  return { kind: "group", id: subject.groupId };
}

/** Every row the entry names, plus the members of its groups and cgsnapshots that are mid-operation. */
function rowsOf(store: Store, entry: JournalEntry, subject: SubjectByKind[OperationKind] | undefined): Array<{ kind: EntityKind; id: string }> {
  const named = subject === undefined ? entry.rows : journalRows(entry.kind, subject);
  const rows = new Map<string, { kind: EntityKind; id: string }>();
  const add = (kind: EntityKind, id: string): void => void rows.set(`${kind}:${id}`, { kind, id });
  for (const id of [...(entry.rows?.groups ?? []), ...named.groups]) {
    add("group", id);
    // A journal of an older layout may not name the volumes a delete moved; a transitional group's
    // volumes are held by its operation, so they are this entry's to settle.
    if (TRANSITIONAL_STATUSES.includes(statusOf(store, "group", id) ?? "")) for (const v of store.listVolumes({ groupId: id })) add("volume", v.id);
  }
  for (const id of [...(entry.rows?.volumes ?? []), ...named.volumes]) add("volume", id);
  for (const id of [...(entry.rows?.cgsnapshots ?? []), ...named.cgsnapshots]) {
    add("cgsnapshot", id);
    if (TRANSITIONAL_STATUSES.includes(statusOf(store, "cgsnapshot", id) ?? "")) for (const s of store.listSnapshots(id)) add("snapshot", s.id);
  }
  for (const id of [...(entry.rows?.snapshots ?? []), ...named.snapshots]) add("snapshot", id);
  return [...rows.values()];
}

function statusOf(store: Store, kind: EntityKind, id: string): string | undefined {
  const row =
    kind === "group" ? store.getGroup(id) : kind === "volume" ? store.getVolume(id) : kind === "cgsnapshot" ? store.getCgSnapshot(id) : store.getSnapshot(id);
  return row === undefined || row.deletedAt !== null ? undefined : row.status;
}

function report(ctx: RecoveryContext, entry: JournalEntry, requestId: string, result: RuleResult, started: number): void {
  ctx.settled({
    kind: entry.kind,
    operationId: entry.operationId,
    requestId,
    groupId: entry.groupId,
    ok: result.ok,
    ruleId: result.ruleId,
    ...(result.ok ? {} : { cause: result.failure?.code ?? "DRIVER_FAILED" }),
    ms: Math.round(performance.now() - started),
    written: result.writes.map((w) => ({ kind: w.kind, id: w.id, status: w.status })),
    warnings: result.warnings,
  });
}

/** What readiness looks like to recovery; `final` when waiting longer cannot change it. */
export interface Readiness {
  ready: boolean;
  message: string;
  final?: boolean;
}

/**
 * Whether the plugin can take the re-issued calls: a supervised plugin says so itself (a `failed`
 * or `stopped` one will not recover by waiting); a single connection is asked with Probe.
 */
export async function pluginReadiness(plugin: PluginClient): Promise<Readiness> {
  const availability = plugin.availability?.();
  if (availability !== undefined) {
    const final = availability.state === "failed" || availability.state === "stopped";
    return { ready: availability.callable, message: availability.reason || availability.state, final };
  }
  return plugin.probe();
}

/** Asks `readiness` until it says ready (or final), or `timeoutMs` has passed; resolves with its last answer. */
export async function waitForReadiness(readiness: () => Promise<Readiness>, timeoutMs: number): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    let answer: Readiness;
    try {
      answer = await readiness();
    } catch (error) {
      answer = { ready: false, message: messageOf(error) };
    }
    const left = deadline - Date.now();
    if (answer.ready || answer.final === true || left <= 0) return answer;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
