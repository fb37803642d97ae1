/**
 * `deno task bench`: the benchmark of issue 6.
 *
 * - Renders the standard scenes (the original's test scene at 1920×1080, the 5×5 grid of
 *   `examples/build_scene.ts` at 800×800, 10 vs 10,000 spheres at 640×480) with 1..N workers
 *   on a warm pool, and with the same Rust core built natively, 1 and N threads; checks that
 *   the native image equals the wasm image.
 * - Measures start-up in fresh processes (`bench/startup.ts`), `encodePng` of the
 *   1920×1080 image, and loading and rendering 100,000 spheres.
 * - Prints a table and the targets (PASS/MISS); with `--json`, one JSON object on stdout
 *   and the same table on stderr
 *   (progress always goes to stderr).
 *
 * ```sh
 * deno task bench [--json] [--reps 3] [--budget 5] [--no-native] [--keep]
 * ```
 *
 * `--reps` is the most runs per case and `--budget` the seconds after which a case stops
 * repeating (slow cases run fewer times, keeping the whole run near three minutes on
 * 2 cores); ratios use each case's best run, the one least disturbed by other processes.
 * The native build runs through `scripts/toolchain.sh` (root, for its chroot);
 * `--no-native` skips it. `--keep` keeps the call scripts and images under `out/`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { gridScene } from "../examples/build_scene.ts";
import { initSync, SceneBuilder } from "../lib/raypool.js";
import { encodePng } from "../src/encode/png.ts";
import { Renderer } from "../src/render/renderer.ts";
import { buildScene, packScene } from "../src/render/scene_to_wasm.ts";
import { loadWasmModule } from "../src/render/wasm.ts";
import { loadScene, prepareScene } from "../src/scene/mod.ts";
import type { Scene, SceneDescription } from "../src/types.ts";
import { rustSourceHash } from "../scripts/wasm_hash.ts";
import {
  compareImages,
  cpuBetween,
  idleEstimateMs,
  loadAverage,
  machine,
  repeat,
  round,
  summarize,
  threadCpuMs,
  type Timing,
} from "./measure.ts";
import {
  buildNative,
  callScript,
  type NativeToolchain,
  runNative,
} from "./native.ts";
import {
  type BenchResult,
  compactJson,
  type EngineRun,
  formatReport,
  type HundredThousandSpheres,
  type SceneResult,
  type StartupResult,
  target,
} from "./report.ts";
import { sphereGridScene } from "./scenes.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  allowNegative: true,
  options: {
    json: { type: "boolean", default: false },
    reps: { type: "string", default: "3" },
    budget: { type: "string", default: "5" },
    native: { type: "boolean", default: true },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (flags.help) {
  console.log(
    "usage: deno task bench [--json] [--reps N] [--budget SECONDS] [--no-native] [--keep]",
  );
  Deno.exit(0);
}
const reps = Number(flags.reps);
const budgetMs = Number(flags.budget) * 1000;
if (!Number.isSafeInteger(reps) || reps < 1) {
  throw new RangeError(`--reps must be a positive integer, got ${flags.reps}`);
}
if (!(budgetMs >= 0)) {
  throw new RangeError(
    `--budget must be a number of seconds, got ${flags.budget}`,
  );
}

const started = performance.now();
const log = (message: string) =>
  console.error(
    `[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`,
  );
const repo = new URL("../", import.meta.url);
const repoPath = fileURLToPath(repo);
const cores = navigator.hardwareConcurrency;
const host = machine();

// ── Native build ─────────────────────────────────────────────────────────────────────────
// First, so that a rebuild's CPU use does not land on any measurement.
const toolchain: NativeToolchain = { repo, log: (line) => log(`  ${line}`) };
let nativeBuildMs: number | null = null;
let nativeError: string | null = flags.native ? null : "--no-native";
if (flags.native) {
  log("building native_render through scripts/toolchain.sh");
  try {
    nativeBuildMs = await buildNative(toolchain);
  } catch (error) {
    nativeError = error instanceof Error ? error.message : String(error);
    log(`native build failed, native figures skipped: ${nativeError}`);
  }
}
const haveNative = nativeBuildMs !== null;

async function libMatchesRust(): Promise<boolean> {
  const head = (await Deno.readTextFile(new URL("lib/raypool.js", repo)))
    .slice(0, 500);
  const stamped = /^\/\/ source-hash: ([0-9a-f]{64})$/m.exec(head)?.[1];
  return stamped === await rustSourceHash(repo);
}
const libFresh = await libMatchesRust();
if (!libFresh) {
  log("lib/ is stale against rust/: the native image may differ from wasm's");
}

// ── Start-up, in fresh processes, before this process's workers load the CPUs ────────────
async function startupRun(
  breakdown: boolean,
): Promise<{ wallMs: number; result: Record<string, number> }> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.",
      "--allow-ffi=./node_modules/.deno/imagescript@1.3.1",
      "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      "bench/startup.ts",
      ...(breakdown ? ["--breakdown"] : []),
    ],
    cwd: repo,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - start;
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    throw new Error(
      `bench/startup.ts exited with ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return { wallMs, result: JSON.parse(stdout.split("\n").at(-1) ?? "") };
}

async function measureStartup(runs: number): Promise<StartupResult> {
  log(
    "start-up: one discarded run (fills Deno's transpile cache), then fresh runs",
  );
  await startupRun(false);
  const results: Awaited<ReturnType<typeof startupRun>>[] = [];
  for (let i = 0; i < runs; i++) results.push(await startupRun(false));
  const median = (key: string) =>
    summarize(results.map((r) => r.result[key])).medianMs;
  const { result: breakdown } = await startupRun(true);
  return {
    firstTileMs: summarize(results.map((r) => r.result.firstTileMs)),
    processWallMs: summarize(results.map((r) => r.wallMs)),
    milestonesMs: {
      moduleStart: median("moduleStartMs"),
      imported: median("importedMs"),
      sceneLoaded: median("sceneLoadedMs"),
      firstTile: median("firstTileMs"),
    },
    breakdownMs: Object.fromEntries(
      Object.entries(breakdown).filter(([k]) => k.endsWith("Ms")).map((
        [k, v],
      ) => [k.slice(0, -2), round(v)]),
    ),
  };
}
const startup = await measureStartup(3);
log(`start-up: first tile after ${startup.firstTileMs.medianMs} ms`);

// ── Scenes: wasm 1..N workers, native 1 and N threads ────────────────────────────────────
interface Case {
  name: string;
  label: string;
  scene: Scene;
  width: number;
  height: number;
}

const cases: Case[] = [
  {
    name: "test",
    label: "original test scene",
    scene: await loadScene(
      new URL("tests/fixtures/original/test_800x600.json", repo),
    ),
    width: 1920,
    height: 1080,
  },
  {
    name: "grid",
    label: "5×5 grid",
    scene: await prepareScene(gridScene()),
    width: 800,
    height: 800,
  },
  ...[[5, 2, "spheres10", "10 spheres"], [
    100,
    100,
    "spheres10k",
    "10,000 spheres",
  ]].map(([columns, rows, name, label]) => ({
    name: name as string,
    label: label as string,
    width: 640,
    height: 480,
    scene: {
      description: sphereGridScene(
        columns as number,
        rows as number,
        640,
        480,
      ),
      textures: new Map(),
    },
  })),
];

interface Measured {
  parallelism: number;
  timing: Timing;
  /** Per-thread CPU of the run with the lowest idle estimate, busiest first. */
  threadCpuMs: number[] | null;
  idleEstimateMs: number | null;
}

