// The JSON Schema and validateScene must agree: every example scene passes both, and each bad
// scene below fails both, except the rules a schema cannot state, which only validateScene
// enforces (listed separately).
//
// ajv is used by this test only, to check the schema; the library does not depend on it, so
// it is imported here rather than mapped in deno.json.
// deno-lint-ignore no-import-prefix
import { Ajv2020 } from "npm:ajv@8.17.1/dist/2020.js";
import assert from "node:assert/strict";
import { validateScene } from "../src/scene/mod.ts";
import { fullScene as base } from "./fixtures/scenes/full_scene.ts";

const schema = JSON.parse(await Deno.readTextFile("scene.schema.json"));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemaAccepts = ajv.compile(schema);

// deno-lint-ignore no-explicit-any
type Json = any;

function validatorAccepts(value: unknown): boolean {
  try {
    validateScene(value);
    return true;
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) return false;
    throw error;
  }
}

/** Every scene file the project ships or tests against. */
async function exampleScenes(): Promise<string[]> {
  const files = [
    "tests/fixtures/original/test.json",
    "tests/fixtures/original/test_800x600.json",
  ];
  try {
    for await (const entry of Deno.readDir("examples")) {
      if (entry.isFile && entry.name.endsWith(".json")) {
        files.push(`examples/${entry.name}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const present: string[] = [];
  for (const file of files) {
    try {
      await Deno.stat(file);
      present.push(file);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return present;
}

Deno.test("scene.schema.json is a valid draft 2020-12 schema with the required metadata", () => {
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assert.equal(typeof schema.$id, "string");
  assert.equal(typeof schema.title, "string");
  assert.equal(typeof schema.description, "string");
  assert.equal(schema.additionalProperties, false);
  assert.equal(ajv.validateSchema(schema), true);
});

Deno.test("every example scene passes the schema and validateScene", async () => {
  const files = await exampleScenes();
  assert.ok(files.length >= 2, `found only ${files}`);
  for (const file of files) {
    const value = JSON.parse(await Deno.readTextFile(file));
    assert.ok(
      schemaAccepts(value),
      `${file}: ${ajv.errorsText(schemaAccepts.errors)}`,
    );
    assert.ok(validatorAccepts(value), file);
  }
  const scene = base();
  assert.ok(schemaAccepts(scene), ajv.errorsText(schemaAccepts.errors));
  assert.ok(validatorAccepts(scene));
});

type Bad = [name: string, mutate: (scene: Json) => Json | void];

/** Bad scenes that both the schema and validateScene reject. */
const rejectedByBoth: Bad[] = [
  ["not an object", () => []],
  ["unknown top-level field", (s) => {
    s.widht = 64;
  }],
  ["unknown nested field", (s) => {
    s.elements[0].Sphere.radiuss = 1;
  }],
  ["missing field", (s) => {
    delete s.max_recursion_depth;
  }],
  ["unknown element variant", (s) => {
    s.elements[0] = { Cube: {} };
  }],
  ["element with two keys", (s) => {
    s.elements[0] = { ...s.elements[0], ...s.elements[3] };
  }],
  ["element with no key", (s) => {
    s.elements[0] = {};
  }],
  ["unknown light variant", (s) => {
    s.lights[0] = { Ambient: s.lights[0].Spherical };
  }],
  ["data surface as a string", (s) => {
    s.elements[0].Sphere.material.surface = "Reflective";
  }],
  ["Diffuse as an object", (s) => {
    s.elements[3].Plane.material.surface = { Diffuse: null };
  }],
  ["coloration with two keys", (s) => {
    s.elements[0].Sphere.material.coloration.Texture = { path: "a.png" };
  }],
  ["width zero", (s) => {
    s.width = 0;
  }],
  ["height fractional", (s) => {
    s.height = 4.5;
  }],
  ["width beyond u32", (s) => {
    s.width = 2 ** 32;
  }],
  ["fov 180", (s) => {
    s.fov = 180;
  }],
  ["fov as a string", (s) => {
    s.fov = "90";
  }],
  ["negative radius", (s) => {
    s.elements[0].Sphere.radius = -1;
  }],
  ["zero radius", (s) => {
    s.elements[0].Sphere.radius = 0;
  }],
  ["negative colour channel", (s) => {
    s.lights[0].Spherical.color.red = -0.1;
  }],
  ["colour channel as a string", (s) => {
    s.lights[0].Spherical.color.red = "red";
  }],
  ["negative albedo", (s) => {
    s.elements[0].Sphere.material.albedo = -1;
  }],
  ["negative intensity", (s) => {
    s.lights[1].Directional.intensity = -1;
  }],
  ["intensity beyond f32", (s) => {
    s.lights[0].Spherical.intensity = 1e39;
  }],
  ["reflectivity above 1", (s) => {
    s.elements[0].Sphere.material.surface.Reflective.reflectivity = 1.01;
  }],
  ["recursion depth beyond 1000", (s) => {
    s.max_recursion_depth = 1001;
  }],
  ["refraction index that rounds to 0 as f32", (s) => {
    s.elements[2].Sphere.material.surface.Refractive.index = 1e-46;
  }],
  ["albedo that rounds to infinity as f32", (s) => {
    s.elements[0].Sphere.material.albedo = 2 ** 128 - 2 ** 103;
  }],
  ["refraction index zero", (s) => {
    s.elements[2].Sphere.material.surface.Refractive.index = 0;
  }],
  ["negative transparency", (s) => {
    s.elements[2].Sphere.material.surface.Refractive.transparency = -1;
  }],
  ["negative shadow bias", (s) => {
    s.shadow_bias = -1;
  }],
  ["fractional recursion depth", (s) => {
    s.max_recursion_depth = 1.5;
  }],
  ["empty texture path", (s) => {
    s.elements[1].Sphere.material.coloration.Texture.path = "";
  }],
  ["zero plane normal", (s) => {
    s.elements[3].Plane.normal = { x: 0, y: 0, z: 0 };
  }],
  ["zero light direction", (s) => {
    s.lights[1].Directional.direction = { x: 0, y: 0, z: 0 };
  }],
  ["zero camera up", (s) => {
    s.camera.up = { x: 0, y: 0, z: 0 };
  }],
  ["camera with an unknown field", (s) => {
    s.camera.lookAt = s.camera.look_at;
  }],
  ["samples zero", (s) => {
    s.samples = 0;
  }],
  ["samples fractional", (s) => {
    s.samples = 2.25;
  }],
  // JSON's 1e999 parses as Infinity, which ajv's "number" type refuses too.
  ["a number too large for a double", (s) => {
    s.elements[0].Sphere.center.x = JSON.parse("1e999");
  }],
];

/** Rules a JSON Schema cannot state: the schema accepts these, validateScene does not. */
const validatorOnly: Bad[] = [
  ["samples not a perfect square", (s) => {
    s.samples = 3;
  }],
  ["camera look_at equal to position", (s) => {
    s.camera.look_at = { ...s.camera.position };
  }],
  ["camera up parallel to the view direction", (s) => {
    s.camera.look_at = { x: 0, y: 5, z: 2 };
  }],
  ["image too large to allocate as one buffer", (s) => {
    s.width = 100000;
    s.height = 100000;
  }],
  ["a normal too short to normalise", (s) => {
    s.elements[3].Plane.normal = { x: 1e-200, y: 0, z: 0 };
  }],
  ["a camera view whose squared length overflows", (s) => {
    s.camera.position = { x: -1e154, y: 0, z: 0 };
    s.camera.look_at = { x: 1e154, y: 0, z: 0 };
  }],
  ["a camera view only a denormal long", (s) => {
    s.camera.position = { x: 0, y: 0, z: 0 };
    s.camera.look_at = { x: 5e-324, y: 0, z: 0 };
  }],
];

type Setter = (scene: Json, value: number) => void;

/**
 * Each numeric limit the schema states, with values just inside and just outside it: the
 * schema and validateScene must give the same answer for every one.
 */
const boundaries: [name: string, set: Setter, values: number[]][] = [
  ["width", (s, v) => {
    s.width = v;
    s.height = 1;
  }, [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1e10, 1.5]],
  ["samples", (s, v) => {
    s.samples = v;
  }, [0, 1, 4, 2 ** 32, 4294836225 + 0.5, 1e10]],
  ["max_recursion_depth", (s, v) => {
    s.max_recursion_depth = v;
  }, [-1, 0, 999, 1000, 1001, 2 ** 32 - 1, 2 ** 32]],
  ["fov", (s, v) => {
    s.fov = v;
  }, [0, 5e-324, 179.99999999999997, 180]],
  ["albedo", (s, v) => {
    s.elements[0].Sphere.material.albedo = v;
  }, [
    -5e-324,
    0,
    3.4028234663852886e38,
    3.4028235677973362e38,
    2 ** 128 - 2 ** 103,
    1e39,
  ]],
  ["intensity", (s, v) => {
    s.lights[0].Spherical.intensity = v;
  }, [-1, 0, 3.4028235677973362e38, 2 ** 128 - 2 ** 103]],
  ["colour", (s, v) => {
    s.lights[0].Spherical.color.green = v;
  }, [-1e-300, 0, 3.4028235677973362e38, 2 ** 128 - 2 ** 103]],
  ["transparency", (s, v) => {
    s.elements[2].Sphere.material.surface.Refractive.transparency = v;
  }, [-1, 0, 3.4028235677973362e38, 2 ** 128 - 2 ** 103]],
  ["reflectivity", (s, v) => {
    s.elements[0].Sphere.material.surface.Reflective.reflectivity = v;
  }, [-5e-324, 0, 1, 1.0000000000000002]],
  ["refractive index", (s, v) => {
    s.elements[2].Sphere.material.surface.Refractive.index = v;
  }, [
    0,
    1e-46,
    2 ** -150,
    7.006492321624087e-46,
    1.401298464324817e-45,
    1.5,
    3.4028235677973362e38,
    2 ** 128 - 2 ** 103,
  ]],
  ["radius", (s, v) => {
    s.elements[0].Sphere.radius = v;
  }, [-1, 0, 5e-324, 1e308]],
  ["shadow_bias", (s, v) => {
    s.shadow_bias = v;
  }, [-5e-324, 0, 1e308]],
];

Deno.test("the schema and validateScene agree on both sides of every numeric limit", () => {
  let accepted = 0;
  let rejected = 0;
  for (const [name, set, values] of boundaries) {
    for (const value of values) {
      const scene = base();
      set(scene, value);
      const bySchema = schemaAccepts(scene);
      assert.equal(
        validatorAccepts(scene),
        bySchema,
        `${name} = ${value}: the schema ${
          bySchema ? "accepts" : "rejects"
        } it, validateScene does not`,
      );
      if (bySchema) accepted++;
      else rejected++;
    }
  }
  // Both sides of the limits are exercised, not just one.
  assert.ok(accepted >= 20 && rejected >= 25, `${accepted} / ${rejected}`);
});

Deno.test(`schema and validateScene both reject ${rejectedByBoth.length} bad scenes`, () => {
  assert.ok(rejectedByBoth.length >= 15);
  for (const [name, mutate] of rejectedByBoth) {
    const scene = base();
    const value = mutate(scene) ?? scene;
    assert.equal(schemaAccepts(value), false, `schema accepted: ${name}`);
    assert.equal(
      validatorAccepts(value),
      false,
      `validateScene accepted: ${name}`,
    );
  }
});

Deno.test("validator-only rules: the schema accepts these, validateScene rejects them", () => {
  for (const [name, mutate] of validatorOnly) {
    const scene = base();
    const value = mutate(scene) ?? scene;
    assert.equal(
      schemaAccepts(value),
      true,
      `schema now rejects "${name}": move it to rejectedByBoth`,
    );
    assert.equal(
      validatorAccepts(value),
      false,
      `validateScene accepted: ${name}`,
    );
  }
});
