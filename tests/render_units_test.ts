// Pure parts of the renderer: tiling, the render plan's rules, the packed-scene writer.
import assert from "node:assert/strict";
import { packScene } from "../src/render/packed_scene.ts";
import { planBands, planRender, splitTiles } from "../src/render/plan.ts";
import type { Scene, SceneDescription } from "../src/types.ts";

Deno.test("tiles cover a region exactly once", () => {
  for (const tileSize of [1, 16, 37, 64, 1000]) {
    const region = { x: 5, y: 3, width: 101, height: 67 };
    const covered = new Uint8Array(region.width * region.height);
    for (const t of splitTiles(region, tileSize)) {
      assert.ok(
        t.width >= 1 && t.width <= tileSize && t.height >= 1 &&
          t.height <= tileSize,
      );
      for (let y = t.y; y < t.y + t.height; y++) {
        for (let x = t.x; x < t.x + t.width; x++) {
          covered[(y - region.y) * region.width + (x - region.x)]++;
        }
      }
    }
    assert.ok(covered.every((n) => n === 1), `tile size ${tileSize}`);
  }
});

const scene: SceneDescription = {
  width: 800,
  height: 600,
  fov: 90,
  elements: [],
  lights: [],
  shadow_bias: 1e-13,
  max_recursion_depth: 10,
};

const prepared: Scene = { description: scene, textures: new Map() };

Deno.test("options are validated, naming the option and its value", () => {
  const cases: [unknown, string, string][] = [
    [{ workers: 0 }, "RangeError", "workers must be a positive integer, got 0"],
    [
      { workers: 1.5 },
      "RangeError",
      "workers must be a positive integer, got 1.5",
    ],
    [{ workers: "2" }, "TypeError", 'workers must be a number, got "2"'],
    [{ workers: 1000 }, "RangeError", "workers must be at most 256, got 1000"],
    [
      { tileSize: -4 },
      "RangeError",
      "tileSize must be a positive integer, got -4",
    ],
    [{ width: 0 }, "RangeError", "width must be a positive integer, got 0"],
    [
      { height: NaN },
      "RangeError",
      "height must be a positive integer, got NaN",
    ],
    [
      { samples: 2 },
      "RangeError",
      "samples must be a perfect square (1, 4, 9, …), got 2",
    ],
    [
      { region: { x: -1, y: 0, width: 1, height: 1 } },
      "RangeError",
      "region.x must be a non-negative integer, got -1",
    ],
    [
      { region: { x: 0, y: 0, width: 0, height: 1 } },
      "RangeError",
      "region.width must be a positive integer, got 0",
    ],
    [
      { region: { x: 700, y: 0, width: 101, height: 1 } },
      "RangeError",
      "region 700,0,101,1 does not fit in the 800×600 image",
    ],
    [{ region: "all" }, "TypeError", 'region must be an object, got "all"'],
    [{ signal: {} }, "TypeError", "signal must be an AbortSignal, got {}"],
    [{ onProgress: 1 }, "TypeError", "onProgress must be a function, got 1"],
    [{ onTile: "x" }, "TypeError", 'onTile must be a function, got "x"'],
    // Integers are refused out of range, never wrapped on their way into the core.
    [
      { samples: 1e10 },
      "RangeError",
      "samples must be at most 65535² = 4294836225, got 10000000000",
    ],
    [
      { samples: 4294967296 },
      "RangeError",
      "samples must be at most 65535² = 4294836225, got 4294967296",
    ],
    [
      { width: 4294967296, region: { x: 0, y: 0, width: 1, height: 1 } },
      "RangeError",
      "width must be at most 4294967295, got 4294967296",
    ],
    [
      { workers: 1e6 },
      "RangeError",
      "workers must be at most 256, got 1000000",
    ],
    [5, "TypeError", "options must be an object, got 5"],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(
      () => planRender(prepared, options as never, 2),
      { name, message },
      JSON.stringify(options),
    );
  }
});

