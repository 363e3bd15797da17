// The knobs of plugin supervision, their defaults, and their checks: one object, every field
// optional and documented, so `openHost({ supervision: {...} })` and the CLI config share it.
import { DEFAULT_RESTART_BACKOFF, DEFAULT_RETRY_BACKOFF, resolveBackoff, type BackoffOptions } from "./backoff.js";
import { checkPositive } from "./connect.js";
import { DEFAULT_CRASH_LOOP, type CrashLoopOptions } from "./crash-window.js";
import { PluginLaunchError } from "./errors.js";
import { DEFAULT_PROBE_DEADLINE_MS } from "./plugin-connection.js";
import type { RetryOptions } from "./retry.js";

/** How often readiness is checked (Probe and gRPC health), by default. */
export const DEFAULT_PROBE_INTERVAL_MS = 5_000;

/** Retries of an uncertain call, in all (the first attempt included), by default. */
export const DEFAULT_RETRY_ATTEMPTS = 3;

/** How a plugin is supervised. Every field is optional; the defaults are named beside each. */
export interface SupervisionOptions {
  /** Waits before restarting a crashed child or re-dialling a lost sidecar. Default 250 ms, x2, up to 30 s, jitter 0.2. */
  restartBackoff?: Partial<BackoffOptions>;
  /** A launched child that crashes this often is marked `failed` until reset(). Default 5 crashes in 60000 ms. Sidecars are re-dialled forever. */
  crashLoop?: Partial<CrashLoopOptions>;
  /** Milliseconds between readiness checks (gRPC health where served, then Probe). Default 5000; 0 checks only at (re)connection. */
  probeIntervalMs?: number;
  /** Deadline of one readiness check, in ms. Default 5000. */
  probeDeadlineMs?: number;
  /**
   * Retries of driver calls (RULES.md section 8). Default: 3 attempts in all for an uncertain call;
   * never-sent calls retried with backoff 50 ms, x2, up to 2 s; the whole operation within its
   * deadline times (maxAttempts + 1) unless operationDeadlineMs is set.
   */
  retry?: Partial<Omit<RetryOptions, "backoff">> & { backoff?: Partial<BackoffOptions> };
}

/** SupervisionOptions with every default applied. */
export interface ResolvedSupervision {
  restartBackoff: BackoffOptions;
  crashLoop: CrashLoopOptions;
  probeIntervalMs: number;
  probeDeadlineMs: number;
  retry: RetryOptions;
}

/** Applies the defaults and checks every value; throws PLUGIN_OPTIONS_INVALID naming the bad one. */
export function resolveSupervision(options: SupervisionOptions = {}): ResolvedSupervision {
  const crashLoop = { ...DEFAULT_CRASH_LOOP, ...options.crashLoop };
  if (!Number.isInteger(crashLoop.maxCrashes) || crashLoop.maxCrashes < 1) {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `crashLoop.maxCrashes must be an integer >= 1, got ${crashLoop.maxCrashes}`);
  }
  checkPositive("crashLoop.windowMs", crashLoop.windowMs);
  const probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  if (!Number.isFinite(probeIntervalMs) || probeIntervalMs < 0) {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `probeIntervalMs must be a number >= 0 (0: no periodic checks), got ${probeIntervalMs}`);
  }
  const maxAttempts = options.retry?.maxAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `retry.maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  const operationDeadlineMs = options.retry?.operationDeadlineMs;
  if (operationDeadlineMs !== undefined) checkPositive("retry.operationDeadlineMs", operationDeadlineMs);
  return {
    restartBackoff: resolveBackoff("restartBackoff", options.restartBackoff, DEFAULT_RESTART_BACKOFF),
    crashLoop,
    probeIntervalMs,
    probeDeadlineMs: checkPositive("probeDeadlineMs", options.probeDeadlineMs ?? DEFAULT_PROBE_DEADLINE_MS),
    retry: {
      maxAttempts,
      backoff: resolveBackoff("retry.backoff", options.retry?.backoff, DEFAULT_RETRY_BACKOFF),
      ...(operationDeadlineMs === undefined ? {} : { operationDeadlineMs }),
    },
  };
}
