/**
 * Validation of images handed to the encoders.
 *
 * @module
 */

import type { RenderedImage } from "../types.ts";

/**
 * Checks that `image` has positive integer dimensions and exactly `width × height × 4` bytes
 * of RGBA in a `Uint8Array`; throws a `TypeError` or `RangeError` quoting the bad value.
 *
 * @example
 * ```ts
 * import { checkImage } from "./check_image.ts";
 * import assert from "node:assert/strict";
 * checkImage({ width: 1, height: 1, data: new Uint8Array(4) });
 * assert.throws(() => checkImage({ width: 2, height: 1, data: new Uint8Array(4) }), {
 *   name: "RangeError",
 *   message: "image data must be width*height*4 = 8 bytes for a 2×1 image, got 4",
 * });
 * ```
 */
export function checkImage(image: RenderedImage): void {
  if (typeof image !== "object" || image === null) {
    throw new TypeError(`image must be an object, got ${String(image)}`);
  }
  const { width, height, data } = image;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `image ${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `image data must be a Uint8Array, got ${
        data === null
          ? "null"
          : typeof data === "object"
          ? (data as object).constructor?.name ?? "object"
          : typeof data
      }`,
    );
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(
      `image data must be width*height*4 = ${
        width * height * 4
      } bytes for a ${width}×${height} image, got ${data.length}`,
    );
  }
}
