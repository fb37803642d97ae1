// Private: reads and parses one mesh file (the asset loader, `_assets.ts`, finds it).

import type { MeshData } from "../types.ts";
import { parseMesh } from "../mesh/parse_mesh.ts";
import { MAX_MESH_BYTES } from "../mesh/limits.ts";
import { abortError } from "../_format.ts";
import { abortable } from "./_abortable.ts";
import { reason, rewrap } from "../_format.ts";
import { readBoundedFile } from "./_read_file.ts";

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
    return await abortable(parseMesh(bytes, written), signal);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
}
