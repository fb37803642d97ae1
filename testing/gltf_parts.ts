/**
 * Parts for glTF files built in code, shared by the tests (`tests/fixtures/gltf.ts`), the glTF
 * benchmark (`bench/_gltf_model.ts`) and the example models' script
 * (`examples/models/make_models.ts`): a PNG from a pixel function and a unit box's arrays.
 *
 * @module
 */

import { loadImagescript } from "../src/_imagescript.ts";

/**
 * A PNG of `width` × `height` with each pixel from `color(x, y)` (RGBA bytes).
 *
 * @param level imagescript's compression level (0 fastest).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { png } from "./gltf_parts.ts";
 * const bytes = await png(2, 2, () => [255, 0, 0, 255]);
 * assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * ```
 */
export async function png(
  width: number,
  height: number,
  color: (x: number, y: number) => readonly number[],
  level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 0,
): Promise<Uint8Array<ArrayBuffer>> {
  const { Image } = await loadImagescript();
  const image = new Image(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = color(x, y);
      image.setPixelAt(
        x + 1,
        y + 1,
        ((r << 24) | (g << 16) | (b << 8) | a) >>> 0,
      );
    }
  }
  return new Uint8Array(await image.encode(level));
}

/** The arrays of a mesh: positions and normals (xyz), uvs (uv), triangle indices. */
export interface BoxArrays {
  /** xyz a vertex. */
  positions: number[];
  /** xyz a vertex, the face's. */
  normals: number[];
  /** uv a vertex: each face maps the whole image, v running down it. */
  uvs: number[];
  /** Three a triangle, counter-clockwise seen from outside. */
  indices: number[];
}

/**
 * A unit box centred on the origin: 24 vertices (4 a face), 12 triangles, face normals, UVs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitBox } from "./gltf_parts.ts";
 * const box = unitBox();
 * assert.equal(box.positions.length, 24 * 3);
 * assert.equal(box.indices.length, 12 * 3);
 * ```
 */
export function unitBox(): BoxArrays {
  const box: BoxArrays = { positions: [], normals: [], uvs: [], indices: [] };
  const faces: [number[], number[], number[]][] = [
    // normal, u axis, v axis (v points down the image, so −up)
    [[1, 0, 0], [0, 0, -1], [0, -1, 0]],
    [[-1, 0, 0], [0, 0, 1], [0, -1, 0]],
    [[0, 1, 0], [1, 0, 0], [0, 0, 1]],
    [[0, -1, 0], [1, 0, 0], [0, 0, -1]],
    [[0, 0, 1], [1, 0, 0], [0, -1, 0]],
    [[0, 0, -1], [-1, 0, 0], [0, -1, 0]],
  ];
  for (const [n, u, v] of faces) {
    const base = box.positions.length / 3;
    for (const [su, sv] of [[0, 0], [1, 0], [1, 1], [0, 1]]) {
      for (let c = 0; c < 3; c++) {
        box.positions.push(
          0.5 * n[c] + (su - 0.5) * u[c] + (sv - 0.5) * v[c],
        );
      }
      box.normals.push(...n);
      box.uvs.push(su, sv);
    }
    // (u, v) is left-handed around n (v down), so 0, 3, 2 is counter-clockwise seen from n.
    box.indices.push(base, base + 3, base + 2, base, base + 2, base + 1);
  }
  return box;
}
