// RULES.md section 1: create_consistencygroup(group). The group is `creating` before the call.
import type { CreateConsistencyGroupResponse } from "../contract.js";
import { isErrorLike, type GroupRow } from "../model.js";
import { malformedCreateGroup } from "./malformed.js";
import type { DriverOutcome, RuleContext, RuleResult } from "./outcome.js";
import { failedResult, okResult, raisedResult, reportedStatusFailure } from "./results.js";
import { lastErrorOf, modelPhrases, providerOf, reportedStatus, rowWrite, targetOf } from "./row-writes.js";
import { screenOutcome } from "./screen.js";

/** Decides a create_group outcome: R1.1 raised (or malformed), R1.2 status error, R1.3 other model_update, R1.4 none. */
export function decideCreateGroup(
  rows: { group: GroupRow },
  outcome: DriverOutcome<CreateConsistencyGroupResponse>,
  ctx: RuleContext,
): RuleResult {
  const group = targetOf("group", rows.group);
  const screened = screenOutcome(outcome, malformedCreateGroup);
  if (screened.kind === "raised") return raisedResult("R1.1", [group], screened.failure, ctx);

  const update = screened.response.modelUpdate;
  const provider = providerOf(update);
  // Only `error` fails a create (R1.2); any other status, error_deleting included, ends available (R1.3).
  if (reportedStatus("group", update) === "error") {
    const failure = reportedStatusFailure(modelPhrases(group, update, (s) => s === "error"), undefined, {
      kind: "group",
      ids: [],
    });
    return failedResult("R1.2", [rowWrite(group, "error", { provider, lastError: lastErrorOf(failure, ctx) })], failure);
  }
  if (update === undefined) return okResult("R1.4", [rowWrite(group, "available")]);
  const reported = modelPhrases(group, update, isErrorLike);
  const warnings =
    reported.length === 0 ? [] : [`the driver reported ${reported.join(", ")}; only error fails a create, so the group ends available`];
  return okResult("R1.3", [rowWrite(group, "available", { provider })], warnings);
}
