// Paging of the front API's lists (host/front/page.ts): every wanted row exactly once across the
// pages, even when rows are deleted or added between pages; pages kept under a byte budget; and
// tokens this server did not write refused; the same for a listing read a page at a time (pageByKey).
import { describe, expect, it } from "vitest";
import { MAX_PAGE_SIZE, PAGE_BUDGET_BYTES, pageByKey, pageOf } from "../host/front/page.js";
import { HostError } from "../host/manager/errors.js";

interface Row {
  id: string;
  deletedAt: string | null;
  bytes?: number;
}

const live = { wanted: (r: Row) => r.deletedAt === null, toMessage: (r: Row) => r, encodedSize: (r: Row) => r.bytes ?? 100 };

function rows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({ id: `r${i}`, deletedAt: null }));
}

/** Every page of `all` at `pageSize`, calling `between` after each page. */
function pages(all: Row[], pageSize: number, between: (page: number) => void = () => undefined): string[][] {
  const seen: string[][] = [];
  let pageToken = "";
  do {
    const page = pageOf(all, { pageSize, pageToken }, live);
    seen.push(page.items.map((r) => r.id));
    pageToken = page.nextPageToken;
    between(seen.length);
  } while (pageToken !== "" && seen.length < 100);
  return seen;
}

describe("pageOf", () => {
  it("gives every wanted row once, in order, and an empty token on the last page", () => {
    const all = rows(7);
    all[2]!.deletedAt = "2026-12-01T00:00:00Z";
    expect(pages(all, 3)).toEqual([["r0", "r1", "r3"], ["r4", "r5", "r6"]]);
    expect(pageOf(rows(3), { pageSize: 3, pageToken: "" }, live).nextPageToken).toBe("");
    expect(pageOf([], { pageSize: 0, pageToken: "" }, live)).toEqual({ items: [], nextPageToken: "" });
  });

  it("neither hides nor repeats a row when rows are deleted or added between pages", () => {
    const all = rows(9);
    const seen = pages(all, 3, (page) => {
      if (page === 1) all[0]!.deletedAt = "2026-12-01T00:00:00Z"; // the first row given
      if (page === 2) all.push({ id: "r9", deletedAt: null }); // a new row, at the end
    });
    expect(seen.flat()).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]);
  });

  it("keeps a page under the byte budget, with at least one row however large", () => {
    const all = rows(5).map((r) => ({ ...r, bytes: PAGE_BUDGET_BYTES / 2 }));
    expect(pages(all, 5)).toEqual([["r0", "r1"], ["r2", "r3"], ["r4"]]);
    const huge = rows(2).map((r) => ({ ...r, bytes: PAGE_BUDGET_BYTES * 2 }));
    expect(pages(huge, 5)).toEqual([["r0"], ["r1"]]);
  });

  it.each([
    ["garbage", "not-a-token"],
    ["the old offset form", Buffer.from("o:3").toString("base64url")],
    ["a row not in this listing", Buffer.from("after:elsewhere").toString("base64url")],
    ["an empty row id", Buffer.from("after:").toString("base64url")],
    ["a non-canonical encoding", `${Buffer.from("after:r1").toString("base64url")}=`],
  ])("refuses a token of %s, naming it", (_what, pageToken) => {
    let error: unknown;
    try {
      pageOf(rows(3), { pageSize: 2, pageToken }, live);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).code).toBe("INVALID_ARGUMENT");
    expect((error as HostError).message).toContain(`page_token ${JSON.stringify(pageToken)} is not one this server gave`);
  });

  it("refuses a page size outside 0 to the maximum", () => {
    for (const pageSize of [-1, MAX_PAGE_SIZE + 1, 1.5]) {
      expect(() => pageOf(rows(1), { pageSize, pageToken: "" }, live)).toThrow(`page_size ${pageSize} must be from 0`);
    }
  });
});

describe("pageByKey (a listing read a page at a time: the journal)", () => {
  // Newest first, like the journal: the rows after `after` are those below it.
  const journal: Array<{ id: string; bytes: number }> = Array.from({ length: 7 }, (_, i) => ({ id: `op${9 - i}`, bytes: 100 }));
  const reads: Array<{ after: string | undefined; limit: number }> = [];
  const read = (after: string | undefined, limit: number): Entry[] => {
    reads.push({ after, limit });
    return journal.filter((r) => after === undefined || r.id < after).slice(0, limit);
  };
  type Entry = { id: string; bytes: number };
  const shape = { idOf: (r: Entry) => r.id, toMessage: (r: Entry): Entry => r, encodedSize: (r: Entry) => r.bytes };

  it("gives each row once across the pages, reading one row more than a page to know whether more follow", () => {
    const seen: string[][] = [];
    let pageToken = "";
    reads.length = 0;
    do {
      const page = pageByKey({ pageSize: 3, pageToken }, read, shape);
      seen.push(page.items.map((r) => r.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && seen.length < 10);
    expect(seen).toEqual([["op9", "op8", "op7"], ["op6", "op5", "op4"], ["op3"]]);
    expect(reads).toEqual([
      { after: undefined, limit: 4 },
      { after: "op7", limit: 4 },
      { after: "op4", limit: 4 },
    ]);
    // A listing that ends exactly at a page's end gives an empty token, not an empty page after it.
    expect(pageByKey({ pageSize: 7, pageToken: "" }, read, shape).nextPageToken).toBe("");
  });

  it("keeps a page under the byte budget, and refuses what pageOf refuses", () => {
    const big = (after: string | undefined, limit: number) => read(after, limit).map((r) => ({ ...r, bytes: PAGE_BUDGET_BYTES / 2 }));
    const first = pageByKey({ pageSize: 5, pageToken: "" }, big, shape);
    expect(first.items.map((r) => r.id)).toEqual(["op9", "op8"]);
    expect(pageByKey({ pageSize: 5, pageToken: first.nextPageToken }, big, shape).items.map((r) => r.id)).toEqual(["op7", "op6"]);
    expect(() => pageByKey({ pageSize: MAX_PAGE_SIZE + 1, pageToken: "" }, read, shape)).toThrow(`page_size ${MAX_PAGE_SIZE + 1} must be from 0`);
    expect(() => pageByKey({ pageSize: 2, pageToken: "garbage" }, read, shape)).toThrow('page_token "garbage" is not one this server gave');
  });
});
