// The Mesh element in scenes: validation, the builder, loading files like textures, and how
// the packed writer lays a mesh out (a mesh object, placed by instances).

import assert from "node:assert/strict";
import {
  material,
  mesh,
  parseScene,
  point,
  prepareScene,
  rgb,
  scene,
  sphericalLight,
  validateScene,
} from "../src/scene/mod.ts";
import type { Element, SceneDescription } from "../src/scene/mod.ts";
import { packScene } from "../src/render/packed_scene.ts";

const white = material({ color: rgb(1, 1, 1) });
const QUAD = {
  positions: [-1, -2, -4, 1, -2, -4, 1, -2, -6, -1, -2, -6],
  indices: [0, 1, 2, 0, 2, 3],
};

function withElements(elements: unknown[]): unknown {
  return {
    width: 8,
    height: 8,
    fov: 90,
    shadow_bias: 1e-13,
    max_recursion_depth: 5,
    elements,
    lights: [],
  };
}

const tmp = await Deno.makeTempDir({ dir: "out", prefix: "mesh_scene_" });

Deno.test("validate: a mesh from a file with every transform part, and inline geometry", () => {
  const fromFile = {
    Mesh: {
      path: "models/teapot.obj",
      material: white,
      transform: {
        scale: { x: 1, y: 2, z: 3 },
        rotate: { axis: { x: 0, y: 1, z: 0 }, degrees: 30 },
        translate: { x: 0, y: -1, z: -6 },
      },
      smooth: true,
    },
  };
  const inline = {
    Mesh: { ...QUAD, uvs: [0, 0, 1, 0, 1, 1, 0, 1], material: white },
  };
  const clean = validateScene(withElements([fromFile, inline]));
  assert.deepEqual(clean.elements, [fromFile, inline]);
  // A copy, not the caller's arrays.
  assert.notEqual(
    (clean.elements[1] as { Mesh: { positions: number[] } }).Mesh.positions,
    QUAD.positions,
  );
  assert.deepEqual(
    validateScene(
      withElements([{
        Mesh: { path: "a.ply", material: white, transform: { scale: 2 } },
      }]),
    ).elements,
    [{ Mesh: { path: "a.ply", material: white, transform: { scale: 2 } } }],
  );
});

