// What `cghost serve` keeps under its data directory, so the server, the client commands and the
// tests agree on every path without a configuration file.
import { join, resolve } from "node:path";

/** The data directory used when none is given: `.cghost` under the current directory. */
export const DEFAULT_DATA_DIR = ".cghost";

/** The paths of everything `cghost serve` keeps under a data directory. */
export interface DataDirLayout {
  dataDir: string;
  /** The SQLite store. */
  storePath: string;
  /** The example file driver's volumes, groups and ledger. */
  fileDriverDir: string;
  /** The front API's Unix socket. */
  socketPath: string;
  /** Written once the server listens: pid, addresses, plugin (see serve-state-file.ts). */
  stateFilePath: string;
  /** Written while a server starts, until serve.json: its pid and what it is doing (serve-state-file.ts). */
  startingFilePath: string;
}

/** The layout of a data directory, as absolute paths. */
export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    storePath: join(root, "cghost.db"),
    fileDriverDir: join(root, "file-driver"),
    socketPath: join(root, "cghost.sock"),
    stateFilePath: join(root, "serve.json"),
    startingFilePath: join(root, "serve.starting"),
  };
}
