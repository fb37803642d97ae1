// The farm gives exactly the pixels of a local render, in-process: nodes started with
// startFarmNode, renders submitted with renderOnFarm, against a real nats-server.

import assert from "node:assert/strict";
import {
  loadScene,
  render,
  renderOnFarm,
  type Scene,
  startFarmNode,
} from "../mod.ts";
import { startNats } from "../testing/nats.ts";
import { testsNeeding } from "../testing/process.ts";

/** Deno.test, skipped (one line naming the Debian package) without nats-server. */
const test = await testsNeeding("nats-server", "nats-server");

const ORIGINAL = new URL("./fixtures/original/test.json", import.meta.url);

async function localPixels(
  scene: Scene,
  options: Parameters<typeof render>[1],
): Promise<Uint8Array> {
  const image = await render(scene, { ...options, workers: 2 });
  return image.data.slice();
}

test("farm: one and two nodes give a local render's pixels (textures, odd tiles, samples, region)", async () => {
  await using nats = await startNats();
  const scene = await loadScene(ORIGINAL); // has a checkerboard texture
  assert.ok(scene.textures.size > 0);
  await using _first = await startFarmNode({
    server: nats.url,
    workers: 2,
    name: "first",
  });
  const cases = [
    { width: 96, height: 64 },
    { width: 97, height: 61, tileSize: 23 },
    { width: 64, height: 48, samples: 4, tileSize: 17 },
    {
      width: 120,
      height: 90,
      region: { x: 13, y: 7, width: 71, height: 50 },
      tileSize: 31,
    },
  ];
  for (const options of cases) {
    const farm = await renderOnFarm(scene, {
      server: nats.url,
      timeoutSeconds: 20,
      ...options,
    });
    const local = await localPixels(scene, options);
    assert.equal(farm.width, options.region?.width ?? options.width);
    assert.equal(farm.data.length, local.length);
    assert.ok(
      farm.data.every((byte, i) => byte === local[i]),
      `pixels differ for ${JSON.stringify(options)}`,
    );
  }
  await using _second = await startFarmNode({
    server: nats.url,
    workers: 1,
    name: "second",
  });
  const options = { width: 160, height: 120, tileSize: 16 };
  const farm = await renderOnFarm(scene, { server: nats.url, ...options });
  assert.deepEqual(farm.data, await localPixels(scene, options));
});

test("farm: a scene with a mesh file renders to a local render's pixels", async () => {
  await using nats = await startNats();
  const scene = await loadScene(
    new URL("../examples/teapot.json", import.meta.url),
  );
  assert.ok((scene.meshes?.size ?? 0) > 0, "the example loads a mesh file");
  await using _node = await startFarmNode({
    server: nats.url,
    workers: 2,
    name: "meshes",
  });
  const options = { width: 120, height: 90, tileSize: 32 };
  const farm = await renderOnFarm(scene, {
    server: nats.url,
    timeoutSeconds: 20,
    ...options,
  });
  const local = await localPixels(scene, options);
  assert.ok(local.some((v, i) => i % 4 !== 3 && v !== 0), "the teapot is seen");
  assert.deepEqual(farm.data, local);
});
