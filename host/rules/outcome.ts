// What the rules take (the driver's outcome) and what they give back (writes and a call result).
import type { LastError, RowWrite } from "../model.js";

/** Why a call counts as raised: a gRPC error, a final transport failure, or a malformed answer. */
export interface DriverFailure {
  /** Stable host code: DRIVER_FAILED, TRANSPORT_FAILED, DEADLINE_EXCEEDED, MESSAGE_TOO_LARGE, ... */
  code: string;
  /** The gRPC status code, when the failure came with one. */
  grpcCode?: number;
  message: string;
}

/** The driver's outcome: it answered OK (returned) or it did not (raised). */
export type DriverOutcome<R> = { kind: "returned"; response: R } | { kind: "raised"; failure: DriverFailure };

/** Inputs every rule needs beyond the rows: for stamping last errors. */
export interface RuleContext {
  operationId: string;
  /** ISO-8601 time to stamp on last errors. */
  now: string;
}

/** The decision of one rule table for one outcome. */
export interface RuleResult {
  /** The stable id of the RULES.md row that decided (see catalog.ts), e.g. `R3.3`. */
  ruleId: string;
  /** Whether the host call succeeds. */
  ok: boolean;
  /** Every row change of this outcome, committed together. */
  writes: RowWrite[];
  /** Why the call fails (when !ok): the driver's failure, the malformed reason, or the status. */
  failure?: DriverFailure;
  /** Things to log and count that do not change the outcome (rule R2.2's error statuses). */
  warnings: string[];
}

export type { LastError };
