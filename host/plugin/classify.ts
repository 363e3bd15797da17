// Transport classification: what a failed driver call means (RULES.md section 8). One table, one
// comment per gRPC code, in the shape of external-provisioner's checkError. The class says whether
// the request can have reached the driver; a supervised plugin's retries key on it (retry.ts).
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import type { DriverFailure } from "../rules/outcome.js";

/**
 * never-sent: the request did not leave the host; retrying cannot do anything twice.
 * uncertain: it may or may not have run; a retry must reuse the operation id (plugins are idempotent).
 * final: the plugin answered or the transport refused for good; retrying gives the same answer.
 */
export type FailureClass = "never-sent" | "uncertain" | "final";

/** A failed call in the host's terms: the failure the rules record, and its retry class. */
export interface ClassifiedFailure {
  failure: DriverFailure;
  class: FailureClass;
}

/** What the message of a classified failure can name. */
export interface ClassifyContext {
  /** The configured message size limit, named in MESSAGE_TOO_LARGE. */
  maxMessageBytes: number;
  /** The RPC, e.g. `CreateConsistencyGroup`. */
  method?: string;
  /** The call's deadline, named in DEADLINE_EXCEEDED. */
  deadlineMs?: number;
}

// grpc-js says this when no transport existed for the call (refused, missing socket, closed
// channel): the request was never written. "Connection dropped" (after sending) is not among them.
const NEVER_CONNECTED = /No connection established|Failed to connect|Channel closed before call started|connect E[A-Z]+/;

/** Whether grpc-js's details of an UNAVAILABLE say the request never left (no transport existed). */
export function neverConnected(details: string): boolean {
  return NEVER_CONNECTED.test(details);
}

// Both grpc-js sides word a size refusal this way: "Received message larger than max (N vs. M)",
// "Attempted to send message with a size larger than M", "... decompresses to a size larger than M".
const SIZE_LIMIT = /message.*(larger than|size|length)/i;

/** Classifies a failed call's error (a grpc-js ServiceError, or anything thrown) per RULES.md section 8. */
export function classifyFailure(error: unknown, context: ClassifyContext): ClassifiedFailure {
  if (!isServiceError(error)) {
    // Only the host's own side throws a non-gRPC error (grpc-js reports every transport and
    // plugin failure as a status), and it does so before the request is written.
    const message = error instanceof Error ? error.message : String(error);
    return { class: "never-sent", failure: { code: "TRANSPORT_FAILED", message: `the call ${callName(context)} was not sent: ${message}` } };
  }
  // grpc-js ends a connection failure with "Resolution note: " and nothing after it; drop that.
  const details = error.details.replace(/\.?\s*Resolution note:\s*$/, "");
  const grpcCode = error.code;
  switch (error.code) {
    // The deadline passed before an answer. The driver may still be working on it (or have
    // finished): uncertain. The rules record it as DEADLINE_EXCEEDED.
    case GrpcStatus.DEADLINE_EXCEEDED:
      return {
        class: "uncertain",
        failure: {
          code: "DEADLINE_EXCEEDED",
          grpcCode,
          message: `the plugin did not answer ${callName(context)}${context.deadlineMs === undefined ? "" : ` within its deadline of ${context.deadlineMs} ms`}: ${details}`,
        },
      };
    // The transport failed. Before a connection existed the request never left (never-sent);
    // once sent, a dropped connection leaves the outcome unknown (uncertain).
    case GrpcStatus.UNAVAILABLE:
      return {
        class: neverConnected(details) ? "never-sent" : "uncertain",
        failure: { code: "TRANSPORT_FAILED", grpcCode, message: `the plugin was unreachable during ${callName(context)}: ${details}` },
      };
    // The call was cancelled (by the host closing, or the stream reset): it may have run.
    case GrpcStatus.CANCELLED:
      return {
        class: "uncertain",
        failure: { code: "TRANSPORT_FAILED", grpcCode, message: `${callName(context)} was cancelled before it answered: ${details}` },
      };
    // The driver gave up on a conflict (gRPC's "retry at a higher level"): it may have done part.
    case GrpcStatus.ABORTED:
      return {
        class: "uncertain",
        failure: { code: "DRIVER_ABORTED", grpcCode, message: details || `the plugin aborted ${callName(context)}` },
      };
    // The plugin does not implement the RPC; the capabilities check normally refuses it first.
    case GrpcStatus.UNIMPLEMENTED:
      return {
        class: "final",
        failure: { code: "UNIMPLEMENTED", grpcCode, message: `the plugin does not implement ${callName(context)}: ${details}` },
      };
    // A message over a size limit (either side's) is final: resending the same bytes fails the
    // same way. Any other RESOURCE_EXHAUSTED is the driver's own answer (a backend quota).
    case GrpcStatus.RESOURCE_EXHAUSTED:
      if (SIZE_LIMIT.test(details)) {
        return {
          class: "final",
          failure: {
            code: "MESSAGE_TOO_LARGE",
            grpcCode,
            message:
              `a message of ${callName(context)} exceeded the size limit (the host's is ${context.maxMessageBytes} bytes, maxMessageBytes): ${details}; ` +
              "raise maxMessageBytes on the host (and the plugin's limit), or make the message smaller",
          },
        };
      }
      return driverFailed(grpcCode, details, context);
    // Every other code (INVALID_ARGUMENT, NOT_FOUND, INTERNAL, UNKNOWN, ...) is the driver's
    // answer: final, recorded with its code and message.
    default:
      return driverFailed(grpcCode, details, context);
  }
}

function driverFailed(grpcCode: number, details: string, context: ClassifyContext): ClassifiedFailure {
  const name = GrpcStatus[grpcCode] ?? String(grpcCode);
  return {
    class: "final",
    failure: { code: "DRIVER_FAILED", grpcCode, message: details || `the plugin failed ${callName(context)} with ${name} and no message` },
  };
}

function callName(context: ClassifyContext): string {
  return context.method ?? "the call";
}

function isServiceError(error: unknown): error is ServiceError {
  // Node's own errors carry string codes; a gRPC status carries a numeric code and details.
  const candidate = error as Partial<ServiceError> | null;
  return error instanceof Error && typeof candidate?.code === "number" && typeof candidate.details === "string";
}
