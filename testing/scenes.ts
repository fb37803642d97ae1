/**
 * The small scene the farm's tests, the farm fuzzer and the process-exit fixture render: one
 * sphere five units in front of the camera, lit by one light, with the original's bias and
 * recursion depth. Development-only.
 *
 * @example
 * ```ts
 * import { oneSphere, sun } from "./scenes.ts";
 * import assert from "node:assert/strict";
 * const scene = oneSphere({
 *   width: 16,
 *   height: 8,
 *   color: { red: 1, green: 0, blue: 0 },
 *   light: sun({ x: 0, y: 0, z: -1 }, 1),
 * });
 * assert.equal(scene.elements.length, 1);
 * ```
 *
 * @module
 */

import type {
  Color,
  Light,
  SceneDescription,
  Surface,
  Vector,
} from "../src/types.ts";

/** What differs between the one-sphere scenes. */
export interface OneSphereOptions {
  width: number;
  height: number;
  /** The sphere's colour. */
  color: Color;
  /** Its radius (default 1). */
  radius?: number;
  /** Its surface (default `"Diffuse"`). */
  surface?: Surface;
  light: Light;
}

/** One sphere at (0, 0, −5), albedo 0.18, under `light`. */
export function oneSphere(options: OneSphereOptions): SceneDescription {
  const { width, height, color, radius = 1, surface = "Diffuse", light } =
    options;
  return {
    width,
    height,
    fov: 90,
    shadow_bias: 1e-13,
    max_recursion_depth: 10,
    elements: [{
      Sphere: {
        center: { x: 0, y: 0, z: -5 },
        radius,
        material: { coloration: { Color: color }, albedo: 0.18, surface },
      },
    }],
    lights: [light],
  };
}

const WHITE = { red: 1, green: 1, blue: 1 };

/** A white directional light along `direction`. */
export function sun(direction: Vector, intensity: number): Light {
  return { Directional: { direction, color: WHITE, intensity } };
}

/** A white spherical light at `position`. */
export function lamp(position: Vector, intensity: number): Light {
  return { Spherical: { position, color: WHITE, intensity } };
}
