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

/** A plugin to launch: a name for the table and its command line in a given directory. */
interface StartTarget {
  name: string;
  args(dir: string): string[];
}

const TARGETS: readonly StartTarget[] = [
  { name: "examples/file-driver (TypeScript example)", args: (dir) => [FILE_DRIVER, "--data-dir", join(dir, "file-driver")] },
  { name: "bench/bench-driver", args: () => [BENCH_DRIVER] },
];

/** Launches each plugin `repeats` times in fresh directories; the store is opened before the clock starts. */
export async function runPluginStart(options: { repeats: number }): Promise<PluginStartRow[]> {
  const rows: PluginStartRow[] = [];
  for (const target of TARGETS) {
    if (target.args("/").some((arg) => arg.endsWith(".js") && !existsSync(arg))) continue;
    const ready: number[] = [];
    const first: number[] = [];
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      await withTempDir("start", async (dir) => {
        const store = openSqliteStore({ path: join(dir, "cghost.db") });
        const started = performance.now();
        let plugin;
        try {
          plugin = await launchPlugin({ command: process.execPath, args: target.args(dir) });
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
