// The life of one launched plugin process: its exit, its lifeline (descriptor 3), its private
// directory, and stopping it. Signals go to the child's process group, and never after its exit
// was seen: by then the pid may belong to another process.
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The children not yet stopped. If the host process ends without stopping them (an uncaught
 * exception, process.exit()), one 'exit' listener, there while any is live, asks each plugin's
 * group to stop and removes its private directory, synchronously: nothing asynchronous runs once
 * 'exit' is emitted. (SIGKILL leaves no chance: the plugin then sees its lifeline close and exits,
 * and only the directory stays.)
 */
const live = new Set<LaunchedChild>();

function stopLiveChildrenNow(): void {
  for (const child of live) child.stopNow();
}

function forget(child: LaunchedChild): void {
  if (live.delete(child) && live.size === 0) process.removeListener("exit", stopLiveChildrenNow);
}

/** A spawned plugin process (with `detached: true`, so it leads its own process group). */
export class LaunchedChild {
  readonly pid: number;
  /** Resolves once the child's 'exit' event was seen. */
  readonly exited: Promise<ChildExit>;
  private exit: ChildExit | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    child: ChildProcess & { pid: number },
    /** The parent's end of descriptor 3: open while the host wants the plugin alive. */
    private readonly lifeline: Duplex,
    /** The private directory holding the socket; removed after the child is gone. */
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    live.add(this);
    if (live.size === 1) process.on("exit", stopLiveChildrenNow);
  }

  /** The exit once seen, else undefined (still running, or its exit not yet reported). */
  get exitStatus(): ChildExit | undefined {
    return this.exit;
  }

  /** Whether stop() was called: an exit after it is expected, not a crash. */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Stops the child: SIGTERM to its group, SIGKILL after `graceMs` if it is still running; then
   * closes the lifeline and removes the private directory. Idempotent; resolves after the exit.
   */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.stopOnce(graceMs);
    return this.stopping;
  }

  private async stopOnce(graceMs: number): Promise<void> {
    if (!this.exit) {
      this.signalGroup("SIGTERM");
      const graceful = await this.exitWithin(graceMs);
      if (!graceful) {
        this.logger.warn({ graceMs }, "plugin still running after SIGTERM and the grace period; sending SIGKILL");
        this.signalGroup("SIGKILL");
        await this.exited;
      }
    }
    this.lifeline.destroy();
    forget(this);
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * For the host process's exit: asks the child's group to stop and removes the directory,
   * synchronously; best effort, as nothing can report a failure any more.
   */
  stopNow(): void {
    try {
      this.signalGroup("SIGTERM");
    } catch {
      // EPERM and the like: the lifeline's end-of-file still tells the plugin.
    }
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // A directory that cannot be removed now stays, as after SIGKILL.
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.exit) return;
    try {
      // The negative pid addresses the whole group: helpers the plugin started stop with it.
      process.kill(-this.pid, signal);
    } catch (error) {
      // ESRCH: the group is already gone and its 'exit' is on its way.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }

  private async exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
