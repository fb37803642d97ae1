/**
 * Tests of the committed wasm build (`lib/`) through its JavaScript API — `prepare_scene`,
 * `RenderScene.from_packed`, `set_view`, `render_tile` — fed the packed bytes of the one
 * writer: fidelity against an image rendered by the original program, tiling, views on one
 * built scene, the extensions' no-op guarantees, cancellation and error handling.
 */

import assert from "node:assert/strict";
import { prepare_scene, RenderScene } from "../lib/raypool.js";
import { loadScene } from "../src/scene/load.ts";
import { packScene } from "../src/render/packed_scene.ts";
import type { Scene } from "../src/types.ts";
import { cameraNumbers, NEVER } from "./fixtures/core.ts";

// imagescript's v1 API: Image.decode gives an RGBA bitmap.
// deno-lint-ignore no-import-prefix
const { Image } = await import("npm:imagescript@1.3.1");
const fixtures = new URL("./fixtures/original/", import.meta.url);
const original = await loadScene(new URL("test_800x600.json", fixtures));

interface ViewOptions {
  width?: number;
  height?: number;
  samples?: number;
  camera?: Float64Array;
}

/** Reads `scene` into the core, with its BVH unless `bruteForce`. */
function build(scene: Scene, bruteForce = false): RenderScene {
  return RenderScene.from_packed(
    prepare_scene(packScene(scene, { bruteForce })),
  );
}

function view(built: RenderScene, scene: Scene, options: ViewOptions = {}) {
  const d = scene.description;
  built.set_view(
    options.width ?? d.width,
    options.height ?? d.height,
    d.fov,
    options.samples ?? 1,
    options.camera ?? cameraNumbers(d.camera),
  );
}

function renderFull(built: RenderScene): Uint8Array {
  return built.render_tile(0, 0, built.width, built.height, NEVER);
}

function renderTiled(built: RenderScene, tw: number, th: number): Uint8Array {
  const { width, height } = built;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += th) {
    for (let x = 0; x < width; x += tw) {
      const w = Math.min(tw, width - x), h = Math.min(th, height - y);
      const tile = built.render_tile(x, y, w, h, NEVER);
      assert.equal(tile.length, w * h * 4);
      for (let row = 0; row < h; row++) {
        out.set(
          tile.subarray(row * w * 4, (row + 1) * w * 4),
          ((y + row) * width + x) * 4,
        );
      }
    }
  }
  return out;
}

function assertSameBytes(
  actual: Uint8Array,
  expected: Uint8Array,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const first = actual.findIndex((v, i) => v !== expected[i]);
  assert.equal(first, -1, `${what}: first difference at byte ${first}`);
}

const built = build(original);
view(built, original);
const reference = renderFull(built);

Deno.test("the 800×600 original scene matches the original's image pixel for pixel", async () => {
  const expected = await Image.decode(
    await Deno.readFile(new URL("test_800x600.reference.png", fixtures)),
  );
  assert.equal(expected.width, 800);
  assert.equal(expected.height, 600);
  let same = 0, worst = 0;
  for (let p = 0; p < 800 * 600; p++) {
    let pixelSame = true;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(reference[p * 4 + c] - expected.bitmap[p * 4 + c]);
      if (d !== 0) pixelSame = false;
      worst = Math.max(worst, d);
    }
    if (pixelSame) same++;
  }
  console.log(
    `fidelity: ${same}/${
      800 * 600
    } pixels identical, largest channel difference ${worst}`,
  );
  assert.equal(same, 800 * 600);
  assert.equal(worst, 0);
});

Deno.test("one full-frame tile equals many odd-sized (37×23) tiles, byte for byte", () => {
  assertSameBytes(renderTiled(built, 37, 23), reference, "37×23 tiles");
});

Deno.test("one built scene renders many views; each equals a freshly built scene's", () => {
  const scene = build(original);
  for (
    const size of [{ width: 90, height: 160 }, { width: 200, height: 150 }, {}]
  ) {
    view(scene, original, size);
    const fresh = build(original);
    view(fresh, original, size);
    assertSameBytes(renderFull(scene), renderFull(fresh), JSON.stringify(size));
    fresh.free();
  }
  assertSameBytes(renderFull(scene), reference, "back to the original view");
  scene.free();
});

Deno.test("the default camera set explicitly renders byte-identically", () => {
  const scene = build(original);
  view(scene, original, {
    camera: new Float64Array([0, 0, 0, 0, 0, -1, 0, 1, 0]),
  });
  assertSameBytes(renderFull(scene), reference, "explicit default camera");
  scene.free();
});

Deno.test("brute force and the BVH render the same image", () => {
  const brute = build(original, true);
  view(brute, original);
  assertSameBytes(renderFull(brute), reference, "brute force");
  brute.free();
});

