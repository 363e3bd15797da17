// The one place where whatever a driver throws becomes a gRPC status. grpc-js itself would send
// UNKNOWN for most thrown values; the host classifies failures by code, so the SDK chooses it.
import { Metadata, status, type StatusObject } from "@grpc/grpc-js";

/** Options of a DriverError. */
export interface DriverErrorOptions {
  /** The underlying error, kept for the plugin's logs (it is not sent to the host). */
  cause?: unknown;
  /** Trailing metadata sent with the status. */
  metadata?: Metadata;
}

function isStatusCode(value: unknown): value is status {
  // OK (0) is not a failure: a thrown value claiming it is a bug, reported as INTERNAL.
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 16;
}

function codeName(code: status): string {
  return status[code] ?? String(code);
}

/**
 * A failed driver call with the gRPC code the host should see: the interface's "raise". The
 * message is sent as the status details and recorded by the host on the rows left in `error`, so
 * say what was wrong, with the offending value.
 */
export class DriverError extends Error {
  override readonly name = "DriverError";
  /** The gRPC status code sent to the host. */
  readonly code: status;
  /** The message without the code prefix: the status details on the wire. */
  readonly rawMessage: string;
  /** Trailing metadata sent with the status. */
  readonly metadata: Metadata | undefined;

  constructor(code: status, message: string, options: DriverErrorOptions = {}) {
    const valid = isStatusCode(code);
    const raw = valid ? message : `${message} (DriverError was given ${String(code)}, which is not a failing gRPC code 1..16)`;
    const chosen = valid ? code : status.INTERNAL;
    super(`[${codeName(chosen)}] ${raw}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = chosen;
    this.rawMessage = raw;
    this.metadata = options.metadata;
  }

  /**
   * Normalises anything thrown: a DriverError as is; an object with an integer `code` in 1..16
   * (a grpc-js ServiceError, say) keeps that code; an AbortError raised because `signal` aborted
   * becomes the abort's reason (DEADLINE_EXCEEDED or CANCELLED); anything else is INTERNAL.
   */
  static from(thrown: unknown, signal?: AbortSignal): DriverError {
    if (thrown instanceof DriverError) return thrown;
    if (signal?.aborted && isAbortError(thrown) && signal.reason !== thrown) return DriverError.from(signal.reason);
    if (typeof thrown === "object" && thrown !== null && "code" in thrown && isStatusCode(thrown.code)) {
      const details = "details" in thrown && typeof thrown.details === "string" ? thrown.details : messageOf(thrown);
      const metadata = "metadata" in thrown && thrown.metadata instanceof Metadata ? thrown.metadata : undefined;
      return new DriverError(thrown.code, details, { cause: thrown, ...(metadata ? { metadata } : {}) });
    }
    return new DriverError(status.INTERNAL, messageOf(thrown), { cause: thrown });
  }
}

function isAbortError(value: unknown): boolean {
  return value instanceof Error && value.name === "AbortError";
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === "string") return value;
  try {
    return `a non-error value was thrown: ${JSON.stringify(value)}`;
  } catch {
    return `a non-error value was thrown: ${String(value)}`;
  }
}

/** The gRPC status for anything a driver threw (see DriverError.from), ready for a grpc-js callback. */
export function toServiceError(thrown: unknown, signal?: AbortSignal): StatusObject {
  const error = DriverError.from(thrown, signal);
  return { code: error.code, details: error.rawMessage, metadata: error.metadata ?? new Metadata() };
}
