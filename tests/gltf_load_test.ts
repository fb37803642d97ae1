// readGltf on files built in code: geometry, instances, materials, images, cameras, lights
// and every supported extension, against values worked out by hand.

import assert from "node:assert/strict";
import { readGltf } from "../src/gltf/read_gltf.ts";
import {
  accessor,
  boxPrimitive,
  checker,
  core,
  ext,
  normalMappedPlane,
  oneMesh,
  png,
  texturedBox,
  writeGlb,
  writeGltf,
} from "./fixtures/gltf.ts";

await Deno.mkdir("out", { recursive: true });
const tmp = await Deno.makeTempDir({ dir: "out", prefix: "gltf_load_" });

function close(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-6,
) {
  assert.equal(actual.length, expected.length, "length");
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `[${i}]: ${actual[i]} is not ${expected[i]} (all: ${Array.from(actual)})`,
    );
  }
}

Deno.test("a textured box (.glb): geometry, material, sampler and the decoded image", async () => {
  const path = await writeGlb(await texturedBox(), `${tmp}/box.glb`);
  const model = await readGltf(path);
  assert.deepEqual(model.warnings, []);
  assert.equal(model.primitives.length, 1);
  const [box] = model.primitives;
  assert.equal(box.source, "meshes[0].primitives[0]");
  assert.equal(box.positions.length, 24 * 3);
  assert.equal(box.indices.length, 36);
  assert.equal(box.flatNormals, false);
  assert.equal(box.uvs0!.length, 48);
  assert.equal(box.tangents, undefined);
  // Every triangle is counter-clockwise seen from outside: its face normal is the vertex normal.
  const p = box.positions;
  for (let t = 0; t < 36; t += 3) {
    const [a, b, c] = [box.indices[t], box.indices[t + 1], box.indices[t + 2]];
    const u = [0, 1, 2].map((k) => p[3 * b + k] - p[3 * a + k]);
    const v = [0, 1, 2].map((k) => p[3 * c + k] - p[3 * a + k]);
    const n = [
      u[1] * v[2] - u[2] * v[1],
      u[2] * v[0] - u[0] * v[2],
      u[0] * v[1] - u[1] * v[0],
    ];
    close(n, [...box.normals.subarray(3 * a, 3 * a + 3)]);
  }
  assert.equal(box.material, 0);
  const material = model.materials[0];
  assert.equal(material.name, "painted");
  close(material.baseColorFactor, [1, 0.5, 0.25, 1]);
  assert.equal(material.metallicFactor, 0.25);
  assert.equal(material.roughnessFactor, 0.75);
  assert.equal(material.alphaMode, "OPAQUE");
  assert.equal(material.doubleSided, false);
  assert.equal(material.ior, 1.5);
  assert.equal(material.transmission, 0);
  assert.equal(material.emissiveStrength, 1);
  assert.equal(material.unlit, false);
  assert.deepEqual(material.baseColorTexture, {
    image: 0,
    texCoord: 0,
    colorSpace: "srgb",
    wrapS: "ClampToEdge",
    wrapT: "MirroredRepeat",
    magFilter: "Nearest",
    minFilter: "Linear",
    transform: undefined,
  });
  assert.equal(model.images.length, 1);
  const image = model.images[0];
  assert.equal(image.mimeType, "image/png");
  assert.equal(image.width, 4);
  assert.equal(image.height, 4);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      assert.deepEqual([
        ...image.data.subarray(4 * (y * 4 + x), 4 * (y * 4 + x) + 4),
      ], checker(x, y));
    }
  }
  assert.equal(model.instances.length, 1);
  close(model.instances[0].matrix, [
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
  ]);
  assert.deepEqual(model.bounds, {
    min: [-0.5, -0.5, -0.5],
    max: [0.5, 0.5, 0.5],
  });
  assert.deepEqual(model.files, [await Deno.realPath(path)]);
});

