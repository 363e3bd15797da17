// Reads every page of a paged listing, so list commands show everything however long it is.

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
