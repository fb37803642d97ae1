// A mesh placed many times is stored once: the packed scene grows by one instance record per
// placement, and so does each worker's memory, not by a copy of the mesh per placement.

import assert from "node:assert/strict";
import { packScene } from "../src/render/packed_scene.ts";
import { planRender } from "../src/render/plan.ts";
import { Renderer, renderPlanned } from "../src/render/renderer.ts";
import { shareScene } from "../src/render/shared_scene.ts";
import { parseScene } from "../src/scene/mod.ts";
import type { Scene } from "../src/types.ts";

const INSTANCE_BYTES = 112;
const SIDE = 300; // a 300 × 300 grid of quads: 180,000 triangles

await Deno.mkdir("out", { recursive: true });
const dir = await Deno.makeTempDir({ dir: "out", prefix: "mesh_instances_" });
const lines: string[] = [];
for (let y = 0; y <= SIDE; y++) {
  for (let x = 0; x <= SIDE; x++) {
    lines.push(`v ${x / SIDE} ${y / SIDE} ${((x * 7 + y * 3) % 5) / 50}`);
  }
}
const at = (x: number, y: number) => y * (SIDE + 1) + x + 1;
for (let y = 0; y < SIDE; y++) {
  for (let x = 0; x < SIDE; x++) {
    lines.push(`f ${at(x, y)} ${at(x + 1, y)} ${at(x + 1, y + 1)}`);
    lines.push(`f ${at(x, y)} ${at(x + 1, y + 1)} ${at(x, y + 1)}`);
  }
}
await Deno.writeTextFile(`${dir}/grid.obj`, lines.join("\n") + "\n");

/** The grid placed `count` times, in a row receding from the camera. */
function placed(count: number): Promise<Scene> {
  const description = {
    width: 16,
    height: 12,
    fov: 60,
    shadow_bias: 1e-9,
    max_recursion_depth: 3,
    elements: Array.from({ length: count }, (_, i) => ({
      Mesh: {
        path: "grid.obj",
        material: {
          coloration: { Color: { red: 0.8, green: 0.8, blue: 0.8 } },
          albedo: 0.5,
          surface: "Diffuse",
        },
        transform: {
          rotate: { axis: { x: 0, y: 1, z: 0 }, degrees: i % 360 },
          translate: { x: (i % 10) * 1.5 - 7, y: -1, z: -3 - 1.5 * i },
        },
        smooth: i % 2 === 0,
      },
    })),
    lights: [{
      Directional: {
        direction: { x: 0, y: -1, z: -1 },
        color: { red: 1, green: 1, blue: 1 },
        intensity: 1,
      },
    }],
  };
  return parseScene(JSON.stringify(description), { baseDir: dir });
}

/** The core memory of a fresh worker once it holds `scene`. */
async function workerMemory(scene: Scene): Promise<number> {
  await using renderer = new Renderer({ workers: 1 });
  let memory = 0;
  await renderPlanned(renderer, planRender(scene, {}, 1), {
    onSceneBuilt: (_ms, bytes) => memory = bytes,
  });
  assert.ok(memory > 0, "the worker reported its memory");
  return memory;
}

Deno.test("one mesh placed 1,000 times: the packed scene and the workers' memory grow by the instances", async () => {
  try {
    const once = await placed(1);
    const thousand = await placed(1000);
    const packedOnce = packScene(once).length;
    const packedThousand = packScene(thousand).length;
    assert.equal(packedThousand, packedOnce + 999 * INSTANCE_BYTES);
    // The mesh itself: its positions and indices alone are more than 2 MB.
    const meshBytes = (SIDE + 1) ** 2 * 12 + 2 * SIDE * SIDE * 12;
    assert.ok(packedOnce > meshBytes);

    // A worker's memory: empty, with the mesh placed once, placed 1,000 times. Wasm memory
    // grows in pages and its allocator keeps free blocks, so compare with what one mesh costs
    // (999 more copies would cost 999 times that).
    const memoryEmpty = await workerMemory(await placed(0));
    const memoryOnce = await workerMemory(once);
    const memoryThousand = await workerMemory(thousand);
    const oneMesh = memoryOnce - memoryEmpty;
    const growth = memoryThousand - memoryOnce;
    assert.ok(oneMesh > meshBytes, `one mesh took ${oneMesh} bytes`);
    assert.ok(
      growth < oneMesh / 2,
      `999 more placements took ${growth} bytes of a worker's memory, one mesh ${oneMesh}`,
    );
    // And the prepared bytes the workers read likewise hold the mesh once.
    const preparedOnce = (await shareScene(once)).bytes.byteLength;
    const preparedThousand = (await shareScene(thousand)).bytes.byteLength;
    assert.ok(preparedThousand - preparedOnce < meshBytes / 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
