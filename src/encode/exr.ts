/**
 * Writing OpenEXR images: single-part scanline files, uncompressed, channels B, G, R as
 * 16-bit half or 32-bit float, linear radiance, band by band. Uncompressed lines have a fixed
 * size, so the line offset table is known before the first pixel and the file streams.
 *
 * @module
 */

/** Where the encoded bytes go: called in order, awaited before the next call. */
export type ExrSink = (bytes: Uint8Array) => Promise<void>;

/** The sample type of every channel. */
export type ExrPixelType = "half" | "float";

const PIXEL_TYPE = { half: 1, float: 2 } as const;
const BYTES = { half: 2, float: 4 } as const;

/** An f32 value as IEEE 754 binary16 bits (round to nearest even; overflow to infinity). */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf, NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflow to ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

/** Binary16 bits as a number. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

class Bytes {
  parts: number[] = [];
  u8(v: number) {
    this.parts.push(v & 255);
  }
  i32(v: number) {
    for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 255);
  }
  f32(v: number) {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    this.parts.push(...b);
  }
  str(s: string) {
    for (const c of new TextEncoder().encode(s)) this.parts.push(c);
    this.parts.push(0);
  }
  attr(name: string, type: string, body: Bytes) {
    this.str(name);
    this.str(type);
    this.i32(body.parts.length);
    this.parts.push(...body.parts);
  }
}

/** The header and line offset table of a `width` × `height` file. */
function headerBytes(
  width: number,
  height: number,
  type: ExrPixelType,
): Uint8Array {
  const h = new Bytes();
  h.i32(20000630); // magic
  h.i32(2); // version 2, single-part scanline, short names
  const channels = new Bytes();
  for (const name of ["B", "G", "R"]) {
    channels.str(name);
    channels.i32(PIXEL_TYPE[type]);
    channels.u8(0); // pLinear
    channels.u8(0);
    channels.u8(0);
    channels.u8(0);
    channels.i32(1); // x sampling
    channels.i32(1); // y sampling
  }
  channels.u8(0);
  h.attr("channels", "chlist", channels);
  const compression = new Bytes();
  compression.u8(0); // NO_COMPRESSION
  h.attr("compression", "compression", compression);
  const box = new Bytes();
  box.i32(0);
  box.i32(0);
  box.i32(width - 1);
  box.i32(height - 1);
  h.attr("dataWindow", "box2i", box);
  h.attr("displayWindow", "box2i", box);
  const order = new Bytes();
  order.u8(0); // INCREASING_Y
  h.attr("lineOrder", "lineOrder", order);
  const aspect = new Bytes();
  aspect.f32(1);
  h.attr("pixelAspectRatio", "float", aspect);
  const center = new Bytes();
  center.f32(0);
  center.f32(0);
  h.attr("screenWindowCenter", "v2f", center);
  const sw = new Bytes();
  sw.f32(1);
  h.attr("screenWindowWidth", "float", sw);
  h.u8(0); // end of header
  const head = new Uint8Array(h.parts);
  const table = new Uint8Array(height * 8);
  const view = new DataView(table.buffer);
  const lineBytes = 8 + width * 3 * BYTES[type];
  const first = head.length + table.length;
  for (let y = 0; y < height; y++) {
    view.setBigUint64(
      y * 8,
      BigInt(first) + BigInt(y) * BigInt(lineBytes),
      true,
    );
  }
  const out = new Uint8Array(head.length + table.length);
  out.set(head, 0);
  out.set(table, head.length);
  return out;
}

/**
 * Writes an OpenEXR file band by band: {@linkcode ExrStreamWriter.writeRows} with whole rows
 * of linear RGB (three f32 a pixel), top to bottom, then {@linkcode ExrStreamWriter.finish}.
 *
 * @example
 * ```ts
 * import { ExrStreamWriter } from "../../mod.ts";
 * const parts: Uint8Array[] = [];
 * const exr = new ExrStreamWriter(2, 1, async (bytes) => {
 *   parts.push(bytes);
 * }, "half");
 * await exr.writeRows(new Float32Array([1, 0.5, 0.25, 8, 8, 8]));
 * await exr.finish();
 * ```
 */
export class ExrStreamWriter {
  readonly #width: number;
  readonly #height: number;
  readonly #sink: ExrSink;
  readonly #type: ExrPixelType;
  #rows = 0;

  /**
   * A writer of a `width` × `height` image; nothing is written before the first rows.
   *
   * @param width pixels, 1 to 2^31 − 1
   * @param height pixels, 1 to 2^31 − 1
   * @param sink receives the file's bytes in order
   * @param type `"half"` (default) or `"float"`
   */
  constructor(
    width: number,
    height: number,
    sink: ExrSink,
    type: ExrPixelType = "half",
  ) {
    for (const [name, v] of [["width", width], ["height", height]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) {
        throw new RangeError(
          `EXR ${name} must be an integer from 1 to 2147483647, got ${v}`,
        );
      }
    }
    if (type !== "half" && type !== "float") {
      throw new RangeError(
        `EXR pixel type must be "half" or "float", got ${String(type)}`,
      );
    }
    this.#width = width;
    this.#height = height;
    this.#sink = sink;
    this.#type = type;
  }

  /** Encodes whole rows of linear RGB (width × 3 values each). */
  async writeRows(rgb: Float32Array): Promise<void> {
    const w = this.#width;
    if (rgb.length % (w * 3) !== 0) {
      throw new RangeError(
        `EXR rows must be whole rows of ${w * 3} values, got ${rgb.length}`,
      );
    }
    const rows = rgb.length / (w * 3);
    if (this.#rows + rows > this.#height) {
      throw new RangeError(
        `EXR has ${this.#height} rows, got ${this.#rows + rows}`,
      );
    }
    const first = this.#rows === 0;
    const size = BYTES[this.#type];
    const lineBytes = 8 + w * 3 * size;
    const out = new Uint8Array(rows * lineBytes);
    const view = new DataView(out.buffer);
    for (let r = 0; r < rows; r++) {
      const base = r * lineBytes;
      view.setInt32(base, this.#rows + r, true);
      view.setInt32(base + 4, w * 3 * size, true);
      // Channels in the header's (alphabetical) order: B, G, R, each a whole line.
      for (let c = 0; c < 3; c++) {
        const channel = 2 - c;
        const at = base + 8 + c * w * size;
        for (let x = 0; x < w; x++) {
          const v = rgb[(r * w + x) * 3 + channel];
          if (this.#type === "half") {
            view.setUint16(at + x * 2, toHalf(v), true);
          } else view.setFloat32(at + x * 4, v, true);
        }
      }
    }
    this.#rows += rows;
    if (first) await this.#sink(headerBytes(w, this.#height, this.#type));
    await this.#sink(out);
  }

  /** Checks that every row was written. */
  finish(): Promise<void> {
    if (this.#rows !== this.#height) {
      return Promise.reject(
        new RangeError(
          `EXR has ${this.#height} rows but ${this.#rows} were written`,
        ),
      );
    }
    return Promise.resolve();
  }
}
