/**
 * `deno task bench:farm`: the render farm against local rendering, on one machine. Starts its
 * own `nats-server -js` on a free loopback port and render nodes as `cli.ts farm-node`
 * subprocesses, and renders the original's test scene:
 *
 * - one node with all cores through the farm vs a local render with all cores, at 1920×1080
 *   and 3840×2160 (target: at most 1.15× the local time at 3840×2160);
 * - two nodes with one worker each vs one node with one worker, at 1920×1080 (target: at
 *   least 1.7× faster).
 *
 * Every farm image is compared with the local one, byte for byte. Nodes and the local
 * renderer are warmed up first (workers started, wasm compiled), so the times are those of
 * rendering: connecting, uploading the scene, the jobs, the pixels' trip back and assembly
 * for the farm. The submitter runs in this process, like the CLI's.
 *
 * ```sh
 * deno task bench:farm [--reps 1] [--json] [--quick] [--tile N]
 * ```
 *
 * `--quick` renders at a sixth of each size, to check that the benchmark works; `--tile` sets
 * the render plan's tile size (default the plan's, 64): the pieces that travel back, in jobs
 * of about 512 pixels.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../src/render/renderer.ts";
import { renderOnFarm } from "../src/farm/submit.ts";
import { loadScene } from "../src/scene/mod.ts";
import type { Scene } from "../src/types.ts";
import { startNats } from "../testing/nats.ts";
import { type NodeProcess, startNode } from "../testing/farm_nodes.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    reps: { type: "string" },
    json: { type: "boolean" },
    quick: { type: "boolean" },
    tile: { type: "string" },
  },
});
const reps = Math.max(1, Number(values.reps ?? 1));
const cores = navigator.hardwareConcurrency;

function log(line: string) {
  console.error(line);
}

async function best(run: () => Promise<Uint8Array>) {
  let ms = Infinity;
  let data: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    data = await run();
    ms = Math.min(ms, performance.now() - start);
  }
  return { ms, data };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const scene: Scene = await loadScene(
  new URL("../tests/fixtures/original/test.json", import.meta.url),
);
const divisor = values.quick ? 6 : 1;
const [hd, uhd] = [[1920, 1080], [3840, 2160]].map(([w, h]) =>
  [w / divisor, h / divisor] as const
);
const sizes = [hd, uhd];

await using nats = await startNats();
const server = nats.url;
const farmRender = (width: number, height: number) => async () =>
  (await renderOnFarm(scene, {
    server,
    width,
    height,
    timeoutSeconds: 60,
    ...(values.tile === undefined ? {} : { tileSize: Number(values.tile) }),
  }))
    .data;

async function withNodes<T>(
  workers: number[],
  run: () => Promise<T>,
): Promise<T> {
  const nodes: NodeProcess[] = [];
  try {
    for (const [i, count] of workers.entries()) {
      nodes.push(await startNode(server, `bench${i}`, count));
    }
    // Warm-up, in many small jobs so that every node gets some: workers started, wasm
    // compiled.
    await renderOnFarm(scene, {
      server,
      width: 256,
      height: 128,
      tileSize: 16,
    });
    return await run();
  } finally {
    for (const node of nodes) await node.stop();
  }
}

const results: Record<string, number> = {};
const local: Record<string, Uint8Array> = {};
{
  await using renderer = new Renderer({ workers: cores });
  await renderer.render(scene, { width: 64, height: 48 });
  for (const [width, height] of sizes) {
    const { ms, data } = await best(async () =>
      (await renderer.render(scene, { width, height })).data.slice()
    );
    results[`local ${width}x${height} ${cores}w`] = ms;
    local[`${width}x${height}`] = data;
    log(`local, ${cores} workers, ${width}×${height}: ${ms.toFixed(0)} ms`);
  }
}

await withNodes([cores], async () => {
  for (const [width, height] of sizes) {
    const { ms, data } = await best(farmRender(width, height));
    if (!same(data, local[`${width}x${height}`])) {
      throw new Error(
        `farm image differs from the local one at ${width}×${height}`,
      );
    }
    results[`farm 1 node ${width}x${height} ${cores}w`] = ms;
    log(
      `farm, 1 node × ${cores} workers, ${width}×${height}: ${
        ms.toFixed(0)
      } ms`,
    );
  }
});

for (const nodes of [[1], [1, 1]]) {
  await withNodes(nodes, async () => {
    const { ms, data } = await best(farmRender(hd[0], hd[1]));
    if (!same(data, local[`${hd[0]}x${hd[1]}`])) {
      throw new Error(
        `farm image differs from the local one at ${hd[0]}×${hd[1]}`,
      );
    }
    results[`farm ${nodes.length} nodes 1w each`] = ms;
    log(
      `farm, ${nodes.length} node(s) × 1 worker, ${hd[0]}×${hd[1]}: ${
        ms.toFixed(0)
      } ms`,
    );
  });
}

const ratio = ([w, h]: readonly [number, number]) =>
  results[`farm 1 node ${w}x${h} ${cores}w`] /
  results[`local ${w}x${h} ${cores}w`];
const overhead1080 = ratio(hd);
const overhead4k = ratio(uhd);
const scaling = results["farm 1 nodes 1w each"] /
  results["farm 2 nodes 1w each"];
const verdict = (ok: boolean) => ok ? "PASS" : "MISS";
const summary = [
  `farm/local at ${hd[0]}×${hd[1]}: ${overhead1080.toFixed(2)}×`,
  `farm/local at ${uhd[0]}×${uhd[1]}: ${
    overhead4k.toFixed(2)
  }× (target ≤ 1.15: ${verdict(overhead4k <= 1.15)})`,
  `2 nodes vs 1 (1 worker each): ${scaling.toFixed(2)}× faster (target ≥ 1.7: ${
    verdict(scaling >= 1.7)
  })`,
];
for (const line of summary) log(line);
if (values.json) {
  console.log(JSON.stringify({
    cores,
    reps,
    ms: Object.fromEntries(
      Object.entries(results).map(([k, v]) => [k, Math.round(v)]),
    ),
    overhead1080,
    overhead4k,
    scaling,
  }));
}
