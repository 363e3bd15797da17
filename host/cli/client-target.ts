// Where a client command finds the running `cghost serve`: --address, else --data-dir, else the
// CGHOST_ADDRESS environment variable, else the default data directory (./.cghost).
import { isAbsolute, resolve } from "node:path";
import { CliUsageError } from "./command.js";
import { dataDirLayout, DEFAULT_DATA_DIR } from "./data-dir.js";
import { readServeState } from "./serve-state-file.js";

/** The environment variable naming the front API's address. */
export const ADDRESS_ENV = "CGHOST_ADDRESS";

/** A resolved server address and how it was found, for error messages. */
export interface ClientTarget {
  /** A grpc-js target: `unix:/abs/path.sock` or `host:port`. */
  address: string;
  /** e.g. `--data-dir /x (serve.json)` or `CGHOST_ADDRESS`. */
  foundBy: string;
  /** The data directory, when the address came from one: the command to start a server there. */
  dataDir: string | undefined;
  /**
   * How to start the server there again, when the address came from a data directory: with the
   * configuration file the last server there used (serve.json says), else with --data-dir.
   */
  restart?: string;
}

/** Resolves the server's address from the options and the environment. */
export function resolveClientTarget(options: { address?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): ClientTarget {
  if (options.address !== undefined) return { address: normalize(options.address, "--address"), foundBy: "--address", dataDir: undefined };
  if (options.dataDir === undefined && env[ADDRESS_ENV]) {
    return { address: normalize(env[ADDRESS_ENV], ADDRESS_ENV), foundBy: ADDRESS_ENV, dataDir: undefined };
  }
  const layout = dataDirLayout(options.dataDir ?? DEFAULT_DATA_DIR);
  const flag = options.dataDir === undefined ? `the default data directory ${layout.dataDir}` : `--data-dir ${layout.dataDir}`;
  const state = readServeState(layout.stateFilePath);
  // --data-dir too: a flag wins over the file, and the file may name another directory or none.
  const restart = `cghost serve ${state?.config === undefined ? "" : `--config ${state.config} `}--data-dir ${layout.dataDir}`;
  if (state) return { address: state.address, foundBy: `${flag} (serve.json)`, dataDir: layout.dataDir, restart };
  return { address: `unix:${layout.socketPath}`, foundBy: flag, dataDir: layout.dataDir, restart };
}

/** Accepts unix:/abs, unix:///abs, an absolute socket path, or host:port. */
function normalize(value: string, where: string): string {
  if (value.startsWith("unix:")) {
    const path = value.replace(/^unix:(\/\/)?/, "");
    if (!isAbsolute(path)) throw new CliUsageError(`${where} ${JSON.stringify(value)} needs an absolute socket path, e.g. unix:/srv/cghost/cghost.sock`);
    return `unix:${path}`;
  }
  if (isAbsolute(value) || value.startsWith("./")) return `unix:${resolve(value)}`;
  if (/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(value)) return value;
  throw new CliUsageError(`${where} ${JSON.stringify(value)} is neither unix:/path/to/cghost.sock nor host:port (e.g. 127.0.0.1:7700)`);
}
