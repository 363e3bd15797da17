// groups/<groupId>.json: what the driver knows of a group. The host's database is the source of
// truth for membership; this record lets an operator (and the driver) see which volume files
// belong together, and where a cloned group came from.
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-file.js";
import { errnoCode } from "./errors.js";

/** The content of a group record. */
export interface GroupRecord {
  format: 1;
  id: string;
  /** Volume ids currently in the group. */
  members: string[];
  /** Volume ids that left the group; their files are kept, as the volumes still exist. */
  departed: string[];
  /** What the group was cloned from, for a group made by CreateConsistencyGroupFromSource. */
  source?: { kind: "cgsnapshot" | "group"; id: string };
  updatedAt: string;
}

/** Reads a group record; undefined when there is none. */
export async function readGroupRecord(path: string): Promise<GroupRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as GroupRecord;
}

/** Writes a group record atomically, stamping the time. */
export async function writeGroupRecord(path: string, record: Omit<GroupRecord, "format" | "updatedAt">): Promise<void> {
  const full: GroupRecord = { format: 1, ...record, updatedAt: new Date().toISOString() };
  await writeFileAtomic(path, `${JSON.stringify(full, null, 2)}\n`);
}