Deno.test("a .gltf with its .bin and PNG beside it (a URI with %20) reads the same as the .glb", async () => {
  const dir = await Deno.makeTempDir({ dir: tmp });
  const doc = await texturedBox();
  doc.getRoot().listTextures()[0].setURI("the checker.png");
  const { path, json } = await writeGltf(doc, dir, "box");
  // Written percent-encoded, as glTF's URIs are.
  assert.equal(json.images![0].uri, "the checker.png");
  json.images![0].uri = "the%20checker.png";
  await Deno.writeTextFile(path, JSON.stringify(json));
  const model = await readGltf(path);
  const glb = await readGltf(
    await writeGlb(await texturedBox(), `${dir}/box.glb`),
  );
  assert.deepEqual(model.primitives, glb.primitives);
  assert.deepEqual(model.images[0].data, glb.images[0].data);
  assert.equal(model.files.length, 3);
  assert.ok(model.files.some((f) => f.endsWith("/the checker.png")));
  assert.ok(model.files.some((f) => f.endsWith(".bin")));
});

Deno.test("a normal-mapped plane without tangents gets them from its UVs, with the handedness", async () => {
  for (const uSign of [1, -1]) {
    const path = await writeGlb(
      await normalMappedPlane(uSign),
      `${tmp}/plane${uSign}.glb`,
    );
    const model = await readGltf(path);
    const [plane] = model.primitives;
    assert.equal(plane.generatedTangents, true);
    // The bitangent cross(n, t) · w must point up the image (decreasing v): +y here.
    const expected = uSign === 1 ? [1, 0, 0, 1] : [-1, 0, 0, -1];
    close(plane.tangents!, [0, 1, 2, 3].flatMap(() => expected));
    const normal = model.materials[0].normalTexture!;
    assert.equal(normal.colorSpace, "linear");
    assert.equal(model.materials[0].normalScale, 0.5);
  }
});

Deno.test("tangents in the file are kept, and a plane without a normal map gets none", async () => {
  const doc = await normalMappedPlane();
  const primitive = doc.getRoot().listMeshes()[0].listPrimitives()[0];
  primitive.setAttribute(
    "TANGENT",
    accessor(
      doc,
      "VEC4",
      new Float32Array([0, 1, 0, -1, 0, 1, 0, -1, 0, 1, 0, -1, 0, 1, 0, -1]),
    ),
  );
  const model = await readGltf(await writeGlb(doc, `${tmp}/tangents.glb`));
  assert.equal(model.primitives[0].generatedTangents, false);
  close(model.primitives[0].tangents!, [
    0,
    1,
    0,
    -1,
    0,
    1,
    0,
    -1,
    0,
    1,
    0,
    -1,
    0,
    1,
    0,
    -1,
  ]);
  const { doc: plain } = oneMesh(boxPrimitive);
  const box = await readGltf(await writeGlb(plain, `${tmp}/plain.glb`));
  assert.equal(box.primitives[0].tangents, undefined);
  assert.equal(box.primitives[0].material, -1);
});

Deno.test("a mesh placed by 1,000 nodes is stored once, with 1,000 instances", async () => {
  const doc = new core.Document();
  doc.createBuffer();
  const mesh = doc.createMesh("box").addPrimitive(boxPrimitive(doc));
  const scene = doc.createScene();
  for (let i = 0; i < 1000; i++) {
    scene.addChild(
      doc.createNode(`n${i}`).setMesh(mesh).setTranslation([
        i % 10,
        Math.floor(i / 10) % 10,
        Math.floor(i / 100),
      ]),
    );
  }
  const model = await readGltf(await writeGlb(doc, `${tmp}/many.glb`));
  assert.equal(model.primitives.length, 1);
  assert.equal(model.instances.length, 1000);
  for (let i = 0; i < 1000; i++) {
    const { primitive, node, matrix } = model.instances[i];
    assert.equal(primitive, 0);
    assert.equal(node, i);
    close(matrix.subarray(12, 15), [
      i % 10,
      Math.floor(i / 10) % 10,
      Math.floor(i / 100),
    ]);
  }
  assert.deepEqual(model.bounds, {
    min: [-0.5, -0.5, -0.5],
    max: [9.5, 9.5, 9.5],
  });
});

