/**
 * Small typed helpers for writing scenes in TypeScript. Each returns a plain value of the scene
 * format, so `JSON.stringify(scene(...))` is a scene file, and a misspelt field is a type
 * error. They validate nothing: `prepareScene` or `render` does that, with JSON paths.
 *
 * @example A row of spheres with cycling surfaces
 * ```ts
 * import {
 *   diffuse, material, plane, point, reflective, refractive, rgb, scene, sphere,
 *   sphericalLight, vector,
 * } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const surfaces = [diffuse(), reflective(0.6), refractive(1.5, 1)];
 * const elements = [0, 1, 2].map((i) =>
 *   sphere({
 *     center: point(i * 2 - 2, 0, -6),
 *     radius: 0.8,
 *     material: material({ color: rgb(1, 0.5, 0.2), surface: surfaces[i] }),
 *   })
 * );
 * elements.push(plane({
 *   origin: point(0, -1, 0),
 *   normal: vector(0, -1, 0),
 *   material: material({ texture: "checkerboard.png" }),
 * }));
 * const description = scene({
 *   width: 320,
 *   height: 240,
 *   elements,
 *   lights: [sphericalLight({ position: point(0, 8, -2), color: rgb(1, 1, 1), intensity: 5000 })],
 * });
 * assert.equal(description.fov, 90);
 * assert.deepEqual(JSON.parse(JSON.stringify(description)), description);
 * ```
 *
 * @module
 */

import type {
  Camera,
  Color,
  DirectionalLight,
  Element,
  Gltf,
  Light,
  Material,
  Mesh,
  Plane,
  Point,
  SceneDescription,
  Sphere,
  SphericalLight,
  Surface,
  Vector,
} from "../types.ts";

/**
 * A point.
 *
 * @param x Right of the default camera.
 * @param y Up.
 * @param z Towards the default camera, which looks down −z.
 * @returns `{ x, y, z }`.
 *
 * @example Usage
 * ```ts
 * import { point } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(point(0, 0, -5), { x: 0, y: 0, z: -5 });
 * ```
 */
export function point(x: number, y: number, z: number): Point {
  return { x, y, z };
}

/**
 * A direction (a plane's normal, a directional light's direction, a camera's up); need not be
 * normalised but must not be zero.
 *
 * @param x x component.
 * @param y y component.
 * @param z z component.
 * @returns `{ x, y, z }`.
 *
 * @example Usage
 * ```ts
 * import { vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(vector(0, -1, 0), { x: 0, y: -1, z: 0 });
 * ```
 */
export function vector(x: number, y: number, z: number): Vector {
  return { x, y, z };
}

/**
 * A linear RGB colour; channels are ≥ 0, usually at most 1.
 *
 * @param red Red channel.
 * @param green Green channel.
 * @param blue Blue channel.
 * @returns `{ red, green, blue }`.
 *
 * @example Usage
 * ```ts
 * import { rgb } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(rgb(0.2, 1, 0.2), { red: 0.2, green: 1, blue: 0.2 });
 * ```
 */
export function rgb(red: number, green: number, blue: number): Color {
  return { red, green, blue };
}

/**
 * The diffuse surface.
 *
 * @returns `"Diffuse"`.
 *
 * @example Usage
 * ```ts
 * import { diffuse } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(diffuse(), "Diffuse");
 * ```
 */
export function diffuse(): Surface {
  return "Diffuse";
}

/**
 * A mirror-like surface mixing its diffuse colour with what it reflects.
 *
 * @param reflectivity The reflected fraction, from 0 to 1.
 * @returns `{ Reflective: { reflectivity } }`.
 *
 * @example Usage
 * ```ts
 * import { reflective } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(reflective(0.7), { Reflective: { reflectivity: 0.7 } });
 * ```
 */
export function reflective(reflectivity: number): Surface {
  return { Reflective: { reflectivity } };
}

/**
 * A transparent surface such as glass.
 *
 * @param index The refraction index (> 0; glass is about 1.5).
 * @param transparency How much light passes (≥ 0, usually 1).
 * @returns `{ Refractive: { index, transparency } }`.
 *
 * @example Usage
 * ```ts
 * import { refractive } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(refractive(1.5, 1), { Refractive: { index: 1.5, transparency: 1 } });
 * ```
 */
export function refractive(index: number, transparency: number): Surface {
  return { Refractive: { index, transparency } };
}