function engineRuns(measured: Measured[], pixels: number): EngineRun[] {
  const single = measured.find((m) => m.parallelism === 1);
  return measured.map((m) => ({
    parallelism: m.parallelism,
    ...m.timing,
    mpxPerSecond: round(pixels / 1e6 / (m.timing.bestMs / 1000), 3),
    speedup: round((single?.timing.bestMs ?? NaN) / m.timing.bestMs, 3),
    threadCpuMs: m.threadCpuMs,
    idleEstimateMs: m.idleEstimateMs,
    idleSpeedup: m.idleEstimateMs === null || !single?.idleEstimateMs
      ? null
      : round(single.idleEstimateMs / m.idleEstimateMs, 3),
  }));
}

/** Keeps, over a case's runs, the CPU reading with the lowest idle estimate. */
function cpuTracker() {
  let best: { threads: number[]; idle: number } | undefined;
  return {
    record(threads: number[] | null, cores: number) {
      if (threads === null) return;
      const idle = idleEstimateMs(threads, cores);
      if (best === undefined || idle < best.idle) {
        best = { threads: threads.map((ms) => round(ms)), idle };
      }
    },
    get threadCpuMs() {
      return best?.threads ?? null;
    },
    get idleEstimateMs() {
      return best === undefined ? null : round(best.idle);
    },
  };
}

const workDir = await Deno.makeTempDir({
  dir: fileURLToPath(new URL("out/", repo)),
  prefix: "bench-",
}).catch(async (error) => {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
  await Deno.mkdir(new URL("out/", repo), { recursive: true });
  return Deno.makeTempDir({
    dir: fileURLToPath(new URL("out/", repo)),
    prefix: "bench-",
  });
});
// native_render runs in the chroot, where the repository is mounted elsewhere: only paths
// relative to the repository mean the same file on both sides.
const workRelative = relative(repoPath, workDir);

let testImage: Uint8Array | undefined;

