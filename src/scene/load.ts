import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Scene } from "../types.ts";
import { parseScene } from "./parse.ts";
import type { PrepareSceneOptions } from "./prepare.ts";
import { MAX_SCENE_FILE_BYTES } from "./limits.ts";
import { readBoundedFile } from "./_read_file.ts";
import { loadGltf } from "../gltf/load_gltf.ts";

/** Options for {@linkcode loadScene}. */
export interface LoadSceneOptions {
  /**
   * Aborting stops the load wherever it is (reading the file, reading or decoding a texture)
   * and rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** For a `.glb` or `.gltf`: which of the model's cameras to look through (see loadGltf). */
  camera?: number;
}

/**
 * Reads, parses and validates a scene file and decodes its textures, which are looked up
 * relative to the file's folder first, then the current directory. A `.glb` or `.gltf` file
 * is loaded as a scene of its own with `loadGltf`'s defaults (512 × 512, the model's first
 * camera or a framing one).
 *
 * The file must be a regular file of at most {@linkcode MAX_SCENE_FILE_BYTES} (256 MiB), and
 * each texture at most `MAX_TEXTURE_FILE_BYTES`: a device such as `/dev/zero`, a FIFO, a
 * folder or a larger file is refused before anything is read.
 *
 * @param path The scene file, a path or a `file:` URL.
 * @param options `signal` to abort the load.
 * @returns The validated description and its decoded textures.
 * @throws {Deno.errors.NotFound | Deno.errors.IsADirectory | Deno.errors.NotCapable} The file
 * cannot be read; the message names it (`cannot read scene file "x.json": No such file or
 * directory`).
 * @throws {TypeError} A device, a FIFO or a socket rather than a regular file.
 * @throws {RangeError} A file larger than the limit; the message names its size and the limit.
 * @throws The signal's reason, when it aborts.
 * @throws {TypeError} The file is not UTF-8 text, or a `URL` that is not `file:`.
 * @throws {SyntaxError | TypeError | RangeError} As `parseScene`: the JSON and the scene,
 * with line and column or the JSON path.
 *
 * @example Usage
 * ```ts
 * import { loadScene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * await Deno.mkdir("out", { recursive: true });
 * const dir = await Deno.makeTempDir({ dir: "out" });
 * try {
 *   await Deno.writeTextFile(`${dir}/scene.json`, JSON.stringify({
 *     width: 64, height: 48, fov: 90, elements: [], lights: [],
 *     shadow_bias: 1e-13, max_recursion_depth: 10,
 *   }));
 *   const scene = await loadScene(`${dir}/scene.json`);
 *   assert.equal(scene.description.width, 64);
 *
 *   await assert.rejects(loadScene(`${dir}/missing.json`), {
 *     name: "NotFound",
 *     message: `cannot read scene file "${dir}/missing.json": No such file or directory`,
 *   });
 *   await assert.rejects(loadScene("/dev/zero"), {
 *     name: "TypeError",
 *     message: 'cannot read scene file "/dev/zero": it is a character device, not a regular file',
 *   });
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function loadScene(
  path: string | URL,
  options: LoadSceneOptions = {},
): Promise<Scene> {
  const { signal } = options;
  if (path instanceof URL && path.protocol !== "file:") {
    throw new TypeError(
      `cannot read scene file ${
        JSON.stringify(path.href)
      }: only file: URLs can be read`,
    );
  }
  const file = path instanceof URL ? fileURLToPath(path) : path;
  // A glTF model is a scene of its own: see loadGltf.
  if (/\.(glb|gltf)$/i.test(file)) {
    return await loadGltf(file, { signal, camera: options.camera });
  }
  const name = JSON.stringify(file);
  const bytes = await readBoundedFile(file, {
    limit: MAX_SCENE_FILE_BYTES,
    what: `scene file ${name}`,
    signal,
  });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new TypeError(
      `cannot read scene file ${name}: it is not UTF-8 text`,
      { cause: error },
    );
  }
  const parseOptions: PrepareSceneOptions = {
    baseDir: dirname(resolve(file)),
    signal,
  };
  return await parseScene(text, parseOptions);
}
