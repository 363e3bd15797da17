// One measurement's setup: a fresh directory, the bench plugin launched by the host as a child,
// a SQLite store on disk, the host, and a baseline client on the very same plugin socket.
import { join } from "node:path";
import { createHost, launchPlugin, openSqliteStore, type Host, type PluginClient, type Store } from "../host/index.js";
import type { AnswerMode } from "./answers.js";
import { type BaselineClient, openBaselineClient } from "./baseline.js";
import type { DurabilityName } from "./results.js";

/** The benchmark's own plugin: answers every call at once (bench/bench-driver.ts). */
export const BENCH_DRIVER = join(import.meta.dirname, "bench-driver.js");

/** A host and a baseline client sharing one plugin process. */
export interface BenchSession {
  host: Host;
  baseline: BaselineClient;
  plugin: PluginClient;
  storePath: string;
  /** Closes the baseline client and the host (which stops the plugin and closes the store). */
  close(): Promise<void>;
}

/** Opens a session in dir; on failure, whatever was started is stopped again. */
export async function openSession(dir: string, options: { durability: DurabilityName; answer?: AnswerMode }): Promise<BenchSession> {
  const storePath = join(dir, "cghost.db");
  const store: Store = openSqliteStore({ path: storePath, durability: options.durability, checkpoints: "background" });
  let plugin: PluginClient;
  try {
    plugin = await launchPlugin({ command: process.execPath, args: [BENCH_DRIVER], env: { BENCH_ANSWER: options.answer ?? "none" } });
  } catch (error) {
    store.close();
    throw error;
  }
  const host = createHost({ store, plugin });
  let baseline: BaselineClient;
  try {
    baseline = await openBaselineClient(plugin.address);
  } catch (error) {
    await host.close();
    throw error;
  }
  return {
    host,
    baseline,
    plugin,
    storePath,
    close: async () => {
      baseline.close();
      await host.close();
    },
  };
}