async function benchCase(c: Case): Promise<SceneResult> {
  const { width, height } = c;
  const samples = c.scene.description.samples ?? 1;
  const pixels = width * height;
  const wasm: Measured[] = [];
  let reference: Uint8Array | undefined;
  let wasmWorkersDifferingPixels = 0;
  for (let workers = 1; workers <= cores; workers++) {
    await using renderer = new Renderer({ workers });
    // A sixteenth of the image starts every worker and lets V8 tier the hot wasm code up,
    // so the timed renders measure rendering, not start-up.
    await renderer.render(c.scene, {
      width: Math.ceil(width / 4),
      height: Math.ceil(height / 4),
    });
    let image: Uint8Array | undefined;
    const cpu = cpuTracker();
    const runs = await repeat(
      async () => {
        const before = threadCpuMs();
        const start = performance.now();
        const result = await renderer.render(c.scene, { width, height });
        const ms = performance.now() - start;
        const after = threadCpuMs();
        cpu.record(before && after && cpuBetween(before, after), cores);
        image ??= result.data;
        return ms;
      },
      reps,
      budgetMs,
    );
    wasm.push({
      parallelism: workers,
      timing: summarize(runs),
      threadCpuMs: cpu.threadCpuMs,
      idleEstimateMs: cpu.idleEstimateMs,
    });
    log(
      `${c.name}: wasm ${workers} worker(s) best ${
        Math.min(...runs).toFixed(0)
      } ms of ${runs.length}`,
    );
    if (reference === undefined) {
      reference = image!;
    } else {
      wasmWorkersDifferingPixels = Math.max(
        wasmWorkersDifferingPixels,
        compareImages(reference, image!).differingPixels,
      );
    }
  }
  if (c.name === "test") testImage = reference;

  const native: Measured[] = [];
  let nativeVsWasm = null;
  if (haveNative) {
    const packed = packScene(c.scene, { width, height, samples });
    const script = callScript(packed, (index, rgba) => {
      const file = `${c.name}.texture${index}.rgba`;
      Deno.writeFileSync(`${workDir}/${file}`, rgba);
      return file;
    });
    const scriptPath = `${workRelative}/${c.name}.calls`;
    const imagePath = `${workRelative}/${c.name}.native.rgba`;
    await Deno.writeTextFile(`${workDir}/${c.name}.calls`, script);
    for (const threads of [...new Set([1, cores])]) {
      let first = true;
      const cpu = cpuTracker();
      const runs = await repeat(
        async () => {
          const out = threads === 1 && first ? imagePath : undefined;
          first = false;
          const run = await runNative(toolchain, scriptPath, threads, out);
          // Only the process's total is known: split evenly over its threads, which pull
          // tiles from one counter and so stay balanced. It includes loading the scene.
          cpu.record(
            run.cpuMs === null
              ? null
              : Array(threads).fill(run.cpuMs / threads),
            cores,
          );
          return run.renderMs;
        },
        reps,
        budgetMs,
      );
      native.push({
        parallelism: threads,
        timing: summarize(runs),
        threadCpuMs: cpu.threadCpuMs,
        idleEstimateMs: cpu.idleEstimateMs,
      });
      log(
        `${c.name}: native ${threads} thread(s) best ${
          Math.min(...runs).toFixed(0)
        } ms of ${runs.length}`,
      );
    }
    nativeVsWasm = compareImages(
      await Deno.readFile(`${workDir}/${c.name}.native.rgba`),
      reference!,
    );
  }
  return {
    name: c.name,
    label: c.label,
    width,
    height,
    samples,
    elements: c.scene.description.elements.length,
    wasm: engineRuns(wasm, pixels),
    native: engineRuns(native, pixels),
    wasmWorkersDifferingPixels,
    nativeVsWasm,
  };
}

const scenes: SceneResult[] = [];
try {
  for (const c of cases) scenes.push(await benchCase(c));
} finally {
  if (!flags.keep) await Deno.remove(workDir, { recursive: true });
}
if (flags.keep) log(`call scripts and native images kept in ${workDir}`);

// ── Encoding ─────────────────────────────────────────────────────────────────────────────
log("encodePng of the 1920×1080 test image");
const hd = { width: 1920, height: 1080, data: testImage! };
const encodeRuns: number[] = [];
for (let i = 0; i < 1 + reps; i++) {
  const start = performance.now();
  await encodePng(hd);
  encodeRuns.push(performance.now() - start);
}

