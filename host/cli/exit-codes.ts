// The exit codes of `cghost`, so scripts can tell a mistake of theirs from a refusal and from a
// driver failure without reading the message.
import type { ClientOnlyCode } from "../front/error-status.js";
import type { HostErrorCode } from "../manager/errors.js";

/** Every exit code the command uses, with what it means. */
export const EXIT = {
  /** Done. */
  OK: 0,
  /** A bug or an unexpected failure inside cghost: report it with the server's log. */
  INTERNAL: 1,
  /** Bad input: a usage error, a malformed value, or an id that names nothing. Fix the command. */
  BAD_INPUT: 2,
  /** Refused or unavailable: a status forbids it, another call got there first, the plugin cannot do it, or the server cannot be reached. Nothing was written. */
  REFUSED: 3,
  /** The driver failed the operation: statuses were written (usually `error`); see the failure. */
  DRIVER_FAILED: 4,
  /** The server went away after it had the operation's request, or could not record the driver's answer yet: show the object to learn the outcome. */
  OUTCOME_UNKNOWN: 5,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/** The exit code of each error code a client can see. */
const EXIT_BY_CODE: Readonly<Record<HostErrorCode | ClientOnlyCode, number>> = {
  INVALID_ARGUMENT: EXIT.BAD_INPUT,
  NOT_FOUND: EXIT.BAD_INPUT,
  INVALID_STATUS: EXIT.REFUSED,
  CONFLICT: EXIT.REFUSED,
  UNSUPPORTED_OPERATION: EXIT.REFUSED,
  PLUGIN_UNAVAILABLE: EXIT.REFUSED,
  HOST_CLOSED: EXIT.REFUSED,
  STORE_UNAVAILABLE: EXIT.REFUSED,
  SERVER_UNAVAILABLE: EXIT.REFUSED,
  SERVER_STOPPED: EXIT.REFUSED,
  RESOURCE_EXHAUSTED: EXIT.REFUSED,
  DEADLINE_EXCEEDED: EXIT.REFUSED,
  CANCELLED: EXIT.REFUSED,
  OUTCOME_UNKNOWN: EXIT.OUTCOME_UNKNOWN,
  OUTCOME_PENDING: EXIT.OUTCOME_UNKNOWN,
  OPERATION_FAILED: EXIT.DRIVER_FAILED,
  INTERNAL: EXIT.INTERNAL,
};

/** The exit code for an error code. */
export function exitCodeOf(code: HostErrorCode | ClientOnlyCode): number {
  return EXIT_BY_CODE[code];
}
