// The `plugins` entry of the `cghost serve` configuration: which plugin to host (the built-in file
// driver, a command to launch, or a sidecar's address), how to reach it (Unix socket, TCP with
// mutual TLS), its deadlines, and how it is supervised. Keys are documented in docs/cli.md.
import { resolve } from "node:path";
import { OPERATION_KINDS, type OperationKind } from "../model.js";
import type { LaunchTransport, SidecarTlsOptions, SupervisionOptions } from "../plugin/index.js";
import { parsePluginAddress } from "../plugin/connect.js";
import { PluginLaunchError } from "../plugin/errors.js";
import { resolveSupervision } from "../plugin/supervision-options.js";
import { sidecarSecurityChoice } from "../plugin/transport-security.js";
import {
  checkKeys,
  ConfigError,
  nonEmptyString,
  objectAt,
  optionalBoolean,
  optionalMs,
  optionalString,
  optionalStringList,
  resolvePath,
  stringMap,
  type KeyNamer,
} from "./config-values.js";
import { fileDriverPlugin } from "./default-plugin.js";

/** The built-in file driver's arguments when the configuration gives none: 1 MiB of disk per GB of volume. */
export const FILE_DRIVER_DEFAULT_ARGS: readonly string[] = ["--bytes-per-gb", "1048576"];

/** A child the host launches, or a sidecar it dials. */
export type ServePluginTarget =
  | {
      command: string;
      args: string[];
      /** How log lines name the plugin before it says its own name (the built-in: `file-driver`). */
      name?: string;
      env?: Record<string, string>;
      cwd?: string;
      transport?: LaunchTransport;
      handshakeTimeoutMs?: number;
      stopGraceMs?: number;
      connectTimeoutMs?: number;
    }
  | { address: string; tls?: SidecarTlsOptions; insecure?: boolean; connectTimeoutMs?: number };

/** The plugin the server hosts, resolved. */
export interface ServePluginConfig {
  target: ServePluginTarget;
  /** How the banner describes it, e.g. `the example file driver (--bytes-per-gb 1048576), files in /x/file-driver`. */
  description: string;
  deadlinesMs: Partial<Record<OperationKind, number>>;
  supervision: SupervisionOptions;
}

const ENTRY_KEYS = [
  "builtin",
  "command",
  "address",
  "args",
  "env",
  "cwd",
  "transport",
  "handshakeTimeoutMs",
  "stopGraceMs",
  "connectTimeoutMs",
  "tls",
  "insecure",
  "deadlinesMs",
  "supervision",
];
/** Which keys go with which kind of entry. */
const ONLY_WITH: Readonly<Record<string, readonly ("builtin" | "command" | "address")[]>> = {
  args: ["builtin", "command"],
  env: ["command"],
  cwd: ["command"],
  transport: ["builtin", "command"],
  handshakeTimeoutMs: ["builtin", "command"],
  stopGraceMs: ["builtin", "command"],
  tls: ["address"],
  insecure: ["address"],
};

