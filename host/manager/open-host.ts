// One call that opens the embedded store and starts (or connects to) the plugin, for embedders.
import type { Logger } from "pino";
import type { OperationKind } from "../model.js";
import {
  superviseLaunchedPlugin,
  superviseSidecar,
  type LaunchTransport,
  type SidecarTlsOptions,
  type SupervisionOptions,
} from "../plugin/index.js";
import type { PluginClient } from "../plugin/plugin-client.js";
import { openSqliteStore, type Durability } from "../store/index.js";
import { createHost, type Host } from "./host.js";

/** A plugin the host launches as a child process, or one already serving at an address (a sidecar). */
export type PluginTarget =
  | { command: string; args?: string[]; env?: Record<string, string>; cwd?: string; transport?: LaunchTransport }
  | { address: string; tls?: SidecarTlsOptions; insecure?: boolean };

/** Everything openHost needs; see HostOptions for the rest. */
export interface OpenHostOptions {
  /** The SQLite database file; created with its directory if missing. */
  storePath: string;
  /** `normal` (default) survives a process crash; `full` also survives power loss, at an fsync per commit. */
  durability?: Durability;
  /** Who checkpoints the store's write-ahead log (see OpenSqliteStoreOptions.checkpoints); default `background`. */
  checkpoints?: "inline" | "background";
  plugin: PluginTarget;
  deadlinesMs?: Partial<Record<OperationKind, number>>;
  logger?: Logger;
  /** How long closed journal entries are kept (see HostOptions.journalRetentionMs); default 7 days. */
  journalRetentionMs?: number;
  /** How long a caller waits while the database refuses an outcome (see HostOptions.outcomeWaitMs); default 10 s. */
  outcomeWaitMs?: number;
  /** The largest message sent to or received from the plugin, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * How long the start-up recovery waits for the plugin to be ready before an interrupted call it
   * cannot re-issue gets the raised rule (see HostOptions.recoveryReadyTimeoutMs); default 30 s.
   */
  recoveryReadyTimeoutMs?: number;
  /**
   * Restarts, crash-loop detection, readiness checks and call retries (see SupervisionOptions).
   * Defaults: restart backoff 250 ms x2 up to 30 s (jitter 0.2); failed after 5 crashes in 60 s
   * (a sidecar is re-dialled forever); readiness every 5 s with a 5 s deadline; 3 attempts for
   * an uncertain call, within its deadline times 4.
   */
  supervision?: SupervisionOptions;
}

/** Opens the store, launches or connects to the plugin, recovers interrupted operations, and returns a ready host; cleans up on failure. */
export async function openHost(options: OpenHostOptions): Promise<Host> {
  const store = openSqliteStore({
    path: options.storePath,
    durability: options.durability ?? "normal",
    checkpoints: options.checkpoints ?? "background",
  });
  let plugin: PluginClient;
  try {
    plugin =
      "address" in options.plugin
        ? await superviseSidecar({ ...options.supervision, ...options.plugin, logger: options.logger, maxMessageBytes: options.maxMessageBytes })
        : await superviseLaunchedPlugin({ ...options.supervision, ...options.plugin, logger: options.logger, maxMessageBytes: options.maxMessageBytes });
  } catch (error) {
    store.close();
    throw error;
  }
  let host: Host;
  try {
    host = createHost({
      store,
      plugin,
      ...(options.deadlinesMs ? { deadlinesMs: options.deadlinesMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.journalRetentionMs === undefined ? {} : { journalRetentionMs: options.journalRetentionMs }),
      ...(options.recoveryReadyTimeoutMs === undefined ? {} : { recoveryReadyTimeoutMs: options.recoveryReadyTimeoutMs }),
      ...(options.outcomeWaitMs === undefined ? {} : { outcomeWaitMs: options.outcomeWaitMs }),
    });
  } catch (error) {
    // A bad option: stop the plugin just launched, and the store.
    await plugin.close().catch(() => undefined);
    store.close();
    throw error;
  }
  // Operations a previous host died in the middle of are settled before anyone can call this one
  // (RULES.md section 9); host.lastRecovery says what was done.
  try {
    await host.recover();
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}
