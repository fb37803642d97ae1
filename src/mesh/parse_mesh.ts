import { parseObj } from "./parse_obj.ts";
import { parsePly } from "./parse_ply.ts";
import { MAX_MESH_BYTES, type MeshLimits } from "./limits.ts";
import type { MeshData } from "../types.ts";

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
 * @param options Tighter limits than the defaults, if wanted.
 * @returns The mesh.
 * @throws {TypeError} A file that is neither format, or gzip data that does not decompress.
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
  options: MeshLimits = {},
): Promise<MeshData> {
  const maxBytes = options.maxBytes ?? MAX_MESH_BYTES;
  if (bytes.length > maxBytes) throw tooBig(name, maxBytes);
  const plain = isGzip(bytes) ? await gunzip(bytes, name, maxBytes) : bytes;
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (isPly(plain)) return parsePly(plain, name, options);
  if (base.endsWith(".obj") || looksLikeObj(plain)) {
    return parseObj(plain, name, options);
  }
  throw new TypeError(
    `${name}: neither a PLY file (first line "ply") nor a Wavefront OBJ file (.obj)`,
  );
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function isPly(bytes: Uint8Array): boolean {
  return bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79 &&
    (bytes[3] === 0x0a || bytes[3] === 0x0d);
}

/** Whether the first statement (after comments and blank lines) is one OBJ defines. */
function looksLikeObj(bytes: Uint8Array): boolean {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
  for (const line of head.split("\n")) {
    const word = line.trim().split(/\s+/)[0];
    if (word === "" || word.startsWith("#")) continue;
    return OBJ_STATEMENT.test(word);
  }
  return false;
}

/** Decompresses, refusing output beyond the size limit as it streams (a gzip bomb stops early). */
async function gunzip(
  bytes: Uint8Array,
  name: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw tooBig(name, maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof RangeError) throw error;
    throw new TypeError(
      `${name}: not valid gzip data: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function tooBig(name: string, maxBytes: number): RangeError {
  return new RangeError(
    `${name}: more than ${maxBytes} bytes (the limit for a mesh file, after decompression)`,
  );
}
