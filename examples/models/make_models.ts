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
 * - `blocks.glb`: one box geometry, stored once, placed 36 times under a turned parent node
 *   as a small town of blocks in four materials (one of them glossy metal).
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

// blocks.glb: the box's accessors shared by four meshes (one material each), 36 placements.
const town = new core.Document();
const townBuffer = town.createBuffer();
const shared = (type: core.GLTF.AccessorType, array: core.TypedArray) =>
  town.createAccessor().setType(type).setArray(array).setBuffer(townBuffer);
const townPositions = shared("VEC3", new Float32Array(positions));
const townNormals = shared("VEC3", new Float32Array(normals));
const townIndices = shared("SCALAR", new Uint16Array(indices));
const colours: [number, number, number, number, number][] = [
  // r, g, b, metallic, roughness
  [0.8, 0.25, 0.15, 0, 0.6],
  [0.9, 0.75, 0.3, 0, 0.5],
  [0.25, 0.45, 0.8, 0, 0.4],
  [0.85, 0.85, 0.88, 1, 0.2],
];
const blocks = colours.map(([r, g, b, metallic, roughness], i) =>
  town.createMesh(`block${i}`).addPrimitive(
    town.createPrimitive()
      .setAttribute("POSITION", townPositions)
      .setAttribute("NORMAL", townNormals)
      .setIndices(townIndices)
      .setMaterial(
        town.createMaterial(`paint${i}`).setBaseColorFactor([r, g, b, 1])
          .setMetallicFactor(metallic).setRoughnessFactor(roughness),
      ),
  )
);
const square = town.createNode("town").setRotation([
  0,
  Math.sin(0.3),
  0,
  Math.cos(0.3),
]);
town.createScene().addChild(square);
for (let i = 0; i < 36; i++) {
  const x = (i % 6) - 2.5, z = Math.floor(i / 6) - 2.5;
  const height = 0.4 + ((i * 7) % 5) * 0.35;
  square.addChild(
    town.createNode(`block${i}`).setMesh(blocks[(i * 5) % 4])
      .setTranslation([x * 1.1, height / 2, z * 1.1])
      .setScale([0.8, height, 0.8]),
  );
}
await Deno.writeFile(
  `${here}blocks.glb`,
  await new core.NodeIO().writeBinary(town),
);
