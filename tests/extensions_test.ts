// Issue 5, "Beyond the original": the extensions (portrait images, a free camera, samples per
// pixel, the BVH, regions, scenes built in TypeScript) proven through the public API and the
// worker pool. Geometry is checked against an independent ray–sphere computation in this file,
// the moved camera also against a committed image checked by eye, and brute force against the
// BVH through the packed scene's brute-force flag (the pool does not expose it).
//
// deno test --allow-read --allow-write=out --allow-ffi=./node_modules/.deno/imagescript@1.3.1 \
//   --allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG --allow-run=deno tests/extensions_test.ts

// ajv checks that a serialised scene is in the format; see tests/scene_schema_test.ts.
// deno-lint-ignore no-import-prefix
import { Ajv2020 } from "npm:ajv@8.17.1/dist/2020.js";
import assert from "node:assert/strict";
import {
  type Camera,
  diffuse,
  directionalLight,
  type Element,
  loadScene,
  material,
  parseScene,
  plane,
  point,
  prepareScene,
  reflective,
  refractive,
  type RenderedImage,
  Renderer,
  rgb,
  type Scene,
  scene,
  type SceneDescription,
  sphere,
  sphericalLight,
  validateScene,
  vector,
} from "../mod.ts";
import { WorkerPool } from "../src/render/pool.ts";
import { builds, renderInProcess } from "./fixtures/core.ts";
import { crop } from "./fixtures/crop.ts";

const original = new URL("./fixtures/original/", import.meta.url);
const fixtures = new URL("./fixtures/extensions/", import.meta.url);
const originalScene = await loadScene(new URL("test_800x600.json", original));

