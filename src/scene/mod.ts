/**
 * The scene module: loads, validates and prepares scenes in the original ray tracer's JSON
 * format (plus raypool's `camera` and `samples` extensions), decodes their PNG and JPEG
 * textures, and offers typed helpers for writing scenes in TypeScript.
 *
 * - {@linkcode loadScene}, {@linkcode parseScene}: a scene file or its text → `Scene`.
 * - {@linkcode prepareScene}: a `SceneDescription` built in code → `Scene`.
 * - {@linkcode validateScene}: any value → a clean `SceneDescription`, or an error naming the
 *   JSON path.
 * - {@linkcode checkScene}: a hand-built `Scene` (description and decoded textures) checked
 *   before it is rendered.
 * - {@linkcode checkImageSize}: whether a `width × height` RGBA image fits in one buffer.
 * - `point`, `vector`, `rgb`, `material`, `sphere`, `plane`, `sphericalLight`, … : builders.
 *
 * @example Usage
 * ```ts
 * import { material, parseScene, point, prepareScene, rgb, scene, sphere, sphericalLight } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const description = scene({
 *   width: 64,
 *   height: 48,
 *   elements: [sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(0.2, 1, 0.2) }) })],
 *   lights: [sphericalLight({ position: point(0, 5, 0), color: rgb(1, 1, 1), intensity: 1000 })],
 * });
 * const fromCode = await prepareScene(description);
 * const fromText = await parseScene(JSON.stringify(description));
 * assert.deepEqual(fromText.description, fromCode.description);
 * ```
 *
 * @module
 */

export * from "./build.ts";
export * from "./check_image_size.ts";
export * from "./check_scene.ts";
export * from "./load.ts";
export * from "./parse.ts";
export * from "./prepare.ts";
export * from "./validate.ts";
export type * from "../types.ts";
