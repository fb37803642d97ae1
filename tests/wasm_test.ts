/**
 * Tests of the committed wasm build (`lib/`) through its public API: fidelity against an
 * image rendered by the original program, tiling, the extensions' no-op guarantees and
 * error handling.
 *
 * deno test --allow-read --allow-ffi=./node_modules/.deno/imagescript@1.3.1 \
 *   --allow-env=IMAGESCRIPT_WASM_SIMD tests/wasm_test.ts
 */

import assert from "node:assert/strict";
import { initSync, type RenderScene, SceneBuilder } from "../lib/raypool.js";

initSync({
  module: await WebAssembly.compile(
    await Deno.readFile(new URL("../lib/raypool_bg.wasm", import.meta.url)),
  ),
});

// imagescript's v1 API: Image.decode gives an RGBA bitmap.
// deno-lint-ignore no-import-prefix
const { Image } = await import("npm:imagescript@1.3.1");

const fixtures = new URL("./fixtures/original/", import.meta.url);

interface Xyz {
  x: number;
  y: number;
  z: number;
}
interface Rgb {
  red: number;
  green: number;
  blue: number;
}
interface OriginalMaterial {
  coloration: { Color: Rgb } | { Texture: { path: string } };
  albedo: number;
  surface:
    | "Diffuse"
    | { Reflective: { reflectivity: number } }
    | { Refractive: { index: number; transparency: number } };
}
interface OriginalScene {
  width: number;
  height: number;
  fov: number;
  shadow_bias: number;
  max_recursion_depth: number;
  elements: (
    | { Sphere: { center: Xyz; radius: number; material: OriginalMaterial } }
    | { Plane: { origin: Xyz; normal: Xyz; material: OriginalMaterial } }
  )[];
  lights: (
    | { Directional: { direction: Xyz; color: Rgb; intensity: number } }
    | { Spherical: { position: Xyz; color: Rgb; intensity: number } }
  )[];
}

interface Decoded {
  width: number;
  height: number;
  bitmap: Uint8ClampedArray;
}

async function decodePng(url: URL): Promise<Decoded> {
  return await Image.decode(await Deno.readFile(url)) as unknown as Decoded;
}

const scene: OriginalScene = JSON.parse(
  await Deno.readTextFile(new URL("test_800x600.json", fixtures)),
);
const textures = new Map<string, Decoded>();
for (const element of scene.elements) {
  const material = "Sphere" in element
    ? element.Sphere.material
    : element.Plane.material;
  if ("Texture" in material.coloration) {
    const path = material.coloration.Texture.path;
    if (!textures.has(path)) {
      textures.set(path, await decodePng(new URL(path, fixtures)));
    }
  }
}

interface Overrides {
  width?: number;
  height?: number;
  configure?: (builder: SceneBuilder) => void;
}

/** The original JSON scene, translated call by call into the builder API. */
function build(
  description: OriginalScene,
  overrides: Overrides = {},
): RenderScene {
  const builder = new SceneBuilder(
    overrides.width ?? description.width,
    overrides.height ?? description.height,
    description.fov,
    description.shadow_bias,
    description.max_recursion_depth,
  );
  overrides.configure?.(builder);
  const textureIds = new Map<string, number>();
  const material = (m: OriginalMaterial): number => {
    let kind = 0, rgb: Rgb = { red: 0, green: 0, blue: 0 }, textureId = 0;
    if ("Color" in m.coloration) {
      rgb = m.coloration.Color;
    } else {
      const path = m.coloration.Texture.path;
      let id = textureIds.get(path);
      if (id === undefined) {
        const t = textures.get(path)!;
        id = builder.add_texture(
          t.width,
          t.height,
          new Uint8Array(t.bitmap.buffer, t.bitmap.byteOffset, t.bitmap.length),
        );
        textureIds.set(path, id);
      }
      kind = 1;
      textureId = id;
    }
    const s = m.surface;
    const [surfaceKind, a, b] = s === "Diffuse"
      ? [0, 0, 0]
      : "Reflective" in s
      ? [1, s.Reflective.reflectivity, 0]
      : [2, s.Refractive.index, s.Refractive.transparency];
    return builder.add_material(
      kind,
      rgb.red,
      rgb.green,
      rgb.blue,
      textureId,
      m.albedo,
      surfaceKind,
      a,
      b,
    );
  };
  for (const element of description.elements) {
    if ("Sphere" in element) {
      const { center: c, radius, material: m } = element.Sphere;
      builder.add_sphere(c.x, c.y, c.z, radius, material(m));
    } else {
      const { origin: o, normal: n, material: m } = element.Plane;
      builder.add_plane(o.x, o.y, o.z, n.x, n.y, n.z, material(m));
    }
  }
  for (const light of description.lights) {
    if ("Directional" in light) {
      const { direction: d, color: c, intensity } = light.Directional;
      builder.add_directional_light(
        d.x,
        d.y,
        d.z,
        c.red,
        c.green,
        c.blue,
        intensity,
      );
    } else {
      const { position: p, color: c, intensity } = light.Spherical;
      builder.add_spherical_light(
        p.x,
        p.y,
        p.z,
        c.red,
        c.green,
        c.blue,
        intensity,
      );
    }
  }
  return builder.build();
}

