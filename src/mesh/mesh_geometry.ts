import type { Mesh, MeshData } from "../types.ts";
import { transformMesh } from "./transform_mesh.ts";
import { vertexNormals } from "./vertex_normals.ts";

/**
 * The world-space geometry of a mesh element, as the renderer gets it: the file's mesh (from
 * `files`, keyed by path as written) or the inline arrays, transformed, with vertex normals
 * only when `smooth` (the file's, transformed, or computed from the transformed faces).
 *
 * @param mesh A validated mesh element.
 * @param files Parsed mesh files, e.g. `Scene.meshes`.
 * @returns The geometry to pack.
 * @throws {Error} A `path` that `files` does not hold.
 *
 * @example Usage
 * ```ts
 * import { meshGeometry } from "./mesh_geometry.ts";
 * import { material, rgb } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const geometry = meshGeometry({
 *   positions: [0, 0, 0, 1, 0, 0, 0, 1, 0],
 *   indices: [0, 1, 2],
 *   material: material({ color: rgb(1, 1, 1) }),
 *   transform: { translate: { x: 0, y: 0, z: -5 } },
 *   smooth: true,
 * });
 * assert.deepEqual([...geometry.positions], [0, 0, -5, 1, 0, -5, 0, 1, -5]);
 * assert.deepEqual([...geometry.normals!], [0, 0, 1, 0, 0, 1, 0, 0, 1]);
 * ```
 */
export function meshGeometry(
  mesh: Mesh,
  files?: ReadonlyMap<string, MeshData>,
): MeshData {
  let data: MeshData;
  if (mesh.path !== undefined) {
    const file = files?.get(mesh.path);
    if (file === undefined) {
      throw new Error(
        `mesh ${JSON.stringify(mesh.path)} is missing from scene.meshes`,
      );
    }
    data = file;
  } else {
    data = {
      positions: new Float64Array(mesh.positions ?? []),
      indices: new Uint32Array(mesh.indices ?? []),
      degenerate: 0,
    };
    if (mesh.uvs !== undefined) data.uvs = new Float32Array(mesh.uvs);
  }
  const placed = mesh.transform === undefined
    ? data
    : transformMesh(data, mesh.transform);
  const out: MeshData = {
    positions: placed.positions,
    indices: placed.indices,
    degenerate: placed.degenerate,
  };
  if (placed.uvs) out.uvs = placed.uvs;
  if (mesh.smooth) {
    out.normals = placed.normals ??
      vertexNormals(placed.positions, placed.indices);
  }
  return out;
}
