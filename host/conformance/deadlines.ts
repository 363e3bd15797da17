// The deadlines check: the plugin honours deadlines and cancellation, as the host's retries need.
// 1. No call of the run, given the kit's ordinary deadline, ran out of it: a plugin that hangs on
//    an operation (ignoring the deadline the host sends) is caught here, whichever check sent it.
// 2. A call sent with a deadline too short to meet ends by that deadline plus a grace, and the
//    host's retry with the same operation id then works: the plugin did not stay stuck on the
//    abandoned attempt.
// 3. The same for a call the kit cancels while it is in flight.
// 4. The plugin still answers Probe.
// Limits: the kit cannot see whether the plugin stopped its backend work when the deadline
// passed, only that it answers afterwards; whether a too-short or cancelled call reached the
// plugin before it ended depends on timing, so parts 2 and 3 prove recovery, not the abort path.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { RPC_BY_KIND } from "../contract.js";
import { describeFailure } from "./answers.js";
import { failed, passed, skipped, type CheckContext, type CheckVerdict, type ConformanceCheck } from "./check.js";
import { createGroupRequest, newId } from "./kit-requests.js";

const GAVE_UP = new Set<number>([GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

export const deadlinesCheck: ConformanceCheck = {
  name: "deadlines",
  title: "every call answers within its deadline, and the plugin recovers from calls that outlive theirs or are cancelled",
  needsPlugin: true,
  async run(ctx: CheckContext): Promise<CheckVerdict> {
    const { session, client, settings } = ctx;
    const problems: string[] = [];
    const details: string[] = [];

    const hung = session.calls.filter((c) => !c.deliberate && c.outcome.kind === "raised" && c.outcome.failure.code === "DEADLINE_EXCEEDED");
    for (const call of hung) {
      problems.push(`${RPC_BY_KIND[call.kind].method} (${call.check} check, ${call.step}) did not answer within its deadline of ${call.deadlineMs} ms: the plugin hangs or ignores the deadline, or the operation needs longer on this backend (then pass a larger --timeout-ms)`);
    }
    const ordinary = session.calls.filter((c) => !c.deliberate).length;
    if (hung.length === 0) details.push(`all ${ordinary} calls sent so far answered within their deadline of ${settings.callDeadlineMs} ms`);

    if (!client.capabilities.operations.includes("create_group")) {
      if (problems.length > 0) return failed(problems[0]!, problems.slice(1));
      return skipped("CreateConsistencyGroup is not declared, so the kit has no call to let run out of time", details);
    }

    // 2. A deadline too short to meet, then the host's retry.
    const late = session.newGroup("deadline-short");
    const first = await session.createGroup(late, { step: `deadline of ${settings.tinyDeadlineMs} ms`, deadlineMs: settings.tinyDeadlineMs, deliberate: true });
    const elapsed = session.calls.at(-1)?.elapsedMs ?? 0;
    if (elapsed > settings.tinyDeadlineMs + settings.deadlineGraceMs) {
      problems.push(`a call with a deadline of ${settings.tinyDeadlineMs} ms ended only after ${elapsed} ms (grace ${settings.deadlineGraceMs} ms)`);
    }
    if (first.outcome.kind === "raised" && !GAVE_UP.has(first.outcome.failure.grpcCode ?? -1)) {
      problems.push(`a call whose deadline passed ended with ${describeFailure(first.outcome.failure)}, not DEADLINE_EXCEEDED or CANCELLED`);
    } else {
      details.push(`CreateConsistencyGroup with a ${settings.tinyDeadlineMs} ms deadline: ${first.outcome.kind === "raised" ? describeFailure(first.outcome.failure) : "answered in time"} after ${elapsed} ms`);
    }
    const retry = await session.resend(first, { step: "retry after the deadline passed" });
    if (retry.problem !== undefined) {
      problems.push(`the retry (same operation id) of a call whose deadline passed did not work: ${retry.problem}; the plugin must not stay stuck on an abandoned attempt`);
    } else details.push("its retry with the same operation id: worked");

    // 3. A cancelled call, then the host's retry.
    const cancelledGroup = session.newGroup("deadline-cancelled");
    // A cancelled create may still have made the group: the cleanup check deletes it.
    session.trackGroup(cancelledGroup);
    const request = createGroupRequest(newId(), cancelledGroup);
    const cancelled = await session.sendAndCancel("create_group", request, "cancelled in flight");
    if (cancelled.outcome.kind === "raised" && !GAVE_UP.has(cancelled.outcome.failure.grpcCode ?? -1)) {
      problems.push(`a cancelled call ended with ${describeFailure(cancelled.outcome.failure)}, not CANCELLED`);
    } else {
      details.push(`CreateConsistencyGroup cancelled in flight: ${cancelled.outcome.kind === "raised" ? describeFailure(cancelled.outcome.failure) : "answered before the cancellation"}`);
    }
    const again = await session.resend(cancelled, { step: "retry after a cancellation" });
    if (again.problem !== undefined) {
      problems.push(`the retry (same operation id) of a cancelled call did not work: ${again.problem}; the plugin must not stay stuck on a cancelled call`);
    } else details.push("its retry with the same operation id: worked");

    const probe = await client.probe({ deadlineMs: settings.callDeadlineMs });
    if (!probe.ready) problems.push(`after these calls the plugin no longer answers ready (Probe: ${probe.message})`);
    else details.push("Probe afterwards: ready");

    if (problems.length > 0) return failed(problems[0]!, [...problems.slice(1), ...details]);
    return passed("every call answered within its deadline, and the plugin recovered from a call past its deadline and from a cancelled one", details);
  },
};
