// Private: one glTF mesh primitive to a triangle list in object space, with normals (flat when
// the file has none, as glTF requires), texture coordinates, colours, and tangents when a
// normal map needs them.

// deno-lint-ignore no-import-prefix
import type * as Core from "npm:@gltf-transform/core@4.5.1";
import { gltfError } from "./_error.ts";
import type { GltfPrimitive } from "./types.ts";

const POINTS_AND_LINES = ["points", "lines", "line loops", "line strips"];

/** What the material asks of the geometry. */
export interface GeometryNeeds {
  /** The normal map's texture coordinate set, or -1 without a normal map. */
  normalMapTexCoord: number;
}

/**
 * `primitive` as triangles, or a warning line when raypool does not render it (points,
 * lines, no positions).
 *
 * @throws {TypeError} An index out of range, naming `source` and the file.
 */
export function convertPrimitive(
  file: string,
  source: string,
  primitive: Core.Primitive,
  material: number,
  needs: GeometryNeeds,
): GltfPrimitive | string {
  const mode = primitive.getMode();
  if (mode < 4) {
    return `glTF file ${JSON.stringify(file)}: ${source}: ${
      POINTS_AND_LINES[mode]
    } are not rendered (only triangles)`;
  }
  const position = primitive.getAttribute("POSITION");
  if (position === null) {
    return `glTF file ${
      JSON.stringify(file)
    }: ${source}: no POSITION attribute; skipped`;
  }
  const count = position.getCount();
  const indexAccessor = primitive.getIndices();
  let elements: Uint32Array;
  if (indexAccessor === null) {
    elements = new Uint32Array(count);
    for (let i = 0; i < count; i++) elements[i] = i;
  } else {
    elements = Uint32Array.from(indexAccessor.getArray() as ArrayLike<number>);
    for (let k = 0; k < elements.length; k++) {
      if (elements[k] >= count) {
        throw gltfError(
          file,
          `${source}.indices`,
          `index ${
            elements[k]
          } (element ${k}) is out of range: the primitive has ${count} vertices`,
        );
      }
    }
  }
  let indices = triangulate(elements, mode);

  let positions = read(position, 3);
  const normalAccessor = primitive.getAttribute("NORMAL");
  const uv0 = primitive.getAttribute("TEXCOORD_0");
  const uv1 = primitive.getAttribute("TEXCOORD_1");
  const color = primitive.getAttribute("COLOR_0");
  const tangent = primitive.getAttribute("TANGENT");
  let uvs0 = uv0 === null ? undefined : read(uv0, 2);
  let uvs1 = uv1 === null ? undefined : read(uv1, 2);
  let colors = color === null ? undefined : readColors(color);
  let tangents = tangent === null ? undefined : read(tangent, 4);
  let normals: Float32Array;
  const flatNormals = normalAccessor === null;
  if (normalAccessor === null) {
    // Flat shading: every triangle gets its own three vertices with the face's normal.
    const split = (values: Float32Array | undefined, size: number) => {
      if (values === undefined) return undefined;
      const out = new Float32Array(indices.length * size);
      for (let k = 0; k < indices.length; k++) {
        const from = indices[k] * size;
        for (let c = 0; c < size; c++) out[k * size + c] = values[from + c];
      }
      return out;
    };
    positions = split(positions, 3)!;
    uvs0 = split(uvs0, 2);
    uvs1 = split(uvs1, 2);
    colors = split(colors, 4);
    tangents = split(tangents, 4);
    indices = new Uint32Array(indices.length);
    for (let k = 0; k < indices.length; k++) indices[k] = k;
    normals = faceNormals(positions);
  } else {
    normals = read(normalAccessor, 3);
    normalize(normals);
  }
  let generatedTangents = false;
  if (tangents === undefined && needs.normalMapTexCoord >= 0) {
    const uvs = needs.normalMapTexCoord === 0
      ? uvs0
      : needs.normalMapTexCoord === 1
      ? uvs1
      : undefined;
    if (uvs !== undefined) {
      tangents = generateTangents(positions, normals, uvs, indices);
      generatedTangents = true;
    }
  }
  return {
    source,
    material,
    positions,
    normals,
    flatNormals,
    uvs0,
    uvs1,
    colors,
    tangents,
    generatedTangents,
    indices,
  };
}

/** Triangle lists, strips and fans as a list, glTF's winding kept. */
function triangulate(elements: Uint32Array, mode: number): Uint32Array {
  if (mode === 4) {
    return elements.length % 3 === 0
      ? elements
      : elements.slice(0, elements.length - (elements.length % 3));
  }
  const triangles = Math.max(0, elements.length - 2);
  const out = new Uint32Array(3 * triangles);
  for (let i = 0; i < triangles; i++) {
    if (mode === 5) {
      // Strips: every other triangle swaps its last two vertices to keep the winding.
      out[3 * i] = elements[i];
      out[3 * i + 1] = elements[i + 1 + (i % 2)];
      out[3 * i + 2] = elements[i + 2 - (i % 2)];
    } else {
      out[3 * i] = elements[i + 1];
      out[3 * i + 1] = elements[i + 2];
      out[3 * i + 2] = elements[0];
    }
  }
  return out;
}

/** An accessor's elements as floats, normalized integers mapped to [0, 1] or [−1, 1]. */
function read(accessor: Core.Accessor, size: number): Float32Array {
  const count = accessor.getCount();
  const have = accessor.getElementSize();
  const array = accessor.getArray();
  if (array instanceof Float32Array && have === size) {
    return new Float32Array(array.subarray(0, count * size));
  }
  const out = new Float32Array(count * size);
  const element: number[] = [];
  for (let i = 0; i < count; i++) {
    accessor.getElement(i, element);
    for (let c = 0; c < size; c++) out[i * size + c] = element[c] ?? 0;
  }
  return out;
}

