// Builds the DriverContext of one incoming call: its ids, a logger carrying them, and an
// AbortSignal that fires when the host gives up on the call, so a driver can stop its backend work
// instead of finishing something nobody waits for.
import { status, type Metadata, type ServerUnaryCall } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { DriverContext } from "./driver.js";
import { DriverError } from "./errors.js";

// setTimeout cannot wait longer; a farther deadline is left to the call's own cancellation.
const MAX_TIMER_MS = 2_147_483_647;
// The server's deadline is the client's plus the time the request took to arrive, so the client's
// own deadline cancellation reaches us a little before ours passes: count one that close as expiry.
const DEADLINE_SLACK_MS = 100;

/** A call's context, and `dispose` to detach it from the call once the answer is sent. */
export interface CallContext {
  ctx: DriverContext;
  dispose(): void;
}

/** The first value of a metadata key, as text. */
export function metadataText(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.toString("utf8");
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): Date | undefined {
  const raw = call.getDeadline();
  const at = raw instanceof Date ? raw.getTime() : raw;
  return Number.isFinite(at) ? new Date(at) : undefined;
}

/** Creates the context of `call`, whose log lines carry `operation` (the RPC name) and both ids. */
export function createCallContext(
  call: ServerUnaryCall<unknown, unknown>,
  fields: { operation: string; operationId: string; requestId: string; logger: Logger },
): CallContext {
  const { operation, operationId, requestId } = fields;
  const log = fields.logger.child({ operation, operationId, requestId });
  const deadline = deadlineOf(call);
  const controller = new AbortController();
  const deadlinePassed = (): DriverError =>
    new DriverError(status.DEADLINE_EXCEEDED, `${operation}: the call's deadline (${deadline?.toISOString()}) passed`);

  // grpc-js reports an expired deadline as a cancellation too: tell the two apart by the clock.
  const onCancelled = (): void => {
    if (controller.signal.aborted) return;
    const expired = deadline !== undefined && Date.now() >= deadline.getTime() - DEADLINE_SLACK_MS;
    controller.abort(expired ? deadlinePassed() : new DriverError(status.CANCELLED, `${operation}: the host cancelled the call`));
  };
  call.once("cancelled", onCancelled);

  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined) {
    const wait = Math.max(0, deadline.getTime() - Date.now());
    if (wait <= MAX_TIMER_MS) {
      timer = setTimeout(() => {
        if (!controller.signal.aborted) controller.abort(deadlinePassed());
      }, wait);
      timer.unref();
    }
  }

  return {
    ctx: { operationId, requestId, log, signal: controller.signal, deadline },
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      call.removeListener("cancelled", onCancelled);
    },
  };
}
