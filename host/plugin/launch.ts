// Launching a plugin as a child process: private socket directory, spawn, the handshake of
// proto/README.md on descriptor 3, then the common start-up steps of connect.ts. Any failure
// stops the child (only if it has not exited), removes the directory, and rejects with a
// PluginLaunchError that names the command and quotes the plugin's last stderr lines.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Duplex } from "node:stream";
import { pino, type Logger } from "pino";
import { checkPositive, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES, openPluginConnection } from "./connect.js";
import { PluginLaunchError } from "./errors.js";
import { HOST_CONTRACT_VERSIONS, negotiateContract, parseHandshakeLine } from "./handshake.js";
import { checkLaunchTransport, prepareLaunchTransport, type LaunchTransport } from "./launch-transport.js";
import { describeExit, readHandshakeLine } from "./handshake-reader.js";
import { LaunchedChild, type ChildExit } from "./launched-child.js";
import type { PluginClient } from "./plugin-client.js";
import type { PluginConnection } from "./plugin-connection.js";
import { capturePluginOutput, describeStderrTail, type PluginOutput } from "./plugin-output.js";
import { recordOwner, removeOrphanedDirs } from "./stale-dirs.js";

/** The handshake descriptor: stdio index 3 of the child. */
export const HANDSHAKE_FD = 3;

/** How long to wait for the handshake line, by default. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** How long a child has between SIGTERM and SIGKILL, by default. */
export const DEFAULT_STOP_GRACE_MS = 5_000;

// Stderr that is still arriving after an exit belongs in the error; do not wait forever for it
// (a grandchild may hold the pipe open).
const STDERR_SETTLE_MS = 1_000;

/** How to launch a plugin. */
export interface LaunchOptions {
  /** The executable; looked up on PATH like a shell would. */
  command: string;
  args?: string[];
  /** Added to the host's environment (the handshake's CGHOST_* variables always win). */
  env?: Record<string, string>;
  /** Working directory of the child; the host's by default. */
  cwd?: string;
  /** Receives the plugin's stdout and stderr lines and the launch's own logs; silent by default. */
  logger?: Logger;
  /** The `plugin` field of every log line about this plugin; default the command. */
  name?: string;
  /** Time for the handshake line, in ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping, in ms. Default 5000. */
  stopGraceMs?: number;
  /** Largest message sent or received, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Time for connecting plus GetPluginInfo, GetCapabilities and Probe after the handshake, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /**
   * `unix` (default): a Unix socket in a private 0700 directory. `tcp`: loopback TCP with mutual
   * TLS from certificates made for this launch, passed to the child in memory (proto/README.md, "TLS").
   */
  transport?: LaunchTransport;
}

/** An unexpected exit of a launched child, after its launch succeeded. */
export interface ChildCrash {
  pid: number;
  exit: ChildExit;
  /** The child's last lines of standard error, oldest first. */
  stderrTail: string[];
}

/** What a supervisor learns of one launch: the pid once spawned, and an exit it did not ask for. */
export interface LaunchHooks {
  onSpawn?(pid: number): void;
  onCrash?(crash: ChildCrash): void;
}

/**
 * Starts a plugin, completes the handshake and the start-up calls, and returns the ready client:
 * one connection to one child, which sends each call once and is not restarted if the child dies.
 * For RULES.md section 8's retries and restarts, use openHost, which supervises the plugin.
 */
export async function launchPlugin(options: LaunchOptions): Promise<PluginClient> {
  return launchConnection(options);
}

/** launchPlugin for the supervisor: the connection itself, with hooks on spawn and on a crash. */
export async function launchConnection(options: LaunchOptions, hooks: LaunchHooks = {}): Promise<PluginConnection> {
  const settings = checkLaunchOptions(options);
  const commandLine = [options.command, ...(options.args ?? [])].join(" ");
  const dir = await mkdtemp(join(tmpdir(), "cghost-plugin-")).catch((error: unknown) => {
    throw new PluginLaunchError(
      "PLUGIN_SPAWN_FAILED",
      `could not create the plugin's private directory under ${tmpdir()} (${error instanceof Error ? error.message : String(error)}); check that TMPDIR exists and is writable`,
      { cause: error },
    );
  });
  let child: LaunchedChild | undefined;
  let output: PluginOutput | undefined;
  try {
    // mkdtemp already creates 0700; chmod states it, whatever the umask or platform did.
    await chmod(dir, 0o700);
    await recordOwner(dir);
    // Directories of hosts killed with SIGKILL; in the background, never delaying this launch.
    void removeOrphanedDirs(tmpdir());
    const transport = await prepareLaunchTransport(settings.transport, dir);
    const nonce = randomBytes(16).toString("hex");
    const spawned = await spawnPlugin(options, {
      ...transport.env,
      CGHOST_HANDSHAKE_FD: String(HANDSHAKE_FD),
      CGHOST_PLUGIN_NONCE: nonce,
      CGHOST_CONTRACT_VERSIONS: HOST_CONTRACT_VERSIONS.join(","),
    });
    const logger = (options.logger ?? pino({ level: "silent" })).child({ plugin: options.name ?? launchName(options.command, options.args), pid: spawned.pid });
    hooks.onSpawn?.(spawned.pid);
    const lifeline = spawned.stdio[HANDSHAKE_FD] as Duplex;
    child = new LaunchedChild(spawned, lifeline, dir, logger);
    const launched = child;
    // Errors on the pipes (EPIPE after the child died) are reported through its exit instead.
    for (const stream of [spawned.stdout!, spawned.stderr!, lifeline]) stream.on("error", () => undefined);
    output = capturePluginOutput(spawned.stdout!, spawned.stderr!, logger);

    const line = await readHandshakeLine(lifeline, { timeoutMs: settings.handshakeTimeoutMs, exited: child.exited });
    const handshake = parseHandshakeLine(line, transport.expect(nonce));
    negotiateContract(HOST_CONTRACT_VERSIONS, handshake.contractVersions, "handshake line");
    if (handshake.pid !== undefined && handshake.pid !== child.pid) {
      logger.debug({ reportedPid: handshake.pid }, "the plugin reported another pid than the one spawned (a wrapper?)");
    }

    // The child dying during the start-up calls ends them at once, with its exit as the cause.
    const abort = new AbortController();
    void child.exited.then((exit) =>
      abort.abort(new PluginLaunchError("PLUGIN_EXITED", `the plugin ${describeExit(exit)} after its handshake, during start-up`)),
    );
    const connection = await openPluginConnection({
      address: handshake.address,
      target: handshake.address,
      logger,
      maxMessageBytes: settings.maxMessageBytes,
      connectTimeoutMs: settings.connectTimeoutMs,
      security: transport.security,
      child: { process: launched, stopGraceMs: settings.stopGraceMs },
      signal: abort.signal,
    });
    const captured = output;
    void child.exited.then(async (exit) => {
      if (launched.stopRequested) return;
      // The last words are what the operator needs; let them arrive (bounded: a grandchild may hold the pipe).
      await Promise.race([captured.stderrEnded, new Promise((resolve) => setTimeout(resolve, STDERR_SETTLE_MS).unref())]);
      const stderrTail = captured.stderrTail();
      logger.error({ exit, stderrTail }, `plugin ${describeExit(exit)} unexpectedly; calls will fail until it is restarted`);
      hooks.onCrash?.({ pid: launched.pid, exit, stderrTail });
    });
    return connection;
  } catch (error) {
    throw await failLaunch(error, { commandLine, dir, child, output, stopGraceMs: settings.stopGraceMs });
  }
}

