/**
 * JPEG encoding.
 *
 * @module
 */

import type { RenderedImage } from "../types.ts";
import { loadImagescriptV2 } from "../_imagescript.ts";
import { checkImage } from "./check_image.ts";

/**
 * Encodes `image` as a JPEG of the given `quality` (an integer from 1 to 100, default 90);
 * alpha is dropped. Like {@linkcode encodePng} it loads imagescript on first use and needs
 * `--allow-ffi` for its native addon and `--allow-env=IMAGESCRIPT_WASM_SIMD`.
 * Throws a `RangeError` for a bad quality or when `image.data` is not `width × height × 4`
 * bytes.
 *
 * @example
 * ```ts
 * import { encodeJpeg } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const jpeg = await encodeJpeg({ width: 8, height: 8, data: new Uint8Array(256).fill(200) }, 80);
 * assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]); // start of image
 * ```
 */
export async function encodeJpeg(
  image: RenderedImage,
  quality: number = 90,
): Promise<Uint8Array> {
  if (typeof quality !== "number") {
    throw new TypeError(
      `quality must be a number, got ${
        JSON.stringify(quality) ?? String(quality)
      }`,
    );
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(
      `quality must be an integer from 1 to 100, got ${quality}`,
    );
  }
  checkImage(image);
  const { Image } = await loadImagescriptV2();
  return await new Image(
    image.width,
    image.height,
    // The typings say ArrayBuffer, but a SharedArrayBuffer-backed view works (tested).
    image.data as Uint8Array<ArrayBuffer>,
  ).encode("jpeg", {
    quality,
  });
}
