// Private: the step every parser ends with — drop triangles without area, refuse an empty mesh.

import type { MeshData } from "../types.ts";

/**
 * Keeps the triangles with area (distinct corners, non-zero cross product), compacting
 * `indices` in place, and counts the rest. Throws when nothing is left.
 */
export async function finishMesh(
  name: string,
  positions: Float64Array,
  indices: Uint32Array,
  pause: () => Promise<void>,
  normals?: Float32Array,
  uvs?: Float32Array,
): Promise<MeshData> {
  const p = positions;
  let kept = 0;
  const count = indices.length / 3;
  for (let t = 0; t < count; t++) {
    if ((t & 0xffff) === 0xffff) await pause();
    const a = indices[3 * t], b = indices[3 * t + 1], c = indices[3 * t + 2];
    if (a === b || b === c || c === a) continue;
    const ax = p[3 * a], ay = p[3 * a + 1], az = p[3 * a + 2];
    const ux = p[3 * b] - ax, uy = p[3 * b + 1] - ay, uz = p[3 * b + 2] - az;
    const vx = p[3 * c] - ax, vy = p[3 * c + 1] - ay, vz = p[3 * c + 2] - az;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    if (nx === 0 && ny === 0 && nz === 0) continue;
    indices[3 * kept] = a;
    indices[3 * kept + 1] = b;
    indices[3 * kept + 2] = c;
    kept++;
  }
  const degenerate = count - kept;
  if (kept === 0) {
    throw new RangeError(
      count === 0
        ? `${name}: the mesh has no triangles`
        : `${name}: the mesh has no triangles with area (all ${count} are degenerate)`,
    );
  }
  const mesh: MeshData = {
    positions,
    indices: indices.subarray(0, 3 * kept),
    degenerate,
  };
  if (normals !== undefined) mesh.normals = normals;
  if (uvs !== undefined) mesh.uvs = uvs;
  return mesh;
}