Deno.test("validate: every mesh mistake names its JSON path", () => {
  const cases: [unknown, typeof Error, string][] = [
    [
      { material: white },
      TypeError,
      'elements[0].Mesh needs "path" (an OBJ or PLY file) or "positions" and "indices"',
    ],
    [
      { path: "a.obj", positions: [0, 0, 0], material: white },
      TypeError,
      'elements[0].Mesh must have either "path" or inline "positions" and "indices" (and "uvs"), not both',
    ],
    [
      { path: "", material: white },
      RangeError,
      'elements[0].Mesh.path must be a non-empty string, got ""',
    ],
    [
      { path: 7, material: white },
      TypeError,
      "elements[0].Mesh.path must be a non-empty string, got 7",
    ],
    [{ path: "a.obj" }, TypeError, "elements[0].Mesh.material is missing"],
    [
      { positions: [0, 0, 0], material: white },
      TypeError,
      "elements[0].Mesh.indices is missing",
    ],
    [
      { positions: [0, 0], indices: [0, 0, 0], material: white },
      RangeError,
      "elements[0].Mesh.positions must hold x, y, z for each vertex (a non-zero multiple of 3 numbers), got 2 numbers",
    ],
    [
      { positions: [0, 0, "1"], indices: [0, 0, 0], material: white },
      TypeError,
      'elements[0].Mesh.positions[2] must be a number, got "1"',
    ],
    [
      { ...QUAD, indices: [0, 1, 4, 0, 1, 2] },
      RangeError,
      "elements[0].Mesh.indices[2] must be a vertex index, an integer from 0 to 3, got 4",
    ],
    [
      { ...QUAD, indices: [0, 1, 1.5] },
      RangeError,
      "elements[0].Mesh.indices[2] must be a vertex index, an integer from 0 to 3, got 1.5",
    ],
    [
      { ...QUAD, indices: [0, 1] },
      RangeError,
      "elements[0].Mesh.indices must hold three vertex indices per triangle (a non-zero multiple of 3), got 2 indices",
    ],
    [
      { ...QUAD, uvs: [0, 0] },
      RangeError,
      "elements[0].Mesh.uvs must hold u, v for each of the 4 vertices (8 numbers), got 2 numbers",
    ],
    [
      { path: "a.obj", uvs: [0, 0], material: white },
      TypeError,
      'elements[0].Mesh must have either "path" or inline "positions" and "indices" (and "uvs"), not both',
    ],
    [
      { path: "a.obj", material: white, smooth: "yes" },
      TypeError,
      'elements[0].Mesh.smooth must be true or false, got "yes"',
    ],
    [
      { path: "a.obj", material: white, transform: { scale: 0 } },
      RangeError,
      "elements[0].Mesh.transform.scale must be a non-zero number, got 0",
    ],
    [
      {
        path: "a.obj",
        material: white,
        transform: { scale: { x: 1, y: 0, z: 1 } },
      },
      RangeError,
      "elements[0].Mesh.transform.scale.y must be a non-zero number, got 0",
    ],
    [
      { path: "a.obj", material: white, transform: { scale: [1, 1, 1] } },
      TypeError,
      'elements[0].Mesh.transform.scale must be a non-zero number or an object {"x", "y", "z"}, got an array',
    ],
    [
      {
        path: "a.obj",
        material: white,
        transform: { rotate: { axis: { x: 0, y: 0, z: 0 }, degrees: 5 } },
      },
      RangeError,
      'elements[0].Mesh.transform.rotate.axis must be a non-zero vector, got {"x": 0, "y": 0, "z": 0}',
    ],
    [
      {
        path: "a.obj",
        material: white,
        transform: { rotate: { axis: { x: 0, y: 1, z: 0 } } },
      },
      TypeError,
      "elements[0].Mesh.transform.rotate.degrees is missing",
    ],
    [
      {
        path: "a.obj",
        material: white,
        transform: { translate: { x: 0, y: 0 } },
      },
      TypeError,
      "elements[0].Mesh.transform.translate.z is missing",
    ],
    [
      { path: "a.obj", material: white, transform: { move: {} } },
      TypeError,
      'unknown field "move" at elements[0].Mesh.transform, expected "scale", "rotate" or "translate"',
    ],
    [
      { path: "a.obj", material: white, colour: 1 },
      TypeError,
      'unknown field "colour" at elements[0].Mesh, expected "path", "positions", "indices", "uvs", "material", "transform" or "smooth"',
    ],
  ];
  for (const [body, kind, message] of cases) {
    assert.throws(
      () => validateScene(withElements([{ Mesh: body }])),
      (e: unknown) => {
        assert.ok(e instanceof kind, `${message}: got ${e}`);
        assert.equal((e as Error).message, message);
        return true;
      },
    );
  }
});

Deno.test("mesh(): keeps only the fields given, and JSON reads back the same scene", async () => {
  const elements: Element[] = [
    mesh({
      ...QUAD,
      material: white,
      smooth: true,
      transform: { translate: point(0, 1, 0) },
    }),
    mesh({ path: "teapot.obj", material: white }),
  ];
  assert.deepEqual(Object.keys(elements[1]), ["Mesh"]);
  assert.deepEqual(Object.keys((elements[1] as { Mesh: object }).Mesh), [
    "path",
    "material",
  ]);
  const description = scene({ width: 8, height: 8, elements, lights: [] });
  const fromCode = await prepareScene(description, {
    baseDir: "examples/models",
  });
  const fromText = await parseScene(JSON.stringify(description), {
    baseDir: "examples/models",
  });
  assert.deepEqual(fromText.description, fromCode.description);
  assert.deepEqual(packScene(fromText), packScene(fromCode));
});

