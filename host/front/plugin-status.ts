// What the server knows of its plugin's health, told the same way to `cghost plugin show`, the
// health service and the metrics. A supervised plugin (host/plugin/supervisor.ts) reports its own
// state, restarts and transitions; a bare connection is probed on a timer instead.
import { EventEmitter } from "node:events";
import type { PluginCapabilities, PluginClient, PluginInfo, PluginState, PluginStateEvent } from "../plugin/plugin-client.js";

export type { PluginState } from "../plugin/plugin-client.js";

/** Every state, for metrics that report one gauge per state. */
export const PLUGIN_STATES: readonly PluginState[] = ["starting", "handshaking", "ready", "not-ready", "restarting", "failed", "stopped"];

/** One plugin as the front API reports it. */
export interface PluginStatus {
  info: PluginInfo;
  capabilities: PluginCapabilities;
  state: PluginState;
  /** Why it is in that state; "" when ready. */
  stateMessage: string;
  restarts: number;
  pid: number | undefined;
  address: string;
}

/** What a monitor reports when the state, the pid or the restart count changes. */
export interface PluginMonitorEvents {
  state: [PluginStatus];
}

/** How often and how patiently to probe a plugin that does not supervise itself. */
export interface PluginMonitorOptions {
  /** Milliseconds between probes; 0 turns the timer off (probes still run on demand). */
  probeIntervalMs: number;
  /** Deadline of one probe in milliseconds. */
  probeDeadlineMs: number;
}

/** A plugin client, and what a supervised one offers beyond the interface. */
export type MonitoredPlugin = PluginClient & { checkNow?(): Promise<void>; readonly stateReason?: string };

/** Watches one plugin's state. */
export class PluginMonitor extends EventEmitter<PluginMonitorEvents> {
  private probedState: PluginState = "ready";
  private probedMessage = "";
  private stoppedHere = false;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<PluginStatus> | undefined;
  private readonly onTransition = (event: PluginStateEvent): void => {
    this.probedMessage = event.reason;
    this.emit("state", this.current());
  };

  constructor(
    private readonly plugin: MonitoredPlugin,
    private readonly options: PluginMonitorOptions,
  ) {
    super();
  }

  /** The name the plugin reported; the key of `cghost plugin show`. */
  get name(): string {
    return this.plugin.info.name;
  }

  /** Starts following the plugin: its own transitions when supervised, else a probe timer. */
  start(): void {
    if (this.supervised) {
      this.plugin.on?.("state", this.onTransition);
      return;
    }
    if (this.options.probeIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.probeIntervalMs);
    // The timer must not keep a stopping process alive.
    this.timer.unref();
  }

  /** The last known status, without probing. */
  current(): PluginStatus {
    const state = this.stoppedHere ? "stopped" : (this.plugin.state ?? this.probedState);
    const message = this.stoppedHere ? "the server is stopping" : (this.plugin.stateReason ?? this.probedMessage);
    return {
      info: this.plugin.info,
      capabilities: this.plugin.capabilities,
      state,
      stateMessage: state === "ready" ? "" : message,
      restarts: this.plugin.restarts ?? 0,
      pid: this.plugin.pid,
      address: this.plugin.address,
    };
  }

  /** Checks now (sharing a check already under way) and returns the fresh status. */
  refresh(): Promise<PluginStatus> {
    if (this.stoppedHere) return Promise.resolve(this.current());
    this.probing ??= this.check().then((status) => {
      this.probing = undefined;
      return status;
    });
    return this.probing;
  }

  /** Asks a `failed` plugin to restart (a no-op in any other state, or for a plugin that is not supervised). */
  reset(): PluginStatus {
    if (!this.stoppedHere) this.plugin.reset?.();
    return this.current();
  }

  /** Marks the plugin stopped and stops following it: the server is shutting down. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.plugin.off?.("state", this.onTransition);
    if (this.stoppedHere) return;
    this.stoppedHere = true;
    this.emit("state", this.current());
  }

  private get supervised(): boolean {
    return this.plugin.state !== undefined;
  }

  private async check(): Promise<PluginStatus> {
    if (this.supervised) {
      // The supervisor's own check moves its state; its transition event tells the listeners.
      await this.plugin.checkNow?.().catch(() => undefined);
      return this.current();
    }
    const before = this.probedState;
    const { ready, message } = await this.plugin
      .probe({ deadlineMs: this.options.probeDeadlineMs })
      .catch((error: unknown) => ({ ready: false, message: error instanceof Error ? error.message : String(error) }));
    // A probe answered after stop() must not bring the state back.
    if (!this.stoppedHere) {
      this.probedState = ready ? "ready" : "not-ready";
      this.probedMessage = message;
      if (this.probedState !== before) this.emit("state", this.current());
    }
    return this.current();
  }
}
