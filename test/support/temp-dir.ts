// A fresh temporary directory for every test of a file, and the handles a test opened in it
// (stores, connections, checkpointers): closed after the test, on failure too, before the
// directory is removed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

export interface TempDirPerTest {
  /** The current test's directory. */
  readonly path: string;
  /** Closes `handle` after the current test, before its directory is removed; returns it. */
  track<T extends { close(): void }>(handle: T): T;
}

/** Registers the hooks; call at the top level of a test file. */
export function tempDirPerTest(prefix: string): TempDirPerTest {
  let path = "";
  let opened: Array<{ close(): void }> = [];
  beforeEach(() => {
    path = mkdtempSync(join(tmpdir(), prefix));
    opened = [];
  });
  afterEach(() => {
    try {
      for (const handle of opened) handle.close();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
  return {
    get path() {
      return path;
    },
    track(handle) {
      opened.push(handle);
      return handle;
    },
  };
}
