import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Scene } from "../types.ts";
import { parseScene } from "./parse.ts";
import { reason, rewrap } from "./_textures.ts";

/**
 * Reads, parses and validates a scene file and decodes its textures, which are looked up
 * relative to the file's folder first, then the current directory.
 *
 * @param path The scene file, a path or a `file:` URL.
 * @returns The validated description and its decoded textures.
 * @throws {Deno.errors.NotFound | Deno.errors.IsADirectory | Deno.errors.NotCapable} The file
 * cannot be read; the message names it (`cannot read scene file "x.json": No such file or
 * directory`).
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
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function loadScene(path: string | URL): Promise<Scene> {
  if (path instanceof URL && path.protocol !== "file:") {
    throw new TypeError(
      `cannot read scene file ${
        JSON.stringify(path.href)
      }: only file: URLs can be read`,
    );
  }
  const file = path instanceof URL ? fileURLToPath(path) : path;
  const name = JSON.stringify(file);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (error) {
    throw rewrap(error, `cannot read scene file ${name}: ${reason(error)}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new TypeError(
      `cannot read scene file ${name}: it is not UTF-8 text`,
      { cause: error },
    );
  }
  return await parseScene(text, { baseDir: dirname(resolve(file)) });
}
