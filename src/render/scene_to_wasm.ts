/**
 * The one translation from a scene description to the wasm core's `SceneBuilder` calls, in two
 * halves: {@linkcode packScene} flattens a scene into numbers in shared memory on the main
 * thread (so posting it to N workers copies nothing, even for 100,000 spheres), and
 * {@linkcode buildScene} replays those numbers as builder calls inside a worker.
 *
 * @module
 */

import type { Material, Scene, TextureImage } from "../types.ts";

/**
 * A scene flattened for the workers: `numbers` (a Float64Array over a SharedArrayBuffer) and
 * the textures it refers to by index, their pixels also in shared memory. Made by
 * {@linkcode packScene}, consumed by {@linkcode buildScene}.
 *
 * @example
 * ```ts
 * import { packScene, type PackedScene } from "./scene_to_wasm.ts";
 * const scene = {
 *   description: {
 *     width: 4, height: 4, fov: 90, elements: [], lights: [],
 *     shadow_bias: 1e-13, max_recursion_depth: 10,
 *   },
 *   textures: new Map(),
 * };
 * const packed: PackedScene = packScene(scene, { width: 4, height: 4, samples: 1 });
 * ```
 */
export interface PackedScene {
  /** Header, materials, elements and lights, in that order. */
  readonly numbers: Float64Array;
  /** Textures by index, pixels in shared memory. */
  readonly textures: readonly TextureImage[];
}

/**
 * The part of the wasm `SceneBuilder` that {@linkcode buildScene} uses; the generated class
 * from `lib/raypool.js` satisfies it.
 *
 * @example
 * ```ts
 * import type { SceneBuilderLike } from "./scene_to_wasm.ts";
 * let calls = 0;
 * const fake: Partial<SceneBuilderLike<string>> = { build: () => `built after ${calls} calls` };
 * ```
 */
export interface SceneBuilderLike<RenderScene> {
  /** Sets a free camera (position, look-at point, up). */
  set_camera(
    px: number,
    py: number,
    pz: number,
    lx: number,
    ly: number,
    lz: number,
    ux: number,
    uy: number,
    uz: number,
  ): void;
  /** Samples per pixel. */
  set_samples(samples: number): void;
  /** Adds an RGBA8 texture, returning its id. */
  add_texture(width: number, height: number, rgba: Uint8Array): number;
  /** Adds a material, returning its id. */
  add_material(
    colorationKind: number,
    red: number,
    green: number,
    blue: number,
    textureId: number,
    albedo: number,
    surfaceKind: number,
    paramA: number,
    paramB: number,
  ): number;
  /** Adds a sphere. */
  add_sphere(
    cx: number,
    cy: number,
    cz: number,
    radius: number,
    material: number,
  ): void;
  /** Adds a plane. */
  add_plane(
    ox: number,
    oy: number,
    oz: number,
    nx: number,
    ny: number,
    nz: number,
    material: number,
  ): void;
  /** Adds a directional light. */
  add_directional_light(
    dx: number,
    dy: number,
    dz: number,
    red: number,
    green: number,
    blue: number,
    intensity: number,
  ): void;
  /** Adds a spherical light. */
  add_spherical_light(
    px: number,
    py: number,
    pz: number,
    red: number,
    green: number,
    blue: number,
    intensity: number,
  ): void;
  /** Builds the scene, consuming the builder. */
  build(): RenderScene;
  /** Frees the builder (only if `build` was not called). */
  free(): void;
}

/**
 * The wasm `SceneBuilder` constructor, as {@linkcode buildScene} needs it.
 *
 * @example
 * ```ts
 * import type { SceneBuilderClass } from "./scene_to_wasm.ts";
 * type Ctor = SceneBuilderClass<unknown>;
 * ```
 */
export type SceneBuilderClass<RenderScene> = new (
  width: number,
  height: number,
  fovDegrees: number,
  shadowBias: number,
  maxRecursionDepth: number,
) => SceneBuilderLike<RenderScene>;

const VERSION = 1;
const HEADER = 20;
const MATERIAL = 9;
const ELEMENT = 8;
const LIGHT = 8;
// Header slots.
const H_VERSION = 0, H_WIDTH = 1, H_HEIGHT = 2, H_FOV = 3, H_BIAS = 4;
const H_DEPTH = 5, H_SAMPLES = 6, H_CAMERA = 7, H_CAMERA_VALUES = 8;
const H_MATERIALS = 17, H_ELEMENTS = 18, H_LIGHTS = 19;

// Copying a texture into shared memory once per texture object, not once per frame, keeps
// animations that reuse a Scene's textures from paying for the copy again.
const sharedTextures = new WeakMap<TextureImage, TextureImage>();

