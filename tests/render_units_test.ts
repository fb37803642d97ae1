// Pure parts of the renderer: tiling, option validation, scene packing.
import assert from "node:assert/strict";
import { resolveRenderOptions } from "../src/render/options.ts";
import { buildScene, packScene } from "../src/render/scene_to_wasm.ts";
import { splitTiles } from "../src/render/tiles.ts";
import type { SceneDescription } from "../src/types.ts";

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
      'region {"x":700,"y":0,"width":101,"height":1} does not fit in the 800×600 image',
    ],
    [{ region: "all" }, "TypeError", 'region must be an object, got "all"'],
    [{ signal: {} }, "TypeError", "signal must be an AbortSignal, got {}"],
    [{ onProgress: 1 }, "TypeError", "onProgress must be a function, got 1"],
    [5, "TypeError", "options must be an object, got 5"],
  ];
  for (const [options, name, message] of cases) {
    assert.throws(
      () => resolveRenderOptions(scene, options as never, 2),
      { name, message },
      JSON.stringify(options),
    );
  }
});

Deno.test("options default from the scene, and the region may use an overridden size", () => {
  const r = resolveRenderOptions({ ...scene, samples: 4 }, undefined, 3);
  assert.equal(r.workers, 3);
  assert.equal(r.samples, 4);
  assert.deepEqual(r.region, { x: 0, y: 0, width: 800, height: 600 });
  const o = resolveRenderOptions(scene, {
    width: 1920,
    height: 1080,
    samples: 9,
    region: { x: 1000, y: 1000, width: 920, height: 80 },
  }, 2);
  assert.deepEqual([o.width, o.height, o.samples], [1920, 1080, 9]);
});

Deno.test("packing replays as the same builder calls, in element order", () => {
  const red = { Color: { red: 1, green: 0, blue: 0 } };
  const material = {
    coloration: red,
    albedo: 0.5,
    surface: "Diffuse" as const,
  };
  const texture = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
  const description: SceneDescription = {
    ...scene,
    camera: {
      position: { x: 1, y: 2, z: 3 },
      look_at: { x: 0, y: 0, z: -1 },
      up: { x: 0, y: 1, z: 0 },
    },
    elements: [
      { Sphere: { center: { x: 0, y: 0, z: -5 }, radius: 1, material } },
      {
        Plane: {
          origin: { x: 0, y: -2, z: 0 },
          normal: { x: 0, y: -1, z: 0 },
          material: {
            coloration: { Texture: { path: "t.png" } },
            albedo: 0.2,
            surface: { Reflective: { reflectivity: 0.7 } },
          },
        },
      },
      { Sphere: { center: { x: 1, y: 1, z: -4 }, radius: 2, material } },
      {
        Sphere: {
          center: { x: 2, y: 1, z: -4 },
          radius: 1.5,
          material: {
            coloration: { Texture: { path: "t.png" } },
            albedo: 0.1,
            surface: { Refractive: { index: 1.5, transparency: 0.9 } },
          },
        },
      },
    ],
    lights: [
      {
        Directional: {
          direction: { x: 0, y: 0, z: -1 },
          color: { red: 1, green: 1, blue: 1 },
          intensity: 2,
        },
      },
      {
        Spherical: {
          position: { x: -2, y: 10, z: -3 },
          color: { red: 0.3, green: 0.8, blue: 0.3 },
          intensity: 1e4,
        },
      },
    ],
  };
  const calls: unknown[][] = [];
  const record = (name: string) => (...args: unknown[]) => {
    calls.push([
      name,
      ...args.map((a) => a instanceof Uint8Array ? [...a] : a),
    ]);
    return calls.length;
  };
  class Recorder {
    constructor(...args: unknown[]) {
      calls.push(["new", ...args]);
    }
    set_camera = record("set_camera");
    set_samples = record("set_samples");
    add_texture = record("add_texture");
    add_material = record("add_material");
    add_sphere = record("add_sphere");
    add_plane = record("add_plane");
    add_directional_light = record("add_directional_light");
    add_spherical_light = record("add_spherical_light");
    build = () => "built";
    free = record("free");
  }
  const packed = packScene(
    { description, textures: new Map([["t.png", texture]]) },
    { width: 320, height: 240, samples: 4 },
  );
  assert.ok(packed.textures[0].data.buffer instanceof SharedArrayBuffer);
  assert.equal(buildScene(Recorder, packed), "built");
  assert.deepEqual(calls, [
    ["new", 320, 240, 90, 1e-13, 10],
    ["set_camera", 1, 2, 3, 0, 0, -1, 0, 1, 0],
    ["set_samples", 4],
    ["add_texture", 1, 1, [1, 2, 3, 255]],
    // The shared material object is added once; ids are what the builder returned.
    ["add_material", 0, 1, 0, 0, 0, 0.5, 0, 0, 0],
    ["add_material", 1, 0, 0, 0, 4, 0.2, 1, 0.7, 0],
    ["add_material", 1, 0, 0, 0, 4, 0.1, 2, 1.5, 0.9],
    ["add_sphere", 0, 0, -5, 1, 5],
    ["add_plane", 0, -2, 0, 0, -1, 0, 6],
    ["add_sphere", 1, 1, -4, 2, 5],
    ["add_sphere", 2, 1, -4, 1.5, 7],
    ["add_directional_light", 0, 0, -1, 1, 1, 1, 2],
    ["add_spherical_light", -2, 10, -3, 0.3, 0.8, 0.3, 1e4],
  ]);
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
      }, { width: 1, height: 1, samples: 1 }),
    { message: 'texture "gone.png" is missing from scene.textures' },
  );
});
