/**
 * Builds a scene in TypeScript instead of JSON: a 5×5 grid of spheres whose colours and
 * surfaces (diffuse, reflective, refractive) cycle, on a reflective floor, then renders it to
 * `out/grid.png` (`out/` is ignored by git, so a clone stays clean), from the clone's folder:
 *
 * ```sh
 * deno run --allow-read --allow-write=out \
 *   --allow-ffi=./node_modules/.deno/imagescript@1.3.1 --allow-env=IMAGESCRIPT_WASM_SIMD \
 *   examples/build_scene.ts
 * ```
 *
 * `gridScene()` is exported so that benchmarks can render the same scene.
 *
 * @module
 */

import {
  diffuse,
  directionalLight,
  type Element,
  encodePng,
  material,
  plane,
  point,
  reflective,
  refractive,
  render,
  rgb,
  scene,
  type SceneDescription,
  sphere,
  sphericalLight,
  vector,
} from "../mod.ts";

/**
 * The 5×5 grid scene: 25 spheres in rows receding from a raised camera, a floor plane, a
 * warm point light and a cool directional one.
 *
 * @returns A 800×600 scene description with 4 samples per pixel.
 *
 * @example Usage
 * ```ts
 * import { gridScene } from "./build_scene.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(gridScene().elements.length, 26);
 * ```
 */
export function gridScene(): SceneDescription {
  const colors = [
    rgb(0.9, 0.2, 0.2),
    rgb(0.95, 0.6, 0.1),
    rgb(0.2, 0.8, 0.3),
    rgb(0.2, 0.4, 0.95),
    rgb(0.7, 0.3, 0.9),
    rgb(1, 1, 1),
  ];
  const surfaces = [diffuse(), reflective(0.6), refractive(1.5, 1)];
  const radius = 0.7;
  const elements: Element[] = [];
  for (let row = 0; row < 5; row++) {
    for (let column = 0; column < 5; column++) {
      const i = row * 5 + column;
      elements.push(sphere({
        center: point((column - 2) * 2, 0, -5 - row * 2),
        radius,
        material: material({
          color: colors[i % colors.length],
          albedo: 0.3,
          surface: surfaces[i % surfaces.length],
        }),
      }));
    }
  }
  elements.push(plane({
    origin: point(0, -radius, 0),
    normal: vector(0, -1, 0), // seen from above: the normal points away from the camera
    material: material({
      color: rgb(0.8, 0.8, 0.8),
      albedo: 0.25,
      surface: reflective(0.3),
    }),
  }));
  return scene({
    width: 800,
    height: 600,
    fov: 50,
    elements,
    lights: [
      sphericalLight({
        position: point(-4, 8, -3),
        color: rgb(1, 0.9, 0.8),
        intensity: 6000,
      }),
      directionalLight({
        direction: vector(0.5, -1, -0.8),
        color: rgb(0.6, 0.7, 1),
        intensity: 2,
      }),
    ],
    camera: {
      position: point(0, 5, 2),
      look_at: point(0, -1, -9),
      up: vector(0, 1, 0),
    },
    samples: 4,
  });
}

if (import.meta.main) {
  const image = await render(gridScene());
  await Deno.mkdir("out", { recursive: true });
  await Deno.writeFile("out/grid.png", await encodePng(image));
  console.log(
    `Wrote ${image.width}×${image.height} out/grid.png in ${Deno.cwd()}`,
  );
}
