// The well-formed check: every answer the plugin returned during the run (every check's) passes
// the host's own section-7 checks (RULES.md, host/rules/malformed.ts): entry ids only of items
// sent in that request and in that list's role (R7.1, R7.5), no id twice (R7.2), statuses the
// entity can have in that answer (R7.3), no field the contract does not define (R7.4). The host
// treats a malformed answer as a failure and applies none of it.
import { RPC_BY_KIND, type ResponseByKind } from "../contract.js";
import type { OperationKind } from "../model.js";
import { malformedAnswer } from "./answers.js";
import { failed, passed, skipped, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";

const MAX_LISTED = 10;

export const wellFormedCheck: ConformanceCheck = {
  name: "well-formed",
  title: "every answer names only ids it was sent, once, with valid statuses and no unknown fields (RULES.md section 7)",
  needsPlugin: false,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const returned = ctx.session.calls.filter((c) => c.outcome.kind === "returned");
    if (returned.length === 0) return skipped("the plugin returned no answer to check");
    const problems: string[] = [];
    const byKind = new Map<OperationKind, number>();
    for (const call of returned) {
      if (call.outcome.kind !== "returned") continue;
      byKind.set(call.kind, (byKind.get(call.kind) ?? 0) + 1);
      const failure = malformedAnswer(call.kind, call.request, call.outcome.response as ResponseByKind[OperationKind]);
      if (failure !== undefined) problems.push(`${RPC_BY_KIND[call.kind].method} (${call.check} check, ${call.step}): ${failure.message}`);
    }
    const counts = [...byKind].map(([kind, n]) => `${RPC_BY_KIND[kind].method} × ${n}`).join(", ");
    if (problems.length > 0) {
      const more = problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more malformed answers`] : [];
      return failed(`${problems.length} of ${returned.length} answers are malformed; the host would treat each as a failure: ${problems[0]}`, [
        ...problems.slice(1, MAX_LISTED),
        ...more,
        `answers checked: ${counts}`,
      ]);
    }
    return passed(`all ${returned.length} answers are well formed`, [`answers checked: ${counts}`]);
  },
};
