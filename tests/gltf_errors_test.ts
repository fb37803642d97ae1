// Bad glTF files: each refused with one line naming the file and the glTF path, before
// anything big is allocated; random corruption of a valid file never escapes as a crash.

import assert from "node:assert/strict";
import { readGltf } from "../src/gltf/read_gltf.ts";
import {
  MAX_GLTF_ACCESSOR_BYTES,
  MAX_GLTF_TRIANGLES,
} from "../src/gltf/limits.ts";
import { png, texturedBox, writeGlb, writeGltf } from "./fixtures/gltf.ts";

await Deno.mkdir("out", { recursive: true });
const tmp = await Deno.makeTempDir({ dir: "out", prefix: "gltf_errors_" });

// The textured box as .gltf + box.bin + checker.png: 4 accessors (POSITION, NORMAL,
// TEXCOORD_0, indices), one buffer view each.
const base = await writeGltf(await texturedBox(), tmp, "box");
// deno-lint-ignore no-explicit-any
type Json = any;
const baseJson: Json = base.json;

let serial = 0;
/** Writes `change(copy of the box's JSON)` beside box.bin and reads it. */
async function readChanged(change: (json: Json) => void): Promise<unknown> {
  const json = structuredClone(baseJson);
  change(json);
  const path = `${tmp}/case${serial++}.gltf`;
  await Deno.writeTextFile(path, JSON.stringify(json));
  return await readGltf(path).then(() => "loaded", (error) => error);
}

/** Asserts the change is refused with exactly `message` after `glTF file "<path>": `. */
async function refused(
  change: (json: Json) => void,
  message: string,
  name = "TypeError",
): Promise<void> {
  const error = await readChanged(change);
  assert.ok(error instanceof Error, `expected an error, got ${String(error)}`);
  const path = `${tmp}/case${serial - 1}.gltf`;
  assert.equal(error.message, `glTF file ${JSON.stringify(path)}: ${message}`);
  assert.equal(error.name, name);
  assert.ok(!error.message.includes("\n"));
}

Deno.test("the unchanged base file loads (so every refusal below is the change's)", async () => {
  assert.equal(await readChanged(() => {}), "loaded");
});

Deno.test("references out of range name the glTF path", async () => {
  await refused(
    (j) => (j.meshes[0].primitives[0].indices = 12),
    "meshes[0].primitives[0].indices: accessor 12 is out of range (the file has 4 accessors)",
  );
  await refused(
    (j) => (j.meshes[0].primitives[0].attributes.NORMAL = 4),
    "meshes[0].primitives[0].attributes.NORMAL: accessor 4 is out of range (the file has 4 accessors)",
  );
  await refused(
    (j) => (j.meshes[0].primitives[0].material = 3),
    "meshes[0].primitives[0].material: material 3 is out of range (the file has 1 materials)",
  );
  await refused(
    (j) => (j.nodes[0].mesh = 1),
    "nodes[0].mesh: mesh 1 is out of range (the file has 1 meshes)",
  );
  await refused(
    (j) => (j.accessors[0].bufferView = -1),
    "accessors[0].bufferView: -1 is not an index",
  );
  await refused(
    (j) => (j.materials[0].pbrMetallicRoughness.baseColorTexture.index = 5),
    "materials[0].pbrMetallicRoughness.baseColorTexture.index: texture 5 is out of range (the file has 1 textures)",
  );
  await refused(
    (j) => (j.textures[0].source = 2),
    "textures[0].source: image 2 is out of range (the file has 1 images)",
  );
  await refused(
    (j) => (j.scene = 1),
    "scene: scene 1 is out of range (the file has 1 scenes)",
  );
});

