// RULES.md section 4: update_consistencygroup(group, add_volumes, remove_volumes). Only the group
// is `updating` before the call; the volumes keep their own status (available, in-use, error,
// error_deleting), which is what their writes expect. Membership moves only on success, and every
// volume is written even when its status does not change, so the move is compare-and-set too.
import type { UpdateConsistencyGroupResponse } from "../contract.js";
import { isErrorLike, type GroupRow, type VolumeRow } from "../model.js";
import { malformedUpdateGroup } from "./malformed.js";
import type { DriverOutcome, RuleContext, RuleResult } from "./outcome.js";
import { failedResult, okResult, raisedResult, reportedStatusFailure } from "./results.js";
import {
  entriesById,
  lastErrorOf,
  modelPhrases,
  providerOf,
  reportedPhrases,
  reportedStatus,
  rowWrite,
  targetOf,
  type ReportedEntry,
  type Target,
} from "./row-writes.js";
import { screenOutcome } from "./screen.js";

/** Decides an update_group outcome: R4.1 raised (or malformed), R4.2 model_update.status error, R4.3 otherwise. */
export function decideUpdateGroup(
  rows: { group: GroupRow; addVolumes: readonly VolumeRow[]; removeVolumes: readonly VolumeRow[] },
  outcome: DriverOutcome<UpdateConsistencyGroupResponse>,
  ctx: RuleContext,
): RuleResult {
  const group = targetOf("group", rows.group);
  const added = rows.addVolumes.map((volume) => targetOf("volume", volume));
  const removed = rows.removeVolumes.map((volume) => targetOf("volume", volume));
  const screened = screenOutcome(outcome, (response) =>
    malformedUpdateGroup(
      response,
      added.map((volume) => volume.id),
      removed.map((volume) => volume.id),
    ),
  );
  if (screened.kind === "raised") return raisedResult("R4.1", [group, ...added, ...removed], screened.failure, ctx);

  const { modelUpdate, addVolumesUpdate, removeVolumesUpdate } = screened.response;
  const addEntries = entriesById(addVolumesUpdate);
  const removeEntries = entriesById(removeVolumesUpdate);
  const groupProvider = providerOf(modelUpdate);

  if (reportedStatus("group", modelUpdate) === "error") {
    // Like a raise, every volume of the change ends error and nobody moves; the entries'
    // statuses are overridden but their provider fields are still the driver's word.
    const failure = reportedStatusFailure(
      modelPhrases(group, modelUpdate, (s) => s === "error"),
      "membership is unchanged and every added and removed volume ends error",
      { kind: "volume", ids: [] },
    );
    const lastError = lastErrorOf(failure, ctx);
    const errorWrite = (entries: ReadonlyMap<string, ReportedEntry>) => (volume: Target) =>
      rowWrite(volume, "error", { provider: providerOf(entries.get(volume.id)), lastError });
    const writes = [
      rowWrite(group, "error", { provider: groupProvider, lastError }),
      ...added.map(errorWrite(addEntries)),
      ...removed.map(errorWrite(removeEntries)),
    ];
    return failedResult("R4.2", writes, failure);
  }

  const memberWrite = (entries: ReadonlyMap<string, ReportedEntry>, groupId: string | null) => (volume: Target) => {
    const entry = entries.get(volume.id);
    // No entry, or UNSPECIFIED: the volume keeps its status (the write re-asserts it).
    return rowWrite(volume, reportedStatus("volume", entry) ?? volume.expect, { provider: providerOf(entry), groupId });
  };
  const writes = [
    rowWrite(group, "available", { provider: groupProvider }),
    ...added.map(memberWrite(addEntries, group.id)),
    ...removed.map(memberWrite(removeEntries, null)),
  ];
  const reported = [
    ...modelPhrases(group, modelUpdate, isErrorLike),
    ...reportedPhrases(added, addEntries, isErrorLike),
    ...reportedPhrases(removed, removeEntries, isErrorLike),
  ];
  const warnings =
    reported.length === 0
      ? []
      : [`the driver reported ${reported.join(", ")} in a successful update; the statuses are applied and the call succeeds`];
  return okResult("R4.3", writes, warnings);
}
