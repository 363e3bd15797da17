// DIR/serve.json: where a running `cghost serve` can be reached, written once it listens and
// removed when it stops, so client commands and tests find it without parsing its output. And
// DIR/serve.starting, from the server's first step until serve.json: a client that finds no server
// can then say one is starting (launching its plugin, settling what a killed server left) rather
// than tell the operator to start one.
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
  /** The configuration file it was started with, if any: how to start it again. */
  config?: string;
}

/** Writes serve.json atomically (a reader never sees half a file). */
export function writeServeState(path: string, state: ServeState): void {
  writeServeFile(path, state);
}

/** Writes JSON whole (a temporary file renamed over the old), private to the user. */
function writeServeFile(path: string, value: object): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
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

/** What DIR/serve.starting says while a server starts: who, and what it is doing. */
export interface StartingState {
  pid: number;
  /** e.g. "launching the plugin", "settling 2 operation(s) a previous server left unfinished". */
  doing: string;
  since: string;
}

/** Writes (or updates) serve.starting for this process. */
export function writeStartingState(path: string, doing: string): void {
  writeServeFile(path, { pid: process.pid, doing, since: new Date().toISOString() });
}

/** Removes serve.starting if it is this process's. */
export function removeStartingState(path: string, pid: number): void {
  if (readJson(path)?.pid === pid) rmSync(path, { force: true });
}

/**
 * The server starting in a data directory, when its serve.starting names a live process; a file a
 * killed start left behind names a dead one and counts for nothing.
 */
export function startingServer(path: string): StartingState | undefined {
  const value = readJson(path);
  if (value === undefined || typeof value.pid !== "number" || typeof value.doing !== "string") return undefined;
  try {
    process.kill(value.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  return value as unknown as StartingState;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
