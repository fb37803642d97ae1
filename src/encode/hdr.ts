/**
 * Writing Radiance `.hdr` (RGBE) images: linear radiance, band by band, with the per-channel
 * run-length encoding of scanlines (flat pixels for widths outside 8 to 32767).
 *
 * @module
 */

import type { HdrImage } from "../decode/hdr.ts";

/** Where the encoded bytes go: called in order, awaited before the next call. */
export type HdrSink = (bytes: Uint8Array) => Promise<void>;

/** Linear RGB to RGBE bytes (negative and NaN as 0, infinity as the largest value). */
export function floatToRgbe(
  r: number,
  g: number,
  b: number,
  out: Uint8Array,
  at: number,
): void {
  const clean = (v: number) => (v > 0 ? Math.min(v, 1.7e38) : 0);
  r = clean(r);
  g = clean(g);
  b = clean(b);
  const max = Math.max(r, g, b);
  if (max < 1e-32) {
    out[at] =
      out[at + 1] =
      out[at + 2] =
      out[at + 3] =
        0;
    return;
  }
  // max = m · 2^e with m in [0.5, 1).
  let e = Math.ceil(Math.log2(max));
  if (max / 2 ** e >= 1) e++;
  if (max / 2 ** e < 0.5) e--;
  const scale = 256 / 2 ** e;
  out[at] = Math.min(255, Math.floor(r * scale));
  out[at + 1] = Math.min(255, Math.floor(g * scale));
  out[at + 2] = Math.min(255, Math.floor(b * scale));
  out[at + 3] = e + 128;
}

function header(width: number, height: number): Uint8Array {
  return new TextEncoder().encode(
    `#?RADIANCE\n# raypool: linear radiance\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`,
  );
}

/** One scanline of RGBE bytes, run-length encoded per channel when the width allows. */
function encodeLine(rgbe: Uint8Array, width: number): Uint8Array {
  if (width < 8 || width >= 32768) return rgbe.slice();
  const out = new Uint8Array(4 + width * 4 + Math.ceil(width / 128) * 4 + 16);
  let n = 0;
  out[n++] = 2;
  out[n++] = 2;
  out[n++] = width >> 8;
  out[n++] = width & 255;
  for (let c = 0; c < 4; c++) {
    let x = 0;
    while (x < width) {
      // A run of at least 3 equal bytes is worth a run record.
      let run = 1;
      while (
        run < 127 && x + run < width &&
        rgbe[(x + run) * 4 + c] === rgbe[x * 4 + c]
      ) run++;
      if (run >= 3) {
        out[n++] = 128 + run;
        out[n++] = rgbe[x * 4 + c];
        x += run;
        continue;
      }
      // Literals up to the next run of 3 (or 128 bytes).
      const start = x;
      while (
        x < width && x - start < 128 &&
        !(x + 2 < width && rgbe[x * 4 + c] === rgbe[(x + 1) * 4 + c] &&
          rgbe[x * 4 + c] === rgbe[(x + 2) * 4 + c])
      ) x++;
      out[n++] = x - start;
      for (let i = start; i < x; i++) out[n++] = rgbe[i * 4 + c];
    }
  }
  return out.slice(0, n);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `rows` whole rows of linear RGB as encoded scanlines. */
function encodeRows(
  rgb: Float32Array,
  width: number,
  rows: number,
): Uint8Array {
  const line = new Uint8Array(width * 4);
  const parts: Uint8Array[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      floatToRgbe(rgb[o], rgb[o + 1], rgb[o + 2], line, x * 4);
    }
    parts.push(encodeLine(line, width));
  }
  return concat(parts);
}

/**
 * Writes a Radiance `.hdr` band by band: {@linkcode HdrStreamWriter.writeRows} with whole rows
 * of linear RGB (three f32 a pixel), top to bottom, then {@linkcode HdrStreamWriter.finish}.
 *
 * @example
 * ```ts
 * import { HdrStreamWriter } from "../../mod.ts";
 * const parts: Uint8Array[] = [];
 * const hdr = new HdrStreamWriter(2, 2, async (bytes) => {
 *   parts.push(bytes);
 * });
 * await hdr.writeRows(new Float32Array(2 * 3).fill(1.5));
 * await hdr.writeRows(new Float32Array(2 * 3).fill(0.25));
 * await hdr.finish();
 * ```
 */
export class HdrStreamWriter {
  readonly #width: number;
  readonly #height: number;
  readonly #sink: HdrSink;
  #rows = 0;

  /**
   * A writer of a `width` × `height` image; nothing is written before the first rows.
   *
   * @param width pixels, 1 to 999,999,999
   * @param height pixels, 1 to 999,999,999
   * @param sink receives the file's bytes in order
   */
  constructor(width: number, height: number, sink: HdrSink) {
    for (const [name, v] of [["width", width], ["height", height]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 999_999_999) {
        throw new RangeError(
          `HDR ${name} must be an integer from 1 to 999999999, got ${v}`,
        );
      }
    }
    this.#width = width;
    this.#height = height;
    this.#sink = sink;
  }

  /** Encodes whole rows of linear RGB (width × 3 values each). */
  async writeRows(rgb: Float32Array): Promise<void> {
    const rowValues = this.#width * 3;
    if (rgb.length % rowValues !== 0) {
      throw new RangeError(
        `HDR rows must be whole rows of ${rowValues} values, got ${rgb.length}`,
      );
    }
    const rows = rgb.length / rowValues;
    if (this.#rows + rows > this.#height) {
      throw new RangeError(
        `HDR has ${this.#height} rows, got ${this.#rows + rows}`,
      );
    }
    const first = this.#rows === 0;
    this.#rows += rows;
    const body = encodeRows(rgb, this.#width, rows);
    if (first) await this.#sink(header(this.#width, this.#height));
    await this.#sink(body);
  }

  /** Checks that every row was written. */
  finish(): Promise<void> {
    if (this.#rows !== this.#height) {
      return Promise.reject(
        new RangeError(
          `HDR has ${this.#height} rows but ${this.#rows} were written`,
        ),
      );
    }
    return Promise.resolve();
  }
}

/**
 * A whole image as Radiance `.hdr` bytes.
 *
 * @example
 * ```ts
 * import { encodeHdr } from "../../mod.ts";
 * const bytes = encodeHdr({ width: 1, height: 1, rgb: new Float32Array([1, 1, 1]) });
 * if (bytes[0] !== 0x23) throw new Error("not a Radiance file");
 * ```
 */
export function encodeHdr(image: HdrImage): Uint8Array {
  const { width, height, rgb } = image;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 ||
    height < 1
  ) {
    throw new RangeError(
      `HDR sides must be positive integers, got ${width}×${height}`,
    );
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(
      `HDR ${width}×${height} needs ${
        width * height * 3
      } values, got ${rgb.length}`,
    );
  }
  return concat([header(width, height), encodeRows(rgb, width, height)]);
}
