// Every RPC the SDK serves goes through this wrapper: it builds the call's context, runs the
// handler, maps whatever it throws to a gRPC status, and logs one line per call. Handlers stay
// free of transport concerns, and no call can escape the error mapping or the log.
import { status, type handleUnaryCall, type ServerUnaryCall } from "@grpc/grpc-js";
import type { Level, Logger } from "pino";
import { createCallContext, metadataText } from "./call-context.js";
import type { DriverContext } from "./driver.js";
import { DriverError, toServiceError } from "./errors.js";

/** How to serve one unary RPC. */
export interface UnaryHandlerOptions<Request, Response> {
  /** The RPC's name, e.g. `CreateConsistencyGroup`: the `operation` of every log line. */
  operation: string;
  logger: Logger;
  /** The level of the line logged for a successful call. */
  level: Level;
  /** The request's operation id; "" when the RPC has none. */
  operationIdOf(request: Request): string;
  /** The request id to use when the call carries no `x-request-id` metadata. */
  requestIdOf(request: Request): string;
  run(request: Request, ctx: DriverContext): Promise<Response>;
}

/** A grpc-js unary handler running `options.run` with a context, status mapping and a log line. */
export function unaryHandler<Request, Response>(options: UnaryHandlerOptions<Request, Response>): handleUnaryCall<Request, Response> {
  return (call: ServerUnaryCall<Request, Response>, callback) => {
    const started = performance.now();
    const request = call.request;
    const requestId = metadataText(call.metadata, "x-request-id") ?? options.requestIdOf(request);
    const { ctx, dispose } = createCallContext(call, {
      operation: options.operation,
      operationId: options.operationIdOf(request),
      requestId,
      logger: options.logger,
    });
    const finished = (code: status) => ({ method: call.getPath(), durationMs: Math.round((performance.now() - started) * 1000) / 1000, code: status[code] });

    // An async wrapper so that a handler throwing synchronously is mapped like a rejection.
    const run = async (): Promise<Response> => options.run(request, ctx);
    run().then(
      (response) => {
        dispose();
        ctx.log[options.level](finished(status.OK), "call answered");
        callback(null, response);
      },
      (thrown: unknown) => {
        dispose();
        const failure = toServiceError(thrown, ctx.signal);
        // A chosen code is the driver speaking; INTERNAL means something it did not expect.
        const chosen = thrown instanceof DriverError || failure.code !== status.INTERNAL;
        if (chosen) ctx.log.warn({ ...finished(failure.code), details: failure.details }, "call failed");
        else ctx.log.error({ ...finished(failure.code), err: thrown }, "call failed with an unexpected error");
        callback(failure, null);
      },
    );
  };
}
