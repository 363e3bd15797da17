// The example file driver as a launched plugin: `npm start` needs no configuration at all.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The file driver as the build ships it: one bundled module (examples/file-driver/bundle.ts),
 * which starts ~20 % sooner than tsc's main.js. Beside this file in dist/, or in dist/ when run
 * from the sources.
 */
export function fileDriverMain(): string {
  const besideThis = resolve(import.meta.dirname, "..", "..", "examples", "file-driver", "file-driver.mjs");
  const inDist = resolve(import.meta.dirname, "..", "..", "dist", "examples", "file-driver", "file-driver.mjs");
  return existsSync(besideThis) || !existsSync(inDist) ? besideThis : inDist;
}

/** The example file driver, run by this Node binary, keeping its files in `dataDir`; `extraArgs` follow. */
export function fileDriverPlugin(dataDir: string, extraArgs: readonly string[] = []): { command: string; args: string[] } {
  const main = fileDriverMain();
  if (!existsSync(main)) {
    throw new Error(`the example file driver is not built (${main} is missing); run 'npm run build' first`);
  }
  return { command: process.execPath, args: [main, "--data-dir", dataDir, ...extraArgs] };
}
