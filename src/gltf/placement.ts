/**
 * Where a glTF instance goes in a raypool scene: the `Gltf` element's transform (a 3 × 4
 * matrix, rows first, as `transformMatrix` gives) times the instance's world matrix from the
 * node hierarchy (4 × 4, column-major, as glTF writes it), as the packed format's 3 × 4
 * instance matrix (rows first).
 *
 * @param element m00, m01, m02, m03, m10, …, m23.
 * @param instance The instance's 16 numbers, column-major.
 * @returns m00, m01, m02, m03, m10, …, m23 of `element · instance`.
 *
 * @example Usage
 * ```ts
 * import { placeInstance } from "./placement.ts";
 * import assert from "node:assert/strict";
 *
 * // Scale by 2, then move the whole model 5 along −z; the node moved the mesh 1 along x.
 * const element = [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, -5];
 * const node = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1];
 * assert.deepEqual(placeInstance(element, node), [2, 0, 0, 2, 0, 2, 0, 0, 0, 0, 2, -5]);
 * ```
 */
export function placeInstance(
  element: ArrayLike<number>,
  instance: ArrayLike<number>,
): number[] {
  const out = new Array<number>(12);
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 4; col++) {
      let sum = col === 3 ? element[row * 4 + 3] : 0;
      for (let k = 0; k < 3; k++) {
        sum += element[row * 4 + k] * instance[col * 4 + k];
      }
      out[row * 4 + col] = sum;
    }
  }
  return out;
}
