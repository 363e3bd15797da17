// Every host error code crosses the front API and comes back as itself: the gRPC code a generic
// client sees, the host's code and failure details in the trailing metadata, and the CLI's exit
// code for it. A new host code without a mapping fails this test.
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { EXIT, exitCodeOf } from "../host/cli/exit-codes.js";
import { ERROR_CODE_KEY, FAILURE_KEY, fromServiceError, toServiceStatus } from "../host/front/error-status.js";
import { HOST_ERROR_CODES, HostError, type HostErrorCode } from "../host/manager/errors.js";

const EXPECTED: Record<HostErrorCode, { grpc: GrpcStatus; exit: number }> = {
  INVALID_ARGUMENT: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: EXIT.BAD_INPUT },
  NOT_FOUND: { grpc: GrpcStatus.NOT_FOUND, exit: EXIT.BAD_INPUT },
  INVALID_STATUS: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: EXIT.REFUSED },
  CONFLICT: { grpc: GrpcStatus.ABORTED, exit: EXIT.REFUSED },
  UNSUPPORTED_OPERATION: { grpc: GrpcStatus.UNIMPLEMENTED, exit: EXIT.REFUSED },
  PLUGIN_UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: EXIT.REFUSED },
  HOST_CLOSED: { grpc: GrpcStatus.UNAVAILABLE, exit: EXIT.REFUSED },
  STORE_UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: EXIT.REFUSED },
  OPERATION_FAILED: { grpc: GrpcStatus.UNKNOWN, exit: EXIT.DRIVER_FAILED },
  OUTCOME_PENDING: { grpc: GrpcStatus.UNKNOWN, exit: EXIT.OUTCOME_UNKNOWN },
  INTERNAL: { grpc: GrpcStatus.INTERNAL, exit: EXIT.INTERNAL },
};

/** What a grpc-js client receives for a status the server sent. */
function received(status: ReturnType<typeof toServiceStatus>): ServiceError {
  const error = new Error(`${status.code} ${GrpcStatus[status.code!]}: ${status.details}`) as ServiceError;
  return Object.assign(error, { code: status.code!, details: status.details!, metadata: status.metadata! });
}

describe("host errors over the front API", () => {
  it("covers every host error code", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(HOST_ERROR_CODES).sort());
  });

  for (const [code, expected] of Object.entries(EXPECTED) as Array<[HostErrorCode, { grpc: GrpcStatus; exit: number }]>) {
    it(`${code} travels as gRPC ${GrpcStatus[expected.grpc]} and exits ${expected.exit}`, () => {
      const status = toServiceStatus(new HostError(code, "group 42 is 'error'; update_group needs it 'available'"));
      expect(status.code).toBe(expected.grpc);
      expect(status.metadata!.get(ERROR_CODE_KEY)).toEqual([code]);
      const report = fromServiceError(received(status));
      expect(report).toMatchObject({ code, grpcCode: expected.grpc, message: "group 42 is 'error'; update_group needs it 'available'" });
      expect(exitCodeOf(report.code)).toBe(expected.exit);
    });
  }

  it("carries a failed operation's rule and written statuses, as ASCII JSON", () => {
    const failure = {
      operation: "delete_group",
      operationId: "op-1",
      ruleId: "R3.3",
      cause: "DRIVER_REPORTED_ERROR",
      grpcCode: 13,
      written: [{ kind: "volume", id: "v-ü", status: "error_deleting" }],
    };
    const status = toServiceStatus(new HostError("OPERATION_FAILED", "delete_group op-1 failed (R3.3)", { failure }));
    const text = status.metadata!.get(FAILURE_KEY)[0] as string;
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    expect(fromServiceError(received(status)).failure).toEqual(failure);
  });

  it("turns anything else thrown into INTERNAL, never UNKNOWN", () => {
    expect(toServiceStatus(new TypeError("x is undefined")).code).toBe(GrpcStatus.INTERNAL);
  });

  it("reads a transport failure without host metadata as the server being unreachable (exit 3)", () => {
    const error = Object.assign(new Error("14 UNAVAILABLE: No connection established"), {
      code: GrpcStatus.UNAVAILABLE,
      details: "No connection established. Last error: Error: connect ENOENT /x/cghost.sock",
      metadata: new Metadata(),
    }) as ServiceError;
    const report = fromServiceError(error);
    expect(report.code).toBe("SERVER_UNAVAILABLE");
    expect(exitCodeOf(report.code)).toBe(EXIT.REFUSED);
  });

  it("reads a connection lost or a call cancelled after sending an operation as outcome unknown (exit 5)", () => {
    const failed = (code: GrpcStatus, details: string): ServiceError =>
      Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() }) as ServiceError;
    const dropped = failed(GrpcStatus.UNAVAILABLE, "Connection dropped");
    const cancelled = failed(GrpcStatus.CANCELLED, "Call cancelled");
    const neverSent = failed(GrpcStatus.UNAVAILABLE, "No connection established. Last error: Error: connect ECONNREFUSED /x.sock");
    for (const error of [dropped, cancelled]) {
      const report = fromServiceError(error, { changes: true });
      expect(report.code).toBe("OUTCOME_UNKNOWN");
      expect(report.message).toContain(error.details);
      expect(exitCodeOf(report.code)).toBe(EXIT.OUTCOME_UNKNOWN);
    }
    // A request that never left changed nothing, and a show or list changes nothing either way.
    expect(fromServiceError(neverSent, { changes: true }).code).toBe("SERVER_UNAVAILABLE");
    expect(fromServiceError(dropped).code).toBe("SERVER_UNAVAILABLE");
    expect(fromServiceError(cancelled).code).toBe("CANCELLED");
  });

  it("reads an answer too large, or a watch cut off for falling behind, as RESOURCE_EXHAUSTED (exit 3), not a bug", () => {
    const cutOff = Object.assign(new Error("8 RESOURCE_EXHAUSTED: the watcher fell 10000 events behind"), {
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: "the watcher fell 10000 events behind and was cut off; read faster, or filter by group_id, and watch again",
      metadata: new Metadata(),
    }) as ServiceError;
    const report = fromServiceError(cutOff);
    expect(report).toMatchObject({ code: "RESOURCE_EXHAUSTED", message: cutOff.details });
    expect(exitCodeOf(report.code)).toBe(EXIT.REFUSED);
    // The answer to an operation came back too large: the server did it.
    expect(fromServiceError(cutOff, { changes: true })).toMatchObject({ code: "OUTCOME_UNKNOWN", message: `the server's answer could not be taken in (${cutOff.details}): it has run the operation` });
  });
});