Deno.test("the node hierarchy: a parent's TRS times a child's matrix", async () => {
  const { doc, node } = oneMesh(boxPrimitive);
  const s = Math.SQRT1_2;
  const parent = doc.createNode("parent")
    .setTranslation([1, 2, 3])
    .setRotation([0, 0, s, s]) // 90° about z: x → y, y → −x
    .setScale([2, 2, 2]);
  const scene = doc.getRoot().listScenes()[0];
  scene.removeChild(node);
  scene.addChild(parent);
  parent.addChild(node);
  node.setMatrix([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 0, 0, 1]); // translate x by 5
  const model = await readGltf(await writeGlb(doc, `${tmp}/tree.glb`));
  assert.equal(model.instances.length, 1);
  // World = T(1,2,3) R S(2) T(5,0,0): the child's origin lands at (1, 2 + 10, 3).
  close(model.instances[0].matrix, [
    0,
    2,
    0,
    0,
    -2,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    1,
    12,
    3,
    1,
  ]);
  assert.equal(model.instances[0].node, 0);
  close(model.bounds.min, [0, 11, 2]);
  close(model.bounds.max, [2, 13, 4]);
});

Deno.test("no normals: flat ones, each triangle its own vertices (as glTF requires)", async () => {
  const { doc } = oneMesh((doc) =>
    doc.createPrimitive()
      .setAttribute(
        "POSITION",
        accessor(
          doc,
          "VEC3",
          new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
        ),
      )
      .setIndices(accessor(doc, "SCALAR", new Uint8Array([0, 1, 2, 0, 3, 1])))
  );
  const model = await readGltf(await writeGlb(doc, `${tmp}/flat.glb`));
  const [p] = model.primitives;
  assert.equal(p.flatNormals, true);
  assert.deepEqual([...p.indices], [0, 1, 2, 3, 4, 5]);
  close(p.positions, [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  close(p.normals, [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
});

Deno.test("strips and fans, indexed or not, become lists with glTF's winding", async () => {
  const positions = new Float32Array([
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
    0,
    1,
    1,
    0,
    0,
    2,
    0,
  ]);
  const normals = new Float32Array(15).map((_, i) => (i % 3 === 2 ? 1 : 0));
  const cases: [
    core.GLTF.MeshPrimitiveMode,
    Uint16Array<ArrayBuffer> | undefined,
    number[],
  ][] = [
    [core.Primitive.Mode.TRIANGLE_STRIP, undefined, [
      0,
      1,
      2,
      1,
      3,
      2,
      2,
      3,
      4,
    ]],
    [core.Primitive.Mode.TRIANGLE_FAN, undefined, [1, 2, 0, 2, 3, 0, 3, 4, 0]],
    [core.Primitive.Mode.TRIANGLE_STRIP, new Uint16Array([4, 3, 2, 1]), [
      4,
      3,
      2,
      3,
      1,
      2,
    ]],
    [core.Primitive.Mode.TRIANGLES, new Uint16Array([0, 1, 2, 3]), [0, 1, 2]],
  ];
  for (const [mode, indices, expected] of cases) {
    const { doc } = oneMesh((doc) => {
      const primitive = doc.createPrimitive().setMode(mode)
        .setAttribute("POSITION", accessor(doc, "VEC3", positions))
        .setAttribute("NORMAL", accessor(doc, "VEC3", normals));
      return indices === undefined
        ? primitive
        : primitive.setIndices(accessor(doc, "SCALAR", indices));
    });
    const model = await readGltf(await writeGlb(doc, `${tmp}/mode${mode}.glb`));
    assert.deepEqual(
      [...model.primitives[0].indices],
      expected,
      `mode ${mode}`,
    );
  }
});

Deno.test("points and lines are left out with a warning; the triangles beside them stay", async () => {
  const { doc, mesh } = oneMesh(boxPrimitive);
  mesh.addPrimitive(
    doc.createPrimitive().setMode(core.Primitive.Mode.LINES)
      .setAttribute(
        "POSITION",
        accessor(doc, "VEC3", new Float32Array([0, 0, 0, 1, 1, 1])),
      ),
  );
  const model = await readGltf(await writeGlb(doc, `${tmp}/lines.glb`));
  assert.equal(model.primitives.length, 1);
  assert.equal(model.instances.length, 1);
  assert.deepEqual(model.warnings, [
    `glTF file "${tmp}/lines.glb": meshes[0].primitives[1]: lines are not rendered (only triangles)`,
  ]);
});

Deno.test("KHR_mesh_quantization: normalized integer positions, UVs and colours", async () => {
  const { doc } = oneMesh((doc) =>
    doc.createPrimitive()
      .setAttribute(
        "POSITION",
        accessor(
          doc,
          "VEC3",
          new Int16Array([0, 0, 0, 32767, 0, 0, 0, -32767, 0]),
          true,
        ),
      )
      .setAttribute(
        "NORMAL",
        accessor(
          doc,
          "VEC3",
          new Int8Array([0, 0, 127, 0, 0, 127, 0, 0, 127]),
          true,
        ),
      )
      .setAttribute(
        "TEXCOORD_0",
        accessor(
          doc,
          "VEC2",
          new Uint16Array([0, 0, 65535, 0, 0, 65535]),
          true,
        ),
      )
      .setAttribute(
        "COLOR_0",
        accessor(
          doc,
          "VEC3",
          new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 51]),
          true,
        ),
      )
  );
  doc.createExtension(ext.KHRMeshQuantization).setRequired(true);
  const model = await readGltf(await writeGlb(doc, `${tmp}/quantized.glb`));
  const [p] = model.primitives;
  assert.deepEqual(model.warnings, []);
  close(p.positions, [0, 0, 0, 1, 0, 0, 0, -1, 0]);
  close(p.normals, [0, 0, 1, 0, 0, 1, 0, 0, 1]);
  close(p.uvs0!, [0, 0, 1, 0, 0, 1]);
  close(p.colors!, [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0.2, 1]);
});

Deno.test("materials: every extension raypool reads, alpha modes and texture transforms", async () => {
  const { doc, mesh } = oneMesh(boxPrimitive);
  const image = await png(2, 2, () => [10, 20, 30, 255]);
  const texture = (name: string) =>
    doc.createTexture(name).setMimeType("image/png").setImage(image);
  const emissiveTexture = texture("glow");
  const material = doc.createMaterial("everything")
    .setAlphaMode("MASK").setAlphaCutoff(0.3).setDoubleSided(true)
    .setEmissiveFactor([1, 0.5, 0]).setEmissiveTexture(emissiveTexture)
    .setMetallicRoughnessTexture(texture("mr"));
  const transform = doc.createExtension(ext.KHRTextureTransform)
    .createTransform()
    .setOffset([0.5, 0.25]).setRotation(0.5).setScale([2, 3]).setTexCoord(1);
  material.getEmissiveTextureInfo()!.setExtension(
    "KHR_texture_transform",
    transform,
  );
  material.setExtension(
    "KHR_materials_emissive_strength",
    doc.createExtension(ext.KHRMaterialsEmissiveStrength)
      .createEmissiveStrength().setEmissiveStrength(7),
  );
  material.setExtension(
    "KHR_materials_transmission",
    doc.createExtension(ext.KHRMaterialsTransmission).createTransmission()
      .setTransmissionFactor(0.8)
      .setTransmissionTexture(texture("see-through")),
  );
  material.setExtension(
    "KHR_materials_ior",
    doc.createExtension(ext.KHRMaterialsIOR).createIOR().setIOR(1.33),
  );
  const unlit = doc.createMaterial("flat").setAlphaMode("BLEND");
  unlit.setExtension(
    "KHR_materials_unlit",
    doc.createExtension(ext.KHRMaterialsUnlit).createUnlit(),
  );
  mesh.listPrimitives()[0].setMaterial(material);
  mesh.addPrimitive(boxPrimitive(doc).setMaterial(unlit));
  const model = await readGltf(await writeGlb(doc, `${tmp}/materials.glb`));
  // The renderer maps with TEXCOORD_0 only: a slot using set 1 is named in a warning.
  assert.deepEqual(model.warnings, [
    `glTF file "${tmp}/materials.glb": materials[0].emissiveTexture: texture coordinates 1 are not supported (raypool maps every texture with TEXCOORD_0)`,
  ]);
  const [m, u] = model.materials;
  assert.equal(m.alphaMode, "MASK");
  close([m.alphaCutoff], [0.3]);
  assert.equal(m.doubleSided, true);
  close(m.emissiveFactor, [1, 0.5, 0]);
  assert.equal(m.emissiveStrength, 7);
  close([m.transmission], [0.8]);
  close([m.ior], [1.33]);
  assert.equal(m.unlit, false);
  assert.equal(m.emissiveTexture!.colorSpace, "srgb");
  assert.equal(m.emissiveTexture!.texCoord, 1);
  assert.deepEqual(m.emissiveTexture!.transform, {
    offset: [0.5, 0.25],
    rotation: 0.5,
    scale: [2, 3],
  });
  assert.equal(m.metallicRoughnessTexture!.colorSpace, "linear");
  assert.equal(m.transmissionTexture!.colorSpace, "linear");
  assert.equal(m.metallicRoughnessTexture!.transform, undefined);
  // Three textures share one image's bytes but are three images in the file: three decoded.
  assert.equal(model.images.length, 3);
  assert.deepEqual([...model.images[1].data.subarray(0, 4)], [10, 20, 30, 255]);
  assert.equal(u.unlit, true);
  assert.equal(u.alphaMode, "BLEND");
  assert.deepEqual(model.primitives.map((p) => p.material), [0, 1]);
});

Deno.test("cameras (perspective, orthographic) and KHR_lights_punctual with world transforms", async () => {
  const { doc } = oneMesh(boxPrimitive);
  const scene = doc.getRoot().listScenes()[0];
  const lights = doc.createExtension(ext.KHRLightsPunctual);
  const s = Math.SQRT1_2;
  const rig = doc.createNode("rig").setTranslation([0, 0, 10]);
  scene.addChild(rig);
  const spot = lights.createLight("spot").setType("spot").setColor([
    1,
    0.5,
    0.25,
  ]).setIntensity(40)
    .setRange(100).setInnerConeAngle(0.2).setOuterConeAngle(0.4);
  rig.addChild(
    doc.createNode("spot").setTranslation([1, 0, 0]).setExtension(
      "KHR_lights_punctual",
      spot,
    ),
  );
  const sun = lights.createLight("sun").setType("directional").setIntensity(3);
  // −Z turned 90° about x: (0, 0, −1) → (0, 1, 0)... rotation about x by +90° maps z to −y.
  scene.addChild(
    doc.createNode("sun").setRotation([s, 0, 0, s]).setExtension(
      "KHR_lights_punctual",
      sun,
    ),
  );
  scene.addChild(
    doc.createNode("bulb").setTranslation([0, 3, 0])
      .setExtension(
        "KHR_lights_punctual",
        lights.createLight().setType("point"),
      ),
  );
  const ortho = doc.createCamera("top").setType("orthographic").setXMag(4)
    .setYMag(3).setZNear(0.1).setZFar(50);
  const eye = doc.createCamera("eye").setType("perspective").setYFov(0.8)
    .setAspectRatio(1.5).setZNear(0.05).setZFar(200);
  rig.addChild(doc.createNode("eye").setCamera(eye));
  scene.addChild(doc.createNode("top").setCamera(ortho));
  const model = await readGltf(await writeGlb(doc, `${tmp}/rig.glb`));
  assert.deepEqual(model.warnings, []);
  assert.equal(model.cameras.length, 2);
  const [first, second] = model.cameras;
  assert.ok(first.node < second.node);
  const perspective = model.cameras.find((c) => c.type === "perspective")!;
  assert.ok(perspective.type === "perspective");
  assert.equal(perspective.name, "eye");
  close([perspective.yfov, perspective.aspectRatio!, perspective.znear], [
    0.8,
    1.5,
    0.05,
  ]);
  assert.equal(perspective.zfar, 200);
  close(perspective.matrix.subarray(12, 15), [0, 0, 10]);
  const orthographic = model.cameras.find((c) => c.type === "orthographic")!;
  assert.ok(orthographic.type === "orthographic");
  close([
    orthographic.xmag,
    orthographic.ymag,
    orthographic.znear,
    orthographic.zfar!,
  ], [4, 3, 0.1, 50]);
  assert.equal(model.lights.length, 3);
  const [l0, l1, l2] = model.lights;
  assert.equal(l0.type, "spot");
  assert.equal(l0.name, "spot");
  close(l0.position, [1, 0, 10]);
  close(l0.direction, [0, 0, -1]);
  close(l0.color, [1, 0.5, 0.25]);
  assert.equal(l0.intensity, 40);
  assert.equal(l0.range, 100);
  close([l0.innerConeAngle, l0.outerConeAngle], [0.2, 0.4]);
  assert.equal(l1.type, "directional");
  close(l1.direction, [0, 1, 0]);
  assert.equal(l2.type, "point");
  assert.equal(l2.name, "lights[2]");
  close(l2.position, [0, 3, 0]);
});

Deno.test("KHR_draco_mesh_compression decodes (the decoder loaded only then)", async () => {
  const { doc } = oneMesh(boxPrimitive);
  doc.createExtension(ext.KHRDracoMeshCompression).setRequired(true)
    .setEncoderOptions({
      quantizationBits: { POSITION: 14, NORMAL: 10, TEXCOORD: 12 },
    });
  const path = await writeGlb(doc, `${tmp}/draco.glb`, { draco: true });
  const model = await readGltf(path);
  const plain = await readGltf(
    await writeGlb(oneMesh(boxPrimitive).doc, `${tmp}/undraco.glb`),
  );
  assert.deepEqual(model.warnings, []);
  const [d] = model.primitives;
  assert.equal(d.indices.length, 36);
  // Draco may reorder vertices: compare the triangles' corners as sets of positions.
  const corners = (p: typeof d) =>
    [...p.indices].map((i) =>
      [0, 1, 2].map((c) => Math.round(p.positions[3 * i + c] * 1000) / 1000)
        .join(",")
    ).sort();
  assert.deepEqual(corners(d), corners(plain.primitives[0]));
});

Deno.test("EXT_meshopt_compression decodes", async () => {
  const { doc } = oneMesh(boxPrimitive);
  doc.createExtension(ext.EXTMeshoptCompression).setRequired(true)
    .setEncoderOptions({
      method: ext.EXTMeshoptCompression.EncoderMethod.FILTER,
    });
  const path = await writeGlb(doc, `${tmp}/meshopt.glb`, { meshopt: true });
  const bytes = await Deno.readFile(path);
  assert.ok(
    new TextDecoder().decode(bytes.subarray(0, 2000)).includes(
      "EXT_meshopt_compression",
    ),
  );
  const model = await readGltf(path);
  const plain = await readGltf(
    await writeGlb(oneMesh(boxPrimitive).doc, `${tmp}/unmeshopt.glb`),
  );
  assert.deepEqual(model.warnings, []);
  close(model.primitives[0].positions, plain.primitives[0].positions, 1e-3);
  assert.deepEqual(model.primitives[0].indices, plain.primitives[0].indices);
});

Deno.test("an unsupported extension: one warning naming it; required: an error", async () => {
  const { doc, mesh } = oneMesh(boxPrimitive);
  const clearcoat = doc.createExtension(ext.KHRMaterialsClearcoat);
  const material = doc.createMaterial("coat").setExtension(
    "KHR_materials_clearcoat",
    clearcoat.createClearcoat().setClearcoatFactor(1),
  );
  mesh.listPrimitives()[0].setMaterial(material);
  const path = await writeGlb(doc, `${tmp}/clearcoat.glb`);
  const model = await readGltf(path);
  assert.deepEqual(model.warnings, [
    `glTF file "${path}": extension KHR_materials_clearcoat is not supported by raypool; it is ignored`,
  ]);
  assert.equal(model.primitives.length, 1);
  clearcoat.setRequired(true);
  const required = await writeGlb(doc, `${tmp}/clearcoat_required.glb`);
  await assert.rejects(readGltf(required), {
    name: "TypeError",
    message:
      `glTF file "${required}": extensionsRequired: the file requires extension KHR_materials_clearcoat, which raypool does not support`,
  });
});

Deno.test("an aborted signal rejects with an AbortError", async () => {
  const path = await writeGlb(await texturedBox(), `${tmp}/abort.glb`);
  const controller = new AbortController();
  controller.abort("enough");
  await assert.rejects(readGltf(path, { signal: controller.signal }), {
    name: "AbortError",
  });
  // Aborting while the image decodes (after the file is read) rejects too.
  const late = new AbortController();
  const pending = readGltf(path, { signal: late.signal });
  late.abort("later");
  await assert.rejects(pending, { name: "AbortError" });
});

Deno.test("sparse accessors, and a .gltf with its buffer as a data: URI", async () => {
  const { doc } = oneMesh(boxPrimitive);
  const position = doc.getRoot().listMeshes()[0].listPrimitives()[0]
    .getAttribute("POSITION")!;
  // Most vertices unchanged, one moved: the writer stores that as a sparse accessor.
  const moved = new Float32Array(position.getArray()!);
  moved[0] = 7;
  position.setArray(moved).setSparse(true);
  const dir = await Deno.makeTempDir({ dir: tmp });
  const { path, json } = await writeGltf(doc, dir, "sparse");
  assert.ok(
    json.accessors!.some((a) => a.sparse !== undefined),
    "the writer wrote a sparse accessor",
  );
  const bin = await Deno.readFile(`${dir}/${json.buffers![0].uri}`);
  json.buffers![0].uri = `data:application/octet-stream;base64,${
    btoa(String.fromCharCode(...bin))
  }`;
  await Deno.remove(`${dir}/sparse.bin`);
  await Deno.writeTextFile(path, JSON.stringify(json));
  const model = await readGltf(path);
  assert.equal(model.primitives[0].positions[0], 7);
  close(model.primitives[0].positions.subarray(1), moved.subarray(1));
  assert.deepEqual(model.files, [await Deno.realPath(path)]);
});

Deno.test("a JPEG texture decodes to RGBA8 (its size read from its header first)", async () => {
  const { loadImagescript } = await import("../src/_imagescript.ts");
  const { Image } = await loadImagescript();
  const image = new Image(16, 8);
  image.fill(0x3366ccff);
  const jpeg = new Uint8Array(await image.encodeJPEG(95));
  const { doc, mesh } = oneMesh(boxPrimitive);
  mesh.listPrimitives()[0].setMaterial(
    doc.createMaterial().setBaseColorTexture(
      doc.createTexture().setMimeType("image/jpeg").setImage(jpeg),
    ),
  );
  const model = await readGltf(await writeGlb(doc, `${tmp}/jpeg.glb`));
  const [decoded] = model.images;
  assert.equal(decoded.mimeType, "image/jpeg");
  assert.deepEqual([decoded.width, decoded.height], [16, 8]);
  // Lossy: each channel within a few levels of 0x33, 0x66, 0xcc; alpha opaque.
  close(decoded.data.subarray(0, 4), [0x33, 0x66, 0xcc, 255], 4);
});
