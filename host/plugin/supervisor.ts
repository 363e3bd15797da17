// One supervisor for both ways to run a plugin (a launched child, or a sidecar at an address): it
// owns the current connection, moves through explicit states (PluginState), restarts a crashed
// child or re-dials a lost sidecar with backoff, marks a crash-looping child `failed` until
// reset(), checks readiness periodically, and retries calls by their transport class (retry.ts).
// It is a PluginClient, so the manager depends on nothing else.
import { EventEmitter } from "node:events";
import { pino, type Logger } from "pino";
import { RPC_BY_KIND, type RequestByKind, type ResponseByKind } from "../contract.js";
import type { OperationKind } from "../model.js";
import type { DriverFailure, DriverOutcome } from "../rules/outcome.js";
import { backoffDelay, waitOrAbort } from "./backoff.js";
import { connectPlugin, type ConnectOptions } from "./connect.js";
import { CrashWindow } from "./crash-window.js";
import { PluginLaunchError } from "./errors.js";
import { describeExit } from "./handshake-reader.js";
import { launchConnection, launchName, type ChildCrash, type LaunchHooks, type LaunchOptions } from "./launch.js";
import type {
  CallOptions,
  PluginAvailability,
  PluginCapabilities,
  PluginClient,
  PluginInfo,
  PluginState,
  PluginStateEvent,
} from "./plugin-client.js";
import { PluginConnection } from "./plugin-connection.js";
import { describeStderrTail } from "./plugin-output.js";
import { checkReadiness, type Readiness } from "./readiness.js";
import { callWithRetries, type CallSlot } from "./retry.js";
import { resolveSupervision, type ResolvedSupervision, type SupervisionOptions } from "./supervision-options.js";

/** A launched child under supervision: how to launch it, and how to supervise it. */
export type SupervisedLaunchOptions = LaunchOptions & SupervisionOptions;

/** A sidecar under supervision: where it serves, and how to supervise it. */
export type SupervisedSidecarOptions = ConnectOptions & SupervisionOptions & { name?: string };

/** The events of a supervised plugin. */
export interface SupervisorEvents {
  state: [PluginStateEvent];
}

// How many stderr lines a failed call's message quotes (the state event carries them all).
const CALL_STDERR_LINES = 10;

/** Launches a plugin child under supervision; resolves once the first launch succeeded. */
export async function superviseLaunchedPlugin(options: SupervisedLaunchOptions): Promise<PluginSupervisor> {
  const settings = resolveSupervision(options);
  const fallbackName = options.name ?? launchName(options.command, options.args);
  const supervisor = new PluginSupervisor(
    {
      mode: "launched",
      where: [options.command, ...(options.args ?? [])].join(" "),
      dial: (name, hooks) => launchConnection({ ...options, name }, hooks),
    },
    settings,
    { name: fallbackName, logger: options.logger },
  );
  await supervisor.start();
  return supervisor;
}

/** Connects to a sidecar under supervision; resolves once the first connection succeeded. */
export async function superviseSidecar(options: SupervisedSidecarOptions): Promise<PluginSupervisor> {
  const settings = resolveSupervision(options);
  const supervisor = new PluginSupervisor(
    {
      mode: "sidecar",
      where: options.address,
      dial: async (_name, _hooks, signal) => {
        // Closing the supervisor ends a dial in progress at once, instead of after connectTimeoutMs.
        const client = await connectPlugin({ ...options, signal });
        // connectPlugin builds a PluginConnection; the supervisor needs its classified calls.
        if (!(client instanceof PluginConnection)) throw new PluginLaunchError("PLUGIN_CONNECT_FAILED", "connectPlugin returned an unexpected client");
        return client;
      },
    },
    settings,
    { name: options.name ?? options.address, logger: options.logger },
  );
  await supervisor.start();
  return supervisor;
}

/** How the supervisor obtains one connection. */
interface Dialer {
  mode: "launched" | "sidecar";
  /** The command line or the address, for messages. */
  where: string;
  dial(name: string, hooks: LaunchHooks, signal: AbortSignal): Promise<PluginConnection>;
}

