/**
 * Writing a file so that it appears whole or not at all: the bytes go to a temporary file
 * beside the target, which is renamed over it only once complete. Rename within one folder
 * is atomic, so a reader, a crash or an interruption never sees half an image, and a file
 * already at the path stays as it was until the new one replaces it.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { fileError } from "../_errors.ts";
import { throwIfAborted } from "../_abort.ts";

/**
 * A fresh temporary path beside `path`: `.<name>.<random>.tmp` in the same folder (hidden, and
 * on the same file system, so the final rename is atomic).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { temporaryPathFor } from "./atomic_write.ts";
 * const temp = temporaryPathFor("out/image.png");
 * assert.ok(/^out\/\.image\.png\.[0-9a-f]{12}\.tmp$/.test(temp));
 * ```
 */
export function temporaryPathFor(path: string): string {
  const random = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
  return join(dirname(path), `.${basename(path)}.${random}.tmp`);
}

/** Options for {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Aborting stops the write before the rename; the temporary file is removed. */
  signal?: AbortSignal;
}

/**
 * Writes `data` to `path` atomically. On any failure or abort the temporary file is removed,
 * the error (or the signal's reason) is thrown, and whatever was at `path` is untouched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_write.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * await writeFileAtomic(`${folder}/hello.txt`, new TextEncoder().encode("hello\n"));
 * assert.equal(await Deno.readTextFile(`${folder}/hello.txt`), "hello\n");
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeAtomically(path, (write) => write(data), options);
}

/**
 * Writes `path` atomically with bytes produced as they come: `produce` gets a `write`
 * function (each call awaited before the next) and what it resolves with is returned once the
 * file is complete, on disk and renamed into place. If `produce` or a write rejects, or the
 * signal aborts (checked before every write and before the rename), the temporary file is
 * removed, the error (or the signal's reason) is thrown, and whatever was at `path` is
 * untouched. This is how a PNG larger than memory is written: band by band, never whole.
 *
 * A file-system error names the target and keeps its class: a full disk gives
 * `cannot write out/huge.png: No space left on device`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAtomically } from "./atomic_write.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * const lines = await writeAtomically(`${folder}/count.txt`, async (write) => {
 *   for (const line of ["one\n", "two\n"]) await write(new TextEncoder().encode(line));
 *   return 2;
 * });
 * assert.equal(lines, 2);
 * assert.equal(await Deno.readTextFile(`${folder}/count.txt`), "one\ntwo\n");
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function writeAtomically<T>(
  path: string,
  produce: (write: (bytes: Uint8Array) => Promise<void>) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  const { signal } = options;
  throwIfAborted(signal, "writing the image");
  const temporary = temporaryPathFor(path);
  // Errors name the file the user asked for, not the temporary one beside it.
  const failed = (error: unknown) => fileError("write", path, error);
  // createNew: never clobber a file that happens to have the same name.
  const file = await Deno.open(temporary, { write: true, createNew: true })
    .catch((error) => {
      throw failed(error);
    });
  let renamed = false;
  try {
    let result: T;
    try {
      result = await produce(async (data) => {
        for (let written = 0; written < data.length;) {
          throwIfAborted(signal, "writing the image");
          try {
            written += await file.write(data.subarray(written));
          } catch (error) {
            throw failed(error);
          }
        }
      });
      // The rename must not land before the bytes do, or a crash could leave a torn image.
      await file.syncData().catch((error) => {
        throw failed(error);
      });
    } finally {
      file.close();
    }
    throwIfAborted(signal, "writing the image");
    await Deno.rename(temporary, path).catch((error) => {
      throw failed(error);
    });
    renamed = true;
    return result;
  } finally {
    if (!renamed) await Deno.remove(temporary).catch(() => {});
  }
}
