// A plugin never outlives its host (proto/README.md, "Lifeline"): a host process killed with
// SIGKILL cannot stop its plugin, yet the plugin exits on its own once descriptor 3 reaches EOF.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, expect, it } from "vitest";
import { isAlive } from "./support/supervised-harness.js";

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

it("the plugin exits by itself when its host is killed with SIGKILL", async () => {
  dir = mkdtempSync(join(tmpdir(), "cghost-killed-host-"));
  // TMPDIR: the host's private plugin directory, which a killed host cannot remove, goes in `dir`.
  const child = spawn(process.execPath, [KILLABLE_HOST], { env: { ...process.env, HOST_DIR: dir, TMPDIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
  hostProcess = child;
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exitedEarly = once(child, "exit").then(([code]) => {
    throw new Error(`the host process exited with ${String(code)} before reporting its plugin: ${stderr.join("")}`);
  });
  const reported = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      const parsed = JSON.parse(line) as { pluginPid?: number };
      if (parsed.pluginPid !== undefined) return parsed.pluginPid;
    }
    throw new Error("the host process closed stdout before reporting its plugin");
  })();
  pluginPid = await Promise.race([reported, exitedEarly]);
  expect(isAlive(pluginPid)).toBe(true);

  const hostExit = once(child, "exit");
  child.kill("SIGKILL");
  const [, signal] = await hostExit;
  expect(signal).toBe("SIGKILL");

  expect(await exitOf(pluginPid), `plugin ${pluginPid} still running 10 s after its host was killed`).toBe(true);
});
