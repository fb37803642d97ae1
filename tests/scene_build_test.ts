import assert from "node:assert/strict";
import {
  diffuse,
  directionalLight,
  material,
  parseScene,
  plane,
  point,
  prepareScene,
  reflective,
  refractive,
  rgb,
  scene,
  sphere,
  sphericalLight,
  validateScene,
  vector,
} from "../src/scene/mod.ts";
import type { Element, SceneDescription } from "../src/types.ts";
import { gridScene } from "../examples/build_scene.ts";

Deno.test("builders return plain values of the scene format", () => {
  assert.deepEqual(point(1, 2, 3), { x: 1, y: 2, z: 3 });
  assert.deepEqual(vector(0, -1, 0), { x: 0, y: -1, z: 0 });
  assert.deepEqual(rgb(0.2, 1, 0.2), { red: 0.2, green: 1, blue: 0.2 });
  assert.equal(diffuse(), "Diffuse");
  assert.deepEqual(reflective(0.7), { Reflective: { reflectivity: 0.7 } });
  assert.deepEqual(refractive(1.5, 1), {
    Refractive: { index: 1.5, transparency: 1 },
  });
  assert.deepEqual(
    material({ color: rgb(1, 0, 0) }),
    {
      coloration: { Color: { red: 1, green: 0, blue: 0 } },
      albedo: 0.18,
      surface: "Diffuse",
    },
  );
  assert.deepEqual(
    material({ texture: "a.png", albedo: 0.5, surface: refractive(1.3, 0.9) }),
    {
      coloration: { Texture: { path: "a.png" } },
      albedo: 0.5,
      surface: { Refractive: { index: 1.3, transparency: 0.9 } },
    },
  );
  const m = material({ color: rgb(1, 1, 1) });
  assert.deepEqual(
    sphere({ center: point(0, 0, -5), radius: 1, material: m }),
    {
      Sphere: { center: { x: 0, y: 0, z: -5 }, radius: 1, material: m },
    },
  );
  assert.deepEqual(
    plane({ origin: point(0, -2, 0), normal: vector(0, -1, 0), material: m }),
    {
      Plane: {
        origin: { x: 0, y: -2, z: 0 },
        normal: { x: 0, y: -1, z: 0 },
        material: m,
      },
    },
  );
  assert.deepEqual(
    sphericalLight({
      position: point(0, 5, 0),
      color: rgb(1, 1, 1),
      intensity: 100,
    }),
    {
      Spherical: {
        position: { x: 0, y: 5, z: 0 },
        color: { red: 1, green: 1, blue: 1 },
        intensity: 100,
      },
    },
  );
  assert.deepEqual(
    directionalLight({
      direction: vector(0, -1, 0),
      color: rgb(1, 1, 1),
      intensity: 2,
    }),
    {
      Directional: {
        direction: { x: 0, y: -1, z: 0 },
        color: { red: 1, green: 1, blue: 1 },
        intensity: 2,
      },
    },
  );
});

Deno.test("scene() fills in the defaults and adds the extensions only when given", () => {
  assert.deepEqual(scene({ width: 4, height: 3, elements: [], lights: [] }), {
    width: 4,
    height: 3,
    fov: 90,
    elements: [],
    lights: [],
    shadow_bias: 1e-13,
    max_recursion_depth: 10,
  });
  const camera = {
    position: point(0, 1, 0),
    look_at: point(0, 0, -1),
    up: vector(0, 1, 0),
  };
  const full = scene({
    width: 4,
    height: 3,
    fov: 45,
    elements: [],
    lights: [],
    shadow_bias: 0,
    max_recursion_depth: 0,
    camera,
    samples: 9,
  });
  assert.deepEqual(full, {
    width: 4,
    height: 3,
    fov: 45,
    elements: [],
    lights: [],
    shadow_bias: 0,
    max_recursion_depth: 0,
    camera,
    samples: 9,
  });
});

