// Plugin start: time from launching a child plugin to the handshake and start-up calls being
// done, and to the first successful driver call, for the bench plugin and the example file driver.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createHost, launchPlugin, openSqliteStore } from "../host/index.js";
import type { PluginStartRow } from "./results.js";
import { BENCH_DRIVER } from "./session.js";
import { summarize } from "./stats.js";
import { withTempDir } from "./temp-dir.js";

const FILE_DRIVER = join(import.meta.dirname, "..", "examples", "file-driver", "main.js");

/** A plugin to launch: a name for the table, its command line in a given directory, extra environment. */
interface StartTarget {
  name: string;
  args(dir: string): string[];
  env?: Record<string, string>;
}

const FILE_DRIVER_TARGET: StartTarget = {
  name: "examples/file-driver (TypeScript example)",
  args: (dir) => [FILE_DRIVER, "--data-dir", join(dir, "file-driver")],
};

/**
 * The plugins, launched with the host's environment as it is. Node 20 reads the certificates
 * named by NODE_EXTRA_CA_CERTS while it starts, before any of the plugin's code runs (~45 ms for
 * a system bundle here); when the environment sets it, the example is also timed with it emptied,
 * to show what the machine's setting costs apart from the plugin and the host.
 */
function targets(): StartTarget[] {
  const list: StartTarget[] = [FILE_DRIVER_TARGET, { name: "bench/bench-driver", args: () => [BENCH_DRIVER] }];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    list.splice(1, 0, { ...FILE_DRIVER_TARGET, name: `${FILE_DRIVER_TARGET.name}, NODE_EXTRA_CA_CERTS emptied`, env: { NODE_EXTRA_CA_CERTS: "" } });
  }
  return list;
}

/** Launches each plugin `repeats` times in fresh directories; the store is opened before the clock starts. */
export async function runPluginStart(options: { repeats: number }): Promise<PluginStartRow[]> {
  const rows: PluginStartRow[] = [];
  for (const target of targets()) {
    if (target.args("/").some((arg) => arg.endsWith(".js") && !existsSync(arg))) continue;
    const ready: number[] = [];
    const first: number[] = [];
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      await withTempDir("start", async (dir) => {
        const store = openSqliteStore({ path: join(dir, "cghost.db") });
        const started = performance.now();
        let plugin;
        try {
          plugin = await launchPlugin({ command: process.execPath, args: target.args(dir), ...(target.env ? { env: target.env } : {}) });
        } catch (error) {
          store.close();
          throw error;
        }
        ready.push(performance.now() - started);
        const host = createHost({ store, plugin });
        try {
          await host.createGroup({ name: "first", volumeTypes: ["gold"] });
          first.push(performance.now() - started);
        } finally {
          await host.close();
        }
      });
    }
    rows.push({ plugin: target.name, readyMs: summarize(ready), firstCallMs: summarize(first) });
  }
  return rows;
}
