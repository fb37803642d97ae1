/**
 * The triangles of one mesh as the parsers return them: flat arrays, one vertex per unique
 * combination of position, normal and texture coordinates, three indices per triangle.
 *
 * @example Usage
 * ```ts
 * import type { MeshData } from "./mesh_data.ts";
 *
 * const quad: MeshData = {
 *   positions: new Float64Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]),
 *   indices: new Uint32Array([0, 1, 2, 0, 2, 3]),
 *   degenerate: 0,
 * };
 * ```
 */
export interface MeshData {
  /** x, y, z of each vertex. */
  positions: Float64Array;
  /** Unit (or zero) normal x, y, z per vertex, when the file gives one for every corner. */
  normals?: Float32Array;
  /** u, v per vertex, when the file gives texture coordinates for every corner. */
  uvs?: Float32Array;
  /** Three vertex indices per triangle, counter-clockwise seen from the front. */
  indices: Uint32Array;
  /** Triangles dropped because they have no area (repeated or collinear corners). */
  degenerate: number;
}
