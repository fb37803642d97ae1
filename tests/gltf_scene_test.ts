// glTF models in scenes: the Gltf element (validation, the asset loader, packing as mesh
// objects once plus instances and PBR material records) and loadGltf/loadScene of a .glb.

import assert from "node:assert/strict";
import {
  frameBounds,
  gltf,
  loadGltf,
  loadScene,
  prepareScene,
  scene,
} from "../mod.ts";
import { packScene } from "../src/render/packed_scene.ts";
import {
  accessor,
  boxPrimitive,
  core,
  ext,
  oneMesh,
  texturedBox,
  writeGlb,
} from "./fixtures/gltf.ts";

await Deno.mkdir("out", { recursive: true });
const tmp = await Deno.makeTempDir({ dir: "out", prefix: "gltf_scene_" });

/** The header counts of a packed scene and where its sections start. */
function layout(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const counts = {
    textures: u32(28),
    materials: u32(32),
    meshes: u32(36),
    elements: u32(40),
    lights: u32(44),
  };
  let at = 128;
  const textures: { width: number; height: number; format: number }[] = [];
  for (let i = 0; i < counts.textures; i++) {
    const width = u32(at), height = u32(at + 4);
    textures.push({ width, height, format: u32(at + 8) });
    at += 16 + Math.ceil((width * height * 4) / 8) * 8;
  }
  const materials = at;
  return { view, counts, textures, materials };
}

const many = async () => {
  const doc = new core.Document();
  doc.createBuffer();
  const mesh = doc.createMesh("box").addPrimitive(boxPrimitive(doc));
  const root = doc.createScene();
  for (let i = 0; i < 1000; i++) {
    root.addChild(doc.createNode().setMesh(mesh).setTranslation([i, 0, 0]));
  }
  return await writeGlb(doc, `${tmp}/many.glb`);
};

Deno.test("a Gltf element loads through the scene's asset loader; errors start with its JSON path", async () => {
  const path = await writeGlb(await texturedBox(), `${tmp}/box.glb`);
  const description = scene({
    width: 8,
    height: 8,
    elements: [
      gltf({
        path: "box.glb",
        transform: { translate: { x: 0, y: 0, z: -5 } },
      }),
    ],
    lights: [],
  });
  const prepared = await prepareScene(description, { baseDir: tmp });
  const model = prepared.gltf?.get("box.glb");
  assert.ok(model !== undefined);
  assert.equal(model.primitives.length, 1);
  assert.ok(model.files[0].endsWith("/box.glb"));
  assert.equal(path, `${tmp}/box.glb`);
  await Deno.writeTextFile(
    `${tmp}/broken.gltf`,
    '{"asset": {"version": "1.0"}}',
  );
  const broken = scene({
    ...description,
    elements: [gltf({ path: "broken.gltf" })],
  });
  await assert.rejects(prepareScene(broken, { baseDir: tmp }), {
    name: "TypeError",
    message: new RegExp(
      '^elements\\[0\\]\\.Gltf\\.path: glTF file "[^"]*broken\\.gltf": asset\\.version: "1\\.0" is not a glTF 2\\.x version$',
    ),
  });
});

Deno.test("packing: a mesh placed by 1,000 nodes is one mesh object and 1,000 instance records", async () => {
  await many();
  const once = (placements: number) => {
    const model = scene({
      width: 8,
      height: 8,
      elements: [gltf({ path: "many.glb", transform: { scale: 2 } })],
      lights: [],
    });
    return prepareScene(model, { baseDir: tmp }).then((prepared) => {
      // The same model with fewer placements: drop instances from the loaded model.
      const full = prepared.gltf!.get("many.glb")!;
      const fewer = { ...full, instances: full.instances.slice(0, placements) };
      return packScene({ ...prepared, gltf: new Map([["many.glb", fewer]]) });
    });
  };
  const [one, thousand] = [await once(1), await once(1000)];
  assert.equal(thousand.length - one.length, 999 * 112);
  const { view, counts, materials } = layout(thousand);
  assert.deepEqual(counts, {
    textures: 0,
    materials: 1,
    meshes: 1,
    elements: 1000,
    lights: 0,
  });
  // The last instance: mesh 0, smooth (the file has normals), matrix = scale 2 · translate x 999.
  const meshBytes = 16 + 24 * 12 + 24 * 12 + 24 * 8 + 36 * 4; // head, positions, normals, uvs, indices
  const last = materials + 256 + meshBytes + 999 * 112;
  assert.equal(view.getUint32(last, true), 2); // instance
  assert.equal(view.getUint32(last + 8, true), 0); // mesh 0
  assert.equal(view.getUint32(last + 12, true), 1); // smooth
  const matrix = Array.from(
    { length: 12 },
    (_, i) => view.getFloat64(last + 16 + 8 * i, true),
  );
  assert.deepEqual(matrix, [2, 0, 0, 1998, 0, 2, 0, 0, 0, 0, 2, 0]);
});

