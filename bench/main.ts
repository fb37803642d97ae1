/**
 * `deno task bench`: the benchmark of issue 6.
 *
 * - Renders the standard scenes (the original's test scene at 1920×1080, the 5×5 grid of
 *   `examples/build_scene.ts` at 800×800, 10 vs 10,000 spheres at 640×480) with 1..N workers
 *   on a warm pool, and with the same Rust core built natively, 1 and N threads; checks that
 *   the native image equals the wasm image.
 * - Measures start-up in fresh processes (`bench/startup.ts`: process start to first tile on
 *   the CLI's path), the CLI's whole process against the warm-pool render phase of the same
 *   render (`cli.ts`, test scene, 1920×1080, 2 workers), `encodePng` of the 1920×1080 image,
 *   and loading, setting up (1 vs N workers) and rendering 100,000 spheres.
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
 * `--no-native` skips it. `--keep` keeps the packed scenes and images under `out/`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { relative } from "node:path";
import { gridScene } from "../examples/build_scene.ts";
import { initSync, prepare_scene, RenderScene } from "../lib/raypool.js";
import { encodePng } from "../src/encode/png.ts";
import { packScene } from "../src/render/packed_scene.ts";
import { planRender } from "../src/render/plan.ts";
import { Renderer, renderPlanned } from "../src/render/renderer.ts";
import { loadWasmModule } from "../src/render/wasm.ts";
import { loadScene, prepareScene } from "../src/scene/mod.ts";
import type { Scene, SceneDescription } from "../src/types.ts";
import type { Timings as CliTimings } from "../src/cli/summary.ts";
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
  timeCli,
  type Timing,
} from "./measure.ts";
import {
  buildNative,
  type NativeToolchain,
  runNative,
  viewArgs,
} from "./native.ts";
import {
  type BenchResult,
  type CliOverhead,
  compactJson,
  type EngineRun,
  formatReport,
  type HundredThousandSpheres,
  type PathRun,
  type SceneResult,
  type SceneSetup,
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

// ── Start-up, in fresh processes, before this process's workers load the CPUs ────────────
async function startupRun(
  mode?: "--breakdown" | "--timeline",
): Promise<{ wallMs: number; result: Record<string, number> }> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.",
      "--allow-ffi=./node_modules/.deno/imagescript@1.3.1",
      "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      "bench/startup.ts",
      ...(mode === undefined ? [] : [mode]),
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
  await startupRun();
  const results: Awaited<ReturnType<typeof startupRun>>[] = [];
  for (let i = 0; i < runs; i++) results.push(await startupRun());
  const median = (key: string) =>
    summarize(results.map((r) => r.result[key])).medianMs;
  const { result: breakdown } = await startupRun("--breakdown");
  const { result: timeline } = await startupRun("--timeline");
  const milliseconds = (result: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(result).filter(([k]) => k.endsWith("Ms")).map((
        [k, v],
      ) => [k.slice(0, -2), round(v)]),
    );
  return {
    firstTileMs: summarize(results.map((r) => r.result.firstTileMs)),
    processWallMs: summarize(results.map((r) => r.wallMs)),
    milestonesMs: {
      moduleStart: median("moduleStartMs"),
      imported: median("importedMs"),
      sceneLoaded: median("sceneLoadedMs"),
      firstTile: median("firstTileMs"),
    },
    timelineMs: milliseconds(timeline),
    breakdownMs: milliseconds(breakdown),
  };
}
// Each run takes well under a second; first tiles vary most on a busy machine.
const startup = await measureStartup(Math.max(reps, 5));
log(`start-up: first tile after ${startup.firstTileMs.medianMs} ms`);

// ── The CLI's whole process, in fresh processes ──────────────────────────────────────────
const CLI_WORKERS = 2;
const HD = { width: 1920, height: 1080 };
const testScenePath = "tests/fixtures/original/test_800x600.json";

/** `cli.ts` rendering the test scene at 1920×1080 with 2 workers to a PNG, timed from outside. */
async function cliRun(): Promise<{ wallMs: number; summary: CliTimings }> {
  const { wallMs, timings } = await timeCli(repo, [
    testScenePath,
    "--width",
    String(HD.width),
    "--height",
    String(HD.height),
    "--workers",
    String(CLI_WORKERS),
    "--output",
    `${workRelative}/cli.png`,
  ]);
  return { wallMs, summary: timings };
}