function shareTexture(texture: TextureImage): TextureImage {
  if (texture.data.buffer instanceof SharedArrayBuffer) return texture;
  let shared = sharedTextures.get(texture);
  if (shared === undefined) {
    const data = new Uint8Array(new SharedArrayBuffer(texture.data.byteLength));
    data.set(texture.data);
    shared = { width: texture.width, height: texture.height, data };
    sharedTextures.set(texture, shared);
  }
  return shared;
}

/**
 * Flattens `scene` into a {@linkcode PackedScene}, rendering at `width × height` with
 * `samples` samples per pixel (which override the description's). Throws an `Error` if a
 * texture the description names is missing from `scene.textures`.
 *
 * @example
 * ```ts
 * import { packScene } from "./scene_to_wasm.ts";
 * import assert from "node:assert/strict";
 * const scene = {
 *   description: {
 *     width: 4, height: 4, fov: 90, shadow_bias: 1e-13, max_recursion_depth: 10,
 *     elements: [{ Sphere: {
 *       center: { x: 0, y: 0, z: -5 }, radius: 1,
 *       material: { coloration: { Color: { red: 1, green: 0, blue: 0 } }, albedo: 0.18, surface: "Diffuse" as const },
 *     } }],
 *     lights: [],
 *   },
 *   textures: new Map(),
 * };
 * const packed = packScene(scene, { width: 8, height: 6, samples: 4 });
 * assert.ok(packed.numbers.buffer instanceof SharedArrayBuffer);
 * assert.equal(packed.textures.length, 0);
 * ```
 */
export function packScene(
  scene: Scene,
  size: { width: number; height: number; samples: number },
): PackedScene {
  const d = scene.description;
  const materialIndex = new Map<Material, number>();
  const materials: Material[] = [];
  const textureIndex = new Map<string, number>();
  const textures: TextureImage[] = [];
  const materialOf = (material: Material): number => {
    let index = materialIndex.get(material);
    if (index === undefined) {
      index = materials.length;
      materials.push(material);
      materialIndex.set(material, index);
    }
    return index;
  };
  const elementMaterials = d.elements.map((element) =>
    materialOf(
      "Sphere" in element ? element.Sphere.material : element.Plane.material,
    )
  );

  const numbers = new Float64Array(
    new SharedArrayBuffer(
      (HEADER + materials.length * MATERIAL + d.elements.length * ELEMENT +
        d.lights.length * LIGHT) * Float64Array.BYTES_PER_ELEMENT,
    ),
  );
  numbers[H_VERSION] = VERSION;
  numbers[H_WIDTH] = size.width;
  numbers[H_HEIGHT] = size.height;
  numbers[H_FOV] = d.fov;
  numbers[H_BIAS] = d.shadow_bias;
  numbers[H_DEPTH] = d.max_recursion_depth;
  numbers[H_SAMPLES] = size.samples;
  if (d.camera !== undefined) {
    const { position: p, look_at: l, up: u } = d.camera;
    numbers[H_CAMERA] = 1;
    numbers.set([p.x, p.y, p.z, l.x, l.y, l.z, u.x, u.y, u.z], H_CAMERA_VALUES);
  }
  numbers[H_MATERIALS] = materials.length;
  numbers[H_ELEMENTS] = d.elements.length;
  numbers[H_LIGHTS] = d.lights.length;

  let at = HEADER;
  for (const material of materials) {
    const c = material.coloration;
    if ("Color" in c) {
      numbers[at] = 0;
      numbers[at + 1] = c.Color.red;
      numbers[at + 2] = c.Color.green;
      numbers[at + 3] = c.Color.blue;
    } else {
      const path = c.Texture.path;
      let index = textureIndex.get(path);
      if (index === undefined) {
        const texture = scene.textures.get(path);
        if (texture === undefined) {
          throw new Error(
            `texture ${JSON.stringify(path)} is missing from scene.textures`,
          );
        }
        index = textures.length;
        textures.push(shareTexture(texture));
        textureIndex.set(path, index);
      }
      numbers[at] = 1;
      numbers[at + 4] = index;
    }
    numbers[at + 5] = material.albedo;
    const s = material.surface;
    if (s === "Diffuse") {
      numbers[at + 6] = 0;
    } else if ("Reflective" in s) {
      numbers[at + 6] = 1;
      numbers[at + 7] = s.Reflective.reflectivity;
    } else {
      numbers[at + 6] = 2;
      numbers[at + 7] = s.Refractive.index;
      numbers[at + 8] = s.Refractive.transparency;
    }
    at += MATERIAL;
  }
  d.elements.forEach((element, i) => {
    if ("Sphere" in element) {
      const { center, radius } = element.Sphere;
      numbers[at] = 0;
      numbers[at + 1] = center.x;
      numbers[at + 2] = center.y;
      numbers[at + 3] = center.z;
      numbers[at + 4] = radius;
    } else {
      const { origin, normal } = element.Plane;
      numbers[at] = 1;
      numbers[at + 1] = origin.x;
      numbers[at + 2] = origin.y;
      numbers[at + 3] = origin.z;
      numbers[at + 4] = normal.x;
      numbers[at + 5] = normal.y;
      numbers[at + 6] = normal.z;
    }
    numbers[at + 7] = elementMaterials[i];
    at += ELEMENT;
  });
  for (const light of d.lights) {
    const l = "Directional" in light ? light.Directional : light.Spherical;
    const v = "Directional" in light
      ? light.Directional.direction
      : light.Spherical.position;
    numbers[at] = "Directional" in light ? 0 : 1;
    numbers[at + 1] = v.x;
    numbers[at + 2] = v.y;
    numbers[at + 3] = v.z;
    numbers[at + 4] = l.color.red;
    numbers[at + 5] = l.color.green;
    numbers[at + 6] = l.color.blue;
    numbers[at + 7] = l.intensity;
    at += LIGHT;
  }
  return { numbers, textures };
}