Deno.test("packing: a glTF material is a PBR record with its textures, samplers and transforms", async () => {
  const doc = await texturedBox();
  const material = doc.getRoot().listMaterials()[0];
  material.setDoubleSided(false).setAlphaMode("MASK").setAlphaCutoff(0.25)
    .setEmissiveFactor([0.5, 0.25, 1]).setNormalTexture(
      material.getBaseColorTexture(),
    )
    .setNormalScale(0.75);
  material.setExtension(
    "KHR_materials_emissive_strength",
    doc.createExtension(ext.KHRMaterialsEmissiveStrength)
      .createEmissiveStrength()
      .setEmissiveStrength(4),
  );
  const transform = doc.createExtension(ext.KHRTextureTransform)
    .createTransform()
    .setOffset([0.5, 0.25]).setRotation(1).setScale([2, 3]);
  material.getBaseColorTextureInfo()!.setExtension(
    "KHR_texture_transform",
    transform,
  );
  await writeGlb(doc, `${tmp}/pbr.glb`);
  const prepared = await prepareScene(
    scene({
      width: 8,
      height: 8,
      elements: [gltf({ path: "pbr.glb" })],
      lights: [],
    }),
    { baseDir: tmp },
  );
  const bytes = packScene(prepared);
  const { view, counts, textures, materials: m } = layout(bytes);
  // One image used as base colour (sRGB, format 0) and as normal map (linear, format 1).
  assert.equal(counts.textures, 2);
  assert.deepEqual(textures, [
    { width: 4, height: 4, format: 0 },
    { width: 4, height: 4, format: 1 },
  ]);
  const u32 = (at: number) => view.getUint32(m + at, true);
  const f32 = (at: number) => view.getFloat32(m + at, true);
  assert.equal(u32(0), 0); // a colour,
  assert.equal(u32(4), 3); // pbr
  // The factor's colour as the coloration, albedo 1, the factor's alpha in the factor.
  assert.deepEqual([f32(8), f32(12), f32(16), f32(24)], [1, 0.5, 0.25, 1]);
  assert.equal(u32(36), 1); // single-sided, lit
  assert.equal(u32(40), 1); // mask
  assert.equal(f32(44), 0.25);
  assert.deepEqual([f32(48), f32(52), f32(56), f32(60)], [1, 1, 1, 1]);
  assert.deepEqual([f32(64), f32(68)], [0.25, 0.75]); // metallic, roughness
  assert.deepEqual([f32(72), f32(76), f32(80), f32(84)], [0.5, 0.25, 1, 4]); // emission, strength
  assert.deepEqual([f32(88), f32(92), f32(96)], [0, 1.5, 0.75]); // transmission, ior, normal scale
  // Base colour: texture 0, clamp u (1) and mirrored v (2 << 2), nearest; the transform.
  assert.deepEqual([u32(104), u32(108), u32(112)], [0, 0, 1 | (2 << 2)]);
  assert.deepEqual([f32(116), f32(120), f32(124), f32(128), f32(132)], [
    0.5,
    0.25,
    1,
    2,
    3,
  ]);
  assert.equal(u32(136), 0xffff_ffff); // no metallic-roughness texture
  assert.equal(u32(168), 1); // the normal map: the linear copy
  assert.equal(u32(200), 0xffff_ffff); // no emissive texture
});

