/**
 * Which encoder the CLI uses for an image of a given size: imagescript for everything it
 * encodes well in one call, the banded streaming PNG path beyond that, and a clear refusal
 * for a JPEG too large for imagescript.
 *
 * @module
 */

import { InputError } from "../_errors.ts";
import { PNG_MAX_SIDE } from "../scene/limits.ts";

/**
 * PNG outputs whose RGBA is larger than this (256 MiB, e.g. 8192×8192) are rendered and
 * written band by band (`renderPngStream`) instead of rendered whole and encoded by
 * imagescript.
 *
 * It is a memory limit, not imagescript's: imagescript v2 encoded correct PNGs of 32000×24000
 * (3 GiB of RGBA, 28 s) and 33000×33000 (4.36 GB, past 2³² bytes, 45 s) here, but the
 * whole-image path holds the full image (3.1 GB resident for the former, growing with the
 * size until the machine runs out), while the banded path stays near 300 MB at any size
 * (325 MB for the original's 32000×24000). Measured with Deno 2.9.6 on 2 cores, the
 * original's scene: at 1920×1080 imagescript is faster (1.30 s against 1.38–1.62 s, as one
 * band gives the stream nothing to overlap); at 8000×6000 (192 MB of RGBA) both take 27 s and
 * stay far under 2.5× the raw size (imagescript 324 MB peak, the stream 278 MB). So
 * imagescript keeps every size up to 256 MiB, where its peak is still under ~1.6× the raw
 * size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PNG_STREAM_THRESHOLD_BYTES } from "./limits.ts";
 * assert.equal(PNG_STREAM_THRESHOLD_BYTES, 256 * 1024 * 1024);
 * ```
 */
export const PNG_STREAM_THRESHOLD_BYTES = 256 * 1024 * 1024;

/**
 * The most pixels a JPEG output may have: 2³⁰ (1,073,741,824, e.g. 32768×32768, 4 GiB of
 * RGBA), the largest JPEG imagescript was tried on here (40 s, 5.1 GB peak; the original's
 * 32000×24000 took 40 s and 3.7 GB). JPEG has no streaming path: the whole image and the
 * encoder's working memory are resident at once, so larger JPEGs are refused before rendering.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JPEG_MAX_PIXELS } from "./limits.ts";
 * assert.equal(JPEG_MAX_PIXELS, 32768 * 32768);
 * ```
 */
export const JPEG_MAX_PIXELS = 2 ** 30;

/**
 * The widest or tallest JPEG: 65535, as the format stores each side in 16 bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JPEG_MAX_SIDE } from "./limits.ts";
 * assert.equal(JPEG_MAX_SIDE, 65535);
 * ```
 */
export const JPEG_MAX_SIDE = 65535;

/**
 * Whether a PNG of `width × height` goes through the streaming path: its RGBA is more than
 * `thresholdBytes` (default {@linkcode PNG_STREAM_THRESHOLD_BYTES}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { streamsPng } from "./limits.ts";
 * assert.equal(streamsPng(1920, 1080), false);
 * assert.equal(streamsPng(32000, 24000), true);
 * assert.equal(streamsPng(2, 2, 15), true);
 * ```
 */
export function streamsPng(
  width: number,
  height: number,
  thresholdBytes: number = PNG_STREAM_THRESHOLD_BYTES,
): boolean {
  return width * height * 4 > thresholdBytes;
}

/**
 * Checks that a JPEG of `width × height` can be encoded.
 *
 * @throws {InputError} beyond {@linkcode JPEG_MAX_PIXELS} or {@linkcode JPEG_MAX_SIDE},
 * suggesting `.png`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkJpegSize } from "./limits.ts";
 * checkJpegSize(32000, 24000);
 * assert.throws(() => checkJpegSize(40000, 30000), {
 *   name: "InputError",
 *   message: "JPEG output is limited to 1073741824 pixels and 65535 a side, got 40000×30000; use .png",
 * });
 * ```
 */
export function checkJpegSize(width: number, height: number): void {
  if (
    width * height > JPEG_MAX_PIXELS || width > JPEG_MAX_SIDE ||
    height > JPEG_MAX_SIDE
  ) {
    throw new InputError(
      `JPEG output is limited to ${JPEG_MAX_PIXELS} pixels and ${JPEG_MAX_SIDE} a side, ` +
        `got ${width}×${height}; use .png`,
    );
  }
}

/**
 * Checks that a PNG of `width × height` can be written: PNG stores each side in 31 bits, so
 * neither may exceed `PNG_MAX_SIDE` (2³¹ − 1). Checked before rendering, as for JPEG, so a
 * scene of 2147483648×1 pixels (8 GiB of RGBA, within the buffer limit) is refused at once
 * rather than after it has rendered.
 *
 * @throws {InputError} naming the size and the limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPngSize } from "./limits.ts";
 * checkPngSize(2147483647, 1);
 * assert.throws(() => checkPngSize(2147483648, 1), {
 *   name: "InputError",
 *   message: "PNG output is limited to 2147483647 pixels a side, got 2147483648×1",
 * });
 * ```
 */
export function checkPngSize(width: number, height: number): void {
  if (width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) {
    throw new InputError(
      `PNG output is limited to ${PNG_MAX_SIDE} pixels a side, got ${width}×${height}`,
    );
  }
}

/** The environment variable that overrides {@linkcode PNG_STREAM_THRESHOLD_BYTES}. */
export const PNG_STREAM_THRESHOLD_VARIABLE = "RAYPOOL_PNG_STREAM_BYTES";

/**
 * Parses the value of {@linkcode PNG_STREAM_THRESHOLD_VARIABLE}: a whole number of bytes,
 * `0` to stream every PNG. Lets the test suite run the streaming path on small images.
 *
 * @throws {InputError} quoting a value that is not a whole number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStreamThreshold } from "./limits.ts";
 * assert.equal(parseStreamThreshold("0"), 0);
 * assert.throws(() => parseStreamThreshold("1e6"), { name: "InputError" });
 * ```
 */
export function parseStreamThreshold(text: string): number {
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new InputError(
      `${PNG_STREAM_THRESHOLD_VARIABLE} must be a whole number of bytes, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}
