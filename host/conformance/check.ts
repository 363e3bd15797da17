// What a conformance check is and what it ends with. Every check ends passed, failed or skipped,
// with one sentence saying why and detail lines saying what it saw; none throws out of the runner.
import type { PluginClient } from "../plugin/index.js";
import type { KitSession } from "./kit-session.js";

/** The checks of the kit, in the order they run. */
export const CHECK_NAMES = [
  "handshake",
  "capabilities",
  "idempotency",
  "delete-gone",
  "concurrency",
  "deadlines",
  "cleanup",
  "well-formed",
] as const;

/** The stable name of a check: used in reports, JUnit test cases and tests. */
export type CheckName = (typeof CHECK_NAMES)[number];

/** How a check ended. */
export type CheckStatus = "passed" | "failed" | "skipped";

/** A check's verdict: its status, why (one sentence), and what it saw (one line each). */
export interface CheckVerdict {
  status: CheckStatus;
  reason: string;
  details: string[];
}

/** A verdict with the check's identity and duration, as reported. */
export interface CheckResult extends CheckVerdict {
  name: CheckName;
  /** What the check proves, in one line. */
  title: string;
  durationMs: number;
}

/** Settings every check reads. */
export interface KitSettings {
  /** The deadline of each ordinary driver call, in ms. */
  callDeadlineMs: number;
  /** The deadline of the deliberately too-short call of the deadlines check, in ms. */
  tinyDeadlineMs: number;
  /** How late after its deadline the answer to a too-short call may come, in ms. */
  deadlineGraceMs: number;
  /** How many groups the concurrency check works on at once. */
  concurrentGroups: number;
}

/** What a check runs with. */
export interface CheckContext {
  client: PluginClient;
  session: KitSession;
  settings: KitSettings;
  /** How the plugin was reached, for the handshake check's report. */
  target: string;
}

/** One check of the kit. */
export interface ConformanceCheck {
  name: CheckName;
  title: string;
  /** False for checks that only read what earlier checks recorded (they run even if the plugin is gone). */
  needsPlugin: boolean;
  run(ctx: CheckContext): Promise<CheckVerdict>;
}

/** A passed verdict. */
export function passed(reason: string, details: string[] = []): CheckVerdict {
  return { status: "passed", reason, details };
}

/** A failed verdict. */
export function failed(reason: string, details: string[] = []): CheckVerdict {
  return { status: "failed", reason, details };
}

/** A skipped verdict: the check could not apply (an operation is not declared, the plugin is gone). */
export function skipped(reason: string, details: string[] = []): CheckVerdict {
  return { status: "skipped", reason, details };
}

/** A check stopped by operations that hang: skipped, because the deadlines check reports hangs. */
export function blockedByHang(blocked: readonly string[], details: string[] = []): CheckVerdict {
  return skipped(`could not finish: ${blocked.join("; ")} did not answer within its deadline (the deadlines check reports the hang)`, details);
}
