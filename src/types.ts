/**
 * The scene format, as TypeScript types: the original ray tracer's JSON format plus raypool's
 * optional extensions (`camera`, `samples`). A value of {@linkcode SceneDescription} is exactly
 * what a scene file holds, so `JSON.stringify` of one is a scene file.
 *
 * @module
 */

import type { GltfModel } from "./gltf/types.ts";

/**
 * A point in space (f64 in the renderer).
 *
 * @example
 * ```ts
 * import type { Point } from "../mod.ts";
 * const center: Point = { x: 0, y: 0, z: -5 };
 * ```
 */
export interface Point {
  /** Right of the default camera. */
  x: number;
  /** Up. */
  y: number;
  /** Towards the default camera (it looks down −z). */
  z: number;
}

/**
 * A direction; need not be normalised (the renderer normalises plane normals and light
 * directions), but must not be zero where a direction is needed.
 *
 * @example
 * ```ts
 * import type { Vector } from "../mod.ts";
 * const down: Vector = { x: 0, y: -1, z: 0 };
 * ```
 */
export interface Vector {
  /** x component. */
  x: number;
  /** y component. */
  y: number;
  /** z component. */
  z: number;
}

/**
 * A linear RGB colour (f32 in the renderer); channels are ≥ 0, usually at most 1.
 *
 * @example
 * ```ts
 * import type { Color } from "../mod.ts";
 * const green: Color = { red: 0.2, green: 1, blue: 0.2 };
 * ```
 */
export interface Color {
  /** Red channel, linear. */
  red: number;
  /** Green channel, linear. */
  green: number;
  /** Blue channel, linear. */
  blue: number;
}

/**
 * Where a surface takes its colour from: a solid colour or an image texture. A texture path
 * is resolved against the scene file's folder first, then the current directory.
 *
 * @example
 * ```ts
 * import type { Coloration } from "../mod.ts";
 * const solid: Coloration = { Color: { red: 1, green: 1, blue: 1 } };
 * const textured: Coloration = { Texture: { path: "scenes/checkerboard.png" } };
 * ```
 */
export type Coloration =
  | { Color: Color }
  | { Texture: { path: string } };

/**
 * How light leaves a surface.
 *
 * @example
 * ```ts
 * import type { Surface } from "../mod.ts";
 * const mirror: Surface = { Reflective: { reflectivity: 0.7 } };
 * const glass: Surface = { Refractive: { index: 1.5, transparency: 1 } };
 * const matte: Surface = "Diffuse";
 * ```
 */
export type Surface =
  | "Diffuse"
  | { Reflective: { reflectivity: number } }
  | { Refractive: { index: number; transparency: number } }
  | { Pbr: PbrSurface };

/**
 * Extension (path tracer): glTF's metallic-roughness model; every field optional with glTF's
 * default. The base colour is the material's `coloration` times its `albedo`. The Whitted
 * integrator shades it as `"Diffuse"`.
 *
 * @example
 * ```ts
 * import type { PbrSurface } from "../mod.ts";
 * const gold: PbrSurface = { metallic: 1, roughness: 0.3 };
 * const lamp: PbrSurface = { emission: { red: 1, green: 0.9, blue: 0.8 }, emission_strength: 10 };
 * ```
 */
export interface PbrSurface {
  /** 0 dielectric to 1 metal; default 0. */
  metallic?: number;
  /** Perceptual roughness 0 to 1 (α = roughness²); default 0.5. */
  roughness?: number;
  /** Fraction of the dielectric's light transmitted (glass), 0 to 1; default 0. */
  transmission?: number;
  /** Index of refraction, ≥ 1; default 1.5. */
  ior?: number;
  /** Emitted colour (linear); default white. */
  emission?: Color;
  /** Multiplies `emission`: the emitted radiance; default 0 (no light). */
  emission_strength?: number;
}

/**
 * Extension: which light transport renders the scene. `"Whitted"` is the original's (the
 * default); `Path` is physically based path tracing.
 *
 * @example
 * ```ts
 * import type { Integrator } from "../mod.ts";
 * const path: Integrator = { Path: { max_bounces: 8 } };
 * ```
 */
export type Integrator = "Whitted" | { Path: { max_bounces: number } };

/**
 * Extension (path tracer): the radiance of everything rays escape to: one colour, or an
 * equirectangular Radiance `.hdr` image (u = ½ looks down −z, v = 0 straight up), scaled by
 * `intensity` (default 1) and turned about +y by `rotation_degrees` (default 0). Absent: black.
 *
 * @example
 * ```ts
 * import type { Environment } from "../mod.ts";
 * const sky: Environment = { Color: { red: 0.6, green: 0.7, blue: 1 } };
 * const studio: Environment = { Hdr: { path: "studio.hdr", intensity: 1, rotation_degrees: 90 } };
 * ```
 */
