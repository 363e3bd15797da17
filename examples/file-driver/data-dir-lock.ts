// One file driver per data directory. Two drivers on one directory would each sweep the other's
// temporary files at start-up and race on the same records; a sidecar started twice by mistake, or
// beside a host-launched child, must be refused, saying who holds the directory.
//
// The lock is a pid file, DIR/driver.pid, created exclusively. A driver that exits removes it; one
// that was killed leaves it behind, and the next start replaces it once no live file driver has
// that pid.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The data directory is held by another live file driver. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
}

const LOCK_FILE = "driver.pid";

/**
 * Takes DIR/driver.pid for this process (DIR must exist) until it exits; throws DataDirInUseError
 * naming the holder when a live file driver has it. Returns a function that releases it now.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = holderOf(path);
      if (holder !== undefined && holder !== process.pid && isFileDriver(holder)) {
        throw new DataDirInUseError(
          `the data directory ${dataDir} is in use by another file driver (pid ${holder}); stop it, or give this one another --data-dir`,
        );
      }
      // Left by a driver that was killed (or by this very process): take it over.
      unlinkSync(path);
      continue;
    }
    const release = (): void => {
      if (holderOf(path) === process.pid) unlinkSync(path);
    };
    process.once("exit", release);
    return () => {
      process.off("exit", release);
      release();
    };
  }
  throw new DataDirInUseError(`the data directory ${dataDir}: another file driver took ${LOCK_FILE} at the same moment; try again`);
}

function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether pid is a live process running a file driver (by its command line, where Linux shows it). */
function isFileDriver(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    // A reused pid belongs to some other program: its command line names no file driver.
    return /file-driver/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return true; // alive, and no /proc to look closer: assume it holds the directory
  }
}