/** What {@linkcode material} takes: a colour or a texture path, never both. */
export type MaterialOptions =
  & {
    /** The fraction of light reflected diffusely (≥ 0); default 0.18. */
    albedo?: number;
    /** Default `"Diffuse"`. */
    surface?: Surface;
  }
  & (
    | {
      /** A solid colour. */
      color: Color;
      texture?: never;
    }
    | {
      /** An image file, relative to the scene file's folder or the current directory. */
      texture: string;
      color?: never;
    }
  );

/**
 * A material with a solid colour or a texture.
 *
 * @param options The colour or texture, and optionally albedo (default 0.18) and surface
 * (default diffuse).
 * @returns A {@linkcode Material}.
 *
 * @example Usage
 * ```ts
 * import { material, reflective, rgb } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(material({ color: rgb(1, 1, 1) }), {
 *   coloration: { Color: { red: 1, green: 1, blue: 1 } },
 *   albedo: 0.18,
 *   surface: "Diffuse",
 * });
 * assert.deepEqual(material({ texture: "checkerboard.png", albedo: 0.5, surface: reflective(0.5) }), {
 *   coloration: { Texture: { path: "checkerboard.png" } },
 *   albedo: 0.5,
 *   surface: { Reflective: { reflectivity: 0.5 } },
 * });
 * ```
 */
export function material(options: MaterialOptions): Material {
  return {
    coloration: options.texture !== undefined
      ? { Texture: { path: options.texture } }
      : { Color: options.color },
    albedo: options.albedo ?? 0.18,
    surface: options.surface ?? "Diffuse",
  };
}

/**
 * A sphere element.
 *
 * @param options Centre, radius (> 0) and material.
 * @returns `{ Sphere: { center, radius, material } }`.
 *
 * @example Usage
 * ```ts
 * import { material, point, rgb, sphere } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const ball = sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) });
 * assert.ok("Sphere" in ball);
 * ```
 */
export function sphere(options: Sphere): Element {
  const { center, radius, material } = options;
  return { Sphere: { center, radius, material } };
}

/**
 * A plane element, seen from the side its normal points away from (a floor below the camera
 * has normal (0, −1, 0)).
 *
 * @param options A point on it, its normal (non-zero) and material.
 * @returns `{ Plane: { origin, normal, material } }`.
 *
 * @example Usage
 * ```ts
 * import { material, plane, point, rgb, vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const floor = plane({ origin: point(0, -2, 0), normal: vector(0, -1, 0), material: material({ color: rgb(1, 1, 1) }) });
 * assert.ok("Plane" in floor);
 * ```
 */
export function plane(options: Plane): Element {
  const { origin, normal, material } = options;
  return { Plane: { origin, normal, material } };
}

/**
 * A triangle mesh element: from an OBJ or PLY file (`path`, found like a texture path), or
 * with the geometry inline (`positions`, `indices` and optionally `uvs`, as flat arrays), for
 * scenes built in code. `transform` (scale, then rotate, then translate) places it; `smooth`
 * interpolates vertex normals. Only the fields given are kept, so `JSON.stringify` of the
 * scene reads back the same.
 *
 * @param options The geometry (a path or inline arrays), material, transform and smoothing.
 * @returns `{ Mesh: { … } }`.
 *
 * @example Usage
 * ```ts
 * import { material, mesh, rgb } from "./build.ts";
 * import assert from "node:assert/strict";
 *
 * const quad = mesh({
 *   positions: [-1, -2, -4, 1, -2, -4, 1, -2, -6, -1, -2, -6],
 *   indices: [0, 1, 2, 0, 2, 3],
 *   material: material({ color: rgb(0.8, 0.8, 0.8) }),
 * });
 * assert.ok("Mesh" in quad);
 * const white = material({ color: rgb(1, 1, 1) });
 * const teapot = mesh({ path: "models/teapot.obj", material: white, transform: undefined, smooth: true });
 * // Only the fields given: no `"transform": undefined` key.
 * assert.deepEqual(teapot, { Mesh: { path: "models/teapot.obj", material: white, smooth: true } });
 * assert.ok(!("transform" in (teapot as { Mesh: object }).Mesh));
 * ```
 */
