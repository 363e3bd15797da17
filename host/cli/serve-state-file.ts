// DIR/serve.json: where a running `cghost serve` can be reached, written once it listens and
// removed when it stops, so client commands and tests find it without parsing its output.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

/** What serve.json holds. */
export interface ServeState {
  /** The server's process id. */
  pid: number;
  /** The front API's address as a gRPC client dials it, e.g. `unix:/x/.cghost/cghost.sock`. */
  address: string;
  /** The Unix socket's path, when the front API listens on one. */
  socket: string | undefined;
  /** `http://127.0.0.1:PORT/metrics`, or undefined when metrics are off. */
  metricsUrl: string | undefined;
  /** The SQLite store. */
  store: string;
  /** The hosted plugin. */
  plugin: { name: string; version: string; pid: number | undefined; address: string };
  /** ISO-8601 time the server became ready. */
  startedAt: string;
}

/** Writes serve.json atomically (a reader never sees half a file). */
export function writeServeState(path: string, state: ServeState): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Reads serve.json; undefined when there is none or it is unreadable. */
export function readServeState(path: string): ServeState | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof value === "object" && value !== null && typeof (value as { address?: unknown }).address === "string") {
      return value as ServeState;
    }
  } catch {
    // Missing or being replaced: the caller falls back to the data directory's socket.
  }
  return undefined;
}

/** Removes serve.json if it is still this process's (a newer server may have replaced it). */
export function removeServeState(path: string, pid: number): void {
  if (readServeState(path)?.pid === pid) rmSync(path, { force: true });
}