/** Fails the test if a worker outlives it. */
function test(name: string, fn: () => Promise<void>) {
  Deno.test(name, async () => {
    await fn();
    assert.equal(WorkerPool.live, 0, "a worker was left running");
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function assertSameImage(
  actual: RenderedImage,
  expected: RenderedImage,
  what: string,
) {
  assert.equal(actual.width, expected.width, `${what}: width`);
  assert.equal(actual.height, expected.height, `${what}: height`);
  assert.equal(actual.data.length, expected.data.length, `${what}: length`);
  const first = actual.data.findIndex((v, i) => v !== expected.data[i]);
  if (first !== -1) {
    const p = first >> 2;
    assert.fail(
      `${what}: first difference at pixel (${p % actual.width}, ${
        Math.floor(p / actual.width)
      }), channel ${first % 4}: ${actual.data[first]} vs ${
        expected.data[first]
      }`,
    );
  }
}

function pixel(image: RenderedImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return [...image.data.subarray(i, i + 4)];
}

function distinctColors(image: RenderedImage): number {
  const colors = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) {
    colors.add(
      image.data[i] << 16 | image.data[i + 1] << 8 | image.data[i + 2],
    );
  }
  return colors.size;
}

// ---------------------------------------------------------------------------------------------
// An independent model of the primary rays and of which sphere each one sees, from the
// formulas in original-format.md and the camera contract (forward = look_at − position,
// right = forward × up, true up = right × forward, all normalised).

type V3 = [number, number, number];
const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: V3, b: V3): V3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalize = (a: V3): V3 => {
  const l = Math.hypot(...a);
  return [a[0] / l, a[1] / l, a[2] / l];
};
const v3 = (p: { x: number; y: number; z: number }): V3 => [p.x, p.y, p.z];

interface Ball {
  center: V3;
  radius: number;
  /** Linear colour; 0 or 1 per channel, so a lit pixel is 0 or 255 per channel. */
  color: V3;
}

interface View {
  width: number;
  height: number;
  fov: number;
  camera?: Camera;
}

/** Origin and direction of the ray through the image-plane point (px, py), in pixels. */
function primaryRay(view: View, px: number, py: number): [V3, V3] {
  const t = Math.tan(view.fov * Math.PI / 180 / 2);
  const sx = (px / view.width * 2 - 1) * (view.width / view.height) * t;
  const sy = (1 - py / view.height * 2) * t;
  if (view.camera === undefined) return [[0, 0, 0], normalize([sx, sy, -1])];
  const position = v3(view.camera.position);
  const forward = normalize(sub(v3(view.camera.look_at), position));
  const right = normalize(cross(forward, v3(view.camera.up)));
  const up = cross(right, forward);
  const d: V3 = [0, 1, 2].map((i) =>
    right[i] * sx + up[i] * sy + forward[i]
  ) as V3;
  return [position, normalize(d)];
}

/** Relative band around a silhouette where rounding could decide either way. */
const MARGIN = 1e-3;

/**
 * The index of the ball the ray sees, -1 for none, or `undefined` when it passes within
 * {@linkcode MARGIN} of a silhouette. Balls must not overlap on screen near their edges.
 */
function seen(balls: readonly Ball[], origin: V3, dir: V3): number | undefined {
  let best = -1, bestT = Infinity;
  for (let i = 0; i < balls.length; i++) {
    const { center, radius } = balls[i];
    const l = sub(center, origin);
    const adj = dot(l, dir);
    if (adj <= 0) continue;
    const ratio = (dot(l, l) - adj * adj) / (radius * radius);
    if (Math.abs(ratio - 1) < MARGIN) return undefined;
    if (ratio > 1) continue;
    const t = adj - Math.sqrt(radius * radius * (1 - ratio));
    if (t < bestT) [best, bestT] = [i, t];
  }
  return best;
}

/**
 * A scene of diffuse balls lit by a strong point light at the eye, so every visible point is
 * lit and saturated (up to the {@linkcode MARGIN} band), in front of an optional wall.
 */
function ballScene(
  view: View,
  balls: readonly Ball[],
  wall?: { z: number; color: V3 },
): SceneDescription {
  const mat = (c: V3) => material({ color: rgb(...c), albedo: 1 });
  const elements: Element[] = balls.map((b) =>
    sphere({
      center: point(...b.center),
      radius: b.radius,
      material: mat(b.color),
    })
  );
  if (wall !== undefined) {
    elements.push(plane({
      origin: point(0, 0, wall.z),
      normal: vector(0, 0, -1),
      material: mat(wall.color),
    }));
  }
  const eye = view.camera?.position ?? point(0, 0, 0);
  return scene({
    width: view.width,
    height: view.height,
    fov: view.fov,
    elements,
    lights: [sphericalLight({
      position: eye,
      color: rgb(1, 1, 1),
      intensity: 2e6,
    })],
    shadow_bias: 1e-9,
    ...(view.camera === undefined ? {} : { camera: view.camera }),
  });
}

/**
 * Checks every pixel whose centre ray is clear of a silhouette: it shows exactly the colour of
 * the ball the model says it sees (black for none). Returns the pixel count per ball.
 */
function assertGeometry(
  image: RenderedImage,
  view: View,
  balls: readonly Ball[],
  what: string,
): number[] {
  assert.equal(image.width, view.width, `${what}: width`);
  assert.equal(image.height, view.height, `${what}: height`);
  const counts = balls.map(() => 0);
  let skipped = 0;
  for (let y = 0; y < view.height; y++) {
    for (let x = 0; x < view.width; x++) {
      const k = seen(balls, ...primaryRay(view, x + 0.5, y + 0.5));
      if (k === undefined) {
        skipped++;
        continue;
      }
      const expected = k === -1
        ? [0, 0, 0, 255]
        : [...balls[k].color.map((c) => c * 255), 255];
      assert.deepEqual(
        pixel(image, x, y),
        expected,
        `${what}: pixel (${x}, ${y}) should show ${
          k === -1 ? "the background" : `ball ${k}`
        }`,
      );
      if (k !== -1) counts[k]++;
    }
  }
  assert.ok(
    skipped < view.width * view.height / 100,
    `${what}: ${skipped} pixels on a silhouette`,
  );
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Portrait images

test("portrait 300×400: each ball where the formulas put it, tiled like one tile", async () => {
  const view: View = { width: 300, height: 400, fov: 60 };
  // Off-centre and asymmetric, so a transposed, mirrored or stretched image cannot pass; the
  // fov is vertical, so the red and white balls near the top and bottom edges are in view
  // while the frame is narrower than it is tall.
  const balls: Ball[] = [
    { center: [0, 2.6, -6], radius: 0.7, color: [1, 0, 0] },
    { center: [1.1, -1.2, -7], radius: 0.9, color: [0, 1, 0] },
    { center: [-1.2, 0.3, -5], radius: 0.5, color: [0, 0, 1] },
    { center: [0.4, -2.9, -6], radius: 0.4, color: [1, 1, 1] },
  ];
  const description = ballScene(view, balls);
  await using renderer = new Renderer({ workers: 2 });
  const image = await renderer.render(description, { tileSize: 37 });
  const counts = assertGeometry(image, view, balls, "portrait");
  for (const [i, n] of counts.entries()) {
    assert.ok(n > 200, `ball ${i} covers only ${n} pixels`);
  }
  const prepared = await prepareScene(description);
  assertSameImage(image, renderInProcess(prepared), "pool vs one tile");

  // The size given as an option rather than in the scene gives the same image.
  const landscape = await renderer.render(
    await prepareScene({ ...description, width: 400, height: 300 }),
    { width: 300, height: 400, tileSize: 64 },
  );
  assertSameImage(landscape, image, "width/height options");

  // The extreme aspect, one pixel wide, follows the same formulas.
  const column = await renderer.render(
    { ...description, width: 1, height: 400 },
  );
  assertGeometry(
    column,
    { ...view, width: 1 },
    balls,
    "1×400",
  );
});

test("portrait of the original's scene: pool equals one wasm tile", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const size = { width: 150, height: 200 };
  const image = await renderer.render(originalScene, {
    ...size,
    tileSize: 23,
  });
  assertSameImage(image, renderInProcess(originalScene, size), "150×200");
  assert.ok(distinctColors(image) > 100);
});

// ---------------------------------------------------------------------------------------------
// The camera

const defaultCamera: Camera = {
  position: point(0, 0, 0),
  look_at: point(0, 0, -1),
  up: vector(0, 1, 0),
};

test("the default camera, samples 1 and $schema in the JSON render byte-identically to neither", async () => {
  const text = await Deno.readTextFile(new URL("test_800x600.json", original));
  const json = JSON.parse(text);
  assert.equal("camera" in json, false);
  assert.equal("samples" in json, false);
  const load = async (extra: object) =>
    await parseScene(JSON.stringify({ ...json, ...extra }), {
      baseDir: original,
    });
  await using renderer = new Renderer({ workers: 2 });
  const plain = await renderer.render(originalScene);
  assert.equal(plain.width, 800);
  assert.equal(plain.height, 600);
  const withCamera = await load({ camera: defaultCamera });
  assert.deepEqual(withCamera.description.camera, defaultCamera);
  assertSameImage(await renderer.render(withCamera), plain, "camera");
  // The others at half size, to keep the test quick.
  const half = { width: 400, height: 300 };
  const plainHalf = await renderer.render(originalScene, half);
  for (
    const [what, extra] of [
      ["camera", { camera: defaultCamera }],
      ["samples 1", { samples: 1 }],
      ["$schema", { $schema: "../../../scene.schema.json" }],
      ["all three", {
        $schema: "../../../scene.schema.json",
        camera: defaultCamera,
        samples: 1,
      }],
    ] as const
  ) {
    const loaded = await load(extra);
    assertSameImage(await renderer.render(loaded, half), plainHalf, what);
  }
});

/** The camera of the committed image: above, left of and in front of the original's scene. */
const movedCamera: Camera = {
  position: point(-6, 4, 2),
  look_at: point(0, 0, -5),
  up: vector(0, 1, 0),
};

test("a moved camera sees the original's scene from elsewhere (committed image)", async () => {
  // deno-lint-ignore no-import-prefix
  const { Image } = await import("npm:imagescript@1.3.1");
  const png = await Image.decode(
    await Deno.readFile(new URL("camera_moved.png", fixtures)),
  );
  await using renderer = new Renderer({ workers: 2 });
  const moved: Scene = {
    description: { ...originalScene.description, camera: movedCamera },
    textures: originalScene.textures,
  };
  const image = await renderer.render(moved, { width: 320, height: 240 });
  assert.equal(png.width, 320);
  assert.equal(png.height, 240);
  let identical = 0, maxDiff = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    let same = true;
    for (let c = 0; c < 4; c++) {
      const diff = Math.abs(image.data[i + c] - png.bitmap[i + c]);
      if (diff !== 0) same = false;
      maxDiff = Math.max(maxDiff, diff);
    }
    if (same) identical++;
  }
  const share = identical / (320 * 240);
  assert.ok(share >= 0.999, `only ${share} of pixels identical`);
  assert.ok(maxDiff <= 2, `a channel is off by ${maxDiff}`);

  // And it is not the default view.
  const still = await renderer.render(originalScene, {
    width: 320,
    height: 240,
  });
  let differ = 0;
  for (let i = 0; i < still.data.length; i += 4) {
    if (still.data[i] !== image.data[i]) differ++;
  }
  assert.ok(differ > 320 * 240 / 2, `only ${differ} pixels differ`);
});

