// The OBJ and PLY parsers: every index form, encoding and error, and the real models.

import assert from "node:assert/strict";
import { bunny, dragonFile, teapot, toObj } from "../testing/models.ts";
import { parseObj } from "../src/mesh/parse_obj.ts";
import { parsePly } from "../src/mesh/parse_ply.ts";
import { parseMesh } from "../src/mesh/parse_mesh.ts";
import type { MeshData } from "../src/types.ts";

const text = (s: string) => new TextEncoder().encode(s);
const obj = (s: string) => parseObj(text(s), "t.obj");
const ply = (s: string) => parsePly(text(s), "t.ply");

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
}

/** Each triangle as its three corner positions, for comparisons that ignore vertex order. */
function corners(mesh: MeshData): number[][] {
  const out: number[][] = [];
  for (const i of mesh.indices) {
    out.push([...mesh.positions.subarray(3 * i, 3 * i + 3)]);
  }
  return out;
}

const SQUARE = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n";

Deno.test("obj: positions only, a quad fan-triangulated", async () => {
  const m = await obj(SQUARE + "f 1 2 3 4\n");
  assert.deepEqual([...m.positions], [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
  assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3]);
  assert.equal(m.normals, undefined);
  assert.equal(m.uvs, undefined);
  assert.equal(m.degenerate, 0);
});

Deno.test("obj: a pentagon becomes three triangles around its first corner", async () => {
  const m = await obj(SQUARE + "v -1 0.5 0\nf 1 2 3 4 5\n");
  assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3, 0, 3, 4]);
});

Deno.test("obj: negative indices count back from the last vertex so far", async () => {
  const m = await obj(SQUARE + "f -4 -3 -2\nv 5 5 5\nf -1 -5 -4\n");
  assert.deepEqual(corners(m), [
    [0, 0, 0],
    [1, 0, 0],
    [1, 1, 0],
    [5, 5, 5],
    [0, 0, 0],
    [1, 0, 0],
  ]);
});

Deno.test("obj: v/vt, v//vn and v/vt/vn corners, re-indexed per distinct corner", async () => {
  const head = SQUARE + "vt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\nvn 0 0 1\nvn 0 0 -1\n";
  const uv = await obj(head + "f 1/1 2/2 3/3 4/4\n");
  assert.deepEqual([...uv.uvs!], [0, 0, 1, 0, 1, 1, 0, 1]);
  assert.equal(uv.normals, undefined);
  const n = await obj(head + "f 1//1 2//1 3//1\nf 1//2 3//2 4//2\n");
  assert.equal(n.uvs, undefined);
  // Corners 1 and 3 appear with two normals: two vertices each.
  assert.equal(n.positions.length / 3, 6);
  assert.deepEqual([...n.normals!.subarray(0, 3)], [0, 0, 1]);
  assert.deepEqual([...n.normals!.subarray(9, 12)], [0, 0, -1]);
  assert.deepEqual(corners(n), [
    [0, 0, 0],
    [1, 0, 0],
    [1, 1, 0],
    [0, 0, 0],
    [1, 1, 0],
    [0, 1, 0],
  ]);
  const full = await obj(head + "f 1/1/1 2/2/1 3/3/1 4/4/1\n");
  assert.deepEqual([...full.uvs!], [0, 0, 1, 0, 1, 1, 0, 1]);
  assert.deepEqual([...full.normals!], [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  assert.deepEqual([...full.indices], [0, 1, 2, 0, 2, 3]);
  // A vertex shared by both triangles with the same attributes stays one vertex.
  const shared = await obj(head + "f 1/1/1 2/2/1 3/3/1\nf 1/1/1 3/3/1 4/4/1\n");
  assert.equal(shared.positions.length / 3, 4);
});

Deno.test("obj: attributes on only some corners are dropped, not invented", async () => {
  const m = await obj(
    SQUARE + "vn 0 0 1\nvt 0 0\nf 1//1 2//1 3//1\nf 1/1 3 4\n",
  );
  assert.equal(m.normals, undefined);
  assert.equal(m.uvs, undefined);
  assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3]);
});

