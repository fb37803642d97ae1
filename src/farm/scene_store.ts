/**
 * Scenes in the farm's object store, by content (SHA-256): the validated description as JSON
 * plus each decoded texture and each parsed mesh file as its own object, so that a texture or
 * a model shared by many scenes (or many frames of an animation) is uploaded and fetched once. Textures travel decoded (a small
 * header and RGBA8, deflated: the original's 819×819 checkerboard is 2.7 MB of RGBA), so
 * nodes need no image decoder and every node sees the very pixels the submitter validated.
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import { MAX_MESH_BYTES } from "../mesh/limits.ts";
import { checkScene, validateScene } from "../scene/mod.ts";
import type { MeshData, Scene, TextureImage } from "../types.ts";
import type { ObjectStore } from "./connection.ts";

/** The scene package stored under its hash. */
interface ScenePackage {
  /** The validated description. */
  description: unknown;
  /** Texture path as written → `{ width, height, object }`, the texture object's hash. */
  textures: Record<string, { width: number; height: number; object: string }>;
  /** Mesh path as written → the parsed mesh object's hash (absent: no mesh files). */
  meshes?: Record<string, { object: string }>;
}

const encoder = new TextEncoder();

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

/** A texture as stored: width and height (u32 big-endian) and its RGBA8, deflated. */
function encodeTexture(texture: TextureImage): Uint8Array {
  const bytes = new Uint8Array(8 + texture.data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, texture.width);
  view.setUint32(4, texture.height);
  bytes.set(texture.data, 8);
  return new Uint8Array(deflateSync(bytes, { level: 6 }));
}

/** The largest texture accepted: 16384×16384 RGBA8 and its header. */
const MAX_TEXTURE_BYTES = 8 + 16384 * 16384 * 4;

function decodeTexture(stored: Uint8Array, name: string): TextureImage {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(
      inflateSync(stored, { maxOutputLength: MAX_TEXTURE_BYTES }),
    );
  } catch (error) {
    throw new TypeError(`texture ${name} does not inflate`, { cause: error });
  }
  if (bytes.length < 8) throw new TypeError(`texture ${name} is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  if (bytes.length !== 8 + width * height * 4) {
    throw new TypeError(
      `texture ${name} holds ${bytes.length - 8} bytes for ${width}×${height}`,
    );
  }
  return { width, height, data: bytes.slice(8) };
}

/** Mesh flag bits in a stored mesh's header. */
const STORED_NORMALS = 1;
const STORED_UVS = 2;

/**
 * A parsed mesh as stored: a header of four u32 (flags, vertices, indices, degenerate
 * triangles), then positions (f64), normals and uvs (f32, when present) and indices (u32),
 * little-endian, deflated. Nodes get the very geometry the submitter parsed, with no parser.
 */
function encodeMesh(mesh: MeshData): Uint8Array {
  const vertices = mesh.positions.length / 3;
  const parts: ArrayBufferView[] = [
    mesh.positions,
    ...(mesh.normals ? [mesh.normals] : []),
    ...(mesh.uvs ? [mesh.uvs] : []),
    mesh.indices,
  ];
  const bytes = new Uint8Array(
    16 + parts.reduce((sum, part) => sum + part.byteLength, 0),
  );
  const view = new DataView(bytes.buffer);
  view.setUint32(
    0,
    (mesh.normals ? STORED_NORMALS : 0) | (mesh.uvs ? STORED_UVS : 0),
    true,
  );
  view.setUint32(4, vertices, true);
  view.setUint32(8, mesh.indices.length, true);
  view.setUint32(12, mesh.degenerate, true);
  let at = 16;
  for (const part of parts) {
    // Typed arrays hold the platform's byte order, which is little-endian wherever Deno runs.
    bytes.set(
      new Uint8Array(part.buffer, part.byteOffset, part.byteLength),
      at,
    );
    at += part.byteLength;
  }
  return new Uint8Array(deflateSync(bytes, { level: 6 }));
}

function decodeMesh(stored: Uint8Array, name: string): MeshData {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(
      inflateSync(stored, { maxOutputLength: 16 + 4 * MAX_MESH_BYTES }),
    );
  } catch (error) {
    throw new TypeError(`mesh ${name} does not inflate`, { cause: error });
  }
  if (bytes.length < 16) throw new TypeError(`mesh ${name} is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const flags = view.getUint32(0, true);
  const vertices = view.getUint32(4, true);
  const indexCount = view.getUint32(8, true);
  const sizes = [
    vertices * 3 * 8,
    flags & STORED_NORMALS ? vertices * 3 * 4 : 0,
    flags & STORED_UVS ? vertices * 2 * 4 : 0,
    indexCount * 4,
  ];
  if (bytes.length !== 16 + sizes.reduce((sum, n) => sum + n, 0)) {
    throw new TypeError(
      `mesh ${name} holds ${bytes.length} bytes, not what its header says`,
    );
  }
  // Copies, so each array starts aligned for its element size.
  let at = 16;
  const take = (n: number) => bytes.slice(at, at += n).buffer;
  const positions = new Float64Array(take(sizes[0]));
  const normals = sizes[1] ? new Float32Array(take(sizes[1])) : undefined;
  const uvs = sizes[2] ? new Float32Array(take(sizes[2])) : undefined;
  const indices = new Uint32Array(take(sizes[3]));
  return {
    positions,
    ...(normals ? { normals } : {}),
    ...(uvs ? { uvs } : {}),
    indices,
    degenerate: view.getUint32(12, true),
  };
}