/** Reads `plugins` (one entry); relative paths are relative to `base`. */
export function pluginConfig(value: unknown, base: string, fileDriverDir: string, at: KeyNamer): ServePluginConfig {
  const list = value ?? [{ builtin: "file-driver" }];
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(`${at("plugins")} must be a list of one plugin, e.g. [{"builtin": "file-driver"}]`);
  }
  if (list.length > 1) {
    throw new ConfigError(
      `${at("plugins")} lists ${list.length} plugins; cghost serve hosts one plugin per process for now: run one 'cghost serve' per plugin, each with its own dataDir`,
    );
  }
  const name = "plugins[0]";
  const entry = objectAt(list[0], name, at);
  checkKeys(entry, ENTRY_KEYS, name, at);
  const kinds = (["builtin", "command", "address"] as const).filter((k) => entry[k] !== undefined);
  if (kinds.length !== 1) {
    throw new ConfigError(
      `${at(name)} must have exactly one of "builtin" (e.g. "file-driver"), "command" (a program cghost launches) or "address" (a sidecar's unix:///path or host:port); it has ${kinds.length === 0 ? "none" : kinds.join(" and ")}`,
    );
  }
  const kind = kinds[0]!;
  for (const [key, allowed] of Object.entries(ONLY_WITH)) {
    if (entry[key] !== undefined && !allowed.includes(kind)) {
      throw new ConfigError(`${at(`${name}.${key}`)} applies to ${allowed.map((k) => `"${k}"`).join(" and ")} plugins, not to "${kind}"; remove it`);
    }
  }
  const connect = msField("connectTimeoutMs", optionalMs(entry.connectTimeoutMs, `${name}.connectTimeoutMs`, at));
  const common = {
    deadlinesMs: deadlines(entry.deadlinesMs, `${name}.deadlinesMs`, at),
    supervision: supervision(entry.supervision, `${name}.supervision`, at),
  };

  if (kind === "address") {
    const given = nonEmptyString(entry.address, `${name}.address`, at);
    // A relative socket path is the configuration file's, as for api.address.
    const address = given.startsWith("unix:") && !given.startsWith("unix://") ? `unix://${resolve(base, given.slice("unix:".length))}` : given;
    const tls = entry.tls === undefined ? undefined : tlsFiles(entry.tls, `${name}.tls`, base, at);
    const insecure = optionalBoolean(entry.insecure, `${name}.insecure`, at);
    // The checks the connection would make, made now: --print-config and serve refuse alike, naming the key.
    try {
      parsePluginAddress(address);
      sidecarSecurityChoice(address, { tls, insecure });
    } catch (error) {
      throw new ConfigError(`${at(`${name}.address`)} ${JSON.stringify(given)}: ${error instanceof PluginLaunchError ? error.reason : String(error)}`);
    }
    return {
      ...common,
      target: { address, ...(tls ? { tls } : {}), ...(insecure === undefined ? {} : { insecure }), ...connect },
      description: `the sidecar at ${address}${tls ? " (mutual TLS)" : insecure ? " (plaintext TCP)" : ""}`,
    };
  }

  const launch = {
    ...optionalTransport(entry.transport, `${name}.transport`, at),
    ...msField("handshakeTimeoutMs", optionalMs(entry.handshakeTimeoutMs, `${name}.handshakeTimeoutMs`, at)),
    ...msField("stopGraceMs", optionalMs(entry.stopGraceMs, `${name}.stopGraceMs`, at)),
    ...connect,
  };
  const givenArgs = optionalStringList(entry.args, `${name}.args`, at);
  if (kind === "builtin") {
    if (entry.builtin !== "file-driver") {
      throw new ConfigError(`${at(`${name}.builtin`)} is ${JSON.stringify(entry.builtin)}; the only built-in plugin is "file-driver"`);
    }
    // Demo scale unless told otherwise: copying real GiB of zeros makes a first try slow.
    const args = givenArgs ?? [...FILE_DRIVER_DEFAULT_ARGS];
    const target = fileDriverPlugin(fileDriverDir, args);
    const scale = args.length === 0 ? "" : ` (${args.join(" ")})`;
    return {
      ...common,
      target: { ...target, name: "file-driver", ...launch },
      description: `the example file driver${scale}, files in ${fileDriverDir}`,
    };
  }
  const command = nonEmptyString(entry.command, `${name}.command`, at);
  const args = givenArgs ?? [];
  const env = entry.env === undefined ? undefined : stringMap(entry.env, `${name}.env`, at);
  const cwd = resolvePath(base, optionalString(entry.cwd, `${name}.cwd`, at));
  // A bare program name is looked up on PATH; a path with a slash is relative to the config file.
  const program = command.includes("/") ? resolve(base, command) : command;
  return {
    ...common,
    target: { command: program, args, ...(env ? { env } : {}), ...(cwd ? { cwd } : {}), ...launch },
    description: [program, ...args].join(" "),
  };
}

function deadlines(value: unknown, path: string, at: KeyNamer): Partial<Record<OperationKind, number>> {
  if (value === undefined) return {};
  const map = objectAt(value, path, at);
  checkKeys(map, OPERATION_KINDS, path, at);
  const result: Partial<Record<OperationKind, number>> = {};
  for (const kind of OPERATION_KINDS) {
    const ms = optionalMs(map[kind], `${path}.${kind}`, at);
    if (ms !== undefined) result[kind] = ms;
  }
  return result;
}

/** The plugin layer's SupervisionOptions, checked now so a bad value is a configuration error. */
function supervision(value: unknown, path: string, at: KeyNamer): SupervisionOptions {
  if (value === undefined) return {};
  const options = objectAt(value, path, at);
  checkKeys(options, ["probeIntervalMs", "probeDeadlineMs", "restartBackoff", "crashLoop", "retry"], path, at);
  const nested: Array<[string, readonly string[]]> = [
    ["restartBackoff", ["initialMs", "maxMs", "multiplier", "jitter"]],
    ["crashLoop", ["maxCrashes", "windowMs"]],
    ["retry", ["maxAttempts", "backoff", "operationDeadlineMs"]],
  ];
  for (const [key, keys] of nested) {
    if (options[key] !== undefined) checkKeys(objectAt(options[key], `${path}.${key}`, at), keys, `${path}.${key}`, at);
  }
  const typed = options as SupervisionOptions;
  try {
    resolveSupervision(typed);
  } catch (error) {
    throw new ConfigError(`${at(path)}: ${(error instanceof Error ? error.message : String(error)).replace(/^[A-Z_]+: /, "")}`);
  }
  return typed;
}

function tlsFiles(value: unknown, path: string, base: string, at: KeyNamer): SidecarTlsOptions {
  const tls = objectAt(value, path, at);
  checkKeys(tls, ["caFile", "certFile", "keyFile", "serverName"], path, at);
  const file = (key: "caFile" | "certFile" | "keyFile"): string => resolvePath(base, nonEmptyString(tls[key], `${path}.${key}`, at))!;
  const serverName = optionalString(tls.serverName, `${path}.serverName`, at);
  return { caFile: file("caFile"), certFile: file("certFile"), keyFile: file("keyFile"), ...(serverName ? { serverName } : {}) };
}

function optionalTransport(value: unknown, path: string, at: KeyNamer): { transport?: LaunchTransport } {
  if (value === undefined) return {};
  if (value !== "unix" && value !== "tcp") {
    throw new ConfigError(`${at(path)} is ${JSON.stringify(value)}; use "unix" (a socket in a private directory, the default) or "tcp" (loopback with mutual TLS made for the launch)`);
  }
  return { transport: value };
}

function msField<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
