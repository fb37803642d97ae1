// Private: reads and decodes one texture file (the asset loader, `_assets.ts`, finds it).

import type { TextureImage } from "../types.ts";
import { abortError } from "../_abort.ts";
import { abortable } from "./_abortable.ts";
import { MAX_TEXTURE_FILE_BYTES } from "./limits.ts";
import { reason } from "../_errors.ts";
import { readSceneAsset } from "./_read_file.ts";

import {
  type ImageScriptV1 as ImageScript,
  loadImagescript,
} from "../_imagescript.ts";

// The decoder loads a native addon when imported, which needs --allow-ffi; scenes without
// textures must not pay for it or need the permission.
let imagescript: Promise<ImageScript> | undefined;

/** Reads and decodes the texture file `file`, named `written` at `jsonPath`. */
export async function decodeTexture(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<TextureImage> {
  const { bytes, which } = await readSceneAsset(
    "texture",
    written,
    jsonPath,
    file,
    MAX_TEXTURE_FILE_BYTES,
    signal,
  );
  // imagescript also takes TIFF and GIF; the format promises PNG and JPEG, so check first
  // and say plainly what is wrong rather than pass on a decoder's complaint.
  if (!isPng(bytes) && !isJpeg(bytes)) {
    throw new TypeError(`${jsonPath}: ${which} is not a PNG or JPEG image`);
  }
  let Image: ImageScript["Image"];
  try {
    imagescript ??= loadImagescript();
    ({ Image } = await abortable(imagescript, signal));
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    imagescript = undefined;
    throw new Error(
      `${jsonPath}: cannot decode ${which}: the image decoder (imagescript) did not load: ${
        reason(error)
      }`,
      { cause: error },
    );
  }
  let image;
  try {
    // The decoder cannot be interrupted; an abort settles at once and its result is dropped.
    image = await abortable(Image.decode(bytes), signal);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw new TypeError(
      `${jsonPath}: cannot decode ${which}: ${reason(error)}`,
      { cause: error },
    );
  }
  // A copy: the decoder's bitmap may be a view of memory it reuses.
  const data = new Uint8Array(image.bitmap);
  if (data.length !== image.width * image.height * 4) {
    throw new TypeError(
      `${jsonPath}: cannot decode ${which}: the decoder gave ${data.length} bytes for ${image.width} × ${image.height} pixels`,
    );
  }
  return { width: image.width, height: image.height, data };
}

function isPng(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return signature.every((byte, i) => bytes[i] === byte);
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}
