import type {
  Camera,
  Color,
  Coloration,
  DirectionalLight,
  Element,
  Light,
  Material,
  Mesh,
  MeshTransform,
  Plane,
  Point,
  SceneDescription,
  Sphere,
  SphericalLight,
  Surface,
  Vector,
} from "../types.ts";
import { checkImageSize } from "./check_image_size.ts";
import { checkSamples } from "../render/options.ts";
import { describe, orList, suggest } from "../_format.ts";
import { MAX_MESH_TRIANGLES } from "../mesh/limits.ts";
import { transformMatrix } from "../mesh/transform_matrix.ts";
import { cameraProblem, squaredLength } from "./_core_geometry.ts";
import {
  F32_MAX,
  F32_OVERFLOW,
  F32_UNDERFLOW,
  isF32Finite,
  MAX_RECURSION_DEPTH,
  placementProblem,
  positionBounds,
  transformProblem,
  U32_MAX,
} from "./limits.ts";

type Fields = Record<string, unknown>;

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
  if (root.samples !== undefined) scene.samples = samples(root.samples);
  return scene;
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
  const [name, data, at] = variant(value, path, ["Sphere", "Plane", "Mesh"]);
  if (name === "Sphere") return { Sphere: sphere(data, at) };
  if (name === "Mesh") return { Mesh: mesh(data, at) };
  return { Plane: plane(data, at) };
}

function mesh(value: unknown, path: string): Mesh {
  const o = fields(value, path, [
    "path",
    "positions",
    "indices",
    "uvs",
    "material",
    "transform",
    "smooth",
  ]);
  const out = {} as Mesh;
  const inline = o.positions !== undefined || o.indices !== undefined ||
    o.uvs !== undefined;
  if (o.path !== undefined) {
    if (inline) {
      throw new TypeError(
        `${path} must have either "path" or inline "positions" and "indices" (and "uvs"), not both`,
      );
    }
    out.path = nonEmptyString(o.path, join(path, "path"));
  } else if (!inline) {
    throw new TypeError(
      `${path} needs "path" (an OBJ or PLY file) or "positions" and "indices"`,
    );
  } else {
    const positions = numbers(
      required(o, path, "positions"),
      join(path, "positions"),
    );
    if (positions.length % 3 !== 0 || positions.length === 0) {
      throw new RangeError(
        `${
          join(path, "positions")
        } must hold x, y, z for each vertex (a non-zero multiple of 3 numbers), got ${positions.length} numbers`,
      );
    }
    const vertices = positions.length / 3;
    const indicesPath = join(path, "indices");
    const indices = required(o, path, "indices");
    if (!Array.isArray(indices)) {
      throw new TypeError(
        `${indicesPath} must be an array, got ${describe(indices)}`,
      );
    }
    if (indices.length % 3 !== 0 || indices.length === 0) {
      throw new RangeError(
        `${indicesPath} must hold three vertex indices per triangle (a non-zero multiple of 3), got ${indices.length} indices`,
      );
    }
    if (indices.length / 3 > MAX_MESH_TRIANGLES) {
      throw new RangeError(
        `${indicesPath} holds ${
          indices.length / 3
        } triangles, more than the limit of ${MAX_MESH_TRIANGLES}`,
      );
    }
    const copy = new Array<number>(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const n = indices[i];
      if (!Number.isInteger(n) || n < 0 || n >= vertices) {
        throw new (typeof n === "number" ? RangeError : TypeError)(
          `${indicesPath}[${i}] must be a vertex index, an integer from 0 to ${
            vertices - 1
          }, got ${describe(n)}`,
        );
      }
      copy[i] = n;
    }
    checkF32(positions, join(path, "positions"));
    out.positions = positions;
    out.indices = copy;
    if (o.uvs !== undefined) {
      const uvs = numbers(o.uvs, join(path, "uvs"));
      if (uvs.length !== 2 * vertices) {
        throw new RangeError(
          `${
            join(path, "uvs")
          } must hold u, v for each of the ${vertices} vertices (${
            2 * vertices
          } numbers), got ${uvs.length} numbers`,
        );
      }
      checkF32(uvs, join(path, "uvs"));
      out.uvs = uvs;
    }
  }
  out.material = material(
    required(o, path, "material"),
    join(path, "material"),
  );
  if (o.transform !== undefined) {
    out.transform = meshTransform(o.transform, join(path, "transform"));
  }
  // The core's limits for a placed mesh (src/scene/limits.ts); a file's box is checked when
  // the file is loaded.
  if (out.transform !== undefined || out.positions !== undefined) {
    const matrix = transformMatrix(out.transform);
    const box = out.positions && positionBounds(out.positions);
    const problem = box
      ? placementProblem(box.min, box.max, matrix)
      : transformProblem(matrix);
    if (problem !== undefined) {
      throw new RangeError(
        `${join(path, "transform")}: ${problem}`,
      );
    }
  }
  if (o.smooth !== undefined) {
    if (typeof o.smooth !== "boolean") {
      throw new TypeError(
        `${join(path, "smooth")} must be true or false, got ${
          describe(o.smooth)
        }`,
      );
    }
    out.smooth = o.smooth;
  }
  return out;
}

