// Every file the driver publishes is first written under a temporary name in the same directory and
// then renamed (or linked) into place: rename is atomic within one file system, so a crash leaves
// either the old file, the new one, or a stray temporary name, never a half-written final name.
import { randomBytes } from "node:crypto";
import { open, link, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { errnoCode } from "./errors.js";

// Temporary names start with a dot, which no valid id can (ids.ts), so they never collide with a
// final name and a sweep can recognise them.
const TEMP_MARKER = ".tmp-";

/** A fresh temporary path beside `finalPath`, unique to this process and call. */
export function tempPathFor(finalPath: string): string {
  const unique = `${process.pid}-${randomBytes(6).toString("hex")}`;
  return join(dirname(finalPath), `.${basename(finalPath)}${TEMP_MARKER}${unique}`);
}

/** Flushes a directory's entries so a rename survives power loss, not only a process crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `path` atomically and durably (temporary file, fsync, rename, directory fsync). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Moves a finished temporary file onto `path`, replacing what is there, and makes it durable. */
export async function publishReplacing(temp: string, path: string): Promise<void> {
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/**
 * Moves a finished temporary file onto `path` only if nothing is there yet; returns false (and
 * drops the temporary file) when `path` already exists. link(2) fails on an existing target,
 * which makes "create if missing" race-free where a stat-then-rename would not be.
 */
export async function publishIfAbsent(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw error;
  } finally {
    await removeQuietly(temp);
  }
  await syncDirectory(dirname(path));
  return true;
}

/** Deletes a file, ignoring every error: for cleaning up temporaries on a path that already failed. */
export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Removes the temporary files a crashed earlier process left in `dir`; returns how many. */
export async function sweepTemporaries(dir: string): Promise<number> {
  const names = await readdir(dir);
  const stale = names.filter((name) => name.startsWith(".") && name.includes(TEMP_MARKER));
  await Promise.all(stale.map((name) => removeQuietly(join(dir, name))));
  return stale.length;
}