Deno.test("loadGltf: the model's first camera, or a framing one; path traced under the default environment with its lights", async () => {
  const { doc } = oneMesh(boxPrimitive);
  const path = await writeGlb(doc, `${tmp}/plain.glb`);
  const plain = await loadGltf(path, { width: 64, height: 48 });
  const d = plain.description;
  assert.deepEqual(d.elements, [{ Gltf: { path } }]);
  assert.equal(d.width, 64);
  assert.equal(d.height, 48);
  assert.equal(d.fov, 40);
  assert.deepEqual(
    d.camera,
    frameBounds({ min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5] }, 64 / 48)
      .camera,
  );
  // Every corner of the box is inside the 40° × (40° · 4/3) view, and one nearly touches
  // its edge (the 5% margin): the framing is tight.
  const eye = d.camera!.position, at = d.camera!.look_at;
  const forward = normalize([at.x - eye.x, at.y - eye.y, at.z - eye.z]);
  const right = normalize(cross(forward, [0, 1, 0]));
  const up = cross(right, forward);
  const tan = Math.tan((20 * Math.PI) / 180);
  let widest = 0;
  for (let corner = 0; corner < 8; corner++) {
    const p = [0, 1, 2].map((c) => ((corner >> c) & 1 ? 0.5 : -0.5));
    const v = [p[0] - eye.x, p[1] - eye.y, p[2] - eye.z];
    const depth = dot(v, forward);
    const x = dot(v, right) / (depth * tan * (64 / 48));
    const y = dot(v, up) / (depth * tan);
    assert.ok(
      Math.abs(x) <= 1 && Math.abs(y) <= 1,
      `corner ${corner}: ${x}, ${y}`,
    );
    widest = Math.max(widest, Math.abs(x), Math.abs(y));
  }
  assert.ok(
    widest > 0.94,
    `the widest corner is at ${widest} of the half-view`,
  );
  // No lights in the file: the uniform white environment alone, path traced.
  assert.deepEqual(d.lights, []);
  assert.deepEqual(d.integrator, { Path: { max_bounces: 8 } });
  assert.deepEqual(d.environment, { Color: { red: 1, green: 1, blue: 1 } });
  assert.equal(d.tone_mapping, "Neutral");
  assert.equal(d.samples, 16);
  assert.equal((await loadGltf(path, { samples: 3 })).description.samples, 3);

  const s = Math.SQRT1_2;
  const scene = doc.getRoot().listScenes()[0];
  scene.addChild(
    doc.createNode("eye").setTranslation([0, 0, 5]).setCamera(
      doc.createCamera("eye").setType("perspective").setYFov(Math.PI / 3)
        .setZNear(0.1),
    ),
  );
  scene.addChild(
    doc.createNode("side").setTranslation([5, 0, 0]).setRotation([0, s, 0, s])
      .setCamera(
        doc.createCamera("side").setType("perspective").setYFov(Math.PI / 4)
          .setZNear(0.1),
      ),
  );
  const lights = doc.createExtension(ext.KHRLightsPunctual);
  scene.addChild(
    doc.createNode("bulb").setTranslation([0, 2, 0]).setExtension(
      "KHR_lights_punctual",
      lights.createLight().setType("point").setIntensity(10).setColor([
        1,
        0.5,
        0.5,
      ]),
    ),
  );
  await writeGlb(doc, `${tmp}/rig.glb`);
  const rig = await loadGltf(`${tmp}/rig.glb`);
  assert.ok(Math.abs(rig.description.fov - 60) < 1e-9);
  assert.deepEqual(rig.description.camera!.position, { x: 0, y: 0, z: 5 });
  assert.deepEqual(rig.description.camera!.look_at, { x: 0, y: 0, z: 4 });
  assert.deepEqual(rig.description.lights, [{
    Spherical: {
      position: { x: 0, y: 2, z: 0 },
      color: { red: 1, green: 0.5, blue: 0.5 },
      intensity: 40 * Math.PI,
    },
  }]);
  const side = await loadGltf(`${tmp}/rig.glb`, { camera: 1 });
  const look = side.description.camera!.look_at;
  // Turned 90° about y, −z becomes −x: it looks from (5, 0, 0) towards the origin.
  assert.ok(
    Math.abs(look.x - 4) < 1e-9 && Math.abs(look.y) < 1e-9 &&
      Math.abs(look.z) < 1e-9,
  );
  await assert.rejects(loadGltf(`${tmp}/rig.glb`, { camera: 2 }), {
    name: "RangeError",
    message: `glTF file "${tmp}/rig.glb" has 2 cameras; there is no camera 2`,
  });
  // loadScene of a .glb is loadGltf with its defaults.
  const viaLoadScene = await loadScene(`${tmp}/rig.glb`);
  assert.deepEqual(
    viaLoadScene.description,
    (await loadGltf(`${tmp}/rig.glb`)).description,
  );
  assert.equal(viaLoadScene.description.width, 512);
});