async function putOnce(
  store: ObjectStore,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  const info = await store.info(name);
  if (info !== null && !info.deleted && info.size === bytes.length) return;
  await store.putBlob({ name }, bytes);
}

/**
 * Uploads `scene` (once: objects already there are kept) and returns the package's hash.
 * The description is validated again first: the farm renders nothing the validator rejects.
 *
 * @throws {TypeError | RangeError} from the validator.
 */
export async function uploadScene(
  store: ObjectStore,
  scene: Scene,
): Promise<string> {
  // Validated again: the farm renders nothing the validator rejects, textures included.
  const { description, meshes } = checkScene(scene);
  const textures: ScenePackage["textures"] = {};
  for (const [path, texture] of scene.textures) {
    const bytes = encodeTexture(texture);
    const object = await sha256Hex(bytes);
    await putOnce(store, object, bytes);
    textures[path] = { width: texture.width, height: texture.height, object };
  }
  const pack: ScenePackage = { description, textures };
  for (const [path, mesh] of meshes ?? []) {
    const bytes = encodeMesh(mesh);
    const object = await sha256Hex(bytes);
    await putOnce(store, object, bytes);
    (pack.meshes ??= {})[path] = { object };
  }
  const bytes = encoder.encode(JSON.stringify(pack));
  const hash = await sha256Hex(bytes);
  await putOnce(store, hash, bytes);
  return hash;
}

/**
 * Fetches the scene stored as `hash`, checks every object against its hash and the
 * description against the validator, and rebuilds the {@linkcode Scene}.
 *
 * @throws {Error} when an object is missing or does not match its hash; the validator's
 * `TypeError`/`RangeError` for a bad description.
 */
export async function fetchScene(
  store: ObjectStore,
  hash: string,
): Promise<Scene> {
  const bytes = await fetchChecked(store, hash, "scene");
  const pack = JSON.parse(new TextDecoder().decode(bytes)) as ScenePackage;
  const description = validateScene(pack.description);
  const textures = new Map<string, TextureImage>();
  for (const [path, entry] of Object.entries(pack.textures ?? {})) {
    const texture = decodeTexture(
      await fetchChecked(store, entry.object, `texture ${path}`),
      path,
    );
    textures.set(path, texture);
  }
  if (pack.meshes === undefined) return { description, textures };
  const meshes = new Map<string, MeshData>();
  for (const [path, entry] of Object.entries(pack.meshes)) {
    meshes.set(
      path,
      decodeMesh(
        await fetchChecked(store, entry.object, `mesh ${path}`),
        path,
      ),
    );
  }
  return { description, textures, meshes };
}

async function fetchChecked(
  store: ObjectStore,
  hash: string,
  what: string,
): Promise<Uint8Array> {
  const bytes = await store.getBlob(hash);
  if (bytes === null) {
    throw new Error(`${what} ${hash} is not in the farm's object store`);
  }
  if (await sha256Hex(bytes) !== hash) {
    throw new Error(`${what} ${hash} does not match its hash`);
  }
  return bytes;
}
