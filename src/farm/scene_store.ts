/**
 * Scenes in the farm's object store: the bytes `packScene` wrote, treated as opaque. They are
 * cut into content-defined chunks (a rolling hash picks the cut points, so a texture or a
 * mesh shared by two scenes, an animation's frames say, gives the same chunks wherever it
 * sits in the bytes), each stored deflated as `chunk-<SHA-256 of its bytes>`, and a manifest,
 * stored as `scene-<SHA-256 of the whole packed scene>`, lists them. The farm has no scene format
 * of its own: a node puts the bytes back together and hands them to the core, whose reader
 * checks every value, as it does for a local render.
 *
 * Nothing stored is trusted. An upload keeps an object only when it reads back as exactly
 * what it should be, and replaces anything else under that name; a node checks the sizes a
 * manifest declares against its limit before it allocates, inflates no chunk past its
 * declared size, and checks every hash.
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import type { ObjectStore } from "./connection.ts";

/**
 * SHA-256 of `bytes` in lower-case hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./scene_store.ts";
 * assert.equal(
 *   await sha256Hex(new Uint8Array()),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The largest packed scene a node takes by default: 2 GiB, the most a worker's core can hold
 * (wasm32 memory is 4 GiB, and the core needs room for the BVH beside the scene).
 */
export const MAX_PACKED_SCENE_BYTES = 2 * 1024 * 1024 * 1024;

/** Chunks are at least this long (but the last)… */
const MIN_CHUNK = 64 * 1024;
/** …at most this long… */
const MAX_CHUNK = 4 * 1024 * 1024;
/** …and about 1 MiB on average: a cut where the rolling hash's low 20 bits are zero. */
const CUT_MASK = (1 << 20) - 1;
/** The largest manifest read: a 2 GiB scene in 64 KiB chunks is 32,768 entries. */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const MANIFEST_VERSION = 1;

/** 256 fixed pseudo-random words for the rolling ("gear") hash; the same on every machine. */
const GEAR = (() => {
  const table = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
})();

/**
 * Where content-defined chunking cuts `bytes`: the end offset of each chunk, the last being
 * `bytes.length`. Equal runs of bytes of more than a few chunks are cut alike wherever they
 * sit, so they are stored once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunkEnds } from "./scene_store.ts";
 * assert.deepEqual(chunkEnds(new Uint8Array(1000)), [1000]);
 * assert.deepEqual(chunkEnds(new Uint8Array(0)), [0]);
 * ```
 */
export function chunkEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  let start = 0;
  let hash = 0;
  for (let i = 0; i < bytes.length; i++) {
    hash = ((hash << 1) + GEAR[bytes[i]]) >>> 0;
    const length = i + 1 - start;
    if (
      length >= MAX_CHUNK || (length >= MIN_CHUNK && (hash & CUT_MASK) === 0)
    ) {
      ends.push(i + 1);
      start = i + 1;
      hash = 0;
    }
  }
  if (start < bytes.length || ends.length === 0) ends.push(bytes.length);
  return ends;
}

