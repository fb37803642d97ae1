// A long-lived Renderer must not grow: servers and render farms keep one for days.
import assert from "node:assert/strict";
import {
  material,
  point,
  Renderer,
  rgb,
  scene,
  sphere,
  sphericalLight,
} from "../mod.ts";
import { WorkerPool } from "../src/render/pool.ts";

const description = scene({
  width: 24,
  height: 16,
  elements: [
    sphere({
      center: point(0, 0, -5),
      radius: 1,
      material: material({ color: rgb(0.2, 1, 0.2) }),
    }),
  ],
  lights: [
    sphericalLight({
      position: point(0, 5, 0),
      color: rgb(1, 1, 1),
      intensity: 1000,
    }),
  ],
});

Deno.test("2,000 renders on one Renderer: resident memory after the last within 5 MB of after the 100th", async () => {
  await using renderer = new Renderer({ workers: 2 });
  let atHundred = 0;
  for (let i = 1; i <= 2000; i++) {
    // Another view of the same scene each time, as an animation renders it.
    const image = await renderer.render(description, {
      tileSize: 8,
      width: 24 + (i % 3),
      onTile: () => {},
    });
    assert.equal(image.height, 16);
    if (i === 100) atHundred = Deno.memoryUsage().rss;
  }
  const atEnd = Deno.memoryUsage().rss;
  const grownMb = (atEnd - atHundred) / 2 ** 20;
  console.log(
    `resident: ${(atHundred / 2 ** 20).toFixed(1)} MB after render 100, ` +
      `${(atEnd / 2 ** 20).toFixed(1)} MB after render 2000 (${
        grownMb.toFixed(2)
      } MB)`,
  );
  assert.ok(grownMb < 5, `grew by ${grownMb.toFixed(2)} MB`);
  await renderer.close();
  assert.equal(WorkerPool.live, 0);
});