export type Environment =
  | { Color: Color }
  | { Hdr: { path: string; intensity?: number; rotation_degrees?: number } };

/**
 * Extension (path tracer): the tone curve applied before the sRGB encoding of path-traced
 * images (Khronos PBR Neutral, ACES filmic, or a plain clamp).
 *
 * @example
 * ```ts
 * import type { ToneMapping } from "../mod.ts";
 * const curve: ToneMapping = "Neutral";
 * ```
 */
export type ToneMapping = "Clamp" | "Neutral" | "Aces";

/**
 * A surface's material.
 *
 * @example
 * ```ts
 * import type { Material } from "../mod.ts";
 * const material: Material = {
 *   coloration: { Color: { red: 0.2, green: 1, blue: 0.2 } },
 *   albedo: 0.18,
 *   surface: "Diffuse",
 * };
 * ```
 */
export interface Material {
  /** The surface colour. */
  coloration: Coloration;
  /** The fraction of light reflected diffusely (≥ 0). */
  albedo: number;
  /** Diffuse, reflective or refractive. */
  surface: Surface;
}

/**
 * A sphere.
 *
 * @example
 * ```ts
 * import type { Sphere } from "../mod.ts";
 * const sphere: Sphere = {
 *   center: { x: 0, y: 0, z: -5 },
 *   radius: 1,
 *   material: { coloration: { Color: { red: 1, green: 0, blue: 0 } }, albedo: 0.18, surface: "Diffuse" },
 * };
 * ```
 */
export interface Sphere {
  /** Centre of the sphere. */
  center: Point;
  /** Radius (> 0). */
  radius: number;
  /** Its material. */
  material: Material;
}

/**
 * A one-sided infinite plane. The side that is seen is the one the normal points *away* from
 * (the original's convention: a floor below the camera has normal (0, −1, 0)).
 *
 * @example
 * ```ts
 * import type { Plane } from "../mod.ts";
 * const floor: Plane = {
 *   origin: { x: 0, y: -2, z: -5 },
 *   normal: { x: 0, y: -1, z: 0 },
 *   material: { coloration: { Color: { red: 1, green: 1, blue: 1 } }, albedo: 0.18, surface: "Diffuse" },
 * };
 * ```
 */
export interface Plane {
  /** Any point on the plane. */
  origin: Point;
  /** The plane's normal (non-zero; normalised when loaded). */
  normal: Vector;
  /** Its material. */
  material: Material;
}

/**
 * A scene element, externally tagged as in the original's JSON.
 *
 * @example
 * ```ts
 * import type { Element } from "../mod.ts";
 * const element: Element = {
 *   Sphere: {
 *     center: { x: 0, y: 0, z: -5 },
 *     radius: 1,
 *     material: { coloration: { Color: { red: 1, green: 1, blue: 1 } }, albedo: 0.18, surface: "Diffuse" },
 *   },
 * };
 * ```
 */
export type Element =
  | { Sphere: Sphere }
  | { Plane: Plane }
  | { Mesh: Mesh }
  | { Gltf: Gltf };

/**
 * A glTF 2.0 model (`.glb`, or `.gltf` with its resources beside it), found like a mesh path:
 * its default scene's meshes, placed by its node hierarchy and then by `transform` (the `Mesh`
 * element's syntax), with the model's own materials and textures.
 *
 * @example
 * ```ts
 * import type { Gltf } from "./types.ts";
 * const model: Gltf = { path: "models/helmet.glb", transform: { scale: 2, translate: { x: 0, y: 0, z: -5 } } };
 * ```
 */
export interface Gltf {
  /** The `.glb` or `.gltf` file. */
  path: string;
  /** Scale, rotate, translate (in that order), after the model's own node transforms. */
  transform?: MeshTransform;
}

/**
 * Where a mesh goes in the scene: scaled (one factor, or one per axis; never zero), then
 * rotated by `degrees` about `axis` (through the origin, counter-clockwise looking down the
 * axis), then translated. Every part is optional.
 *
 * @example
 * ```ts
 * import type { MeshTransform } from "./types.ts";
 * const transform: MeshTransform = {
 *   scale: 0.5,
 *   rotate: { axis: { x: 0, y: 1, z: 0 }, degrees: 30 },
 *   translate: { x: 0, y: -1, z: -6 },
 * };
 * ```
 */
export interface MeshTransform {
  /** A factor for all axes, or one per axis (each finite and non-zero; negative mirrors). */
  scale?: number | Vector;
  /** A rotation about an axis through the origin (a non-zero vector). */
  rotate?: { axis: Vector; degrees: number };
  /** A translation. */
  translate?: Vector;
}

