import type {
  Camera,
  Color,
  Coloration,
  DirectionalLight,
  Element,
  Environment,
  Integrator,
  Light,
  Material,
  PbrSurface,
  SceneDescription,
  SphericalLight,
  Surface,
  ToneMapping,
} from "../types.ts";
import { checkImageSize } from "./check_image_size.ts";
import { checkSamples } from "../render/options.ts";
import { describe } from "../_format.ts";
import { cameraProblem } from "./_core_geometry.ts";
import { F32_UNDERFLOW, MAX_RECURSION_DEPTH } from "./limits.ts";
import {
  direction,
  f32,
  type Fields,
  fields,
  join,
  list,
  number,
  point,
  required,
  u32,
  unknownVariant,
  variant,
  vectorText,
} from "./_values.ts";
import {
  ELEMENT_KINDS,
  type ElementKind,
  validateElementBody,
} from "./elements.ts";

/**
 * Checks that a value is a scene in the scene file format (the original's format plus the
 * `camera` and `samples` extensions) and returns a clean deep copy holding only the known
 * fields. Synchronous; reads no files (textures are checked by `prepareScene`).
 *
 * An optional top-level `"$schema"` string (the URL or path of `scene.schema.json`, for
 * editors) is allowed and left out of the copy: it says nothing about the scene.
 *
 * Every message starts with the JSON path of the offending value and quotes it, e.g.
 * `elements[2].Sphere.radius must be a positive number, got -1`. Unknown fields are named
 * with the nearest known one: `unknown field "widht" at top level, did you mean "width"?`.
 *
 * @param value Anything, typically the result of `JSON.parse`.
 * @returns A fresh {@linkcode SceneDescription} sharing nothing with `value`.
 * @throws {TypeError} A value of the wrong type, a missing or unknown field, an unknown variant
 * or a variant object without exactly one key.
 * @throws {RangeError} A value of the right type out of range: a non-finite number, a
 * non-positive size or radius, a negative colour, a zero direction, an image too large to
 * allocate, a camera looking at itself, `samples` not a perfect square, and so on.
 *
 * @example Usage
 * ```ts
 * import { validateScene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const scene = validateScene(JSON.parse(`{
 *   "width": 64, "height": 48, "fov": 90, "elements": [], "lights": [],
 *   "shadow_bias": 1e-13, "max_recursion_depth": 10
 * }`));
 * assert.equal(scene.width, 64);
 *
 * assert.throws(
 *   () => validateScene({ ...scene, widht: 64 }),
 *   { name: "TypeError", message: 'unknown field "widht" at top level, did you mean "width"?' },
 * );
 * assert.throws(
 *   () => validateScene({ ...scene, fov: 180 }),
 *   { name: "RangeError", message: "fov must be a number greater than 0 and less than 180, got 180" },
 * );
 * ```
 */
export function validateScene(value: unknown): SceneDescription {
  const root = fields(withoutSchema(value), "", [
    "width",
    "height",
    "fov",
    "elements",
    "lights",
    "shadow_bias",
    "max_recursion_depth",
    "camera",
    "samples",
    "integrator",
    "environment",
    "tone_mapping",
    "exposure",
  ], "an object");
  const width = u32(required(root, "", "width"), "width", 1);
  const height = u32(required(root, "", "height"), "height", 1);
  checkImageSize(width, height);
  const scene: SceneDescription = {
    width,
    height,
    fov: number(
      required(root, "", "fov"),
      "fov",
      "a number greater than 0 and less than 180",
      (n) => n > 0 && n < 180,
    ),
    elements: list(required(root, "", "elements"), "elements", element),
    lights: list(required(root, "", "lights"), "lights", light),
    shadow_bias: number(
      required(root, "", "shadow_bias"),
      "shadow_bias",
      "a non-negative number",
      (n) => n >= 0,
    ),
    max_recursion_depth: u32(
      required(root, "", "max_recursion_depth"),
      "max_recursion_depth",
      0,
      undefined,
      MAX_RECURSION_DEPTH,
    ),
  };
  if (root.camera !== undefined) scene.camera = camera(root.camera, "camera");
  if (root.integrator !== undefined) {
    scene.integrator = integrator(root.integrator, "integrator");
  }
  if (root.samples !== undefined) {
    scene.samples = samples(root.samples, isPath(scene.integrator));
  }
  if (root.environment !== undefined) {
    scene.environment = environment(root.environment, "environment");
  }
  if (root.tone_mapping !== undefined) {
    scene.tone_mapping = toneMapping(root.tone_mapping, "tone_mapping");
  }
  if (root.exposure !== undefined) {
    scene.exposure = f32(
      root.exposure,
      "exposure",
      "a number of stops from -64 to 64",
      (n) => n >= -64 && n <= 64,
    );
  }
  return scene;
}

