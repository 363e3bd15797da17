// One `cghost serve` per data directory, from its first step: the lock is taken before the store
// opens, refuses a second holder at once (in this process or another), covers a store kept
// outside the data directory, and is let go by a holder that is killed.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ServeLockHeldError, takeServeLock, type ServeLock } from "../host/cli/serve-lock.js";
import { runCli } from "./cli-harness.js";
import { tempDirPerTest } from "./support/temp-dir.js";

const dir = tempDirPerTest("cghost-lock-");
const SERVE_LOCK_JS = join(import.meta.dirname, "..", "dist", "host", "cli", "serve-lock.js");

let held: ServeLock[] = [];
afterEach(() => {
  for (const lock of held) lock.release();
  held = [];
});

function take(dataDir: string, storePath = join(dataDir, "cghost.db")): ServeLock {
  const lock = takeServeLock(dataDir, storePath);
  held.push(lock);
  return lock;
}

describe("the serve lock", () => {
  it("refuses a second holder at once, naming the lock file, and is free again once released", () => {
    const first = take(dir.path);
    expect(first.paths).toEqual([join(dir.path, "serve.lock")]);
    let refused: unknown;
    try {
      take(dir.path);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ServeLockHeldError);
    expect((refused as Error).message).toContain(`another cghost serve is starting or running with ${join(dir.path, "serve.lock")}`);
    first.release();
    first.release(); // twice is harmless
    expect(() => take(dir.path)).not.toThrow();
  });

  it("also locks a store kept outside the data directory, so a second data directory cannot share it", () => {
    const store = join(dir.path, "elsewhere", "cghost.db");
    mkdirSync(join(dir.path, "elsewhere"));
    mkdirSync(join(dir.path, "a"));
    mkdirSync(join(dir.path, "b"));
    expect(take(join(dir.path, "a"), store).paths).toEqual([join(dir.path, "a", "serve.lock"), `${store}.serve-lock`]);
    expect(() => take(join(dir.path, "b"), store)).toThrow(`${store}.serve-lock`);
    // The failed attempt let go of the lock it did get (b's own), so b is free for another store.
    expect(() => take(join(dir.path, "b"))).not.toThrow();
  });

  it("is let go when its holder is killed with SIGKILL", async () => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", `const { takeServeLock } = await import(${JSON.stringify(SERVE_LOCK_JS)}); takeServeLock(process.argv[1], process.argv[1] + "/cghost.db"); console.log("locked"); setInterval(() => {}, 1000);`, dir.path],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the lock holder exited with ${code} before it locked`)));
      });
      expect(() => take(dir.path)).toThrow(ServeLockHeldError);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    expect(() => take(dir.path)).not.toThrow();
  });

  it("makes cghost serve exit 3 before it opens the store or writes anything", async () => {
    const dataDir = join(dir.path, "data");
    mkdirSync(dataDir);
    take(dataDir);
    const result = await runCli(["serve", "--data-dir", dataDir], { TMPDIR: dir.path });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`another cghost serve is starting or running with ${join(dataDir, "serve.lock")}`);
    for (const name of ["cghost.db", "cghost.sock", "serve.json", "file-driver"]) expect(existsSync(join(dataDir, name)), name).toBe(false);
  });
});
