// RULES.md section 3: delete_consistencygroup(group, volumes). The group and its volumes are
// `deleting` before the call.
//
// Which failing row decides when several apply: an error-like model_update.status is R3.4 even
// when an entry is error-like too, because promotion (R3.3/R3.6) only matters when the group's own
// status is not already error-like, and R3.4's writes are the same. Otherwise an error-like entry
// is R3.3 with model_update present (even with an UNSPECIFIED status) and R3.6 without it.
import type { DeleteConsistencyGroupResponse } from "../contract.js";
import { isErrorLike, type GroupRow, type VolumeRow } from "../model.js";
import type { RuleId } from "./catalog.js";
import { malformedDeleteGroup } from "./malformed.js";
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

/** Decides a delete_group outcome: R3.1 raised (or malformed), R3.2/R3.5 deleted, R3.3/R3.4/R3.6 failed. */
export function decideDeleteGroup(
  rows: { group: GroupRow; volumes: readonly VolumeRow[] },
  outcome: DriverOutcome<DeleteConsistencyGroupResponse>,
  ctx: RuleContext,
): RuleResult {
  const group = targetOf("group", rows.group);
  const volumes = rows.volumes.map((volume) => targetOf("volume", volume));
  const screened = screenOutcome(outcome, (response) =>
    malformedDeleteGroup(
      response,
      volumes.map((volume) => volume.id),
    ),
  );
  if (screened.kind === "raised") return raisedResult("R3.1", [group, ...volumes], screened.failure, ctx);

  const { modelUpdate, volumesModelUpdate } = screened.response;
  const entries = entriesById(volumesModelUpdate);
  const groupProvider = providerOf(modelUpdate);
  const groupStatus = reportedStatus("group", modelUpdate);
  // The reference promotes with the first error-like entry in the driver's order.
  const promotingEntry = (volumesModelUpdate?.updates ?? []).find((entry) => isErrorLike(reportedStatus("volume", entry)));

  const ruleId: RuleId | undefined = isErrorLike(groupStatus)
    ? "R3.4"
    : promotingEntry === undefined
      ? undefined
      : modelUpdate === undefined
        ? "R3.6"
        : "R3.3";
  if (ruleId === undefined) {
    // A success deletes every volume, those without an entry too; entries' statuses (deleted,
    // available) are not error-like and do not matter once the rows are gone.
    const writes = [
      rowWrite(group, "deleted", { provider: groupProvider }),
      ...volumes.map((volume) => rowWrite(volume, "deleted", { provider: providerOf(entries.get(volume.id)) })),
    ];
    return okResult(modelUpdate === undefined && volumesModelUpdate === undefined ? "R3.5" : "R3.2", writes);
  }

  const promotedTo = ruleId === "R3.4" ? undefined : reportedStatus("volume", promotingEntry);
  const absent = modelUpdate === undefined ? " (model_update absent)" : "";
  const failure = reportedStatusFailure(
    [...modelPhrases(group, modelUpdate, isErrorLike), ...reportedPhrases(volumes, entries, isErrorLike)],
    promotedTo === undefined ? "the group ends error" : `the group's status was promoted to ${promotedTo}${absent}, so the group ends error`,
    { kind: "volume", ids: unreportedIds(volumes, entries) },
  );
  const lastError = lastErrorOf(failure, ctx);
  const writes = [
    rowWrite(group, "error", { provider: groupProvider, lastError }),
    ...failedItemWrites(volumes, entries, lastError),
  ];
  return failedResult(ruleId, writes, failure);
}
