// glTF models rendered: the same model as OBJ and as glTF gives the same pixels.

import assert from "node:assert/strict";
import {
  directionalLight,
  gltf,
  material,
  mesh,
  point,
  prepareScene,
  Renderer,
  rgb,
  scene,
  vector,
} from "../mod.ts";
import type { Element, Scene } from "../mod.ts";
import {
  accessor,
  checker,
  core,
  oneMesh,
  png,
  writeGlb,
} from "./fixtures/gltf.ts";

await Deno.mkdir("out", { recursive: true });
const tmp = await Deno.makeTempDir({ dir: "out", prefix: "gltf_render_" });

/** A closed smooth shape: a torus of `rings × sides` quads with its vertex normals. */
function torus(rings: number, sides: number) {
  const positions: number[] = [],
    normals: number[] = [],
    indices: number[] = [];
  for (let i = 0; i < rings; i++) {
    const a = (2 * Math.PI * i) / rings;
    for (let j = 0; j < sides; j++) {
      const b = (2 * Math.PI * j) / sides;
      const n = [
        Math.cos(a) * Math.cos(b),
        Math.sin(b),
        Math.sin(a) * Math.cos(b),
      ];
      positions.push(
        Math.cos(a) + 0.4 * n[0],
        0.4 * n[1],
        Math.sin(a) + 0.4 * n[2],
      );
      normals.push(...n);
    }
  }
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < sides; j++) {
      const v = (ii: number, jj: number) =>
        ((ii % rings) * sides) + (jj % sides);
      indices.push(
        v(i, j),
        v(i, j + 1),
        v(i + 1, j),
        v(i + 1, j),
        v(i, j + 1),
        v(i + 1, j + 1),
      );
    }
  }
  // Positions as the f32 both files store.
  return {
    positions: [...new Float32Array(positions)],
    normals: [...new Float32Array(normals)],
    indices,
  };
}

async function renderBoth(a: Scene, b: Scene) {
  await using renderer = new Renderer({ workers: 2 });
  return [await renderer.render(a), await renderer.render(b)];
}

const view = {
  width: 64,
  height: 48,
  fov: 50,
  camera: {
    position: point(0, 1.5, 3.5),
    look_at: point(0, 0, 0),
    up: vector(0, 1, 0),
  },
  lights: [
    directionalLight({
      direction: vector(-0.3, -1, -0.5),
      color: rgb(1, 1, 1),
      intensity: 3,
    }),
  ],
};

