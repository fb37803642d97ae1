// The image matches the original program's reference render, and is byte-identical whatever
// the worker count, tile size and tile order.
import assert from "node:assert/strict";
import { planRender } from "../src/render/plan.ts";
import { WorkerPool } from "../src/render/pool.ts";
import { Renderer, renderPlanned } from "../src/render/renderer.ts";
import { loadScene } from "../src/scene/mod.ts";
import type { RenderedImage } from "../src/types.ts";

const scene = await loadScene(
  new URL("./fixtures/original/test_800x600.json", import.meta.url),
);

async function reference(): Promise<RenderedImage> {
  // deno-lint-ignore no-import-prefix
  const { Image } = await import("npm:imagescript@1.3.1");
  const image = await Image.decode(
    await Deno.readFile(
      new URL(
        "./fixtures/original/test_800x600.reference.png",
        import.meta.url,
      ),
    ),
  );
  return {
    width: image.width,
    height: image.height,
    data: new Uint8Array(image.bitmap),
  };
}

Deno.test("the 800×600 scene matches the original's reference image", async () => {
  const ref = await reference();
  await using renderer = new Renderer({ workers: 2 });
  const image = await renderer.render(scene);
  assert.equal(image.width, 800);
  assert.equal(image.height, 600);
  assert.ok(
    image.data.buffer instanceof SharedArrayBuffer,
    "no copy of the shared output",
  );
  let identical = 0, maxDiff = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    let same = true;
    for (let c = 0; c < 4; c++) {
      const diff = Math.abs(image.data[i + c] - ref.data[i + c]);
      if (diff !== 0) same = false;
      maxDiff = Math.max(maxDiff, diff);
    }
    if (same) identical++;
  }
  const share = identical / (800 * 600);
  console.log(
    `identical to the reference: ${
      (share * 100).toFixed(3)
    }% of pixels, max channel diff ${maxDiff}`,
  );
  assert.ok(share >= 0.999, `only ${share} of pixels identical`);
  assert.ok(maxDiff <= 2, `a channel is off by ${maxDiff}`);
});

Deno.test("byte-identical whatever the worker count, tile size and tile order", async () => {
  await using renderer = new Renderer({ workers: 3 });
  // Half size keeps the 28 renders quick; the invariance does not depend on the size.
  const size = { width: 400, height: 300 };
  const baseline = await renderer.render(scene, {
    ...size,
    workers: 1,
    tileSize: 400,
  });
  for (const workers of [1, 2, 3]) {
    for (const tileSize of [16, 37, 64]) {
      for (const tileOrder of ["rows", "reverse", "shuffle"] as const) {
        const options = { ...size, workers, tileSize };
        const image = await renderPlanned(
          renderer,
          planRender(scene, options, 3),
          { tileOrder },
        );
        assert.ok(
          image.data.every((v, i) => v === baseline.data[i]),
          `differs with ${JSON.stringify(options)}`,
        );
      }
    }
  }
});

Deno.test({
  name: "no worker is left after the renderers are closed",
  fn() {
    assert.equal(WorkerPool.live, 0);
  },
});
