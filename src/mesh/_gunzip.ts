// Private: gzip decompression for mesh files, bounded in memory and in time.
//
// The gzip framing (RFC 1952: header, deflate data, CRC-32 and size trailer, members one after
// another) is read here, and only the deflate data goes to node:zlib, fed 16 KiB at a time:
// a deflate block inflates at most about 1032:1, so each step adds at most ~17 MB, the size
// limit is checked after every step (a gzip bomb stops at the limit, it is never inflated
// first), and the event loop gets a turn between steps (so an abort or Ctrl-C acts). Knowing
// where each member ends also lets trailing data be named as such — `DecompressionStream`
// says "failed to write whole buffer" for it, and refuses files of several members.

import { crc32, createInflateRaw, type InflateRaw } from "node:zlib";
import { yielder } from "../_abort.ts";

const EMPTY = new Uint8Array(0);

/** Input fed to the inflater per step. */
const STEP_BYTES = 16 * 1024;

const FTEXT_MASK = 0xe0; // reserved flag bits: must be zero
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/** Whether `bytes` start with the gzip magic number. */
export function isGzip(bytes: Uint8Array, at = 0): boolean {
  return bytes[at] === 0x1f && bytes[at + 1] === 0x8b;
}

/**
 * The decompressed contents of gzip `bytes` (every member, concatenated). Throws a
 * RangeError as soon as the output passes `maxBytes`; a TypeError naming what is wrong for
 * anything else (`name: not valid gzip data: …`, `name: 12 bytes of trailing data after the
 * gzip data`); the signal's AbortError when it aborts.
 */
export async function gunzip(
  bytes: Uint8Array,
  name: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const pause = yielder(signal, `decompressing ${name}`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  let members = 0;
  while (at < bytes.length) {
    if (members > 0 && !isGzip(bytes, at)) {
      throw new TypeError(
        `${name}: ${
          bytes.length - at
        } bytes of trailing data after the gzip data (from byte ${at}); the file is damaged or not only gzip`,
      );
    }
    const body = headerEnd(bytes, at, name);
    const member = await inflateMember(
      bytes,
      body,
      name,
      maxBytes - total,
      maxBytes,
      pause,
    );
    for (const chunk of member.chunks) chunks.push(chunk);
    total += member.size;
    at = member.end;
    members++;
  }
  if (members === 0) throw invalid(name, "the file is empty");
  if (chunks.length === 1) return chunks[0];
  // Hundreds of MB to copy: in steps, giving the event loop its turns.
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], offset);
    offset += chunks[i].length;
    // Each chunk is released once copied, so the two copies are not both held to the end.
    chunks[i] = EMPTY;
    if ((i & 255) === 255) await pause();
  }
  return out;
}

function invalid(name: string, why: string): TypeError {
  return new TypeError(`${name}: not valid gzip data: ${why}`);
}

/** Where the deflate data of the member whose header starts at `at` begins. */
function headerEnd(bytes: Uint8Array, at: number, name: string): number {
  if (bytes.length - at < 18) {
    throw invalid(name, `the gzip member at byte ${at} is cut short`);
  }
  if (bytes[at + 2] !== 8) {
    throw invalid(
      name,
      `unknown compression method ${bytes[at + 2]} (only deflate, 8)`,
    );
  }
  const flags = bytes[at + 3];
  if (flags & FTEXT_MASK) throw invalid(name, "reserved header flags are set");
  let p = at + 10;
  if (flags & FEXTRA) {
    p += 2 + (bytes[p] | (bytes[p + 1] << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const zero = bytes.indexOf(0, p);
      if (zero < 0) throw invalid(name, "the header is cut short");
      p = zero + 1;
    }
  }
  if (flags & FHCRC) p += 2;
  if (p > bytes.length) throw invalid(name, "the header is cut short");
  return p;
}

interface Member {
  chunks: Uint8Array[];
  size: number;
  /** The byte after the member's trailer. */
  end: number;
}

/** Inflates one member's deflate data from `start`, checking its trailer. */
async function inflateMember(
  bytes: Uint8Array,
  start: number,
  name: string,
  room: number,
  limit: number,
  pause: (force?: boolean) => Promise<void>,
): Promise<Member> {
  const inflater: InflateRaw = createInflateRaw();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let crc = 0;
  let failure: unknown;
  let ended = false;
  inflater.on("data", (chunk: Uint8Array) => {
    size += chunk.length;
    if (size > room) {
      failure ??= new RangeError("");
      return;
    }
    crc = crc32(chunk, crc);
    chunks.push(chunk);
  });
  inflater.on("error", (error: unknown) => failure ??= error);
  const finished = new Promise<void>((resolve) => {
    inflater.on("end", () => {
      ended = true;
      resolve();
    });
    inflater.on("close", () => resolve());
  });
  try {
    let fed = start;
    while (fed < bytes.length && failure === undefined) {
      const step = bytes.subarray(
        fed,
        Math.min(fed + STEP_BYTES, bytes.length),
      );
      await new Promise<void>((resolve) =>
        inflater.write(step, () => resolve())
      );
      fed += step.length;
      if (failure !== undefined) break;
      // The deflate data has ended when the inflater took less than it was given.
      if (inflater.bytesWritten < fed - start) break;
      await pause();
    }
    if (failure === undefined) {
      inflater.end();
      await finished;
    }
  } catch (error) {
    failure ??= error;
  } finally {
    if (!ended) inflater.destroy();
  }
  if (failure instanceof DOMException && failure.name === "AbortError") {
    throw failure;
  }
  if (failure instanceof RangeError) {
    throw new RangeError(
      `${name}: more than ${limit} bytes (the limit for a mesh file, after decompression)`,
    );
  }
  if (failure !== undefined) {
    const why = failure instanceof Error ? failure.message : String(failure);
    throw invalid(name, why.replace(/\s+/g, " "));
  }
  const end = start + inflater.bytesWritten;
  if (end + 8 > bytes.length) {
    throw invalid(name, "the file ends inside the compressed data");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(end, true) !== (crc >>> 0)) {
    throw invalid(name, "the checksum does not match (the data is damaged)");
  }
  if (view.getUint32(end + 4, true) !== size % 2 ** 32) {
    throw invalid(name, "the size in the trailer does not match");
  }
  return { chunks, size, end: end + 8 };
}
