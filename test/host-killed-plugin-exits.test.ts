// A plugin never outlives its host (proto/README.md, "Lifeline"): a host process killed with
// SIGKILL cannot stop its plugin, yet the plugin exits on its own once descriptor 3 reaches EOF.
// A host that dies otherwise without closing (an uncaught exception, process.exit()) still stops
// its plugin and removes the plugin's private directory, in its 'exit' event.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, expect, it } from "vitest";
import { isAlive } from "./support/supervised-harness.js";
import { removeOrphanedDirs } from "../host/plugin/stale-dirs.js";

const KILLABLE_HOST = join(import.meta.dirname, "..", "dist", "test", "drivers", "killable-host.js");

let hostProcess: ChildProcess | undefined;
let pluginPid: number | undefined;
let dir: string | undefined;

afterEach(async () => {
  if (hostProcess && hostProcess.exitCode === null && hostProcess.signalCode === null) {
    const exited = once(hostProcess, "exit");
    hostProcess.kill("SIGKILL");
    await exited;
  }
  // Only if the test failed before the plugin exited: never leave it running.
  if (pluginPid !== undefined && isAlive(pluginPid)) process.kill(pluginPid, "SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
  hostProcess = undefined;
  pluginPid = undefined;
  dir = undefined;
});

/** Waits for `pid` to exit: polls every 20 ms for up to 10 s (an external process's exit, no pidfd). */
async function exitOf(pid: number): Promise<boolean> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !isAlive(pid);
}

/** Starts killable-host in `dir` (also its TMPDIR, where the plugin's private directory goes); resolves with the plugin's pid. */
async function startHost(end: "stay" | "throw" | "exit"): Promise<{ child: ChildProcess; exited: Promise<unknown[]>; pluginPid: number; stderr: string[] }> {
  dir = mkdtempSync(join(tmpdir(), "cghost-killed-host-"));
  const child = spawn(process.execPath, [KILLABLE_HOST], { env: { ...process.env, HOST_DIR: dir, TMPDIR: dir, HOST_END: end }, stdio: ["ignore", "pipe", "pipe"] });
  hostProcess = child;
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = once(child, "exit");
  const reported = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      const parsed = JSON.parse(line) as { pluginPid?: number };
      if (parsed.pluginPid !== undefined) return parsed.pluginPid;
    }
    await exit;
    throw new Error(`the host process exited with ${String(child.exitCode)} before reporting its plugin: ${stderr.join("")}`);
  })();
  pluginPid = await reported;
  // `exited` was listened for from the spawn on: a host that ends by itself may be gone already.
  return { child, exited: exit, pluginPid, stderr };
}

/** The plugin private directories (`cghost-plugin-*`) left in the host's TMPDIR. */
function pluginDirsLeft(): string[] {
  return readdirSync(dir!).filter((name) => name.startsWith("cghost-plugin-"));
}

it("the plugin exits by itself when its host is killed with SIGKILL", async () => {
  const { child, pluginPid: pid } = await startHost("stay");
  expect(isAlive(pid)).toBe(true);
  expect(pluginDirsLeft()).toHaveLength(1);

  const hostExit = once(child, "exit");
  child.kill("SIGKILL");
  const [, signal] = await hostExit;
  expect(signal).toBe("SIGKILL");

  expect(await exitOf(pid), `plugin ${pid} still running 10 s after its host was killed`).toBe(true);
  // Nothing of the host ran after SIGKILL: its private directory is the one thing that stays...
  const [left] = pluginDirsLeft();
  expect(left).toBeDefined();
  expect(readFileSync(join(dir!, left!, "host.pid"), "utf8")).toBe(`${child.pid}\n`);
  // ...until the next launch, which removes the directories of hosts that are gone.
  expect(await removeOrphanedDirs(dir!)).toEqual([left]);
  expect(pluginDirsLeft()).toEqual([]);
});

it("leaves a private directory alone while its host runs, and one without an owner record", async () => {
  const { child, pluginPid: pid } = await startHost("stay");
  try {
    mkdirSync(join(dir!, "cghost-plugin-unrecorded"));
    expect(await removeOrphanedDirs(dir!)).toEqual([]);
    expect(pluginDirsLeft()).toHaveLength(2);
  } finally {
    child.kill("SIGKILL");
    await exitOf(pid);
  }
});

it.each([
  ["dies of an uncaught exception", "throw", 1],
  ["calls process.exit() without closing the host", "exit", 3],
] as const)("when its host %s, the plugin is stopped and its private directory removed", async (_how, end, code) => {
  const { exited, pluginPid: pid, stderr } = await startHost(end);
  const [exitCode] = (await exited) as [number | null];
  expect(exitCode).toBe(code);
  if (end === "throw") expect(stderr.join("")).toContain("an uncaught exception, on purpose");
  // Removed synchronously in the host's 'exit' event, so already gone when its exit is seen.
  expect(pluginDirsLeft()).toEqual([]);
  expect(await exitOf(pid), `plugin ${pid} still running 10 s after its host exited`).toBe(true);
});