Deno.test("data beyond its buffer, view or declared length", async () => {
  await refused(
    (j) => (j.accessors[0].count = 1000),
    // The writer interleaves the vertex attributes: 32 bytes a vertex, 24 vertices.
    "accessors[0]: 1000 elements from byte 0 need 31980 bytes, more than bufferView 0's 768",
  );
  await refused(
    (j) => (j.bufferViews[0].byteOffset = 10000),
    `bufferViews[0]: bytes 10000..10768 are beyond buffer 0's ${
      baseJson.buffers[0].byteLength
    } bytes`,
  );
  await refused(
    (j) => (j.buffers[0].byteLength += 4),
    `buffers[0].byteLength: ${
      baseJson.buffers[0].byteLength + 4
    } bytes, but the buffer's data has only ${baseJson.buffers[0].byteLength}`,
  );
  await refused(
    (j) => (j.accessors[0].byteOffset = 2),
    "accessors[0].byteOffset: the data is not aligned to its 4-byte components",
  );
  await refused(
    (j) => (j.meshes[0].primitives[0].attributes.TEXCOORD_0 = 3),
    "meshes[0].primitives[0].attributes.TEXCOORD_0: accessor 3 has 36 elements, but POSITION has 24",
  );
  await refused(
    (j) => (j.accessors[3].componentType = 5122),
    "meshes[0].primitives[0].indices: accessor 3 is not a SCALAR of unsigned bytes, shorts or ints",
  );
});

Deno.test("an index beyond the vertices names the primitive's indices", async () => {
  // Point the indices at the POSITION data read as u16: x = 0.5 is 0x3F000000, so element 1
  // is 0x3F00 = 16128, far past 24 vertices.
  await refused(
    (j) => {
      j.bufferViews.push({ buffer: 0, byteOffset: 0, byteLength: 72 });
      j.accessors.push({
        bufferView: j.bufferViews.length - 1,
        componentType: 5123,
        count: 36,
        type: "SCALAR",
      });
      j.meshes[0].primitives[0].indices = 4;
    },
    "meshes[0].primitives[0].indices: index 16128 (element 1) is out of range: the primitive has 24 vertices",
  );
});

Deno.test("the node hierarchy must be a forest", async () => {
  await refused(
    (j) => {
      j.nodes.push({ children: [0] }, { children: [0] });
    },
    "nodes[2].children[0]: node 0 already has a parent (nodes[1])",
  );
  await refused(
    (j) => {
      j.nodes.push({ children: [2] }, { children: [1] });
    },
    "nodes[1]: is its own ancestor (the node hierarchy has a cycle)",
  );
  await refused(
    (j) => {
      j.nodes.push({ children: [0] });
    },
    "scenes[0].nodes[0]: node 0 is not a root (its parent is nodes[1])",
  );
  await refused(
    (j) => (j.nodes[0].matrix = [1, 0, 0]),
    "nodes[0].matrix: must be 16 finite numbers",
  );
});

Deno.test("wrong versions, types and cameras", async () => {
  await refused(
    (j) => (j.asset.version = "1.0"),
    'asset.version: "1.0" is not a glTF 2.x version',
  );
  await refused((j) => delete j.asset, "asset: missing (every glTF has one)");
  await refused(
    (j) => (j.accessors[0].type = "VEC5"),
    'accessors[0].type: "VEC5" is not a glTF accessor type',
  );
  await refused(
    (j) => (j.meshes[0].primitives[0].mode = 7),
    "meshes[0].primitives[0].mode: 7 is not a glTF primitive mode",
  );
  await refused(
    (j) => (j.materials[0].alphaMode = "CUTOUT"),
    'materials[0].alphaMode: "CUTOUT" is not OPAQUE, MASK or BLEND',
  );
  await refused(
    (
      j,
    ) => (j.cameras = [{
      type: "perspective",
      perspective: { yfov: 0, znear: 1 },
    }]),
    "cameras[0].perspective.yfov: must be between 0 and π",
  );
  await refused(
    (j) => (j.buffers[0].uri = "https://example.invalid/box.bin"),
    'buffers[0].uri: "https://example.invalid/box.bin" is neither a relative file path nor a data: URI',
  );
});