/** Starts the child in its own process group; rejects with PLUGIN_SPAWN_FAILED when it cannot start. */
function spawnPlugin(options: LaunchOptions, handshakeEnv: Record<string, string>): Promise<ChildProcess & { pid: number }> {
  return new Promise((resolve, reject) => {
    const failed = (error: unknown): void => {
      const where = options.cwd === undefined ? "" : ` in ${options.cwd}`;
      const why = error instanceof Error ? error.message : String(error);
      reject(
        new PluginLaunchError(
          "PLUGIN_SPAWN_FAILED",
          `could not start ${JSON.stringify(options.command)}${where}: ${why}; check that the command exists, is executable, and that cwd exists`,
          { cause: error },
        ),
      );
    };
    let child: ChildProcess;
    try {
      child = spawn(options.command, options.args ?? [], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env, ...handshakeEnv },
        // Its own process group, so stopping it reaches whatever it started; its lifetime is
        // tied to the host by the lifeline, not by the terminal's signals.
        detached: true,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
      });
    } catch (error) {
      failed(error);
      return;
    }
    // Node reports a failed exec as 'error' with no pid; a started child has its pid at once.
    if (child.pid === undefined) child.once("error", failed);
    else resolve(child as ChildProcess & { pid: number });
  });
}

/** Cleans up a failed launch and builds its error: the command, the cause, the stderr tail. */
async function failLaunch(
  error: unknown,
  state: { commandLine: string; dir: string; child: LaunchedChild | undefined; output: PluginOutput | undefined; stopGraceMs: number },
): Promise<PluginLaunchError> {
  const cause = PluginLaunchError.from(error, "PLUGIN_SPAWN_FAILED");
  if (state.child) await state.child.stop(state.stopGraceMs);
  else await rm(state.dir, { recursive: true, force: true });
  if (!state.output) return new PluginLaunchError(cause.code, `plugin ${JSON.stringify(state.commandLine)}: ${cause.reason}`, { cause: error });
  await Promise.race([state.output.stderrEnded, new Promise((resolve) => setTimeout(resolve, STDERR_SETTLE_MS).unref())]);
  const tail = state.output.stderrTail();
  return new PluginLaunchError(cause.code, `plugin ${JSON.stringify(state.commandLine)}: ${cause.reason}\n${describeStderrTail(tail)}`, {
    cause: error,
    stderrTail: tail,
  });
}

function checkLaunchOptions(
  options: LaunchOptions,
): Required<Pick<LaunchOptions, "handshakeTimeoutMs" | "stopGraceMs" | "maxMessageBytes" | "connectTimeoutMs" | "transport">> {
  if (typeof options.command !== "string" || options.command.trim() === "") {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `command must name an executable, got ${JSON.stringify(options.command)}`);
  }
  return {
    handshakeTimeoutMs: checkPositive("handshakeTimeoutMs", options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS),
    stopGraceMs: checkPositive("stopGraceMs", options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS),
    maxMessageBytes: checkPositive("maxMessageBytes", options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    connectTimeoutMs: checkPositive("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    transport: checkLaunchTransport(options.transport),
  };
}

/**
 * What to call a launched plugin before it has said its name: its script, with the folder when
 * the script is a generic entry point (`node examples/file-driver/main.js` is "file-driver/main.js").
 */
export function launchName(command: string, args: readonly string[] = []): string {
  const program = args[0] !== undefined && !args[0].startsWith("-") ? args[0] : command;
  const file = basename(program);
  return /^(main|index|__main__)\.[a-z]+$/.test(file) && dirname(program) !== "." ? `${basename(dirname(program))}/${file}` : file;
}
