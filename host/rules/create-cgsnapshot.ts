// RULES.md section 5: create_cgsnapshot(cgsnapshot, snapshots). The cgsnapshot and one snapshot
// per member volume are `creating` before the call; the group itself is not a target.
//
// Only `error` fails a create. The reference promotes the cgsnapshot to the first error-like
// entry's status, so an `error_deleting` entry listed before an `error` one would hide it there;
// RULES.md says any entry with `error` fails, and the host follows that. `error_deleting` alone
// (an entry or model_update) does not fail: everything ends available (R5.3), with a warning.
import type { CreateCgSnapshotResponse } from "../contract.js";
import { isErrorLike, type CgSnapshotRow, type SnapshotRow } from "../model.js";
import { malformedCreateCgSnapshot } from "./malformed.js";
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

const isError = (status: string): boolean => status === "error";

/** Decides a create_cgsnapshot outcome: R5.1 raised (or malformed), R5.2 a status error, R5.3 otherwise. */
export function decideCreateCgSnapshot(
  rows: { cgsnapshot: CgSnapshotRow; snapshots: readonly SnapshotRow[] },
  outcome: DriverOutcome<CreateCgSnapshotResponse>,
  ctx: RuleContext,
): RuleResult {
  const cgsnapshot = targetOf("cgsnapshot", rows.cgsnapshot);
  const snapshots = rows.snapshots.map((snapshot) => targetOf("snapshot", snapshot));
  const screened = screenOutcome(outcome, (response) =>
    malformedCreateCgSnapshot(
      response,
      snapshots.map((snapshot) => snapshot.id),
    ),
  );
  if (screened.kind === "raised") return raisedResult("R5.1", [cgsnapshot, ...snapshots], screened.failure, ctx);

  const { modelUpdate, snapshotsModelUpdate } = screened.response;
  const entries = entriesById(snapshotsModelUpdate);
  const provider = providerOf(modelUpdate);
  const failed =
    reportedStatus("cgsnapshot", modelUpdate) === "error" ||
    snapshots.some((snapshot) => reportedStatus("snapshot", entries.get(snapshot.id)) === "error");

  if (failed) {
    // Entries are applied as reported (an error_deleting entry stays error_deleting, as in the
    // reference); snapshots without a reported status end error.
    const failure = reportedStatusFailure(
      [...modelPhrases(cgsnapshot, modelUpdate, isErrorLike), ...reportedPhrases(snapshots, entries, isErrorLike)],
      "the cgsnapshot ends error",
      { kind: "snapshot", ids: unreportedIds(snapshots, entries) },
    );
    const lastError = lastErrorOf(failure, ctx);
    const writes = [rowWrite(cgsnapshot, "error", { provider, lastError }), ...failedItemWrites(snapshots, entries, lastError)];
    return failedResult("R5.2", writes, failure);
  }

  const writes = [
    rowWrite(cgsnapshot, "available", { provider }),
    ...snapshots.map((snapshot) => rowWrite(snapshot, "available", { provider: providerOf(entries.get(snapshot.id)) })),
  ];
  const reported = [...modelPhrases(cgsnapshot, modelUpdate, isErrorLike), ...reportedPhrases(snapshots, entries, isErrorLike)];
  const warnings =
    reported.length === 0
      ? []
      : [
          `the driver reported ${reported.join(", ")}; only error fails a create, ` +
            "so the cgsnapshot and every snapshot end available",
        ];
  return okResult("R5.3", writes, warnings);
}
