import type { MeshData, MeshTransform } from "../types.ts";

/**
 * Applies `transform` to a mesh (scale, then rotate, then translate), giving a new mesh.
 * Normals go through the inverse transpose (so they stay perpendicular under non-uniform
 * scaling) and are normalised; a mirroring scale (an odd number of negative factors) also
 * reverses each triangle's winding, so the front side stays the front side.
 *
 * @param mesh The mesh as parsed.
 * @param transform The parts to apply; the values are assumed validated (finite, non-zero
 * scale factors, a non-zero axis).
 * @returns A new mesh; `mesh` is not changed.
 *
 * @example Usage
 * ```ts
 * import { transformMesh } from "./transform_mesh.ts";
 * import assert from "node:assert/strict";
 *
 * const moved = transformMesh(
 *   { positions: new Float64Array([1, 0, 0]), indices: new Uint32Array(), degenerate: 0 },
 *   { scale: 2, rotate: { axis: { x: 0, y: 0, z: 1 }, degrees: 90 }, translate: { x: 0, y: 0, z: -5 } },
 * );
 * assert.deepEqual([...moved.positions].map((v) => Math.round(v * 1e9) / 1e9), [0, 2, -5]);
 * ```
 */
export function transformMesh(
  mesh: MeshData,
  transform: MeshTransform,
): MeshData {
  const s = transform.scale ?? 1;
  const [sx, sy, sz] = typeof s === "number" ? [s, s, s] : [s.x, s.y, s.z];
  const r = rotation(transform.rotate);
  const t = transform.translate ?? { x: 0, y: 0, z: 0 };
  const p = mesh.positions;
  const positions = new Float64Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    const x = p[i] * sx, y = p[i + 1] * sy, z = p[i + 2] * sz;
    positions[i] = r[0] * x + r[1] * y + r[2] * z + t.x;
    positions[i + 1] = r[3] * x + r[4] * y + r[5] * z + t.y;
    positions[i + 2] = r[6] * x + r[7] * y + r[8] * z + t.z;
  }
  const out: MeshData = {
    positions,
    indices: mesh.indices,
    degenerate: mesh.degenerate,
  };
  if (mesh.uvs) out.uvs = mesh.uvs;
  if (mesh.normals) {
    const n = mesh.normals;
    const normals = new Float32Array(n.length);
    for (let i = 0; i < n.length; i += 3) {
      const x = n[i] / sx, y = n[i + 1] / sy, z = n[i + 2] / sz;
      const rx = r[0] * x + r[1] * y + r[2] * z;
      const ry = r[3] * x + r[4] * y + r[5] * z;
      const rz = r[6] * x + r[7] * y + r[8] * z;
      const length = Math.hypot(rx, ry, rz);
      const k = length > 0 ? 1 / length : 0;
      normals[i] = rx * k;
      normals[i + 1] = ry * k;
      normals[i + 2] = rz * k;
    }
    out.normals = normals;
  }
  if (sx * sy * sz < 0) {
    const indices = new Uint32Array(mesh.indices);
    for (let i = 0; i < indices.length; i += 3) {
      const b = indices[i + 1];
      indices[i + 1] = indices[i + 2];
      indices[i + 2] = b;
    }
    out.indices = indices;
  }
  return out;
}

/** The row-major rotation matrix about a unit axis (Rodrigues' formula). */
function rotation(rotate: MeshTransform["rotate"]): number[] {
  if (rotate === undefined) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const length = Math.hypot(rotate.axis.x, rotate.axis.y, rotate.axis.z);
  const x = rotate.axis.x / length;
  const y = rotate.axis.y / length;
  const z = rotate.axis.z / length;
  const angle = rotate.degrees * Math.PI / 180;
  const c = Math.cos(angle), s = Math.sin(angle), k = 1 - c;
  return [
    c + x * x * k,
    x * y * k - z * s,
    x * z * k + y * s,
    y * x * k + z * s,
    c + y * y * k,
    y * z * k - x * s,
    z * x * k - y * s,
    z * y * k + x * s,
    c + z * z * k,
  ];
}
