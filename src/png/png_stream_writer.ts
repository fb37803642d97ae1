/**
 * A PNG encoder that takes an RGBA8 image a band of rows at a time and writes the file as it
 * goes, so an image far larger than one encode call can hold (the original's 32000×24000, 3 GiB
 * of RGBA) is written in bounded memory.
 *
 * @module
 */

import type { ZlibOptions } from "node:zlib";
import { adler32, crc32 } from "./checksums.ts";

const PNG_SIGNATURE = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
]);
const FILTER_UP = 2;
const BYTES_PER_PIXEL = 4;
// PNG's limit for one chunk is 2^31 − 1 bytes; smaller chunks keep each write modest.
const MAX_IDAT_BYTES = 1 << 26;

/** Where the encoded bytes go: called in order, awaited before the next call. */
export type ByteSink = (bytes: Uint8Array) => Promise<void>;

/** Options of {@linkcode PngStreamWriter}. */
export interface PngStreamWriterOptions {
  /** zlib level 0–9; default 3: much faster than 6 and within a few percent of its size. */
  level?: number;
}

async function compress(
  bytes: Uint8Array,
  level: number,
  last: boolean,
): Promise<Uint8Array> {
  // Imported on first use: setting Deno's node:zlib up costs ~10 ms, which every CLI run
  // would otherwise spend before its workers start, streamed or not.
  const { constants, deflateRaw } = await import("node:zlib");
  // Each band is deflated on its own and ends on a sync flush, so the bands' raw deflate
  // streams concatenate into one valid stream; only the last band sets the final block.
  const options: ZlibOptions = {
    level,
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
  };
  return new Promise((resolve, reject) => {
    deflateRaw(bytes, options, (error, result) => {
      if (error) reject(error);
      else {resolve(
          new Uint8Array(result.buffer, result.byteOffset, result.byteLength),
        );}
    });
  });
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(12 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) bytes[4 + i] = type.charCodeAt(i);
  bytes.set(data, 8);
  view.setUint32(8 + data.length, crc32(bytes.subarray(4, 8 + data.length)));
  return bytes;
}

/**
 * Writes an RGBA8 PNG band by band: {@linkcode PngStreamWriter.writeRows} with whole rows, top
 * to bottom, then {@linkcode PngStreamWriter.finish}.
 *
 * @example
 * ```ts
 * import { PngStreamWriter } from "./png_stream_writer.ts";
 * const parts: Uint8Array[] = [];
 * const png = new PngStreamWriter(2, 2, async (bytes) => {
 *   parts.push(bytes);
 * });
 * await png.writeRows(new Uint8Array(2 * 4).fill(255)); // first row
 * await png.writeRows(new Uint8Array(2 * 4).fill(128)); // second row
 * await png.finish();
 * if (parts[0][1] !== 0x50) throw new Error("not a PNG");
 * ```
 */
export class PngStreamWriter {
  readonly #width: number;
  readonly #height: number;
  readonly #sink: ByteSink;
  readonly #level: number;
  readonly #rowBytes: number;
  #previousRow: Uint8Array;
  #rowsWritten = 0;
  #adler = 1;
  #started = false;
  #wroteZlibHeader = false;
  #pending: Uint8Array | undefined;

  /**
   * @param width image width in pixels, 1 to 2^31 − 1
   * @param height image height in pixels, 1 to 2^31 − 1
   * @param sink receives the file's bytes in order
   */
  constructor(
    width: number,
    height: number,
    sink: ByteSink,
    options: PngStreamWriterOptions = {},
  ) {
    for (
      const [name, value] of [["width", width], ["height", height]] as const
    ) {
      if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
        throw new RangeError(
          `PNG ${name} must be an integer from 1 to 2147483647, got ${value}`,
        );
      }
    }
    const level = options.level ?? 3;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(
        `PNG compression level must be an integer from 0 to 9, got ${level}`,
      );
    }
    this.#width = width;
    this.#height = height;
    this.#sink = sink;
    this.#level = level;
    this.#rowBytes = width * BYTES_PER_PIXEL;
    this.#previousRow = new Uint8Array(this.#rowBytes);
  }

  /**
   * Filters and compresses whole rows of RGBA8 pixels. A band is held back until the next
   * one arrives so that the last band can close the stream.
   */
  async writeRows(rgba: Uint8Array): Promise<void> {
    if (rgba.length % this.#rowBytes !== 0) {
      throw new RangeError(
        `PNG rows must be whole rows of ${this.#rowBytes} bytes, got ${rgba.length} bytes`,
      );
    }
    const rows = rgba.length / this.#rowBytes;
    if (this.#rowsWritten + rows > this.#height) {
      throw new RangeError(
        `PNG has ${this.#height} rows, got ${this.#rowsWritten + rows} rows`,
      );
    }
    if (!this.#started) {
      this.#started = true;
      await this.#sink(PNG_SIGNATURE);
      const header = new Uint8Array(13);
      const view = new DataView(header.buffer);
      view.setUint32(0, this.#width);
      view.setUint32(4, this.#height);
      header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, adaptive filtering, no interlace
      await this.#sink(chunk("IHDR", header));
    }
    const filtered = this.#filter(rgba, rows);
    this.#rowsWritten += rows;
    if (this.#pending) await this.#flush(this.#pending, false);
    this.#pending = filtered;
  }

  /** Writes the last band and closes the file's structure; every row must have been written. */
  async finish(): Promise<void> {
    if (this.#rowsWritten !== this.#height || !this.#pending) {
      throw new RangeError(
        `PNG has ${this.#height} rows but ${this.#rowsWritten} were written`,
      );
    }
    await this.#flush(this.#pending, true);
    this.#pending = undefined;
    await this.#sink(chunk("IEND", new Uint8Array(0)));
  }

  // The Up filter costs one subtraction a byte and suits ray-traced images, whose rows
  // change slowly from one to the next.
  #filter(rgba: Uint8Array, rows: number): Uint8Array {
    const rowBytes = this.#rowBytes;
    const out = new Uint8Array(rows * (rowBytes + 1));
    let previous = this.#previousRow;
    for (let row = 0; row < rows; row++) {
      const source = row * rowBytes;
      const target = row * (rowBytes + 1);
      out[target] = FILTER_UP;
      for (let i = 0; i < rowBytes; i++) {
        out[target + 1 + i] = rgba[source + i] - previous[i];
      }
      previous = rgba.subarray(source, source + rowBytes);
    }
    this.#previousRow = previous.slice();
    return out;
  }

  async #flush(filtered: Uint8Array, last: boolean): Promise<void> {
    const first = !this.#wroteZlibHeader;
    this.#adler = adler32(filtered, this.#adler);
    let compressed = await compress(filtered, this.#level, last);
    if (first) {
      this.#wroteZlibHeader = true;
      // zlib header: deflate with a 32 KiB window, no dictionary, check bits for 0x78 0x01.
      const withHeader = new Uint8Array(2 + compressed.length);
      withHeader.set([0x78, 0x01], 0);
      withHeader.set(compressed, 2);
      compressed = withHeader;
    }
    if (last) {
      const withTrailer = new Uint8Array(compressed.length + 4);
      withTrailer.set(compressed, 0);
      new DataView(withTrailer.buffer).setUint32(
        compressed.length,
        this.#adler,
      );
      compressed = withTrailer;
    }
    for (let offset = 0; offset < compressed.length; offset += MAX_IDAT_BYTES) {
      await this.#sink(
        chunk("IDAT", compressed.subarray(offset, offset + MAX_IDAT_BYTES)),
      );
    }
  }
}
