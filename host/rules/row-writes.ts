// Building blocks every rule table uses to turn a decision into RowWrites: the rows of a request,
// what a driver reported for them, and the write each row ends with.
import { isErrorLike, type EntityKind, type LastError, type ProviderFields, type RowWrite } from "../model.js";
import type { DriverFailure, RuleContext } from "./outcome.js";
import { statusName } from "./status-names.js";

/** A row of the request and the status the manager left it in before the call. */
export interface Target {
  kind: EntityKind;
  id: string;
  expect: string;
}

/** The fields a driver may report for a row: a model_update or one per-item entry, minus the id. */
export interface ReportedFields {
  status: number;
  providerLocation?: string | undefined;
  providerId?: string | undefined;
  metadata: { [key: string]: string };
}

/** One per-item entry (VolumeUpdate or SnapshotUpdate). */
export interface ReportedEntry extends ReportedFields {
  id: string;
}

/** A per-item list wrapper (VolumeUpdateList or SnapshotUpdateList); absent is the interface's None. */
export interface ReportedList<E extends ReportedEntry = ReportedEntry> {
  updates: E[];
}

/** Extras a write may carry besides its status. */
export interface WriteExtras {
  provider?: ProviderFields | undefined;
  groupId?: string | null | undefined;
  lastError?: LastError | undefined;
}

/** A row as a rule target: its current (pre-call) status becomes the write's compare-and-set expectation. */
export function targetOf(kind: EntityKind, row: { id: string; status: string }): Target {
  return { kind, id: row.id, expect: row.status };
}

/** The last error to stamp on rows that a failure leaves in error. */
export function lastErrorOf(failure: DriverFailure, ctx: RuleContext): LastError {
  return {
    code: failure.code,
    ...(failure.grpcCode === undefined ? {} : { grpcCode: failure.grpcCode }),
    message: failure.message,
    at: ctx.now,
    operationId: ctx.operationId,
  };
}

/** The provider fields a driver reported, or undefined when it reported none. */
export function providerOf(fields: ReportedFields | undefined): ProviderFields | undefined {
  if (fields === undefined) return undefined;
  const provider: ProviderFields = {};
  if (fields.providerLocation !== undefined) provider.providerLocation = fields.providerLocation;
  if (fields.providerId !== undefined) provider.providerId = fields.providerId;
  if (Object.keys(fields.metadata).length > 0) provider.metadata = { ...fields.metadata };
  return Object.keys(provider).length > 0 ? provider : undefined;
}

/** One row's write; `deleted` always soft-deletes, and absent extras leave no key behind. */
export function rowWrite(target: Target, status: string, extras: WriteExtras = {}): RowWrite {
  // Assigned, not spread: a large answer makes 100,000 of these, and each conditional spread is an object more.
  const write: RowWrite = { kind: target.kind, id: target.id, expect: [target.expect], status };
  if (status === "deleted") write.softDelete = true;
  if (extras.provider !== undefined) write.provider = extras.provider;
  if (extras.groupId !== undefined) write.groupId = extras.groupId;
  if (extras.lastError !== undefined) write.lastError = extras.lastError;
  return write;
}

/** Every target ends `error` with the same last error: the raised rows of every table. */
export function allErrorWrites(targets: readonly Target[], lastError: LastError): RowWrite[] {
  return targets.map((target) => rowWrite(target, "error", { lastError }));
}

/** Every target ends `deleted` and leaves listings. */
export function deletedWrites(targets: readonly Target[]): RowWrite[] {
  return targets.map((target) => rowWrite(target, "deleted"));
}

/** The entries of a list by id; the malformed check has already refused repeats. */
export function entriesById<E extends ReportedEntry>(list: ReportedList<E> | undefined): Map<string, E> {
  return new Map((list?.updates ?? []).map((entry) => [entry.id, entry]));
}

/** The stored status a reported enum number names, undefined for UNSPECIFIED (no change). */
export function reportedStatus(kind: EntityKind, fields: ReportedFields | undefined): string | undefined {
  return fields === undefined ? undefined : statusName(kind, fields.status);
}

/**
 * The items of a failed call: each entry is applied as reported, and an item without an entry or
 * whose entry carries no status ends `error` (host rule: nothing stays transitional). Rows that end
 * error-like carry the call's last error so the user sees why.
 */
export function failedItemWrites(
  items: readonly Target[],
  entries: ReadonlyMap<string, ReportedEntry>,
  lastError: LastError,
): RowWrite[] {
  return items.map((item) => {
    const entry = entries.get(item.id);
    const status = reportedStatus(item.kind, entry) ?? "error";
    return rowWrite(item, status, {
      provider: providerOf(entry),
      lastError: isErrorLike(status) ? lastError : undefined,
    });
  });
}

/** The ids of items whose entry reports one of `statuses`, as `kind id status` phrases for messages. */
export function reportedPhrases(
  items: readonly Target[],
  entries: ReadonlyMap<string, ReportedEntry>,
  statuses: (status: string) => boolean,
): string[] {
  const phrases: string[] = [];
  for (const item of items) {
    const status = reportedStatus(item.kind, entries.get(item.id));
    if (status !== undefined && statuses(status)) phrases.push(`${item.kind} ${item.id} ${status}`);
  }
  return phrases;
}

/** `kind id status` of a model_update whose status matches, as a list of none or one, for messages. */
export function modelPhrases(
  target: Target,
  fields: ReportedFields | undefined,
  statuses: (status: string) => boolean,
): string[] {
  const status = reportedStatus(target.kind, fields);
  return status !== undefined && statuses(status) ? [`${target.kind} ${target.id} ${status}`] : [];
}

/** The ids of items a failed call leaves in `error` for want of an entry carrying a status. */
export function unreportedIds(items: readonly Target[], entries: ReadonlyMap<string, ReportedEntry>): string[] {
  return items.filter((item) => reportedStatus(item.kind, entries.get(item.id)) === undefined).map((item) => item.id);
}
