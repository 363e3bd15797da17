// The SQLite schema as numbered steps. A database records the last step applied in
// `PRAGMA user_version`; opening runs the missing steps in one transaction, so a crash mid-upgrade
// leaves the previous version intact. Steps are append-only: never edit one that has shipped,
// add the next number instead (a shipped database has already run the old text).
import type Database from "better-sqlite3";

/** One schema step: `sql` takes a database at `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

// Columns every row table shares in step 1. Part of step 1's text, so frozen with it: a later
// step that changes shared columns writes its own SQL rather than editing this.
const STEP1_COMMON_COLUMNS = `
  project_id TEXT NOT NULL,
  provider_location TEXT,
  provider_id TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT,
  last_error TEXT`;

/** Every schema step, in order; later versions append. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "groups, volumes, cgsnapshots, snapshots and the operation journal",
    sql: `
CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  volume_types TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL CHECK (status IN
    ('creating', 'available', 'error', 'deleting', 'error_deleting', 'updating', 'deleted')),
  source_cgsnapshot_id TEXT,
  source_group_id TEXT,${STEP1_COMMON_COLUMNS}
);

CREATE TABLE volumes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  size_gb INTEGER NOT NULL,
  volume_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('creating', 'available', 'in-use', 'error', 'deleting', 'error_deleting', 'deleted')),
  group_id TEXT REFERENCES groups(id),
  source_id TEXT,${STEP1_COMMON_COLUMNS}
);
-- Listing a group's volumes in insertion order walks this index without sorting: SQLite keeps
-- the rowid as the last key of every index entry.
CREATE INDEX volumes_by_group ON volumes (group_id, created_at);

CREATE TABLE cgsnapshots (
  id TEXT PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES groups(id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('creating', 'available', 'error', 'deleting', 'error_deleting', 'deleted')),${STEP1_COMMON_COLUMNS}
);
CREATE INDEX cgsnapshots_by_group ON cgsnapshots (group_id, created_at);

CREATE TABLE snapshots (
  id TEXT PRIMARY KEY,
  cgsnapshot_id TEXT NOT NULL REFERENCES cgsnapshots(id),
  volume_id TEXT NOT NULL,
  volume_size_gb INTEGER NOT NULL,
  -- Insertion order within the cgsnapshot: create-from-source pairs snapshot i with volume i.
  position INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('creating', 'available', 'error', 'deleting', 'error_deleting', 'deleted')),${STEP1_COMMON_COLUMNS},
  UNIQUE (cgsnapshot_id, position)
);

CREATE TABLE journal (
  operation_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('create_group', 'create_group_from_source', 'delete_group',
    'update_group', 'create_cgsnapshot', 'delete_cgsnapshot')),
  -- No foreign key: create-group journals its group before the row exists.
  group_id TEXT NOT NULL,
  rows TEXT NOT NULL,
  request TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  result TEXT,
  created_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE INDEX journal_by_state ON journal (state, created_at);
`,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` up to the last of `migrations` in one transaction; refuses a database from newer code. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.length;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration at index ${i} has version ${m.version}, expected ${i + 1}`);
  });
  // IMMEDIATE takes the write lock before reading user_version, so two processes opening a new
  // file at once cannot both run step 1 (the second waits, then sees the finished schema).
  db.transaction(() => {
    const current = db.pragma("user_version", { simple: true });
    if (typeof current !== "number") throw new Error(`PRAGMA user_version returned ${String(current)}, expected a number`);
    if (current > latest) {
      throw new Error(
        `database ${db.name} has schema version ${current}, newer than ${latest} known to this cghost; ` +
          `upgrade cghost or open a different file`,
      );
    }
    for (const m of migrations.slice(current)) {
      db.exec(m.sql);
      // user_version lives in the file header and is written by this transaction, so it commits
      // or rolls back together with the step.
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
