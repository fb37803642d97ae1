/**
 * Smooth vertex normals from the faces: each vertex gets the sum of its triangles' normals
 * weighted by their areas (the unnormalised cross product), normalised; vertices at exactly the
 * same position (a seam where the file splits them) share one normal. A vertex no triangle
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
  // Vertices at the same place (split at a seam of the file, like the teapot's patches)
  // share one normal, or the seam would show.
  const group = samePosition(positions);
  for (let v = 0; v < group.length; v++) {
    const g = group[v];
    if (g === v) continue;
    sum[3 * g] += sum[3 * v];
    sum[3 * g + 1] += sum[3 * v + 1];
    sum[3 * g + 2] += sum[3 * v + 2];
  }
  for (let v = 0; v < group.length; v++) {
    const g = group[v];
    if (g === v) continue;
    sum[3 * v] = sum[3 * g];
    sum[3 * v + 1] = sum[3 * g + 1];
    sum[3 * v + 2] = sum[3 * g + 2];
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

/**
 * For each vertex, the first vertex at exactly the same position (itself when it is the
 * first): an open-addressing hash table over the coordinates' bits, linear in the count.
 */
function samePosition(positions: Float64Array): Uint32Array {
  const count = positions.length / 3;
  const group = new Uint32Array(count);
  let size = 1;
  while (size < 2 * count) size *= 2;
  const table = new Int32Array(size).fill(-1);
  const bits = new Uint32Array(6);
  const value = new Float64Array(bits.buffer);
  for (let v = 0; v < count; v++) {
    // + 0 makes -0 equal 0.
    value[0] = positions[3 * v] + 0;
    value[1] = positions[3 * v + 1] + 0;
    value[2] = positions[3 * v + 2] + 0;
    let h = 0x811c9dc5;
    for (let i = 0; i < 6; i++) h = Math.imul(h ^ bits[i], 0x01000193);
    let slot = (h ^ (h >>> 15)) & (size - 1);
    while (true) {
      const other = table[slot];
      if (other < 0) {
        table[slot] = v;
        group[v] = v;
        break;
      }
      if (
        positions[3 * other] === value[0] &&
        positions[3 * other + 1] === value[1] &&
        positions[3 * other + 2] === value[2]
      ) {
        group[v] = other;
        break;
      }
      slot = (slot + 1) & (size - 1);
    }
  }
  return group;
}
