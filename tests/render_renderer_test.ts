// The Renderer and render(): reuse, regions, size overrides, progress, options, and that no
// worker outlives a render.
import assert from "node:assert/strict";
import { WorkerPool } from "../src/render/pool.ts";
import { render } from "../src/render/render.ts";
import { Renderer, renderPlanned } from "../src/render/renderer.ts";
import {
  planRender,
  type RenderedTile,
  type RenderOptions,
  type RenderProgress,
} from "../src/render/plan.ts";
import {
  directionalLight,
  loadScene,
  material,
  point,
  rgb,
  scene as sceneOf,
  sphere,
  vector,
} from "../src/scene/mod.ts";
import type { Scene, SceneDescription } from "../src/types.ts";
import { crop } from "./fixtures/crop.ts";

const scene = await loadScene(
  new URL("./fixtures/original/test_800x600.json", import.meta.url),
);
const size = { width: 320, height: 240 };
/** A scene with no texture, so it needs no baseDir. */
const description: SceneDescription = sceneOf({
  width: 32,
  height: 24,
  elements: [
    sphere({
      center: point(0, 0, -5),
      radius: 1,
      material: material({ color: rgb(1, 0, 0) }),
    }),
  ],
  lights: [
    directionalLight({
      direction: vector(0, 0, -1),
      color: rgb(1, 1, 1),
      intensity: 1,
    }),
  ],
});

/** Fails the test if a worker outlives it. */
function test(name: string, fn: () => Promise<void>) {
  Deno.test(name, async () => {
    await fn();
    assert.equal(WorkerPool.live, 0, "a worker was left running");
  });
}

test("a region equals the same rectangle cut from the full render", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const full = await renderer.render(scene, size);
  for (
    const region of [
      { x: 0, y: 0, width: 320, height: 240 },
      { x: 17, y: 33, width: 101, height: 57 },
      { x: 319, y: 239, width: 1, height: 1 },
      { x: 200, y: 0, width: 120, height: 240 },
    ]
  ) {
    const part = await renderer.render(scene, {
      ...size,
      region,
      tileSize: 37,
    });
    assert.equal(part.width, region.width);
    assert.equal(part.height, region.height);
    assert.deepEqual(
      part.data,
      crop(full, region).data,
      JSON.stringify(region),
    );
  }
});

test("width and height override the scene's", async () => {
  const image = await render(scene, { workers: 2, width: 64, height: 32 });
  assert.equal(image.width, 64);
  assert.equal(image.height, 32);
  assert.equal(image.data.length, 64 * 32 * 4);
  // The camera is re-derived: the same scene at another aspect ratio is not a crop or a blank.
  const distinct = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) {
    distinct.add(
      image.data[i] << 16 | image.data[i + 1] << 8 | image.data[i + 2],
    );
    assert.equal(image.data[i + 3], 255);
  }
  assert.ok(distinct.size > 20, `only ${distinct.size} colours`);
});

test("samples override the scene's", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const one = await renderer.render(scene, { width: 64, height: 48 });
  const four = await renderer.render(scene, {
    width: 64,
    height: 48,
    samples: 4,
  });
  assert.notDeepEqual(one.data, four.data);
});

test("a Renderer is reused for several renders, one at a time, in order", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const first = await renderer.render(scene, size);
  const finished: number[] = [];
  const renders = [0, 1, 2].map((i) =>
    renderer.render(scene, { ...size, tileSize: 16 + i }).then((image) => {
      finished.push(i);
      return image;
    })
  );
  for (const image of await Promise.all(renders)) {
    assert.deepEqual(image.data, first.data);
  }
  assert.deepEqual(finished, [0, 1, 2]);
  assert.equal(WorkerPool.live, 2, "the same two workers serve every render");
});

test("progress reaches tilesTotal, and every pixel", async () => {
  const seen: RenderProgress[] = [];
  await render(scene, {
    ...size,
    workers: 2,
    tileSize: 64,
    onProgress: (p) => seen.push(p),
  });
  const tilesTotal = 5 * 4;
  assert.equal(seen.length, tilesTotal);
  assert.deepEqual(seen.at(-1), {
    ...seen.at(-1)!,
    tilesDone: tilesTotal,
    tilesTotal,
    pixelsDone: 320 * 240,
  });
  assert.ok(seen.every((p, i) => p.tilesDone === i + 1 && p.elapsedMs >= 0));
});

test("a throwing onProgress rejects the render with its error", async () => {
  const oops = new Error("oops");
  await assert.rejects(
    render(scene, {
      ...size,
      workers: 2,
      onProgress: () => {
        throw oops;
      },
    }),
    (error) => error === oops,
  );
});

test("a bare SceneDescription is validated and prepared", async () => {
  const image = await render(description, { workers: 1 });
  assert.equal(image.data.length, 32 * 24 * 4);
  const center = ((12 * 32) + 16) * 4;
  assert.ok(
    image.data[center] > 0 && image.data[center + 1] === 0,
    "a red sphere in the middle",
  );
  await assert.rejects(
    render({ ...description, width: -1 }),
    (error: Error) =>
      error instanceof RangeError && /width/.test(error.message),
  );
});