/** Whether `integrator` is the path tracer's. */
export function isPath(integrator: Integrator | undefined): boolean {
  return typeof integrator === "object" && integrator !== null &&
    "Path" in integrator;
}

/** The most bounces a path may take (the core's `MAX_BOUNCES`). */
export const MAX_BOUNCES = 1024;

function integrator(value: unknown, path: string): Integrator {
  const names = ["Whitted", "Path"];
  if (value === "Whitted") return "Whitted";
  if (typeof value === "string") {
    throw new TypeError(
      value === "Path"
        ? `${path} must be {"Path": {"max_bounces": N}} (only "Whitted" is a bare string), got "Path"`
        : unknownVariant(path, value, names),
    );
  }
  const [name, data, at] = variant(value, path, names);
  if (name === "Whitted") {
    throw new TypeError(`${path} must be the string "Whitted", not an object`);
  }
  const o = fields(data, at, ["max_bounces"]);
  return {
    Path: {
      max_bounces: u32(
        required(o, at, "max_bounces"),
        join(at, "max_bounces"),
        1,
        `an integer from 1 to ${MAX_BOUNCES}`,
        MAX_BOUNCES,
      ),
    },
  };
}

function environment(value: unknown, path: string): Environment {
  const [name, data, at] = variant(value, path, ["Color", "Hdr"]);
  if (name === "Color") return { Color: color(data, at) };
  const o = fields(data, at, ["path", "intensity", "rotation_degrees"]);
  const file = required(o, at, "path");
  if (typeof file !== "string" || file === "") {
    throw new TypeError(
      `${join(at, "path")} must be a non-empty string, got ${describe(file)}`,
    );
  }
  const hdr: { path: string; intensity?: number; rotation_degrees?: number } = {
    path: file,
  };
  if (o.intensity !== undefined) {
    hdr.intensity = f32(
      o.intensity,
      join(at, "intensity"),
      "a non-negative number",
      (n) => n >= 0,
    );
  }
  if (o.rotation_degrees !== undefined) {
    hdr.rotation_degrees = f32(
      o.rotation_degrees,
      join(at, "rotation_degrees"),
      "a number",
      () => true,
    );
  }
  return { Hdr: hdr };
}

function toneMapping(value: unknown, path: string): ToneMapping {
  const names = ["Clamp", "Neutral", "Aces"] as const;
  if (
    typeof value === "string" && (names as readonly string[]).includes(value)
  ) {
    return value as ToneMapping;
  }
  if (typeof value === "string") {
    throw new TypeError(unknownVariant(path, value, names));
  }
  throw new TypeError(
    `${path} must be "Clamp", "Neutral" or "Aces", got ${describe(value)}`,
  );
}