Deno.test("loading: a mesh file is found like a texture and parsed once per file", async () => {
  const text = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n";
  await Deno.writeTextFile(`${tmp}/tri.obj`, text);
  const description = withElements([
    { Mesh: { path: "tri.obj", material: white } },
    { Mesh: { path: "tri.obj", material: white, transform: { scale: 2 } } },
  ]) as SceneDescription;
  const prepared = await prepareScene(description, { baseDir: tmp });
  assert.equal(prepared.meshes?.size, 1);
  assert.deepEqual([...prepared.meshes!.get("tri.obj")!.indices], [0, 1, 2]);
  // From a scene file next to it.
  await Deno.writeTextFile(`${tmp}/scene.json`, JSON.stringify(description));
  const { loadScene } = await import("../src/scene/mod.ts");
  const loaded = await loadScene(`${tmp}/scene.json`);
  assert.deepEqual(loaded.meshes, prepared.meshes);
});

Deno.test("loading: a missing file, a folder, a parse error and a bad format name the element", async () => {
  await Deno.writeTextFile(
    `${tmp}/bad.obj`,
    "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n",
  );
  await Deno.writeTextFile(`${tmp}/notes.txt`, "hello\n");
  await Deno.mkdir(`${tmp}/dir.obj`, { recursive: true });
  const load = (path: string) =>
    prepareScene(
      withElements([{
        Sphere: { center: point(0, 0, -5), radius: 1, material: white },
      }, {
        Mesh: { path, material: white },
      }]) as SceneDescription,
      { baseDir: tmp },
    );
  await assert.rejects(load("nope.obj"), (e: unknown) => {
    assert.ok(e instanceof Deno.errors.NotFound);
    assert.match(
      e.message,
      /^elements\[1\]\.Mesh\.path: mesh "nope\.obj" not found \(tried /,
    );
    return true;
  });
  await assert.rejects(load("dir.obj"), (e: unknown) => {
    assert.ok(e instanceof Deno.errors.IsADirectory);
    assert.match(
      e.message,
      /^elements\[1\]\.Mesh\.path: mesh "dir\.obj" is a directory/,
    );
    return true;
  });
  await assert.rejects(load("bad.obj"), {
    name: "RangeError",
    message:
      "elements[1].Mesh.path: bad.obj:4: face index 9 out of range (1..3)",
  });
  await assert.rejects(load("notes.txt"), {
    name: "TypeError",
    message:
      'elements[1].Mesh.path: notes.txt: neither a PLY file (first line "ply") nor a Wavefront OBJ file (.obj)',
  });
});

/** The packed bytes read by their documented layout (version 2, rust/src/packed.rs). */
function packedView(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u32: (at: number) => view.getUint32(at, true),
    f32: (at: number) => view.getFloat32(at, true),
    f64: (at: number) => view.getFloat64(at, true),
  };
}

// Header 128, one material 256.
const MESHES_AT = 128 + 256;

Deno.test("packing: a mesh object in its own space, then an instance with the transform and the smooth flag", () => {
  const description = scene({
    width: 4,
    height: 4,
    elements: [
      mesh({
        ...QUAD,
        uvs: [0, 0, 1, 0, 1, 1, 0, 1],
        material: white,
        smooth: true,
        transform: {
          scale: { x: 1, y: 2, z: 3 },
          rotate: { axis: point(0, 0, 2), degrees: 90 },
          translate: { x: 10, y: 20, z: 30 },
        },
      }),
    ],
    lights: [
      sphericalLight({
        position: point(0, 5, 0),
        color: rgb(1, 1, 1),
        intensity: 100,
      }),
    ],
  });
  const bytes = packScene({ description, textures: new Map() });
  const { u32, f32, f64 } = packedView(bytes);
  assert.deepEqual([u32(32), u32(36), u32(40), u32(44)], [1, 1, 1, 1]);
  let p = MESHES_AT;
  // Flags: uvs only (inline geometry has no normals: the core computes them for smooth).
  assert.deepEqual([u32(p), u32(p + 4), u32(p + 8), u32(p + 12)], [2, 4, 2, 0]);
  p += 16;
  const positions = [...Array(12)].map((_, i) => f32(p + 4 * i));
  // Untransformed: the object's own space.
  assert.deepEqual(positions, QUAD.positions);
  p += 48;
  const uvs = [...Array(8)].map((_, i) => f32(p + 4 * i));
  assert.deepEqual(uvs, [0, 0, 1, 0, 1, 1, 0, 1]);
  p += 32;
  const indices = [...Array(6)].map((_, i) => u32(p + 4 * i));
  assert.deepEqual(indices, QUAD.indices);
  p += 24;
  // The instance: kind 2, material 0, mesh 0, smooth; M = T·R·S, rows first. Rotating 90°
  // about z takes x to y and y to −x: M = [[0, −2, 0, 10], [1, 0, 0, 20], [0, 0, 3, 30]].
  assert.deepEqual([u32(p), u32(p + 4), u32(p + 8), u32(p + 12)], [2, 0, 0, 1]);
  const matrix = [...Array(12)].map((_, i) =>
    Math.round(f64(p + 16 + 8 * i) * 1e12) / 1e12 + 0
  );
  assert.deepEqual(matrix, [0, -2, 0, 10, 1, 0, 0, 20, 0, 0, 3, 30]);
  p += 112;
  assert.equal(bytes.length, p + 96, "one light after the instance");
});