test("a moved, rolled camera puts each ball where the camera formulas put it", async () => {
  // Looking at the red ball from above, right and in front, with an up vector that is neither
  // perpendicular to the view nor vertical, so the basis must be re-orthogonalised.
  const view: View = {
    width: 160,
    height: 120,
    fov: 50,
    camera: {
      position: point(4, 3, 2),
      look_at: point(0, 0, -5),
      up: vector(0.3, 1, 0.1),
    },
  };
  const balls: Ball[] = [
    { center: [0, 0, -5], radius: 1, color: [1, 0, 0] },
    { center: [2.5, 0, -5], radius: 0.7, color: [0, 1, 0] },
    { center: [-0.5, 2.2, -5], radius: 0.6, color: [0, 0, 1] },
    { center: [-2.5, -0.5, -3], radius: 0.5, color: [1, 1, 1] },
  ];
  await using renderer = new Renderer({ workers: 2 });
  const image = await renderer.render(ballScene(view, balls), {
    tileSize: 16,
  });
  const counts = assertGeometry(image, view, balls, "moved camera");
  for (const [i, n] of counts.entries()) {
    assert.ok(n > 50, `ball ${i} covers only ${n} pixels`);
  }
  // The look-at point is the image centre.
  assert.deepEqual(pixel(image, 80, 60), [255, 0, 0, 255]);
});