Deno.test("scene identity: the same loaded model is the same scene; a reload is another", async () => {
  const { sameScene, sceneIdentity } = await import(
    "../src/render/scene_identity.ts"
  );
  const path = await writeGlb(await texturedBox(), `${tmp}/identity.glb`);
  const a = await loadGltf(path);
  assert.ok(sameScene(sceneIdentity(a), sceneIdentity({ ...a })));
  assert.ok(!sameScene(sceneIdentity(a), sceneIdentity(await loadGltf(path))));
  // The view is not part of the packed scene; the element's transform is.
  const moved = {
    ...a,
    description: {
      ...a.description,
      elements: [{ Gltf: { path, transform: { scale: 2 } } }],
    },
  };
  assert.ok(!sameScene(sceneIdentity(a), sceneIdentity(moved)));
});

Deno.test("--watch watches a model's .gltf, its .bin and its images", async () => {
  const { filesUsedBy } = await import("../src/cli/watch.ts");
  const { writeGltf } = await import("./fixtures/gltf.ts");
  const dir = await Deno.makeTempDir({ dir: tmp });
  const { path } = await writeGltf(await texturedBox(), dir, "watched");
  const scene = await loadScene(path);
  const files = filesUsedBy(path, scene).map((file) =>
    file.slice(file.lastIndexOf("/") + 1)
  );
  assert.deepEqual(files.sort(), [
    "checker.png",
    "watched.bin",
    "watched.gltf",
  ]);
});

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: number[], b: number[]): number[] {
  return [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
}

function normalize(v: number[]): number[] {
  const length = Math.hypot(v[0], v[1], v[2]);
  return v.map((c) => c / length);
}

Deno.test("a glTF mesh placed by 1,000 nodes costs a worker its memory once", async () => {
  const { planRender } = await import("../src/render/plan.ts");
  const { Renderer, renderPlanned } = await import("../src/render/renderer.ts");
  // A 300 × 300 grid: 180,000 triangles, about 3.2 MB of positions and indices.
  const side = 300;
  const positions: number[] = [], indices: number[] = [];
  for (let y = 0; y <= side; y++) {
    for (let x = 0; x <= side; x++) {
      positions.push(x / side, y / side, Math.sin(x + y) / side);
    }
  }
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const a = y * (side + 1) + x;
      indices.push(a, a + 1, a + side + 1, a + 1, a + side + 2, a + side + 1);
    }
  }
  const write = async (placements: number) => {
    const doc = new core.Document();
    doc.createBuffer();
    const grid = doc.createMesh().addPrimitive(
      doc.createPrimitive()
        .setAttribute(
          "POSITION",
          accessor(doc, "VEC3", new Float32Array(positions)),
        )
        .setIndices(accessor(doc, "SCALAR", new Uint32Array(indices))),
    );
    const root = doc.createScene();
    for (let i = 0; i < placements; i++) {
      root.addChild(
        doc.createNode().setMesh(grid).setTranslation([
          i % 40,
          Math.floor(i / 40),
          -50,
        ]),
      );
    }
    return await writeGlb(doc, `${tmp}/grid${placements}.glb`);
  };
  const memory = async (path: string) => {
    const scene = await loadGltf(path, { width: 8, height: 8 });
    await using renderer = new Renderer({ workers: 1 });
    let bytes = 0;
    await renderPlanned(renderer, planRender(scene, {}, 1), {
      onSceneBuilt: (_ms, size) => bytes = size,
    });
    assert.ok(bytes > 0, "the worker reported its memory");
    return bytes;
  };
  const meshBytes = (side + 1) ** 2 * 12 + 2 * side * side * 12;
  const once = await memory(await write(1));
  const thousand = await memory(await write(1000));
  // 999 more placements cost far less than one more copy of the mesh would (999 copies would
  // be 999 times it): the records and the top-level tree only.
  assert.ok(
    thousand - once < meshBytes / 2,
    `999 more placements took ${
      thousand - once
    } bytes, the mesh is ${meshBytes}`,
  );
});