/** `COLOR_0` as RGBA (vec3 colours opaque). */
function readColors(accessor: Core.Accessor): Float32Array {
  const out = read(accessor, 4);
  if (accessor.getElementSize() === 3) {
    for (let i = 3; i < out.length; i += 4) out[i] = 1;
  }
  return out;
}

function normalize(vectors: Float32Array): void {
  for (let i = 0; i < vectors.length; i += 3) {
    const length = Math.hypot(vectors[i], vectors[i + 1], vectors[i + 2]);
    if (length > 0) {
      vectors[i] /= length;
      vectors[i + 1] /= length;
      vectors[i + 2] /= length;
    }
  }
}

/** Normals of split triangles (vertices 3t, 3t+1, 3t+2): each its face's. */
function faceNormals(p: Float32Array): Float32Array {
  const out = new Float32Array(p.length);
  for (let a = 0; a < p.length; a += 9) {
    const ux = p[a + 3] - p[a],
      uy = p[a + 4] - p[a + 1],
      uz = p[a + 5] - p[a + 2];
    const vx = p[a + 6] - p[a],
      vy = p[a + 7] - p[a + 1],
      vz = p[a + 8] - p[a + 2];
    const nx = uy * vz - uz * vy,
      ny = uz * vx - ux * vz,
      nz = ux * vy - uy * vx;
    const length = Math.hypot(nx, ny, nz);
    if (!(length > 0)) continue; // a degenerate triangle keeps (0, 0, 0): the core uses its face
    for (let k = 0; k < 9; k += 3) {
      out[a + k] = nx / length;
      out[a + k + 1] = ny / length;
      out[a + k + 2] = nz / length;
    }
  }
  return out;
}

/**
 * Tangents from texture coordinates (Lengyel's method: each triangle's ∂p/∂u and ∂p/∂v summed
 * per vertex), made orthogonal to the normal. w is the handedness such that
 * `cross(normal, tangent) * w` points to decreasing v — up in the image, glTF's +Y of a normal
 * map — as in the glTF sample viewer and Blender's exporter.
 */
export function generateTangents(
  p: Float32Array,
  n: Float32Array,
  uv: Float32Array,
  indices: Uint32Array,
): Float32Array {
  const count = p.length / 3;
  const sumT = new Float64Array(3 * count);
  const sumB = new Float64Array(3 * count);
  for (let k = 0; k < indices.length; k += 3) {
    const a = indices[k], b = indices[k + 1], c = indices[k + 2];
    const e1x = p[3 * b] - p[3 * a],
      e1y = p[3 * b + 1] - p[3 * a + 1],
      e1z = p[3 * b + 2] - p[3 * a + 2];
    const e2x = p[3 * c] - p[3 * a],
      e2y = p[3 * c + 1] - p[3 * a + 1],
      e2z = p[3 * c + 2] - p[3 * a + 2];
    const du1 = uv[2 * b] - uv[2 * a], dv1 = uv[2 * b + 1] - uv[2 * a + 1];
    const du2 = uv[2 * c] - uv[2 * a], dv2 = uv[2 * c + 1] - uv[2 * a + 1];
    const det = du1 * dv2 - du2 * dv1;
    if (!(Math.abs(det) > 1e-20)) continue;
    const r = 1 / det;
    const tx = (e1x * dv2 - e2x * dv1) * r,
      ty = (e1y * dv2 - e2y * dv1) * r,
      tz = (e1z * dv2 - e2z * dv1) * r;
    const bx = (e2x * du1 - e1x * du2) * r,
      by = (e2y * du1 - e1y * du2) * r,
      bz = (e2z * du1 - e1z * du2) * r;
    for (const v of [a, b, c]) {
      sumT[3 * v] += tx;
      sumT[3 * v + 1] += ty;
      sumT[3 * v + 2] += tz;
      sumB[3 * v] += bx;
      sumB[3 * v + 1] += by;
      sumB[3 * v + 2] += bz;
    }
  }
  const out = new Float32Array(4 * count);
  for (let v = 0; v < count; v++) {
    const nx = n[3 * v], ny = n[3 * v + 1], nz = n[3 * v + 2];
    let tx = sumT[3 * v], ty = sumT[3 * v + 1], tz = sumT[3 * v + 2];
    const d = nx * tx + ny * ty + nz * tz;
    tx -= nx * d;
    ty -= ny * d;
    tz -= nz * d;
    let length = Math.hypot(tx, ty, tz);
    if (!(length > 1e-20)) {
      // No usable texture direction: any unit vector perpendicular to the normal.
      [tx, ty, tz] = Math.abs(nx) < 0.9 ? [0, -nz, ny] : [nz, 0, -nx];
      length = Math.hypot(tx, ty, tz) || 1;
    }
    tx /= length;
    ty /= length;
    tz /= length;
    // cross(n, t) · ∂p/∂v > 0 means cross(n, t) points to increasing v: flip it.
    const cx = ny * tz - nz * ty,
      cy = nz * tx - nx * tz,
      cz = nx * ty - ny * tx;
    const side = cx * sumB[3 * v] + cy * sumB[3 * v + 1] + cz * sumB[3 * v + 2];
    out[4 * v] = tx;
    out[4 * v + 1] = ty;
    out[4 * v + 2] = tz;
    out[4 * v + 3] = side > 0 ? -1 : 1;
  }
  return out;
}