/** What the manifest of a packed scene says. */
interface Manifest {
  version: number;
  /** Bytes of the packed scene. */
  size: number;
  /** Its chunks in order: SHA-256 of each one's bytes, and their length. */
  chunks: { hash: string; size: number }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The object a scene's manifest is stored as.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunkObject, sceneObject } from "./scene_store.ts";
 * assert.equal(sceneObject("ab"), "scene-ab");
 * assert.equal(chunkObject("ab"), "chunk-ab");
 * ```
 */
export function sceneObject(hash: string): string {
  return `scene-${hash}`;
}

/** The object a chunk is stored as, by the SHA-256 of its bytes. */
export function chunkObject(hash: string): string {
  return `chunk-${hash}`;
}

/** Whether the store holds chunk `hash` as exactly `size` bytes of that hash. */
async function holds(
  store: ObjectStore,
  hash: string,
  size: number,
): Promise<boolean> {
  const info = await store.info(chunkObject(hash));
  if (info === null || info.deleted) return false;
  try {
    await readObject(store, chunkObject(hash), size, hash);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stores chunk `bytes` deflated unless it is already there, exactly; an object of that name
 * that is anything else (damaged, or overwritten by a credential holder) is replaced.
 */
async function putVerified(
  store: ObjectStore,
  hash: string,
  bytes: Uint8Array,
): Promise<void> {
  if (await holds(store, hash, bytes.length)) return;
  await store.putBlob(
    { name: chunkObject(hash) },
    new Uint8Array(deflateSync(bytes)),
  );
}

/**
 * Stores the packed scene `packed` (its chunks and its manifest, each unless the store already
 * holds exactly it) and returns its name: the SHA-256 of `packed`.
 */
export async function uploadPacked(
  store: ObjectStore,
  packed: Uint8Array,
): Promise<string> {
  const chunks: Manifest["chunks"] = [];
  let start = 0;
  for (const end of chunkEnds(packed)) {
    const chunk = packed.subarray(start, end);
    const hash = await sha256Hex(chunk);
    await putVerified(store, hash, chunk);
    chunks.push({ hash, size: chunk.length });
    start = end;
  }
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    size: packed.length,
    chunks,
  };
  const hash = await sha256Hex(packed);
  const bytes = encoder.encode(JSON.stringify(manifest));
  // Named by the scene's hash, not its own: compared byte for byte with what it should be.
  if (!await holdsManifest(store, sceneObject(hash), bytes)) {
    await store.putBlob(
      { name: sceneObject(hash) },
      new Uint8Array(deflateSync(bytes)),
    );
  }
  return hash;
}

async function holdsManifest(
  store: ObjectStore,
  name: string,
  bytes: Uint8Array,
): Promise<boolean> {
  const info = await store.info(name);
  if (info === null || info.deleted) return false;
  try {
    const stored = await readObject(store, name, bytes.length, undefined);
    return stored.length === bytes.length &&
      stored.every((byte, i) => byte === bytes[i]);
  } catch {
    return false;
  }
}

/**
 * Reads object `name`: at most `maxBytes` stored, inflated to at most `maxBytes`, checked
 * before anything that size is allocated, and hashing to `hash` when given.
 */
async function readObject(
  store: ObjectStore,
  name: string,
  maxBytes: number,
  hash: string | undefined,
  what = `object ${name}`,
): Promise<Uint8Array> {
  const info = await store.info(name);
  if (info === null || info.deleted) {
    throw new Error(`${what} is not in the farm's object store`);
  }
  // Deflate may grow incompressible bytes a little.
  const storedLimit = maxBytes + (maxBytes >>> 6) + 1024;
  if (!(info.size <= storedLimit)) {
    throw new Error(
      `${what} is stored as ${info.size} bytes, over the ${maxBytes} expected`,
    );
  }
  const stored = await store.getBlob(name);
  if (stored === null) {
    throw new Error(`${what} is not in the farm's object store`);
  }
  if (stored.length > storedLimit) {
    throw new Error(
      `${what} is stored as ${stored.length} bytes, over the ${maxBytes} expected`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(inflateSync(stored, { maxOutputLength: maxBytes }));
  } catch (error) {
    throw new Error(
      /larger than|maxOutputLength|buffer/i.test(String(error))
        ? `${what} inflates to over ${maxBytes} bytes`
        : `${what} does not inflate`,
      { cause: error },
    );
  }
  if (hash !== undefined && await sha256Hex(bytes) !== hash) {
    throw new Error(`${what} does not match its hash`);
  }
  return bytes;
}

function parseManifest(bytes: Uint8Array, what: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new Error(`${what} has no valid manifest`);
  }
  const m = value as Partial<Manifest> | null;
  if (
    typeof m !== "object" || m === null || m.version !== MANIFEST_VERSION ||
    !Number.isSafeInteger(m.size) || m.size! < 0 || !Array.isArray(m.chunks) ||
    !m.chunks.every((c) =>
      typeof c === "object" && c !== null &&
      typeof c.hash === "string" && /^[0-9a-f]{64}$/.test(c.hash) &&
      Number.isSafeInteger(c.size) && c.size > 0 && c.size <= MAX_CHUNK
    ) ||
    m.chunks.reduce((sum, c) => sum + c.size, 0) !== m.size
  ) {
    throw new Error(`${what} has no valid manifest`);
  }
  return m as Manifest;
}

/** Chunks a node keeps from scene to scene (an animation's frames share most of theirs). */
export interface ChunkCache {
  /** A chunk's bytes by its hash, if kept. */
  get(hash: string): Uint8Array | undefined;
  /** Keeps a chunk (checked against its hash). */
  set(hash: string, bytes: Uint8Array): void;
}

/**
 * Fetches the packed scene stored as `hash`: its manifest, then its chunks into one buffer of
 * the declared size, which must be at most `maxBytes` (checked before the buffer is
 * allocated); every chunk inflates to no more than its declared size and must match its
 * hash, and the whole must hash to `hash`. `chunkCache` keeps chunks fetched before.
 *
 * @throws {Error} naming the scene when anything is missing, too big, damaged or not what its
 * name says.
 */
export async function readPacked(
  store: ObjectStore,
  hash: string,
  maxBytes: number = MAX_PACKED_SCENE_BYTES,
  chunkCache?: ChunkCache,
): Promise<Uint8Array> {
  const what = `scene ${hash}`;
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`${what} is not a SHA-256`);
  const manifest = parseManifest(
    await readObject(
      store,
      sceneObject(hash),
      MAX_MANIFEST_BYTES,
      undefined,
      what,
    ),
    what,
  );
  if (manifest.size > maxBytes) {
    throw new Error(
      `${what} is ${manifest.size} bytes, over this node's limit of ${maxBytes}`,
    );
  }
  const packed = new Uint8Array(manifest.size);
  let at = 0;
  for (const { hash: chunkHash, size } of manifest.chunks) {
    const chunk = chunkCache?.get(chunkHash) ??
      await readObject(
        store,
        chunkObject(chunkHash),
        size,
        chunkHash,
        `chunk ${chunkHash} of ${what}`,
      );
    if (chunk.length !== size) {
      throw new Error(`chunk ${chunkHash} of ${what} is not ${size} bytes`);
    }
    chunkCache?.set(chunkHash, chunk);
    packed.set(chunk, at);
    at += size;
  }
  if (await sha256Hex(packed) !== hash) {
    throw new Error(`${what} does not match its hash`);
  }
  return packed;
}