function renderFull(built: RenderScene): Uint8Array {
  return built.render_tile(0, 0, built.width, built.height);
}

function renderTiled(built: RenderScene, tw: number, th: number): Uint8Array {
  const { width, height } = built;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y += th) {
    for (let x = 0; x < width; x += tw) {
      const w = Math.min(tw, width - x), h = Math.min(th, height - y);
      const tile = built.render_tile(x, y, w, h);
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

const reference = await renderFull(build(scene));

Deno.test("the 800×600 original scene matches the original's image (≥ 99.9% identical, ±2)", async () => {
  const expected = await decodePng(
    new URL("test_800x600.reference.png", fixtures),
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
  const share = same / (800 * 600);
  console.log(
    `fidelity: ${same}/${800 * 600} pixels identical (${
      (share * 100).toFixed(4)
    }%), ` +
      `largest channel difference ${worst}`,
  );
  assert.ok(
    share >= 0.999,
    `only ${(share * 100).toFixed(4)}% of pixels identical`,
  );
  assert.ok(worst <= 2, `a channel differs by ${worst}`);
});

Deno.test("one full-frame tile equals many odd-sized (37×23) tiles, byte for byte", () => {
  assertSameBytes(renderTiled(build(scene), 37, 23), reference, "37×23 tiles");
});

Deno.test("the default camera set explicitly renders byte-identically", () => {
  const built = build(scene, {
    configure: (b) => b.set_camera(0, 0, 0, 0, 0, -1, 0, 1, 0),
  });
  assertSameBytes(renderFull(built), reference, "explicit default camera");
});

Deno.test("brute force and the BVH render the same image; samples=1 is the default", () => {
  const brute = build(scene, { configure: (b) => b.set_use_bvh(false) });
  assertSameBytes(renderFull(brute), reference, "brute force");
  const one = build(scene, { configure: (b) => b.set_samples(1) });
  assertSameBytes(renderFull(one), reference, "samples=1");
});

Deno.test("4 samples per pixel stay close to the single-sample image", () => {
  const built = build(scene, {
    width: 200,
    height: 150,
    configure: (b) => b.set_samples(4),
  });
  const single = renderFull(build(scene, { width: 200, height: 150 }));
  const multi = renderFull(built);
  let total = 0;
  for (let i = 0; i < multi.length; i++) {
    total += Math.abs(multi[i] - single[i]);
  }
  const mean = total / multi.length;
  assert.ok(mean > 0 && mean < 10, `mean channel difference ${mean}`);
});

Deno.test("a portrait image renders (the original refused width < height)", () => {
  const built = build(scene, { width: 90, height: 160 });
  const image = renderFull(built);
  assert.equal(image.length, 90 * 160 * 4);
  assert.ok(image.some((v, i) => i % 4 !== 3 && v !== 0));
});

Deno.test("1000 mirror bounces (the deepest recursion allowed) do not exhaust the stack", () => {
  const builder = new SceneBuilder(8, 6, 60, 1e-9, 1000);
  const mirror = builder.add_material(0, 1, 1, 1, 0, 0.5, 1, 0.99, 0);
  builder.add_plane(0, 0, -10, 0, 0, -1, mirror);
  builder.add_plane(0, 0, 10, 0, 0, 1, mirror);
  builder.add_spherical_light(0, 0, 0, 1, 1, 1, 100);
  const image = builder.build().render_tile(0, 0, 8, 6);
  assert.equal(image.length, 8 * 6 * 4);
  assert.throws(() => new SceneBuilder(8, 6, 60, 1e-9, 1001), /at most 1000/);
});

Deno.test("bad values throw an Error naming the value; the instance keeps working", () => {
  const builder = new SceneBuilder(16, 12, 90, 1e-13, 10);
  const throwsError = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) => e instanceof Error && pattern.test(e.message),
    );
  const m = builder.add_material(0, 1, 1, 1, 0, 0.18, 0, 0, 0);
  throwsError(
    () => builder.add_sphere(NaN, 0, -5, 1, m),
    /add_sphere: center.*NaN/,
  );
  throwsError(
    () => builder.add_sphere(0, 0, -5, -1, m),
    /radius must be positive, got -1/,
  );
  throwsError(
    () => builder.add_sphere(0, 0, -5, 1, 7),
    /unknown material_id 7/,
  );
  throwsError(
    () => builder.add_plane(0, -1, 0, 0, 0, 0, m),
    /add_plane: normal must be a non-zero vector/,
  );
  throwsError(
    () => builder.add_directional_light(0, 0, 0, 1, 1, 1, 1),
    /non-zero/,
  );
  throwsError(
    () => builder.add_spherical_light(0, Infinity, 0, 1, 1, 1, 1),
    /finite/,
  );
  throwsError(
    () => builder.add_texture(2, 2, new Uint8Array(15)),
    /16 bytes.*got 15/,
  );
  throwsError(
    () => builder.add_texture(0, 2, new Uint8Array(0)),
    /at least 1×1/,
  );
  throwsError(
    () => builder.add_material(1, 0, 0, 0, 3, 0.5, 0, 0, 0),
    /unknown texture_id 3/,
  );
  throwsError(
    () => builder.add_material(0, 1, 1, 1, 0, 0.5, 9, 0, 0),
    /surface_kind/,
  );
  throwsError(() => builder.set_samples(3), /perfect square.*got 3/);
  throwsError(() => builder.set_samples(0), /perfect square.*got 0/);
  throwsError(
    () => builder.set_camera(1, 2, 3, 1, 2, 3, 0, 1, 0),
    /look_at must differ/,
  );
  throwsError(() => builder.set_camera(0, 0, 0, 0, 5, 0, 0, 1, 0), /parallel/);
  throwsError(
    () => builder.set_camera(0, 0, 0, 0, 0, -1, NaN, 1, 0),
    /up must be finite/,
  );
  throwsError(
    () => new SceneBuilder(0, 10, 90, 0, 1),
    /width must be at least 1/,
  );
  throwsError(
    () => new SceneBuilder(10, 10, 180, 0, 1),
    /fov must be between 0 and 180.*got 180/,
  );
  throwsError(() => new SceneBuilder(10, 10, 60, NaN, 1), /shadow_bias.*NaN/);

  // Still usable after all of that.
  builder.add_sphere(0, 0, -5, 1, m);
  builder.add_spherical_light(0, 5, 0, 1, 1, 1, 1000);
  const built = builder.build();
  throwsError(() => built.render_tile(10, 0, 7, 1), /inside the 16×12 image/);
  throwsError(() => built.render_tile(0, 0, 0, 5), /non-empty/);
  throwsError(() => built.render_tile(0, 12, 1, 1), /inside/);
  throwsError(() => built.render_tile(-1, 0, 1, 1), /inside/);
  const image = built.render_tile(0, 0, 16, 12);
  assert.equal(image.length, 16 * 12 * 4);
  assert.ok(
    image.some((v, i) => i % 4 !== 3 && v !== 0),
    "the sphere is visible",
  );
  built.free();
});
