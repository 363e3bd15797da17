// A launched plugin's private directory (its socket, under TMPDIR) is removed when the plugin
// stops, and when the host process exits; a host killed with SIGKILL runs no code at all, so its
// directory stays. Each directory therefore records its host's pid, and the next launch on the
// machine removes those whose host is gone. A directory without the record (being created, or
// from an older cghost), one whose host still runs, and one with a socket that still answers (a
// host in another pid namespace sharing TMPDIR) are left alone.
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { socketAnswers } from "./socket-probe.js";

/** The prefix of every launch's private directory under TMPDIR. */
export const PRIVATE_DIR_PREFIX = "cghost-plugin-";
const OWNER_FILE = "host.pid";

/** Records this process as the owner of a private directory it just made. */
export async function recordOwner(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
}

/** Removes the private directories under `parent` whose recorded host is no longer running; returns their names. */
export async function removeOrphanedDirs(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(PRIVATE_DIR_PREFIX))) {
    const owner = await readFile(join(parent, name, OWNER_FILE), "utf8").then(
      (text) => Number(text.trim()),
      () => undefined,
    );
    if (owner === undefined || !Number.isSafeInteger(owner) || owner <= 0 || running(owner)) continue;
    if (await answeringSocketIn(join(parent, name))) continue;
    await rm(join(parent, name), { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined, // another user's, or being removed by someone else: not ours to insist on
    );
  }
  return removed;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a socket in `dir` accepts a connection (its plugin still runs). */
async function answeringSocketIn(dir: string): Promise<boolean> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (!(await stat(path).then((s) => s.isSocket(), () => false))) continue;
    if (await socketAnswers(path)) return true;
  }
  return false;
}
