/**
 * The two checksums a PNG file needs: CRC-32 over each chunk and Adler-32 over the zlib
 * stream's uncompressed bytes. Both are incremental so a huge image can be fed band by band.
 *
 * @module
 */

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * Continues a CRC-32 (ISO-HDLC, as PNG uses) over `bytes`. Start with `crc32(bytes)` and
 * pass the previous result as `crc` to continue.
 *
 * @example
 * ```ts
 * import { crc32 } from "./checksums.ts";
 * const ascii = new TextEncoder().encode("123456789");
 * if (crc32(ascii) !== 0xcbf43926) throw new Error("crc32 is broken");
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}

const ADLER_MOD = 65521;
// The largest run of bytes whose sums cannot overflow 2^53 before the modulo; keeps the
// inner loop free of divisions.
const ADLER_RUN = 5552;

/**
 * Continues an Adler-32 over `bytes`. Start with `adler32(bytes)` and pass the previous
 * result as `adler` to continue.
 *
 * @example
 * ```ts
 * import { adler32 } from "./checksums.ts";
 * const text = new TextEncoder().encode("Wikipedia");
 * if (adler32(text) !== 0x11e60398) throw new Error("adler32 is broken");
 * ```
 */
export function adler32(bytes: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  let i = 0;
  while (i < bytes.length) {
    const end = Math.min(i + ADLER_RUN, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}