/** The current connection. */
interface Live {
  connection: PluginConnection;
  generation: number;
  /** Resolves if this connection's child crashes. */
  crashed: Promise<ChildCrash>;
}

/** Identity and capabilities as the latest connection read them. */
interface Known {
  info: PluginInfo;
  capabilities: PluginCapabilities;
  contractVersion: string;
  address: string;
}

/** A supervised plugin: a PluginClient that survives crashes and lost sidecars. */
export class PluginSupervisor extends EventEmitter<SupervisorEvents> implements PluginClient {
  private stateNow: PluginState = "starting";
  private reasonNow = "not started yet";
  private live: Live | undefined;
  private known: Known | undefined;
  private restartCount = 0;
  private spawnedPid: number | undefined;
  private generation = 0;
  private dialFailures = 0;
  private readonly crashes: CrashWindow;
  private readonly lifetime = new AbortController();
  private changed = signalled();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly fallbackName: string;
  private readonly baseLogger: Logger;

  constructor(
    private readonly dialer: Dialer,
    private readonly settings: ResolvedSupervision,
    identity: { name: string; logger: Logger | undefined },
  ) {
    super();
    this.fallbackName = identity.name;
    this.baseLogger = identity.logger ?? pino({ level: "silent" });
    this.crashes = new CrashWindow(settings.crashLoop);
  }

  /** The supervisor's log lines carry the plugin's own name once it told it. */
  private get log(): Logger {
    return this.baseLogger.child({ plugin: this.logName() });
  }

  /** The lifecycle state; see PluginState. */
  get state(): PluginState {
    return this.stateNow;
  }

  /** Why the plugin is in its state (the Probe message, the crash), "" once ready. */
  get stateReason(): string {
    return this.stateNow === "ready" ? "" : this.reasonNow;
  }

  /** How many times the plugin was restarted (re-launched or re-dialled) successfully. */
  get restarts(): number {
    return this.restartCount;
  }

  get info(): PluginInfo {
    return this.mustKnow().info;
  }

  get capabilities(): PluginCapabilities {
    return this.mustKnow().capabilities;
  }

  get contractVersion(): string {
    return this.mustKnow().contractVersion;
  }

  get address(): string {
    return this.known?.address ?? this.dialer.where;
  }

  /** The current child's pid; undefined for a sidecar, or while no child runs. */
  get pid(): number | undefined {
    return this.live?.connection.pid;
  }

