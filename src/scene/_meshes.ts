// Private: reads and parses one mesh file (the asset loader, `_assets.ts`, finds it).

import type { MeshData, SceneDescription } from "../types.ts";
import { parseMesh } from "../mesh/parse_mesh.ts";
import { MAX_MESH_BYTES } from "../mesh/limits.ts";
import { transformMatrix } from "../mesh/transform_matrix.ts";
import { placementProblem, positionBounds } from "./limits.ts";
import { abortError } from "../_abort.ts";
import { abortable } from "./_abortable.ts";
import { reason, rewrap } from "../_errors.ts";
import { readSceneAsset } from "./_read_file.ts";

/**
 * Reads and parses the mesh file `file`, named `written` at `jsonPath`. Every error starts
 * with the JSON path; a parse error keeps the file and line:
 * `elements[2].Mesh.path: models/bunny.obj:1234: face index 5000 out of range (1..3674)`.
 */
export async function readMesh(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<MeshData> {
  const { bytes } = await readSceneAsset(
    "mesh",
    written,
    jsonPath,
    file,
    MAX_MESH_BYTES,
    signal,
  );
  try {
    return await abortable(parseMesh(bytes, written, { signal }), signal);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
}

/**
 * Refuses a transform that places a mesh file beyond what the core can hold (the limits of
 * src/scene/limits.ts, as the validator applies them to inline meshes).
 */
export function checkPlacements(
  description: SceneDescription,
  meshes: ReadonlyMap<string, MeshData>,
): void {
  const boxes = new Map<MeshData, { min: number[]; max: number[] }>();
  description.elements.forEach((element, index) => {
    if (!("Mesh" in element)) return;
    const { path, transform } = element.Mesh;
    const mesh = path === undefined ? undefined : meshes.get(path);
    if (mesh === undefined || transform === undefined) return;
    let box = boxes.get(mesh);
    if (box === undefined) {
      boxes.set(mesh, box = positionBounds(mesh.positions));
    }
    const problem = placementProblem(
      box.min,
      box.max,
      transformMatrix(transform),
    );
    if (problem !== undefined) {
      throw new RangeError(
        `elements[${index}].Mesh.transform: ${problem} (mesh ${
          JSON.stringify(path)
        })`,
      );
    }
  });
}