/**
 * A triangle mesh: a Wavefront OBJ or PLY file (optionally gzipped, `.gz`) found like a
 * texture path, or, for scenes built in code, the geometry inline as flat arrays. Seen from
 * both sides; refraction needs a closed mesh and takes inside and outside from the winding
 * (counter-clockwise seen from outside). With `smooth`, normals are interpolated across
 * triangles (the file's vertex normals, else ones computed from the faces). Texture
 * coordinates come from the file (or `uvs`); a textured mesh without them shows the
 * texture's top-left texel.
 *
 * @example
 * ```ts
 * import type { Mesh } from "./types.ts";
 * const teapot: Mesh = {
 *   path: "models/teapot.obj",
 *   material: { coloration: { Color: { red: 1, green: 1, blue: 1 } }, albedo: 0.18, surface: "Diffuse" },
 *   transform: { scale: 0.3, translate: { x: 0, y: -1, z: -5 } },
 *   smooth: true,
 * };
 * const quad: Mesh = {
 *   positions: [-1, 0, -1, 1, 0, -1, 1, 0, -3, -1, 0, -3],
 *   indices: [0, 1, 2, 0, 2, 3],
 *   material: teapot.material,
 * };
 * ```
 */
export interface Mesh {
  /** The OBJ or PLY file (`.obj`, `.ply`, either with `.gz`); or give `positions` and `indices`. */
  path?: string;
  /** Inline geometry: x, y, z of each vertex (instead of `path`). */
  positions?: number[];
  /** Inline geometry: three 0-based vertex indices per triangle, counter-clockwise from outside. */
  indices?: number[];
  /** Inline geometry: optional u, v texture coordinates per vertex. */
  uvs?: number[];
  /** Its material. */
  material: Material;
  /** Scale, rotate, translate (in that order); absent, the mesh is used as it is. */
  transform?: MeshTransform;
  /** Interpolate vertex normals across triangles (default false: flat faces). */
  smooth?: boolean;
}

/**
 * The geometry of one mesh file as parsed: flat arrays, one vertex per unique combination of
 * position, normal and texture coordinates, three indices per triangle.
 *
 * @example
 * ```ts
 * import type { MeshData } from "./types.ts";
 * const quad: MeshData = {
 *   positions: new Float64Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]),
 *   indices: new Uint32Array([0, 1, 2, 0, 2, 3]),
 *   degenerate: 0,
 * };
 * ```
 */
export interface MeshData {
  /** x, y, z of each vertex. */
  positions: Float64Array;
  /** Normal x, y, z per vertex, when the file gives one for every corner. */
  normals?: Float32Array;
  /** u, v per vertex, when the file gives texture coordinates for every corner. */
  uvs?: Float32Array;
  /** Three vertex indices per triangle, counter-clockwise seen from the front. */
  indices: Uint32Array;
  /** Triangles dropped because they have no area (repeated or collinear corners). */
  degenerate: number;
}

/**
 * A light infinitely far away, shining along `direction`.
 *
 * @example
 * ```ts
 * import type { DirectionalLight } from "../mod.ts";
 * const sun: DirectionalLight = {
 *   direction: { x: 0, y: -1, z: -1 },
 *   color: { red: 1, green: 1, blue: 1 },
 *   intensity: 2,
 * };
 * ```
 */
export interface DirectionalLight {
  /** The direction the light travels (non-zero; normalised when loaded). */
  direction: Vector;
  /** Its colour. */
  color: Color;
  /** Its intensity (≥ 0). */
  intensity: number;
}

/**
 * A point light whose intensity falls off with the square of the distance.
 *
 * @example
 * ```ts
 * import type { SphericalLight } from "../mod.ts";
 * const bulb: SphericalLight = {
 *   position: { x: -2, y: 10, z: -3 },
 *   color: { red: 1, green: 1, blue: 1 },
 *   intensity: 10000,
 * };
 * ```
 */
export interface SphericalLight {
  /** Where the light is. */
  position: Point;
  /** Its colour. */
  color: Color;
  /** Its intensity (≥ 0), divided by 4π·r² at distance r. */
  intensity: number;
}

/**
 * A light, externally tagged as in the original's JSON.
 *
 * @example
 * ```ts
 * import type { Light } from "../mod.ts";
 * const light: Light = {
 *   Spherical: { position: { x: 0, y: 5, z: 0 }, color: { red: 1, green: 1, blue: 1 }, intensity: 1000 },
 * };
 * ```
 */
export type Light = { Directional: DirectionalLight } | {
  Spherical: SphericalLight;
};