function meshTransform(value: unknown, path: string): MeshTransform {
  const o = fields(value, path, ["scale", "rotate", "translate"]);
  const out: MeshTransform = {};
  if (o.scale !== undefined) {
    const at = join(path, "scale");
    const factor = (v: unknown, p: string) =>
      number(v, p, "a non-zero number", (n) => n !== 0);
    if (typeof o.scale === "number") {
      out.scale = factor(o.scale, at);
    } else if (
      typeof o.scale === "object" && o.scale !== null && !Array.isArray(o.scale)
    ) {
      const f = fields(o.scale, at, ["x", "y", "z"]);
      out.scale = {
        x: factor(required(f, at, "x"), join(at, "x")),
        y: factor(required(f, at, "y"), join(at, "y")),
        z: factor(required(f, at, "z"), join(at, "z")),
      };
    } else {
      throw new TypeError(
        `${at} must be a non-zero number or an object {"x", "y", "z"}, got ${
          describe(o.scale)
        }`,
      );
    }
  }
  if (o.rotate !== undefined) {
    const at = join(path, "rotate");
    const r = fields(o.rotate, at, ["axis", "degrees"]);
    out.rotate = {
      axis: direction(required(r, at, "axis"), join(at, "axis")),
      degrees: number(
        required(r, at, "degrees"),
        join(at, "degrees"),
        "a number",
        () => true,
      ),
    };
  }
  if (o.translate !== undefined) {
    out.translate = point(o.translate, join(path, "translate"));
  }
  return out;
}

/** Refuses a number the core cannot hold as an f32 (mesh positions, texture coordinates). */
function checkF32(values: readonly number[], path: string): void {
  const i = values.findIndex((v) => !isF32Finite(v));
  if (i >= 0) {
    throw new RangeError(
      `${path}[${i}] must be within the 32-bit float range (±${F32_MAX}), got ${
        describe(values[i])
      }`,
    );
  }
}

