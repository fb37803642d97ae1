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
import { png, unitBox } from "../../testing/gltf_parts.ts";

const here = new URL(".", import.meta.url).pathname;

const doc = new core.Document();
const buffer = doc.createBuffer();
const accessor = (type: core.GLTF.AccessorType, array: core.TypedArray) =>
  doc.createAccessor().setType(type).setArray(array).setBuffer(buffer);
const { positions, normals, uvs, indices } = unitBox();
const checker = await png(
  4,
  4,
  (x, y) => (x + y) % 2 === 0 ? [255, 0, 0, 255] : [0, 0, 255, 255],
  9,
);
const texture = doc.createTexture("checker").setMimeType("image/png")
  .setImage(checker);
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
