/**
 * Reading Radiance `.hdr` (RGBE) images: the equirectangular environments of path-traced
 * scenes. Flat and run-length-encoded scanlines (both the "new" per-channel encoding and the
 * old repeat-pixel one), standard orientation (`-Y height +X width`) only.
 *
 * @module
 */

/** A decoded high-dynamic-range image: linear RGB, three f32 a texel, rows top first. */
export interface HdrImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width × height × 3 linear values. */
  rgb: Float32Array;
}

/** The most texels an environment may have (as for 8-bit textures: 2^28). */
export const MAX_HDR_TEXELS = 2 ** 28;

/** Why a `.hdr` file was refused: one line naming what is wrong and where. */
export class HdrFormatError extends Error {
  /**
   * An error with this message.
   *
   * @param message the one-line reason
   */
  constructor(message: string) {
    super(message);
    this.name = "HdrFormatError";
  }
}

function fail(message: string): never {
  throw new HdrFormatError(message);
}

/** The value of RGBE bytes (mantissa, mantissa, mantissa, shared exponent). */
export function rgbeToFloat(
  r: number,
  g: number,
  b: number,
  e: number,
): [number, number, number] {
  if (e === 0) return [0, 0, 0];
  const f = 2 ** (e - 136);
  return [(r + 0.5) * f, (g + 0.5) * f, (b + 0.5) * f];
}

/**
 * Decodes a Radiance `.hdr` file. Throws {@linkcode HdrFormatError} with one line (the byte
 * offset or header line) for anything malformed, truncated, or larger than
 * {@linkcode MAX_HDR_TEXELS}.
 *
 * @example
 * ```ts
 * import { decodeHdr, encodeHdr } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const bytes = encodeHdr({ width: 2, height: 1, rgb: new Float32Array([1, 0.5, 0.25, 4, 4, 4]) });
 * const image = decodeHdr(bytes);
 * assert.equal(image.width, 2);
 * assert.ok(Math.abs(image.rgb[3] - 4) < 0.02);
 * ```
 */
export function decodeHdr(bytes: Uint8Array): HdrImage {
  let pos = 0;
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > 4096) {
      fail(`header: no end of line after byte ${pos}`);
    }
    const text = new TextDecoder("latin1").decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const magic = line();
  if (magic !== "#?RADIANCE" && magic !== "#?RGBE") {
    fail(
      `header: not a Radiance file (first line ${
        JSON.stringify(magic.slice(0, 40))
      })`,
    );
  }
  for (let lines = 0;; lines++) {
    if (lines > 1000) fail("header: more than 1000 lines");
    const l = line();
    if (l === "") break;
    if (l.startsWith("FORMAT=") && l !== "FORMAT=32-bit_rle_rgbe") {
      fail(`header: unsupported ${l} (only 32-bit_rle_rgbe)`);
    }
  }
  const size = line().trim();
  const m = /^-Y (\d{1,9}) \+X (\d{1,9})$/.exec(size);
  if (!m) {
    fail(
      `resolution line ${
        JSON.stringify(size.slice(0, 40))
      }: only "-Y height +X width" is supported`,
    );
  }
  const height = Number(m[1]);
  const width = Number(m[2]);
  if (width < 1 || height < 1 || width * height > MAX_HDR_TEXELS) {
    fail(
      `size ${width}×${height}: each side must be at least 1 and the texels at most ${MAX_HDR_TEXELS}`,
    );
  }
  const rgb = new Float32Array(width * height * 3);
  const scan = new Uint8Array(width * 4);
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated at byte ${bytes.length}`);
  };
  for (let y = 0; y < height; y++) {
    need(4);
    if (
      width >= 8 && width < 32768 && bytes[pos] === 2 && bytes[pos + 1] === 2 &&
      (bytes[pos + 2] & 0x80) === 0
    ) {
      const declared = (bytes[pos + 2] << 8) | bytes[pos + 3];
      if (declared !== width) {
        fail(
          `scanline ${y} at byte ${pos}: width ${declared}, expected ${width}`,
        );
      }
      pos += 4;
      for (let c = 0; c < 4; c++) {
        let x = 0;
        while (x < width) {
          need(1);
          let count = bytes[pos++];
          if (count > 128) {
            count -= 128;
            need(1);
            if (count === 0 || x + count > width) {
              fail(`scanline ${y} at byte ${pos}: run overflows the line`);
            }
            const v = bytes[pos++];
            for (let i = 0; i < count; i++) scan[(x++) * 4 + c] = v;
          } else {
            if (count === 0 || x + count > width) {
              fail(`scanline ${y} at byte ${pos}: bad count ${count}`);
            }
            need(count);
            for (let i = 0; i < count; i++) scan[(x++) * 4 + c] = bytes[pos++];
          }
        }
      }
    } else {
      // Flat pixels, possibly with old-style runs (1, 1, 1, n repeats the previous pixel
      // n << shift times).
      let x = 0;
      let shift = 0;
      while (x < width) {
        need(4);
        const [r, g, b, e] = bytes.subarray(pos, pos + 4);
        pos += 4;
        if (r === 1 && g === 1 && b === 1) {
          if (x === 0) {
            fail(`scanline ${y} at byte ${pos - 4}: a run before any pixel`);
          }
          const count = e << shift;
          if (x + count > width) {
            fail(`scanline ${y} at byte ${pos - 4}: run overflows the line`);
          }
          for (let i = 0; i < count; i++, x++) {
            scan.copyWithin(x * 4, (x - 1) * 4, x * 4);
          }
          shift += 8;
        } else {
          scan.set([r, g, b, e], x * 4);
          x++;
          shift = 0;
        }
      }
    }
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgbeToFloat(
        scan[x * 4],
        scan[x * 4 + 1],
        scan[x * 4 + 2],
        scan[x * 4 + 3],
      );
      const o = (y * width + x) * 3;
      rgb[o] = r;
      rgb[o + 1] = g;
      rgb[o + 2] = b;
    }
  }
  return { width, height, rgb };
}
