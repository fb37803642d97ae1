// Private: the one way scene, texture and other asset files are read, so that no file can
// make a long-running program block or run out of memory.

import type { FileHandle } from "node:fs/promises";
import { abortable } from "./_abortable.ts";
import { reason, rewrap } from "../_errors.ts";
import { abortError, throwIfAborted } from "../_abort.ts";

/** Options for {@linkcode readBoundedFile}. */
export interface ReadBoundedFileOptions {
  /** The most bytes the file may hold (see `limits.ts`). */
  limit: number;
  /** How messages name the file, e.g. `scene file "a.json"`. */
  what: string;
  /** Aborting rejects at once with the signal's reason and closes the file. */
  signal?: AbortSignal;
}

/** Bytes read per call, so an abort is noticed between them. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The bytes of `path`, which must be a regular file of at most `limit` bytes.
 *
 * The file is checked with `stat` before it is opened, so a folder, a device (`/dev/zero`), a
 * FIFO or an oversize file is refused at once, without opening it. It is then opened with
 * `O_NONBLOCK` (so a FIFO swapped in after the `stat` cannot block the open until a writer
 * comes), checked again through the open handle, and read in chunks up to `limit + 1` bytes,
 * so a file that grows meanwhile is refused too rather than read without end.
 *
 * @throws {Deno.errors.NotFound | Deno.errors.PermissionDenied | Deno.errors.NotCapable} and the
 * like, from the file system, as `cannot read <what>: <reason>`.
 * @throws {Deno.errors.IsADirectory} A folder.
 * @throws {TypeError} A device, a FIFO or a socket.
 * @throws {RangeError} More than `limit` bytes, naming the size and the limit.
 * @throws The signal's reason when it aborts.
 */
export async function readBoundedFile(
  path: string,
  options: ReadBoundedFileOptions,
): Promise<Uint8Array> {
  const { limit, what, signal } = options;
  throwIfAborted(signal, "loading the scene");
  const info = await abortable(stat(path, what), signal);
  checkInfo(info, limit, what);
  const file = await abortable(
    openNonBlocking(path).catch((error) => {
      throw rewrap(error, `cannot read ${what}: ${reason(error)}`);
    }),
    signal,
    (late) => void late.close().catch(() => {}),
  );
  try {
    const handleInfo = await abortable(file.stat(), signal);
    // What was opened must be a regular file within the limit, whatever the path names now.
    checkInfo(
      {
        isFile: handleInfo.isFile(),
        isDirectory: handleInfo.isDirectory(),
        isFifo: handleInfo.isFIFO(),
        isCharDevice: handleInfo.isCharacterDevice(),
        isBlockDevice: handleInfo.isBlockDevice(),
        isSocket: handleInfo.isSocket(),
        size: handleInfo.size,
      },
      limit,
      what,
    );
    let buffer = new Uint8Array(Math.min(handleInfo.size, limit) + 1);
    let length = 0;
    for (;;) {
      throwIfAborted(signal, "loading the scene");
      if (length === buffer.length) {
        if (length > limit) break;
        const grown = new Uint8Array(Math.min(buffer.length * 2, limit + 1));
        grown.set(buffer);
        buffer = grown;
      }
      const chunk = Math.min(buffer.length - length, CHUNK_BYTES);
      const { bytesRead } = await abortable(
        file.read(buffer, length, chunk, null).catch((error) => {
          throw rewrap(error, `cannot read ${what}: ${reason(error)}`);
        }),
        signal,
      );
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw tooLarge(what, `more than ${limit}`, limit);
    return buffer.subarray(0, length);
  } finally {
    await file.close().catch(() => {});
  }
}

/** Opens for reading without waiting for a writer, should the path have become a FIFO. */
async function openNonBlocking(path: string): Promise<FileHandle> {
  // Imported here, not at the top: Deno sets its Node file system up on first import
  // (~15 ms), which a CLI run then spends while its workers start, not before.
  const [{ constants }, { open }] = await Promise.all([
    import("node:fs"),
    import("node:fs/promises"),
  ]);
  // O_NONBLOCK is undefined on Windows, which has no FIFOs in the file system.
  return open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
}

async function stat(path: string, what: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    throw rewrap(error, `cannot read ${what}: ${reason(error)}`);
  }
}

/** What {@linkcode checkInfo} looks at, from `Deno.stat` or an open handle's `stat`. */
interface Kind {
  isFile: boolean;
  isDirectory: boolean;
  isFifo: boolean | null;
  isCharDevice: boolean | null;
  isBlockDevice: boolean | null;
  isSocket: boolean | null;
  size: number;
}

function checkInfo(info: Kind, limit: number, what: string): void {
  if (info.isDirectory) {
    throw new Deno.errors.IsADirectory(`cannot read ${what}: Is a directory`);
  }
  if (!info.isFile) {
    throw new TypeError(
      `cannot read ${what}: it is ${kindOf(info)}, not a regular file`,
    );
  }
  if (info.size > limit) throw tooLarge(what, String(info.size), limit);
}

function kindOf(info: Kind): string {
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "a special file";
}

function tooLarge(what: string, size: string, limit: number): RangeError {
  return new RangeError(
    `cannot read ${what}: it is ${size} bytes, more than the limit of ${limit} bytes${
      limit % 2 ** 20 === 0 ? ` (${limit / 2 ** 20} MiB)` : ""
    }`,
  );
}

/**
 * Reads one of a scene's asset files, `file` (written `written` in the scene, at `jsonPath`;
 * `kind` says what it is: texture, mesh, environment) through {@linkcode readBoundedFile}.
 * An abort rejects as loading the scene does; any other failure is one line starting with the
 * JSON path. Returns the bytes and the label the caller's own messages use.
 */
export async function readSceneAsset(
  kind: string,
  written: string,
  jsonPath: string,
  file: string,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Uint8Array; which: string }> {
  const which = `${kind} ${JSON.stringify(written)} (${JSON.stringify(file)})`;
  try {
    return {
      bytes: await readBoundedFile(file, { limit, what: which, signal }),
      which,
    };
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
}
