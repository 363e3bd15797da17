// Copying a volume file: a reflink when the file system can share blocks (btrfs, XFS: instant and
// free), else a copy that writes only the non-zero blocks into a pre-sized file, so a mostly empty
// sparse volume stays mostly unallocated. Either way the copy is built under a temporary name and
// renamed into place, so a crash or a cancel never leaves a partial copy under the final name.
import { constants } from "node:fs";
import { copyFile, open, type FileHandle } from "node:fs/promises";
import { publishReplacing, removeQuietly, tempPathFor } from "./atomic-file.js";
import { throwIfAborted } from "./errors.js";

/** How a copy was made. */
export type CopyMethod = "reflink" | "sparse";

/** Options of copyVolumeFile. */
export interface CopyOptions {
  /** Abandons the copy between chunks when it fires (the call's deadline or cancel). */
  signal?: AbortSignal;
  /** Grows the copy to at least this many bytes (a target volume larger than its source). */
  minimumSize?: number;
  /** Tries a reflink first; false forces the block copy (tests use it to exercise that path). Default true. */
  reflink?: boolean;
}

// Blocks of this size that are all zero are skipped (left as holes); 4 KiB is the usual file
// system block, the smallest hole a file can have.
const BLOCK = 4096;
// Bytes read per system call; a whole number of blocks.
const CHUNK = 1024 * 1024;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

/** Copies `source` to `target` (replacing it atomically) and says how; throws ENOENT when `source` is missing. */
export async function copyVolumeFile(source: string, target: string, options: CopyOptions = {}): Promise<CopyMethod> {
  throwIfAborted(options.signal, `copying ${source}`);
  const temp = tempPathFor(target);
  try {
    const method = await copyToTemp(source, temp, options);
    await publishReplacing(temp, target);
    return method;
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
}

async function copyToTemp(source: string, temp: string, options: CopyOptions): Promise<CopyMethod> {
  if (options.reflink !== false) {
    try {
      await copyFile(source, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE);
      await finish(temp, options.minimumSize);
      return "reflink";
    } catch {
      // No reflink here (ext4, tmpfs, across file systems: ENOTSUP/EXDEV) or the source is missing;
      // the block copy below reports a missing source with its own, clearer ENOENT.
      await removeQuietly(temp);
    }
  }
  await sparseCopy(source, temp, options);
  return "sparse";
}

/** Grows a finished copy to its minimum size and flushes it before it is published. */
async function finish(path: string, minimumSize: number | undefined): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    if (minimumSize !== undefined && minimumSize > size) await handle.truncate(minimumSize);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function sparseCopy(source: string, temp: string, options: CopyOptions): Promise<void> {
  const input = await open(source, "r");
  try {
    const output = await open(temp, "wx", 0o644);
    try {
      const { size } = await input.stat();
      // Sizing first makes every skipped block a hole that reads back as zeros.
      await output.truncate(Math.max(size, options.minimumSize ?? 0));
      const buffer = Buffer.allocUnsafe(CHUNK);
      let position = 0;
      while (position < size) {
        throwIfAborted(options.signal, `copying ${source}`);
        const { bytesRead } = await input.read(buffer, 0, Math.min(CHUNK, size - position), position);
        if (bytesRead === 0) break; // the source shrank under us; the rest stays a hole
        await writeNonZeroRuns(output, buffer.subarray(0, bytesRead), position);
        position += bytesRead;
      }
      await output.sync();
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** Writes each run of consecutive non-zero blocks of `chunk` at its offset, skipping all-zero blocks. */
async function writeNonZeroRuns(output: FileHandle, chunk: Buffer, chunkOffset: number): Promise<void> {
  let runStart = -1;
  for (let offset = 0; offset < chunk.length; offset += BLOCK) {
    const block = chunk.subarray(offset, offset + BLOCK);
    const isData = !block.equals(ZERO_BLOCK.subarray(0, block.length));
    if (isData && runStart < 0) runStart = offset;
    if (!isData && runStart >= 0) {
      await writeFully(output, chunk.subarray(runStart, offset), chunkOffset + runStart);
      runStart = -1;
    }
  }
  if (runStart >= 0) await writeFully(output, chunk.subarray(runStart), chunkOffset + runStart);
}

/** Writes all of `data` at `position`, looping over short writes. */
async function writeFully(output: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await output.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