/** An array of finite numbers, copied. */
function numbers(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${path} must be an array, got ${describe(value)}`);
  }
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const n = value[i];
    if (typeof n !== "number") {
      throw new TypeError(
        `${path}[${i}] must be a number, got ${describe(n)}`,
      );
    }
    if (!Number.isFinite(n)) {
      throw new RangeError(
        `${path}[${i}] must be a finite number, got ${describe(n)}`,
      );
    }
    out[i] = n;
  }
  return out;
}

function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new TypeError(
      `${path} must be a non-empty string, got ${describe(value)}`,
    );
  }
  if (value === "") {
    throw new RangeError(`${path} must be a non-empty string, got ""`);
  }
  return value;
}

function sphere(value: unknown, path: string): Sphere {
  const o = fields(value, path, ["center", "radius", "material"]);
  return {
    center: point(required(o, path, "center"), join(path, "center")),
    radius: number(
      required(o, path, "radius"),
      join(path, "radius"),
      "a positive number",
      (n) => n > 0,
    ),
    material: material(required(o, path, "material"), join(path, "material")),
  };
}

function plane(value: unknown, path: string): Plane {
  const o = fields(value, path, ["origin", "normal", "material"]);
  return {
    origin: point(required(o, path, "origin"), join(path, "origin")),
    normal: direction(required(o, path, "normal"), join(path, "normal")),
    material: material(required(o, path, "material"), join(path, "material")),
  };
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
  const names = ["Diffuse", "Reflective", "Refractive"];
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
      `${path} must be "Diffuse" or an object with one key, "Reflective" or "Refractive", got ${
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

function samples(value: unknown): number {
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

function point(value: unknown, path: string): Point {
  const o = fields(value, path, ["x", "y", "z"]);
  const coordinate = (name: string) =>
    number(required(o, path, name), join(path, name), "a number", () => true);
  return { x: coordinate("x"), y: coordinate("y"), z: coordinate("z") };
}

/** A vector the renderer will normalise, so its length must be a usable divisor. */
function direction(value: unknown, path: string): Vector {
  const v = point(value, path);
  if (v.x === 0 && v.y === 0 && v.z === 0) {
    throw new RangeError(
      `${path} must be a non-zero vector, got ${vectorText(v)}`,
    );
  }
  const squared = squaredLength(v);
  if (squared === 0 || !Number.isFinite(squared)) {
    throw new RangeError(
      `${path} is too ${
        squared === 0 ? "short" : "long"
      } to normalise (its squared length is ${squared}), got ${vectorText(v)}`,
    );
  }
  return v;
}

function list<T>(
  value: unknown,
  path: string,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${path} must be an array, got ${describe(value)}`);
  }
  // A plain loop rather than map(), which would skip the holes of a sparse array.
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) {
    out.push(item(value[i], `${path}[${i}]`));
  }
  return out;
}

/**
 * The one key of an externally tagged variant object, its value and the value's path.
 */
function variant(
  value: unknown,
  path: string,
  names: readonly string[],
): [string, unknown, string] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${path} must be an object with one key, ${orList(names)}, got ${
        describe(value)
      }`,
    );
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new TypeError(
      `${path} must have exactly one key, ${orList(names)}, got ${
        keys.length === 0
          ? "an empty object"
          : `${keys.length} keys: ${
            keys.slice(0, 5).map((k) => describe(k)).join(", ")
          }${keys.length > 5 ? ", …" : ""}`
      }`,
    );
  }
  const name = keys[0];
  if (!names.includes(name)) {
    throw new TypeError(unknownVariant(path, name, names));
  }
  return [name, (value as Fields)[name], join(path, name)];
}

function unknownVariant(
  path: string,
  name: string,
  names: readonly string[],
): string {
  const guess = suggest(name, names);
  // Names are quoted as values are (describe): a 10,000-character key is cut.
  return `${path} has unknown variant ${describe(name)}, expected ${
    orList(names)
  }${guess === undefined ? "" : `; did you mean ${JSON.stringify(guess)}?`}`;
}

/** The value as an object, after rejecting any field not in `known`. */
function fields(
  value: unknown,
  path: string,
  known: readonly string[],
  // Built only when throwing: a scene of 100,000 spheres calls this 600,000 times.
  what?: string,
): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const expected = what ??
      `an object with the fields ${orList(known).replace(" or ", " and ")}`;
    throw new TypeError(
      `${path === "" ? "the scene" : path} must be ${expected}, got ${
        describe(value)
      }`,
    );
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = path === "" ? "at top level" : `at ${path}`;
    const guess = suggest(key, known);
    throw new TypeError(
      `unknown field ${describe(key)} ${where}, ${
        guess === undefined
          ? `expected ${orList(known)}`
          : `did you mean ${JSON.stringify(guess)}?`
      }`,
    );
  }
  return value as Fields;
}

function required(o: Fields, path: string, key: string): unknown {
  const value = o[key];
  if (value === undefined) {
    throw new TypeError(`${join(path, key)} is missing`);
  }
  return value;
}

/** A finite JavaScript number (JSON can still hold 1e999, which parses as Infinity). */
function number(
  value: unknown,
  path: string,
  what: string,
  ok: (n: number) => boolean,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`${path} must be ${what}, got ${describe(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `${path} must be a finite number, got ${describe(value)}`,
    );
  }
  if (!ok(value)) {
    throw new RangeError(`${path} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

/** A number the renderer keeps as f32, so it must not round to infinity there. */
function f32(
  value: unknown,
  path: string,
  what: string,
  ok: (n: number) => boolean,
): number {
  const n = number(value, path, what, ok);
  if (!Number.isFinite(Math.fround(n))) {
    throw new RangeError(
      `${path} must be less than ${F32_OVERFLOW} to fit a 32-bit float (whose largest value is ${F32_MAX}), got ${
        describe(n)
      }`,
    );
  }
  return n;
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

function u32(
  value: unknown,
  path: string,
  min: 0 | 1,
  what = min === 1 ? "a positive integer" : "a non-negative integer",
  max = U32_MAX,
): number {
  const n = number(value, path, what, (n) => Number.isInteger(n) && n >= min);
  if (n > max) {
    throw new RangeError(
      `${path} must be at most ${max}${
        max === U32_MAX ? " (it is a 32-bit unsigned integer)" : ""
      }, got ${n}`,
    );
  }
  return n;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function vectorText(v: Vector): string {
  return `{"x": ${describe(v.x)}, "y": ${describe(v.y)}, "z": ${
    describe(v.z)
  }}`;
}
