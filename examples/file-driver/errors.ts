// The one error the file backend throws on purpose. Its code is a gRPC status name so the SDK glue
// can pass it through unchanged; the backend itself stays free of gRPC and of the SDK.

/** Why a backend call refused or gave up; each value is the gRPC status the driver answers with. */
export type FileDriverErrorCode =
  // The request itself is wrong (an unsafe id, a repeated id, mismatched lists): do not retry.
  | "INVALID_ARGUMENT"
  // A file the request relies on does not exist.
  | "NOT_FOUND"
  // The operation id was already used for a different request. Never ABORTED or UNAVAILABLE:
  // the host retries those, and a retry cannot cure this.
  | "FAILED_PRECONDITION"
  // The caller gave up (deadline or cancel) and the work was abandoned part-way; a retry redoes it.
  | "CANCELLED";

/** A refusal or failure of the file backend, with the gRPC status it maps to. */
export class FileDriverError extends Error {
  override readonly name = "FileDriverError";
  /** The message without the code prefix: what the driver sends as the status details. */
  readonly detail: string;

  constructor(
    readonly code: FileDriverErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail}`, options);
    this.detail = detail;
  }
}

/** Throws CANCELLED when the caller's signal has fired, naming what was being done. */
export function throwIfAborted(signal: AbortSignal | undefined, doing: string): void {
  if (signal?.aborted) throw new FileDriverError("CANCELLED", `abandoned ${doing}: the caller cancelled the call or its deadline passed`, { cause: signal.reason });
}

/** The errno code of a Node.js system error, or undefined for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}
