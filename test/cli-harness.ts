// Runs the compiled `cghost` as a person or a script would: `cghost serve` as a real process in a
// temporary data directory, and client commands as separate processes. Tests stop what they start
// (by pid) even when they fail.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isAlive } from "./support/processes.js";

export { isAlive };

/** The compiled command, built by `npm test` (tsc) before the tests run. */
export const CGHOST_MAIN = join(import.meta.dirname, "..", "dist", "host", "cli", "main.js");
/** The compiled example file driver. */
export const FILE_DRIVER_MAIN = join(import.meta.dirname, "..", "dist", "examples", "file-driver", "main.js");

/** What serve.json holds (host/cli/serve-state-file.ts). */
export interface ServeJson {
  pid: number;
  address: string;
  socket: string | undefined;
  metricsUrl: string | undefined;
  store: string;
  plugin: { name: string; version: string; pid: number | undefined; address: string };
}

/** A fresh, short temporary directory (Unix socket paths are limited to 107 bytes). */
export function temporaryDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a serve configuration file and returns its path. */
export function writeConfig(dir: string, config: unknown): string {
  const path = join(dir, "serve-config.json");
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A `cghost` process that runs until stopped, its output collected as it comes. */
export class RunningCli {
  stdout = "";
  stderr = "";
  protected readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with how the process ended, once it has; rejects after timeoutMs. */
  exit(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return withTimeout(this.exited, timeoutMs, () => `cghost did not exit within ${timeoutMs} ms; stderr:\n${this.stderr}`);
  }

  /** Resolves once the process has printed `text` on `stream`. */
  waitFor(text: string, timeoutMs: number, stream: "stdout" | "stderr" = "stdout"): Promise<void> {
    const source = stream === "stdout" ? this.child.stdout! : this.child.stderr!;
    const ready = new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this[stream].includes(text)) {
          source.off("data", check);
          resolve();
        }
      };
      source.on("data", check);
      void this.exited.then(({ code, signal }) => reject(new Error(`cghost exited (code ${code}, signal ${signal}) before printing '${text}'; stderr:\n${this.stderr}`)));
      check();
    });
    return withTimeout(ready, timeoutMs, () => `cghost printed no '${text}' on ${stream} within ${timeoutMs} ms; stderr:\n${this.stderr}`);
  }

  /** For cleanup after a failed test. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** Starts `cghost ...args`: a client command that runs until it is stopped, e.g. a watch. */
export function startCli(args: readonly string[]): RunningCli {
  return new RunningCli(spawn(process.execPath, [CGHOST_MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] }));
}

/** A `cghost serve` process. */
export class ServeProcess extends RunningCli {
  private constructor(
    child: ChildProcess,
    readonly dataDir: string,
  ) {
    super(child);
  }

  /** Starts `cghost serve --data-dir DIR ...args` and waits for its banner's first line. */
  static async start(dataDir: string, args: readonly string[] = [], timeoutMs = 20_000): Promise<ServeProcess> {
    const serve = ServeProcess.launch(dataDir, args);
    await serve.waitFor("cghost is serving.", timeoutMs);
    return serve;
  }

  /** Starts `cghost serve` without waiting for it to be ready. */
  static launch(dataDir: string, args: readonly string[] = []): ServeProcess {
    const child = spawn(process.execPath, [CGHOST_MAIN, "serve", "--data-dir", dataDir, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      // TMPDIR inside the data directory: the plugin's private socket directory goes there too,
      // so removing the data directory after a test removes it even when the server was killed.
      env: { ...process.env, CGHOST_LOG_LEVEL: process.env.CGHOST_LOG_LEVEL ?? "info", TMPDIR: dataDir },
    });
    return new ServeProcess(child, dataDir);
  }

  /** serve.json, which the server writes before it prints its banner. */
  state(): ServeJson {
    return JSON.parse(readFileSync(join(this.dataDir, "serve.json"), "utf8")) as ServeJson;
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return withTimeout(this.exited, timeoutMs, () => `cghost serve did not exit within ${timeoutMs} ms of ${signal}; stderr:\n${this.stderr}`);
  }

  /** For cleanup after a failed test: kills the server and its plugin child, by pid. */
  override kill(): void {
    let pluginPid: number | undefined;
    try {
      pluginPid = this.state().plugin.pid;
    } catch {
      // No serve.json: the plugin never started, or the server removed it while stopping.
    }
    super.kill();
    if (pluginPid !== undefined && isAlive(pluginPid)) process.kill(pluginPid, "SIGKILL");
  }
}

/** What one client command did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cghost ...args` to completion. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CGHOST_MAIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `cghost ...args --json` and parses the one JSON object it prints. */
export async function runJson(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const result = await runCli([...args, "--json"], env);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`cghost ${args.join(" ")} --json printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, json, stderr: result.stderr };
}

/** Removes a temporary directory. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
