// Exponential backoff with jitter, for restarting a plugin, re-dialling a sidecar and retrying a
// call: the nth wait is initial * multiplier^(n-1), capped at max, then spread by +/- jitter so
// many hosts (or many calls) do not knock on a recovering plugin at the same instant.
import { PluginLaunchError } from "./errors.js";

/** How waits grow. Every field has a default; see DEFAULT_RESTART_BACKOFF and DEFAULT_RETRY_BACKOFF. */
export interface BackoffOptions {
  /** The first wait, in ms. */
  initialMs: number;
  /** No wait is longer than this (before jitter), in ms. */
  maxMs: number;
  /** Each wait is the previous one times this; at least 1. */
  multiplier: number;
  /** A fraction from 0 to 1: each wait is moved at random by up to this share of itself, either way. */
  jitter: number;
}

/** Restarting a crashed plugin or re-dialling a lost sidecar: 250 ms, 500 ms, 1 s, ... up to 30 s, +/- 20%. */
export const DEFAULT_RESTART_BACKOFF: Readonly<BackoffOptions> = { initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 0.2 };

/** Retrying a call that was never sent: 50 ms, 100 ms, ... up to 2 s, +/- 20%. */
export const DEFAULT_RETRY_BACKOFF: Readonly<BackoffOptions> = { initialMs: 50, maxMs: 2_000, multiplier: 2, jitter: 0.2 };

/** The wait before attempt number `attempt` (1 = the first wait), in ms; `random` returns [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const base = Math.min(options.maxMs, options.initialMs * options.multiplier ** exponent);
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}

/** Fills `options` from `defaults` and checks every field; throws PLUGIN_OPTIONS_INVALID naming the bad one. */
export function resolveBackoff(name: string, options: Partial<BackoffOptions> | undefined, defaults: Readonly<BackoffOptions>): BackoffOptions {
  const resolved = { ...defaults, ...options };
  const bad = (field: string, value: number, want: string): PluginLaunchError =>
    new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `${name}.${field} must be ${want}, got ${value}`);
  if (!Number.isFinite(resolved.initialMs) || resolved.initialMs < 0) throw bad("initialMs", resolved.initialMs, "a number >= 0");
  if (!Number.isFinite(resolved.maxMs) || resolved.maxMs < resolved.initialMs) throw bad("maxMs", resolved.maxMs, `a number >= initialMs (${resolved.initialMs})`);
  if (!Number.isFinite(resolved.multiplier) || resolved.multiplier < 1) throw bad("multiplier", resolved.multiplier, "a number >= 1");
  if (!Number.isFinite(resolved.jitter) || resolved.jitter < 0 || resolved.jitter > 1) throw bad("jitter", resolved.jitter, "a number from 0 to 1");
  return resolved;
}

/** Resolves after `ms`, or at once when `signal` aborts (resolving false then, true after a full wait). */
export function waitOrAbort(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
