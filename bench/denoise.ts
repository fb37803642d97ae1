/**
 * `deno task bench:denoise`: what the denoiser buys (issue 18). For three scenes — the Cornell
 * box (examples/cornell.json), a textured one (examples/showcase.json, path traced under a
 * grey sky) and a glossy one (examples/hdr_studio.json: gold, glass, plastic, chrome under an
 * HDR sky) — the relative mean squared error of the tone-mapped image (RGB in [0, 1],
 * Σ(x − r)² / (r² + 0.01) per channel, averaged) against a 4,096-sample reference, for
 * 16 samples denoised, 16 raw and 64 raw. The aim: denoised 16 below raw 64 on all three.
 * Deterministic (the random numbers are keyed by pixel and sample): the numbers do not depend
 * on the machine, only the time does.
 *
 * Flags: `--json`, `--size N` (square side, default 64), `--reference N` (default 4096).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../src/render/renderer.ts";
import { loadScene } from "../src/scene/load.ts";
import { checkScene } from "../src/scene/check_scene.ts";
import type { Scene } from "../src/types.ts";
import { round } from "./measure.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    size: { type: "string", default: "64" },
    reference: { type: "string", default: "4096" },
  },
});
const size = Number(flags.size);
const referenceSamples = Number(flags.reference);

function relativeMse(image: Uint8Array, reference: Uint8Array): number {
  let sum = 0, n = 0;
  for (let i = 0; i < image.length; i++) {
    if (i % 4 === 3) continue;
    const [x, r] = [image[i] / 255, reference[i] / 255];
    sum += (x - r) ** 2 / (r * r + 0.01);
    n++;
  }
  return sum / n;
}

const example = (name: string) =>
  loadScene(new URL(`../examples/${name}`, import.meta.url).pathname);

async function textured(): Promise<Scene> {
  const scene = await example("showcase.json");
  return checkScene({
    ...scene,
    description: {
      ...scene.description,
      integrator: { Path: { max_bounces: 6 } },
      environment: { Color: { red: 0.3, green: 0.3, blue: 0.35 } },
      tone_mapping: "Neutral",
    },
  });
}

const scenes: [string, () => Promise<Scene>][] = [
  ["Cornell box", () => example("cornell.json")],
  ["textured (showcase, path traced)", textured],
  ["glossy (hdr_studio)", () => example("hdr_studio.json")],
];

await using renderer = new Renderer({ workers: 2 });
const rows = [];
for (const [name, load] of scenes) {
  const scene = await load();
  const started = performance.now();
  const at = (samples: number, denoise = false) =>
    renderer.render(scene, {
      width: size,
      height: size,
      samples,
      denoise,
    }).then((image) => image.data.slice());
  const reference = await at(referenceSamples);
  const row = {
    scene: name,
    denoised16: round(relativeMse(await at(16, true), reference), 5),
    raw16: round(relativeMse(await at(16), reference), 5),
    raw64: round(relativeMse(await at(64), reference), 5),
    seconds: round((performance.now() - started) / 1000, 1),
  };
  rows.push(row);
  if (!flags.json) {
    console.log(
      `${row.scene}: denoised 16 ${row.denoised16}, raw 16 ${row.raw16}, raw 64 ${row.raw64} ` +
        `(${size}×${size}, reference ${referenceSamples} samples; ${row.seconds} s)`,
    );
  }
}
if (flags.json) {
  console.log(JSON.stringify({ size, referenceSamples, rows }, null, 2));
}
