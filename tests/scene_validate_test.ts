import assert from "node:assert/strict";
import {
  checkImageSize,
  MAX_IMAGE_BYTES,
  validateScene,
} from "../src/scene/mod.ts";
import { fullScene as full } from "./fixtures/scenes/full_scene.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

type Case = [
  name: string,
  mutate: (scene: Json) => unknown,
  error: TypeErrorConstructor | RangeErrorConstructor,
  message: string,
];

// deno-lint-ignore no-explicit-any
const sphere0 = (s: Json): any => s.elements[0].Sphere;
// deno-lint-ignore no-explicit-any
const plane3 = (s: Json): any => s.elements[3].Plane;
// deno-lint-ignore no-explicit-any
const spherical0 = (s: Json): any => s.lights[0].Spherical;
// deno-lint-ignore no-explicit-any
const directional1 = (s: Json): any => s.lights[1].Directional;

const cases: Case[] = [
  // The scene itself and unknown fields
  [
    "root not an object",
    () => [],
    TypeError,
    "the scene must be an object, got an array",
  ],
  ["root null", () => null, TypeError, "the scene must be an object, got null"],
  [
    "root string",
    () => "scene.json",
    TypeError,
    'the scene must be an object, got "scene.json"',
  ],
  [
    "typo at top level",
    (s) => {
      s.widht = s.width;
      delete s.width;
    },
    TypeError,
    'unknown field "widht" at top level, did you mean "width"?',
  ],
  [
    "camelCase at top level",
    (s) => {
      s.shadowBias = 0;
    },
    TypeError,
    'unknown field "shadowBias" at top level, did you mean "shadow_bias"?',
  ],
  [
    "unknown field, nothing close",
    (s) => {
      s.background = "black";
    },
    TypeError,
    'unknown field "background" at top level, expected "width", "height", "fov", "elements", "lights", "shadow_bias", "max_recursion_depth", "camera", "samples", "integrator", "environment", "tone_mapping" or "exposure"',
  ],
  [
    "typo nested",
    (s) => {
      sphere0(s).radiuss = 1;
    },
    TypeError,
    'unknown field "radiuss" at elements[0].Sphere, did you mean "radius"?',
  ],
  [
    "typo in a colour",
    (s) => {
      spherical0(s).color.gren = 1;
    },
    TypeError,
    'unknown field "gren" at lights[0].Spherical.color, did you mean "green"?',
  ],
  [
    "typo in the camera",
    (s) => {
      s.camera.lookAt = s.camera.look_at;
      delete s.camera.look_at;
    },
    TypeError,
    'unknown field "lookAt" at camera, did you mean "look_at"?',
  ],
  [
    "missing top-level field",
    (s) => {
      delete s.fov;
    },
    TypeError,
    "fov is missing",
  ],
  [
    "missing nested field",
    (s) => {
      delete sphere0(s).radius;
    },
    TypeError,
    "elements[0].Sphere.radius is missing",
  ],
  [
    "missing material field",
    (s) => {
      delete plane3(s).material.albedo;
    },
    TypeError,
    "elements[3].Plane.material.albedo is missing",
  ],

  // Variants
  [
    "unknown element variant",
    (s) => {
      s.elements[1] = { Cube: {} };
    },
    TypeError,
    'elements[1] has unknown variant "Cube", expected "Sphere", "Plane", "Mesh" or "Gltf"',
  ],
  [
    "misspelt element variant",
    (s) => {
      s.elements[1] = { sphere: sphere0(s) };
    },
    TypeError,
    'elements[1] has unknown variant "sphere", expected "Sphere", "Plane", "Mesh" or "Gltf"; did you mean "Sphere"?',
  ],
  [
    "element with two keys",
    (s) => {
      s.elements[0] = { Sphere: sphere0(s), Plane: plane3(s) };
    },
    TypeError,
    'elements[0] must have exactly one key, "Sphere", "Plane", "Mesh" or "Gltf", got 2 keys: "Sphere", "Plane"',
  ],
  [
    "element with no key",
    (s) => {
      s.elements[2] = {};
    },
    TypeError,
    'elements[2] must have exactly one key, "Sphere", "Plane", "Mesh" or "Gltf", got an empty object',
  ],
  [
    "element as a string",
    (s) => {
      s.elements[0] = "Sphere";
    },
    TypeError,
    'elements[0] must be an object with one key, "Sphere", "Plane", "Mesh" or "Gltf", got "Sphere"',
  ],
  [
    "element as null",
    (s) => {
      s.elements[0] = null;
    },
    TypeError,
    'elements[0] must be an object with one key, "Sphere", "Plane", "Mesh" or "Gltf", got null',
  ],
  [
    "unknown light variant",
    (s) => {
      s.lights[0] = { Ambient: {} };
    },
    TypeError,
    'lights[0] has unknown variant "Ambient", expected "Directional" or "Spherical"',
  ],
  [
    "unknown coloration variant",
    (s) => {
      sphere0(s).material.coloration = {
        Colour: { red: 1, green: 1, blue: 1 },
      };
    },
    TypeError,
    'elements[0].Sphere.material.coloration has unknown variant "Colour", expected "Color" or "Texture"; did you mean "Color"?',
  ],
  [
    "coloration with two keys",
    (s) => {
      sphere0(s).material.coloration = {
        Color: { red: 1, green: 1, blue: 1 },
        Texture: { path: "a.png" },
      };
    },
    TypeError,
    'elements[0].Sphere.material.coloration must have exactly one key, "Color" or "Texture", got 2 keys: "Color", "Texture"',
  ],
  [
    "unknown surface string",
    (s) => {
      sphere0(s).material.surface = "Shiny";
    },
    TypeError,
    'elements[0].Sphere.material.surface has unknown variant "Shiny", expected "Diffuse", "Reflective", "Refractive" or "Pbr"',
  ],
  [
    "data variant as a string",
    (s) => {
      sphere0(s).material.surface = "Reflective";
    },
    TypeError,
    'elements[0].Sphere.material.surface must be an object {"Reflective": {…}} (only "Diffuse" is a bare string), got "Reflective"',
  ],
  [
    "Diffuse as an object",
    (s) => {
      sphere0(s).material.surface = { Diffuse: null };
    },
    TypeError,
    'elements[0].Sphere.material.surface must be the string "Diffuse", not an object with the key "Diffuse"',
  ],
  [
    "surface as a number",
    (s) => {
      sphere0(s).material.surface = 1;
    },
    TypeError,
    'elements[0].Sphere.material.surface must be "Diffuse" or an object with one key, "Reflective", "Refractive" or "Pbr", got 1',
  ],
  [
    "unknown surface variant",
    (s) => {
      sphere0(s).material.surface = { Glossy: {} };
    },
    TypeError,
    'elements[0].Sphere.material.surface has unknown variant "Glossy", expected "Diffuse", "Reflective", "Refractive" or "Pbr"',
  ],

  // Types
  [
    "width as a string",
    (s) => {
      s.width = "64";
    },
    TypeError,
    'width must be a positive integer, got "64"',
  ],
  [
    "elements not an array",
    (s) => {
      s.elements = {};
    },
    TypeError,
    "elements must be an array, got an object",
  ],
  [
    "lights null",
    (s) => {
      s.lights = null;
    },
    TypeError,
    "lights must be an array, got null",
  ],
  [
    "colour channel as a string",
    (s) => {
      spherical0(s).color.red = "red";
    },
    TypeError,
    'lights[0].Spherical.color.red must be a non-negative number, got "red"',
  ],
  [
    "coordinate as a boolean",
    (s) => {
      sphere0(s).center.y = true;
    },
    TypeError,
    "elements[0].Sphere.center.y must be a number, got true",
  ],
  [
    "point as an array",
    (s) => {
      sphere0(s).center = [0, 0, -5];
    },
    TypeError,
    'elements[0].Sphere.center must be an object with the fields "x", "y" and "z", got an array',
  ],
  [
    "material null",
    (s) => {
      sphere0(s).material = null;
    },
    TypeError,
    'elements[0].Sphere.material must be an object with the fields "coloration", "albedo" and "surface", got null',
  ],
  [
    "texture path a number",
    (s) => {
      s.elements[1].Sphere.material.coloration.Texture.path = 7;
    },
    TypeError,
    "elements[1].Sphere.material.coloration.Texture.path must be a non-empty string, got 7",
  ],
  [
    "camera a string",
    (s) => {
      s.camera = "front";
    },
    TypeError,
    'camera must be an object with the fields "position", "look_at" and "up", got "front"',
  ],
  [
    "samples a string",
    (s) => {
      s.samples = "4";
    },
    TypeError,
    'samples must be a positive integer that is a perfect square (1, 4, 9, 16, …), got "4"',
  ],
  [
    "radius a bigint",
    (s) => {
      sphere0(s).radius = 1n;
    },
    TypeError,
    "elements[0].Sphere.radius must be a positive number, got 1n (a bigint)",
  ],

  // Ranges
  [
    "width zero",
    (s) => {
      s.width = 0;
    },
    RangeError,
    "width must be a positive integer, got 0",
  ],
  [
    "height fractional",
    (s) => {
      s.height = 48.5;
    },
    RangeError,
    "height must be a positive integer, got 48.5",
  ],
  [
    "width beyond u32",
    (s) => {
      s.width = 2 ** 32;
    },
    RangeError,
    "width must be at most 4294967295 (it is a 32-bit unsigned integer), got 4294967296",
  ],
  [
    "image too large to allocate",
    (s) => {
      s.width = 100000;
      s.height = 100000;
    },
    RangeError,
    "width × height = 100000 × 100000 needs 40000000000 bytes of RGBA, more than the 17179869184 bytes one buffer can hold",
  ],
  [
    "fov zero",
    (s) => {
      s.fov = 0;
    },
    RangeError,
    "fov must be a number greater than 0 and less than 180, got 0",
  ],
  [
    "fov 180",
    (s) => {
      s.fov = 180;
    },
    RangeError,
    "fov must be a number greater than 0 and less than 180, got 180",
  ],
  [
    "negative radius",
    (s) => {
      s.elements[2].Sphere.radius = -1;
    },
    RangeError,
    "elements[2].Sphere.radius must be a positive number, got -1",
  ],
  [
    "zero radius",
    (s) => {
      sphere0(s).radius = 0;
    },
    RangeError,
    "elements[0].Sphere.radius must be a positive number, got 0",
  ],
  [
    "negative albedo",
    (s) => {
      sphere0(s).material.albedo = -0.1;
    },
    RangeError,
    "elements[0].Sphere.material.albedo must be a non-negative number, got -0.1",
  ],
  [
    "negative colour channel",
    (s) => {
      sphere0(s).material.coloration.Color.blue = -1;
    },
    RangeError,
    "elements[0].Sphere.material.coloration.Color.blue must be a non-negative number, got -1",
  ],
  [
    "negative intensity",
    (s) => {
      directional1(s).intensity = -5;
    },
    RangeError,
    "lights[1].Directional.intensity must be a non-negative number, got -5",
  ],
  [
    "reflectivity above 1",
    (s) => {
      sphere0(s).material.surface.Reflective.reflectivity = 1.5;
    },
    RangeError,
    "elements[0].Sphere.material.surface.Reflective.reflectivity must be a number from 0 to 1, got 1.5",
  ],
  [
    "reflectivity below 0",
    (s) => {
      sphere0(s).material.surface.Reflective.reflectivity = -0.5;
    },
    RangeError,
    "elements[0].Sphere.material.surface.Reflective.reflectivity must be a number from 0 to 1, got -0.5",
  ],
  [
    "refraction index zero",
    (s) => {
      s.elements[2].Sphere.material.surface.Refractive.index = 0;
    },
    RangeError,
    "elements[2].Sphere.material.surface.Refractive.index must be a positive number, got 0",
  ],
  [
    "negative transparency",
    (s) => {
      s.elements[2].Sphere.material.surface.Refractive.transparency = -1;
    },
    RangeError,
    "elements[2].Sphere.material.surface.Refractive.transparency must be a non-negative number, got -1",
  ],
  [
    "negative shadow bias",
    (s) => {
      s.shadow_bias = -1e-13;
    },
    RangeError,
    "shadow_bias must be a non-negative number, got -1e-13",
  ],
  [
    "recursion depth negative",
    (s) => {
      s.max_recursion_depth = -1;
    },
    RangeError,
    "max_recursion_depth must be a non-negative integer, got -1",
  ],
  [
    "recursion depth fractional",
    (s) => {
      s.max_recursion_depth = 2.5;
    },
    RangeError,
    "max_recursion_depth must be a non-negative integer, got 2.5",
  ],
  [
    "empty texture path",
    (s) => {
      s.elements[1].Sphere.material.coloration.Texture.path = "";
    },
    RangeError,
    'elements[1].Sphere.material.coloration.Texture.path must be a non-empty string, got ""',
  ],
  [
    "f32 overflow",
    (s) => {
      spherical0(s).intensity = 1e39;
    },
    RangeError,
    "lights[0].Spherical.intensity must be less than 3.4028235677973366e+38 to fit a 32-bit float (whose largest value is 3.4028234663852886e+38), got 1e+39",
  ],
  [
    "f32 overflow by rounding: 2^128 - 2^103 rounds to infinity",
    (s) => {
      sphere0(s).material.albedo = 2 ** 128 - 2 ** 103;
    },
    RangeError,
    "elements[0].Sphere.material.albedo must be less than 3.4028235677973366e+38 to fit a 32-bit float (whose largest value is 3.4028234663852886e+38), got 3.4028235677973366e+38",
  ],
  [
    "refractive index that rounds to 0 as f32",
    (s) => {
      s.elements[2].Sphere.material.surface.Refractive.index = 1e-46;
    },
    RangeError,
    "elements[2].Sphere.material.surface.Refractive.index must be more than 7.006492321624085e-46 so it does not round to 0 as a 32-bit float, got 1e-46",
  ],
  [
    "refractive index beyond f32",
    (s) => {
      s.elements[2].Sphere.material.surface.Refractive.index = 1e39;
    },
    RangeError,
    "elements[2].Sphere.material.surface.Refractive.index must be less than 3.4028235677973366e+38 to fit a 32-bit float (whose largest value is 3.4028234663852886e+38), got 1e+39",
  ],
  [
    "recursion depth beyond the core's limit",
    (s) => {
      s.max_recursion_depth = 1001;
    },
    RangeError,
    "max_recursion_depth must be at most 1000, got 1001",
  ],
  [
    "recursion depth 2^32 - 1",
    (s) => {
      s.max_recursion_depth = 4294967295;
    },
    RangeError,
    "max_recursion_depth must be at most 1000, got 4294967295",
  ],
  [
    "samples 1e10 (would wrap to 1410065408 as u32)",
    (s) => {
      s.samples = 1e10;
    },
    RangeError,
    "samples must be at most 4294967295 (it is a 32-bit unsigned integer), got 10000000000",
  ],
  [
    "samples 2^32 (would wrap to 0 as u32)",
    (s) => {
      s.samples = 4294967296;
    },
    RangeError,
    "samples must be at most 4294967295 (it is a 32-bit unsigned integer), got 4294967296",
  ],

  // Non-finite numbers (JSON's 1e999 parses as Infinity)
  [
    "infinite coordinate",
    (s) => {
      sphere0(s).center.x = Infinity;
    },
    RangeError,
    "elements[0].Sphere.center.x must be a finite number, got Infinity",
  ],
  [
    "NaN radius",
    (s) => {
      sphere0(s).radius = NaN;
    },
    RangeError,
    "elements[0].Sphere.radius must be a finite number, got NaN",
  ],
  [
    "infinite shadow bias",
    (s) => {
      s.shadow_bias = Infinity;
    },
    RangeError,
    "shadow_bias must be a finite number, got Infinity",
  ],
  [
    "infinite fov",
    (s) => {
      s.fov = -Infinity;
    },
    RangeError,
    "fov must be a finite number, got -Infinity",
  ],

  // Directions
  [
    "zero plane normal",
    (s) => {
      plane3(s).normal = { x: 0, y: 0, z: 0 };
    },
    RangeError,
    'elements[3].Plane.normal must be a non-zero vector, got {"x": 0, "y": 0, "z": 0}',
  ],
  [
    "zero light direction",
    (s) => {
      directional1(s).direction = { x: 0, y: -0, z: 0 };
    },
    RangeError,
    'lights[1].Directional.direction must be a non-zero vector, got {"x": 0, "y": -0, "z": 0}',
  ],
  [
    "normal too short to normalise",
    (s) => {
      plane3(s).normal = { x: 1e-200, y: 0, z: 0 };
    },
    RangeError,
    'elements[3].Plane.normal is too short to normalise (its squared length is 0), got {"x": 1e-200, "y": 0, "z": 0}',
  ],
  [
    "direction too long to normalise",
    (s) => {
      directional1(s).direction = { x: 1e200, y: 0, z: 0 };
    },
    RangeError,
    'lights[1].Directional.direction is too long to normalise (its squared length is Infinity), got {"x": 1e+200, "y": 0, "z": 0}',
  ],

  // Extensions
  [
    "camera up zero",
    (s) => {
      s.camera.up = { x: 0, y: 0, z: 0 };
    },
    RangeError,
    'camera.up must be a non-zero vector, got {"x": 0, "y": 0, "z": 0}',
  ],
  [
    "camera looking at itself",
    (s) => {
      s.camera.look_at = { ...s.camera.position };
    },
    RangeError,
    'camera.look_at must differ from camera.position, both are {"x": 0, "y": 1, "z": 2}',
  ],
  [
    "camera view longer than the core can square (1.3e154)",
    (s) => {
      s.camera.position = { x: -1e154, y: 0, z: 0 };
      s.camera.look_at = { x: 1e154, y: 0, z: 0 };
    },
    RangeError,
    'camera.look_at is too far from camera.position to give a view direction (the squared length of look_at − position = {"x": 2e+154, "y": 0, "z": 0} overflows)',
  ],
  [
    "camera view only a denormal long",
    (s) => {
      s.camera.position = { x: 0, y: 0, z: 0 };
      s.camera.look_at = { x: 5e-324, y: 0, z: 0 };
    },
    RangeError,
    'camera.look_at is too close to camera.position to give a view direction (the squared length of look_at − position = {"x": 5e-324, "y": 0, "z": 0} is 0)',
  ],
  [
    "camera up parallel to the view",
    (s) => {
      s.camera.look_at = { x: 0, y: -9, z: 2 };
    },
    RangeError,
    'camera.up must not be parallel to the view direction (look_at − position = {"x": 0, "y": -10, "z": 0}), got {"x": 0, "y": 1, "z": 0}',
  ],
  [
    "camera missing up",
    (s) => {
      delete s.camera.up;
    },
    TypeError,
    "camera.up is missing",
  ],
  [
    "$schema not a string",
    (s) => {
      s.$schema = 1;
    },
    TypeError,
    "$schema must be a string (the URL or path of scene.schema.json), got 1",
  ],
  [
    "$schema null",
    (s) => {
      s.$schema = null;
    },
    TypeError,
    "$schema must be a string (the URL or path of scene.schema.json), got null",
  ],
  [
    "unknown field next to $schema",
    (s) => {
      s.$schema = "scene.schema.json";
      s.widht = 64;
    },
    TypeError,
    'unknown field "widht" at top level, did you mean "width"?',
  ],
  [
    "$schema nested",
    (s) => {
      s.camera.$schema = "scene.schema.json";
    },
    TypeError,
    'unknown field "$schema" at camera, expected "position", "look_at" or "up"',
  ],
  [
    "samples not a square",
    (s) => {
      s.samples = 3;
    },
    RangeError,
    "samples must be a perfect square (1, 4, 9, …), got 3",
  ],
  [
    "samples zero",
    (s) => {
      s.samples = 0;
    },
    RangeError,
    "samples must be a positive integer that is a perfect square (1, 4, 9, 16, …), got 0",
  ],
  [
    "samples fractional",
    (s) => {
      s.samples = 2.25;
    },
    RangeError,
    "samples must be a positive integer that is a perfect square (1, 4, 9, 16, …), got 2.25",
  ],
];

