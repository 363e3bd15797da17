// A volume is a sparse file: ftruncate gives it its full size without allocating blocks, so a
// 10 GiB volume costs nothing on disk until something writes to it.
import { open } from "node:fs/promises";
import { publishIfAbsent, removeQuietly, tempPathFor } from "./atomic-file.js";

/** Creates a sparse file of `sizeBytes` at `path` unless one exists; returns whether it created it. */
export async function createSparseFileIfMissing(path: string, sizeBytes: number): Promise<boolean> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.truncate(sizeBytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
  // An existing file is left as it is, whatever its size: it may hold the volume's data.
  return publishIfAbsent(temp, path);
}
