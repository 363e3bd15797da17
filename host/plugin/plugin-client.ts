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
}
