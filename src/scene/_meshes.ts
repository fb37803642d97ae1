// Private: finds, reads and parses the mesh files a validated scene refers to.

import type { MeshData, SceneDescription } from "../types.ts";
import { parseMesh } from "../mesh/parse_mesh.ts";
import { MAX_MESH_BYTES } from "../mesh/limits.ts";
import { directoryPath, locate, reason, rewrap } from "./_textures.ts";

/**
 * The parsed mesh files of `description`, keyed by each path as written. A file is read and
 * parsed once however many elements use it (transforms are applied when the scene is packed).
 * Every error starts with the element's JSON path; a parse error keeps the file and line:
 * `elements[2].Mesh.path: models/bunny.obj:1234: face index 5000 out of range (1..3674)`.
 */
export async function loadMeshes(
  description: SceneDescription,
  baseDir: string | URL | undefined,
): Promise<Map<string, MeshData>> {
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
    const file = await locate(written, jsonPath, base, "mesh");
    let mesh = byFile.get(file);
    if (mesh === undefined) {
      mesh = await readMesh(written, jsonPath, file);
      byFile.set(file, mesh);
    }
    meshes.set(written, mesh);
  }
  return meshes;
}

async function readMesh(
  written: string,
  jsonPath: string,
  file: string,
): Promise<MeshData> {
  const which = `mesh ${JSON.stringify(written)} (${JSON.stringify(file)})`;
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(file);
    if (info.size > MAX_MESH_BYTES) {
      throw new RangeError(
        `${jsonPath}: ${which} is ${info.size} bytes, more than the limit of ${MAX_MESH_BYTES} (512 MiB)`,
      );
    }
    bytes = await Deno.readFile(file);
  } catch (error) {
    if (error instanceof RangeError) throw error;
    throw rewrap(error, `${jsonPath}: cannot read ${which}: ${reason(error)}`);
  }
  try {
    return await parseMesh(bytes, written);
  } catch (error) {
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
}