Deno.test("obj: other statements, comments, CRLF and extra numbers are ignored", async () => {
  const src = [
    "# a comment",
    "mtllib scene.mtl",
    "o thing",
    "g group",
    "usemtl red",
    "s 1",
    "v 0 0 0 1",
    "v 1 0 0 0.5 0.5 0.5",
    "v\t0\t1\t0",
    "vt 0.5",
    "vp 0.1 0.2",
    "l 1 2",
    "",
    "   f 1/1 2/1 3/1   ",
  ].join("\r\n");
  const m = await obj(src);
  assert.deepEqual([...m.positions], [0, 0, 0, 1, 0, 0, 0, 1, 0]);
  assert.deepEqual([...m.uvs!], [0.5, 0, 0.5, 0, 0.5, 0]);
});

Deno.test("obj: numbers in every notation parse like parseFloat", async () => {
  const values = [
    "1",
    "-2.5",
    "+3.25",
    ".5",
    "-.125",
    "1e3",
    "1E-3",
    "6.02214076e+23",
    "0.1",
    "0.000000001234",
    "123456789.123456789",
    "-0",
    "3.141592653589793238",
    "3.4028234663852886e38",
    "5e-324",
  ];
  const m = await obj(
    values.map((v) => `v ${v} ${v} ${v}`).join("\n") +
      "\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -3\n",
  );
  values.forEach((v, i) => {
    assert.ok(
      Object.is(m.positions[3 * i], parseFloat(v)),
      `${v}: ${m.positions[3 * i]} vs ${parseFloat(v)}`,
    );
  });
});

Deno.test("obj: degenerate triangles are dropped and counted", async () => {
  const m = await obj(SQUARE + "v 2 0 0\nf 1 2 3\nf 1 1 2\nf 1 2 5\nf 1 3 4\n");
  assert.equal(m.degenerate, 2);
  assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3]);
});

