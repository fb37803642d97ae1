/**
 * Rendering benchmarks: the original's scene at 1920×1080.
 *
 * - "scaling": 1 vs 2 workers, render phase only (each iteration's pool is started and warmed
 *   before the clock starts).
 * - "tile size": the sweep used to choose `DEFAULT_TILE_SIZE`, with 2 workers.
 * - "scene transfer": why scenes are packed once into shared memory rather than
 *   structured-cloned to each worker (100,000 spheres).
 *
 * ```sh
 * deno task bench:render [--filter "tiles of"]
 * ```
 *
 * (`deno task bench` is the full benchmark of issue 6, `bench/main.ts`; this file is the
 * `deno bench` view of the same renders, for quick A/B comparisons.)
 *
 * On a shared machine wall-clock ratios are at the mercy of other processes. With
 * `-- --thread-cpu` (and `--allow-run=bash`, to read `/proc/<pid>/task/*\/stat`, which Deno
 * only lets `--allow-all` read directly) no benchmark is registered; instead each tile size is
 * rendered with 1 and 2 workers and the CPU time of every thread is reported, giving a
 * speed-up estimate that other load does not distort: on an idle 2-core machine a render
 * lasts about max(busiest thread, all threads' CPU / 2).
 *
 * @module
 */

import { packScene } from "../src/render/packed_scene.ts";
import { Renderer } from "../src/render/renderer.ts";
import { loadScene } from "../src/scene/mod.ts";
import type { Element, SceneDescription } from "../src/types.ts";
import { cpuBetween, idleEstimateMs, threadCpuMs } from "./measure.ts";

const scene = await loadScene(
  new URL("../tests/fixtures/original/test_800x600.json", import.meta.url),
);
const HD = { width: 1920, height: 1080 };

function renderBench(workers: number, tileSize?: number) {
  return async (b: Deno.BenchContext) => {
    await using renderer = new Renderer({ workers });
    // Start and warm every worker (wasm instantiated, code paths hot) before timing.
    await renderer.render(scene, { width: 64, height: 36, tileSize: 8 });
    b.start();
    await renderer.render(scene, { ...HD, tileSize });
    b.end();
  };
}

if (Deno.args.includes("--thread-cpu")) {
  await threadCpuReport([16, 32, 64, 128]);
} else {
  registerBenches();
}

function registerBenches() {
  Deno.bench({
    name: "1920×1080, 1 worker",
    group: "scaling",
    baseline: true,
    n: 4,
    warmup: 1,
    fn: renderBench(1),
  });
  Deno.bench({
    name: "1920×1080, 2 workers",
    group: "scaling",
    n: 4,
    warmup: 1,
    fn: renderBench(2),
  });

  for (const tileSize of [8, 16, 32, 64, 128, 256]) {
    Deno.bench({
      name: `1920×1080, 2 workers, tiles of ${tileSize}`,
      group: "tile size",
      baseline: tileSize === 64,
      n: 4,
      warmup: 1,
      fn: renderBench(2, tileSize),
    });
  }

  const manySpheres: SceneDescription = {
    ...scene.description,
    elements: Array.from({ length: 100_000 }, (_, i): Element => ({
      Sphere: {
        center: { x: i % 100, y: Math.floor(i / 100) % 100, z: -50 - (i % 7) },
        radius: 0.4,
        material: {
          coloration: { Color: { red: (i % 10) / 10, green: 0.5, blue: 0.2 } },
          albedo: 0.18,
          surface: "Diffuse",
        },
      },
    })),
  };

  Deno.bench({
    name: "100,000 spheres: structuredClone of the description (per worker)",
    group: "scene transfer",
    n: 5,
    warmup: 1,
    fn() {
      structuredClone(manySpheres);
    },
  });
  Deno.bench({
    // The packed bytes go to the workers in a SharedArrayBuffer: this is all they cost.
    name: "100,000 spheres: packScene once (shared with every worker, no copy)",
    group: "scene transfer",
    baseline: true,
    n: 5,
    warmup: 1,
    fn() {
      packScene({ description: manySpheres, textures: scene.textures });
    },
  });
}

async function threadCpuReport(tileSizes: number[]) {
  await using one = new Renderer({ workers: 1 });
  await using two = new Renderer({ workers: 2 });
  for (const renderer of [one, two]) {
    await renderer.render(scene, { width: 64, height: 36, tileSize: 8 });
  }
  const measure = async (renderer: Renderer, tileSize: number) => {
    const before = threadCpuMs();
    const start = performance.now();
    await renderer.render(scene, { ...HD, tileSize });
    const wallMs = performance.now() - start;
    const after = threadCpuMs();
    if (before === null || after === null) {
      throw new Error("--thread-cpu needs --allow-run=bash to read /proc");
    }
    return { wallMs, cpuMs: cpuBetween(before, after) };
  };
  const rows = [];
  for (const tileSize of tileSizes) {
    const a = await measure(one, tileSize);
    const b = await measure(two, tileSize);
    // On an otherwise idle 2-core machine a render takes as long as its busiest thread, or
    // half the CPU time of all its threads (main thread included), whichever is longer.
    const idleWall = (ms: number[]) => idleEstimateMs(ms, 2);
    rows.push({
      tileSize,
      "1 worker wall ms": Math.round(a.wallMs),
      "2 workers wall ms": Math.round(b.wallMs),
      "wall speed-up": +(a.wallMs / b.wallMs).toFixed(2),
      "1 worker cpu ms (threads)": a.cpuMs.join(" "),
      "2 workers cpu ms (threads)": b.cpuMs.join(" "),
      "idle 2-core speed-up estimate": +(idleWall(a.cpuMs) / idleWall(b.cpuMs))
        .toFixed(2),
    });
  }
  console.table(rows);
}