Deno.test("packing: a file's normals go with its mesh object; flat or smooth is the instance's", () => {
  const file = {
    positions: new Float64Array([0, 0, 0, 1, 0, 0, 0, 1, 0]),
    normals: new Float32Array([0, 0, 1, 0, 0.6, 0.8, 0, 0, 1]),
    indices: new Uint32Array([0, 1, 2]),
    degenerate: 0,
  };
  const description = scene({
    width: 4,
    height: 4,
    elements: [
      mesh({ path: "t.obj", material: white }),
      mesh({ path: "./t.obj", material: white, smooth: true }),
    ],
    lights: [],
  });
  const bytes = packScene({
    description,
    textures: new Map(),
    // One parsed file under two spellings, as the loader gives it: one mesh object.
    meshes: new Map([["t.obj", file], ["./t.obj", file]]),
  });
  const { u32, f32 } = packedView(bytes);
  assert.equal(u32(36), 1, "one mesh object");
  let p = MESHES_AT;
  assert.deepEqual([u32(p), u32(p + 4), u32(p + 8)], [1, 3, 1], "normals");
  p += 16 + 40;
  assert.deepEqual(
    [...Array(9)].map((_, i) => f32(p + 4 * i)),
    [...file.normals],
  );
  p += 40 + 16;
  assert.deepEqual([u32(p + 8), u32(p + 12)], [0, 0], "flat");
  assert.deepEqual([u32(p + 112 + 8), u32(p + 112 + 12)], [0, 1], "smooth");
  assert.throws(
    () =>
      packScene({
        description: scene({
          width: 4,
          height: 4,
          elements: [mesh({ path: "u.obj", material: white })],
          lights: [],
        }),
        textures: new Map(),
      }),
    { message: 'mesh "u.obj" is missing from scene.meshes' },
  );
});

Deno.test("packing: one mesh placed 1,000 times grows by the instance records, not by copies", async () => {
  await Deno.writeTextFile(
    `${tmp}/grid.obj`,
    Array.from({ length: 100 }, (_, i) => `v ${i} ${i % 7} ${i % 3}`)
      .join("\n") +
      "\n" +
      Array.from({ length: 98 }, (_, i) => `f ${i + 1} ${i + 2} ${i + 3}`)
        .join("\n") +
      "\n",
  );
  const placed = (count: number) =>
    withElements(
      Array.from({ length: count }, (_, i) => ({
        Mesh: {
          path: "grid.obj",
          material: white,
          transform: { translate: { x: i, y: 0, z: -10 } },
        },
      })),
    );
  const one = packScene(
    await parseScene(JSON.stringify(placed(1)), {
      baseDir: tmp,
    }),
  );
  const thousand = packScene(
    await parseScene(JSON.stringify(placed(1000)), { baseDir: tmp }),
  );
  const meshBytes = 16 + 100 * 12 + 98 * 12;
  assert.ok(one.length > meshBytes);
  assert.equal(thousand.length, one.length + 999 * 112);
  // The same for inline geometry written 1,000 times: stored once, by value.
  const inline = (count: number) =>
    packScene({
      description: validateScene(withElements(
        Array.from({ length: count }, (_, i) => ({
          Mesh: {
            ...QUAD,
            material: white,
            transform: { translate: { x: i, y: 0, z: 0 } },
          },
        })),
      )),
      textures: new Map(),
    });
  assert.equal(inline(1000).length, inline(1).length + 999 * 112);
});

