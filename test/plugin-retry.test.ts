// RULES.md section 8, the retry loop alone (host/plugin/retry.ts) against a scripted target: a
// call never sent is sent again after a backoff, inside the operation's deadline, without spending
// the retry budget; an uncertain one is sent again while the budget lasts; a final one never.
import { describe, expect, it } from "vitest";
import type { ClassifiedOutcome } from "../host/plugin/plugin-connection.js";
import { callWithRetries, type RetryOptions, type RetryTarget } from "../host/plugin/retry.js";
import type { DriverFailure } from "../host/rules/outcome.js";

const BACKOFF = { initialMs: 1, maxMs: 4, multiplier: 2, jitter: 0 };
const CALL = { method: "CreateConsistencyGroup", deadlineMs: 1_000, signal: new AbortController().signal };

const neverSent: ClassifiedOutcome<string> = {
  kind: "raised",
  class: "never-sent",
  failure: { code: "PLUGIN_UNAVAILABLE", grpcCode: 14, message: "connect ECONNREFUSED" },
};
const uncertain: ClassifiedOutcome<string> = {
  kind: "raised",
  class: "uncertain",
  failure: { code: "PLUGIN_UNAVAILABLE", grpcCode: 14, message: "connection reset after the request was sent" },
};
const final: ClassifiedOutcome<string> = { kind: "raised", class: "final", failure: { code: "DRIVER_FAILED", grpcCode: 13, message: "array said no" } };
const answer: ClassifiedOutcome<string> = { kind: "returned", response: "done" };

/** A target whose slot answers each send with the next scripted outcome (the last one repeats). */
function scripted(outcomes: ReadonlyArray<ClassifiedOutcome<string>>) {
  const seen = { sends: 0, deadlines: [] as number[], transportFailures: 0, losses: [] as DriverFailure[] };
  const target: RetryTarget<string> = {
    acquire: async () => ({
      send: async (deadlineMs) => {
        seen.deadlines.push(deadlineMs);
        return outcomes[Math.min(seen.sends++, outcomes.length - 1)]!;
      },
      explainLoss: async (failure) => {
        seen.losses.push(failure);
        return "the plugin exited with code 1";
      },
    }),
    onTransportFailure: () => {
      seen.transportFailures += 1;
    },
  };
  return { target, seen };
}

function options(maxAttempts: number, operationDeadlineMs?: number): RetryOptions {
  return { maxAttempts, backoff: BACKOFF, ...(operationDeadlineMs === undefined ? {} : { operationDeadlineMs }) };
}

describe("retrying a driver call by its transport class (RULES.md section 8)", () => {
  it("sends a call that was never sent again, without spending the retry budget, and returns the answer", async () => {
    const { target, seen } = scripted([neverSent, neverSent, neverSent, answer]);
    // A budget of one attempt: only sends that may have reached the plugin count against it.
    const outcome = await callWithRetries(target, options(1), CALL);
    expect(outcome).toEqual({ kind: "returned", response: "done" });
    expect(seen.sends).toBe(4);
    expect(seen.transportFailures).toBe(3);
    // Each attempt's deadline is the call's, never more than what the operation has left.
    for (const deadline of seen.deadlines) expect(deadline).toBeLessThanOrEqual(CALL.deadlineMs);
  });

  it("gives a call that is never sent up once the operation's deadline passes, raised with the last cause", async () => {
    const { target, seen } = scripted([neverSent]);
    const started = Date.now();
    const outcome = await callWithRetries(target, options(3, 40), CALL);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(outcome.kind).toBe("raised");
    if (outcome.kind !== "raised") return;
    expect(outcome.failure.code).toBe("PLUGIN_UNAVAILABLE");
    expect(outcome.failure.grpcCode).toBe(14);
    expect(outcome.failure.message).toContain("deadline");
    expect(outcome.failure.message).toContain("connect ECONNREFUSED");
    expect(seen.sends).toBeGreaterThan(1);
  });

  it("sends an uncertain call again while the budget lasts, then raises with the cause and why the plugin went away", async () => {
    const { target, seen } = scripted([uncertain]);
    const outcome = await callWithRetries(target, options(3), CALL);
    expect(seen.sends).toBe(3);
    expect(outcome.kind).toBe("raised");
    if (outcome.kind !== "raised") return;
    expect(outcome.failure.message).toContain("3 attempt(s)");
    expect(outcome.failure.message).toContain("the retry budget (3 attempts) is spent");
    expect(outcome.failure.message).toContain("connection reset after the request was sent");
    expect(outcome.failure.message).toContain("the plugin exited with code 1");
    expect(seen.losses).toHaveLength(1);
  });

  it("returns the answer to an uncertain call's second attempt", async () => {
    const { target, seen } = scripted([uncertain, answer]);
    expect(await callWithRetries(target, options(3), CALL)).toEqual({ kind: "returned", response: "done" });
    expect(seen.sends).toBe(2);
  });

  it("never sends a final failure again", async () => {
    const { target, seen } = scripted([final, answer]);
    expect(await callWithRetries(target, options(3), CALL)).toEqual({ kind: "raised", failure: final.failure });
    expect(seen.sends).toBe(1);
    expect(seen.transportFailures).toBe(0);
  });
});
