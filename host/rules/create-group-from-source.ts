// RULES.md section 2: create_consistencygroup_from_src(group, volumes, source). The group and one
// target volume per source item are `creating` before the call. The interface documents that "the
// manager will assume the operation is successful if no exception is thrown", so any returned
// answer succeeds; reported error statuses only become a warning to log and count.
import type { CreateConsistencyGroupFromSourceResponse } from "../contract.js";
import { isErrorLike, type GroupRow, type VolumeRow } from "../model.js";
import { malformedCreateGroupFromSource } from "./malformed.js";
import type { DriverOutcome, RuleContext, RuleResult } from "./outcome.js";
import { okResult, raisedResult } from "./results.js";
import { entriesById, modelPhrases, providerOf, reportedPhrases, rowWrite, targetOf } from "./row-writes.js";
import { screenOutcome } from "./screen.js";

/** Decides a create_group_from_source outcome: R2.1 raised (or malformed), R2.2 any returned answer. */
export function decideCreateGroupFromSource(
  rows: { group: GroupRow; volumes: readonly VolumeRow[] },
  outcome: DriverOutcome<CreateConsistencyGroupFromSourceResponse>,
  ctx: RuleContext,
): RuleResult {
  const group = targetOf("group", rows.group);
  const volumes = rows.volumes.map((volume) => targetOf("volume", volume));
  const screened = screenOutcome(outcome, (response) =>
    malformedCreateGroupFromSource(
      response,
      volumes.map((volume) => volume.id),
    ),
  );
  if (screened.kind === "raised") return raisedResult("R2.1", [group, ...volumes], screened.failure, ctx);

  const { modelUpdate, volumesModelUpdate } = screened.response;
  const entries = entriesById(volumesModelUpdate);
  // Statuses are overridden (everything ends available) but the provider fields are kept.
  const writes = [
    rowWrite(group, "available", { provider: providerOf(modelUpdate) }),
    ...volumes.map((volume) => rowWrite(volume, "available", { provider: providerOf(entries.get(volume.id)) })),
  ];
  const reported = [...modelPhrases(group, modelUpdate, isErrorLike), ...reportedPhrases(volumes, entries, isErrorLike)];
  const warnings =
    reported.length === 0
      ? []
      : [
          `the driver reported ${reported.join(", ")} without failing the call; ` +
            "a returned create-from-source counts as success, so the group and every target volume end available",
        ];
  return okResult("R2.2", writes, warnings);
}
