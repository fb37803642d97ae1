// Private: reads and decodes one `.hdr` environment file (the asset loader finds it).

import { decodeHdr, type HdrImage } from "../decode/hdr.ts";
import { abortError } from "../_abort.ts";
import { reason, rewrap } from "../_errors.ts";
import { MAX_TEXTURE_FILE_BYTES } from "./limits.ts";
import { readBoundedFile } from "./_read_file.ts";

/** Reads and decodes the Radiance file `file`, named `written` at `jsonPath`. */
export async function readEnvironment(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<HdrImage> {
  const which = `environment ${JSON.stringify(written)} (${
    JSON.stringify(file)
  })`;
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(file, {
      limit: MAX_TEXTURE_FILE_BYTES,
      what: which,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
  try {
    return decodeHdr(bytes);
  } catch (error) {
    throw rewrap(error, `${jsonPath}: ${which}: ${reason(error)}`);
  }
}