Deno.test("totals beyond the limits are refused before anything is allocated", async () => {
  // 3 × 17M zero-filled indices (no bufferView): 204 MB of accessor, refused by count.
  const count = 3 * (MAX_GLTF_TRIANGLES + 1);
  await refused(
    (j) => {
      j.accessors.push({ componentType: 5125, count, type: "SCALAR" });
      j.meshes[0].primitives[0].indices = 4;
    },
    `meshes[0].primitives[0]: the model has more than the limit of ${MAX_GLTF_TRIANGLES} triangles`,
    "RangeError",
  );
  await refused(
    (j) =>
      j.accessors.push({ componentType: 5126, count: 2 ** 40, type: "MAT4" }),
    `accessors[4]: the accessors decode to more than the limit of ${MAX_GLTF_ACCESSOR_BYTES} bytes`,
    "RangeError",
  );
  await refused(
    (j) => {
      // 1,101 roots each placing a mesh of 1,000 primitives: 1.1M placements. The count is
      // walked from the last root, so the 1,049th counted (nodes[52]) crosses the limit.
      for (let i = 0; i < 1100; i++) j.nodes.push({ mesh: 0 });
      j.meshes[0].primitives = Array(1000).fill(j.meshes[0].primitives[0]);
      j.scenes[0].nodes = j.nodes.map((_: unknown, i: number) => i);
    },
    "nodes[52]: the scene places more than the limit of 1048576 primitives",
    "RangeError",
  );
});

Deno.test("missing, unreadable and undecodable resources", async () => {
  await refused(
    (j) => (j.buffers[0].uri = "nowhere.bin"),
    `buffers[0].uri: cannot read "nowhere.bin" (${
      JSON.stringify(`${Deno.cwd()}/${tmp}/nowhere.bin`)
    }): No such file or directory`,
    "NotFound",
  );
  await refused(
    (j) => (j.buffers[0].uri = "/dev/zero"),
    'buffers[0].uri: cannot read "/dev/zero" ("/dev/zero"): it is a character device, not a regular file',
  );
  await Deno.writeTextFile(`${tmp}/not_an_image.png`, "hello, world");
  await refused(
    (j) => (j.images[0].uri = "not_an_image.png"),
    "images[0]: image/png is not a PNG or JPEG image (the only formats raypool decodes)",
  );
  const good = await png(4, 4, () => [1, 2, 3, 255]);
  await Deno.writeFile(`${tmp}/broken.png`, good.slice(0, 40));
  const error = await readChanged((j) => (j.images[0].uri = "broken.png"));
  assert.ok(error instanceof TypeError);
  assert.match(
    error.message,
    /^glTF file "[^"]+": images\[0\]: cannot decode the image: /,
  );
  // A PNG header claiming 100,000 × 100,000 pixels is refused before decoding.
  const huge = good.slice();
  new DataView(huge.buffer).setUint32(16, 100_000);
  new DataView(huge.buffer).setUint32(20, 100_000);
  await Deno.writeFile(`${tmp}/huge.png`, huge);
  await refused(
    (j) => (j.images[0].uri = "huge.png"),
    "images[0]: 100000 × 100000 pixels is beyond the limit of 67108864 pixels an image, 268435456 in all",
    "RangeError",
  );
});