Deno.test("builders copy only the known fields, whatever a JavaScript caller passes", () => {
  const m = material({ color: rgb(1, 1, 1) });
  const extra = {
    center: point(0, 0, 0),
    radius: 1,
    material: m,
    colour: "red",
  };
  assert.deepEqual(sphere(extra), {
    Sphere: { center: point(0, 0, 0), radius: 1, material: m },
  });
});

Deno.test("builders reject wrong fields at type-check time", () => {
  const m = material({ color: rgb(1, 1, 1) });
  // Each line below is a type error; the test only compiles if all of them are.
  const typeErrors = () => [
    // @ts-expect-error: "radius" misspelt
    sphere({ center: point(0, 0, 0), radiuss: 1, material: m }),
    // @ts-expect-error: both a colour and a texture
    material({ color: rgb(1, 1, 1), texture: "a.png" }),
    // @ts-expect-error: neither a colour nor a texture
    material({ albedo: 0.5 }),
    // @ts-expect-error: a string is not a surface
    material({ color: rgb(1, 1, 1), surface: "Shiny" }),
    // @ts-expect-error: lights are required
    scene({ width: 1, height: 1, elements: [] }),
    sphericalLight({
      // @ts-expect-error: a sphere light has a position, not a direction
      direction: vector(0, -1, 0),
      color: rgb(1, 1, 1),
      intensity: 1,
    }),
  ];
  assert.equal(typeof typeErrors, "function");
});

/** The original's Python wrapper's loop, in TypeScript: a 5×5 grid, colours and surfaces cycling. */
function loopGrid(): SceneDescription {
  const colors = [rgb(1, 0, 0), rgb(0, 1, 0), rgb(0, 0, 1), rgb(1, 1, 0)];
  const surfaces = [diffuse(), reflective(0.5), refractive(1.5, 1)];
  const elements: Element[] = [];
  for (let row = 0; row < 5; row++) {
    for (let column = 0; column < 5; column++) {
      const i = row * 5 + column;
      elements.push(sphere({
        center: point(column * 2 - 4, row * 2 - 4, -12),
        radius: 0.8,
        material: material({
          color: colors[i % colors.length],
          surface: surfaces[i % surfaces.length],
        }),
      }));
    }
  }
  elements.push(plane({
    origin: point(0, -5, 0),
    normal: vector(0, -1, 0),
    material: material({
      texture: "checkerboard.png",
      surface: reflective(0.2),
    }),
  }));
  return scene({
    width: 320,
    height: 240,
    elements,
    lights: [
      sphericalLight({
        position: point(0, 10, 0),
        color: rgb(1, 1, 1),
        intensity: 8000,
      }),
      directionalLight({
        direction: vector(0, -1, -1),
        color: rgb(1, 1, 1),
        intensity: 1,
      }),
    ],
  });
}

Deno.test("round trip: JSON.stringify of a built scene loads back identically", async () => {
  for (const built of [loopGrid(), gridScene()]) {
    const parsed = await parseScene(JSON.stringify(built), {
      baseDir: "tests/fixtures/scenes",
    });
    assert.deepEqual(parsed.description, built);
    assert.deepEqual(validateScene(built), built);
    const prepared = await prepareScene(built, {
      baseDir: "tests/fixtures/scenes",
    });
    assert.deepEqual(prepared.description, parsed.description);
    assert.deepEqual(prepared.textures, parsed.textures);
  }
});

Deno.test("the grid cycles colours and surfaces", () => {
  const grid = loopGrid();
  assert.equal(grid.elements.length, 26);
  const kinds = grid.elements.slice(0, 6).map((element) => {
    assert.ok("Sphere" in element);
    const surface = element.Sphere.material.surface;
    return typeof surface === "string" ? surface : Object.keys(surface)[0];
  });
  assert.deepEqual(kinds, [
    "Diffuse",
    "Reflective",
    "Refractive",
    "Diffuse",
    "Reflective",
    "Refractive",
  ]);
  const example = gridScene();
  assert.equal(example.elements.filter((e) => "Sphere" in e).length, 25);
  assert.equal(example.elements.filter((e) => "Plane" in e).length, 1);
});
