/**
 * The limits of one glTF model, checked from the file's JSON before anything big is
 * allocated, so a hostile or broken file is refused with one line instead of exhausting
 * memory.
 *
 * @example Usage
 * ```ts
 * import { MAX_GLTF_BYTES, MAX_GLTF_TRIANGLES } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_GLTF_BYTES, 512 * 1024 * 1024);
 * assert.equal(MAX_GLTF_TRIANGLES, 16 * 1024 * 1024);
 * ```
 *
 * @module
 */

/** Bytes read for one model: the `.glb` or `.gltf` and every resource beside it, together. */
export const MAX_GLTF_BYTES = 512 * 1024 * 1024;

/** Triangles of all primitives together (each stored once, however often it is placed). */
export const MAX_GLTF_TRIANGLES = 16 * 1024 * 1024;

/** Vertices of all primitives together, after splitting for flat normals. */
export const MAX_GLTF_VERTICES = 3 * 16 * 1024 * 1024;

/** Primitive placements (a primitive under each node that uses its mesh). */
export const MAX_GLTF_INSTANCES = 1024 * 1024;

/** Bytes of accessor data all accessors together decode to (sparse and compressed included). */
export const MAX_GLTF_ACCESSOR_BYTES = 1024 * 1024 * 1024;

/** Pixels of one image (8192 × 8192). */
export const MAX_GLTF_IMAGE_PIXELS = 8192 * 8192;

/** Pixels of all images together. */
export const MAX_GLTF_TOTAL_IMAGE_PIXELS = 4 * 8192 * 8192;