for (const [name, mutate, error, message] of cases) {
  Deno.test(`validateScene() rejects: ${name}`, () => {
    const scene = full();
    const replaced = mutate(scene);
    const value = replaced === undefined ? scene : replaced;
    assert.throws(() => validateScene(value), (e: unknown) => {
      assert.ok(e instanceof error, `expected ${error.name}, got ${e}`);
      assert.equal(e.message, message);
      return true;
    });
  });
}

Deno.test("validateScene() accepts the full scene and returns an equal deep copy", () => {
  const input = full() as Json;
  const output = validateScene(input) as Json;
  assert.deepEqual(output, input);
  assert.notEqual(output, input);
  assert.notEqual(output.elements, input.elements);
  assert.notEqual(output.camera, input.camera);
  assert.notEqual(sphere0(output).center, sphere0(input).center);
});

Deno.test("validateScene() leaves out absent and undefined optional fields", () => {
  const input = full();
  delete input.camera;
  input.samples = undefined;
  const output = validateScene(input);
  assert.equal("camera" in output, false);
  assert.equal("samples" in output, false);
});

Deno.test("validateScene() accepts a top-level $schema string and leaves it out of the copy", () => {
  for (
    const $schema of ["../scene.schema.json", "https://example.com/s.json", ""]
  ) {
    const input = { $schema, ...full() };
    const output = validateScene(input);
    assert.equal("$schema" in output, false);
    assert.deepEqual(output, full());
    assert.equal(input.$schema, $schema, "the input is left alone");
  }
  const undefinedSchema = { ...full(), $schema: undefined };
  assert.deepEqual(validateScene(undefinedSchema), full());
});

