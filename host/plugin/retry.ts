// Retrying a driver call by its transport class (RULES.md section 8, classify.ts):
// - never-sent: the request did not leave the host; retry with backoff, inside the operation's
//   deadline, without spending the retry budget (nothing can have happened twice);
// - uncertain: it may have run; retry with the same request, hence the same operation id (plugins
//   are idempotent), while the retry budget and the operation's deadline last;
// - final: the plugin answered; never retried.
// Before each attempt the call waits until the plugin is callable (after a crash: restarted and
// ready), bounded by the operation's deadline. When the budget is spent the outcome is raised,
// with the number of attempts and the last cause in its message.
import type { DriverFailure, DriverOutcome } from "../rules/outcome.js";
import { backoffDelay, waitOrAbort, type BackoffOptions } from "./backoff.js";
import type { ClassifiedOutcome } from "./plugin-connection.js";

/** How a supervised plugin retries calls. */
export interface RetryOptions {
  /** Attempts an uncertain call may make in all, the first included; default 3. 1 turns retries off. */
  maxAttempts: number;
  /** Waits between attempts of a call that was never sent; default 50 ms doubling to 2 s, +/- 20%. */
  backoff: BackoffOptions;
  /**
   * The whole operation's deadline in ms: every attempt, every wait for a restart and every backoff
   * fit inside it. Default: the call's own deadline (HostOptions.deadlinesMs) times (maxAttempts + 1).
   */
  operationDeadlineMs?: number;
}

/** One way to send the call, once the plugin is callable. */
export interface CallSlot<R> {
  send(deadlineMs: number): Promise<ClassifiedOutcome<R>>;
  /** After a transport failure: why the plugin went away during this attempt (a crash and its stderr), if it did. */
  explainLoss(failure: DriverFailure): Promise<string | undefined>;
}

/** What the retry loop needs from the supervisor. */
export interface RetryTarget<R> {
  /** Waits until a call may be sent (at most until `deadlineAt`, epoch ms): a slot, or why not. */
  acquire(deadlineAt: number, signal: AbortSignal): Promise<CallSlot<R> | { refused: string }>;
  /** Told after every transport failure, so the supervisor can check the plugin at once. */
  onTransportFailure(): void;
}

/** What one call is. */
export interface RetryCall {
  /** The RPC, e.g. `CreateConsistencyGroup`, for messages. */
  method: string;
  /** The deadline of one attempt, in ms. */
  deadlineMs: number;
  /** Aborted when the plugin client closes: stop waiting. */
  signal: AbortSignal;
}

/** Sends the call through `target`, retrying by class; resolves with the final outcome, never rejects. */
export async function callWithRetries<R>(target: RetryTarget<R>, options: RetryOptions, call: RetryCall): Promise<DriverOutcome<R>> {
  const deadlineAt = Date.now() + (options.operationDeadlineMs ?? call.deadlineMs * (options.maxAttempts + 1));
  let sent = 0;
  let unsent = 0;
  let last: DriverFailure | undefined;
  let lossNote: string | undefined;
  const giveUp = (why: string): DriverOutcome<R> => ({
    kind: "raised",
    failure: {
      code: last?.code ?? "PLUGIN_UNAVAILABLE",
      ...(last?.grpcCode === undefined ? {} : { grpcCode: last.grpcCode }),
      message: `${call.method} was not completed after ${sent} attempt(s) with the same operation id: ${why}${last ? `; last cause: ${last.message}` : ""}${lossNote ? `; ${lossNote}` : ""}`,
    },
  });
  for (;;) {
    const slot = await target.acquire(deadlineAt, call.signal);
    if ("refused" in slot) return giveUp(slot.refused);
    const remaining = deadlineAt - Date.now();
    if (remaining <= 0) return giveUp("the operation's deadline passed");
    const outcome = await slot.send(Math.min(call.deadlineMs, remaining));
    if (outcome.kind === "returned") return { kind: "returned", response: outcome.response };
    // The plugin's own answer (or a final transport refusal): recorded exactly as it came.
    if (outcome.class === "final") return { kind: "raised", failure: outcome.failure };
    last = outcome.failure;
    target.onTransportFailure();
    if (outcome.class === "uncertain") {
      sent += 1;
      if (sent >= options.maxAttempts) {
        lossNote = await slot.explainLoss(outcome.failure);
        return giveUp(`the retry budget (${options.maxAttempts} attempts) is spent`);
      }
      lossNote = undefined;
      continue;
    }
    // Never sent: nothing happened; wait a little (the plugin may be restarting) and send again.
    unsent += 1;
    const wait = Math.min(backoffDelay(unsent, options.backoff), Math.max(0, deadlineAt - Date.now()));
    if (!(await waitOrAbort(wait, call.signal))) return giveUp("the plugin client was closed");
  }
}
