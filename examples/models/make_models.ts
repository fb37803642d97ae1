/**
 * Builds the example glTF models with @gltf-transform/core. The .glb files are committed; run
 * this only to change them:
 *
 * ```sh
 * deno run --allow-read --allow-write=examples/models \
 *   --allow-ffi=./node_modules/.deno/imagescript@1.3.1 --allow-env=IMAGESCRIPT_WASM_SIMD \
 *   examples/models/make_models.ts
 * ```
 *
 * - `textured_box.glb`: a unit box with a 4 × 4 red and blue checker as its base colour.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import * as core from "npm:@gltf-transform/core@4.5.1";
import { loadImagescript } from "../../src/_imagescript.ts";

const here = new URL(".", import.meta.url).pathname;

const doc = new core.Document();
const buffer = doc.createBuffer();
const accessor = (type: core.GLTF.AccessorType, array: core.TypedArray) =>
  doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
const positions: number[] = [],
  normals: number[] = [],
  uvs: number[] = [],
  indices: number[] = [];
// Each face: its normal, and the directions of u and v (v runs down the image).
const faces = [
  [[1, 0, 0], [0, 0, -1], [0, -1, 0]],
  [[-1, 0, 0], [0, 0, 1], [0, -1, 0]],
  [[0, 1, 0], [1, 0, 0], [0, 0, 1]],
  [[0, -1, 0], [1, 0, 0], [0, 0, -1]],
  [[0, 0, 1], [1, 0, 0], [0, -1, 0]],
  [[0, 0, -1], [-1, 0, 0], [0, -1, 0]],
];
for (const [n, u, v] of faces) {
  const base = positions.length / 3;
  for (const [su, sv] of [[0, 0], [1, 0], [1, 1], [0, 1]]) {
    for (let c = 0; c < 3; c++) {
      positions.push(0.5 * n[c] + (su - 0.5) * u[c] + (sv - 0.5) * v[c]);
    }
    normals.push(...n);
    uvs.push(su, sv);
  }
  indices.push(base, base + 3, base + 2, base, base + 2, base + 1);
}
const { Image } = await loadImagescript();
const checker = new Image(4, 4);
for (let y = 0; y < 4; y++) {
  for (let x = 0; x < 4; x++) {
    checker.setPixelAt(
      x + 1,
      y + 1,
      (x + y) % 2 === 0 ? 0xff0000ff : 0x0000ffff,
    );
  }
}
const texture = doc.createTexture("checker").setMimeType("image/png")
  .setImage(new Uint8Array(await checker.encode(9)));
const material = doc.createMaterial("checker").setBaseColorTexture(texture)
  .setRoughnessFactor(0.8).setMetallicFactor(0);
const primitive = doc.createPrimitive()
  .setAttribute("POSITION", accessor("VEC3", new Float32Array(positions)))
  .setAttribute("NORMAL", accessor("VEC3", new Float32Array(normals)))
  .setAttribute("TEXCOORD_0", accessor("VEC2", new Float32Array(uvs)))
  .setIndices(accessor("SCALAR", new Uint16Array(indices)))
  .setMaterial(material);
const mesh = doc.createMesh("box").addPrimitive(primitive);
doc.createScene().addChild(doc.createNode("box").setMesh(mesh));
await Deno.writeFile(
  `${here}textured_box.glb`,
  await new core.NodeIO().writeBinary(doc),
);