Deno.test("validateScene() accepts the boundaries of each range", () => {
  const scene = full() as Json;
  scene.width = 1;
  scene.height = 1;
  scene.fov = 179.999;
  scene.shadow_bias = 0;
  scene.max_recursion_depth = 0;
  scene.samples = 1;
  sphere0(scene).material.albedo = 0;
  sphere0(scene).material.surface.Reflective.reflectivity = 1;
  spherical0(scene).intensity = 0;
  spherical0(scene).color = { red: 0, green: 0, blue: 0 };
  scene.elements[2].Sphere.material.surface.Refractive.transparency = 0;
  scene.elements[2].Sphere.material.surface.Refractive.index = 1e-3;
  sphere0(scene).center = { x: -1e300, y: 0, z: 1e300 };
  plane3(scene).normal = { x: 0, y: 1e-100, z: 0 };
  scene.max_recursion_depth = 1000;
  // The largest double below 2^128 - 2^103 rounds down to f32::MAX; 2^-150 · (1 + 2^-52)
  // rounds up to the smallest f32 denormal.
  spherical0(scene).intensity = 3.4028235677973362e38;
  scene.elements[2].Sphere.material.surface.Refractive.index =
    7.006492321624087e-46;
  scene.camera.position = { x: -1e153, y: 0, z: 0 };
  scene.camera.look_at = { x: 1e153, y: 0, z: 0 };
  assert.deepEqual(validateScene(scene), scene);
  scene.camera.position = { x: 0, y: 0, z: 0 };
  scene.camera.look_at = { x: 0, y: 0, z: 1e-160 };
  assert.deepEqual(validateScene(scene), scene);
  scene.samples = 65536;
  assert.equal(validateScene(scene).samples, 65536);
});

