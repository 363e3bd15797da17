// The one place where host errors meet gRPC statuses, both ways: the server turns a HostError into
// a gRPC code plus trailing metadata, and a client turns that back into the host's code, message
// and failure details. A client that reads only the gRPC code still gets the right meaning.
import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { HOST_ERROR_CODES, HostError, type HostErrorCode, type OperationFailure } from "../manager/errors.js";
import { neverConnected } from "../plugin/classify.js";

/** Trailing metadata key holding the host's error code, e.g. `INVALID_STATUS`. */
export const ERROR_CODE_KEY = "cghost-error-code";
/** Trailing metadata key holding, for OPERATION_FAILED, the failure as JSON (rule id, statuses written). */
export const FAILURE_KEY = "cghost-failure";

/**
 * The gRPC code of each host code. OPERATION_FAILED and OUTCOME_PENDING become UNKNOWN: the
 * driver acted, in a way the host cannot put on the caller's request (not a bad argument, not a
 * precondition), and gRPC clients never retry UNKNOWN on their own, which matters because the
 * operation is done or its statuses already written. Every handler maps what it throws, so nothing
 * else reaches a client as UNKNOWN. STORE_UNAVAILABLE wrote nothing: UNAVAILABLE, like a plugin
 * that is not ready.
 */
const GRPC_CODE_BY_HOST_CODE: Readonly<Record<HostErrorCode, GrpcStatus>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  INVALID_STATUS: GrpcStatus.FAILED_PRECONDITION,
  CONFLICT: GrpcStatus.ABORTED,
  UNSUPPORTED_OPERATION: GrpcStatus.UNIMPLEMENTED,
  PLUGIN_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  HOST_CLOSED: GrpcStatus.UNAVAILABLE,
  STORE_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  OPERATION_FAILED: GrpcStatus.UNKNOWN,
  OUTCOME_PENDING: GrpcStatus.UNKNOWN,
  INTERNAL: GrpcStatus.INTERNAL,
};

/**
 * Codes a client sees besides the host's: the server could not be reached, the call timed out or
 * was cancelled, the server went away holding an operation's request, or it ended a stream by
 * stopping (SERVER_STOPPED: a watch has no other end), or an answer was more than the client
 * takes or a watch fell too far behind (RESOURCE_EXHAUSTED).
 */
export type ClientOnlyCode = "SERVER_UNAVAILABLE" | "DEADLINE_EXCEEDED" | "CANCELLED" | "OUTCOME_UNKNOWN" | "SERVER_STOPPED" | "RESOURCE_EXHAUSTED";

/** What a failed front API call means, as the host said it. */
export interface FrontErrorReport {
  code: HostErrorCode | ClientOnlyCode;
  /** The message without its code prefix. */
  message: string;
  grpcCode: GrpcStatus;
  /** For OPERATION_FAILED: the rule that decided it and the statuses written. */
  failure?: OperationFailure;
}

/** The gRPC code a HostError code is sent as. */
export function grpcCodeOf(code: HostErrorCode): GrpcStatus {
  return GRPC_CODE_BY_HOST_CODE[code];
}

/** Turns anything a handler threw into the status to send: gRPC code, message, and the host's code in metadata. */
export function toServiceStatus(error: unknown): Partial<StatusObject> {
  const hostError = HostError.from(error);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, hostError.code);
  if (hostError.failure) metadata.set(FAILURE_KEY, asciiJson(hostError.failure));
  return { code: grpcCodeOf(hostError.code), details: hostError.message, metadata };
}

/**
 * Reads a failed call back into the host's terms; calls that never reached the host get a
 * client-only code. With `changes` (the call asks for an operation), a connection lost or a call
 * cancelled after the request left is OUTCOME_UNKNOWN: the server may have run the operation.
 */
export function fromServiceError(error: ServiceError, options: { changes?: boolean } = {}): FrontErrorReport {
  const sent = firstString(error.metadata, ERROR_CODE_KEY);
  const message = stripCodePrefix(error.details || error.message);
  if (sent !== undefined && sent in HOST_ERROR_CODES) {
    const code = sent as HostErrorCode;
    const failure = parseFailure(firstString(error.metadata, FAILURE_KEY));
    return { code, message, grpcCode: error.code, ...(failure ? { failure } : {}) };
  }
  // No host code: the call failed in transport (no server at the address, a dropped connection),
  // or a server of another kind answered.
  const lostAfterSending = (error.code === GrpcStatus.UNAVAILABLE && !neverConnected(message)) || error.code === GrpcStatus.CANCELLED;
  if (options.changes === true && lostAfterSending) {
    return {
      code: "OUTCOME_UNKNOWN",
      message: `the server stopped answering after it had the request (${message}): it may have run the operation, and a server that died finishes it when it starts again`,
      grpcCode: error.code,
    };
  }
  // An answer too large to take in: the server has run the operation already.
  if (options.changes === true && error.code === GrpcStatus.RESOURCE_EXHAUSTED) {
    return { code: "OUTCOME_UNKNOWN", message: `the server's answer could not be taken in (${message}): it has run the operation`, grpcCode: error.code };
  }
  switch (error.code) {
    case GrpcStatus.UNAVAILABLE:
      return { code: "SERVER_UNAVAILABLE", message, grpcCode: error.code };
    case GrpcStatus.DEADLINE_EXCEEDED:
      return { code: "DEADLINE_EXCEEDED", message, grpcCode: error.code };
    case GrpcStatus.CANCELLED:
      return { code: "CANCELLED", message, grpcCode: error.code };
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return { code: "RESOURCE_EXHAUSTED", message, grpcCode: error.code };
    default: {
      const known = (Object.keys(GRPC_CODE_BY_HOST_CODE) as HostErrorCode[]).find((c) => GRPC_CODE_BY_HOST_CODE[c] === error.code);
      return { code: known ?? "INTERNAL", message, grpcCode: error.code };
    }
  }
}

/** True for anything shaped like a grpc-js ServiceError. */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "number" && "metadata" in error;
}

function firstString(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === "string" ? value : undefined;
}

function parseFailure(text: string | undefined): OperationFailure | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && Array.isArray((value as { written?: unknown }).written)) {
      return value as OperationFailure;
    }
  } catch {
    // A malformed detail must not hide the error itself; the code and message still stand.
  }
  return undefined;
}

function stripCodePrefix(message: string): string {
  return message.replace(/^\d+ [A-Z_]+: /, "").replace(/^[A-Z_]+: /, "");
}

/** JSON with every non-ASCII character escaped: metadata values must be printable ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
