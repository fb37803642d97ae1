/**
 * PNG encoding.
 *
 * @module
 */

import type { RenderedImage } from "../types.ts";
import { loadImagescriptV2 } from "../_imagescript.ts";
import { checkImage } from "./check_image.ts";
import { PNG_MAX_SIDE } from "../scene/limits.ts";

/**
 * Encodes `image` as a PNG (8-bit RGBA, fast compression). imagescript, which has a native
 * part, is loaded on the first call only, so rendering alone needs no `--allow-ffi`; encoding
 * needs `--allow-ffi` for imagescript's addon (without it, the error gives the exact flag with
 * its path, e.g. `--allow-ffi=./node_modules/.deno/imagescript@1.3.1` in a project with
 * `"nodeModulesDir": "auto"`) and `--allow-env=IMAGESCRIPT_WASM_SIMD`.
 * Throws a `RangeError` unless `image.data` holds `width × height × 4` bytes, or when a side is
 * more than 2³¹ − 1 pixels, the most a PNG can hold (checked first, before any work).
 *
 * @example
 * ```ts
 * import { encodePng } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const png = await encodePng({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]) });
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 */
export async function encodePng(image: RenderedImage): Promise<Uint8Array> {
  if (
    typeof image === "object" && image !== null &&
    (image.width > PNG_MAX_SIDE || image.height > PNG_MAX_SIDE)
  ) {
    throw new RangeError(
      `a PNG is limited to ${PNG_MAX_SIDE} pixels a side, got ${image.width}×${image.height}`,
    );
  }
  checkImage(image);
  const { Image } = await loadImagescriptV2();
  // v2 wraps the pixels without copying them, even in a SharedArrayBuffer, and its fast
  // compression is about 4× quicker than v1's encoder at 1920×1080.
  return await new Image(
    image.width,
    image.height,
    // The typings say ArrayBuffer, but a SharedArrayBuffer-backed view works (tested).
    image.data as Uint8Array<ArrayBuffer>,
  ).encode("png", {
    compression: "fast",
  });
}
