// RULES.md section 6: delete_cgsnapshot(cgsnapshot, snapshots). The cgsnapshot and its snapshots
// are `deleting` before the call.
import type { DeleteCgSnapshotResponse } from "../contract.js";
import { isErrorLike, type CgSnapshotRow, type SnapshotRow } from "../model.js";
import { malformedDeleteCgSnapshot } from "./malformed.js";
import type { DriverOutcome, RuleContext, RuleResult } from "./outcome.js";
import { failedResult, okResult, raisedResult, reportedStatusFailure } from "./results.js";
import {
  entriesById,
  failedItemWrites,
  lastErrorOf,
  modelPhrases,
  providerOf,
  reportedPhrases,
  reportedStatus,
  rowWrite,
  targetOf,
  unreportedIds,
} from "./row-writes.js";
import { screenOutcome } from "./screen.js";

/** Decides a delete_cgsnapshot outcome: R6.1 raised (or malformed), R6.2 an error-like status, R6.3 otherwise. */
export function decideDeleteCgSnapshot(
  rows: { cgsnapshot: CgSnapshotRow; snapshots: readonly SnapshotRow[] },
  outcome: DriverOutcome<DeleteCgSnapshotResponse>,
  ctx: RuleContext,
): RuleResult {
  const cgsnapshot = targetOf("cgsnapshot", rows.cgsnapshot);
  const snapshots = rows.snapshots.map((snapshot) => targetOf("snapshot", snapshot));
  const screened = screenOutcome(outcome, (response) =>
    malformedDeleteCgSnapshot(
      response,
      snapshots.map((snapshot) => snapshot.id),
    ),
  );
  if (screened.kind === "raised") return raisedResult("R6.1", [cgsnapshot, ...snapshots], screened.failure, ctx);

  const { modelUpdate, snapshotsModelUpdate } = screened.response;
  const entries = entriesById(snapshotsModelUpdate);
  const provider = providerOf(modelUpdate);
  const reported = [...modelPhrases(cgsnapshot, modelUpdate, isErrorLike), ...reportedPhrases(snapshots, entries, isErrorLike)];

  if (reported.length > 0) {
    // Entries are applied as reported (deleted ones are gone, error_deleting ones stay so);
    // snapshots without a reported status, all of them when the list is absent or empty, end error.
    const failure = reportedStatusFailure(reported, "the cgsnapshot ends error", {
      kind: "snapshot",
      ids: unreportedIds(snapshots, entries),
    });
    const lastError = lastErrorOf(failure, ctx);
    const writes = [rowWrite(cgsnapshot, "error", { provider, lastError }), ...failedItemWrites(snapshots, entries, lastError)];
    return failedResult("R6.2", writes, failure);
  }

  const writes = [
    rowWrite(cgsnapshot, "deleted", { provider }),
    ...snapshots.map((snapshot) => rowWrite(snapshot, "deleted", { provider: providerOf(entries.get(snapshot.id)) })),
  ];
  return okResult("R6.3", writes);
}
