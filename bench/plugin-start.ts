// Plugin start: time from launching a child plugin to the handshake and start-up calls being
// done, and to the first successful driver call, for the bench plugin and the example file driver
// (bundled, as `cghost serve` launches it, and as tsc leaves it).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createHost, launchPlugin, openSqliteStore } from "../host/index.js";
import type { PluginStartRow } from "./results.js";
import { BENCH_DRIVER } from "./session.js";
import { summarize } from "./stats.js";
import { withTempDir } from "./temp-dir.js";

const FILE_DRIVER_DIR = join(import.meta.dirname, "..", "examples", "file-driver");

/** A plugin to launch: a name for the table, its command line in a given directory, extra environment. */
interface StartTarget {
  name: string;
  args(dir: string): string[];
  env?: Record<string, string>;
}

/** The TypeScript example as `cghost serve` launches it: one bundled module (examples/file-driver/bundle.ts). */
const FILE_DRIVER_TARGET: StartTarget = {
  name: "examples/file-driver (TypeScript example), bundled",
  args: (dir) => [join(FILE_DRIVER_DIR, "file-driver.mjs"), "--data-dir", join(dir, "file-driver")],
};

/** The same driver as tsc leaves it: some 140 module files for Node to load one by one. */
const FILE_DRIVER_UNBUNDLED: StartTarget = {
  name: "examples/file-driver, tsc's main.js (not bundled)",
  args: (dir) => [join(FILE_DRIVER_DIR, "main.js"), "--data-dir", join(dir, "file-driver")],
};

/**
 * The plugins, launched with the host's environment as it is. Node 20 reads the certificates
 * named by NODE_EXTRA_CA_CERTS while it starts, before any of the plugin's code runs (~45 ms for
 * a system bundle here); when the environment sets it, the example is also timed with it emptied,
 * to show what the machine's setting costs apart from the plugin and the host.
 */
function targets(): StartTarget[] {
  const list: StartTarget[] = [FILE_DRIVER_TARGET, FILE_DRIVER_UNBUNDLED, { name: "bench/bench-driver (not bundled)", args: () => [BENCH_DRIVER] }];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    list.splice(1, 0, { ...FILE_DRIVER_TARGET, name: `${FILE_DRIVER_TARGET.name}, NODE_EXTRA_CA_CERTS emptied`, env: { NODE_EXTRA_CA_CERTS: "" } });
  }
  return list;
}

/**
 * Launches each plugin `repeats` times in fresh directories, taking the plugins in turn within
 * each repeat so that a machine slowing down mid-run weighs on all of them alike; the store is
 * opened before the clock starts.
 */
export async function runPluginStart(options: { repeats: number }): Promise<PluginStartRow[]> {
  const present = targets().filter((target) => !target.args("/").some((arg) => arg.endsWith("js") && !existsSync(arg)));
  const times = present.map(() => ({ ready: [] as number[], first: [] as number[] }));
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    for (const [i, target] of present.entries()) {
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
        times[i]!.ready.push(performance.now() - started);
        const host = createHost({ store, plugin });
        try {
          await host.createGroup({ name: "first", volumeTypes: ["gold"] });
          times[i]!.first.push(performance.now() - started);
        } finally {
          await host.close();
        }
      });
    }
  }
  return present.map((target, i) => ({ plugin: target.name, readyMs: summarize(times[i]!.ready), firstCallMs: summarize(times[i]!.first) }));
}