function pbr(data: unknown, at: string): PbrSurface {
  const o = fields(data, at, [
    "metallic",
    "roughness",
    "transmission",
    "ior",
    "emission",
    "emission_strength",
  ]);
  const out: PbrSurface = {};
  const unit = (key: "metallic" | "roughness" | "transmission") => {
    if (o[key] !== undefined) {
      out[key] = number(
        o[key],
        join(at, key),
        "a number from 0 to 1",
        (n) => n >= 0 && n <= 1,
      );
    }
  };
  unit("metallic");
  unit("roughness");
  unit("transmission");
  if (o.ior !== undefined) {
    out.ior = f32(o.ior, join(at, "ior"), "a number ≥ 1", (n) => n >= 1);
  }
  if (o.emission !== undefined) {
    out.emission = color(o.emission, join(at, "emission"));
  }
  if (o.emission_strength !== undefined) {
    out.emission_strength = f32(
      o.emission_strength,
      join(at, "emission_strength"),
      "a non-negative number",
      (n) => n >= 0,
    );
  }
  return out;
}

/**
 * The scene object without its `"$schema"` key (after checking that it is a string), so the
 * scene's own fields are validated and copied as if it were absent.
 */
function withoutSchema(value: unknown): unknown {
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    !Object.hasOwn(value, "$schema")
  ) {
    return value;
  }
  const { $schema, ...rest } = value as Fields;
  if ($schema !== undefined && typeof $schema !== "string") {
    throw new TypeError(
      `$schema must be a string (the URL or path of scene.schema.json), got ${
        describe($schema)
      }`,
    );
  }
  return rest;
}

function element(value: unknown, path: string): Element {
  const [name, data, at] = variant(value, path, ELEMENT_KINDS);
  return validateElementBody(name as ElementKind, data, at, material);
}

function light(value: unknown, path: string): Light {
  const [name, data, at] = variant(value, path, ["Directional", "Spherical"]);
  if (name === "Directional") return { Directional: directional(data, at) };
  return { Spherical: spherical(data, at) };
}

function directional(value: unknown, path: string): DirectionalLight {
  const o = fields(value, path, ["direction", "color", "intensity"]);
  return {
    direction: direction(
      required(o, path, "direction"),
      join(path, "direction"),
    ),
    ...emission(o, path),
  };
}

function spherical(value: unknown, path: string): SphericalLight {
  const o = fields(value, path, ["position", "color", "intensity"]);
  return {
    position: point(required(o, path, "position"), join(path, "position")),
    ...emission(o, path),
  };
}

/** What every kind of light emits: a colour and a non-negative intensity. */
function emission(
  o: Fields,
  path: string,
): { color: Color; intensity: number } {
  return {
    color: color(required(o, path, "color"), join(path, "color")),
    intensity: f32(
      required(o, path, "intensity"),
      join(path, "intensity"),
      "a non-negative number",
      (n) => n >= 0,
    ),
  };
}

function material(value: unknown, path: string): Material {
  const o = fields(value, path, ["coloration", "albedo", "surface"]);
  return {
    coloration: coloration(
      required(o, path, "coloration"),
      join(path, "coloration"),
    ),
    albedo: f32(
      required(o, path, "albedo"),
      join(path, "albedo"),
      "a non-negative number",
      (n) => n >= 0,
    ),
    surface: surface(required(o, path, "surface"), join(path, "surface")),
  };
}

function coloration(value: unknown, path: string): Coloration {
  const [name, data, at] = variant(value, path, ["Color", "Texture"]);
  if (name === "Color") return { Color: color(data, at) };
  const o = fields(data, at, ["path"]);
  const file = required(o, at, "path");
  const filePath = join(at, "path");
  if (typeof file !== "string") {
    throw new TypeError(
      `${filePath} must be a non-empty string, got ${describe(file)}`,
    );
  }
  if (file === "") {
    throw new RangeError(`${filePath} must be a non-empty string, got ""`);
  }
  return { Texture: { path: file } };
}

