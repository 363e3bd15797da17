// Ids arrive from the network and become file names, so each is checked before any path is built:
// a "../" or "/" in an id would let a request read or delete files outside the data directory.
import { FileDriverError } from "./errors.js";

// Leading alphanumeric: rules out "." and "..", and the dot-prefixed names of our temporary files.
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Returns the id when it is safe as a file name (UUID-like, `[A-Za-z0-9._-]`), else throws INVALID_ARGUMENT naming it. */
export function checkId(what: string, id: string): string {
  if (!SAFE_ID.test(id)) {
    throw new FileDriverError(
      "INVALID_ARGUMENT",
      `${what} ${JSON.stringify(id)} is not a valid id: use 1-128 characters of [A-Za-z0-9._-] starting with a letter or digit (a UUID fits)`,
    );
  }
  return id;
}

/** Checks every id of one list and that none repeats: a repeated id would make the answer malformed. */
export function checkIdList(what: string, ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    checkId(what, id);
    if (seen.has(id)) throw new FileDriverError("INVALID_ARGUMENT", `${what} ${JSON.stringify(id)} appears twice in the request`);
    seen.add(id);
  }
}

/** Returns the message when present, else throws INVALID_ARGUMENT: proto3 messages may arrive unset. */
export function required<T>(what: string, value: T | undefined): T {
  if (value === undefined) throw new FileDriverError("INVALID_ARGUMENT", `the request has no ${what}`);
  return value;
}
