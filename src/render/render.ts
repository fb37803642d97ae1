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
 * import { render } from "./render.ts";
 * import assert from "node:assert/strict";
 * const image = await render({
 *   width: 32, height: 24, fov: 90, shadow_bias: 1e-13, max_recursion_depth: 10,
 *   elements: [{ Sphere: {
 *     center: { x: 0, y: 0, z: -5 }, radius: 1,
 *     material: { coloration: { Color: { red: 1, green: 0, blue: 0 } }, albedo: 0.18, surface: "Diffuse" },
 *   } }],
 *   lights: [{ Directional: { direction: { x: 0, y: 0, z: -1 }, color: { red: 1, green: 1, blue: 1 }, intensity: 1 } }],
 * }, { workers: 2 });
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
