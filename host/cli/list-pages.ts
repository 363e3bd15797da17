// Reads the pages of a paged listing: every page, so list commands show everything however long
// it is, or pages up to a limit.

/** Calls `page` with each next-page token until the server says there is no more. */
export async function listAll<T>(page: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  do {
    const { items, nextPageToken } = await page(token);
    all.push(...items);
    token = nextPageToken;
  } while (token !== "");
  return all;
}

/** Like listAll, but stops once it has `limit` items (the newest of a long journal, say). */
export async function listUpTo<T>(limit: number, page: (pageToken: string, pageSize: number) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const all: T[] = [];
  let token = "";
  do {
    const { items, nextPageToken } = await page(token, Math.min(limit - all.length, 1000));
    all.push(...items);
    token = nextPageToken;
  } while (token !== "" && all.length < limit);
  return all.slice(0, limit);
}
