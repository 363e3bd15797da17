// The life of one `cghost serve`: open the store, start the plugin, serve the front API, write
// serve.json; then, on stop, refuse new calls, give the ones in flight the grace to finish (the
// next start settles the rest), stop the plugin, close the store and remove what it left in the
// data directory. Every step undoes itself on failure.
import { mkdirSync, rmSync, statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { startFrontServer, type FrontServer } from "../front/front-server.js";
import { PluginMonitor } from "../front/plugin-status.js";
import { createHost, openSqliteStore, type Host, type RecoverySummary } from "../index.js";
import { superviseLaunchedPlugin, superviseSidecar, type PluginSupervisor } from "../plugin/index.js";
import { socketAnswers } from "../plugin/socket-probe.js";
import { dataDirLayout } from "./data-dir.js";
import type { ServeConfig } from "./serve-config.js";
import { ServeLockHeldError, takeServeLock, type ServeLock } from "./serve-lock.js";
import { removeServeState, removeStartingState, writeServeState, writeStartingState, type ServeState } from "./serve-state-file.js";

/** A server that is up. */
export interface RunningServer {
  state: ServeState;
  host: Host;
  /** The operations a previous server left open and this one settled at start. */
  recovery: RecoverySummary;
  /** Stops everything gracefully; resolves once the plugin is gone and the store is closed. */
  stop(): Promise<void>;
}

/** The data directory or socket is taken by a server that is still running; exit code 3. */
export class AlreadyServingError extends Error {
  readonly code = "ALREADY_SERVING";
}

/** The data directory cannot be used: it is a file, or cannot be created. */
export class DataDirError extends Error {
  readonly code = "DATA_DIR_UNUSABLE";
}

/** A stop was asked while the server was settling what a killed server left; it stopped instead of serving. */
export class StoppedWhileStartingError extends Error {
  readonly code = "STOPPED_WHILE_STARTING";
}

/**
 * Starts everything the configuration names; on failure, what was started is stopped again. The
 * data directory's lock (serve-lock.ts) is held from before the store opens until stop() ends.
 * When `stopAsked` settles while operations a killed server left are being settled, they get the
 * grace (shutdownGraceMs), the rest stay open for the next start, and it rejects with
 * StoppedWhileStartingError.
 */
export async function startServer(
  config: ServeConfig,
  logger: Logger,
  progress: (line: string) => void = () => undefined,
  stopAsked: Promise<unknown> = new Promise(() => undefined),
): Promise<RunningServer> {
  const created = prepareDataDir(config.dataDir);
  let createdForStore: string | undefined;
  // A first start that fails leaves nothing behind: not the folders it made, nor an empty store.
  const undoCreate = (): void => {
    for (const folder of [createdForStore, created]) if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  };
  let lock: ServeLock;
  try {
    // A store kept outside the data directory gets its folder too (docs/cli.md: "created with its
    // folder if missing"), before its lock file is made beside it.
    createdForStore = mkdirSync(dirname(config.store.path), { recursive: true, mode: 0o700 });
    lock = takeServeLock(config.dataDir, config.store.path);
  } catch (error) {
    undoCreate();
    if (error instanceof ServeLockHeldError) throw new AlreadyServingError(error.message, { cause: error });
    throw error;
  }
  const startingFile = dataDirLayout(config.dataDir).startingFilePath;
  try {
    writeStartingState(startingFile, "launching the plugin");
    const server = await startLocked(config, logger, progress, stopAsked);
    removeStartingState(startingFile, process.pid);
    let stopping: Promise<void> | undefined;
    return {
      ...server,
      stop: () => (stopping ??= server.stop().finally(() => lock.release())),
    };
  } catch (error) {
    removeStartingState(startingFile, process.pid);
    lock.release();
    undoCreate();
    throw error;
  }
}

async function startLocked(config: ServeConfig, logger: Logger, progress: (line: string) => void, stopAsked: Promise<unknown>): Promise<RunningServer> {
  const socket = config.api.address.startsWith("unix:") ? config.api.address.slice("unix:".length) : undefined;
  if (socket) await clearStaleSocket(socket);

  const store = openSqliteStore({ path: config.store.path, durability: config.store.durability, checkpoints: "background" });
  let plugin: PluginSupervisor;
  try {
    const target = config.plugin.target;
    const supervision = { ...config.plugin.supervision, logger };
    // Supervised: a crashed child is restarted (with backoff, until it crash-loops), a lost
    // sidecar re-dialled, and readiness checked, so the host refuses calls it cannot send.
    plugin = "address" in target ? await superviseSidecar({ ...supervision, ...target }) : await superviseLaunchedPlugin({ ...supervision, ...target });
  } catch (error) {
    store.close();
    throw error;
  }
  const host = createHost({
    store,
    plugin,
    deadlinesMs: config.plugin.deadlinesMs,
    logger,
    journalRetentionMs: config.store.journalRetentionDays * 24 * 3600 * 1000,
  });
  let recovery: RecoverySummary;
  try {
    const open = store.listOpenJournal().length;
    // Re-issuing them can take as long as the operations themselves: say so before the wait.
    if (open > 0) {
      progress(`Settling ${open} operation(s) a previous server left unfinished, before serving (the log has each one)...`);
      writeStartingState(dataDirLayout(config.dataDir).startingFilePath, `settling ${open} operation(s) a previous server left unfinished`);
    }
    // Operations a previous server died in the middle of are settled before any new call (RULES.md section 9).
    // Settling can take as long as the operations; a stop asked meanwhile does not wait for all of it.
    const settled = await Promise.race([host.recover(), stopAsked.then(() => undefined)]);
    if (settled === undefined) {
      await host.close({ abandonAfterMs: config.shutdownGraceMs });
      throw new StoppedWhileStartingError("a stop was asked while cghost was settling what a previous server left unfinished");
    }
    recovery = settled;
  } catch (error) {
    await host.close();
    throw error;
  }
  if (recovery.recovered.length > 0) logger.warn({ recovered: recovery.recovered }, "settled operations a previous server left unfinished");
  const monitor = new PluginMonitor(plugin, { probeIntervalMs: 0, probeDeadlineMs: config.plugin.supervision.probeDeadlineMs ?? 5_000 });
  let front: FrontServer;
  try {
    front = await startFrontServer({
      host,
      plugin: monitor,
      address: config.api.address,
      metrics: config.metrics.enabled ? { host: config.metrics.host, port: config.metrics.port } : undefined,
      logger,
    });
  } catch (error) {
    await host.close();
    throw error;
  }

  const state: ServeState = {
    pid: process.pid,
    address: front.address,
    socket,
    metricsUrl: front.metricsUrl,
    store: config.store.path,
    plugin: { name: plugin.info.name, version: plugin.info.vendorVersion, pid: plugin.pid, address: plugin.address },
    startedAt: new Date().toISOString(),
    ...(config.source === undefined ? {} : { config: config.source }),
  };
  const stateFile = dataDirLayout(config.dataDir).stateFilePath;
  try {
    writeServeState(stateFile, state);
  } catch (error) {
    await front.stop({ graceMs: 0 });
    await host.close();
    throw new Error(`cannot write ${stateFile}: ${error instanceof Error ? error.message : String(error)}; check the data directory's permissions`, { cause: error });
  }

  let stopping: Promise<void> | undefined;
  const stopOnce = async (): Promise<void> => {
    const started = Date.now();
    const { forced } = await front.stop({ graceMs: config.shutdownGraceMs });
    if (forced) logger.warn({ graceMs: config.shutdownGraceMs }, "calls still in flight after the grace were cancelled");
    // Waits for operations in flight for what is left of the grace (one whose client went away may
    // still run), then leaves the rest open for the next start to settle (RULES.md section 9);
    // stops the plugin (SIGTERM, then SIGKILL) and closes the store.
    await host.close({ abandonAfterMs: Math.max(0, config.shutdownGraceMs - (Date.now() - started)) });
    removeServeState(stateFile, process.pid);
    if (socket) rmSync(socket, { force: true });
  };
  // serve.json follows the plugin child across restarts: the pid of the child alive now (none
  // while it is restarting or failed) and the address it listens on (new with each launch).
  monitor.on("state", (status) => {
    if (status.state === "stopped") return;
    const pid = status.state === "restarting" || status.state === "failed" ? undefined : status.pid;
    const address = plugin.address;
    if (pid === state.plugin.pid && address === state.plugin.address) return;
    state.plugin = { ...state.plugin, pid, address };
    try {
      writeServeState(stateFile, state);
    } catch (error) {
      logger.warn({ err: error, stateFile }, "could not update serve.json with the plugin's pid and address");
    }
  });
  return {
    state,
    host,
    recovery,
    stop: () => (stopping ??= stopOnce()),
  };
}

/**
 * Creates the data directory, private (0700), if it is new; an existing one keeps its mode.
 * Returns the first folder it created (the data directory or a parent of it), else undefined.
 */
function prepareDataDir(dataDir: string): string | undefined {
  let stat: Stats | undefined;
  try {
    stat = statSync(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unusable(dataDir, error);
  }
  if (stat !== undefined && !stat.isDirectory()) {
    throw new DataDirError(`the data directory ${dataDir} is a file; choose another --data-dir (or dataDir in the configuration)`);
  }
  if (stat !== undefined) return undefined;
  try {
    return mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unusable(dataDir, error);
  }
}

/** ENOTDIR (a parent is a file), EACCES, ...: named with the path and the setting. */
function unusable(dataDir: string, error: unknown): DataDirError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === "ENOTDIR" ? "a folder on its path is a file" : code === "EACCES" ? "permission denied" : String((error as Error).message ?? error);
  return new DataDirError(`cannot use the data directory ${dataDir}: ${why}; choose another --data-dir (or dataDir in the configuration)`, { cause: error });
}

/** A socket file left by a server that died is removed; one a live server answers on is refused. */
async function clearStaleSocket(path: string): Promise<void> {
  try {
    statSync(path);
  } catch {
    return;
  }
  if (await socketAnswers(path)) {
    throw new AlreadyServingError(
      `another cghost serve is listening on ${path}; stop it first (see the pid in serve.json beside it), or use another --data-dir`,
    );
  }
  rmSync(path, { force: true });
}
