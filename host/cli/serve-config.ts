// The `cghost serve` configuration: a JSON file (every key optional), command-line overrides, and
// the defaults that make `npm start` work with no file at all. Every key is documented in
// docs/cli.md; a wrong key or value is refused with its path, the value, and what is allowed.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Durability } from "../store/store.js";
import {
  checkKeys,
  ConfigError,
  objectAt,
  optionalBoolean,
  optionalMs,
  optionalString,
  portFrom,
  resolvePath,
  type KeyNamer,
} from "./config-values.js";
import { dataDirLayout, DEFAULT_DATA_DIR } from "./data-dir.js";
import { pluginConfig, type ServePluginConfig } from "./serve-plugin-config.js";

export { ConfigError } from "./config-values.js";
export type { ServePluginConfig } from "./serve-plugin-config.js";

/** Everything `cghost serve` runs with, resolved to absolute paths. */
export interface ServeConfig {
  /** The file it came from; undefined when only defaults and flags were used. */
  source: string | undefined;
  dataDir: string;
  store: { path: string; durability: Durability; journalRetentionDays: number };
  /** The front API's grpc-js listening address: `unix:/abs/path.sock` or a loopback `HOST:PORT`. */
  api: { address: string };
  metrics: { enabled: boolean; host: string; port: number };
  plugin: ServePluginConfig;
  shutdownGraceMs: number;
  log: { level: string };
}

/** What the command line overrides. */
export interface ServeOverrides {
  dataDir?: string;
  durability?: string;
  metricsPort?: string;
  logLevel?: string;
  /** Where logLevel came from, for its error: `--log-level` or `CGHOST_LOG_LEVEL`. */
  logLevelFrom?: string;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"];
/** The longest Unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** Reads the config file (if any), applies the overrides and the defaults, and checks everything. */
export function loadServeConfig(file: string | undefined, overrides: ServeOverrides): ServeConfig {
  const source = file === undefined ? undefined : resolve(file);
  const raw = source === undefined ? {} : readConfigFile(source);
  // Relative paths in a file are relative to the file, so the file means the same from any directory.
  const base = source === undefined ? process.cwd() : dirname(source);
  const at = (path: string): string => (source === undefined ? `${path}` : `${path} in ${source}`);

  const top = objectAt(raw, "the configuration", at);
  checkKeys(top, ["dataDir", "store", "api", "metrics", "plugins", "shutdownGraceMs", "log"], "the configuration", at);

  const dataDir =
    overrides.dataDir !== undefined
      ? resolve(overrides.dataDir)
      : resolve(base, optionalString(top.dataDir, "dataDir", at) ?? DEFAULT_DATA_DIR);
  const layout = dataDirLayout(dataDir);

  const store = objectAt(top.store ?? {}, "store", at);
  checkKeys(store, ["path", "durability", "journalRetentionDays"], "store", at);
  const durability = overrides.durability ?? optionalString(store.durability, "store.durability", at) ?? "normal";
  if (durability !== "normal" && durability !== "full") {
    const where = overrides.durability !== undefined ? "--durability" : at("store.durability");
    throw new ConfigError(
      `${where} is ${JSON.stringify(durability)}; use "normal" (survives a crash of the process) or "full" (also survives power loss, at an fsync per commit)`,
    );
  }
  const storePath = resolvePath(base, optionalString(store.path, "store.path", at)) ?? layout.storePath;
  const retention = store.journalRetentionDays ?? 7;
  if (typeof retention !== "number" || !(retention >= 0) || Number.isNaN(retention)) {
    throw new ConfigError(`${at("store.journalRetentionDays")} must be a number of days, 0 or more (fractions allowed), got ${JSON.stringify(retention)}`);
  }

  const api = objectAt(top.api ?? {}, "api", at);
  checkKeys(api, ["address"], "api", at);
  const address = apiAddress(optionalString(api.address, "api.address", at), base, layout.socketPath, at);

  const metrics = objectAt(top.metrics ?? {}, "metrics", at);
  checkKeys(metrics, ["enabled", "host", "port"], "metrics", at);
  const enabled = optionalBoolean(metrics.enabled, "metrics.enabled", at) ?? true;
  const metricsHost = optionalString(metrics.host, "metrics.host", at) ?? "127.0.0.1";
  const port =
    overrides.metricsPort !== undefined
      ? portFrom(overrides.metricsPort, "--metrics-port")
      : portFrom(typeof metrics.port === "string" ? Number.NaN : (metrics.port ?? 0), at("metrics.port"), metrics.port);

  const log = objectAt(top.log ?? {}, "log", at);
  checkKeys(log, ["level"], "log", at);
  const level = overrides.logLevel ?? optionalString(log.level, "log.level", at) ?? "info";
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(`${overrides.logLevel !== undefined ? (overrides.logLevelFrom ?? "the log level") : at("log.level")} is ${JSON.stringify(level)}; use one of ${LOG_LEVELS.join(", ")}`);
  }

  return {
    source,
    dataDir,
    store: { path: storePath, durability, journalRetentionDays: retention },
    api: { address },
    metrics: { enabled, host: metricsHost, port },
    plugin: pluginConfig(top.plugins, base, layout.fileDriverDir, at),
    shutdownGraceMs: optionalMs(top.shutdownGraceMs, "shutdownGraceMs", at) ?? 30_000,
    log: { level },
  };
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : String(error);
    throw new ConfigError(`cannot read the configuration ${path}: ${reason}; check the --config path`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the configuration ${path} is not valid JSON (${(error as Error).message}); it must be one JSON object, see docs/cli.md`);
  }
}

function apiAddress(value: string | undefined, base: string, defaultSocket: string, at: KeyNamer): string {
  if (value === undefined) return socketAddress(defaultSocket, "the data directory's socket");
  if (value.startsWith("unix:")) {
    // Accept unix:/abs, unix:///abs and unix:relative (relative to the config file).
    const path = value.replace(/^unix:(\/\/)?/, "");
    return socketAddress(resolve(base, path), at("api.address"));
  }
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) {
    throw new ConfigError(`${at("api.address")} is ${JSON.stringify(value)}; use unix:/absolute/path.sock or a loopback HOST:PORT such as 127.0.0.1:7700`);
  }
  if (!LOOPBACK_HOSTS.includes(match[1]!)) {
    throw new ConfigError(
      `${at("api.address")} is ${JSON.stringify(value)}: the front API has no authentication, so it listens only on a Unix socket or a loopback address (127.0.0.1, [::1], localhost)`,
    );
  }
  portFrom(Number(match[2]), at("api.address"));
  return value;
}

function socketAddress(path: string, what: string): string {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ConfigError(
      `${what} ${path} is ${bytes} bytes, longer than the ${MAX_SOCKET_PATH_BYTES} a Unix socket path may have; use a shorter --data-dir, or set api.address`,
    );
  }
  return `unix:${path}`;
}
