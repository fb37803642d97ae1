// The pool and the tile scheduler, with stand-in workers that need no wasm
// (tests/fixtures/workers/pattern*.ts paint each pixel from its coordinates).
import assert from "node:assert/strict";
import { WorkerPool } from "../src/render/pool.ts";
import { TileScheduler } from "../src/render/schedule.ts";
import { type RenderProgress, splitTiles } from "../src/render/plan.ts";
import type { Region } from "../src/types.ts";

const EMPTY_WASM = await WebAssembly.compile(
  new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
);

function fixture(name: string): URL {
  return new URL(`./fixtures/workers/${name}.ts`, import.meta.url);
}

/** The image the pattern workers paint, cut to `region`. */
function expected(region: Region): Uint8Array {
  const out = new Uint8Array(region.width * region.height * 4);
  for (let j = 0; j < region.height; j++) {
    for (let i = 0; i < region.width; i++) {
      const x = region.x + i, y = region.y + j;
      out.set(
        [x & 255, y & 255, (x * 7 + y * 13) & 255, 255],
        (j * region.width + i) * 4,
      );
    }
  }
  return out;
}

let renderId = 0;

async function run(
  pool: WorkerPool,
  options: {
    region?: Region;
    tileSize?: number;
    workers?: number;
    delayMs?: number;
    order?: (count: number) => number[];
    signal?: AbortSignal;
    onProgress?: (p: RenderProgress) => void;
  } = {},
): Promise<Uint8Array> {
  const region = options.region ?? { x: 0, y: 0, width: 100, height: 70 };
  const tiles = splitTiles(region, options.tileSize ?? 16);
  const order = options.order?.(tiles.length) ??
    tiles.map((_, i) => i);
  const output = new SharedArrayBuffer(region.width * region.height * 4);
  await new TileScheduler({
    pool,
    module: EMPTY_WASM,
    renderId: ++renderId,
    // The pattern workers ignore the scene.
    scene: { key: "pattern", bytes: new SharedArrayBuffer(8) },
    view: {
      width: 1000,
      height: 1000,
      fov: options.delayMs ?? 0,
      samples: 1,
      camera: new Float64Array(),
    },
    output,
    region,
    tiles,
    order,
    workers: options.workers ?? 2,
    signal: options.signal,
    onProgress: options.onProgress,
  }).run();
  return new Uint8Array(output);
}

Deno.test("every tile lands in place whatever the worker count, tile size and order", async () => {
  const pool = new WorkerPool(fixture("pattern"));
  try {
    const region = { x: 0, y: 0, width: 100, height: 70 };
    const want = expected(region);
    for (const workers of [1, 2, 3]) {
      for (const tileSize of [16, 37, 64]) {
        for (
          const order of [
            undefined,
            (n: number) => Array.from({ length: n }, (_, i) => n - 1 - i),
          ]
        ) {
          const got = await run(pool, { workers, tileSize, order });
          assert.deepEqual(
            got,
            want,
            `${workers} workers, tiles of ${tileSize}`,
          );
        }
      }
    }
    assert.equal(pool.size, 3, "workers are reused from render to render");
  } finally {
    pool.terminateAll();
  }
  assert.equal(WorkerPool.live, 0);
});

Deno.test("a region is painted at its own origin", async () => {
  const pool = new WorkerPool(fixture("pattern"));
  try {
    const region = { x: 13, y: 7, width: 41, height: 29 };
    assert.deepEqual(
      await run(pool, { region, tileSize: 16 }),
      expected(region),
    );
  } finally {
    pool.terminateAll();
  }
});

Deno.test("progress counts every tile and pixel once", async () => {
  const pool = new WorkerPool(fixture("pattern"));
  const seen: RenderProgress[] = [];
  try {
    await run(pool, { tileSize: 16, onProgress: (p) => seen.push({ ...p }) });
  } finally {
    pool.terminateAll();
  }
  const total = 7 * 5;
  assert.equal(seen.length, total);
  assert.deepEqual(
    seen.map((p) => p.tilesDone),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  assert.ok(seen.every((p) => p.tilesTotal === total));
  assert.equal(seen.at(-1)!.pixelsDone, 100 * 70);
  assert.ok(
    seen.every((p, i) => i === 0 || p.elapsedMs >= seen[i - 1].elapsedMs),
  );
});

for (const fault of ["crash_once", "error_once"]) {
  Deno.test(`a worker failing once (${fault}): its tile is retried and the image is exact`, async () => {
    const pool = new WorkerPool(fixture(`pattern_${fault}`));
    try {
      const region = { x: 0, y: 0, width: 100, height: 70 };
      assert.deepEqual(
        await run(pool, { region, tileSize: 16 }),
        expected(region),
      );
    } finally {
      pool.terminateAll();
    }
    assert.equal(WorkerPool.live, 0);
  });
}

Deno.test("a tile failing twice rejects the render, naming the tile; failed workers are gone", async () => {
  const pool = new WorkerPool(fixture("pattern_always_fail"));
  await assert.rejects(
    run(pool, { tileSize: 64 }),
    (error: Error) => {
      assert.match(
        error.message,
        /^tile \(\d+, \d+, \d+×\d+\) failed twice: .*injected failure/,
      );
      return true;
    },
  );
  // Every worker that failed was terminated; one still healthy when the render failed waits
  // in the pool (idle: its lease ended), and nothing lives outside the pool.
  assert.ok(pool.size <= 1, `${pool.size} workers kept`);
  assert.equal(WorkerPool.live, pool.size);
  pool.terminateAll();
  assert.equal(WorkerPool.live, 0);
});

Deno.test("aborting rejects with AbortError within 100 ms and cancels the tiles in flight", async () => {
  const pool = new WorkerPool(fixture("pattern"));
  const controller = new AbortController();
  // Tiles of 2 s: the render cannot finish by itself before the abort.
  const rendering = run(pool, {
    delayMs: 2000,
    signal: controller.signal,
    onProgress: () => {},
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(WorkerPool.live, 2);
  const start = performance.now();
  controller.abort();
  await assert.rejects(rendering, { name: "AbortError" });
  const latency = performance.now() - start;
  console.log(`abort latency: ${latency.toFixed(2)} ms`);
  assert.ok(latency < 100, `abort took ${latency} ms`);
  // The workers stay for the next render; had their 2 s tiles (two each, in flight and
  // queued) not been cancelled, it would wait for them.
  assert.equal(pool.size, 2);
  try {
    const region = { x: 0, y: 0, width: 100, height: 70 };
    const next = performance.now();
    assert.deepEqual(await run(pool, { region }), expected(region));
    const waited = performance.now() - next;
    assert.ok(waited < 1000, `the next render waited ${waited} ms`);
  } finally {
    pool.terminateAll();
  }
});

Deno.test("an already aborted signal rejects before any worker starts", async () => {
  const pool = new WorkerPool(fixture("pattern"));
  await assert.rejects(run(pool, { signal: AbortSignal.abort() }), {
    name: "AbortError",
  });
  assert.equal(pool.size, 0);
});
