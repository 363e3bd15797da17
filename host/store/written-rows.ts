// What applyWrites leaves in a row, computed from the row as it was and the write, without
// reading it back. A successful delete of a 100,000-volume group returns its rows from here
// instead of reading 100,000 rows a second time (bench/README.md). Every Store's applyWrites must
// agree with rowAfterWrite; test/sqlite-store.test.ts compares the two for every kind of write.
import type { EntityKind, RowCommon, RowWrite } from "../model.js";

/** `row` after `write` was applied at `at`, the timestamp applyWrites returned; `row` stays as it was. */
export function rowAfterWrite<R extends RowCommon & { status: string }>(row: R, write: RowWrite, at: string): R {
  return writeInto({ ...row }, write, at);
}

/** Applies `write` to `after` itself, as applyWrites did to the stored row at `at`; returns it. */
function writeInto<R extends RowCommon & { status: string }>(after: R, write: RowWrite, at: string): R {
  after.status = write.status;
  after.updatedAt = at;
  if (write.softDelete === true) after.deletedAt = at;
  const provider = write.provider;
  // Like the UPDATE: a null or absent provider field leaves the stored one, metadata is merged.
  if (provider?.providerLocation !== undefined && provider.providerLocation !== null) after.providerLocation = provider.providerLocation;
  if (provider?.providerId !== undefined && provider.providerId !== null) after.providerId = provider.providerId;
  if (provider?.metadata !== undefined) after.metadata = { ...after.metadata, ...provider.metadata };
  if (write.lastError !== undefined) after.lastError = write.lastError;
  if (write.groupId !== undefined && "groupId" in after) (after as { groupId: string | null }).groupId = write.groupId;
  return after;
}

/**
 * `rows` after the writes of `kind` applied at `at`, in the order of `rows`: the rows themselves,
 * each updated in place, so the caller passes rows it owns (an operation's own listing). Copying
 * them cost a 100,000-volume delete ~70 ms (bench/README.md). Undefined, with every row left as it
 * was, unless each row has exactly one write and every write names one of the rows (the caller
 * then reads the store).
 */
export function rowsAfterWrites<R extends RowCommon & { status: string }>(
  kind: EntityKind,
  rows: readonly R[],
  writes: readonly RowWrite[],
  at: string,
): R[] | undefined {
  const byId = new Map<string, RowWrite>();
  for (const write of writes) {
    if (write.kind !== kind) continue;
    if (byId.has(write.id)) return undefined;
    byId.set(write.id, write);
  }
  if (byId.size !== rows.length) return undefined;
  // Every row checked before any is written: giving up leaves them all as they were.
  for (const row of rows) if (!byId.has(row.id)) return undefined;
  return rows.map((row) => writeInto(row, byId.get(row.id)!, at));
}