// ---------------------------------------------------------------------------------------------
// Samples per pixel

test("samples 4 smooths edges, the same with any worker count, tile size or region", async () => {
  // A red ball in front of a blue wall: every pixel is red, blue or a mix of the two.
  const view: View = { width: 96, height: 72, fov: 40 };
  const balls: Ball[] = [{
    center: [0.3, -0.2, -8],
    radius: 1.6,
    color: [1, 0, 0],
  }];
  const description = ballScene(view, balls, { z: -20, color: [0, 0, 1] });
  const sides = [[255, 0, 0, 255], [0, 0, 255, 255]];
  await using renderer = new Renderer({ workers: 3 });
  const one = await renderer.render(description);
  const four = await renderer.render(description, { samples: 4 });
  assert.equal(distinctColors(one), 2);
  assert.ok(
    distinctColors(four) > 2,
    `${distinctColors(four)} colours with 4 samples`,
  );

  // Classify each pixel by a fine grid over its square: wholly ball, wholly wall, or crossed
  // by the silhouette (or too close to call).
  let mixed = 0, intermediate = 0;
  for (let y = 0; y < view.height; y++) {
    for (let x = 0; x < view.width; x++) {
      const kinds = new Set<number | undefined>();
      for (let j = 0; j <= 8; j++) {
        for (let i = 0; i <= 8; i++) {
          kinds.add(seen(balls, ...primaryRay(view, x + i / 8, y + j / 8)));
        }
      }
      const p = pixel(four, x, y);
      if (kinds.size === 1 && !kinds.has(undefined)) {
        const expected = kinds.has(0) ? sides[0] : sides[1];
        assert.deepEqual(p, expected, `pure pixel (${x}, ${y})`);
        assert.deepEqual(pixel(one, x, y), expected);
        continue;
      }
      if (kinds.size === 1) continue;
      mixed++;
      // A mix of red and blue, weighted in linear light: the two shares add up to one.
      const [r, g, b, a] = p;
      assert.equal(g, 0, `green at (${x}, ${y})`);
      assert.equal(a, 255);
      const share = (r / 255) ** 2.2 + (b / 255) ** 2.2;
      assert.ok(
        Math.abs(share - 1) < 0.03,
        `(${x}, ${y}) = ${p} is not a linear mix of red and blue`,
      );
      if (r > 0 && r < 255 && b > 0 && b < 255) intermediate++;
    }
  }
  // A pixel barely touched by the silhouette may have all four samples on one side; most
  // crossed pixels do not.
  assert.ok(mixed > 40, `only ${mixed} edge pixels`);
  assert.ok(
    intermediate > 40 && intermediate > mixed / 3,
    `only ${intermediate} of ${mixed} edge pixels take intermediate values`,
  );

  // "samples": 4 in the scene equals the option.
  assertSameImage(
    await renderer.render({ ...description, samples: 4 }),
    four,
    "samples in the scene",
  );
  // Byte-identical whatever the workers and tiles, and to one tile rendered on this thread.
  const prepared = await prepareScene({ ...description, samples: 4 });
  assertSameImage(renderInProcess(prepared), four, "one wasm tile");
  for (const workers of [1, 2, 3]) {
    for (const tileSize of [5, 16, 64]) {
      assertSameImage(
        await renderer.render(prepared, { workers, tileSize }),
        four,
        `${workers} workers, ${tileSize} px tiles`,
      );
    }
  }
  // A region is the same rectangle of the full image, sub-pixel offsets included.
  const region = { x: 29, y: 11, width: 40, height: 33 };
  assertSameImage(
    await renderer.render(prepared, { region, tileSize: 9 }),
    crop(four, region),
    "region",
  );
});