// ── 100,000 spheres ──────────────────────────────────────────────────────────────────────
async function hundredThousand(): Promise<HundredThousandSpheres> {
  const [width, height] = [640, 480];
  const description: SceneDescription = sphereGridScene(
    400,
    250,
    width,
    height,
  );
  const spheres = description.elements.length - 1;
  log(`${spheres} spheres: validate, pack, build, render`);
  let start = performance.now();
  const scene = await prepareScene(description);
  const validateMs = performance.now() - start;
  start = performance.now();
  const packed = packScene(scene, { width, height, samples: 1 });
  const packMs = performance.now() - start;
  // The same wasm build() the workers run, timed here because a worker cannot report it.
  initSync({ module: await loadWasmModule() });
  const builds: number[] = [];
  for (let i = 0; i < 2; i++) {
    start = performance.now();
    buildScene(SceneBuilder, packed).free();
    builds.push(performance.now() - start);
  }
  const buildMs = Math.min(...builds);
  await using renderer = new Renderer({ workers: cores });
  await renderer.render(scene, { width: 64, height: 48 });
  const renders = await repeat(
    async () => {
      const t = performance.now();
      await renderer.render(scene);
      return performance.now() - t;
    },
    Math.min(reps, 2),
    budgetMs,
  );
  const renderMs = Math.min(...renders);
  return {
    spheres,
    width,
    height,
    workers: cores,
    validateMs: round(validateMs),
    packMs: round(packMs),
    buildMs: round(buildMs),
    loadMs: round(validateMs + packMs + buildMs),
    renderMs: round(renderMs),
    tilesMs: round(renderMs - packMs - buildMs),
  };
}
const hundredThousandSpheres = await hundredThousand();

// ── Summary ──────────────────────────────────────────────────────────────────────────────
const byName = (name: string) => scenes.find((s) => s.name === name)!;
const test = byName("test");
const wasmSingle = test.wasm[0].bestMs;
const scalingRender = round(wasmSingle / test.wasm.at(-1)!.bestMs, 3);
const nativeSingle = test.native.find((n) => n.parallelism === 1)?.bestMs;
const wasmVsNative = nativeSingle === undefined
  ? null
  : round(nativeSingle / wasmSingle, 3);
const testIdle = (runs: EngineRun[], n: number) =>
  runs.find((r) => r.parallelism === n)?.idleEstimateMs ?? null;
const wasmIdle1 = testIdle(test.wasm, 1);
const scalingRenderCpuEstimate = test.wasm.at(-1)!.idleSpeedup;
const nativeIdle1 = testIdle(test.native, 1);
const wasmVsNativeCpuEstimate = nativeIdle1 === null || !wasmIdle1
  ? null
  : round(nativeIdle1 / wasmIdle1, 3);
const idle10 = byName("spheres10").wasm[0].idleEstimateMs;
const idle10k = byName("spheres10k").wasm[0].idleEstimateMs;
const bvhCpuEstimate = idle10 && idle10k !== null
  ? round(idle10k / idle10, 3)
  : null;
const bvh = round(
  byName("spheres10k").wasm[0].bestMs / byName("spheres10").wasm[0].bestMs,
  3,
);
// The target is stated for 2 cores; elsewhere the same efficiency (92.5%) is asked for.
const scalingThreshold = round(0.925 * cores, 3);
const result: BenchResult = {
  scalingRender,
  wasmVsNative,
  bvh,
  scalingRenderCpuEstimate,
  wasmVsNativeCpuEstimate,
  bvhCpuEstimate,
  startupMs: startup.firstTileMs.medianMs,
  encodeMs: round(Math.min(...encodeRuns.slice(1))),
  encodeFirstMs: round(encodeRuns[0]),
  hundredThousandSpheres,
  targets: {
    scalingRender: target(
      cores > 1 ? scalingRender : null,
      ">=",
      scalingThreshold,
      cores === 2
        ? `${cores} workers vs 1, test scene 1920×1080`
        : `${cores} workers vs 1 (1.85 on 2 cores, i.e. 92.5% efficiency)`,
    ),
    wasmVsNative: target(
      wasmVsNative,
      ">=",
      0.8,
      wasmVsNative === null
        ? `no native build: ${nativeError}`
        : "native 1 thread ÷ wasm 1 worker, test scene 1920×1080",
    ),
    bvh: target(bvh, "<=", 3, "10,000 ÷ 10 spheres, 640×480, 1 worker"),
  },
  machine: { ...host, loadAverageEnd: loadAverage() },
  config: {
    reps,
    budgetMs,
    libMatchesRust: libFresh,
    nativeBuildMs: nativeBuildMs === null ? null : round(nativeBuildMs),
    nativeError,
  },
  scenes,
  startup,
  encodeRunsMs: encodeRuns.map((ms) => round(ms)),
  totalMs: round(performance.now() - started),
};

if (flags.json) {
  // The table goes to stderr too, so one run yields both and they cannot disagree.
  console.error(formatReport(result));
  console.log(compactJson(result, 240));
} else {
  console.log(formatReport(result));
}
