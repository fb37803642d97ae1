/**
 * Smooth vertex normals from the faces: each vertex gets the sum of its triangles' normals
 * weighted by their areas (the unnormalised cross product), normalised. A vertex no triangle
 * uses, or whose faces cancel out, gets (0, 0, 0), which the renderer shades with the face's
 * own normal.
 *
 * @param positions x, y, z per vertex.
 * @param indices Three vertex indices per triangle.
 * @returns x, y, z per vertex.
 *
 * @example Usage
 * ```ts
 * import { vertexNormals } from "./vertex_normals.ts";
 * import assert from "node:assert/strict";
 *
 * const n = vertexNormals(new Float64Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), new Uint32Array([0, 1, 2]));
 * assert.deepEqual([...n], [0, 0, 1, 0, 0, 1, 0, 0, 1]);
 * ```
 */
export function vertexNormals(
  positions: Float64Array,
  indices: Uint32Array,
): Float32Array {
  const sum = new Float64Array(positions.length);
  const p = positions;
  for (let i = 0; i < indices.length; i += 3) {
    const a = 3 * indices[i], b = 3 * indices[i + 1], c = 3 * indices[i + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    sum[a] += nx;
    sum[a + 1] += ny;
    sum[a + 2] += nz;
    sum[b] += nx;
    sum[b + 1] += ny;
    sum[b + 2] += nz;
    sum[c] += nx;
    sum[c + 1] += ny;
    sum[c + 2] += nz;
  }
  const normals = new Float32Array(positions.length);
  for (let k = 0; k < sum.length; k += 3) {
    const length = Math.hypot(sum[k], sum[k + 1], sum[k + 2]);
    if (!(length > 0 && length < Infinity)) continue;
    normals[k] = sum[k] / length;
    normals[k + 1] = sum[k + 1] / length;
    normals[k + 2] = sum[k + 2] / length;
  }
  return normals;
}