test("samples 4 with a moved camera: workers, tiles and regions agree", async () => {
  const moved: Scene = {
    description: {
      ...originalScene.description,
      camera: movedCamera,
      samples: 4,
    },
    textures: originalScene.textures,
  };
  const size = { width: 120, height: 90 };
  const expected = renderInProcess(moved, size);
  await using renderer = new Renderer({ workers: 3 });
  for (const [workers, tileSize] of [[1, 120], [2, 7], [3, 32]]) {
    assertSameImage(
      await renderer.render(moved, { ...size, workers, tileSize }),
      expected,
      `${workers} workers, ${tileSize} px tiles`,
    );
  }
  const region = { x: 50, y: 20, width: 31, height: 64 };
  assertSameImage(
    await renderer.render(moved, { ...size, region, tileSize: 10 }),
    crop(expected, region),
    "region",
  );
});

// ---------------------------------------------------------------------------------------------
// BVH

/** mulberry32: a small seeded PRNG, so a failing scene can be rebuilt from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 200 spheres (and some exact duplicates in another material, for equal-distance ties),
 * overlapping, some resting exactly on the floor, between two coincident floors of different
 * materials and a back wall; diffuse, mirror and glass; a point light and a directional one.
 */
function randomScene(seed: number, camera?: Camera): SceneDescription {
  const random = prng(seed);
  const range = (lo: number, hi: number) => lo + (hi - lo) * random();
  const materials = [
    material({ color: rgb(0.9, 0.3, 0.2), albedo: 0.6 }),
    material({ color: rgb(0.2, 0.8, 0.3), albedo: 0.5, surface: diffuse() }),
    material({
      color: rgb(0.9, 0.9, 0.9),
      albedo: 0.3,
      surface: reflective(0.6),
    }),
    material({
      color: rgb(1, 1, 1),
      albedo: 0.2,
      surface: refractive(1.3, 0.9),
    }),
  ];
  const pick = () => materials[Math.floor(random() * materials.length)];
  const elements: Element[] = [
    plane({
      origin: point(0, -3, 0),
      normal: vector(0, -1, 0),
      material: materials[2],
    }),
    plane({
      origin: point(5, -3, -9),
      normal: vector(0, -2, 0),
      material: materials[0],
    }),
  ];
  for (let i = 0; i < 200; i++) {
    const radius = i % 5 === 0 ? 1 : range(0.05, 1.5);
    const y = i % 11 === 0 ? -3 + radius : range(-3, 3);
    const center = point(range(-6, 6), y, range(-22, -4));
    elements.push(sphere({ center, radius, material: pick() }));
    if (i % 7 === 0) {
      elements.push(
        sphere({ center: { ...center }, radius, material: materials[i % 4] }),
      );
    }
  }
  elements.push(
    plane({
      origin: point(0, 0, -25),
      normal: vector(0, 0, -1),
      material: materials[1],
    }),
  );
  return scene({
    width: 96,
    height: 72,
    fov: 70,
    elements,
    lights: [
      sphericalLight({
        position: point(2, 8, -5),
        color: rgb(1, 1, 1),
        intensity: 3000,
      }),
      directionalLight({
        direction: vector(-0.3, -1, -0.2),
        color: rgb(1, 0.9, 0.8),
        intensity: 1.5,
      }),
    ],
    shadow_bias: 1e-9,
    max_recursion_depth: 5,
    ...(camera === undefined ? {} : { camera }),
  });
}

