import { describe } from "../_format.ts";

/**
 * The most bytes an image's RGBA buffer may take: 16 GiB (2³⁴).
 *
 * The renderer holds the whole image in one `SharedArrayBuffer`. V8's own cap on its length is
 * 2⁵³ − 1, so in practice the operating system decides: on the 23 GiB machine this was measured
 * on (Deno 2.9.6), `new SharedArrayBuffer(n)` succeeded up to 23 GiB and failed with
 * "Array buffer allocation failed" from 24 GiB. A fixed, round limit below that keeps
 * validation independent of the machine it runs on.
 *
 * @example Usage
 * ```ts
 * import { MAX_IMAGE_BYTES } from "./check_image_size.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_IMAGE_BYTES, 2 ** 34);
 * ```
 */
export const MAX_IMAGE_BYTES: number = 2 ** 34;

/**
 * Checks that a `width × height` RGBA8 image fits in one buffer of at most 16 GiB (2³⁴
 * bytes), which the machine may still be unable to allocate.
 *
 * @param width Image width in pixels, a positive integer.
 * @param height Image height in pixels, a positive integer.
 * @throws {RangeError} When either is not a positive integer, or `width × height × 4` is more
 * than 2³⁴; the message names the byte count.
 *
 * @example Usage
 * ```ts
 * import { checkImageSize } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * checkImageSize(32000, 24000); // the original's own scene: 3072000000 bytes, fine
 * assert.throws(
 *   () => checkImageSize(100000, 100000),
 *   { name: "RangeError", message: /needs 40000000000 bytes of RGBA/ },
 * );
 * ```
 */
export function checkImageSize(width: number, height: number): void {
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(
        `${name} must be a positive integer, got ${describe(value)}`,
      );
    }
  }
  // BigInt so that the count in the message is exact even past 2⁵³.
  const bytes = BigInt(width) * BigInt(height) * 4n;
  if (bytes > BigInt(MAX_IMAGE_BYTES)) {
    throw new RangeError(
      `width × height = ${width} × ${height} needs ${bytes} bytes of RGBA, more than the ${MAX_IMAGE_BYTES} bytes one buffer can hold`,
    );
  }
}
