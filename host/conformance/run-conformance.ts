// The conformance runner: launches (or connects to) a plugin through host/plugin exactly as the
// host does, runs the checks in order, each under its own time limit, and always resolves with a
// report: a check that throws or overruns ends failed, checks that need a plugin that no longer
// answers end skipped, and the plugin is stopped at the end whatever happened.
import type { Logger } from "pino";
import { connectPlugin, launchPlugin, PluginLaunchError, type PluginClient } from "../plugin/index.js";
import { capabilitiesCheck } from "./capabilities.js";
import { CHECK_NAMES, failed, skipped, type CheckResult, type CheckVerdict, type ConformanceCheck, type KitSettings } from "./check.js";
import { cleanupCheck } from "./cleanup.js";
import { concurrencyCheck } from "./concurrency.js";
import { deadlinesCheck } from "./deadlines.js";
import { deleteGoneCheck } from "./delete-gone.js";
import { handshakeCheck } from "./handshake.js";
import { idempotencyCheck } from "./idempotency.js";
import { KitIdError, KitSession } from "./kit-session.js";
import { wellFormedCheck } from "./well-formed.js";

/** The checks, in the order they run (the order of CHECK_NAMES). */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  handshakeCheck,
  capabilitiesCheck,
  idempotencyCheck,
  deleteGoneCheck,
  concurrencyCheck,
  deadlinesCheck,
  cleanupCheck,
  wellFormedCheck,
];

/** The default deadline of each driver call, in ms. */
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