/**
 * Replays a {@linkcode PackedScene} as calls on a new `SceneBuilder` and builds it. Any
 * error the builder throws propagates, and the builder is freed.
 *
 * @example
 * ```ts
 * import { buildScene, packScene } from "./scene_to_wasm.ts";
 * import assert from "node:assert/strict";
 * const calls: string[] = [];
 * class FakeBuilder {
 *   constructor(width: number, height: number) { calls.push(`new ${width}x${height}`); }
 *   set_camera() {}
 *   set_samples(samples: number) { calls.push(`samples ${samples}`); }
 *   add_texture() { return 0; }
 *   add_material() { return 0; }
 *   add_sphere() {}
 *   add_plane() {}
 *   add_directional_light() {}
 *   add_spherical_light() {}
 *   build() { return "scene"; }
 *   free() {}
 * }
 * const packed = packScene({
 *   description: {
 *     width: 4, height: 4, fov: 90, elements: [], lights: [],
 *     shadow_bias: 1e-13, max_recursion_depth: 10,
 *   },
 *   textures: new Map(),
 * }, { width: 8, height: 6, samples: 1 });
 * assert.equal(buildScene(FakeBuilder, packed), "scene");
 * assert.deepEqual(calls, ["new 8x6", "samples 1"]);
 * ```
 */
export function buildScene<RenderScene>(
  SceneBuilder: SceneBuilderClass<RenderScene>,
  packed: PackedScene,
): RenderScene {
  const n = packed.numbers;
  if (n[H_VERSION] !== VERSION) {
    throw new Error(
      `packed scene has format version ${n[H_VERSION]}, expected ${VERSION}`,
    );
  }
  const builder = new SceneBuilder(
    n[H_WIDTH],
    n[H_HEIGHT],
    n[H_FOV],
    n[H_BIAS],
    n[H_DEPTH],
  );
  let built = false;
  try {
    if (n[H_CAMERA] === 1) {
      const c = H_CAMERA_VALUES;
      builder.set_camera(
        n[c],
        n[c + 1],
        n[c + 2],
        n[c + 3],
        n[c + 4],
        n[c + 5],
        n[c + 6],
        n[c + 7],
        n[c + 8],
      );
    }
    builder.set_samples(n[H_SAMPLES]);
    const textureIds = packed.textures.map((t) =>
      builder.add_texture(t.width, t.height, t.data)
    );
    const materialIds: number[] = [];
    let at = HEADER;
    for (let i = 0; i < n[H_MATERIALS]; i++, at += MATERIAL) {
      const textured = n[at] === 1;
      materialIds.push(builder.add_material(
        n[at],
        n[at + 1],
        n[at + 2],
        n[at + 3],
        textured ? textureIds[n[at + 4]] : 0,
        n[at + 5],
        n[at + 6],
        n[at + 7],
        n[at + 8],
      ));
    }
    for (let i = 0; i < n[H_ELEMENTS]; i++, at += ELEMENT) {
      const material = materialIds[n[at + 7]];
      if (n[at] === 0) {
        builder.add_sphere(
          n[at + 1],
          n[at + 2],
          n[at + 3],
          n[at + 4],
          material,
        );
      } else {
        builder.add_plane(
          n[at + 1],
          n[at + 2],
          n[at + 3],
          n[at + 4],
          n[at + 5],
          n[at + 6],
          material,
        );
      }
    }
    for (let i = 0; i < n[H_LIGHTS]; i++, at += LIGHT) {
      const add = n[at] === 0
        ? builder.add_directional_light
        : builder.add_spherical_light;
      add.call(
        builder,
        n[at + 1],
        n[at + 2],
        n[at + 3],
        n[at + 4],
        n[at + 5],
        n[at + 6],
        n[at + 7],
      );
    }
    built = true;
    return builder.build();
  } finally {
    if (!built) builder.free();
  }
}