test("BVH and brute force give identical images on random scenes", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const cases: [number, Camera | undefined][] = [
    [1, undefined],
    [2, undefined],
    [3, undefined],
    // From inside the cloud of spheres, and from far off to the side.
    [4, {
      position: point(0, 0, -13),
      look_at: point(3, -1, -20),
      up: vector(0, 1, 0),
    }],
    [5, {
      position: point(20, 6, -10),
      look_at: point(0, 0, -13),
      up: vector(0, 1, 0),
    }],
  ];
  for (const [seed, camera] of cases) {
    const prepared = await prepareScene(randomScene(seed, camera));
    const before = builds.bruteForce;
    const brute = renderInProcess(prepared, {}, { bruteForce: true });
    assert.equal(builds.bruteForce, before + 1, "brute force was used");
    assert.ok(distinctColors(brute) > 200, `seed ${seed}: a dull image`);
    assertSameImage(renderInProcess(prepared), brute, `seed ${seed}, one tile`);
    assertSameImage(
      await renderer.render(prepared, { tileSize: 13 }),
      brute,
      `seed ${seed}, pool`,
    );
  }
});

Deno.test("with and without the BVH, an equal-distance tie goes to the earlier sphere", () => {
  // Two identical spheres behind a row of others that fill the BVH: whichever comes first is
  // the one seen, so the random scenes' duplicates above are real ties.
  const make = (first: V3, second: V3) =>
    scene({
      width: 9,
      height: 9,
      fov: 30,
      elements: [
        ...Array.from({ length: 20 }, (_, i) =>
          sphere({
            center: point(i - 10, 8, -12),
            radius: 0.4,
            material: material({ color: rgb(0, 0, 1) }),
          })),
        sphere({
          center: point(0, 0, -5),
          radius: 1,
          material: material({ color: rgb(...first), albedo: 3 }),
        }),
        sphere({
          center: point(0, 0, -5),
          radius: 1,
          material: material({ color: rgb(...second), albedo: 3 }),
        }),
      ],
      lights: [
        directionalLight({
          direction: vector(0, 0, -1),
          color: rgb(1, 1, 1),
          intensity: 10,
        }),
      ],
    });
  for (const bruteForce of [false, true]) {
    const red = renderInProcess(
      { description: make([1, 0, 0], [0, 1, 0]), textures: new Map() },
      {},
      { bruteForce },
    );
    const green = renderInProcess(
      { description: make([0, 1, 0], [1, 0, 0]), textures: new Map() },
      {},
      { bruteForce },
    );
    const what = `bruteForce ${bruteForce}`;
    assert.deepEqual(pixel(red, 4, 4), [255, 0, 0, 255], what);
    assert.deepEqual(pixel(green, 4, 4), [0, 255, 0, 255], what);
  }
});

// ---------------------------------------------------------------------------------------------
// Scenes built in TypeScript

