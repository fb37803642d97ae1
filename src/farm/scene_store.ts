/**
 * Scenes in the farm's object store, by content (SHA-256): the validated description as JSON
 * plus each decoded texture as its own object, so that a texture shared by many scenes (or
 * many frames of an animation) is uploaded and fetched once. Textures travel decoded (a small
 * header and RGBA8, deflated: the original's 819×819 checkerboard is 2.7 MB of RGBA), so
 * nodes need no image decoder and every node sees the very pixels the submitter validated.
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import { validateScene } from "../scene/mod.ts";
import type { Scene, TextureImage } from "../types.ts";
import type { ObjectStore } from "./connection.ts";

/** The scene package stored under its hash. */
interface ScenePackage {
  /** The validated description. */
  description: unknown;
  /** Texture path as written → `{ width, height, object }`, the texture object's hash. */
  textures: Record<string, { width: number; height: number; object: string }>;
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

async function putOnce(
  store: ObjectStore,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  const info = await store.info(name);
  if (info !== null && !info.deleted && info.size === bytes.length) return;
  await store.putBlob({ name }, bytes);
}

/** Every `{ "Texture": { "path": … } }` in a description, whatever element holds it. */
function texturePaths(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) texturePaths(item, found);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, field] of Object.entries(value)) {
      const path = (field as { path?: unknown } | null)?.path;
      if (key === "Texture" && typeof path === "string") found.add(path);
      else texturePaths(field, found);
    }
  }
  return found;
}

/**
 * Checks that every texture `scene` names has been decoded, as a scene from `prepareScene`
 * or `loadScene` has.
 *
 * @throws {TypeError} naming the first texture missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTextures } from "./scene_store.ts";
 * const description = {
 *   width: 4, height: 4, fov: 90, shadow_bias: 1e-13, max_recursion_depth: 10, lights: [],
 *   elements: [{ Sphere: { center: { x: 0, y: 0, z: -5 }, radius: 1, material: {
 *     coloration: { Texture: { path: "wood.png" } }, albedo: 0.2, surface: "Diffuse" as const,
 *   } } }],
 * };
 * assert.throws(() => checkTextures({ description, textures: new Map() }), {
 *   message: 'texture "wood.png" is not among the scene\'s decoded textures (prepare the scene with prepareScene)',
 * });
 * ```
 */
export function checkTextures(scene: Scene): void {
  for (const path of texturePaths(scene.description)) {
    if (!scene.textures.has(path)) {
      throw new TypeError(
        `texture ${
          JSON.stringify(path)
        } is not among the scene's decoded textures (prepare the scene with prepareScene)`,
      );
    }
  }
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
  const description = validateScene(scene.description);
  checkTextures({ description, textures: scene.textures });
  const textures: ScenePackage["textures"] = {};
  for (const [path, texture] of scene.textures) {
    const bytes = encodeTexture(texture);
    const object = await sha256Hex(bytes);
    await putOnce(store, object, bytes);
    textures[path] = { width: texture.width, height: texture.height, object };
  }
  const pack: ScenePackage = { description, textures };
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
  return { description, textures };
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