test("bad options reject before any worker starts, naming option and value", async () => {
  await using renderer = new Renderer({ workers: 2 });
  await assert.rejects(renderer.render(scene, { tileSize: 0 }), {
    name: "RangeError",
    message: "tileSize must be a positive integer, got 0",
  });
  await assert.rejects(render(scene, { workers: 0 }), {
    name: "RangeError",
    message: "workers must be a positive integer, got 0",
  });
  assert.throws(() => new Renderer({ workers: -1 }), {
    name: "RangeError",
    message: "workers must be a positive integer, got -1",
  });
  assert.equal(WorkerPool.live, 0);
});

test("a closed Renderer refuses to render and has no worker", async () => {
  const renderer = new Renderer({ workers: 2 });
  const pending = renderer.render(scene, size);
  // A bare description is still being prepared when close() is called.
  const preparing = renderer.render(description, { width: 100 });
  await renderer.close();
  assert.equal((await preparing).width, 100);
  assert.equal(
    (await pending).width,
    320,
    "close waits for renders already asked for",
  );
  assert.equal(WorkerPool.live, 0);
  await assert.rejects(renderer.render(scene, size), {
    message: "this Renderer is closed",
  });
  await renderer.close();
});

for (const mode of ["render", "renderer", "abort"]) {
  test(`a script that renders exits by itself (${mode})`, async () => {
    const script = new URL(
      "./fixtures/workers/render_and_exit.ts",
      import.meta.url,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-check", "--allow-read", script.pathname, mode],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill(), 30_000);
    const { code, signal, stderr } = await child.output();
    clearTimeout(timer);
    assert.equal(signal, null, "killed: the script did not exit by itself");
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  });
}

test("onTile hands out every tile's pixels once, equal to the finished image", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const region = { x: 13, y: 7, width: 150, height: 101 };
  const tiles: RenderedTile[] = [];
  let progressCalls = 0;
  const image = await renderer.render(scene, {
    ...size,
    region,
    tileSize: 32,
    onTile: (tile) => {
      assert.equal(
        tiles.length,
        progressCalls,
        "onTile comes before onProgress",
      );
      tiles.push(tile);
    },
    onProgress: () => progressCalls++,
  });
  assert.equal(tiles.length, Math.ceil(150 / 32) * Math.ceil(101 / 32));
  const assembled = new Uint8Array(image.data.length);
  let covered = 0;
  for (const tile of tiles) {
    assert.equal(tile.pixels.length, tile.width * tile.height * 4);
    assert.ok(!(tile.pixels.buffer instanceof SharedArrayBuffer), "a copy");
    for (let row = 0; row < tile.height; row++) {
      const at =
        ((tile.y - region.y + row) * region.width + tile.x - region.x) * 4;
      assembled.set(
        tile.pixels.subarray(row * tile.width * 4, (row + 1) * tile.width * 4),
        at,
      );
    }
    covered += tile.width * tile.height;
  }
  assert.equal(covered, region.width * region.height);
  assert.deepEqual(assembled, new Uint8Array(image.data));
});

test("a throwing onTile fails the render with its error", async () => {
  await using renderer = new Renderer({ workers: 2 });
  await assert.rejects(
    renderer.render(description, {
      onTile: () => {
        throw new Error("listener broke");
      },
    }),
    { message: "listener broke" },
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    renderer.render(description, { onTile: 5 as any }),
    { name: "TypeError", message: "onTile must be a function, got 5" },
  );
});

test("a reused Renderer builds an unchanged scene once, whatever the view", async () => {
  await using renderer = new Renderer({ workers: 2 });
  let builds = 0;
  const internals = { onSceneBuilt: () => builds++ };
  const frame = (s: Scene, options: RenderOptions) =>
    renderPlanned(renderer, planRender(s, options, 2), internals);
  const moved = {
    position: { x: 0, y: 1, z: 1 },
    look_at: { x: 0, y: 0, z: -5 },
    up: { x: 0, y: 1, z: 0 },
  };
  await frame(scene, size);
  assert.equal(builds, 2, "each worker builds it once");
  await frame(scene, { width: 64, height: 48, samples: 4 });
  await frame(scene, {
    ...size,
    region: { x: 3, y: 4, width: 50, height: 60 },
  });
  // Another camera is a view too; so is an equal scene in another object.
  await frame({
    ...scene,
    description: { ...scene.description, camera: moved },
  }, size);
  await frame(structuredClone(scene), size);
  assert.equal(builds, 2, "no rebuild for another view of the same scene");
  const changed = structuredClone(scene);
  changed.description.shadow_bias *= 2;
  await frame(changed, size);
  assert.equal(builds, 4, "a changed scene is built again");
  // A texture given as new pixels is a changed scene too.
  const [[path, texture]] = [...scene.textures];
  const inverted = {
    ...texture,
    data: texture.data.map((v, i) => i % 4 === 3 ? v : 255 - v),
  };
  const before = await frame(scene, size);
  const after = await frame(
    { ...scene, textures: new Map([[path, inverted]]) },
    size,
  );
  assert.equal(builds, 8);
  assert.notDeepEqual(after.data, before.data);
});