  /** Connects for the first time; rejects with the PluginLaunchError of that attempt. */
  async start(): Promise<void> {
    try {
      await this.connectOnce();
    } catch (error) {
      this.lifetime.abort();
      this.transition("stopped", `the first start failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    if (this.settings.probeIntervalMs > 0) {
      this.timer = setInterval(() => void this.checkNow(), this.settings.probeIntervalMs);
      // Readiness checks alone must not keep the host's process alive.
      this.timer.unref();
    }
  }

  /** May a driver call be sent now? When not: the state, why, and what to do. */
  availability(): PluginAvailability {
    const state = this.stateNow;
    if (state === "ready" && this.live) return { callable: true, state, reason: "", advice: "" };
    return { callable: false, state, reason: this.reasonNow, advice: ADVICE[state].replace("NAME", this.logName()) };
  }

  /** Sends a driver call, retrying by transport class within the retry budget and the operation's deadline. */
  call<K extends OperationKind>(kind: K, request: RequestByKind[K], options: CallOptions): Promise<DriverOutcome<ResponseByKind[K]>> {
    return callWithRetries<ResponseByKind[K]>(
      {
        acquire: (deadlineAt, signal) => this.acquire(kind, request, options, deadlineAt, signal),
        // A lost sidecar shows first as failed calls; check it now rather than at the next tick.
        onTransportFailure: () => {
          if (this.dialer.mode === "sidecar") void this.checkNow();
        },
      },
      this.settings.retry,
      { method: RPC_BY_KIND[kind].method, deadlineMs: options.deadlineMs, signal: this.lifetime.signal },
    );
  }

  /** Probes the current connection; not ready, with the state and its reason, when there is none. */
  probe(options?: { deadlineMs?: number }): Promise<{ ready: boolean; message: string }> {
    const live = this.live;
    if (!live) return Promise.resolve({ ready: false, message: `the plugin is ${this.stateNow}: ${this.reasonNow}` });
    return live.connection.probe(options);
  }

  /** Brings a `failed` plugin back: forgets its crashes and restarts it. A no-op in any other state. */
  reset(): void {
    if (this.stateNow !== "failed") return;
    this.crashes.clear();
    this.dialFailures = 0;
    this.transition("restarting", "reset by the operator");
    this.ensureRecovering();
  }

  /** Checks readiness now (sharing a check under way); resolves once the state reflects it. */
  checkNow(): Promise<void> {
    this.checking ??= this.check().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /** Stops supervising: no more restarts; closes the connection (stopping a child: SIGTERM, then SIGKILL after the grace). */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.lifetime.abort();
    this.transition("stopped", "closed by the host");
    // A restart under way may be launching a child: let it finish, so it is stopped below or by it.
    await this.recovering?.catch(() => undefined);
    const live = this.live;
    this.live = undefined;
    if (live) await live.connection.close();
  }

  private mustKnow(): Known {
    if (!this.known) throw new PluginLaunchError("PLUGIN_CONNECT_FAILED", `plugin ${this.fallbackName} has not connected yet; await start()`);
    return this.known;
  }

  private logName(): string {
    return this.known?.info.name ?? this.fallbackName;
  }

  /** One launch or dial, adopting the connection; throws the attempt's PluginLaunchError. */
  private async connectOnce(): Promise<void> {
    const generation = ++this.generation;
    let crashedEarly = false;
    let crashed!: (crash: ChildCrash) => void;
    const crashPromise = new Promise<ChildCrash>((resolve) => {
      crashed = resolve;
    });
    if (this.dialer.mode === "sidecar") this.transition("handshaking", `dialling ${this.dialer.where}`);
    const hooks: LaunchHooks = {
      onSpawn: (pid) => {
        this.spawnedPid = pid;
        this.transition("handshaking", `started pid ${pid}; waiting for its handshake and GetPluginInfo, GetCapabilities, Probe`);
      },
      onCrash: (crash) => {
        crashedEarly = true;
        crashed(crash);
        this.onCrash(generation, crash);
      },
    };
    const connection = await this.dialer.dial(this.logName(), hooks, this.lifetime.signal);
    if (this.lifetime.signal.aborted) {
      await connection.close();
      throw new PluginLaunchError("PLUGIN_CONNECT_FAILED", "the supervisor was closed during the start-up");
    }
    this.adopt(connection);
    if (crashedEarly) {
      // onCrash already moved to restarting; this connection is dead.
      await connection.close();
      return;
    }
    const live: Live = { connection, generation, crashed: crashPromise };
    this.live = live;
    this.dialFailures = 0;
    const readiness = await checkReadiness(connection, this.settings.probeDeadlineMs);
    if (this.live === live) this.applyReadiness(readiness);
  }

  /** Takes identity and capabilities from a new connection, logging what changed since the last one. */
  private adopt(connection: PluginConnection): void {
    const next: Known = {
      info: connection.info,
      capabilities: connection.capabilities,
      contractVersion: connection.contractVersion,
      address: connection.address,
    };
    const before = this.known;
    if (before) {
      this.restartCount += 1;
      const lost = before.capabilities.operations.filter((op) => !next.capabilities.operations.includes(op));
      const lostKinds = before.capabilities.createFromSourceKinds.filter((k) => !next.capabilities.createFromSourceKinds.includes(k));
      const changes = {
        ...(before.info.name === next.info.name ? {} : { name: [before.info.name, next.info.name] }),
        ...(before.contractVersion === next.contractVersion ? {} : { contractVersion: [before.contractVersion, next.contractVersion] }),
        ...(lost.length === 0 ? {} : { lostOperations: lost }),
        ...(lostKinds.length === 0 ? {} : { lostSourceKinds: lostKinds }),
      };
      if (Object.keys(changes).length > 0) {
        this.log.warn(changes, "the plugin came back with incompatible identity or capabilities; calls it no longer declares are refused from now on");
      } else if (before.info.vendorVersion !== next.info.vendorVersion || next.capabilities.operations.length !== before.capabilities.operations.length) {
        this.log.info({ vendorVersion: next.info.vendorVersion, operations: next.capabilities.operations }, "the plugin came back with new capabilities");
      }
    }
    this.known = next;
  }

  private applyReadiness(readiness: Readiness): void {
    if (readiness.kind === "ready") this.transition("ready", "Probe says ready");
    else this.transition("not-ready", readiness.reason);
  }

  private async check(): Promise<void> {
    const live = this.live;
    if (!live || (this.stateNow !== "ready" && this.stateNow !== "not-ready")) return;
    const readiness = await checkReadiness(live.connection, this.settings.probeDeadlineMs);
    if (this.live !== live || this.lifetime.signal.aborted) return;
    if (readiness.kind === "unreachable") {
      // A child that cannot be reached is not ready; its exit, if it died, restarts it.
      if (this.dialer.mode === "launched") this.transition("not-ready", readiness.reason);
      else this.lose(`the sidecar at ${this.dialer.where} went away: ${readiness.reason}`, undefined);
      return;
    }
    this.applyReadiness(readiness);
  }

  private onCrash(generation: number, crash: ChildCrash): void {
    if (this.lifetime.signal.aborted || generation !== this.generation) return;
    this.lose(`the plugin (pid ${crash.pid}) ${describeExit(crash.exit)}`, crash.stderrTail);
  }

  /** The connection is gone (a crash, a lost sidecar): restart, or mark failed on a crash loop. */
  private lose(reason: string, stderrTail: string[] | undefined): void {
    const live = this.live;
    this.live = undefined;
    // The child's exit was seen, so closing signals nothing; it removes the private directory.
    if (live) void live.connection.close();
    if (this.dialer.mode === "launched") {
      const count = this.crashes.record(Date.now());
      if (this.crashes.isLoop(count)) {
        this.transition("failed", `${reason}; it crashed ${count} times within ${this.settings.crashLoop.windowMs} ms`, stderrTail);
        return;
      }
    }
    this.transition("restarting", reason, stderrTail);
    this.ensureRecovering();
  }

  private ensureRecovering(): void {
    this.recovering ??= this.recover().finally(() => {
      this.recovering = undefined;
    });
  }

  /** Waits out the backoff and connects again, until connected, failed or closed. */
  private async recover(): Promise<void> {
    const signal = this.lifetime.signal;
    while (!signal.aborted && this.stateNow === "restarting") {
      const attempt = this.dialer.mode === "launched" ? this.crashes.count(Date.now()) : this.dialFailures + 1;
      if (!(await waitOrAbort(backoffDelay(Math.max(1, attempt), this.settings.restartBackoff), signal))) return;
      try {
        await this.connectOnce();
        if (this.live) return;
      } catch (error) {
        if (signal.aborted) return;
        const launchError = PluginLaunchError.from(error);
        const tail = launchError.stderrTail.length > 0 ? [...launchError.stderrTail] : undefined;
        const reason = `a restart attempt failed: ${launchError.message}`;
        if (this.dialer.mode === "launched") {
          const count = this.crashes.record(Date.now());
          if (this.crashes.isLoop(count)) {
            this.transition("failed", `${reason}; it crashed ${count} times within ${this.settings.crashLoop.windowMs} ms`, tail);
            return;
          }
        } else {
          this.dialFailures += 1;
        }
        this.transition("restarting", reason, tail);
      }
    }
  }

  /** Waits until the plugin is ready (bounded by `deadlineAt`); the slot to send the call through, or why not. */
  private async acquire<K extends OperationKind>(
    kind: K,
    request: RequestByKind[K],
    options: CallOptions,
    deadlineAt: number,
    signal: AbortSignal,
  ): Promise<CallSlot<ResponseByKind[K]> | { refused: string }> {
    for (;;) {
      if (signal.aborted || this.stateNow === "stopped") return { refused: "the plugin client was closed" };
      if (this.stateNow === "failed") return { refused: `the plugin is failed (${this.reasonNow}); ${ADVICE.failed}` };
      const live = this.live;
      if (this.stateNow === "ready" && live) {
        return {
          send: (deadlineMs) => live.connection.send(kind, request, { ...options, deadlineMs }),
          explainLoss: (failure) => this.explainLoss(live, failure, deadlineAt),
        };
      }
      const remaining = deadlineAt - Date.now();
      if (remaining <= 0) return { refused: `the plugin stayed ${this.stateNow} (${this.reasonNow}) until the operation's deadline` };
      await this.nextTransition(remaining, signal);
    }
  }

  /** After a failed attempt on `live`: whether its child crashed, quoting its stderr, or undefined. */
  private async explainLoss(live: Live, failure: DriverFailure, deadlineAt: number): Promise<string | undefined> {
    if (this.dialer.mode !== "launched" || failure.code !== "TRANSPORT_FAILED") return undefined;
    // The failed call and the exit arrive separately: wait for the exit, or for proof the child
    // is alive (a Probe answered), within the probe deadline and the operation's.
    const bound = Math.max(0, Math.min(this.settings.probeDeadlineMs, deadlineAt - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const crash = await Promise.race([
      live.crashed,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), bound);
      }),
      // A Probe that answers proves the child alive: no crash to report.
      probeAnswered(live.connection, bound),
    ]);
    clearTimeout(timer);
    if (!crash) return undefined;
    return `the plugin (pid ${crash.pid}) ${describeExit(crash.exit)} during the call; ${describeStderrTail(crash.stderrTail.slice(-CALL_STDERR_LINES))}`;
  }

  /** Resolves at the next state transition, after `ms`, or when `signal` aborts, whichever comes first. */
  private nextTransition(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      void this.changed.promise.then(done);
    });
  }

  private transition(to: PluginState, reason: string, stderrTail?: string[]): void {
    const from = this.stateNow;
    this.reasonNow = reason;
    if (from === to) return;
    this.stateNow = to;
    const pid = this.dialer.mode === "launched" ? (this.live?.connection.pid ?? this.spawnedPid) : undefined;
    const event: PluginStateEvent = { from, to, reason, pid, restarts: this.restartCount, ...(stderrTail ? { stderrTail } : {}) };
    const level = to === "failed" ? "error" : to === "not-ready" || to === "restarting" ? "warn" : "info";
    this.log[level]({ from, to, reason, pid, restarts: this.restartCount, ...(stderrTail ? { stderrTail } : {}) }, `plugin ${from} -> ${to}`);
    const changed = this.changed;
    this.changed = signalled();
    changed.resolve();
    this.emit("state", event);
  }
}

/** What to do, per state, when a call is refused. */
const ADVICE: Readonly<Record<PluginState, string>> = {
  starting: "the host is starting it; retry in a moment",
  handshaking: "the host is (re)starting it; retry in a moment",
  ready: "",
  "not-ready": "retry once its Probe reports ready; its log and its backend say why it is not",
  restarting: "the host is restarting it after a failure; retry in a moment",
  failed: "it crashed too often: read its log, fix the cause, then reset it (resetPlugin; 'cghost plugin reset NAME' on the command line)",
  stopped: "the host is closing; open a new one",
};

/** Resolves (with undefined) once a Probe on `connection` answers at all; never if it cannot be reached. */
function probeAnswered(connection: PluginConnection, deadlineMs: number): Promise<undefined> {
  return new Promise((resolve) => {
    void connection.probe({ deadlineMs }).then((answer) => {
      // PluginConnection.probe folds a transport failure into ready=false with a message: only a
      // ready answer is certain proof of life.
      if (answer.ready) resolve(undefined);
    });
  });
}

/** A promise and its resolver, renewed at every transition. */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