/** Which plugin to check: a command the kit launches (the handshake of proto/README.md), or a sidecar's address. */
export type ConformanceTarget =
  | { command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  | {
      address: string;
      /**
       * Plaintext to a `host:port` sidecar (it says so explicitly, as the host requires). A TLS
       * sidecar is not supported by the kit yet: run it on a unix:// socket, or launch it.
       */
      insecure?: boolean;
    };

/** Options of runConformance. Only `plugin` is required. */
export interface ConformanceOptions {
  plugin: ConformanceTarget;
  /** The deadline of each driver call, in ms. Default 10000. */
  callDeadlineMs?: number;
  /** The deliberately too-short deadline of the deadlines check, in ms. Default 5. */
  tinyDeadlineMs?: number;
  /** How late after that deadline its answer may come, in ms. Default 5000. */
  deadlineGraceMs?: number;
  /** How long one check may run, in ms. Default 20 × callDeadlineMs. */
  checkTimeoutMs?: number;
  /** How many groups the concurrency check works on at once. Default 4. */
  concurrentGroups?: number;
  /** Time for the handshake (launched plugins) and for the start-up calls, in ms. Default 10000 each. */
  startTimeoutMs?: number;
  /** Receives the plugin's output and the connection's logs; silent by default. */
  logger?: Logger;
  /** Called as each check ends, for progress output. */
  onCheck?: (result: CheckResult) => void;
}

/** What the plugin said about itself. */
export interface CheckedPlugin {
  name: string;
  vendorVersion: string;
  contractVersion: string | undefined;
  address: string;
  operations: string[];
  createFromSourceKinds: string[];
}

/** The result of a conformance run. */
export interface ConformanceReport {
  /** How the plugin was reached: its command line, or `plugin at ADDRESS`. */
  target: string;
  /** Undefined when it never started. */
  plugin: CheckedPlugin | undefined;
  checks: CheckResult[];
  counts: { passed: number; failed: number; skipped: number };
  /** True when no check failed. */
  ok: boolean;
  startedAt: string;
  durationMs: number;
}

/** Runs every check against one plugin; never rejects. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const startedAt = new Date();
  const started = performance.now();
  const callDeadlineMs = options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  const settings: KitSettings = {
    callDeadlineMs,
    tinyDeadlineMs: options.tinyDeadlineMs ?? 5,
    deadlineGraceMs: options.deadlineGraceMs ?? 5_000,
    concurrentGroups: options.concurrentGroups ?? 4,
  };
  const checkTimeoutMs = options.checkTimeoutMs ?? 20 * callDeadlineMs;
  const target = describeTarget(options.plugin);
  const results: CheckResult[] = [];
  const finish = (result: CheckResult): void => {
    results.push(result);
    options.onCheck?.(result);
  };

  let client: PluginClient | undefined;
  const launchStarted = performance.now();
  try {
    client = await startPlugin(options);
  } catch (error) {
    const failure = PluginLaunchError.from(error);
    const details = failure.stderrTail.map((line) => `stderr: ${line}`);
    finish({ ...result(handshakeCheck, failed(`the plugin did not start: ${failure.message.split("\n")[0]}`, details)), durationMs: elapsed(launchStarted) });
    for (const check of CONFORMANCE_CHECKS.slice(1)) finish(result(check, skipped("the plugin did not start (see the handshake check)")));
    return report(target, undefined, results, startedAt, started);
  }

  const session = new KitSession(client, callDeadlineMs);
  const ctx = { client, session, settings, target };
  try {
    for (const check of CONFORMANCE_CHECKS) {
      const checkStarted = performance.now();
      if (check.needsPlugin && check !== handshakeCheck) {
        const probe = session.notReady === undefined ? await client.probe({ deadlineMs: callDeadlineMs }) : { ready: false, message: session.notReady };
        if (!probe.ready) {
          session.notReady = probe.message;
          finish({ ...result(check, skipped(`the plugin is not answering ready (Probe: ${probe.message}); an earlier check may have crashed it`)), durationMs: elapsed(checkStarted) });
          continue;
        }
      }
      session.currentCheck = check.name;
      const verdict = await runWithin(check, ctx, checkTimeoutMs);
      finish({ ...result(check, verdict), durationMs: elapsed(checkStarted) });
    }
  } finally {
    session.close();
    await client.close().catch(() => undefined);
  }
  return report(target, describePlugin(client), results, startedAt, started);
}

function startPlugin(options: ConformanceOptions): Promise<PluginClient> {
  const timeout = options.startTimeoutMs ?? 10_000;
  const logger = options.logger === undefined ? {} : { logger: options.logger };
  if ("address" in options.plugin) {
    const insecure = options.plugin.insecure === true ? { insecure: true } : {};
    return connectPlugin({ address: options.plugin.address, connectTimeoutMs: timeout, ...insecure, ...logger });
  }
  const { command, args, env, cwd } = options.plugin;
  return launchPlugin({
    command,
    ...(args === undefined ? {} : { args }),
    ...(env === undefined ? {} : { env }),
    ...(cwd === undefined ? {} : { cwd }),
    handshakeTimeoutMs: timeout,
    connectTimeoutMs: timeout,
    ...logger,
  });
}

/** Runs one check; a throw or an overrun becomes a failed verdict. */
async function runWithin(check: ConformanceCheck, ctx: Parameters<ConformanceCheck["run"]>[0], timeoutMs: number): Promise<CheckVerdict> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<CheckVerdict>((resolve) => {
    timer = setTimeout(
      () => resolve(failed(`the check did not finish within ${timeoutMs} ms; a call is probably hanging (see the deadlines check)`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      check.run(ctx).catch((error: unknown): CheckVerdict => {
        if (error instanceof KitIdError) return failed(`conformance kit bug, not a plugin failure: ${error.message}`);
        return failed(`the check stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}`);
      }),
      overrun,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function result(check: ConformanceCheck, verdict: CheckVerdict): CheckResult {
  return { name: check.name, title: check.title, ...verdict, durationMs: 0 };
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}

function describeTarget(plugin: ConformanceTarget): string {
  if ("address" in plugin) return `plugin at ${plugin.address}`;
  return [plugin.command, ...(plugin.args ?? [])].map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function describePlugin(client: PluginClient): CheckedPlugin {
  return {
    name: client.info.name,
    vendorVersion: client.info.vendorVersion,
    contractVersion: client.contractVersion,
    address: client.address,
    operations: [...client.capabilities.operations],
    createFromSourceKinds: [...client.capabilities.createFromSourceKinds],
  };
}

function report(target: string, plugin: CheckedPlugin | undefined, checks: CheckResult[], startedAt: Date, started: number): ConformanceReport {
  // Checks appear in CHECK_NAMES order whatever happened.
  checks.sort((a, b) => CHECK_NAMES.indexOf(a.name) - CHECK_NAMES.indexOf(b.name));
  const count = (status: CheckResult["status"]): number => checks.filter((c) => c.status === status).length;
  const counts = { passed: count("passed"), failed: count("failed"), skipped: count("skipped") };
  return { target, plugin, checks, counts, ok: counts.failed === 0, startedAt: startedAt.toISOString(), durationMs: elapsed(started) };
}
