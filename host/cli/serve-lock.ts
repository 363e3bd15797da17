// One `cghost serve` per data directory (and per store), from its first step to its last. The
// socket probe alone came too late: a server that is still launching its plugin or recovering has
// no socket yet, so a second one started then ran beside it, re-issued the same interrupted
// operations and shared the driver's files.
//
// The lock is an operating-system file lock, so a server that is killed (even with SIGKILL) lets
// go of it with its last breath; no pid file can be left stale. It is taken through SQLite, which
// the host already ships: a small database in EXCLUSIVE locking mode keeps its exclusive lock from
// its first write until it is closed, and SQLite makes two connections of one process exclude
// each other too, which plain POSIX locks would not. The file stays after the server stops:
// removing it could split the lock between a waiting process and a new one.
import { dirname, join, relative, resolve } from "node:path";
import Database from "better-sqlite3";

/** What a server holds while it runs. */
export interface ServeLock {
  /** The lock files held, for messages. */
  readonly paths: readonly string[];
  /** Lets go of every lock; safe to call twice. */
  release(): void;
}

/** Another server holds the lock; `cghost serve` exits 3 with this message. */
export class ServeLockHeldError extends Error {
  readonly code = "ALREADY_SERVING";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The name of the lock file inside a data directory. */
export const LOCK_FILE = "serve.lock";

/**
 * Takes the data directory's lock, and the store's too when the store lives outside the data
 * directory (two servers must not recover the same journal either). Fails at once, never waits.
 */
export function takeServeLock(dataDir: string, storePath: string): ServeLock {
  const paths = [join(resolve(dataDir), LOCK_FILE)];
  const store = resolve(storePath);
  if (relative(resolve(dataDir), dirname(store)).startsWith("..")) paths.push(`${store}.serve-lock`);
  const held: Database.Database[] = [];
  try {
    for (const path of paths) held.push(lockFile(path));
  } catch (error) {
    for (const db of held) db.close();
    throw error;
  }
  let released = false;
  return {
    paths,
    release() {
      if (released) return;
      released = true;
      for (const db of held) db.close();
    },
  };
}

function lockFile(path: string): Database.Database {
  let db: Database.Database;
  try {
    // timeout 0: a lock someone holds is an answer, not something to wait for.
    db = new Database(path, { timeout: 0 });
  } catch (error) {
    throw new Error(`cannot open the lock file ${path}: ${error instanceof Error ? error.message : String(error)}; check the folder's permissions`, { cause: error });
  }
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)");
    // The first write takes the exclusive lock; EXCLUSIVE locking mode keeps it until close.
    db.transaction(() => {
      db.exec("DELETE FROM holder");
      db.prepare("INSERT INTO holder (pid, since) VALUES (?, ?)").run(process.pid, new Date().toISOString());
    }).exclusive();
    return db;
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && (error.code === "SQLITE_BUSY" || error.code === "SQLITE_LOCKED")) {
      throw new ServeLockHeldError(
        path,
        `another cghost serve is starting or running with ${path} (it holds that lock until it exits); ` +
          `stop it first (its pid is in serve.json once it serves), or use another --data-dir`,
      );
    }
    throw new Error(`cannot take the lock ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