Deno.test("options default from the scene, and the region may use an overridden size", () => {
  const r = planRender(
    { description: { ...scene, samples: 4 }, textures: new Map() },
    undefined,
    3,
  );
  assert.equal(r.workers, 3);
  assert.equal(r.view.samples, 4);
  assert.deepEqual(r.region, { x: 0, y: 0, width: 800, height: 600 });
  const o = planRender(prepared, {
    width: 1920,
    height: 1080,
    samples: 9,
    region: { x: 1000, y: 1000, width: 920, height: 80 },
  }, 2);
  assert.deepEqual([o.view.width, o.view.height, o.view.samples], [
    1920,
    1080,
    9,
  ]);
});

Deno.test("bands cover the region exactly once, in whole tile rows by default", () => {
  const region = { x: 3, y: 5, width: 64, height: 1000 };
  const bands = planBands({ region, tileSize: 16 }, 48);
  assert.deepEqual(
    bands.map((b) => b.y),
    Array.from({ length: 21 }, (_, i) => 5 + 48 * i),
  );
  assert.equal(bands.reduce((sum, b) => sum + b.height, 0), 1000);
  assert.ok(bands.every((b) => b.x === 3 && b.width === 64));
  // 32 MiB of RGBA at 32000 px wide is 262 rows: 4 whole 64-px tile rows.
  const wide = planBands({
    region: { x: 0, y: 0, width: 32000, height: 24000 },
    tileSize: 64,
  });
  assert.equal(wide[0].height, 256);
});

/** The packed bytes read back by their documented layout (rust/src/packed.rs). */
function readPacked(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const f32 = (at: number) => view.getFloat32(at, true);
  const f64 = (at: number) => view.getFloat64(at, true);
  // Textures, materials, mesh objects, elements, lights.
  return {
    u32,
    f32,
    f64,
    counts: [u32(28), u32(32), u32(36), u32(40), u32(44)],
  };
}

