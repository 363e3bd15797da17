// The host's view of one connected plugin: identity, capabilities, readiness and the six calls.
import type { RequestByKind, ResponseByKind } from "../contract.js";
import type { OperationKind } from "../model.js";
import type { DriverOutcome } from "../rules/outcome.js";

/** What GetPluginInfo said. */
export interface PluginInfo {
  name: string;
  vendorVersion: string;
  contractVersions: string[];
}

/** What GetCapabilities said, in the host's names. */
export interface PluginCapabilities {
  operations: OperationKind[];
  createFromSourceKinds: Array<"cgsnapshot" | "group">;
}

/** Per-call options. */
export interface CallOptions {
  /** The gRPC deadline for this call, in milliseconds from now. */
  deadlineMs: number;
  /** Sent as the `x-request-id` metadata. */
  requestId?: string;
}

/**
 * A connected plugin. `call` never rejects for anything the plugin or the transport did: every
 * failure comes back as a `raised` outcome with a stable code, so the rules decide what it means.
 */
export interface PluginClient {
  readonly info: PluginInfo;
  readonly capabilities: PluginCapabilities;
  /** The contract version both sides speak (the highest they share), when the client knows it. */
  readonly contractVersion?: string;
  /** The plugin's address, e.g. `unix:///tmp/cghost-x/plugin.sock`. */
  readonly address: string;
  /** The child's pid when the host launched it; undefined for a plugin it only connected to. */
  readonly pid: number | undefined;
  call<K extends OperationKind>(
    kind: K,
    request: RequestByKind[K],
    options: CallOptions,
  ): Promise<DriverOutcome<ResponseByKind[K]>>;
  probe(options?: { deadlineMs?: number }): Promise<{ ready: boolean; message: string }>;
  /** Closes the channel; for a launched child, stops it (SIGTERM, then SIGKILL after the grace). */
  close(): Promise<void>;

  // A supervised plugin (supervisor.ts) also has the members below; a single connection
  // (launchPlugin, connectPlugin) has none of them and is always treated as callable.

  /** The lifecycle state (see PluginState). */
  readonly state?: PluginState;
  /** How many times the plugin was restarted (a child re-launched, a sidecar re-dialled). */
  readonly restarts?: number;
  /** Whether a driver call may be sent now; the manager refuses the operation before any write when not. */
  availability?(): PluginAvailability;
  /** Brings a `failed` plugin back: forgets its crashes and restarts it. A no-op in any other state. */
  reset?(): void;
  /** Every state transition, once each. */
  on?(event: "state", listener: (event: PluginStateEvent) => void): unknown;
  off?(event: "state", listener: (event: PluginStateEvent) => void): unknown;
}

/**
 * starting: created, nothing tried yet. handshaking: a child is spawned (or a sidecar dialled) and
 * goes through the handshake and GetPluginInfo/GetCapabilities/Probe. ready: calls are accepted.
 * not-ready: connected, but Probe (or the gRPC health service) says it cannot serve. restarting:
 * the child exited or the sidecar went away; waiting out the backoff before the next attempt.
 * failed: crashed too often within the window; refused until reset(). stopped: closed.
 */
export type PluginState = "starting" | "handshaking" | "ready" | "not-ready" | "restarting" | "failed" | "stopped";

/** One state transition of a supervised plugin. */
export interface PluginStateEvent {
  from: PluginState;
  to: PluginState;
  /** Why, in words: the Probe message, the exit, the failed attempt. */
  reason: string;
  /** The plugin child's pid at the transition (the new one once spawned); undefined for a sidecar. */
  pid: number | undefined;
  restarts: number;
  /** On a crash: the child's last lines of standard error, oldest first. */
  stderrTail?: string[];
}

/** The answer to "may I call now?". */
export interface PluginAvailability {
  callable: boolean;
  state: PluginState;
  /** Why not (the Probe message, the crash), or "" when callable. */
  reason: string;
  /** What the caller or the operator should do when not callable. */
  advice: string;
}
