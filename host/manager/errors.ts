// The host's one error class and its stable codes: every rejection a caller sees is a HostError.
import { isStoreRefusal } from "../store/store.js";

/** Stable error codes, each with what it means and what to do. */
export const HOST_ERROR_CODES = {
  /** Bad input from the caller (a missing, repeated or malformed value): fix the request. */
  INVALID_ARGUMENT: "the request is malformed; fix the named value and send it again",
  /** An id names nothing (or something deleted): check the id. */
  NOT_FOUND: "no such object; check the id (list the objects to find it)",
  /** An object is in a status the operation does not accept: wait or repair it first. */
  INVALID_STATUS: "an object is in a status this operation does not accept",
  /** Another call or another host changed a row first: reload and retry. */
  CONFLICT: "another call changed the object first; reload and retry",
  /** The plugin does not implement the operation (per its capabilities): nothing was written. */
  UNSUPPORTED_OPERATION: "the plugin does not implement this operation; nothing was written",
  /** The plugin is not ready or not connected: nothing was written; retry later. */
  PLUGIN_UNAVAILABLE: "the plugin is not ready; nothing was written, retry when it is",
  /** The driver's outcome failed the operation by the status rules; statuses were written. */
  OPERATION_FAILED: "the driver failed the operation; the statuses written are listed",
  /** The host is closed. */
  HOST_CLOSED: "the host is closed",
  /** The host's database refused the call (disk full, I/O error, locked): nothing was written; fix it, then retry. */
  STORE_UNAVAILABLE: "the host's database refused the call; nothing was written, retry once it is fixed",
  /**
   * The driver answered, but the database refused to record the outcome: the rows stay in their
   * transitional statuses until the host records it, which it keeps trying (and its next start does).
   */
  OUTCOME_PENDING: "the driver answered but its outcome is not recorded yet; the host keeps trying",
  /** Something the host did not expect: a bug; report it with the host's log. */
  INTERNAL: "an unexpected error inside the host; report it with the host's log",
} as const;

export type HostErrorCode = keyof typeof HOST_ERROR_CODES;

/** A status the host wrote as part of a failed operation. */
export interface WrittenStatus {
  kind: string;
  id: string;
  status: string;
}

/** Details of a failed operation (code OPERATION_FAILED). */
export interface OperationFailure {
  operation: string;
  operationId: string;
  /** The RULES.md row that decided the outcome, e.g. `R3.3`. */
  ruleId: string;
  /** Why it failed: DRIVER_FAILED, MALFORMED_RESPONSE, DRIVER_REPORTED_ERROR, DEADLINE_EXCEEDED, ... */
  cause: string;
  /** The gRPC status code of the plugin's answer, when there was one. */
  grpcCode?: number;
  /** The statuses this outcome wrote, committed in one transaction. */
  written: WrittenStatus[];
}

/** Every error the host rejects with: a stable `code`, a message that names the bad value. */
export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly failure: OperationFailure | undefined;

  constructor(code: HostErrorCode, message: string, options?: { cause?: unknown; failure?: OperationFailure }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HostError";
    this.code = code;
    this.failure = options?.failure;
  }

  /**
   * Normalises anything thrown into a HostError: a store conflict becomes CONFLICT, the database
   * refusing (isStoreRefusal) STORE_UNAVAILABLE, the rest INTERNAL.
   */
  static from(error: unknown): HostError {
    if (error instanceof HostError) return error;
    if (isStatusConflict(error)) return new HostError("CONFLICT", stripCode(error.message), { cause: error });
    if (isStoreRefusal(error)) {
      return new HostError("STORE_UNAVAILABLE", `the host's database refused it: ${error.message} (${error.code}); nothing was written`, { cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new HostError("INTERNAL", message, { cause: error });
  }
}

function isStatusConflict(error: unknown): error is Error & { code: "STATUS_CONFLICT" } {
  return error instanceof Error && (error as { code?: unknown }).code === "STATUS_CONFLICT";
}

function stripCode(message: string): string {
  return message.replace(/^[A-Z_]+: /, "");
}
