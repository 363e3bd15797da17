// One call that opens the embedded store and starts (or connects to) the plugin, for embedders.
import type { Logger } from "pino";
import type { OperationKind } from "../model.js";
import { connectPlugin, launchPlugin } from "../plugin/index.js";
import type { PluginClient } from "../plugin/plugin-client.js";
import { openSqliteStore, type Durability } from "../store/index.js";
import { createHost, type Host } from "./host.js";

/** A plugin the host launches as a child process, or one already serving at an address (a sidecar). */
export type PluginTarget =
  | { command: string; args?: string[]; env?: Record<string, string>; cwd?: string }
  | { address: string };

/** Everything openHost needs; see HostOptions for the rest. */
export interface OpenHostOptions {
  /** The SQLite database file; created with its directory if missing. */
  storePath: string;
  /** `normal` (default) survives a process crash; `full` also survives power loss, at an fsync per commit. */
  durability?: Durability;
  plugin: PluginTarget;
  deadlinesMs?: Partial<Record<OperationKind, number>>;
  logger?: Logger;
}

/** Opens the store, launches or connects to the plugin, and returns a ready host; cleans up on failure. */
export async function openHost(options: OpenHostOptions): Promise<Host> {
  const store = openSqliteStore({ path: options.storePath, durability: options.durability ?? "normal" });
  let plugin: PluginClient;
  try {
    plugin =
      "address" in options.plugin
        ? await connectPlugin({ address: options.plugin.address, logger: options.logger })
        : await launchPlugin({ ...options.plugin, logger: options.logger });
  } catch (error) {
    store.close();
    throw error;
  }
  return createHost({
    store,
    plugin,
    ...(options.deadlinesMs ? { deadlinesMs: options.deadlinesMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
