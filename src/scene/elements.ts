/**
 * The one table of scene element kinds. Each kind (the key of its externally tagged JSON
 * object) declares here how it is validated and which files it names; the packer
 * (`src/render/packed_scene.ts`) and every other dispatch on kinds go through
 * {@linkcode elementParts} and an exhaustive `switch`, so a kind added to {@linkcode Element}
 * but not handled fails to compile. `scene.schema.json` lists the same kinds (a test keeps
 * them in agreement).
 *
 * A new kind touches: its type in `types.ts`; its entry and its cases here; its case in the
 * packer; its builder in `build.ts`; its schema in `scene.schema.json`; the core's reader
 * (`rust/src/packed.rs`) and its shape. A new kind of file it names adds an `AssetKind` and
 * its case in the loader and in `scene_identity.ts`. The compiler and
 * `tests/scene_elements_test.ts` point at each of these.
 *
 * @module
 */

import type {
  Element,
  Gltf,
  Material,
  Mesh,
  MeshTransform,
  Plane,
  Sphere,
} from "../types.ts";
import { describe } from "../_format.ts";
import { MAX_MESH_TRIANGLES } from "../mesh/limits.ts";
import { transformMatrix } from "../mesh/transform_matrix.ts";
import {
  F32_MAX,
  isF32Finite,
  placementProblem,
  positionBounds,
  transformProblem,
} from "./limits.ts";
import {
  direction,
  fields,
  join,
  nonEmptyString,
  number,
  numbers,
  point,
  required,
} from "./_values.ts";

/** The kinds of scene element: the keys of {@linkcode Element}'s variants. */
export type ElementKind = Element extends infer E
  ? E extends unknown ? keyof E : never
  : never;

/** The body of an element of kind `K` (what its JSON key holds). */
export type ElementBody<K extends ElementKind> = Extract<
  Element,
  Record<K, unknown>
>[K];

/** An element split into its kind and body: a union to `switch` on. */
export type ElementParts = {
  [K in ElementKind]: { kind: K; body: ElementBody<K> };
}[ElementKind];

/** Validates a material at a JSON path (the scene validator's rule, passed in). */
export type CheckMaterial = (value: unknown, path: string) => Material;

/**
 * What a file a scene names holds, which decides how the asset loader (`_assets.ts`) loads
 * it: a texture image, a mesh file, a glTF model, or an HDR environment.
 */
export type AssetKind = "texture" | "mesh" | "gltf" | "environment";

/** A file an element names, other than its material's texture. */
export interface ElementFile {
  /** What the file holds. */
  kind: AssetKind;
  /** The field of the body that names it. */
  field: string;
  /** The path as written. */
  path: string;
}

/** What the table says about one kind of element. */
export interface ElementKindEntry<K extends ElementKind> {
  /** Checks `value`, the body at JSON path `path`, and returns a clean copy. */
  validate(
    value: unknown,
    path: string,
    material: CheckMaterial,
  ): ElementBody<K>;
  /** The files the body names (its material's texture aside), in field order. */
  files(body: ElementBody<K>): ElementFile[];
}

/** The table: one entry per kind; a kind missing here is a compile error. */
export const ELEMENTS: { readonly [K in ElementKind]: ElementKindEntry<K> } = {
  Sphere: { validate: validateSphere, files: () => [] },
  Plane: { validate: validatePlane, files: () => [] },
  Mesh: {
    validate: validateMesh,
    files: (body) =>
      body.path === undefined
        ? []
        : [{ kind: "mesh", field: "path", path: body.path }],
  },
  Gltf: {
    validate: validateGltf,
    files: (body) => [{ kind: "gltf", field: "path", path: body.path }],
  },
};

/** Every element kind, in the table's order. */
export const ELEMENT_KINDS: readonly ElementKind[] = Object.keys(
  ELEMENTS,
) as ElementKind[];

/**
 * The kind and body of a validated element.
 *
 * @example
 * ```ts
 * import { elementParts } from "./elements.ts";
 * import { material, point, rgb, sphere } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const parts = elementParts(sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) }));
 * assert.equal(parts.kind, "Sphere");
 * ```
 */
export function elementParts(element: Element): ElementParts {
  for (const kind of ELEMENT_KINDS) {
    if (Object.hasOwn(element, kind)) {
      return {
        kind,
        body: (element as Record<string, unknown>)[kind],
      } as ElementParts;
    }
  }
  throw new TypeError(
    `an element must have one key, one of ${ELEMENT_KINDS.join(", ")}, got ${
      describe(element)
    }`,
  );
}

/** Validates the body of an element of kind `kind` through the table. */
export function validateElementBody(
  kind: ElementKind,
  value: unknown,
  path: string,
  material: CheckMaterial,
): Element {
  switch (kind) {
    case "Sphere":
      return { Sphere: ELEMENTS.Sphere.validate(value, path, material) };
    case "Plane":
      return { Plane: ELEMENTS.Plane.validate(value, path, material) };
    case "Mesh":
      return { Mesh: ELEMENTS.Mesh.validate(value, path, material) };
    case "Gltf":
      return { Gltf: ELEMENTS.Gltf.validate(value, path, material) };
    default: {
      const unknownKind: never = kind;
      throw new TypeError(`unknown element kind ${describe(unknownKind)}`);
    }
  }
}

/** The files a validated element names (its material's texture aside). */
export function elementFiles(parts: ElementParts): ElementFile[] {
  switch (parts.kind) {
    case "Sphere":
      return ELEMENTS.Sphere.files(parts.body);
    case "Plane":
      return ELEMENTS.Plane.files(parts.body);
    case "Mesh":
      return ELEMENTS.Mesh.files(parts.body);
    case "Gltf":
      return ELEMENTS.Gltf.files(parts.body);
    default: {
      const unknownKind: never = parts;
      throw new TypeError(`unknown element kind ${describe(unknownKind)}`);
    }
  }
}

function validateMesh(
  value: unknown,
  path: string,
  material: CheckMaterial,
): Mesh {
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

function validateGltf(value: unknown, path: string): Gltf {
  const o = fields(value, path, ["path", "transform"]);
  const out: Gltf = {
    path: nonEmptyString(required(o, path, "path"), join(path, "path")),
  };
  if (o.transform !== undefined) {
    out.transform = meshTransform(o.transform, join(path, "transform"));
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

function validateSphere(
  value: unknown,
  path: string,
  material: CheckMaterial,
): Sphere {
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

function validatePlane(
  value: unknown,
  path: string,
  material: CheckMaterial,
): Plane {
  const o = fields(value, path, ["origin", "normal", "material"]);
  return {
    origin: point(required(o, path, "origin"), join(path, "origin")),
    normal: direction(required(o, path, "normal"), join(path, "normal")),
    material: material(required(o, path, "material"), join(path, "material")),
  };
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
