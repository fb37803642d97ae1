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

/**
 * Whether `value` is finite as the f32 the core stores it in (`Math.fround` of it is finite):
 * mesh positions (in object space), normals and texture coordinates, and every coordinate of a
 * placed mesh's box in world space, must be. NaN is not.
 *
 * @example Usage
 * ```ts
 * import { isF32Finite } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isF32Finite(3e38));
 * assert.ok(!isF32Finite(1e39));
 * assert.ok(!isF32Finite(NaN));
 * ```
 */
export function isF32Finite(value: number): boolean {
  return Math.abs(value) < F32_OVERFLOW;
}

/** A mesh element's transform as the twelve numbers of its 3×4 matrix (`transformMatrix`). */
type Matrix = readonly number[];

/**
 * Why the core would refuse a mesh transform's matrix, or `undefined` when it places meshes:
 * every entry finite, the determinant of its 3×3 part finite and non-zero, and the inverse
 * finite (the core sends rays into object space through it). Computed as the core's
 * `Affine::inverse` computes it, in the same order.
 *
 * @example Usage
 * ```ts
 * import { transformProblem } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(transformProblem([2, 0, 0, 1, 0, 2, 0, 0, 0, 0, 2, 0]), undefined);
 * assert.match(transformProblem([1e308, 0, 0, 0, 0, 1e308, 0, 0, 0, 0, 1e308, 0])!, /determinant/);
 * ```
 */
export function transformProblem(m: Matrix): string | undefined {
  if (!m.every(Number.isFinite)) return "its matrix is not finite";
  const [m00, m01, m02, m03, m10, m11, m12, m13, m20, m21, m22, m23] = m;
  const c00 = m11 * m22 - m12 * m21;
  const c01 = m10 * m22 - m12 * m20;
  const c02 = m10 * m21 - m11 * m20;
  const det = m00 * c00 - m01 * c01 + m02 * c02;
  if (!(det !== 0 && Number.isFinite(det))) {
    return `the determinant of its matrix is ${det}, which must be finite and non-zero (the scale factors' product overflows or underflows)`;
  }
  const k = 1 / det;
  const a = [
    c00 * k,
    (m02 * m21 - m01 * m22) * k,
    (m01 * m12 - m02 * m11) * k,
    (m12 * m20 - m10 * m22) * k,
    (m00 * m22 - m02 * m20) * k,
    (m02 * m10 - m00 * m12) * k,
    c02 * k,
    (m01 * m20 - m00 * m21) * k,
    (m00 * m11 - m01 * m10) * k,
  ];
  const inverse = [
    ...a,
    -(a[0] * m03 + a[1] * m13 + a[2] * m23),
    -(a[3] * m03 + a[4] * m13 + a[5] * m23),
    -(a[6] * m03 + a[7] * m13 + a[8] * m23),
  ];
  if (!inverse.every(Number.isFinite)) {
    return "its inverse is not finite (a scale factor too small or a translation too far)";
  }
  return undefined;
}

/**
 * Why the core would refuse a mesh whose object-space box is `min`..`max` placed by the matrix
 * `m`, or `undefined`: each of the eight corners, transformed as the core transforms it, must
 * land within the f32 range ({@linkcode isF32Finite}), so that every vertex does and the
 * world box the bounding volume hierarchy is built from is finite. The transform itself is
 * checked first ({@linkcode transformProblem}).
 *
 * @example Usage
 * ```ts
 * import { placementProblem } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
 * assert.equal(placementProblem([0, 0, 0], [1, 1, 1], identity), undefined);
 * const far = [1, 0, 0, 1e308, 0, 1, 0, 0, 0, 0, 1, 0];
 * assert.match(placementProblem([0, 0, 0], [1, 1, 1], far)!, /beyond the 32-bit float range/);
 * ```
 */
export function placementProblem(
  min: readonly number[],
  max: readonly number[],
  m: Matrix,
): string | undefined {
  const problem = transformProblem(m);
  if (problem !== undefined) return problem;
  for (let k = 0; k < 8; k++) {
    const x = k & 1 ? max[0] : min[0];
    const y = k & 2 ? max[1] : min[1];
    const z = k & 4 ? max[2] : min[2];
    const corner = [
      m[0] * x + m[1] * y + m[2] * z + m[3],
      m[4] * x + m[5] * y + m[6] * z + m[7],
      m[8] * x + m[9] * y + m[10] * z + m[11],
    ];
    if (!corner.every(isF32Finite)) {
      return `it places the mesh beyond the 32-bit float range (±${F32_MAX}): its box's corner (${x}, ${y}, ${z}) goes to (${
        corner.join(", ")
      })`;
    }
  }
  return undefined;
}

/**
 * The object-space box of `positions` (x, y, z triples) as the core sees it: each coordinate
 * rounded to f32 first.
 */
export function positionBounds(
  positions: ArrayLike<number>,
): { min: number[]; max: number[] } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let a = 0; a < 3; a++) {
      const v = Math.fround(positions[i + a]);
      if (v < min[a]) min[a] = v;
      if (v > max[a]) max[a] = v;
    }
  }
  return { min, max };
}
