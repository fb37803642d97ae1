/**
 * `deno task bench:gltf`: the glTF benchmark of issue 21, on a model built in code (a torus
 * of about 15,000 triangles with 512² base-colour, metallic-roughness and normal textures, no
 * tangents in the file, written to `out/bench_gltf/model.glb`).
 *
 * - **load**: `readGltf` of the model in this process (read, check, parse, triangles,
 *   generated tangents, three PNGs decoded), the best and median of `--reps`;
 * - **pack**: `packScene` of the loaded scene (mesh object, instance, PBR material, the three
 *   images), the best and median of `--reps`, and the packed size;
 * - **loadProcess**: a fresh `deno` process that only loads it: wall time and peak resident
 *   memory (`/usr/bin/time -v`);
 * - **thumbnail**: the whole process of `cli.ts model.glb` at 512 × 512 and 64 samples, wall
 *   time and peak memory, when the CLI renders glTF files (reported as unavailable otherwise);
 * - **blender**: Blender Cycles on the same model, same size and samples, 2 threads, when
 *   `blender` is on PATH (skipped with a note otherwise).
 *
 * ```sh
 * deno task bench:gltf [--json] [--reps 5] [--size 512] [--samples 64]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { readGltf } from "../src/gltf/read_gltf.ts";
import { loadGltf } from "../src/gltf/load_gltf.ts";
import { packScene } from "../src/render/packed_scene.ts";
import { writeBenchModel } from "./_gltf_model.ts";
import { machine, round, summarize } from "./measure.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    reps: { type: "string", default: "5" },
    size: { type: "string", default: "512" },
    samples: { type: "string", default: "64" },
    "child-load": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (flags["child-load"] !== undefined) {
  // The child of loadProcess: load once and exit.
  const model = await readGltf(flags["child-load"]);
  console.log(
    JSON.stringify({ triangles: model.primitives[0].indices.length / 3 }),
  );
  Deno.exit(0);
}
if (flags.help) {
  console.log(
    "usage: deno task bench:gltf [--json] [--reps 5] [--size 512] [--samples 64]",
  );
  Deno.exit(0);
}

const reps = Number(flags.reps);
const size = Number(flags.size);
const samples = Number(flags.samples);
const dir = "out/bench_gltf";
await Deno.mkdir(dir, { recursive: true });
const model = `${dir}/model.glb`;
const triangles = await writeBenchModel(model);
const modelBytes = (await Deno.stat(model)).size;

// In-process load: the first includes importing gltf-transform and imagescript.
const loadRuns: number[] = [];
for (let i = 0; i < reps + 1; i++) {
  const start = performance.now();
  await readGltf(model);
  loadRuns.push(performance.now() - start);
}
const firstLoadMs = round(loadRuns[0]);
const load = summarize(loadRuns.slice(1));

// Packing the loaded scene for the core (what every render of a new scene does first).
const scene = await loadGltf(model, { width: size, height: size });
const packRuns: number[] = [];
let packedBytes = 0;
for (let i = 0; i < reps; i++) {
  const start = performance.now();
  packedBytes = packScene(scene).length;
  packRuns.push(performance.now() - start);
}
const pack = { ...summarize(packRuns), bytes: packedBytes };

const deno = Deno.execPath();
const imagescriptFfi = "--allow-ffi=./node_modules/.deno/imagescript@1.3.1";
const env = "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG";

/** Runs a command under `/usr/bin/time -v`: wall time, peak memory, exit code, stderr. */
async function timed(args: string[]) {
  const start = performance.now();
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-v", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - start;
  const stderr = new TextDecoder().decode(output.stderr);
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const status = /Exit status: (\d+)/.exec(stderr);
  return {
    wallMs: round(wallMs),
    peakMB: kb === null ? undefined : round(Number(kb[1]) / 1024),
    code: status === null ? output.code : Number(status[1]),
    stderr,
  };
}

const child = await timed([
  deno,
  "run",
  "--allow-read",
  imagescriptFfi,
  env,
  "bench/gltf.ts",
  "--child-load",
  model,
]);
const loadProcess = { wallMs: child.wallMs, peakMB: child.peakMB };