export function mesh(options: Mesh): Element {
  const body = {} as Mesh;
  for (
    const key of [
      "path",
      "positions",
      "indices",
      "uvs",
      "material",
      "transform",
      "smooth",
    ] as const
  ) {
    if (options[key] !== undefined) {
      (body as unknown as Record<string, unknown>)[key] = options[key];
    }
  }
  return { Mesh: body };
}

/**
 * A glTF 2.0 model element: the `.glb` or `.gltf` at `path` (found like a mesh path), placed
 * by its own node hierarchy and then by `transform`, with its own materials.
 *
 * @param options The file and, optionally, the transform.
 * @returns `{ Gltf: { path, transform? } }`.
 *
 * @example Usage
 * ```ts
 * import { gltf } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const model = gltf({ path: "models/helmet.glb", transform: { scale: 2 } });
 * assert.deepEqual(model, { Gltf: { path: "models/helmet.glb", transform: { scale: 2 } } });
 * assert.deepEqual(gltf({ path: "a.glb" }), { Gltf: { path: "a.glb" } });
 * ```
 */
export function gltf(options: Gltf): Element {
  return {
    Gltf: options.transform === undefined
      ? { path: options.path }
      : { path: options.path, transform: options.transform },
  };
}

/**
 * A point light whose intensity falls off with the square of the distance.
 *
 * @param options Position, colour and intensity (≥ 0).
 * @returns `{ Spherical: { position, color, intensity } }`.
 *
 * @example Usage
 * ```ts
 * import { point, rgb, sphericalLight } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const bulb = sphericalLight({ position: point(-2, 10, -3), color: rgb(1, 1, 1), intensity: 10000 });
 * assert.ok("Spherical" in bulb);
 * ```
 */
export function sphericalLight(options: SphericalLight): Light {
  const { position, color, intensity } = options;
  return { Spherical: { position, color, intensity } };
}

/**
 * A light infinitely far away.
 *
 * @param options The direction it shines (non-zero), colour and intensity (≥ 0).
 * @returns `{ Directional: { direction, color, intensity } }`.
 *
 * @example Usage
 * ```ts
 * import { directionalLight, rgb, vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const sun = directionalLight({ direction: vector(0, -1, -1), color: rgb(1, 1, 1), intensity: 2 });
 * assert.ok("Directional" in sun);
 * ```
 */
export function directionalLight(options: DirectionalLight): Light {
  const { direction, color, intensity } = options;
  return { Directional: { direction, color, intensity } };
}

/** What {@linkcode scene} takes: a {@linkcode SceneDescription} whose tuning fields may be left out. */
export interface SceneOptions {
  /** Image width in pixels (≥ 1). */
  width: number;
  /** Image height in pixels (≥ 1). */
  height: number;
  /** Vertical field of view in degrees; default 90. */
  fov?: number;
  /** Spheres and planes. */
  elements: Element[];
  /** Directional and spherical lights. */
  lights: Light[];
  /** Offset of secondary rays off a surface; default 1e-13, the original's. */
  shadow_bias?: number;
  /** Rays deeper than this are black; default 10. */
  max_recursion_depth?: number;
  /** Extension: a free camera; default the original's. */
  camera?: Camera;
  /** Extension: samples per pixel, a perfect square; default 1. */
  samples?: number;
}

/**
 * A whole scene, with defaults for `fov` (90), `shadow_bias` (1e-13) and
 * `max_recursion_depth` (10). `camera` and `samples` appear only when given, so the result
 * equals what a scene file without them loads to.
 *
 * @param options The scene's fields.
 * @returns A {@linkcode SceneDescription}.
 *
 * @example Usage
 * ```ts
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(scene({ width: 320, height: 240, elements: [], lights: [] }), {
 *   width: 320,
 *   height: 240,
 *   fov: 90,
 *   elements: [],
 *   lights: [],
 *   shadow_bias: 1e-13,
 *   max_recursion_depth: 10,
 * });
 * ```
 */
export function scene(options: SceneOptions): SceneDescription {
  const description: SceneDescription = {
    width: options.width,
    height: options.height,
    fov: options.fov ?? 90,
    elements: options.elements,
    lights: options.lights,
    shadow_bias: options.shadow_bias ?? 1e-13,
    max_recursion_depth: options.max_recursion_depth ?? 10,
  };
  if (options.camera !== undefined) description.camera = options.camera;
  if (options.samples !== undefined) description.samples = options.samples;
  return description;
}
