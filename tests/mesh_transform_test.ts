// The Mesh element's transform as the writer packs it: the 3×4 matrix M = T · R · S (scale,
// then rotate, then translate). Applying it, transforming normals and computing smooth normals
// belong to the core (rust/src/mesh.rs and its tests); renders in mesh_render_test.ts.

import assert from "node:assert/strict";
import { transformMatrix } from "../src/mesh/transform_matrix.ts";
import type { MeshTransform } from "../src/types.ts";

const near = (actual: ArrayLike<number>, expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < 1e-12,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
};

/** The points of `positions` (x, y, z each) through the matrix of `transform`. */
function place(transform: MeshTransform | undefined, positions: number[]) {
  const m = transformMatrix(transform);
  const out: number[] = [];
  for (let i = 0; i < positions.length; i += 3) {
    const [x, y, z] = positions.slice(i, i + 3);
    for (let row = 0; row < 3; row++) {
      const r = 4 * row;
      out.push(m[r] * x + m[r + 1] * y + m[r + 2] * z + m[r + 3]);
    }
  }
  return out;
}

const TRIANGLE = [1, 0, 0, 0, 1, 0, 0, 0, 1];

Deno.test("transform: scale, then rotate, then translate", () => {
  const placed = place({
    scale: { x: 2, y: 3, z: 4 },
    rotate: { axis: { x: 0, y: 0, z: 2 }, degrees: 90 },
    translate: { x: 10, y: 20, z: 30 },
  }, TRIANGLE);
  // (1,0,0)·2 = (2,0,0) → rotated 90° about z = (0,2,0) → (10,22,30); and so on.
  near(placed, [10, 22, 30, 7, 20, 30, 10, 20, 34], "positions");
});

Deno.test("transform: the order matters (translate last)", () => {
  near(
    place({ translate: { x: 1, y: 0, z: 0 }, scale: 2 }, TRIANGLE),
    [3, 0, 0, 1, 2, 0, 1, 0, 2],
    "positions",
  );
});

Deno.test("transform: a rotation about a skew axis keeps the axis and turns the rest", () => {
  // 120° about (1, 1, 1) cycles the coordinate axes: x → y → z → x.
  near(
    place({ rotate: { axis: { x: 3, y: 3, z: 3 }, degrees: 120 } }, [
      ...TRIANGLE,
      1,
      1,
      1,
    ]),
    [0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1],
    "positions",
  );
});

Deno.test("transform: a mirroring scale is a matrix with a negative determinant", () => {
  const m = transformMatrix({ scale: { x: -1, y: 1, z: 1 } });
  // (+ 0 folds −0 into 0: 0 × −1 is −0.)
  assert.deepEqual(m.map((v) => v + 0), [-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
});

Deno.test("transform: absent or empty is the identity", () => {
  const identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
  assert.deepEqual(transformMatrix(undefined), identity);
  assert.deepEqual(transformMatrix({}), identity);
});
