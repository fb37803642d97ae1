import type { MeshTransform } from "../types.ts";

/**
 * The affine matrix of a mesh element's `transform`, as the packed scene carries it: a 3×4
 * matrix, rows first, M = T · R · S (scale, then rotate about the unit axis by Rodrigues'
 * formula, then translate). The core applies it (and derives the inverse and the normal
 * matrix); the writer only computes these twelve numbers.
 *
 * @param transform The validated transform (finite, non-zero scale factors; a non-zero axis);
 * absent, the identity.
 * @returns m00, m01, m02, m03, m10, …, m23.
 *
 * @example Usage
 * ```ts
 * import { transformMatrix } from "./transform_matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const m = transformMatrix({ scale: 2, translate: { x: 0, y: 0, z: -5 } });
 * assert.deepEqual(m, [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, -5]);
 * ```
 */
export function transformMatrix(transform?: MeshTransform): number[] {
  const s = transform?.scale ?? 1;
  const [sx, sy, sz] = typeof s === "number" ? [s, s, s] : [s.x, s.y, s.z];
  const r = rotation(transform?.rotate);
  const t = transform?.translate ?? { x: 0, y: 0, z: 0 };
  return [
    r[0] * sx,
    r[1] * sy,
    r[2] * sz,
    t.x,
    r[3] * sx,
    r[4] * sy,
    r[5] * sz,
    t.y,
    r[6] * sx,
    r[7] * sy,
    r[8] * sz,
    t.z,
  ];
}

/** The row-major rotation matrix about an axis (normalised first; Rodrigues' formula). */
function rotation(rotate: MeshTransform["rotate"]): number[] {
  if (rotate === undefined) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const length = Math.hypot(rotate.axis.x, rotate.axis.y, rotate.axis.z);
  const x = rotate.axis.x / length;
  const y = rotate.axis.y / length;
  const z = rotate.axis.z / length;
  const angle = rotate.degrees * Math.PI / 180;
  const c = Math.cos(angle), s = Math.sin(angle), k = 1 - c;
  return [
    c + x * x * k,
    x * y * k - z * s,
    x * z * k + y * s,
    y * x * k + z * s,
    c + y * y * k,
    y * z * k - x * s,
    z * x * k - y * s,
    z * y * k + x * s,
    c + z * z * k,
  ];
}