Deno.test("cli: a bad mesh file is exit 2 with one line, and nothing is written", async () => {
  const { listDir, runCli, withTempDir } = await import(
    "./fixtures/cli/helpers.ts"
  );
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/bunny.obj`,
      "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 5000\n",
    );
    await Deno.writeTextFile(
      `${dir}/scene.json`,
      JSON.stringify(
        withElements([{ Mesh: { path: "bunny.obj", material: white } }]),
      ),
    );
    const { code, stdout, stderr } = await runCli([
      `${dir}/scene.json`,
      "--output",
      `${dir}/out.png`,
    ]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.equal(
      stderr,
      `raypool: ${dir}/scene.json: elements[0].Mesh.path: bunny.obj:4: face index 5000 out of range (1..3)\n`,
    );
    assert.deepEqual(await listDir(dir), ["bunny.obj", "scene.json"]);
  });
});

Deno.test("schema: scene.schema.json and validateScene agree on meshes", async () => {
  // deno-lint-ignore no-import-prefix
  const { Ajv2020 } = await import("npm:ajv@8.17.1/dist/2020.js");
  const schema = JSON.parse(await Deno.readTextFile("scene.schema.json"));
  const schemaAccepts = new Ajv2020({ allErrors: true, strict: true }).compile(
    schema,
  );
  const validatorAccepts = (value: unknown) => {
    try {
      validateScene(value);
      return true;
    } catch {
      return false;
    }
  };
  const withMesh = (body: object) => withElements([{ Mesh: body }]);
  const good = [
    { path: "a.obj", material: white },
    {
      path: "a.ply.gz",
      material: white,
      smooth: false,
      transform: {
        scale: { x: 1, y: -1, z: 2 },
        rotate: { axis: { x: 1, y: 0, z: 0 }, degrees: 90 },
        translate: { x: 0, y: 0, z: -3 },
      },
    },
    { ...QUAD, material: white, transform: { scale: 3 } },
    { ...QUAD, uvs: [0, 0, 1, 0, 1, 1, 0, 1], material: white, smooth: true },
  ];
  for (const body of good) {
    assert.ok(schemaAccepts(withMesh(body)), JSON.stringify(body));
    assert.ok(validatorAccepts(withMesh(body)), JSON.stringify(body));
  }
  const bad = [
    { material: white },
    { path: "a.obj", ...QUAD, material: white },
    { path: "a.obj", positions: QUAD.positions, material: white },
    { path: "a.obj", uvs: [0, 0], material: white },
    { positions: QUAD.positions, material: white },
    { indices: QUAD.indices, material: white },
    { path: "", material: white },
    { path: "a.obj" },
    { path: "a.obj", material: white, smooth: 1 },
    { path: "a.obj", material: white, transform: { scale: 0 } },
    { path: "a.obj", material: white, transform: { scale: { x: 1, y: 1 } } },
    { path: "a.obj", material: white, transform: { rotate: { degrees: 5 } } },
    { path: "a.obj", material: white, transform: { shear: 1 } },
    { ...QUAD, indices: [0, 1, -2], material: white },
    { ...QUAD, indices: [0, 1, 1.5], material: white },
    { ...QUAD, positions: [0, 0, "1"], material: white },
  ];
  for (const body of bad) {
    assert.equal(schemaAccepts(withMesh(body)), false, JSON.stringify(body));
    assert.equal(validatorAccepts(withMesh(body)), false, JSON.stringify(body));
  }
  // Rules a schema cannot state: indices below the vertex count, whole triples.
  for (
    const body of [
      { ...QUAD, indices: [0, 1, 4], material: white },
      { ...QUAD, indices: [0, 1, 2, 3], material: white },
      { ...QUAD, positions: [0, 0, 0, 1], material: white },
      { ...QUAD, uvs: [0, 0], material: white },
    ]
  ) {
    assert.ok(schemaAccepts(withMesh(body)), JSON.stringify(body));
    assert.equal(validatorAccepts(withMesh(body)), false, JSON.stringify(body));
  }
});