test("a TypeScript-built scene survives a JSON round trip, to the same pixels", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../scene.schema.json", import.meta.url)),
  );
  const inFormat = new Ajv2020({ allErrors: true, strict: true }).compile(
    schema,
  );
  const checker = material({
    texture: "scenes/checkerboard.png",
    albedo: 0.4,
    surface: reflective(0.25),
  });
  const built = scene({
    width: 80,
    height: 60,
    fov: 57.3,
    elements: [
      // Values without a short decimal form, which JSON must still carry exactly.
      sphere({
        center: point(0.1 + 0.2, Math.PI / 7, -5 - 1 / 3),
        radius: Math.SQRT2 / 1.5,
        material: material({
          color: rgb(0.2, 1 / 3, 0.7),
          surface: reflective(0.7),
        }),
      }),
      sphere({
        center: point(-2.2, 0.4, -6.1),
        radius: 1.3,
        material: checker,
      }),
      sphere({
        center: point(1.9, 0.9, -4.2),
        radius: 0.9,
        material: material({
          color: rgb(1, 1, 1),
          surface: refractive(1.5, 0.95),
        }),
      }),
      plane({
        origin: point(0, -1.7, -5),
        normal: vector(0.01, -1, 0.02),
        material: checker,
      }),
      plane({
        origin: point(0, 0, -20),
        normal: vector(0, 0, -1),
        material: material({ color: rgb(0.2, 0.3, 1), albedo: 0.38 }),
      }),
    ],
    lights: [
      sphericalLight({
        position: point(-2, 10, -3),
        color: rgb(0.3, 0.8, 0.3),
        intensity: 1e4,
      }),
      directionalLight({
        direction: vector(0.3, -1, -0.7),
        color: rgb(1, 0.9, 0.8),
        intensity: 0.7,
      }),
    ],
    camera: {
      position: point(1.5, 2.5, 1),
      look_at: point(0, 0, -5),
      up: vector(0, 1, 0),
    },
    samples: 4,
  });
  const text = JSON.stringify(built, null, 2);
  assert.ok(inFormat(JSON.parse(text)), "the JSON is in the scene format");
  const loaded = await parseScene(text, { baseDir: original });
  assert.deepEqual(loaded.description, built);

  await using renderer = new Renderer({ workers: 2 });
  const direct = await renderer.render(
    await prepareScene(built, { baseDir: original }),
  );
  assert.ok(distinctColors(direct) > 500, "a dull image");
  assertSameImage(await renderer.render(loaded), direct, "round trip");

  // Through a file, the way the CLI loads it.
  await Deno.mkdir("out/extensions_test", { recursive: true });
  const file = "out/extensions_test/built.json";
  await Deno.copyFile(
    new URL("scenes/checkerboard.png", original),
    "out/extensions_test/checkerboard.png",
  );
  const relocated = text.replaceAll(
    "scenes/checkerboard.png",
    "checkerboard.png",
  );
  await Deno.writeTextFile(file, relocated);
  assertSameImage(
    await renderer.render(await loadScene(file)),
    direct,
    "from a file",
  );
});

test("$schema: the JSON Schema and validateScene both allow a string and nothing else", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../scene.schema.json", import.meta.url)),
  );
  const inFormat = new Ajv2020({ allErrors: true, strict: true }).compile(
    schema,
  );
  const example: Record<string, unknown> = JSON.parse(
    await Deno.readTextFile(
      new URL("../examples/camera.json", import.meta.url),
    ),
  );
  assert.equal(example.$schema, "../scene.schema.json");
  assert.ok(inFormat(example), "examples/camera.json is in the format");
  assert.ok(example.camera !== undefined, "examples/camera.json has a camera");
  assert.equal(example.samples, 4);
  const { $schema: _, ...withoutSchema } = example;
  assert.deepEqual(validateScene(example), validateScene(withoutSchema));
  for (const bad of [1, null, true, {}, ["a"]]) {
    assert.equal(inFormat({ ...example, $schema: bad }), false, String(bad));
    assert.throws(() => validateScene({ ...example, $schema: bad }), TypeError);
  }
});