Deno.test("obj: every error is one line naming the file and line", async () => {
  const cases: [string, typeof Error, string][] = [
    [
      SQUARE + "f 1 2 5000\n",
      RangeError,
      "t.obj:5: face index 5000 out of range (1..4)",
    ],
    [
      SQUARE + "f 1 2 0\n",
      RangeError,
      "t.obj:5: face index 0 out of range (1..4)",
    ],
    [
      SQUARE + "f -1 -2 -5\n",
      RangeError,
      "t.obj:5: face index -5 out of range (-4..-1)",
    ],
    [
      "f 1 2 3\n",
      RangeError,
      "t.obj:1: face index 1 out of range (none defined yet)",
    ],
    [
      SQUARE + "vt 0 0\nf 1/2 2/1 3/1\n",
      RangeError,
      "t.obj:6: texture index 2 out of range (1..1)",
    ],
    [
      SQUARE + "f 1//1 2//1 3//1\n",
      RangeError,
      "t.obj:5: normal index 1 out of range (none defined yet)",
    ],
    ["v 0 nan 0\n", RangeError, 't.obj:1: vertex y must be finite, got "nan"'],
    [
      "v 0 0 1e999\n",
      RangeError,
      't.obj:1: vertex z must be finite, got "1e999"',
    ],
    [
      "v 0 0 -inf\n",
      RangeError,
      't.obj:1: vertex z must be finite, got "-inf"',
    ],
    [
      "\n\nv 0 a 0\n",
      SyntaxError,
      't.obj:3: vertex y must be a number, got "a"',
    ],
    ["v 0 0\n", SyntaxError, "t.obj:1: vertex z is missing"],
    ["vn 0 0 x\n", SyntaxError, 't.obj:1: normal z must be a number, got "x"'],
    [
      SQUARE + "f 1 2\n",
      SyntaxError,
      "t.obj:5: a face needs at least 3 corners, got 2",
    ],
    [
      SQUARE + "f 1 2 3x\n",
      SyntaxError,
      't.obj:5: face index must be a number, got "3x"',
    ],
    [
      SQUARE + "vt 0 0\nvn 0 0 1\nf 1/1/1 2/1/1 3/1/1/1\n",
      SyntaxError,
      't.obj:7: face corner must be v, v/vt, v//vn or v/vt/vn, got "/1"',
    ],
    [SQUARE, RangeError, "t.obj: the mesh has no triangles"],
    [
      SQUARE + "f 1 1 2\n",
      RangeError,
      "t.obj: the mesh has no triangles with area (all 1 are degenerate)",
    ],
  ];
  for (const [src, kind, message] of cases) {
    await assert.rejects(() => obj(src), (e: unknown) => {
      assert.ok(e instanceof kind, `${message}: got ${e}`);
      assert.equal((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("obj: more triangles than the limit is refused", async () => {
  await assert.rejects(
    () =>
      parseObj(text(SQUARE + "f 1 2 3\nf 1 2 3 4\n"), "t.obj", {
        maxTriangles: 2,
      }),
    {
      name: "RangeError",
      message: "t.obj:6: more than 2 triangles (the limit for one mesh)",
    },
  );
  assert.equal(
    (await parseObj(text(SQUARE + "f 1 2 3 4\n"), "t.obj", { maxTriangles: 2 }))
      .indices
      .length,
    6,
  );
});

const PLY_HEAD = (
  format: string,
  vertexProps: string,
  faceList: string,
  counts = [4, 2],
) =>
  [
    "ply",
    `format ${format} 1.0`,
    "comment made by hand",
    `element vertex ${counts[0]}`,
    ...vertexProps.split(",").map((p) => `property ${p}`),
    `element face ${counts[1]}`,
    `property list ${faceList}`,
    "end_header",
    "",
  ].join("\n");

Deno.test("ply ascii: positions, a quad and a triangle, any list types", async () => {
  for (
    const list of [
      "uchar int vertex_indices",
      "int uint vertex_index",
      "ushort short vertex_indices",
    ]
  ) {
    const m = await ply(
      PLY_HEAD("ascii", "float x,float y,float z", list) +
        "0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n3 3 1 0\n",
    );
    assert.deepEqual([...m.positions], [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3, 3, 1, 0]);
  }
});

Deno.test("ply ascii: normals, s t texture coordinates, and unknown properties and elements skipped", async () => {
  const src = [
    "ply",
    "format ascii 1.0",
    "obj_info scanner",
    "element vertex 3",
    "property double x",
    "property double y",
    "property double z",
    "property uchar red",
    "property float nx",
    "property float ny",
    "property float nz",
    "property float s",
    "property float t",
    "element face 1",
    "property uchar flags",
    "property list uchar int vertex_indices",
    "property list uchar float texcoord",
    "element edge 1",
    "property int vertex1",
    "property int vertex2",
    "end_header",
    "0 0 0 255 0 0 1 0 0",
    "1 0 0 255 0 0 1 1 0",
    "0 1 0 255 0 0 1 0 1",
    "7 3 0 1 2 6 0 0 1 0 0 1",
    "0 1",
    "",
  ].join("\n");
  const m = await ply(src);
  assert.deepEqual([...m.normals!], [0, 0, 1, 0, 0, 1, 0, 0, 1]);
  assert.deepEqual([...m.uvs!], [0, 0, 1, 0, 0, 1]);
  assert.deepEqual([...m.indices], [0, 1, 2]);
});

/** A binary PLY with x y z nx ny nz u v (float) and faces as uchar count + int indices. */
function binaryPly(
  little: boolean,
  faceIndexType: "int" | "uint" | "ushort" = "int",
) {
  const head = text(
    [
      "ply",
      `format binary_${little ? "little" : "big"}_endian 1.0`,
      "element vertex 4",
      ...["x", "y", "z", "nx", "ny", "nz", "u", "v"].map((p) =>
        `property float ${p}`
      ),
      "element face 2",
      `property list uchar ${faceIndexType} vertex_indices`,
      "end_header",
      "",
    ].join("\n"),
  );
  const verts = [
    [0, 0, 0, 0, 0, 1, 0, 0],
    [1, 0, 0, 0, 0, 1, 1, 0],
    [1, 1, 0, 0, 0, 1, 1, 1],
    [0, 1, 0, 0, 0, 1, 0, 1],
  ];
  const size = faceIndexType === "ushort" ? 2 : 4;
  const body = new DataView(new ArrayBuffer(4 * 8 * 4 + 2 * (1 + 3 * size)));
  let at = 0;
  for (const v of verts) {
    for (const x of v) {
      body.setFloat32(at, x, little);
      at += 4;
    }
  }
  for (const face of [[0, 1, 2], [0, 2, 3]]) {
    body.setUint8(at++, 3);
    for (const i of face) {
      if (size === 2) body.setUint16(at, i, little);
      else body.setInt32(at, i, little);
      at += size;
    }
  }
  const out = new Uint8Array(head.length + body.byteLength);
  out.set(head);
  out.set(new Uint8Array(body.buffer), head.length);
  return { bytes: out, head: head.length, body };
}

Deno.test("ply binary: little and big endian, with normals and texture coordinates", async () => {
  for (const little of [true, false]) {
    for (const type of ["int", "uint", "ushort"] as const) {
      const m = await parsePly(binaryPly(little, type).bytes, "b.ply");
      assert.deepEqual([...m.positions], [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
      assert.deepEqual([...m.indices], [0, 1, 2, 0, 2, 3]);
      assert.deepEqual([...m.normals!], [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
      assert.deepEqual([...m.uvs!], [0, 0, 1, 0, 1, 1, 0, 1]);
    }
  }
});

Deno.test("ply: every error is one line naming the file and the line or element", async () => {
  const head = PLY_HEAD(
    "ascii",
    "float x,float y,float z",
    "uchar int vertex_indices",
  );
  const body = "0 0 0\n1 0 0\n1 1 0\n0 1 0\n";
  const cases: [string, typeof Error, string][] = [
    [
      head + body + "3 0 1 5000\n3 0 1 2\n",
      RangeError,
      "t.ply:15: face index 5000 out of range (0..3)",
    ],
    [
      head + body + "3 0 1 -1\n3 0 1 2\n",
      RangeError,
      "t.ply:15: face index -1 out of range (0..3)",
    ],
    [
      head + "0 nan 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 1 2\n",
      RangeError,
      't.ply:11: vertex y must be finite, got "nan"',
    ],
    [
      head + "0 q 0\n" + body,
      SyntaxError,
      't.ply:11: vertex y must be a number, got "q"',
    ],
    [
      head + "0 0\n" + body,
      SyntaxError,
      "t.ply:11: vertex z is missing (the line ends early)",
    ],
    [
      head + "0 0 0 0\n" + body,
      SyntaxError,
      't.ply:11: more values than the header declares, from "0"',
    ],
    [
      head + body + "2 0 1\n",
      SyntaxError,
      "t.ply:15: a face needs at least 3 corners, got 2",
    ],
    [
      head + body + "3 0 1 2\n",
      RangeError,
      "t.ply:16: the file ends before the items the header declares",
    ],
    [
      head.replace("float y", "float16 y"),
      SyntaxError,
      't.ply:6: unknown property type "float16"',
    ],
    [
      head.replace("ascii", "utf8"),
      SyntaxError,
      't.ply:2: unknown format "utf8" (ascii, binary_little_endian or binary_big_endian)',
    ],
    [
      head.replace("end_header\n", ""),
      SyntaxError,
      't.ply: the header has no "end_header" line',
    ],
    [
      head.replace("property float z\n", ""),
      SyntaxError,
      "t.ply:4: the vertex element needs properties x, y and z",
    ],
    [
      head.replace("vertex_indices", "corners"),
      SyntaxError,
      't.ply:8: the face element needs a list property "vertex_indices"',
    ],
    [
      head.replace("element face 2", "element face 99999999") + body,
      RangeError,
      "t.ply:8: 99999999 face items declared, but the file is too short for them",
    ],
    [
      head.replace("element face 2", "element face 3") + body +
      "3 0 1 2\n3 0 2 3\n",
      RangeError,
      "t.ply:17: the file ends before the items the header declares",
    ],
    [
      head.replace("element vertex 4", "element vertex 99999999"),
      RangeError,
      "t.ply:4: 99999999 vertex items declared, but the file is too short for them",
    ],
    [
      head.replace("format ascii 1.0\n", ""),
      SyntaxError,
      't.ply: the header has no "format" line',
    ],
    [
      head + body + "3 0 0 1\n3 1 1 2\n",
      RangeError,
      "t.ply: the mesh has no triangles with area (all 2 are degenerate)",
    ],
  ];
  for (const [src, kind, message] of cases) {
    await assert.rejects(() => ply(src), (e: unknown) => {
      assert.ok(e instanceof kind, `${message}: got ${e}`);
      assert.equal((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("ply binary: errors name the element and item", async () => {
  const good = binaryPly(true);
  const nan = good.bytes.slice();
  new DataView(nan.buffer).setFloat32(good.head + 32 + 4, NaN, true);
  await assert.rejects(() => parsePly(nan, "b.ply"), {
    name: "RangeError",
    message:
      "b.ply: vertex 1: vertex y must be finite and within the 32-bit float range (±3.4e38), got NaN",
  });
  const range = good.bytes.slice();
  new DataView(range.buffer).setInt32(good.head + 128 + 1 + 4 + 13, 77, true);
  await assert.rejects(() => parsePly(range, "b.ply"), {
    name: "RangeError",
    message: "b.ply: face 1: face index 77 out of range (0..3)",
  });
  await assert.rejects(
    () => parsePly(good.bytes.subarray(0, good.bytes.length - 3), "b.ply"),
    {
      name: "RangeError",
      message: "b.ply: face 1: the file ends inside face index",
    },
  );
  await assert.rejects(
    () => parsePly(good.bytes, "b.ply", { maxTriangles: 1 }),
    {
      name: "RangeError",
      message: "b.ply: face 1: more than 1 triangles (the limit for one mesh)",
    },
  );
});

Deno.test("parseMesh: gzipped OBJ and PLY, format by content or .obj name", async () => {
  const o = text(SQUARE + "f 1 2 3 4\n");
  const p = binaryPly(false).bytes;
  for (
    const [bytes, name] of [[o, "a.obj"], [p, "a.ply"], [p, "model.bin"], [
      o,
      "model.txt",
    ]] as const
  ) {
    const plain = await parseMesh(bytes, name);
    const zipped = await parseMesh(await gzip(bytes), name + ".gz");
    assert.deepEqual(zipped, plain);
    assert.equal(plain.indices.length, 6);
  }
  // An OBJ whose first statement is not obviously OBJ still parses when named .obj.
  assert.equal(
    (await parseMesh(text("# x\nfoo\n" + SQUARE + "f 1 2 3\n"), "odd.OBJ.gz"))
      .indices.length,
    3,
  );
});

Deno.test("parseMesh: neither format, broken gzip, and the byte limit", async () => {
  await assert.rejects(parseMesh(text("hello world\n"), "notes.txt"), {
    name: "TypeError",
    message:
      'notes.txt: neither a PLY file (first line "ply") nor a Wavefront OBJ file (.obj)',
  });
  const zipped = await gzip(text(SQUARE + "f 1 2 3\n"));
  await assert.rejects(
    parseMesh(zipped.subarray(0, zipped.length - 6), "cut.obj.gz"),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /^cut\.obj\.gz: not valid gzip data: /);
      assert.ok(!e.message.includes("\n"));
      return true;
    },
  );
  const bomb = await gzip(new Uint8Array(5000).fill(0x20));
  assert.ok(bomb.length < 100);
  await assert.rejects(parseMesh(bomb, "bomb.obj.gz", { maxBytes: 1000 }), {
    name: "RangeError",
    message:
      "bomb.obj.gz: more than 1000 bytes (the limit for a mesh file, after decompression)",
  });
  await assert.rejects(
    parseMesh(new Uint8Array(2000), "big.obj", { maxBytes: 1000 }),
    {
      name: "RangeError",
    },
  );
});

Deno.test("real models: the bunny and the teapot as OBJ, the dragon as gzipped PLY", async () => {
  for (const [model, triangles] of [[bunny, 3674], [teapot, 992]] as const) {
    assert.equal(model.cells.length, triangles);
    const m = await obj(toObj(model));
    assert.equal(m.indices.length / 3 + m.degenerate, triangles);
    assert.deepEqual([...m.positions], model.positions.flat());
  }
  const dragon = await parseMesh(
    await Deno.readFile(dragonFile(4)),
    "dragon_vrip_res4.ply.gz",
  );
  assert.equal(dragon.positions.length / 3, 5205);
  assert.equal(dragon.indices.length / 3 + dragon.degenerate, 11102);
  assert.deepEqual([...dragon.positions.subarray(0, 3)], [
    0.0317083,
    0.0557939,
    -0.049836,
  ]);
});
