import type { Scene, SceneDescription } from "../types.ts";
import { validateScene } from "./validate.ts";
import { loadAssets } from "./_assets.ts";
import { throwIfAborted } from "../_abort.ts";

/** Options for {@linkcode prepareScene} and `parseScene`. */
export interface PrepareSceneOptions {
  /**
   * The folder relative texture paths are resolved against before the current directory
   * (a path, or a `file:` URL). Absent, only the current directory is tried.
   */
  baseDir?: string | URL;
  /**
   * Aborting stops the work wherever it is (finding, reading or decoding a texture) and
   * rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * Validates a scene description (typically one built in TypeScript) and decodes its textures,
 * giving a {@linkcode Scene} ready to render.
 *
 * A relative texture path is looked up in `options.baseDir` first, then in the current
 * directory; an absolute one is used as is. Each distinct path is read and decoded once, and
 * `Scene.textures` is keyed by the paths exactly as written. Decoding PNG and JPEG needs
 * `--allow-read` for the files and `--allow-ffi` for the decoder; scenes without textures need
 * neither.
 *
 * @param description The scene, e.g. from the helpers in `build.ts`.
 * @param options Where to find textures; `signal` to abort.
 * @returns The validated, deep-copied description and its decoded textures.
 * @throws {TypeError | RangeError} From {@linkcode validateScene}.
 * @throws {Deno.errors.NotFound} A texture in neither place; the message names the JSON path
 * and every file tried.
 * @throws {Deno.errors.IsADirectory} A texture path naming a folder.
 * @throws {TypeError} A texture that is not a PNG or JPEG image or does not decode, or is a
 * device or FIFO rather than a regular file.
 * @throws {RangeError} A texture file larger than `MAX_TEXTURE_FILE_BYTES`.
 * @throws The signal's reason, when it aborts.
 *
 * @example Usage
 * ```ts
 * import { prepareScene } from "../../mod.ts";
 * import { rgb, scene, sphere, material, point, sphericalLight } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const prepared = await prepareScene(scene({
 *   width: 64,
 *   height: 48,
 *   elements: [sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) })],
 *   lights: [sphericalLight({ position: point(0, 5, 0), color: rgb(1, 1, 1), intensity: 1000 })],
 * }));
 * assert.equal(prepared.textures.size, 0);
 * ```
 */
export async function prepareScene(
  description: SceneDescription,
  options: PrepareSceneOptions = {},
): Promise<Scene> {
  throwIfAborted(options.signal, "loading the scene");
  const clean = validateScene(description);
  const { textures, meshes, gltf, environments } = await loadAssets(
    clean,
    options.baseDir,
    options.signal,
  );
  return {
    description: clean,
    textures,
    meshes,
    ...(gltf.size > 0 ? { gltf } : {}),
    ...(environments.size === 0 ? {} : { environments }),
  };
}
