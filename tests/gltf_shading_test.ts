// glTF shading the path tracer honours: normal maps (against the closed form of Lambert with the
// mapped normal), alpha MASK (the background exactly, through the cut-out half) and BLEND (the
// mix in proportion to alpha), vertex colours.

import assert from "node:assert/strict";
import {
  directionalLight,
  gltf,
  point,
  prepareScene,
  Renderer,
  scene,
  vector,
} from "../mod.ts";
import type { Element } from "../mod.ts";
import {
  accessor,
  core,
  ext,
  oneMesh,
  png,
  writeGlb,
} from "./fixtures/gltf.ts";

await Deno.mkdir("out", { recursive: true });
const tmp = await Deno.makeTempDir({ dir: "out", prefix: "gltf_shading_" });

const SIZE = 24;

/** A 4 × 4 plane in z = 0 facing +z, u along x and v along −y, with `colors` per vertex. */
function plane(doc: core.Document, colors?: number[]): core.Primitive {
  const p = doc.createPrimitive()
    .setAttribute(
      "POSITION",
      accessor(
        doc,
        "VEC3",
        new Float32Array([-2, -2, 0, 2, -2, 0, 2, 2, 0, -2, 2, 0]),
      ),
    )
    .setAttribute(
      "NORMAL",
      accessor(
        doc,
        "VEC3",
        new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]),
      ),
    )
    .setAttribute(
      "TEXCOORD_0",
      accessor(doc, "VEC2", new Float32Array([0, 1, 1, 1, 1, 0, 0, 0])),
    )
    .setIndices(accessor(doc, "SCALAR", new Uint16Array([0, 1, 2, 0, 2, 3])));
  if (colors) {
    p.setAttribute("COLOR_0", accessor(doc, "VEC4", new Float32Array(colors)));
  }
  return p;
}

/** Renders the glTF `doc` (written as `name`.glb) alone, path traced, seen head-on. */
async function render(
  doc: core.Document | null,
  name: string,
  look: {
    samples: number;
    environment: [number, number, number];
    light?: { to: [number, number, number]; irradiance: number };
  },
): Promise<Uint8Array> {
  const elements: Element[] = [];
  if (doc) {
    await writeGlb(doc, `${tmp}/${name}.glb`);
    elements.push(gltf({ path: `${name}.glb` }));
  }
  const [red, green, blue] = look.environment;
  const s = {
    ...scene({
      width: SIZE,
      height: SIZE,
      fov: 30,
      camera: {
        position: point(0, 0, 4),
        look_at: point(0, 0, 0),
        up: vector(0, 1, 0),
      },
      elements,
      lights: look.light
        ? [directionalLight({
          direction: vector(...look.light.to),
          color: { red: 1, green: 1, blue: 1 },
          intensity: look.light.irradiance,
        })]
        : [],
    }),
    samples: look.samples,
    integrator: { Path: { max_bounces: 1 } },
    environment: { Color: { red, green, blue } },
    tone_mapping: "Clamp" as const,
  };
  await using renderer = new Renderer({ workers: 2 });
  return (await renderer.render(await prepareScene(s, { baseDir: tmp }))).data;
}

