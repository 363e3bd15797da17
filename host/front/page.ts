// Paging of list answers, so a long listing never exceeds a gRPC message limit (4 MiB by default
// in most clients: about 54,000 small rows). The token is an opaque offset into the listing.
import { HostError } from "../manager/errors.js";

/** Rows per page when the request says 0. */
export const DEFAULT_PAGE_SIZE = 1000;
/** The most rows one page may hold. */
export const MAX_PAGE_SIZE = 10_000;

const TOKEN_PREFIX = "o:";

/** One page of `rows` as the request asks, and the token of the next page ("" on the last). */
export function pageOf<T>(rows: readonly T[], request: { pageSize: number; pageToken: string }): { items: T[]; nextPageToken: string } {
  const size = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new HostError("INVALID_ARGUMENT", `page_size ${request.pageSize} must be from 0 (meaning ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}`);
  }
  const offset = request.pageToken === "" ? 0 : decodeToken(request.pageToken);
  const end = offset + size;
  return { items: rows.slice(offset, end), nextPageToken: end < rows.length ? encodeToken(end) : "" };
}

function encodeToken(offset: number): string {
  return Buffer.from(`${TOKEN_PREFIX}${offset}`).toString("base64url");
}

function decodeToken(token: string): number {
  const text = Buffer.from(token, "base64url").toString();
  const offset = text.startsWith(TOKEN_PREFIX) ? Number(text.slice(TOKEN_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new HostError("INVALID_ARGUMENT", `page_token ${JSON.stringify(token)} is not one this server gave; start again with an empty token`);
  }
  return offset;
}
