// Private: the core's geometric checks, computed exactly as the Rust does (`Vector3::length`
// squares the components, `Camera::new` builds its basis from that), so the validator refuses
// precisely the vectors and cameras the core would. Math.hypot would not do: it scales to
// avoid overflow and underflow, and so accepts a view of 1e200 or of 5e-324 the core refuses.

import type { Point, Vector } from "../types.ts";

/** `x² + y² + z²` in the core's order of operations (f64, no fused multiply-add). */
export function squaredLength(v: Vector): number {
  return v.x * v.x + v.y * v.y + v.z * v.z;
}

/** Why the core's `Camera::new` would refuse a pose, or `undefined` if it builds. */
export type CameraProblem =
  | "view-overflows"
  | "view-underflows"
  | "look-at-is-position"
  | "up-parallel";

/**
 * Mirrors `Camera::new` in `rust/src/camera.rs`: the view `look_at − position` must have a
 * finite, positive length, and `forward × up` must be longer than `1e-9 × |up|` with `|up|`
 * finite. The three points are finite already (the validator checks that first).
 */
export function cameraProblem(
  position: Point,
  lookAt: Point,
  up: Vector,
): CameraProblem | undefined {
  const view = {
    x: lookAt.x - position.x,
    y: lookAt.y - position.y,
    z: lookAt.z - position.z,
  };
  const viewLength = Math.sqrt(squaredLength(view));
  if (!Number.isFinite(viewLength)) return "view-overflows";
  if (!(viewLength > 0)) {
    return view.x === 0 && view.y === 0 && view.z === 0
      ? "look-at-is-position"
      : "view-underflows";
  }
  const inverse = 1 / viewLength;
  const f = { x: view.x * inverse, y: view.y * inverse, z: view.z * inverse };
  const side = {
    x: f.y * up.z - f.z * up.y,
    y: f.z * up.x - f.x * up.z,
    z: f.x * up.y - f.y * up.x,
  };
  const upLength = Math.sqrt(squaredLength(up));
  if (
    !(Math.sqrt(squaredLength(side)) > 1e-9 * upLength) ||
    !Number.isFinite(upLength)
  ) {
    return "up-parallel";
  }
  return undefined;
}
