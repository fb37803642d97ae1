import type { MeshData, Scene, TextureImage } from "../types.ts";
import type { GltfModel } from "../gltf/types.ts";
import { describe } from "../_format.ts";
import { MAX_TEXTURE_SIDE } from "./limits.ts";
import { validateScene } from "./validate.ts";
import { sceneAssets } from "./_assets.ts";

/**
 * Checks a {@linkcode Scene} that may have been built by hand rather than by `loadScene`,
 * `parseScene` or `prepareScene`, and returns it with a validated, deep-copied description.
 * The renderer calls it on every scene it is given, so no hand-built object reaches the core
 * unchecked.
 *
 * - `description` must pass {@linkcode validateScene} (messages start with its JSON path).
 * - `textures` must be a `Map`, holding every texture path the description names.
 * - Each texture must have a positive integer `width` and `height` of at most
 *   `MAX_TEXTURE_SIDE`, and `data` must be a `Uint8Array` of exactly `width × height × 4`
 *   bytes of RGBA.
 *
 * The texture images are not copied: the returned scene shares them with `scene`.
 *
 * @param scene Any value meant as a scene.
 * @returns A scene with the validated description and the same textures.
 * @throws {TypeError} A value of the wrong type or a missing texture; the message starts with
 * its path (`textures`, `textures["a.png"].data`, or the description's JSON path).
 * @throws {RangeError} A value of the right type out of range, e.g.
 * `textures["a.png"].data must hold 4×2×4 = 32 bytes, got 31`.
 *
 * @example Usage
 * ```ts
 * import { checkScene, scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const description = scene({ width: 4, height: 3, elements: [], lights: [] });
 * const checked = checkScene({ description, textures: new Map() });
 * assert.deepEqual(checked.description, description);
 *
 * assert.throws(
 *   () => checkScene({ description: { ...description, elements: null! }, textures: new Map() }),
 *   { name: "TypeError", message: "elements must be an array, got null" },
 * );
 * ```
 */
export function checkScene(scene: Scene): Scene {
  if (typeof scene !== "object" || scene === null || Array.isArray(scene)) {
    throw new TypeError(
      `the scene must be an object with the fields "description" and "textures", got ${
        describe(scene)
      }`,
    );
  }
  const description = validateScene(scene.description);
  const textures: unknown = scene.textures;
  if (!(textures instanceof Map)) {
    throw new TypeError(
      `textures must be a Map from texture path to image, got ${
        describe(textures)
      }`,
    );
  }
  for (const [key, image] of textures) {
    if (typeof key !== "string") {
      throw new TypeError(
        `textures must be keyed by texture path (a string), got the key ${
          describe(key)
        }`,
      );
    }
    checkTexture(image, `textures[${JSON.stringify(key)}]`);
  }
  const meshes: unknown = scene.meshes;
  if (meshes !== undefined && !(meshes instanceof Map)) {
    throw new TypeError(
      `meshes must be a Map from mesh path to mesh data, got ${
        describe(meshes)
      }`,
    );
  }
  const gltf: unknown = scene.gltf;
  if (gltf !== undefined && !(gltf instanceof Map)) {
    throw new TypeError(
      `gltf must be a Map from glTF path to loaded model, got ${
        describe(gltf)
      }`,
    );
  }
  const environments: unknown = scene.environments;
  for (const use of sceneAssets(description)) {
    const [held, name] = use.kind === "texture"
      ? [textures, "textures"]
      : use.kind === "mesh"
      ? [meshes as Map<string, MeshData> | undefined, "meshes"]
      : use.kind === "gltf"
      ? [gltf as Map<string, GltfModel> | undefined, "gltf"]
      : [environments as Map<string, unknown> | undefined, "environments"];
    if (held?.has(use.path) !== true) {
      throw new TypeError(
        `${use.jsonPath} names the ${use.kind} ${
          JSON.stringify(use.path)
        }, which is not in ${name}`,
      );
    }
  }
  return {
    description,
    textures: textures as Map<string, TextureImage>,
    ...(meshes === undefined
      ? {}
      : { meshes: meshes as Map<string, MeshData> }),
    ...(gltf === undefined ? {} : { gltf: gltf as Map<string, GltfModel> }),
    ...(environments === undefined ? {} : {
      environments: environments as Map<
        string,
        { width: number; height: number; rgb: Float32Array }
      >,
    }),
  };
}

function checkTexture(image: unknown, path: string): void {
  if (typeof image !== "object" || image === null || Array.isArray(image)) {
    throw new TypeError(
      `${path} must be an object with the fields "width", "height" and "data", got ${
        describe(image)
      }`,
    );
  }
  const { width, height, data } = image as Partial<TextureImage>;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (typeof value !== "number") {
      throw new TypeError(
        `${path}.${name} must be a positive integer, got ${describe(value)}`,
      );
    }
    if (!Number.isInteger(value) || value < 1 || value > MAX_TEXTURE_SIDE) {
      throw new RangeError(
        `${path}.${name} must be an integer from 1 to ${MAX_TEXTURE_SIDE}, got ${
          describe(value)
        }`,
      );
    }
  }
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `${path}.data must be a Uint8Array of RGBA bytes, got ${
        data === null || typeof data !== "object"
          ? describe(data)
          : kindOf(data)
      }`,
    );
  }
  const w = width as number;
  const h = height as number;
  const expected = w * h * 4;
  if (data.length !== expected) {
    throw new RangeError(
      `${path}.data must hold ${w}×${h}×4 = ${expected} bytes, got ${data.length}`,
    );
  }
}

/** `an ArrayBuffer`, `a Uint16Array`, … : what an object is, for a "got …" clause. */
function kindOf(value: object): string {
  let name: unknown;
  try {
    name = Object.getPrototypeOf(value)?.constructor?.name;
  } catch {
    // A proxy may throw from any trap; say no more than "an object".
  }
  if (
    Array.isArray(value) || typeof name !== "string" || name === "" ||
    name === "Object"
  ) {
    return describe(value);
  }
  // "an ArrayBuffer", "a Uint16Array" (U sounds like "you").
  return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`;
}
