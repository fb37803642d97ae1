// Private: reads and decodes one `.hdr` environment file (the asset loader finds it).

import { decodeHdr, type HdrImage } from "../decode/hdr.ts";
import { reason, rewrap } from "../_errors.ts";
import { MAX_TEXTURE_FILE_BYTES } from "./limits.ts";
import { readSceneAsset } from "./_read_file.ts";

/** Reads and decodes the Radiance file `file`, named `written` at `jsonPath`. */
export async function readEnvironment(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<HdrImage> {
  const { bytes, which } = await readSceneAsset(
    "environment",
    written,
    jsonPath,
    file,
    MAX_TEXTURE_FILE_BYTES,
    signal,
  );
  try {
    return decodeHdr(bytes);
  } catch (error) {
    throw rewrap(error, `${jsonPath}: ${which}: ${reason(error)}`);
  }
}
