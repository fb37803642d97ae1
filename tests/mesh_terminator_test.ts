// Smooth shading on a coarse mesh without the "shadow terminator": shadow rays leave from the
// flat triangle while shading uses the interpolated normal, so where a light grazes the
// surface a triangle's neighbours shadow it and it shows black (issue 20, item 9). The core
// lifts a smooth hit's shadow-ray origin to the surface the vertex normals describe.

import assert from "node:assert/strict";
import { renderInProcess } from "./fixtures/core.ts";
import { prepareScene } from "../src/scene/prepare.ts";
import { directionalLight, mesh, rgb, scene } from "../src/scene/build.ts";
import type { RenderedImage } from "../src/types.ts";
import { dragonFile } from "../testing/models.ts";

/** Mean of the three channels at pixel `i`. */
function level(image: RenderedImage, i: number): number {
  const d = image.data;
  return (d[i * 4] + d[i * 4 + 1] + d[i * 4 + 2]) / 3;
}

/** The 11,102-triangle dragon, lit from the side so much of it is grazed, flat or smooth. */
async function dragon(smooth: boolean): Promise<RenderedImage> {
  const description = scene({
    width: 640,
    height: 480,
    fov: 30,
    elements: [
      mesh({
        path: decodeURIComponent(dragonFile(4).pathname),
        material: {
          coloration: { Color: rgb(0.9, 0.9, 0.9) },
          albedo: 1,
          surface: "Diffuse",
        },
        transform: { scale: 20, translate: { x: 0, y: -2.5, z: -9 } },
        smooth,
      }),
    ],
    lights: [
      directionalLight({
        direction: { x: -1, y: -0.3, z: -0.4 },
        color: rgb(1, 1, 1),
        intensity: 3,
      }),
    ],
    shadow_bias: 1e-9,
  });
  return renderInProcess(await prepareScene(description));
}

Deno.test("the smooth 11k dragon has no dark speckles where the flat one is lit", async () => {
  const [flat, smooth] = [await dragon(false), await dragon(true)];
  const { width, height } = flat;
  const lit = new Uint8Array(width * height);
  for (let i = 0; i < lit.length; i++) lit[i] = level(flat, i) >= 48 ? 1 : 0;
  // The lit region: pixels whose 9×9 neighbourhood is at least 90% lit on the flat dragon
  // (inside lit areas, away from silhouettes, cast shadows and the terminator itself, where
  // smooth and flat shading may rightly differ).
  const r = 4;
  let region = 0;
  let speckles = 0;
  for (let y = r; y < height - r; y++) {
    for (let x = r; x < width - r; x++) {
      let around = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          around += lit[(y + dy) * width + x + dx];
        }
      }
      if (around < 0.9 * (2 * r + 1) ** 2) continue;
      region++;
      // Black when smooth: a shadow the flat dragon does not have there.
      if (level(smooth, y * width + x) < 8) speckles++;
    }
  }
  // Measured: 44 black pixels of 32,576 before shadow rays left from the lifted point, 11 after.
  assert.ok(
    region > 20_000,
    `the dragon fills the frame: ${region} lit pixels`,
  );
  assert.ok(
    speckles <= region * 0.0005,
    `${speckles} of ${region} pixels inside the flat dragon's lit region are black on the smooth one`,
  );
});