Deno.test("the writer lays a scene out in the core's format, materials once by value", () => {
  const red = {
    coloration: { Color: { red: 1, green: 0, blue: 0 } },
    albedo: 0.5,
    surface: { Reflective: { reflectivity: 0.25 } },
  } as const;
  const description: SceneDescription = {
    ...scene,
    shadow_bias: 1e-9,
    max_recursion_depth: 7,
    elements: [
      // Equal by value (as every parsed scene holds them): one material is packed.
      {
        Sphere: {
          center: { x: 0, y: 0, z: -5 },
          radius: 1,
          material: structuredClone(red),
        },
      },
      {
        Plane: {
          origin: { x: 0, y: -2, z: 0 },
          normal: { x: 0, y: -1, z: 0 },
          material: structuredClone(red),
        },
      },
      {
        Sphere: {
          center: { x: 1, y: 2, z: -3 },
          radius: 2,
          material: {
            coloration: { Texture: { path: "t.png" } },
            albedo: 0.1,
            surface: { Refractive: { index: 1.5, transparency: 0.9 } },
          },
        },
      },
    ],
    lights: [{
      Spherical: {
        position: { x: -2, y: 10, z: -3 },
        color: { red: 0.3, green: 0.8, blue: 0.3 },
        intensity: 1e4,
      },
    }],
  };
  const texture = { width: 1, height: 1, data: new Uint8Array([9, 8, 7, 255]) };
  const bytes = packScene({
    description,
    textures: new Map([["t.png", texture]]),
  });
  const { u32, f32, f64, counts } = readPacked(bytes);
  const NONE = 0xffff_ffff;
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "RAYPOOL\0");
  assert.deepEqual([u32(8), u32(12), f64(16), u32(24)], [2, 0, 1e-9, 7]);
  assert.deepEqual(counts, [1, 2, 0, 3, 1]);
  // The path tracer's settings at the values meaning "as the original": Whitted, black
  // environment without texture, intensity 1, Clamp, exposure 0; then 40 zero bytes.
  assert.deepEqual(
    [u32(48), u32(52), f32(56), f32(60), f32(64), u32(68), f32(72), f32(76)],
    [0, 0, 0, 0, 0, NONE, 1, 0],
  );
  assert.deepEqual([u32(80), f32(84)], [0, 0]);
  assert.ok(bytes.subarray(88, 128).every((b) => b === 0));
  // Texture: 1×1, format 0 (colour), 4 bytes padded to 8.
  assert.deepEqual([u32(128), u32(132), u32(136), u32(140)], [1, 1, 0, 0]);
  assert.deepEqual([...bytes.subarray(144, 148)], [9, 8, 7, 255]);
  const m = 152;
  // Material 0: colour, reflective; the original's fields as f32.
  assert.deepEqual(
    [u32(m), u32(m + 4), f32(m + 8), f32(m + 12), f32(m + 16), u32(m + 20)],
    [0, 1, 1, 0, 0, NONE],
  );
  assert.deepEqual([f32(m + 24), f32(m + 28), f32(m + 32)], [0.5, 0.25, 0]);
  // Flags, alpha mode, cut-off; the physically based fields at their defaults.
  assert.deepEqual([u32(m + 36), u32(m + 40), f32(m + 44)], [0, 0, 0.5]);
  assert.deepEqual(
    [48, 52, 56, 60, 64, 68, 72, 76, 80, 84, 88, 92, 96].map((o) => f32(m + o)),
    [1, 1, 1, 1, 0, 0.5, 1, 1, 1, 0, 0, 1.5, 1],
  );
  for (let ref = m + 104; ref < m + 232; ref += 32) {
    assert.deepEqual(
      [0, 4, 8, 12, 16, 20, 24, 28].map((o) =>
        o === 0 || o === 4 || o === 8 ? u32(ref + o) : f32(ref + o)
      ),
      [NONE, 0, 0, 0, 0, 0, 1, 1],
    );
  }
  // Material 1: texture 0, refractive.
  const m1 = m + 256;
  assert.deepEqual(
    [u32(m1), u32(m1 + 4), f32(m1 + 8), u32(m1 + 20), f32(m1 + 24)],
    [1, 2, 0, 0, Math.fround(0.1)],
  );
  assert.deepEqual(
    [f32(m1 + 28), f32(m1 + 32)],
    [1.5, Math.fround(0.9)],
  );
  const e = m1 + 256;
  assert.deepEqual([u32(e), u32(e + 4), f64(e + 8), f64(e + 32)], [0, 0, 0, 1]);
  assert.deepEqual([u32(e + 40), u32(e + 44), f64(e + 48 + 32)], [1, 0, -1]);
  assert.deepEqual([u32(e + 96), u32(e + 100), f64(e + 104), f64(e + 128)], [
    0,
    1,
    1,
    2,
  ]);
  const l = e + 136;
  assert.deepEqual([u32(l), f64(l + 8), f64(l + 16), f64(l + 56)], [
    1,
    -2,
    10,
    1e4,
  ]);
  assert.ok(bytes.subarray(l + 64, l + 96).every((b) => b === 0));
  assert.equal(bytes.length, l + 96);
  // 1,000 spheres sharing one material by value pack it once.
  const many = packScene({
    description: {
      ...scene,
      elements: Array.from(
        { length: 1000 },
        () => structuredClone(description.elements[0]),
      ),
    },
    textures: new Map(),
  });
  assert.equal(readPacked(many).counts[1], 1);
  assert.equal(many.length, 128 + 256 + 1000 * 40);
});

Deno.test("a missing texture is named", () => {
  assert.throws(
    () =>
      packScene({
        description: {
          ...scene,
          elements: [{
            Sphere: {
              center: { x: 0, y: 0, z: -5 },
              radius: 1,
              material: {
                coloration: { Texture: { path: "gone.png" } },
                albedo: 1,
                surface: "Diffuse",
              },
            },
          }],
        },
        textures: new Map(),
      }),
    { message: 'texture "gone.png" is missing from scene.textures' },
  );
});
