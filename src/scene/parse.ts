import type { Scene } from "../types.ts";
import type { PrepareSceneOptions } from "./prepare.ts";
import { validateScene } from "./validate.ts";
import { jsonSyntaxError } from "./_json_error.ts";
import { loadAssets } from "./_assets.ts";
import { throwIfAborted, yielder } from "../_abort.ts";

/**
 * Parses the text of a scene file, validates it and decodes its textures.
 *
 * @param text The JSON text; a leading byte order mark is ignored.
 * @param options `baseDir`: the folder relative texture paths are resolved against before the
 * current directory (see `prepareScene`); `signal` to abort.
 * @returns The validated description and its decoded textures.
 * @throws {SyntaxError} Text that is not JSON; the message gives line and column
 * (`invalid JSON at line 3, column 8: Unexpected token ','`).
 * @throws {TypeError | RangeError} From `validateScene`, starting with the JSON path.
 * @throws {Deno.errors.NotFound | Deno.errors.IsADirectory | TypeError} A texture that cannot
 * be found or decoded (see `prepareScene`).
 * @throws The signal's reason, when it aborts.
 *
 * @example Usage
 * ```ts
 * import { parseScene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const scene = await parseScene(`{
 *   "width": 64, "height": 48, "fov": 90, "elements": [], "lights": [],
 *   "shadow_bias": 1e-13, "max_recursion_depth": 10
 * }`);
 * assert.equal(scene.description.height, 48);
 *
 * await assert.rejects(
 *   parseScene('{\n  "width": 64,\n  "height": ,\n}'),
 *   { name: "SyntaxError", message: "invalid JSON at line 3, column 13: Unexpected token ','" },
 * );
 * ```
 */
export async function parseScene(
  text: string,
  options: PrepareSceneOptions = {},
): Promise<Scene> {
  throwIfAborted(options.signal, "loading the scene");
  // TextDecoder drops a byte order mark but text from elsewhere may still carry one.
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    if (error instanceof SyntaxError) throw jsonSyntaxError(json, error);
    throw error;
  }
  // Parsing and validating a big scene (10,000 elements) take tens of milliseconds each: a
  // turn of the event loop between them lets an abort or Ctrl-C act.
  const pause = yielder(options.signal, "loading the scene");
  await pause(true);
  const description = validateScene(value);
  await pause(true);
  const { textures, meshes, gltf, environments } = await loadAssets(
    description,
    options.baseDir,
    options.signal,
  );
  return {
    description,
    textures,
    meshes,
    ...(gltf.size > 0 ? { gltf } : {}),
    ...(environments.size === 0 ? {} : { environments }),
  };
}