Deno.test("validateScene() accepts the original's scenes", async () => {
  for (const name of ["test.json", "test_800x600.json"]) {
    const text = await Deno.readTextFile(`tests/fixtures/original/${name}`);
    const value = JSON.parse(text);
    assert.deepEqual(validateScene(value), value);
  }
});

Deno.test("validateScene() skips the holes of a sparse array as missing elements", () => {
  const scene = full() as Json;
  scene.lights = [, scene.lights[0]];
  assert.throws(() => validateScene(scene), {
    name: "TypeError",
    message:
      'lights[0] must be an object with one key, "Directional" or "Spherical", got undefined',
  });
});

Deno.test("checkImageSize() allows up to MAX_IMAGE_BYTES and names the byte count beyond", () => {
  assert.equal(MAX_IMAGE_BYTES, 2 ** 34);
  checkImageSize(1, 1);
  checkImageSize(32000, 24000);
  checkImageSize(65536, 65536); // exactly 2³⁴ bytes
  assert.throws(() => checkImageSize(65536, 65537), {
    name: "RangeError",
    message:
      "width × height = 65536 × 65537 needs 17180131328 bytes of RGBA, more than the 17179869184 bytes one buffer can hold",
  });
  // Exact past 2⁵³, where doubles would round.
  assert.throws(() => checkImageSize(4294967295, 4294967295), {
    message: /needs 73786976260478468100 bytes/,
  });
  assert.throws(() => checkImageSize(0, 10), {
    name: "RangeError",
    message: "width must be a positive integer, got 0",
  });
  assert.throws(() => checkImageSize(10, 1.5), {
    name: "RangeError",
    message: "height must be a positive integer, got 1.5",
  });
});
