import { parseObj } from "./parse_obj.ts";
import { parsePly } from "./parse_ply.ts";
import { MAX_MESH_BYTES, type MeshLimits } from "./limits.ts";
import { gunzip, isGzip } from "./_gunzip.ts";
import type { MeshData } from "../types.ts";

/** {@linkcode parseMesh}'s options: tighter limits, and a signal that stops the work. */
export interface ParseMeshOptions extends MeshLimits {
  /**
   * Aborting stops decompressing and parsing within about 20 ms (the work yields to the event
   * loop that often) and rejects with an `AbortError`.
   */
  signal?: AbortSignal;
}

const OBJ_STATEMENT =
  /^(v|vt|vn|vp|f|l|p|o|g|s|mtllib|usemtl|cstype|deg|curv|surf)$/;

/**
 * Parses a mesh file's bytes: PLY (recognised by its `ply` first line) or Wavefront OBJ (a
 * name ending in `.obj`, or a first statement OBJ knows), either of them gzipped (recognised by
 * the gzip magic bytes; a `.gz` name is not required). See {@linkcode parseObj} and
 * {@linkcode parsePly} for what each reads.
 *
 * @param bytes The file's contents.
 * @param name The file name, for messages and the `.obj` extension.
 * @param options Tighter limits than the defaults, if wanted, and a signal.
 * @returns The mesh.
 * @throws {TypeError} A file that is neither format, UTF-16 text, gzip data that does not
 * decompress or is followed by other data.
 * @throws {DOMException} An `AbortError` when the signal aborts.
 * @throws {RangeError} Decompressed data beyond {@linkcode MAX_MESH_BYTES}; and the parsers'
 * errors.
 * @throws {SyntaxError} The parsers' errors.
 *
 * @example Usage
 * ```ts
 * import { parseMesh } from "./parse_mesh.ts";
 * import assert from "node:assert/strict";
 *
 * const obj = new TextEncoder().encode("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n");
 * const gzipped = new Uint8Array(
 *   await new Response(
 *     new Blob([obj]).stream().pipeThrough(new CompressionStream("gzip")),
 *   ).arrayBuffer(),
 * );
 * const mesh = await parseMesh(gzipped, "triangle.obj.gz");
 * assert.equal(mesh.indices.length, 3);
 * ```
 */
export async function parseMesh(
  bytes: Uint8Array,
  name: string,
  options: ParseMeshOptions = {},
): Promise<MeshData> {
  const maxBytes = options.maxBytes ?? MAX_MESH_BYTES;
  if (bytes.length > maxBytes) throw tooBig(name, maxBytes);
  let plain = isGzip(bytes)
    ? await gunzip(bytes, name, maxBytes, options.signal)
    : bytes;
  checkEncoding(plain, name);
  // A UTF-8 byte order mark before the first statement.
  if (plain[0] === 0xef && plain[1] === 0xbb && plain[2] === 0xbf) {
    plain = plain.subarray(3);
  }
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (isPly(plain)) return await parsePly(plain, name, options);
  if (base.endsWith(".obj") || looksLikeObj(plain)) {
    return await parseObj(plain, name, options);
  }
  throw new TypeError(
    `${name}: neither a PLY file (first line "ply") nor a Wavefront OBJ file (.obj)`,
  );
}

/**
 * Refuses text in UTF-16 or UTF-32 (a byte order mark, or NUL bytes between the characters
 * of the first line), which would otherwise read as a file without statements.
 */
function checkEncoding(bytes: Uint8Array, name: string): void {
  const [b0, b1] = bytes;
  const bom = (b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff);
  let nulPairs = 0;
  const head = Math.min(bytes.length, 64) & ~1;
  for (let i = 0; i < head; i += 2) {
    if ((bytes[i] === 0) !== (bytes[i + 1] === 0)) nulPairs++;
  }
  if (bom || (head >= 8 && nulPairs === head / 2)) {
    throw new TypeError(
      `${name}: the file is UTF-16 (or UTF-32) text, which is not supported; save it as UTF-8 or ASCII`,
    );
  }
}

function isPly(bytes: Uint8Array): boolean {
  return bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79 &&
    (bytes[3] === 0x0a || bytes[3] === 0x0d);
}

/** Whether the first statement (after comments and blank lines) is one OBJ defines. */
function looksLikeObj(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
  for (const line of head.split(/\r\n|\r|\n/)) {
    const word = line.trim().split(/\s+/)[0];
    if (word === "" || word.startsWith("#")) continue;
    return OBJ_STATEMENT.test(word);
  }
  return false;
}

function tooBig(name: string, maxBytes: number): RangeError {
  return new RangeError(
    `${name}: more than ${maxBytes} bytes (the limit for a mesh file, after decompression)`,
  );
}
