/**
 * Scenes made for measuring: the same patch of the view filled by few large spheres or by
 * many small ones, so their render times compare what the BVH saves.
 *
 * @module
 */

import type { Element, SceneDescription } from "../src/types.ts";

/**
 * A grid of `columns × rows` diffuse spheres filling the same 8×6 patch of the view whatever
 * the count, in front of a back wall, lit by one spherical light, at `width × height`. The
 * benchmark compares 5×2 (10 spheres) with 100×100 (10,000).
 *
 * @example
 * ```ts
 * import { sphereGridScene } from "./scenes.ts";
 * const scene = sphereGridScene(5, 2, 64, 48);
 * if (scene.elements.length !== 5 * 2 + 1) throw new Error("wrong count");
 * ```
 */
export function sphereGridScene(
  columns: number,
  rows: number,
  width: number,
  height: number,
): SceneDescription {
  const elements: Element[] = [];
  const patchWidth = 8;
  const patchHeight = 6;
  const cellWidth = patchWidth / columns;
  const cellHeight = patchHeight / rows;
  const radius = Math.min(cellWidth, cellHeight) * 0.45;
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      elements.push({
        Sphere: {
          center: {
            x: -patchWidth / 2 + (column + 0.5) * cellWidth,
            y: -patchHeight / 2 + (row + 0.5) * cellHeight,
            z: -6,
          },
          radius,
          material: {
            coloration: {
              Color: { red: (row % 3) / 2, green: (column % 3) / 2, blue: 0.6 },
            },
            albedo: 0.5,
            surface: "Diffuse",
          },
        },
      });
    }
  }
  elements.push({
    Plane: {
      origin: { x: 0, y: 0, z: -12 },
      normal: { x: 0, y: 0, z: -1 },
      material: {
        coloration: { Color: { red: 0.3, green: 0.3, blue: 0.35 } },
        albedo: 0.4,
        surface: "Diffuse",
      },
    },
  });
  return {
    width,
    height,
    fov: 90,
    elements,
    lights: [{
      Spherical: {
        position: { x: -3, y: 5, z: 0 },
        color: { red: 1, green: 1, blue: 1 },
        intensity: 3000,
      },
    }],
    shadow_bias: 1e-9,
    max_recursion_depth: 4,
  };
}