/**
 * An extension: a free camera. Absent, the camera is the original's (at the origin, looking
 * at (0, 0, −1), up (0, 1, 0)), and an explicit camera equal to that renders identically.
 *
 * @example
 * ```ts
 * import type { Camera } from "../mod.ts";
 * const camera: Camera = {
 *   position: { x: 0, y: 4, z: 4 },
 *   look_at: { x: 0, y: 0, z: -5 },
 *   up: { x: 0, y: 1, z: 0 },
 * };
 * ```
 */
export interface Camera {
  /** Where the eye is. */
  position: Point;
  /** The point at the centre of the image (≠ position). */
  look_at: Point;
  /** Which way is up (not parallel to the view direction). */
  up: Vector;
}

/**
 * A whole scene, as a scene file holds it.
 *
 * @example
 * ```ts
 * import type { SceneDescription } from "../mod.ts";
 * const scene: SceneDescription = {
 *   width: 320,
 *   height: 240,
 *   fov: 90,
 *   elements: [],
 *   lights: [],
 *   shadow_bias: 1e-13,
 *   max_recursion_depth: 10,
 * };
 * ```
 */
export interface SceneDescription {
  /** Image width in pixels (≥ 1). */
  width: number;
  /** Image height in pixels (≥ 1). */
  height: number;
  /** Vertical field of view in degrees (0 < fov < 180). */
  fov: number;
  /** Spheres, planes and meshes; on equal distance the earlier element is the one seen. */
  elements: Element[];
  /** Directional and spherical lights. */
  lights: Light[];
  /** How far secondary rays start off the surface, to avoid self-intersection (≥ 0). */
  shadow_bias: number;
  /** Rays deeper than this are black. */
  max_recursion_depth: number;
  /** Extension: a free camera. */
  camera?: Camera;
  /**
   * Extension: samples per pixel; default 1. Under Whitted a perfect square (1, 4, 9, …, laid
   * on a grid); under Path any positive count.
   */
  samples?: number;
  /** Extension: the light transport; default `"Whitted"` (the original's). */
  integrator?: Integrator;
  /** Extension (path tracer): what escaping rays see; default black. */
  environment?: Environment;
  /** Extension (path tracer): the tone curve; default `"Clamp"`. */
  tone_mapping?: ToneMapping;
  /** Extension (path tracer): exposure in stops; default 0. */
  exposure?: number;
}

/**
 * A decoded image texture: `width × height` RGBA8 pixels, row-major, top row first.
 *
 * @example
 * ```ts
 * import type { TextureImage } from "../mod.ts";
 * const white: TextureImage = { width: 1, height: 1, data: new Uint8Array([255, 255, 255, 255]) };
 * ```
 */
export interface TextureImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 4` bytes. */
  data: Uint8Array;
}

/**
 * A validated scene ready to render: its description and its decoded textures, keyed by the
 * texture path exactly as written in the description. Made by `loadScene`, `parseScene` or
 * `prepareScene`.
 *
 * @example
 * ```ts
 * import type { Scene } from "../mod.ts";
 * const scene: Scene = {
 *   description: {
 *     width: 4, height: 4, fov: 90, elements: [], lights: [],
 *     shadow_bias: 1e-13, max_recursion_depth: 10,
 *   },
 *   textures: new Map(),
 * };
 * ```
 */
export interface Scene {
  /** The validated description, as it would be written to JSON. */
  readonly description: SceneDescription;
  /** Decoded textures, keyed by path as written in `description`. */
  readonly textures: ReadonlyMap<string, TextureImage>;
  /** Parsed mesh files, keyed by path as written in `description` (absent: no mesh files). */
  readonly meshes?: ReadonlyMap<string, MeshData>;
  /** Loaded glTF models, keyed by path as written in `description` (absent: none). */
  readonly gltf?: ReadonlyMap<string, GltfModel>;
  /**
   * The decoded `.hdr` environment, keyed by its path as written (absent: no `Hdr`
   * environment): linear RGB, three values a texel, rows top first.
   */
  readonly environments?: ReadonlyMap<
    string,
    { width: number; height: number; rgb: Float32Array }
  >;
}

/**
 * A rendered image: `width × height` RGBA8 pixels, row-major, top row first, alpha 255.
 *
 * @example
 * ```ts
 * import type { RenderedImage } from "../mod.ts";
 * const image: RenderedImage = { width: 1, height: 1, data: new Uint8Array(4) };
 * ```
 */
export interface RenderedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 4` bytes of RGBA. */
  data: Uint8Array;
}

/**
 * A rectangle of the full image, in pixels; `x + width ≤ image width`, likewise for y.
 *
 * @example
 * ```ts
 * import type { Region } from "../mod.ts";
 * const topLeftQuarter: Region = { x: 0, y: 0, width: 400, height: 300 };
 * ```
 */
export interface Region {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width (≥ 1). */
  width: number;
  /** Height (≥ 1). */
  height: number;
}