function surface(value: unknown, path: string): Surface {
  const names = ["Diffuse", "Reflective", "Refractive", "Pbr"];
  if (typeof value === "string") {
    if (value === "Diffuse") return "Diffuse";
    if (names.includes(value)) {
      throw new TypeError(
        `${path} must be an object {${
          JSON.stringify(value)
        }: {…}} (only "Diffuse" is a bare string), got ${describe(value)}`,
      );
    }
    throw new TypeError(unknownVariant(path, value, names));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${path} must be "Diffuse" or an object with one key, "Reflective", "Refractive" or "Pbr", got ${
        describe(value)
      }`,
    );
  }
  const [name, data, at] = variant(value, path, names);
  if (name === "Diffuse") {
    throw new TypeError(
      `${path} must be the string "Diffuse", not an object with the key "Diffuse"`,
    );
  }
  if (name === "Pbr") return { Pbr: pbr(data, at) };
  if (name === "Reflective") {
    const o = fields(data, at, ["reflectivity"]);
    return {
      Reflective: {
        reflectivity: f32(
          required(o, at, "reflectivity"),
          join(at, "reflectivity"),
          "a number from 0 to 1",
          (n) => n >= 0 && n <= 1,
        ),
      },
    };
  }
  const o = fields(data, at, ["index", "transparency"]);
  return {
    Refractive: {
      index: refractiveIndex(required(o, at, "index"), join(at, "index")),
      transparency: f32(
        required(o, at, "transparency"),
        join(at, "transparency"),
        "a non-negative number",
        (n) => n >= 0,
      ),
    },
  };
}

function camera(value: unknown, path: string): Camera {
  const o = fields(value, path, ["position", "look_at", "up"]);
  const position = point(
    required(o, path, "position"),
    join(path, "position"),
  );
  const lookAt = point(required(o, path, "look_at"), join(path, "look_at"));
  const up = direction(required(o, path, "up"), join(path, "up"));
  const view = {
    x: lookAt.x - position.x,
    y: lookAt.y - position.y,
    z: lookAt.z - position.z,
  };
  const problem = cameraProblem(position, lookAt, up);
  switch (problem) {
    case undefined:
      break;
    case "look-at-is-position":
      throw new RangeError(
        `${path}.look_at must differ from ${path}.position, both are ${
          vectorText(position)
        }`,
      );
    case "view-underflows":
      throw new RangeError(
        `${path}.look_at is too close to ${path}.position to give a view direction (the squared length of look_at − position = ${
          vectorText(view)
        } is 0)`,
      );
    case "view-overflows":
      throw new RangeError(
        `${path}.look_at is too far from ${path}.position to give a view direction (the squared length of look_at − position = ${
          vectorText(view)
        } overflows)`,
      );
    case "up-parallel":
      throw new RangeError(
        `${path}.up must not be parallel to the view direction (look_at − position = ${
          vectorText(view)
        }), got ${vectorText(up)}`,
      );
    default: {
      const unreachable: never = problem;
      throw new Error(`unknown camera problem ${unreachable}`);
    }
  }
  return { position, look_at: lookAt, up };
}

function samples(value: unknown, anyCount: boolean): number {
  if (anyCount) return u32(value, "samples", 1);
  const what = "a positive integer that is a perfect square (1, 4, 9, 16, …)";
  // The rule itself is the render options' (one place): a perfect square, at most 65535².
  return checkSamples(u32(value, "samples", 1, what));
}

function color(value: unknown, path: string): Color {
  const o = fields(value, path, ["red", "green", "blue"]);
  const channel = (name: string) =>
    f32(
      required(o, path, name),
      join(path, name),
      "a non-negative number",
      (n) => n >= 0,
    );
  return {
    red: channel("red"),
    green: channel("green"),
    blue: channel("blue"),
  };
}

/** A positive f32: the core refuses an index that rounds to 0 as well as one that overflows. */
function refractiveIndex(value: unknown, path: string): number {
  const n = f32(value, path, "a positive number", (n) => n > 0);
  if (!(Math.fround(n) > 0)) {
    throw new RangeError(
      `${path} must be more than ${F32_UNDERFLOW} so it does not round to 0 as a 32-bit float, got ${
        describe(n)
      }`,
    );
  }
  return n;
}
