// Paging of list answers. A page holds at most page_size rows and at most PAGE_BUDGET_BYTES of
// encoded rows, so no answer nears the 4 MiB a gRPC client accepts by default, whatever the rows
// hold. The token names the last row given (opaque to clients): the next page starts after that
// row in the listing with soft-deleted rows included, whose order never changes (rows are only
// added, and a deleted row keeps its place), so a row deleted or added between pages neither
// hides another nor repeats one.
import { HostError } from "../manager/errors.js";

/** Rows per page when the request says 0. */
export const DEFAULT_PAGE_SIZE = 1000;
/** The most rows one page may hold. */
export const MAX_PAGE_SIZE = 10_000;
/** The most encoded bytes of rows one page may hold: 3 MiB, under the usual 4 MiB client limit. */
export const PAGE_BUDGET_BYTES = 3 * 1024 * 1024;

const TOKEN_PREFIX = "after:";

/** How to turn the rows of a listing into a page of messages. */
export interface PageShape<R, M> {
  /** Whether a row belongs in the answer (false for a soft-deleted row unless deleted ones were asked for). */
  wanted(row: R): boolean;
  toMessage(row: R): M;
  /** The encoded size of a message, in bytes. */
  encodedSize(message: M): number;
}

/**
 * One page of `rows` (every row of the listing in its order, soft-deleted ones included) as the
 * request asks, and the token of the next page ("" on the last).
 */
export function pageOf<R extends { id: string }, M>(
  rows: readonly R[],
  request: { pageSize: number; pageToken: string },
  shape: PageShape<NoInfer<R>, M>,
): { items: M[]; nextPageToken: string } {
  const size = pageSizeOf(request.pageSize);
  let start = 0;
  if (request.pageToken !== "") {
    const after = lastIdOf(request.pageToken);
    const at = rows.findIndex((row) => row.id === after);
    if (at < 0) throw badToken(request.pageToken);
    start = at + 1;
  }
  const { items, last, next } = fill(rows, start, size, shape);
  let more = false;
  for (let j = next; last !== undefined && j < rows.length && !more; j++) more = shape.wanted(rows[j]!);
  return { items, nextPageToken: more ? tokenAfter(last!.id) : "" };
}

/**
 * One page of a listing read a page at a time, for one too long to read whole (the journal):
 * `read(after, limit)` gives at most `limit` rows following the row `after` (from the start when
 * undefined), in the listing's order. Same sizes, byte budget and tokens as pageOf.
 */
export function pageByKey<R, M>(
  request: { pageSize: number; pageToken: string },
  read: (after: string | undefined, limit: number) => readonly R[],
  shape: { idOf(row: R): string; toMessage(row: R): M; encodedSize(message: M): number },
): { items: M[]; nextPageToken: string } {
  const size = pageSizeOf(request.pageSize);
  const after = request.pageToken === "" ? undefined : lastIdOf(request.pageToken);
  // One row more than the page: whether there is a next page without another read.
  const rows = read(after, size + 1);
  const { items, last, next } = fill(rows, 0, size, { wanted: () => true, ...shape });
  return { items, nextPageToken: last !== undefined && next < rows.length ? tokenAfter(shape.idOf(last)) : "" };
}

/**
 * The messages of the wanted rows from `start`: at most `size`, and at most PAGE_BUDGET_BYTES but
 * at least one, however large, so paging always moves on. Also the last row taken, and the index
 * where the next page starts looking.
 */
function fill<R, M>(
  rows: readonly R[],
  start: number,
  size: number,
  shape: Pick<PageShape<R, M>, "wanted" | "toMessage" | "encodedSize">,
): { items: M[]; last: R | undefined; next: number } {
  const items: M[] = [];
  let bytes = 0;
  let last: R | undefined;
  let i = start;
  for (; i < rows.length; i++) {
    const row = rows[i]!;
    if (!shape.wanted(row)) continue;
    if (items.length === size) break;
    const message = shape.toMessage(row);
    const rowBytes = shape.encodedSize(message);
    if (items.length > 0 && bytes + rowBytes > PAGE_BUDGET_BYTES) break;
    items.push(message);
    bytes += rowBytes;
    last = row;
  }
  return { items, last, next: i };
}

/** The rows a page may hold: page_size, 0 meaning the default; refused outside 0 to the maximum. */
function pageSizeOf(pageSize: number): number {
  const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new HostError("INVALID_ARGUMENT", `page_size ${pageSize} must be from 0 (meaning ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** The token of the page that follows the row `id`. */
function tokenAfter(id: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${id}`).toString("base64url");
}

function lastIdOf(token: string): string {
  const text = Buffer.from(token, "base64url").toString();
  // Round-tripped, so that only tokens this server could have written are taken.
  if (!text.startsWith(TOKEN_PREFIX) || text.length === TOKEN_PREFIX.length || Buffer.from(text).toString("base64url") !== token) throw badToken(token);
  return text.slice(TOKEN_PREFIX.length);
}

function badToken(token: string): HostError {
  return new HostError(
    "INVALID_ARGUMENT",
    `page_token ${JSON.stringify(token)} is not one this server gave for this listing; start again with an empty token`,
  );
}
