// One source of limits for the validator and the core, extended to meshes and transforms
// (issue 19 item 6): what the core cannot build is refused before packing, with a JSON path
// or a file and line, never "the scene could not be built: packed scene: …"; and values just
// inside the limits pass validation and build.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseScene } from "../src/scene/mod.ts";
import { Renderer } from "../src/render/renderer.ts";
import { F32_MAX } from "../src/scene/limits.ts";

const material = {
  coloration: { Color: { red: 1, green: 1, blue: 1 } },
  albedo: 0.5,
  surface: "Diffuse",
};
const triangle = {
  positions: [0, 0, -5, 1, 0, -5, 0, 1, -5],
  indices: [0, 1, 2],
};
const sceneText = (elements: unknown[]) =>
  JSON.stringify({
    width: 4,
    height: 4,
    fov: 90,
    elements,
    lights: [],
    shadow_bias: 1e-3,
    max_recursion_depth: 2,
  });

const FILES: Record<string, string> = {
  "t.obj": "v 0 0 -5\nv 1 0 -5\nv 0 1 -5\nf 1 2 3\n",
  "vt.obj":
    "v 0 0 -5\nv 1 0 -5\nv 0 1 -5\nvt 1e300 0\nvt 0 0\nvt 1 1\nf 1/1 2/2 3/3\n",
  "vn.obj": "v 0 0 -5\nv 1 0 -5\nv 0 1 -5\nvn 1e300 0 0\nf 1//1 2//1 3//1\n",
  "big.obj": "v 0 0 -5\nv 3e38 0 -5\nv 0 1 -5\nf 1 2 3\n",
  "n.ply": [
    "ply",
    "format ascii 1.0",
    "element vertex 3",
    "property double x",
    "property double y",
    "property double z",
    "property double nx",
    "property double ny",
    "property double nz",
    "element face 1",
    "property list uchar int vertex_indices",
    "end_header",
    "0 0 -5 1e300 0 0",
    "1 0 -5 0 0 1",
    "0 1 -5 0 0 1",
    "3 0 1 2",
    "",
  ].join("\n"),
};

async function withFiles(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "raypool_limits_" });
  try {
    for (const [name, text] of Object.entries(FILES)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("what the core cannot hold is refused by the validator or the parser, by JSON path or file:line", async () => {
  const cases: [string, unknown, string][] = [
    [
      "inline coordinate of 1.7976931348623157e308",
      {
        Mesh: {
          ...triangle,
          positions: [0, 0, -5, 1.7976931348623157e308, 0, -5, 0, 1, -5],
          material,
        },
      },
      `elements[0].Mesh.positions[3] must be within the 32-bit float range (±${F32_MAX}), got 1.7976931348623157e+308`,
    ],
    [
      "inline uvs of 1e39",
      { Mesh: { ...triangle, uvs: [0, 0, 1e39, 0, 0, 1], material } },
      `elements[0].Mesh.uvs[2] must be within the 32-bit float range (±${F32_MAX}), got 1e+39`,
    ],
    [
      "scale 1e308",
      { Mesh: { path: "t.obj", transform: { scale: 1e308 }, material } },
      "elements[0].Mesh.transform: the determinant of its matrix is Infinity, which must be finite and non-zero (the scale factors' product overflows or underflows)",
    ],
    [
      "scale 1e-200 (inline)",
      { Mesh: { ...triangle, transform: { scale: 1e-200 }, material } },
      "elements[0].Mesh.transform: the determinant of its matrix is 0, which must be finite and non-zero (the scale factors' product overflows or underflows)",
    ],
    [
      "translate 1e308",
      {
        Mesh: {
          path: "t.obj",
          transform: { translate: { x: 1e308, y: 0, z: 0 } },
          material,
        },
      },
      `elements[0].Mesh.transform: it places the mesh beyond the 32-bit float range (±${F32_MAX}): its box's corner (0, 0, -5) goes to (1e+308, 0, -5) (mesh "t.obj")`,
    ],
    [
      "scale 2 of a mesh reaching 3e38",
      { Mesh: { path: "big.obj", transform: { scale: 2 }, material } },
      `elements[0].Mesh.transform: it places the mesh beyond the 32-bit float range (±${F32_MAX}): its box's corner (3.0000000054977558e+38, 0, -5) goes to (6.0000000109955115e+38, 0, -10) (mesh "big.obj")`,
    ],
    [
      "OBJ vt 1e300",
      { Mesh: { path: "vt.obj", material } },
      'elements[0].Mesh.path: vt.obj:4: texture u must be within the 32-bit float range (±3.4e38), got "1e300"',
    ],
    [
      "OBJ vn 1e300 with smooth",
      { Mesh: { path: "vn.obj", smooth: true, material } },
      'elements[0].Mesh.path: vn.obj:4: normal x must be within the 32-bit float range (±3.4e38), got "1e300"',
    ],
    [
      "PLY normals of 1e300 with smooth",
      { Mesh: { path: "n.ply", smooth: true, material } },
      "elements[0].Mesh.path: n.ply:13: vertex nx must be finite and within the 32-bit float range (±3.4e38), got 1e+300",
    ],
  ];
  await withFiles(async (dir) => {
    for (const [name, element, message] of cases) {
      await assert.rejects(
        parseScene(sceneText([element]), { baseDir: dir }),
        { name: "RangeError", message },
        name,
      );
    }
  });
});

Deno.test("values just inside the limits pass validation and build in the core", async () => {
  await withFiles(async (dir) => {
    await using renderer = new Renderer({ workers: 1 });
    const inside: unknown[] = [
      {
        Mesh: {
          ...triangle,
          positions: [0, 0, -5, 3.4e38, 0, -5, 0, 1, -5],
          uvs: [0, 0, 3.4e38, -3.4e38, 0, 1],
          material,
        },
      },
      { Mesh: { path: "big.obj", material } },
      { Mesh: { path: "t.obj", transform: { scale: 1e-90 }, material } },
      {
        Mesh: {
          path: "t.obj",
          transform: { scale: 1e12, translate: { x: 3e38, y: 0, z: 0 } },
          material,
        },
      },
    ];
    for (const element of inside) {
      const scene = await parseScene(sceneText([element]), { baseDir: dir });
      const image = await renderer.render(scene, { width: 4, height: 4 });
      assert.equal(image.data.length, 4 * 4 * 4);
    }
  });
});
