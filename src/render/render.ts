/**
 * One-shot rendering.
 *
 * @module
 */

import type { RenderedImage, Scene, SceneDescription } from "../types.ts";
import type { RenderOptions } from "./plan.ts";
import { Renderer } from "./renderer.ts";

/**
 * Renders `scene` with a fresh {@linkcode Renderer} and closes it, so no worker is left
 * running afterwards, whether the render succeeds or fails. A bare description is first
 * validated and its textures loaded, as `prepareScene` does. To render several images, keep
 * one `Renderer` instead: it starts its workers once.
 *
 * @example
 * ```ts
 * import { directionalLight, material, point, render, rgb, scene, sphere, vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const image = await render(scene({
 *   width: 32,
 *   height: 24,
 *   elements: [sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) })],
 *   lights: [directionalLight({ direction: vector(0, 0, -1), color: rgb(1, 1, 1), intensity: 1 })],
 * }), { workers: 2 });
 * assert.equal(image.data.length, 32 * 24 * 4);
 * ```
 */
export async function render(
  scene: Scene | SceneDescription,
  options?: RenderOptions,
): Promise<RenderedImage> {
  await using renderer = new Renderer(
    options?.workers === undefined ? {} : { workers: options.workers },
  );
  return await renderer.render(scene, options);
}
