/**
 * The numeric limits of a scene, in one place: `validateScene`, `checkScene`, the file readers
 * and `scene.schema.json` all state these values, and the Rust core (`rust/src/scene.rs`,
 * `rust/src/camera.rs`) enforces the same ones, so a scene that passes validation always builds
 * in the core.
 *
 * The f32 bounds are exact: the core converts colours, albedo, intensities, reflectivity,
 * transparency and the refractive index with `as f32` (round to nearest, ties to even), so a
 * number is usable when `Math.fround` of it, which rounds the same way, is finite (and, for
 * the index, positive).
 *
 * @example Usage
 * ```ts
 * import { F32_OVERFLOW, MAX_RECURSION_DEPTH, U32_MAX } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_RECURSION_DEPTH, 1000);
 * assert.equal(U32_MAX, 2 ** 32 - 1);
 * assert.equal(Math.fround(F32_OVERFLOW), Infinity);
 * ```
 *
 * @module
 */

/** The largest value of a 32-bit unsigned integer: width, height and samples are `u32`. */
export const U32_MAX = 4294967295;

/** The largest finite 32-bit float, `f32::MAX`. */
export const F32_MAX = 3.4028234663852886e38;

/**
 * The smallest magnitude that rounds to infinity as an f32: 2¹²⁸ − 2¹⁰³, halfway between
 * {@linkcode F32_MAX} and 2¹²⁸ (ties go to the even neighbour, which is infinity). A colour,
 * albedo, intensity, reflectivity, transparency or index must be below it.
 */
export const F32_OVERFLOW = 2 ** 128 - 2 ** 103;

/**
 * The largest magnitude that rounds to zero as an f32: 2⁻¹⁵⁰, half the smallest f32 denormal
 * (a tie, which goes to the even neighbour, zero). A refractive index must be above it.
 */
export const F32_UNDERFLOW = 2 ** -150;

/**
 * The deepest `max_recursion_depth` the core accepts: deeper recursion could exhaust the wasm
 * stack, which traps instead of failing cleanly.
 */
export const MAX_RECURSION_DEPTH = 1000;

/** The widest or tallest texture the core accepts: `i32::MAX`. */
export const MAX_TEXTURE_SIDE = 2 ** 31 - 1;

/** The widest or tallest PNG: the format stores each side in 31 bits. */
export const PNG_MAX_SIDE = 2 ** 31 - 1;

/**
 * The largest scene file read: 256 MiB of JSON (about 600,000 spheres written out in full).
 * A bigger file, a device, a FIFO or a folder is refused before anything is read.
 */
export const MAX_SCENE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The largest texture file read: 256 MiB, far more than any PNG or JPEG that decodes to a
 * texture the renderer can use in memory.
 */
export const MAX_TEXTURE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The largest other asset file read (meshes and the like), 256 MiB, for loaders that
 * `readBoundedFile` serves.
 */
export const MAX_ASSET_FILE_BYTES = 256 * 1024 * 1024;
