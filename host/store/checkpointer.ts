// Background WAL checkpoints: a worker thread with its own connection copies committed WAL frames
// into the database file, so the store's connection never does it inside a commit.
//
// SQLite's default is to checkpoint inside the commit that takes the WAL past 1,000 pages: on a
// 100,000-volume delete that is ~100 ms of copying and fsync on the event loop, twice, while
// every caller waits (bench/README.md). A PASSIVE checkpoint from another connection needs no
// write lock, so the store's writers go on while it runs; the store's connection then runs with
// wal_autocheckpoint=0. Starting the worker costs ~60 ms of CPU once, which a long-running host
// pays gladly and a short-lived store (a test, a CLI one-shot) need not: it is opt-in.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Slots of the shared control array. */
const STATE = 0;
const RUNS = 1;
const FRAMES = 2;
/** Values of the STATE slot. */
const STARTING = 0;
const RUNNING = 1;
const CLOSED = 2;
const FAILED = 3;

/** How often the worker looks at the WAL. A look with nothing to copy costs a few µs. */
const DEFAULT_INTERVAL_MS = 100;
/** How long close() waits for the worker to close its connection before terminating it. */
const CLOSE_WAIT_MS = 5000;

// The worker's program, run as a CommonJS script (`eval`), so that it is the same whether the
// store runs compiled (dist/) or from its TypeScript sources (the tests). It reports through the
// shared array: its state, how many checkpoints it ran and how many frames the last one copied.
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const control = new Int32Array(workerData.control);
const finish = (state) => { Atomics.store(control, ${STATE}, state); Atomics.notify(control, ${STATE}); };
let db;
let timer;
function checkpoint() {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    Atomics.add(control, ${RUNS}, 1);
    Atomics.store(control, ${FRAMES}, Math.max(0, result.checkpointed));
  } catch (error) {
    clearInterval(timer);
    try { db.close(); } catch {}
    parentPort.postMessage({ failed: String(error && error.message || error) });
    finish(${FAILED});
  }
}
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma("busy_timeout = " + workerData.busyTimeoutMs);
  db.pragma("synchronous = " + workerData.synchronous);
  finish(${RUNNING});
  timer = setInterval(checkpoint, workerData.intervalMs);
  parentPort.on("message", (message) => {
    if (message !== "close" || Atomics.load(control, ${STATE}) !== ${RUNNING}) return;
    clearInterval(timer);
    checkpoint();
    if (Atomics.load(control, ${STATE}) !== ${RUNNING}) return;
    db.close();
    parentPort.close();
    finish(${CLOSED});
  });
} catch (error) {
  try { if (db) db.close(); } catch {}
  parentPort.postMessage({ failed: String(error && error.message || error) });
  finish(${FAILED});
}
`;

/** What the checkpointer has done, for diagnostics and tests. */
export interface CheckpointerStats {
  /** starting: the worker is loading; running; closed; failed: checkpoints went back inline. */
  state: "starting" | "running" | "closed" | "failed";
  /** Checkpoints run so far (most find nothing to copy). */
  runs: number;
  /** WAL frames the last checkpoint left copied into the database file. */
  framesCheckpointed: number;
}

export interface CheckpointerOptions {
  /** The database file (the store's connection has it open in WAL mode). */
  path: string;
  /** PRAGMA synchronous of the store's connection: a checkpoint syncs the way the store does. */
  synchronous: string;
  busyTimeoutMs: number;
  intervalMs?: number;
  /** Called once if the worker fails (cannot open the file, I/O error): the store checkpoints inline again. */
  onFailure(reason: string): void;
  /** For tests: another `require`-able module path in place of better-sqlite3. */
  driver?: string;
}

/** A worker thread checkpointing one database file's WAL until closed. */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private failureHandled = false;
  /** Resolves when the worker's thread has ended (closed, failed or terminated). */
  readonly ended: Promise<void>;

  constructor(options: CheckpointerOptions) {
    const driver = options.driver ?? createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        control: this.control.buffer,
        driver,
        path: options.path,
        synchronous: options.synchronous,
        busyTimeoutMs: options.busyTimeoutMs,
        intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      },
    });
    // The host's lifetime decides, not this thread's: a process that forgets close() still exits.
    this.worker.unref();
    const fail = (reason: string): void => {
      if (this.failureHandled || Atomics.load(this.control, STATE) === CLOSED) return;
      this.failureHandled = true;
      Atomics.store(this.control, STATE, FAILED);
      // A failed worker has closed its connection but still listens: end the thread.
      void this.worker.terminate();
      options.onFailure(reason);
    };
    this.worker.on("message", (message: { failed?: string }) => {
      if (message.failed !== undefined) fail(message.failed);
    });
    this.worker.on("error", (error) => fail(error.message));
    this.ended = new Promise((resolve) => {
      this.worker.once("exit", (code) => {
        fail(`the checkpoint worker exited (code ${code})`);
        resolve();
      });
    });
  }

  /**
   * Whether onFailure has run: from then on the store checkpoints inline. (stats().state may say
   * `failed` a moment earlier, as soon as the worker gives up, before this thread hears of it.)
   */
  get failed(): boolean {
    return this.failureHandled;
  }

  stats(): CheckpointerStats {
    const state = (["starting", "running", "closed", "failed"] as const)[Atomics.load(this.control, STATE)]!;
    return { state, runs: Atomics.load(this.control, RUNS), framesCheckpointed: Atomics.load(this.control, FRAMES) };
  }

  /**
   * Closes the worker's connection and waits for it (synchronously: the store's close() is), so
   * that the store's own close is the last one and removes the WAL. A worker still loading is
   * waited for; one that does not answer within 5 s is terminated.
   */
  close(): void {
    // Waits while the state is `from`; returns the state it changed to, or `from` after 5 s.
    const waitWhile = (from: number): number => {
      const deadline = Date.now() + CLOSE_WAIT_MS;
      for (;;) {
        const state = Atomics.load(this.control, STATE);
        const left = deadline - Date.now();
        if (state !== from || left <= 0) return state;
        Atomics.wait(this.control, STATE, from, left);
      }
    };
    let state = waitWhile(STARTING);
    if (state === RUNNING) {
      this.worker.postMessage("close");
      state = waitWhile(RUNNING);
    }
    if (state === STARTING || state === RUNNING) void this.worker.terminate();
  }
}
