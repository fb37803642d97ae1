// Mesh transforms (scale, rotate, translate, in that order) and smooth vertex normals.

import assert from "node:assert/strict";
import { transformMesh } from "../src/mesh/transform_mesh.ts";
import { vertexNormals } from "../src/mesh/vertex_normals.ts";
import type { MeshData } from "../src/types.ts";

const near = (actual: ArrayLike<number>, expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < 1e-6,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
};

const triangle = (): MeshData => ({
  positions: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  normals: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]),
  uvs: new Float32Array([0, 0, 1, 0, 0, 1]),
  indices: new Uint32Array([0, 1, 2]),
  degenerate: 0,
});

Deno.test("transform: scale, then rotate, then translate", () => {
  const m = transformMesh(triangle(), {
    scale: { x: 2, y: 3, z: 4 },
    rotate: { axis: { x: 0, y: 0, z: 2 }, degrees: 90 },
    translate: { x: 10, y: 20, z: 30 },
  });
  // (1,0,0)·2 = (2,0,0) → rotated 90° about z = (0,2,0) → (10,22,30); and so on.
  near(m.positions, [10, 22, 30, 7, 20, 30, 10, 20, 34], "positions");
  // Normals turn with the rotation and stay unit length; scaling does not stretch them.
  near(m.normals!, [0, 1, 0, -1, 0, 0, 0, 0, 1], "normals");
  assert.deepEqual(m.uvs, triangle().uvs);
  assert.deepEqual([...m.indices], [0, 1, 2]);
});

Deno.test("transform: the order matters (translate last)", () => {
  const m = transformMesh(triangle(), {
    translate: { x: 1, y: 0, z: 0 },
    scale: 2,
  });
  near(m.positions, [3, 0, 0, 1, 2, 0, 1, 0, 2], "positions");
});

Deno.test("transform: normals follow the inverse transpose under non-uniform scale", () => {
  // A slanted face x + y = 1: scaling x by 2 gives x/2 + y = 1, normal ∝ (1/2, 1, 0).
  const m = transformMesh({
    positions: new Float64Array([1, 0, 0, 0, 1, 0, 0, 1, 1]),
    normals: new Float32Array([
      Math.SQRT1_2,
      Math.SQRT1_2,
      0,
      Math.SQRT1_2,
      Math.SQRT1_2,
      0,
      Math.SQRT1_2,
      Math.SQRT1_2,
      0,
    ]),
    indices: new Uint32Array([0, 1, 2]),
    degenerate: 0,
  }, { scale: { x: 2, y: 1, z: 1 } });
  const k = 1 / Math.hypot(0.5, 1);
  near(m.normals!.subarray(0, 3), [0.5 * k, k, 0], "normal");
});

Deno.test("transform: a mirroring scale reverses the winding so the front stays in front", () => {
  const mirrored = transformMesh(triangle(), { scale: { x: -1, y: 1, z: 1 } });
  assert.deepEqual([...mirrored.indices], [0, 2, 1]);
  const twice = transformMesh(triangle(), { scale: { x: -1, y: -1, z: 1 } });
  assert.deepEqual([...twice.indices], [0, 1, 2]);
  // The face normal from the new winding agrees with the transformed vertex normals.
  const n = vertexNormals(mirrored.positions, mirrored.indices);
  const expected = 1 / Math.sqrt(3);
  near(n.subarray(0, 3), [-expected, expected, expected], "face normal");
});

Deno.test("transform: no parts is the identity", () => {
  const m = transformMesh(triangle(), {});
  assert.deepEqual([...m.positions], [...triangle().positions]);
});

Deno.test("vertex normals: area-weighted, normalised, zero where unused", () => {
  // Two faces meeting at an edge along x: a big one in the xy plane, a small one in xz.
  const positions = new Float64Array([
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    2,
    0, // big (area 1), normal +z
    0,
    0,
    -0.5, // small with vertices 0, 3, 1 (area 0.25), normal +y
    9,
    9,
    9, // unused
  ]);
  const indices = new Uint32Array([0, 1, 2, 0, 1, 3]);
  const n = vertexNormals(positions, indices);
  // Vertex 0 sums (0,0,2) and (0,0.5,0): weighted by area.
  const k = 1 / Math.hypot(2, 0.5);
  near(n.subarray(0, 3), [0, 0.5 * k, 2 * k], "shared vertex");
  near(n.subarray(6, 9), [0, 0, 1], "big face only");
  near(n.subarray(9, 12), [0, 1, 0], "small face only");
  near(n.subarray(12, 15), [0, 0, 0], "unused");
});

Deno.test("vertex normals: vertices split at a seam share one normal", () => {
  // Two faces folded along the x axis, each with its own copy of the shared edge.
  const positions = new Float64Array([
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0, // face in xy, normal +z
    0,
    0,
    0,
    0,
    0,
    -1,
    1,
    0,
    0, // face in xz, its own copies of (0,0,0) and (1,0,0), normal +y
  ]);
  const n = vertexNormals(positions, new Uint32Array([0, 1, 2, 3, 5, 4]));
  const k = Math.SQRT1_2;
  near(n.subarray(0, 3), [0, k, k], "seam vertex, first copy");
  near(n.subarray(9, 12), [0, k, k], "seam vertex, second copy");
  near(n.subarray(15, 18), [0, k, k], "other seam vertex");
  near(n.subarray(6, 9), [0, 0, 1], "off the seam");
  near(n.subarray(12, 15), [0, 1, 0], "off the seam");
});
