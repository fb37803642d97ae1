// Meshes rendered by the core: a quad in place of a plane, a tessellated sphere against the
// analytic one, BVH against brute force, and a closed mesh without cracks.

import assert from "node:assert/strict";
import { renderInProcess } from "./fixtures/core.ts";
import { loadScene } from "../src/scene/load.ts";
import { prepareScene } from "../src/scene/prepare.ts";
import {
  material,
  mesh,
  point,
  reflective,
  rgb,
  scene,
  sphere,
  sphericalLight,
} from "../src/scene/build.ts";
import type {
  Element,
  Material,
  RenderedImage,
  SceneDescription,
} from "../src/types.ts";
import { bunny, teapot } from "../testing/models.ts";

const original = new URL("./fixtures/original/", import.meta.url);

/** How many pixels differ, and by how much at most (any channel). */
function compare(a: RenderedImage, b: RenderedImage) {
  assert.equal(a.data.length, b.data.length);
  let differing = 0;
  let worst = 0;
  let total = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    let d = 0;
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(a.data[i + c] - b.data[i + c]);
      d = Math.max(d, e);
      total += e;
    }
    if (d > 0) differing++;
    worst = Math.max(worst, d);
  }
  return { differing, worst, mean: total / (3 * a.width * a.height) };
}

/** A square of half-size `h`, facing +y at height `y` (or +z at depth `z`), as a mesh element. */
function floorQuad(y: number, z: number, h: number, m: Material): Element {
  // Texture coordinates as the original's plane with normal (0, −1, 0) computes them:
  // u = −x, v = −(z − origin.z).
  const corners = [[-h, h], [h, h], [h, -h], [-h, -h]];
  return mesh({
    positions: corners.flatMap(([x, dz]) => [x, y, z + dz]),
    uvs: corners.flatMap(([x, dz]) => [-x, -dz]),
    indices: [0, 1, 2, 0, 2, 3],
    material: m,
  });
}

function wallQuad(z: number, h: number, m: Material): Element {
  return mesh({
    positions: [-h, -h, z, h, -h, z, h, h, z, -h, h, z],
    indices: [0, 1, 2, 0, 2, 3],
    material: m,
  });
}

Deno.test("the original's scene with its two planes replaced by quads renders the same", async () => {
  const planes = await loadScene(new URL("test_800x600.json", original));
  const d = planes.description;
  const elements = d.elements.map((e): Element => {
    if (!("Plane" in e)) return e;
    const { origin, material } = e.Plane;
    return origin.z === -20
      ? wallQuad(-20, 1000, material)
      : floorQuad(origin.y, origin.z, 1000, material);
  });
  const quads = { ...planes, description: { ...d, elements } };
  const size = { width: 400, height: 300 };
  const a = renderInProcess(planes, size);
  const b = renderInProcess(quads, size);
  const { differing, worst } = compare(a, b);
  // Measured: 0 of 120,000 pixels differ, reflections, refraction and the textured floor
  // included. Allowed: a few at the horizon and texel edges, by at most two levels.
  assert.ok(
    differing <= 20 && worst <= 2,
    `${differing} pixels differ, by up to ${worst}`,
  );
});

/** An icosphere: 20 faces, each split in 4 `levels` times, vertices on the unit sphere. */
function icosphere(levels: number): { positions: number[]; indices: number[] } {
  const t = (1 + Math.sqrt(5)) / 2;
  const v: number[][] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map(([x, y, z]) => {
    const l = Math.hypot(x, y, z);
    return [x / l, y / l, z / l];
  });
  let faces = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let level = 0; level < levels; level++) {
    const middle = new Map<string, number>();
    const mid = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let i = middle.get(key);
      if (i === undefined) {
        const [x, y, z] = [0, 1, 2].map((k) => v[a][k] + v[b][k]);
        const l = Math.hypot(x, y, z);
        i = v.push([x / l, y / l, z / l]) - 1;
        middle.set(key, i);
      }
      return i;
    };
    faces = faces.flatMap(([a, b, c]) => {
      const [ab, bc, ca] = [mid(a, b), mid(b, c), mid(c, a)];
      return [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]];
    });
  }
  return { positions: v.flat(), indices: faces.flat() };
}

function lit(elements: Element[], width = 200, height = 150): SceneDescription {
  return scene({
    width,
    height,
    elements,
    lights: [
      sphericalLight({
        position: point(-2, 4, -2),
        color: rgb(1, 1, 1),
        intensity: 2000,
      }),
    ],
  });
}