const image = `${dir}/thumbnail.png`;
const render = await timed([
  deno,
  "run",
  "--allow-read",
  `--allow-write=${dir}`,
  imagescriptFfi,
  env,
  "cli.ts",
  model,
  "--width",
  String(size),
  "--height",
  String(size),
  "--samples",
  String(samples),
  "--output",
  image,
]);
const thumbnail = render.code === 0
  ? { wallMs: render.wallMs, peakMB: render.peakMB, output: image }
  : {
    unavailable:
      render.stderr.split("\n").find((line) => line.trim() !== "")?.trim() ??
        `exit ${render.code}`,
  };

let blender: Record<string, unknown>;
const hasBlender = await new Deno.Command("sh", {
  args: ["-c", "command -v blender"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);
if (!hasBlender) {
  blender = {
    skipped: "blender is not on PATH (apt-get install blender python3-numpy)",
  };
} else {
  const script = `${dir}/blender_thumbnail.py`;
  const view = {
    fov: scene.description.fov,
    camera: scene.description.camera!,
  };
  const eye = view.camera.position, target = view.camera.look_at;
  await Deno.writeTextFile(
    script,
    `import numpy\nnumpy.bool = bool  # Blender 3.4's glTF importer uses the removed alias\n` +
      `import bpy, sys\n` +
      `bpy.ops.wm.read_factory_settings(use_empty=True)\n` +
      `bpy.ops.import_scene.gltf(filepath=${
        JSON.stringify(await Deno.realPath(model))
      })\n` +
      `scene = bpy.context.scene\n` +
      `scene.render.engine = 'CYCLES'\n` +
      `scene.cycles.samples = ${samples}\n` +
      `scene.cycles.device = 'CPU'\n` +
      `scene.cycles.use_denoising = False  # Debian's build has no OpenImageDenoise\n` +
      `scene.render.threads_mode = 'FIXED'\n` +
      `scene.render.threads = 2\n` +
      `scene.render.resolution_x = ${size}\n` +
      `scene.render.resolution_y = ${size}\n` +
      `scene.render.resolution_percentage = 100\n` +
      `cam = bpy.data.objects.new('cam', bpy.data.cameras.new('cam'))\n` +
      `scene.collection.objects.link(cam)\n` +
      `scene.camera = cam\n` +
      // raypool's framing camera, from glTF's y-up to Blender's z-up: (x, y, z) → (x, −z, y).
      `cam.location = (${eye.x}, ${-eye.z}, ${eye.y})\n` +
      `cam.data.sensor_fit = 'VERTICAL'\n` +
      `cam.data.angle = ${(view.fov * Math.PI) / 180}\n` +
      `import mathutils\n` +
      `target = mathutils.Vector((${target.x}, ${-target.z}, ${target.y}))\n` +
      `cam.rotation_euler = (target - cam.location).to_track_quat('-Z', 'Y').to_euler()\n` +
      `world = bpy.data.worlds.new('w'); scene.world = world; world.use_nodes = True\n` +
      `world.node_tree.nodes['Background'].inputs[0].default_value = (1, 1, 1, 1)\n` +
      `scene.render.filepath = ${
        JSON.stringify(await Deno.realPath(dir) + "/blender.png")
      }\n` +
      `bpy.ops.render.render(write_still=True)\n`,
  );
  const run = await timed(["blender", "-b", "--factory-startup", "-P", script]);
  blender = run.code === 0
    ? { wallMs: run.wallMs, peakMB: run.peakMB }
    : { failed: run.stderr.split("\n").filter((l) => l.trim()).slice(-1)[0] };
}

const report = {
  machine: machine(),
  model: { triangles, bytes: modelBytes, textures: "3 × 512² PNG" },
  firstLoadMs,
  load,
  pack,
  loadProcess,
  thumbnail: { size, samples, ...thumbnail },
  blender,
};
if (flags.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(
    `model: ${triangles} triangles, ${modelBytes} bytes (${report.model.textures})`,
  );
  console.log(
    `load (in process): first ${firstLoadMs} ms, then best ${load.bestMs} ms, median ${load.medianMs} ms`,
  );
  console.log(
    `pack: best ${pack.bestMs} ms, median ${pack.medianMs} ms, ${pack.bytes} bytes`,
  );
  console.log(
    `load (whole process): ${loadProcess.wallMs} ms, peak ${loadProcess.peakMB} MB`,
  );
  console.log(
    `thumbnail ${size}×${size} at ${samples} spp: ${JSON.stringify(thumbnail)}`,
  );
  console.log(`blender: ${JSON.stringify(blender)}`);
}
