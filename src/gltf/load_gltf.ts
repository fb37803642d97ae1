/**
 * {@linkcode loadGltf}: a glTF 2.0 file as a raypool {@linkcode Scene}, ready to render.
 *
 * @module
 */

import type {
  Camera,
  Light,
  Scene,
  SceneDescription,
  Vector,
} from "../types.ts";
import { validateScene } from "../scene/validate.ts";
import { readGltf } from "./read_gltf.ts";
import type { GltfCamera, GltfModel } from "./types.ts";

/** Options for {@linkcode loadGltf}. */
export interface LoadGltfOptions {
  /** Image width in pixels (default 512). */
  width?: number;
  /** Image height in pixels (default 512). */
  height?: number;
  /**
   * Which of the model's cameras to look through (0 = the first, in node order); absent: the
   * first when the model has one, else {@linkcode frameBounds}'s view.
   */
  camera?: number;
  /** Samples per pixel (default {@linkcode DEFAULT_SAMPLES}). */
  samples?: number;
  /** Aborting rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** The vertical field of view of the framing camera, in degrees. */
export const FRAMING_FOV = 40;

/** Samples per pixel of a model's scene unless asked otherwise. */
export const DEFAULT_SAMPLES = 16;

/**
 * How a model's scene is rendered: path traced (8 bounces) under a uniform white environment
 * of radiance 1 (a white sky all around, as a viewer's neutral studio), tone-mapped with
 * Khronos PBR Neutral.
 */
export const DEFAULT_LOOK: Pick<
  SceneDescription,
  "integrator" | "environment" | "tone_mapping"
> = {
  integrator: { Path: { max_bounces: 8 } },
  environment: { Color: { red: 1, green: 1, blue: 1 } },
  tone_mapping: "Neutral",
};

/**
 * Loads a `.glb` or `.gltf` (with its resources beside it) as a scene: one `Gltf` element
 * placing the whole model with its materials, seen through the model's camera (`camera`, or
 * its first), or else from a three-quarter front view framing its bounds; path traced under
 * {@linkcode DEFAULT_LOOK} (a uniform white environment, PBR Neutral tone mapping) with
 * {@linkcode DEFAULT_SAMPLES} samples, plus the model's `KHR_lights_punctual` lights.
 *
 * The scene's `gltf` map holds the loaded model under the path as given, so rendering does
 * not read the file again. Warnings (unsupported extensions, skipped primitives) are in
 * `scene.gltf.get(path).warnings`.
 *
 * @throws Everything `readGltf` throws, and a `RangeError` for a `camera` the model lacks.
 *
 * @example Load a model (a box with a texture, built by `examples/models/make_models.ts`) and render it
 * ```ts
 * import { loadGltf, render } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const scene = await loadGltf("examples/models/textured_box.glb", { width: 32, height: 32 });
 * assert.deepEqual(scene.description.elements, [{ Gltf: { path: "examples/models/textured_box.glb" } }]);
 * assert.equal(scene.gltf?.get("examples/models/textured_box.glb")?.primitives.length, 1);
 * const image = await render(scene, { workers: 1, samples: 4 });
 * assert.equal(image.data.length, 32 * 32 * 4);
 * // The corner sees the white environment; the middle, the red and blue checker.
 * assert.ok(image.data[0] > 200 && image.data[1] > 200 && image.data[2] > 200);
 * const middle = 4 * (16 * 32 + 16);
 * assert.ok(image.data[middle + 1] < image.data[middle] || image.data[middle + 1] < image.data[middle + 2]);
 * ```
 */
export async function loadGltf(
  path: string,
  options: LoadGltfOptions = {},
): Promise<Scene> {
  const { width = 512, height = 512, signal } = options;
  const model = await readGltf(path, { signal });
  return gltfScene(path, model, {
    width,
    height,
    camera: options.camera,
    samples: options.samples,
  });
}

/** The scene of an already loaded model (see {@linkcode loadGltf}). */
export function gltfScene(
  path: string,
  model: GltfModel,
  options: { width: number; height: number; camera?: number; samples?: number },
): Scene {
  const { width, height } = options;
  let view: { camera: Camera; fov: number };
  if (options.camera !== undefined) {
    const chosen = model.cameras[options.camera];
    if (chosen === undefined) {
      throw new RangeError(
        `glTF file ${JSON.stringify(path)} has ${model.cameras.length} camera${
          model.cameras.length === 1 ? "" : "s"
        }; there is no camera ${options.camera}`,
      );
    }
    view = cameraView(chosen, model.bounds);
  } else if (model.cameras.length > 0) {
    view = cameraView(model.cameras[0], model.bounds);
  } else {
    view = frameBounds(model.bounds, width / height);
  }
  const lights = model.lights.map((light): Light =>
    light.type === "directional"
      ? {
        Directional: {
          direction: toVector(light.direction),
          color: rgb(light.color),
          intensity: light.intensity,
        },
      }
      : {
        // A point light of I candela gives I / d² at distance d; raypool's spherical
        // light of intensity P gives P / (4π d²).
        Spherical: {
          position: toVector(light.position),
          color: rgb(light.color),
          intensity: 4 * Math.PI * light.intensity,
        },
      }
  );
  const description: SceneDescription = {
    width,
    height,
    fov: view.fov,
    elements: [{ Gltf: { path } }],
    lights,
    shadow_bias: 1e-6 * Math.max(1, diagonal(model.bounds)),
    max_recursion_depth: 8,
    camera: view.camera,
    samples: options.samples ?? DEFAULT_SAMPLES,
    ...DEFAULT_LOOK,
  };
  return {
    description: validateScene(description),
    textures: new Map(),
    gltf: new Map([[path, model]]),
  };
}

/** A glTF camera as raypool's: position, the point it looks at, up; its vertical fov. */
function cameraView(
  camera: GltfCamera,
  bounds: GltfModel["bounds"],
): { camera: Camera; fov: number } {
  const m = camera.matrix;
  const position = { x: m[12], y: m[13], z: m[14] };
  const forward = normalize([-m[8], -m[9], -m[10]]);
  const up = normalize([m[4], m[5], m[6]]);
  const look_at = {
    x: position.x + forward[0],
    y: position.y + forward[1],
    z: position.z + forward[2],
  };
  // raypool has no orthographic projection: an orthographic camera becomes a perspective
  // one showing the same height (2 × ymag) at the distance of the model's centre.
  const centre = [0, 1, 2].map((c) => (bounds.min[c] + bounds.max[c]) / 2);
  const distance = Math.max(
    Math.hypot(
      centre[0] - position.x,
      centre[1] - position.y,
      centre[2] - position.z,
    ),
    camera.znear,
    1e-6,
  );
  const fov = camera.type === "perspective"
    ? (camera.yfov * 180) / Math.PI
    : Math.min(
      170,
      (2 * Math.atan(Math.abs(camera.ymag) / distance) * 180) / Math.PI,
    );
  return {
    camera: { position, look_at, up: { x: up[0], y: up[1], z: up[2] } },
    fov,
  };
}

/**
 * A camera that frames `bounds` from a three-quarter front view: from the front (+z, where
 * glTF models face) turned 35° to the right and raised 25°, looking at the box's centre from
 * just far enough that all eight corners of the box fall inside a {@linkcode FRAMING_FOV}°
 * (vertical) view of `aspect` (width ÷ height), with a 5% margin.
 *
 * @example
 * ```ts
 * import { frameBounds } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const { camera, fov } = frameBounds({ min: [-1, -1, -1], max: [1, 1, 1] }, 4 / 3);
 * assert.deepEqual(camera.look_at, { x: 0, y: 0, z: 0 });
 * assert.ok(camera.position.z > 0 && camera.position.x > 0 && camera.position.y > 0);
 * assert.equal(fov, 40);
 * ```
 */
export function frameBounds(bounds: GltfModel["bounds"], aspect = 1): {
  camera: Camera;
  fov: number;
} {
  const center = [0, 1, 2].map((c) => (bounds.min[c] + bounds.max[c]) / 2);
  const yaw = (35 * Math.PI) / 180, pitch = (25 * Math.PI) / 180;
  // From the centre towards the eye; the view's right and up follow (world up is +y).
  const toEye = [
    Math.sin(yaw) * Math.cos(pitch),
    Math.sin(pitch),
    Math.cos(yaw) * Math.cos(pitch),
  ];
  const right = normalize([toEye[2], 0, -toEye[0]]);
  const up = [
    toEye[1] * right[2] - toEye[2] * right[1],
    toEye[2] * right[0] - toEye[0] * right[2],
    toEye[0] * right[1] - toEye[1] * right[0],
  ];
  const tanV = Math.tan((FRAMING_FOV / 2) * Math.PI / 180) / 1.05;
  const tanH = tanV * aspect;
  const dot = (a: number[], b: number[]) =>
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const size = Math.max(diagonal(bounds), 1e-3);
  let distance = 0;
  for (let corner = 0; corner < 8; corner++) {
    const p = [0, 1, 2].map((c) =>
      ((corner >> c) & 1 ? bounds.max[c] : bounds.min[c]) - center[c]
    );
    // A corner at depth D − p·toEye must have |p·up| ≤ depth·tanV and |p·right| ≤ depth·tanH.
    const need = dot(p, toEye) +
      Math.max(Math.abs(dot(p, up)) / tanV, Math.abs(dot(p, right)) / tanH);
    distance = Math.max(distance, need, dot(p, toEye) + 0.01 * size);
  }
  return {
    camera: {
      position: {
        x: center[0] + distance * toEye[0],
        y: center[1] + distance * toEye[1],
        z: center[2] + distance * toEye[2],
      },
      look_at: { x: center[0], y: center[1], z: center[2] },
      up: { x: 0, y: 1, z: 0 },
    },
    fov: FRAMING_FOV,
  };
}

function diagonal(bounds: GltfModel["bounds"]): number {
  return Math.hypot(
    bounds.max[0] - bounds.min[0],
    bounds.max[1] - bounds.min[1],
    bounds.max[2] - bounds.min[2],
  );
}

function normalize(v: readonly number[]): number[] {
  const length = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / length, v[1] / length, v[2] / length];
}

function toVector(v: readonly number[]): Vector {
  return { x: v[0], y: v[1], z: v[2] };
}

function rgb(c: readonly number[]) {
  return { red: c[0], green: c[1], blue: c[2] };
}