Deno.test("not glTF at all: not JSON, a truncated or forged .glb", async () => {
  const glb = await Deno.readFile(
    await writeGlb(await texturedBox(), `${tmp}/good.glb`),
  );
  const cases: [Uint8Array, string, string][] = [
    [new TextEncoder().encode("{ nope"), "not valid JSON: ", "SyntaxError"],
    [glb.slice(0, 16), "not a valid .glb: only 16 bytes", "TypeError"],
    [
      glb.slice(0, 100),
      `not a valid .glb: the header says ${glb.length} bytes, the file has 100`,
      "TypeError",
    ],
    [
      (() => {
        const forged = glb.slice();
        new DataView(forged.buffer).setUint32(12, 0x7fffffff, true);
        return forged;
      })(),
      "not a valid .glb: the JSON chunk (2147483647 bytes) runs past the end",
      "TypeError",
    ],
    [
      (() => {
        const forged = glb.slice();
        new DataView(forged.buffer).setUint32(4, 1, true);
        return forged;
      })(),
      "not a valid .glb: version 1, not 2",
      "TypeError",
    ],
  ];
  for (const [bytes, message, name] of cases) {
    const path = `${tmp}/bad${serial++}.glb`;
    await Deno.writeFile(path, bytes);
    const error = await readGltf(path).catch((e) => e);
    assert.ok(error instanceof Error);
    assert.ok(
      error.message.startsWith(`glTF file ${JSON.stringify(path)}: ${message}`),
      error.message,
    );
    assert.equal(error.name, name);
  }
  await assert.rejects(readGltf(tmp), { name: "IsADirectory" });
  await assert.rejects(readGltf("/dev/zero"), {
    name: "TypeError",
    message:
      'cannot read glTF file "/dev/zero": it is a character device, not a regular file',
  });
});

Deno.test("random corruption of a valid .glb: it loads or is refused in one line, never a crash", async () => {
  const doc = await texturedBox();
  doc.getRoot().listNodes()[0].setMatrix([
    2,
    0,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    0,
    2,
    0,
    1,
    1,
    1,
    1,
  ]);
  const glb = await Deno.readFile(await writeGlb(doc, `${tmp}/fuzz.glb`));
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const path = `${tmp}/fuzzed.glb`;
  const outcomes = { loaded: 0, refused: 0 };
  for (let i = 0; i < 300; i++) {
    const bytes = glb.slice();
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f++) {
      const at = Math.floor(random() * bytes.length);
      bytes[at] = random() < 0.5
        ? bytes[at] ^ (1 << Math.floor(random() * 8))
        : Math.floor(random() * 256);
    }
    await Deno.writeFile(path, bytes);
    try {
      await readGltf(path);
      outcomes.loaded++;
    } catch (error) {
      assert.ok(error instanceof Error, `case ${i}: ${String(error)}`);
      assert.ok(
        error.message.startsWith(`glTF file ${JSON.stringify(path)}: `) &&
          !error.message.includes("\n"),
        `case ${i}: ${error.message}`,
      );
      outcomes.refused++;
    }
  }
  // Both outcomes occur, so the loop exercises the loader and its checks.
  assert.ok(
    outcomes.loaded > 0 && outcomes.refused > 0,
    JSON.stringify(outcomes),
  );
});

Deno.test("random values in a valid file's JSON: it loads or is refused in one line", async () => {
  let seed = 777;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const values = [
    -1,
    0,
    1,
    2,
    3,
    5,
    7,
    255,
    5126,
    2 ** 31,
    1e9,
    0.5,
    null,
    "x",
    [],
    {},
  ];
  // Every place in the JSON that holds a number or a string, as a path of keys.
  const places: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else places.push(path);
  };
  walk(baseJson, []);
  const outcomes = { loaded: 0, refused: 0 };
  for (let i = 0; i < 300; i++) {
    const error = await readChanged((json) => {
      for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
        const path = places[Math.floor(random() * places.length)];
        let owner = json;
        for (const key of path.slice(0, -1)) owner = owner[key];
        owner[path[path.length - 1]] =
          values[Math.floor(random() * values.length)];
      }
    });
    if (error === "loaded") {
      outcomes.loaded++;
      continue;
    }
    assert.ok(error instanceof Error, `case ${i}: ${String(error)}`);
    assert.ok(
      error.message.startsWith(`glTF file "${tmp}/case${serial - 1}.gltf": `) &&
        !error.message.includes("\n"),
      `case ${i}: ${error.name}: ${error.message}`,
    );
    outcomes.refused++;
  }
  assert.ok(
    outcomes.loaded > 0 && outcomes.refused > 0,
    JSON.stringify(outcomes),
  );
});
