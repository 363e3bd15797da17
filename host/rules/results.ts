// The shapes of a rule table's decision: ok, failed by what the driver reported, or raised.
import type { EntityKind, RowWrite } from "../model.js";
import type { RuleId } from "./catalog.js";
import type { DriverFailure, RuleContext, RuleResult } from "./outcome.js";
import { allErrorWrites, lastErrorOf, type Target } from "./row-writes.js";

/** The failure code of a call the driver answered OK but whose statuses fail it. */
export const DRIVER_REPORTED_ERROR = "DRIVER_REPORTED_ERROR";

/** A successful call. */
export function okResult(ruleId: RuleId, writes: RowWrite[], warnings: string[] = []): RuleResult {
  return { ruleId, ok: true, writes, warnings };
}

/** A failed call with the writes its rule decided. */
export function failedResult(ruleId: RuleId, writes: RowWrite[], failure: DriverFailure): RuleResult {
  return { ruleId, ok: false, writes, failure, warnings: [] };
}

/** The raised row of a table: every target ends `error` carrying the failure as its last error. */
export function raisedResult(ruleId: RuleId, targets: readonly Target[], failure: DriverFailure, ctx: RuleContext): RuleResult {
  return failedResult(ruleId, allErrorWrites(targets, lastErrorOf(failure, ctx)), failure);
}

/** The failure of a call whose OK answer reported statuses that fail it. */
export function reportedFailure(message: string): DriverFailure {
  return { code: DRIVER_REPORTED_ERROR, message };
}

/**
 * The failure of an OK answer whose statuses fail the call: the `kind id status` phrases the
 * driver reported, an optional note on what the host did with them, and the items that end
 * `error` only because no entry gave them a status (so the user can tell the two apart).
 */
export function reportedStatusFailure(
  reported: readonly string[],
  note: string | undefined,
  unreported: { kind: EntityKind; ids: readonly string[] },
): DriverFailure {
  const parts = [`the driver answered OK but reported ${reported.join(", ")}`];
  if (note !== undefined) parts.push(note);
  if (unreported.ids.length > 0) {
    parts.push(`${unreported.kind}s with no reported status end error: ${unreported.ids.join(", ")}`);
  }
  return reportedFailure(parts.join("; "));
}
