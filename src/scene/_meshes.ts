// Private: finds, reads and parses the mesh files a validated scene refers to.

import type { MeshData, SceneDescription } from "../types.ts";
import { parseMesh } from "../mesh/parse_mesh.ts";
import { MAX_MESH_BYTES } from "../mesh/limits.ts";
import { transformMatrix } from "../mesh/transform_matrix.ts";
import { placementProblem, positionBounds } from "./limits.ts";
import { abortError, throwIfAborted } from "../_abort.ts";
import { abortable } from "./_abortable.ts";
import { reason, rewrap } from "../_errors.ts";
import { readBoundedFile } from "./_read_file.ts";
import { directoryPath, locate } from "./_textures.ts";

/**
 * The parsed mesh files of `description`, keyed by each path as written. A file is read and
 * parsed once however many elements use it (transforms are applied when the scene is packed).
 * Every error starts with the element's JSON path; a parse error keeps the file and line:
 * `elements[2].Mesh.path: models/bunny.obj:1234: face index 5000 out of range (1..3674)`.
 */
export async function loadMeshes(
  description: SceneDescription,
  baseDir: string | URL | undefined,
  signal?: AbortSignal,
): Promise<Map<string, MeshData>> {
  throwIfAborted(signal, "loading the scene");
  const base = baseDir === undefined ? undefined : directoryPath(baseDir);
  const uses = new Map<string, string>();
  description.elements.forEach((element, index) => {
    if ("Mesh" in element && element.Mesh.path !== undefined) {
      if (!uses.has(element.Mesh.path)) {
        uses.set(element.Mesh.path, `elements[${index}].Mesh.path`);
      }
    }
  });
  const byFile = new Map<string, MeshData>();
  const meshes = new Map<string, MeshData>();
  // One at a time, in the scene's order: the error reported is the first one, and two big
  // files are never held in memory at once while parsing.
  for (const [written, jsonPath] of uses) {
    const file = await abortable(
      locate(written, jsonPath, base, "mesh"),
      signal,
    );
    let mesh = byFile.get(file);
    if (mesh === undefined) {
      mesh = await readMesh(written, jsonPath, file, signal);
      byFile.set(file, mesh);
    }
    meshes.set(written, mesh);
  }
  checkPlacements(description, meshes);
  return meshes;
}

/**
 * Refuses a transform that places a mesh file beyond what the core can hold (the limits of
 * src/scene/limits.ts, as the validator applies them to inline meshes).
 */
function checkPlacements(
  description: SceneDescription,
  meshes: Map<string, MeshData>,
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

async function readMesh(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<MeshData> {
  const which = `mesh ${JSON.stringify(written)} (${JSON.stringify(file)})`;
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(file, {
      limit: MAX_MESH_BYTES,
      what: which,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
  try {
    return await abortable(parseMesh(bytes, written, { signal }), signal);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
}