Deno.test("4 samples per pixel stay close to the single-sample image", () => {
  const scene = build(original);
  view(scene, original, { width: 200, height: 150 });
  const single = renderFull(scene);
  view(scene, original, { width: 200, height: 150, samples: 4 });
  const multi = renderFull(scene);
  let total = 0;
  for (let i = 0; i < multi.length; i++) {
    total += Math.abs(multi[i] - single[i]);
  }
  const mean = total / multi.length;
  assert.ok(mean > 0 && mean < 10, `mean channel difference ${mean}`);
  scene.free();
});

/** Two facing mirrors and a light: `depth` bounces deep. */
function mirrors(depth: number): Scene {
  const mirror = {
    coloration: { Color: { red: 1, green: 1, blue: 1 } },
    albedo: 0.5,
    surface: { Reflective: { reflectivity: 0.99 } },
  } as const;
  return {
    description: {
      width: 8,
      height: 6,
      fov: 60,
      shadow_bias: 1e-9,
      max_recursion_depth: depth,
      elements: [
        {
          Plane: {
            origin: { x: 0, y: 0, z: -10 },
            normal: { x: 0, y: 0, z: -1 },
            material: mirror,
          },
        },
        {
          Plane: {
            origin: { x: 0, y: 0, z: 10 },
            normal: { x: 0, y: 0, z: 1 },
            material: mirror,
          },
        },
      ],
      lights: [{
        Spherical: {
          position: { x: 0, y: 0, z: 0 },
          color: { red: 1, green: 1, blue: 1 },
          intensity: 100,
        },
      }],
    },
    textures: new Map(),
  };
}

Deno.test("1000 mirror bounces (the deepest recursion allowed) do not exhaust the stack", () => {
  const scene = build(mirrors(1000));
  view(scene, mirrors(1000));
  assert.equal(renderFull(scene).length, 8 * 6 * 4);
  scene.free();
  assert.throws(() => build(mirrors(1001)), /at most 1000/);
});

Deno.test('a cancel token that says so stops the tile with Error("cancelled")', () => {
  const scene = build(original);
  view(scene, original, { width: 13, height: 17, samples: 65535 * 65535 });
  let asked = 0;
  assert.throws(
    () => scene.render_tile(0, 0, 13, 17, { cancelled: () => ++asked > 3 }),
    { message: "cancelled" },
  );
  assert.equal(asked, 4, "asked until it said yes, then stopped");
  scene.free();
});

Deno.test("bad packed bytes and bad views throw an Error naming the value; the instance keeps working", () => {
  const good = packScene(original);
  const throwsError = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof Error && pattern.test(e.message),
      String(pattern),
    );
  throwsError(() => prepare_scene(good.subarray(0, 100)), /truncated/);
  throwsError(() => prepare_scene(new Uint8Array(48)), /magic/);
  const wrongVersion = good.slice();
  wrongVersion[8] = 7;
  throwsError(() => prepare_scene(wrongVersion), /version 7/);
  throwsError(
    () => prepare_scene(new Uint8Array([...good, 0, 0, 0, 0, 0, 0, 0, 0])),
    /trailing/,
  );

  const scene = build(original);
  throwsError(() => scene.render_tile(0, 0, 1, 1, NEVER), /set_view/);
  throwsError(() => scene.set_view(0, 10, 90, 1, new Float64Array()), /width/);
  throwsError(
    () => scene.set_view(2 ** 32, 10, 90, 1, new Float64Array()),
    /width.*4294967296/,
  );
  throwsError(() => scene.set_view(10, 10, 180, 1, new Float64Array()), /fov/);
  throwsError(
    () => scene.set_view(10, 10, 90, 3, new Float64Array()),
    /perfect square.*3/,
  );
  throwsError(
    () => scene.set_view(10, 10, 90, 1, new Float64Array(3)),
    /0 or 9 numbers/,
  );
  throwsError(
    () =>
      scene.set_view(
        10,
        10,
        90,
        1,
        new Float64Array([0, 0, 0, 0, 5, 0, 0, 1, 0]),
      ),
    /parallel/,
  );
  throwsError(
    () =>
      scene.set_view(
        10,
        10,
        90,
        1,
        new Float64Array([1, 1, 1, 1, 1, 1, 0, 1, 0]),
      ),
    /look_at/,
  );
  view(scene, original, { width: 16, height: 12 });
  throwsError(
    () => scene.render_tile(10, 0, 7, 1, NEVER),
    /inside the 16×12 image/,
  );
  throwsError(() => scene.render_tile(0, 0, 0, 5, NEVER), /non-empty/);
  throwsError(() => scene.render_tile(-1, 0, 1, 1, NEVER), /x/);
  const image = renderFull(scene);
  assert.equal(image.length, 16 * 12 * 4);
  assert.ok(image.some((v, i) => i % 4 !== 3 && v !== 0), "still renders");
  scene.free();
});