Deno.test("a finely tessellated sphere with smooth normals is close to the analytic sphere", async () => {
  const ball = icosphere(5); // 20,480 triangles
  const red = material({ color: rgb(1, 0.3, 0.2), albedo: 0.6 });
  const at = { scale: 1.5, translate: point(0, 0, -5) };
  const analytic = renderInProcess(
    await prepareScene(
      lit([sphere({ center: point(0, 0, -5), radius: 1.5, material: red })]),
    ),
  );
  const image = async (smooth: boolean) =>
    renderInProcess(
      await prepareScene(
        lit([mesh({ ...ball, material: red, transform: at, smooth })]),
      ),
    );
  const smooth = compare(analytic, await image(true));
  const flat = compare(analytic, await image(false));
  // Measured: mean difference 0.0064 levels per channel over the image smooth (199 of 30,000
  // pixels differ, all at the silhouette), 0.047 flat (928 pixels).
  assert.ok(smooth.mean < 0.02, `smooth: mean difference ${smooth.mean}`);
  assert.ok(
    smooth.mean < flat.mean / 2,
    `smooth ${smooth.mean} vs flat ${flat.mean}`,
  );
});

/** Deterministic random numbers (xorshift32). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

Deno.test("BVH and brute force give identical images on random meshes and real models", async () => {
  const next = random(12345);
  const soup = { positions: [] as number[], indices: [] as number[] };
  for (let t = 0; t < 1500; t++) {
    const c = [next() * 8 - 4, next() * 6 - 3, -4 - next() * 8];
    const base = soup.positions.length / 3;
    for (let k = 0; k < 3; k++) {
      soup.positions.push(...c.map((x) => x + (next() - 0.5) * 1.2));
    }
    soup.indices.push(base, base + 1, base + 2);
    // Duplicates tie on distance: the lower triangle index must win either way.
    if (t % 7 === 0) soup.indices.push(base + 1, base + 2, base);
  }
  const cases: [string, Element[]][] = [
    ["a triangle soup with ties", [
      mesh({ ...soup, material: material({ color: rgb(0.8, 0.7, 0.2) }) }),
      // A second mesh at the same place: ties between elements go to the earlier one.
      mesh({ ...soup, material: material({ color: rgb(0.2, 0.3, 0.9) }) }),
    ]],
    ["the bunny, smooth and reflective", [
      mesh({
        positions: bunny.positions.flat(),
        indices: bunny.cells.flat(),
        material: material({
          color: rgb(0.9, 0.9, 0.9),
          surface: reflective(0.3),
        }),
        transform: { scale: 0.6, translate: point(0, -3, -5) },
        smooth: true,
      }),
    ]],
    ["the teapot", [
      mesh({
        positions: teapot.positions.flat(),
        indices: teapot.cells.flat(),
        material: material({ color: rgb(0.9, 0.5, 0.2) }),
        transform: { scale: 0.4, translate: point(0, -1, -7) },
      }),
    ]],
  ];
  for (const [what, elements] of cases) {
    const prepared = await prepareScene(lit(elements, 160, 120));
    const bvh = renderInProcess(prepared);
    const brute = renderInProcess(prepared, {}, { bruteForce: true });
    assert.deepEqual(bvh.data, brute.data, what);
    const lit_ = bvh.data.filter((_, i) => i % 4 === 0 && bvh.data[i] > 0);
    assert.ok(lit_.length > 1000, `${what}: only ${lit_.length} lit pixels`);
  }
});

Deno.test("a closed mesh seen from inside shows no background through its edges", async () => {
  // Every primary ray starts inside and must hit; the light in the middle lights every
  // inner face (two-sided shading turns the normals inward).
  const ball = icosphere(3);
  const prepared = await prepareScene(
    scene({
      width: 320,
      height: 240,
      fov: 120,
      elements: [
        mesh({
          ...ball,
          material: material({ color: rgb(1, 1, 1), albedo: 1 }),
          transform: { scale: 10 },
        }),
      ],
      lights: [
        sphericalLight({
          position: point(0, 0, 0),
          color: rgb(1, 1, 1),
          intensity: 5000,
        }),
      ],
    }),
  );
  const image = renderInProcess(prepared);
  let black = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (image.data[i] === 0) black++;
  }
  assert.equal(black, 0, `${black} pixels show the background`);
});