/** Wall time of one call through scripts/toolchain.sh, from outside. */
async function toolchainWallMs(args: string[]): Promise<number> {
  const start = performance.now();
  const output = await new Deno.Command("bash", {
    args: ["scripts/toolchain.sh", "run", ...args],
    cwd: repo,
    stdout: "null",
    stderr: "piped",
  }).output();
  const ms = performance.now() - start;
  if (!output.success) {
    throw new Error(
      `scripts/toolchain.sh run ${args[0]} exited with ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return ms;
}

/**
 * `cli.ts` runs, each followed by the same render on a warm pool in this process and, with
 * a native build, by `native_render` on the same scene and view as a whole process: side by
 * side, so that all see the same machine (other processes' share of a shared machine's CPUs
 * drifts from minute to minute). The pool's workers idle while the others run.
 */
async function measureCli(): Promise<CliOverhead> {
  log(`cli.ts: test scene ${HD.width}×${HD.height}, ${CLI_WORKERS} workers`);
  const scene = await loadScene(new URL(testScenePath, repo));
  await using renderer = new Renderer({ workers: CLI_WORKERS });
  await renderer.render(scene, { width: HD.width / 4, height: HD.height / 4 });
  await cliRun(); // fills Deno's transpile cache, as a user's second run finds it
  const nativeArgs = haveNative
    ? [
      "rust/target/release/native_render",
      `${workRelative}/cli-native.bin`,
      ...viewArgs(planRender(scene, HD, CLI_WORKERS).view),
      "--threads",
      String(CLI_WORKERS),
      "--out",
      `${workRelative}/cli-native.rgba`,
    ]
    : [];
  if (haveNative) {
    await Deno.writeFile(`${workDir}/cli-native.bin`, packScene(scene));
    await toolchainWallMs(nativeArgs);
  }
  const runs: Awaited<ReturnType<typeof cliRun>>[] = [];
  const warm: number[] = [];
  const native: number[] = [];
  const toolchainOnly: number[] = [];
  let spent = 0;
  while (runs.length < reps && (runs.length === 0 || spent < budgetMs)) {
    const run = await cliRun();
    const start = performance.now();
    await renderer.render(scene, HD);
    warm.push(performance.now() - start);
    runs.push(run);
    spent += run.wallMs + warm.at(-1)!;
    if (haveNative) {
      native.push(await toolchainWallMs(nativeArgs));
      toolchainOnly.push(await toolchainWallMs(["true"]));
    }
  }
  const best = runs.reduce((a, b) => a.wallMs <= b.wallMs ? a : b);
  const toolchainMs = Math.min(...toolchainOnly);
  return {
    workers: CLI_WORKERS,
    width: HD.width,
    height: HD.height,
    processWallMs: summarize(runs.map((r) => r.wallMs)),
    renderPhaseMs: summarize(warm),
    pairRatios: runs.map((r, i) => round(r.wallMs / warm[i], 3)),
    native: haveNative
      ? {
        processWallMs: summarize(native.map((ms) => ms - toolchainMs)),
        toolchainMs: round(toolchainMs),
      }
      : null,
    bestRunTimings: best.summary,
  };
}
const cli = await measureCli();
log(
  `cli.ts: best whole process ${
    cli.processWallMs.bestMs.toFixed(0)
  } ms, warm-pool render phase ${cli.renderPhaseMs.bestMs.toFixed(0)} ms`,
);

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
    // The very bytes the workers read; the view goes on the command line.
    const { view } = planRender(c.scene, { width, height }, 1);
    const scenePath = `${workRelative}/${c.name}.bin`;
    const imagePath = `${workRelative}/${c.name}.native.rgba`;
    await Deno.writeFile(`${workDir}/${c.name}.bin`, packScene(c.scene));
    for (const threads of [...new Set([1, cores])]) {
      let first = true;
      const cpu = cpuTracker();
      const runs = await repeat(
        async () => {
          const out = threads === 1 && first ? imagePath : undefined;
          first = false;
          const run = await runNative(toolchain, {
            scene: scenePath,
            view,
            threads,
            out,
          });
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
if (flags.keep) log(`packed scenes and images kept in ${workDir}`);

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
/**
 * A render of `scene` on a fresh, warmed pool of `workers`, timed from its start until every
 * worker reported that it read the scene (`sceneBuilt`), then aborted: the scene's set-up
 * (pack, hash, BVH once on the main thread, then each worker's read of the shared bytes).
 */
async function sceneSetupRun(
  scene: Scene,
  workers: number,
): Promise<{ setupMs: number; workerReadMs: number }> {
  await using renderer = new Renderer({ workers });
  // Start and instantiate every worker on a scene of its own, so only set-up is timed.
  const tiny = sphereGridScene(1, 1, 8 * workers, 8);
  await renderer.render(tiny, { tileSize: 8 });
  const controller = new AbortController();
  const plan = planRender(scene, { signal: controller.signal }, workers);
  const reads: number[] = [];
  let setupMs = NaN;
  const start = performance.now();
  try {
    await renderPlanned(renderer, plan, {
      onSceneBuilt(ms) {
        reads.push(ms);
        if (reads.length === workers) {
          setupMs = performance.now() - start;
          controller.abort();
        }
      },
    });
  } catch (error) {
    if (!(error instanceof DOMException && error.name === "AbortError")) {
      throw error;
    }
  }
  if (reads.length !== workers) {
    throw new Error(
      `${reads.length} of ${workers} workers reported reading the scene`,
    );
  }
  return { setupMs, workerReadMs: Math.max(...reads) };
}

async function sceneSetup(scene: Scene): Promise<SceneSetup> {
  const counts = [...new Set([1, Math.max(cores, 2)])];
  const byCount = [];
  for (const workers of counts) {
    const runs: { setupMs: number; workerReadMs: number }[] = [];
    for (let i = 0; i < Math.max(reps, 2); i++) {
      runs.push(await sceneSetupRun(scene, workers));
    }
    const best = runs.reduce((a, b) => a.setupMs <= b.setupMs ? a : b);
    byCount.push({
      workers,
      ...summarize(runs.map((r) => r.setupMs)),
      workerReadMs: round(best.workerReadMs),
    });
    log(
      `scene set-up, ${workers} worker(s): best ${best.setupMs.toFixed(0)} ms`,
    );
  }
  return {
    runs: byCount,
    ratio: round(byCount.at(-1)!.bestMs / byCount[0].bestMs, 3),
  };
}

async function hundredThousand(): Promise<HundredThousandSpheres> {
  const [width, height] = [640, 480];
  const description: SceneDescription = sphereGridScene(
    400,
    250,
    width,
    height,
  );
  const spheres = description.elements.length - 1;
  log(`${spheres} spheres: validate, pack, prepare, read, set up, render`);
  let start = performance.now();
  const scene = await prepareScene(description);
  const validateMs = performance.now() - start;
  start = performance.now();
  const packed = packScene(scene);
  const packMs = performance.now() - start;
  // The core's two steps, here on this thread: once per scene on the main thread (validate
  // and build the BVH), and once per worker (read the prepared bytes).
  initSync({ module: await loadWasmModule() });
  const prepares: number[] = [];
  let prepared!: Uint8Array;
  for (let i = 0; i < 2; i++) {
    start = performance.now();
    prepared = prepare_scene(packed);
    prepares.push(performance.now() - start);
  }
  const reads: number[] = [];
  for (let i = 0; i < 2; i++) {
    start = performance.now();
    RenderScene.from_packed(prepared).free();
    reads.push(performance.now() - start);
  }
  const prepareMs = Math.min(...prepares);
  const readMs = Math.min(...reads);
  const setup = await sceneSetup(scene);
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
  return {
    spheres,
    width,
    height,
    workers: cores,
    packedBytes: packed.length,
    preparedBytes: prepared.length,
    validateMs: round(validateMs),
    packMs: round(packMs),
    prepareMs: round(prepareMs),
    readMs: round(readMs),
    loadMs: round(validateMs + packMs + prepareMs),
    setup,
    renderMs: round(Math.min(...renders)),
  };
}
const hundredThousandSpheres = await hundredThousand();

// ── Summary ──────────────────────────────────────────────────────────────────────────────
/** Path-traced throughput: bench/path.ts in a child process (it loads the 871k dragon). */
async function pathTracing(): Promise<PathRun[] | { error: string }> {
  log(
    "path tracing: bench/path.ts --json (the Cornell box and the 871k dragon)",
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--lock=deno.lock",
      "--allow-read=.",
      "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      "bench/path.ts",
      "--json",
    ],
    cwd: repoPath,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const lines = new TextDecoder().decode(stderr).trim().split("\n");
    return { error: lines.at(-1) ?? `exit ${code}` };
  }
  return JSON.parse(new TextDecoder().decode(stdout)).runs;
}
const pathRuns = await pathTracing();

const byName = (name: string) => scenes.find((s) => s.name === name)!;
const test = byName("test");
const wasmSingle = test.wasm[0].bestMs;
const wasmAll = test.wasm.at(-1)!;
const scalingRender = round(wasmSingle / wasmAll.bestMs, 3);
const nativeSingle = test.native.find((n) => n.parallelism === 1)?.bestMs;
const wasmVsNative = nativeSingle === undefined
  ? null
  : round(nativeSingle / wasmSingle, 3);
const testIdle = (runs: EngineRun[], n: number) =>
  runs.find((r) => r.parallelism === n)?.idleEstimateMs ?? null;
const wasmIdle1 = testIdle(test.wasm, 1);
const scalingRenderCpuEstimate = wasmAll.idleSpeedup;
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
const overheadRatio = round(
  cli.processWallMs.bestMs / cli.renderPhaseMs.bestMs,
  3,
);
const vsNativeProcess = cli.native === null
  ? null
  : round(cli.processWallMs.bestMs / cli.native.processWallMs.bestMs, 3);
const firstTileMs = startup.firstTileMs.medianMs;
const sceneSetupRatio = hundredThousandSpheres.setup.ratio;
// The target is stated for 2 cores; elsewhere the same efficiency (92.5%) is asked for.
const scalingThreshold = round(0.925 * cores, 3);
const result: BenchResult = {
  scalingRender,
  wasmVsNative,
  bvh,
  scalingRenderCpuEstimate,
  wasmVsNativeCpuEstimate,
  bvhCpuEstimate,
  firstTileMs,
  overheadRatio,
  vsNativeProcess,
  sceneSetupRatio,
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
    firstTileMs: target(
      firstTileMs,
      "<=",
      100,
      "process start → first tile, CLI path, test scene 1920×1080 (median)",
    ),
    overheadRatio: target(
      overheadRatio,
      "<=",
      1.25,
      `cli.ts whole process ÷ warm-pool render phase, test scene 1920×1080, ${CLI_WORKERS} workers`,
    ),
    vsNativeProcess: target(
      vsNativeProcess,
      "<=",
      0.85,
      vsNativeProcess === null
        ? `no native build: ${nativeError}`
        : `cli.ts whole process ÷ native_render's (${CLI_WORKERS} threads; stands for the original), test scene 1920×1080`,
    ),
    sceneSetupRatio: target(
      sceneSetupRatio,
      "<=",
      1.2,
      `100,000 spheres: set-up with ${
        hundredThousandSpheres.setup.runs.at(-1)!.workers
      } workers ÷ 1 worker`,
    ),
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
  cli,
  pathTracing: pathRuns,
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
