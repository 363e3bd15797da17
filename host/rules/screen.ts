// The gate every rule table passes first. RULES.md section 7 says a malformed answer is "treated
// as raised without applying any part of it", so the check runs before a table looks at the
// answer at all, and a refused answer takes exactly the same path as a raise.
import type { DriverFailure, DriverOutcome } from "./outcome.js";

/** The outcome as the tables see it: a returned answer that failed its section 7 check becomes raised. */
export function screenOutcome<R>(
  outcome: DriverOutcome<R>,
  malformed: (response: R) => DriverFailure | undefined,
): DriverOutcome<R> {
  if (outcome.kind === "raised") return outcome;
  const failure = malformed(outcome.response);
  return failure === undefined ? outcome : { kind: "raised", failure };
}