Deno.test("cross-format: one model written as OBJ and as glTF renders the same pixels", async () => {
  const { positions, normals, indices } = torus(24, 12);
  const obj = [
    ...Array.from(
      { length: positions.length / 3 },
      (_, v) =>
        `v ${positions[3 * v]} ${positions[3 * v + 1]} ${positions[3 * v + 2]}`,
    ),
    ...Array.from(
      { length: normals.length / 3 },
      (_, v) =>
        `vn ${normals[3 * v]} ${normals[3 * v + 1]} ${normals[3 * v + 2]}`,
    ),
    ...Array.from(
      { length: indices.length / 3 },
      (_, t) =>
        `f ${
          [0, 1, 2].map((k) =>
            `${indices[3 * t + k] + 1}//${indices[3 * t + k] + 1}`
          ).join(" ")
        }`,
    ),
  ].join("\n");
  await Deno.writeTextFile(`${tmp}/torus.obj`, obj);
  const { doc, mesh: gltfMesh } = oneMesh((doc) =>
    doc.createPrimitive()
      .setAttribute(
        "POSITION",
        accessor(doc, "VEC3", new Float32Array(positions)),
      )
      .setAttribute("NORMAL", accessor(doc, "VEC3", new Float32Array(normals)))
      .setIndices(accessor(doc, "SCALAR", new Uint32Array(indices)))
  );
  gltfMesh.listPrimitives()[0].setMaterial(
    doc.createMaterial().setBaseColorFactor([0.8, 0.3, 0.2, 1])
      .setMetallicFactor(0)
      .setRoughnessFactor(1).setDoubleSided(true),
  );
  await writeGlb(doc, `${tmp}/torus.glb`);
  const transform = { rotate: { axis: vector(1, 0, 0), degrees: 20 } };
  const asObj: Element = mesh({
    path: "torus.obj",
    material: material({ color: rgb(0.8, 0.3, 0.2), albedo: 1 }),
    smooth: true,
    transform,
  });
  const asGltf: Element = gltf({ path: "torus.glb", transform });
  const [a, b] = await renderBoth(
    await prepareScene(scene({ ...view, elements: [asObj] }), { baseDir: tmp }),
    await prepareScene(scene({ ...view, elements: [asGltf] }), {
      baseDir: tmp,
    }),
  );
  const lit = a.data.filter((value, i) => i % 4 === 0 && value > 0).length;
  assert.ok(lit > 200, `the torus is visible (${lit} lit pixels)`);
  assert.deepEqual(b.data, a.data);
});

Deno.test("cross-format: a glTF mesh placed by 100 nodes renders as 100 Mesh elements do", async () => {
  const positions = [
    -0.3,
    -0.3,
    0,
    0.3,
    -0.3,
    0,
    0.3,
    0.3,
    0,
    -0.3,
    0.3,
    0,
    0,
    0,
    0.4,
  ];
  const indices = [0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4, 0, 2, 1, 0, 3, 2];
  const doc = new core.Document();
  doc.createBuffer();
  // No normals in the file: flat, as the Mesh elements are.
  const pyramid = doc.createMesh().addPrimitive(
    doc.createPrimitive()
      .setAttribute(
        "POSITION",
        accessor(doc, "VEC3", new Float32Array(positions)),
      )
      .setIndices(accessor(doc, "SCALAR", new Uint16Array(indices)))
      .setMaterial(
        doc.createMaterial().setBaseColorFactor([0.2, 0.7, 0.4, 1])
          .setDoubleSided(true),
      ),
  );
  const root = doc.createScene();
  const places: [number, number, number, number][] = [];
  for (let i = 0; i < 100; i++) {
    const place: [number, number, number, number] = [
      (i % 10) - 4.5,
      Math.floor(i / 10) - 4.5,
      -12 - (i % 3),
      i * 7,
    ];
    places.push(place);
    const [x, y, z, degrees] = place;
    const half = (degrees * Math.PI) / 360;
    root.addChild(
      doc.createNode().setMesh(pyramid).setTranslation([x, y, z])
        .setRotation([0, Math.sin(half), 0, Math.cos(half)]),
    );
  }
  await writeGlb(doc, `${tmp}/pyramids.glb`);
  const look = {
    ...view,
    fov: 60,
    camera: {
      position: point(0, 0, 0),
      look_at: point(0, 0, -1),
      up: vector(0, 1, 0),
    },
  };
  const meshes = places.map(([x, y, z, degrees]) =>
    mesh({
      positions: [...new Float32Array(positions)],
      indices,
      material: material({ color: rgb(0.2, 0.7, 0.4), albedo: 1 }),
      transform: {
        rotate: { axis: vector(0, 1, 0), degrees },
        translate: { x, y, z },
      },
    })
  );
  const [a, b] = await renderBoth(
    await prepareScene(scene({ ...look, elements: meshes })),
    await prepareScene(
      scene({ ...look, elements: [gltf({ path: "pyramids.glb" })] }),
      {
        baseDir: tmp,
      },
    ),
  );
  const lit = a.data.filter((value, i) => i % 4 === 1 && value > 0).length;
  assert.ok(lit > 100, `the pyramids are visible (${lit} lit pixels)`);
  assert.deepEqual(b.data, a.data);
});

Deno.test("cross-format, path traced: a glTF quad with a base-colour texture matches a Mesh with a Texture", async () => {
  const quad = {
    positions: [-1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 1, 0],
    uvs: [0, 1, 1, 1, 1, 0, 0, 0],
    indices: [0, 1, 2, 0, 2, 3],
  };
  const pixels = await png(4, 4, checker);
  await Deno.writeFile(`${tmp}/checker.png`, pixels);
  const { doc, mesh: gltfMesh } = oneMesh((doc) =>
    doc.createPrimitive()
      .setAttribute(
        "POSITION",
        accessor(doc, "VEC3", new Float32Array(quad.positions)),
      )
      .setAttribute(
        "TEXCOORD_0",
        accessor(doc, "VEC2", new Float32Array(quad.uvs)),
      )
      .setIndices(accessor(doc, "SCALAR", new Uint16Array(quad.indices)))
  );
  const texture = doc.createTexture().setMimeType("image/png").setImage(pixels);
  const glossless = doc.createMaterial().setBaseColorTexture(texture)
    .setMetallicFactor(0).setRoughnessFactor(1).setDoubleSided(true);
  // The Texture coloration's lookup is the nearest texel: so is this sampler's.
  glossless.getBaseColorTextureInfo()!.setMagFilter(
    core.TextureInfo.MagFilter.NEAREST,
  )
    .setMinFilter(core.TextureInfo.MinFilter.NEAREST);
  gltfMesh.listPrimitives()[0].setMaterial(glossless);
  await writeGlb(doc, `${tmp}/quad.glb`);
  // The path tracer's fields, which the scene() builder does not take (yet).
  const look = {
    samples: 4,
    integrator: { Path: { max_bounces: 4 } },
    environment: { Color: { red: 1, green: 1, blue: 1 } },
    tone_mapping: "Neutral" as const,
  };
  const studio = (elements: Element[]) => ({
    ...scene({
      width: 48,
      height: 48,
      fov: 60,
      camera: {
        position: point(0, 0, 2),
        look_at: point(0, 0, 0),
        up: vector(0, 1, 0),
      },
      elements,
      lights: [],
    }),
    ...look,
  });
  const asMesh = mesh({
    ...quad,
    material: {
      coloration: { Texture: { path: "checker.png" } },
      albedo: 1,
      surface: { Pbr: { metallic: 0, roughness: 1 } },
    },
  });
  const [a, b] = await renderBoth(
    await prepareScene(studio([asMesh]), { baseDir: tmp }),
    await prepareScene(studio([gltf({ path: "quad.glb" })]), { baseDir: tmp }),
  );
  // The checker shows: red texels and blue texels both, in the middle of the image.
  const at = (
    x: number,
    y: number,
  ) => [...a.data.subarray(4 * (y * 48 + x), 4 * (y * 48 + x) + 3)];
  const colours = [at(18, 18), at(30, 18)];
  assert.ok(
    colours.some(([r, , b]) => r > 2 * b) &&
      colours.some(([r, , b]) => b > 2 * r),
    JSON.stringify(colours),
  );
  assert.deepEqual(b.data, a.data);
});