/** The sRGB transfer function, to a byte. */
function srgb(linear: number): number {
  const v = linear <= 0.0031308
    ? 12.92 * linear
    : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** Its inverse, from a byte. */
function linear(byte: number): number {
  const v = byte / 255;
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

/**
 * A Lambertian plane (base colour 0.8, metallic 0, roughness 1, KHR_materials_ior 1: no
 * specular) with a 2 × 2 normal map of `texel` when given, the loader generating tangents.
 */
async function lambertPlane(texel?: [number, number, number]) {
  const { doc, mesh } = oneMesh((doc) => plane(doc));
  const material = doc.createMaterial("lambert")
    .setBaseColorFactor([0.8, 0.8, 0.8, 1]).setMetallicFactor(0)
    .setRoughnessFactor(1);
  material.setExtension(
    "KHR_materials_ior",
    doc.createExtension(ext.KHRMaterialsIOR).createIOR().setIOR(1),
  );
  if (texel) {
    const [r, g, b] = texel;
    material.setNormalTexture(
      doc.createTexture("map").setMimeType("image/png")
        .setImage(await png(2, 2, () => [r, g, b, 255])),
    );
  }
  mesh.listPrimitives()[0].setMaterial(material);
  return doc;
}

Deno.test("a normal map tilts the shading as a tilted plane: Lambert with the mapped normal; a flat map changes nothing", async () => {
  const to: [number, number, number] = [0.3, -0.2, -1];
  const len = Math.hypot(...to);
  const l = to.map((c) => -c / len);
  const look = {
    samples: 1,
    environment: [0, 0, 0] as [number, number, number],
    light: { to, irradiance: 2 },
  };
  const expected = (texel: [number, number, number]) => {
    // glTF: n = 2t − 1 in (tangent = +x here, bitangent = +y: up the image, v down it, n).
    const n = texel.map((c) => 2 * c / 255 - 1);
    const norm = Math.hypot(...n);
    const cos = (n[0] * l[0] + n[1] * l[1] + n[2] * l[2]) / norm;
    return srgb(0.8 / Math.PI * 2 * Math.max(0, cos));
  };
  // Tilted 30° towards +x, then 25° towards −y (green below 128).
  const enc = (v: number) => Math.round((v + 1) / 2 * 255);
  const s30 = Math.sin(Math.PI / 6), c30 = Math.cos(Math.PI / 6);
  const s25 = Math.sin(25 * Math.PI / 180), c25 = Math.cos(25 * Math.PI / 180);
  const none = await render(await lambertPlane(), "none", look);
  for (
    const [name, texel] of [
      ["x", [enc(s30), 128, enc(c30)]],
      ["y", [128, enc(-s25), enc(c25)]],
      ["flat", [128, 128, 255]],
    ] as [string, [number, number, number]][]
  ) {
    const image = await render(await lambertPlane(texel), name, look);
    const want = expected(texel);
    for (let i = 0; i < SIZE * SIZE; i++) {
      for (let c = 0; c < 3; c++) {
        assert.ok(
          Math.abs(image[4 * i + c] - want) <= 1,
          `${name}: pixel ${i} channel ${c} is ${
            image[4 * i + c]
          }, Lambert with the mapped normal gives ${want}`,
        );
      }
    }
    if (name === "flat") {
      // 128 is a hair above 0.5: the flat map is the unmapped plane to within a level.
      for (let i = 0; i < image.length; i++) {
        assert.ok(Math.abs(image[i] - none[i]) <= 1, `flat: byte ${i}`);
      }
    } else {
      assert.ok(Math.abs(image[0] - none[0]) > 5, `${name}: the tilt shows`);
    }
  }
  // The untextured plane is Lambert with its own normal.
  assert.equal(none[0], srgb(0.8 / Math.PI * 2 * l[2]));
});

/** An unlit quad (radiance = base colour) with `mode`, its base colour texture's left half of
 * alpha `left` and right half `right`, and the base colour factor's alpha `factor`. */
async function cutout(
  mode: "MASK" | "BLEND",
  left: number,
  right: number,
  factor = 1,
  colors?: number[],
) {
  const { doc, mesh } = oneMesh((doc) => plane(doc, colors));
  const material = doc.createMaterial("cut").setAlphaMode(mode)
    .setBaseColorFactor([1, 1, 1, factor])
    .setBaseColorTexture(
      doc.createTexture("alpha").setMimeType("image/png")
        .setImage(
          await png(2, 1, (x) => [255, 255, 255, x === 0 ? left : right]),
        ),
    );
  material.getBaseColorTextureInfo()!
    .setMagFilter(core.TextureInfo.MagFilter.NEAREST)
    .setMinFilter(core.TextureInfo.MinFilter.NEAREST);
  material.setExtension(
    "KHR_materials_unlit",
    doc.createExtension(ext.KHRMaterialsUnlit).createUnlit(),
  );
  mesh.listPrimitives()[0].setMaterial(material);
  return doc;
}

Deno.test("alpha MASK: the background exactly through the cut-out half, the surface on the other", async () => {
  const look = {
    samples: 4,
    environment: [0.2, 0.4, 0.6] as [number, number, number],
  };
  const image = await render(await cutout("MASK", 0, 255), "mask", look);
  const background = await render(null, "empty", look);
  const sky = [srgb(0.2), srgb(0.4), srgb(0.6)];
  assert.deepEqual([...background.subarray(0, 3)], sky);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // Away from the edge at x = SIZE / 2.
      if (Math.abs(x + 0.5 - SIZE / 2) < 2) continue;
      const i = 4 * (y * SIZE + x);
      const got = [...image.subarray(i, i + 4)];
      if (x < SIZE / 2) {
        assert.deepEqual(
          got,
          [...background.subarray(i, i + 4)],
          `(${x}, ${y})`,
        );
      } else {
        assert.deepEqual(got, [255, 255, 255, 255], `(${x}, ${y})`);
      }
    }
  }
  // Vertex colour alpha multiplies in: 0.4 everywhere is below the cut-off 0.5.
  const faded = await render(
    await cutout("MASK", 255, 255, 1, Array(4).fill([1, 1, 1, 0.4]).flat()),
    "faded",
    look,
  );
  assert.deepEqual(faded, background);
});

Deno.test("alpha BLEND: the surface in proportion to alpha (stochastic, in expectation)", async () => {
  const samples = 16;
  const look = { samples, environment: [0, 0, 0] as [number, number, number] };
  const image = await render(
    await cutout("BLEND", 255, 255, 0.5),
    "blend",
    look,
  );
  let sum = 0;
  for (let i = 0; i < SIZE * SIZE; i++) sum += linear(image[4 * i + 1]);
  const mean = sum / (SIZE * SIZE);
  // Each sample sees white with probability ½; a pixel shows the fraction (8-bit rounded).
  const se = 0.5 / Math.sqrt(SIZE * SIZE * samples);
  assert.ok(Math.abs(mean - 0.5) < 4 * se + 0.004, `${mean} vs 0.5 ± ${se}`);
  assert.ok(
    image.some((v, i) => i % 4 === 1 && v > 0 && v < 255),
    "pixels mix",
  );
});

Deno.test("vertex colours multiply the base colour", async () => {
  const { doc, mesh } = oneMesh((doc) =>
    plane(doc, Array(4).fill([0.5, 0.25, 1, 1]).flat())
  );
  const material = doc.createMaterial("tinted").setBaseColorFactor([
    0.5,
    1,
    1,
    1,
  ]);
  material.setExtension(
    "KHR_materials_unlit",
    doc.createExtension(ext.KHRMaterialsUnlit).createUnlit(),
  );
  mesh.listPrimitives()[0].setMaterial(material);
  const image = await render(doc, "tinted", {
    samples: 1,
    environment: [0, 0, 0],
  });
  assert.deepEqual([...image.subarray(0, 3)], [
    srgb(0.25),
    srgb(0.25),
    srgb(1),
  ]);
});
