// checkScene(): a hand-built Scene is checked as thoroughly as one loaded from a file, so no
// unchecked object reaches the renderer.

import assert from "node:assert/strict";
import { checkScene } from "../mod.ts";
import type { Scene, SceneDescription, TextureImage } from "../mod.ts";
import { fullScene } from "./fixtures/scenes/full_scene.ts";

const texturePath = "elements[1].Sphere.material.coloration.Texture.path";
const TEXTURE = "scenes/checkerboard.png";

function image(width: number, height: number, bytes = width * height * 4) {
  return { width, height, data: new Uint8Array(bytes) };
}

/** The full scene (which names one texture) with a valid 4×2 image for it. */
function full(): {
  description: SceneDescription;
  textures: Map<string, TextureImage>;
} {
  return {
    description: fullScene() as SceneDescription,
    textures: new Map([[TEXTURE, image(4, 2)]]),
  };
}

Deno.test("checkScene() returns a valid scene with a validated copy of its description", () => {
  const scene = full();
  const checked = checkScene(scene);
  assert.deepEqual(checked.description, scene.description);
  assert.notEqual(checked.description, scene.description);
  assert.equal(checked.textures.get(TEXTURE), scene.textures.get(TEXTURE));
  // Unused textures are allowed (and still checked, below).
  scene.textures.set("unused.png", image(1, 1));
  checkScene(scene);
});

type Case = [
  name: string,
  scene: () => unknown,
  error: TypeErrorConstructor | RangeErrorConstructor,
  message: string,
];

const cases: Case[] = [
  [
    "elements null (the issue's reproducer)",
    () => ({
      description: { ...full().description, elements: null },
      textures: new Map(),
    }),
    TypeError,
    "elements must be an array, got null",
  ],
  [
    "scene null",
    () => null,
    TypeError,
    'the scene must be an object with the fields "description" and "textures", got null',
  ],
  [
    "description missing",
    () => ({ textures: new Map() }),
    TypeError,
    "the scene must be an object, got undefined",
  ],
  [
    "an invalid number deep in the description",
    () => {
      const scene = full();
      scene.description.max_recursion_depth = 1001;
      return scene;
    },
    RangeError,
    "max_recursion_depth must be at most 1000, got 1001",
  ],
  [
    "textures a plain object",
    () => ({ ...full(), textures: { [TEXTURE]: image(4, 2) } }),
    TypeError,
    "textures must be a Map from texture path to image, got an object",
  ],
  [
    "textures missing",
    () => ({ description: full().description }),
    TypeError,
    "textures must be a Map from texture path to image, got undefined",
  ],
  [
    "a texture the description names is missing",
    () => ({ ...full(), textures: new Map() }),
    TypeError,
    `${texturePath} names the texture "${TEXTURE}", which is not in textures`,
  ],
  [
    "texture data one byte short (the issue's reproducer)",
    () => ({ ...full(), textures: new Map([[TEXTURE, image(4, 2, 31)]]) }),
    RangeError,
    `textures["${TEXTURE}"].data must hold 4×2×4 = 32 bytes, got 31`,
  ],
  [
    "texture data one byte long",
    () => ({ ...full(), textures: new Map([[TEXTURE, image(4, 2, 33)]]) }),
    RangeError,
    `textures["${TEXTURE}"].data must hold 4×2×4 = 32 bytes, got 33`,
  ],
  [
    "texture data a plain array",
    () => ({
      ...full(),
      textures: new Map([[TEXTURE, {
        width: 1,
        height: 1,
        data: [0, 0, 0, 255],
      }]]),
    }),
    TypeError,
    `textures["${TEXTURE}"].data must be a Uint8Array of RGBA bytes, got an array`,
  ],
  [
    "texture data a Uint16Array",
    () => ({
      ...full(),
      textures: new Map([[TEXTURE, {
        width: 1,
        height: 1,
        data: new Uint16Array(4),
      }]]),
    }),
    TypeError,
    `textures["${TEXTURE}"].data must be a Uint8Array of RGBA bytes, got a Uint16Array`,
  ],
  [
    "texture width zero",
    () => ({ ...full(), textures: new Map([[TEXTURE, image(0, 2, 0)]]) }),
    RangeError,
    `textures["${TEXTURE}"].width must be an integer from 1 to 2147483647, got 0`,
  ],
  [
    "texture height fractional",
    () => ({
      ...full(),
      textures: new Map([[TEXTURE, { ...image(2, 2), height: 1.5 }]]),
    }),
    RangeError,
    `textures["${TEXTURE}"].height must be an integer from 1 to 2147483647, got 1.5`,
  ],
  [
    "texture height beyond i32",
    () => ({
      ...full(),
      textures: new Map([[TEXTURE, { ...image(1, 1), height: 2 ** 31 }]]),
    }),
    RangeError,
    `textures["${TEXTURE}"].height must be an integer from 1 to 2147483647, got 2147483648`,
  ],
  [
    "texture width a string",
    () => ({
      ...full(),
      textures: new Map([[TEXTURE, { ...image(2, 2), width: "2" }]]),
    }),
    TypeError,
    `textures["${TEXTURE}"].width must be a positive integer, got "2"`,
  ],
  [
    "texture null",
    () => ({ ...full(), textures: new Map([[TEXTURE, null]]) }),
    TypeError,
    `textures["${TEXTURE}"] must be an object with the fields "width", "height" and "data", got null`,
  ],
  [
    "an unused texture is still checked",
    () => {
      const scene = full();
      scene.textures.set("other.png", image(2, 2, 3));
      return scene;
    },
    RangeError,
    'textures["other.png"].data must hold 2×2×4 = 16 bytes, got 3',
  ],
  [
    "a key that is not a string",
    () => {
      const scene = full() as { textures: Map<unknown, unknown> };
      scene.textures.set(7, image(1, 1));
      return scene;
    },
    TypeError,
    "textures must be keyed by texture path (a string), got the key 7",
  ],
];

for (const [name, make, error, message] of cases) {
  Deno.test(`checkScene() rejects: ${name}`, () => {
    assert.throws(() => checkScene(make() as Scene), (thrown) => {
      assert.ok(thrown instanceof error, `${thrown}`);
      assert.equal((thrown as Error).message, message);
      return true;
    });
  });
}
