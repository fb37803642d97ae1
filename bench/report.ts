/**
 * The benchmark's results: their shape (also the `--json` output), the targets of issues 6
 * and 9 and the plain-text report.
 *
 * @module
 */

import type { ImageDiff, Machine, Timing } from "./measure.ts";
import { round } from "./measure.ts";

/**
 * One engine (wasm workers or native threads) at one parallelism, on one scene.
 *
 * @example
 * ```ts
 * import type { EngineRun } from "./report.ts";
 * const run: EngineRun = {
 *   parallelism: 2, runsMs: [500], bestMs: 500, medianMs: 500, mpxPerSecond: 4.1, speedup: 1.9,
 *   threadCpuMs: [490, 480, 20], idleEstimateMs: 495, idleSpeedup: 1.92,
 * };
 * ```
 */
export interface EngineRun extends Timing {
  /** Workers (wasm) or threads (native). */
  parallelism: number;
  /** Pixels (not samples) per second of the best run, in millions. */
  mpxPerSecond: number;
  /** The best run of 1 worker or thread ÷ this best run. */
  speedup: number;
  /**
   * CPU per thread (busiest first) of the run with the lowest {@linkcode idleEstimateMs};
   * for native, the process's CPU split evenly over its threads. `null` if unreadable.
   */
  threadCpuMs: number[] | null;
  /**
   * What the run would take on an idle machine: max(busiest thread, all CPU ÷ cores).
   * Includes loading the scene for native runs.
   */
  idleEstimateMs: number | null;
  /** 1 worker's idle estimate ÷ this one's. */
  idleSpeedup: number | null;
}

/**
 * The results for one scene.
 *
 * @example
 * ```ts
 * import type { SceneResult } from "./report.ts";
 * const describe = (s: SceneResult) => `${s.label}: ${s.wasm.length} wasm runs`;
 * ```
 */
export interface SceneResult {
  /** Short key: `test`, `grid`, `spheres10`, `spheres10k`. */
  name: string;
  /** What the scene is. */
  label: string;
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Samples per pixel. */
  samples: number;
  /** Spheres and planes. */
  elements: number;
  /** Warm-pool render phase, 1..N workers. */
  wasm: EngineRun[];
  /** Native render, 1 and N threads; empty without the native build. */
  native: EngineRun[];
  /** Pixels in which the images of 2..N workers differ from 1 worker's (should be 0). */
  wasmWorkersDifferingPixels: number;
  /** The native image against the wasm image; `null` without the native build. */
  nativeVsWasm: ImageDiff | null;
}

/**
 * Time from process start to the first finished tile, in fresh `deno` processes.
 *
 * @example
 * ```ts
 * import type { StartupResult } from "./report.ts";
 * const late = (s: StartupResult) => s.firstTileMs.medianMs > 1000;
 * ```
 */
export interface StartupResult {
  /** `performance.now()` at the first `onProgress` call (its origin is the process start). */
  firstTileMs: Timing;
  /** The subprocess's wall time as seen from the benchmark, spawn to exit. */
  processWallMs: Timing;
  /** Median steps of the default run: imports done, scene loaded (ms since process start). */
  milestonesMs: Record<string, number>;
  /**
   * One `bench/startup.ts --timeline` run: when each step of the CLI's path ended (ms since
   * process start), and the slowest worker's own time to read the scene (`workerRead`).
   */
  timelineMs: Record<string, number>;
  /** One `bench/startup.ts --breakdown` run: each step timed on its own. */
  breakdownMs: Record<string, number>;
}

/**
 * The CLI's whole process against the render phase it contains.
 *
 * @example
 * ```ts
 * import type { CliOverhead } from "./report.ts";
 * const ratio = (c: CliOverhead) => c.processWallMs.bestMs / c.renderPhaseMs.bestMs;
 * ```
 */
export interface CliOverhead {
  /** `--workers`. */
  workers: number;
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** `cli.ts` as a fresh `deno` process, spawn to exit, writing the PNG. */
  processWallMs: Timing;
  /** The same render on a warm pool in the benchmark's process, right after each CLI run. */
  renderPhaseMs: Timing;
  /** Each CLI run ÷ the warm render right after it. */
  pairRatios: number[];
  /**
   * The same Rust core built natively (`native_render`, `workers` threads) as a whole process:
   * reading the packed scene, building its BVH, rendering and writing the raw image, less
   * what reaching it through `scripts/toolchain.sh` costs (`toolchainMs`, the same call
   * running `true`). It stands for the original (the native ray tracer raypool descends
   * from), which is not available here; it decodes and encodes no PNG, so it is if anything
   * faster than the original. `null` without a native build.
   */
  native: {
    processWallMs: Timing;
    toolchainMs: number;
  } | null;
  /** The CLI's own `--json` timings of its fastest run (its clock starts after imports). */
  bestRunTimings: {
    loadMs: number;
    renderMs: number;
    encodeMs: number;
    totalMs: number;
  };
}

/**
 * Scene set-up with 1 and N workers: from a render's start until every worker has read the
 * scene (pack, hash and BVH once on the main thread, then each worker reads the bytes).
 *
 * @example
 * ```ts
 * import type { SceneSetup } from "./report.ts";
 * const within = (s: SceneSetup) => s.ratio <= 1.2;
 * ```
 */
export interface SceneSetup {
  /** 1 worker, then N; fresh warmed pools, one per run. */
  runs: (Timing & {
    /** Workers of the pool. */
    workers: number;
    /** In the best run, the slowest worker's own time to read the scene. */
    workerReadMs: number;
  })[];
  /** Best N-worker set-up ÷ best 1-worker set-up. */
  ratio: number;
}

/**
 * 100,000 spheres at 640×480: loading, set-up and rendering.
 *
 * @example
 * ```ts
 * import type { HundredThousandSpheres } from "./report.ts";
 * const seconds = (r: HundredThousandSpheres) => (r.loadMs + r.renderMs) / 1000;
 * ```
 */
export interface HundredThousandSpheres {
  /** Spheres in the scene. */
  spheres: number;
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Workers of the render. */
  workers: number;
  /** Size of `packScene`'s bytes. */
  packedBytes: number;
  /** Size of the prepared bytes (BVH section added) that the workers share. */
  preparedBytes: number;
  /** `prepareScene` (validation; the scene has no textures). */
  validateMs: number;
  /** `packScene`. */
  packMs: number;
  /** The core's `prepare_scene` (checks the bytes, builds the BVH), once per scene, best of 2. */
  prepareMs: number;
  /** The core's `RenderScene.from_packed` of the prepared bytes: each worker's part, best of 2. */
  readMs: number;
  /** validate + pack + prepare. */
  loadMs: number;
  /** Set-up with 1 and N workers. */
  setup: SceneSetup;
  /** A warm pool's render of the scene it already holds (packed and hashed again to know). */
  renderMs: number;
}

/**
 * One target of issues 6 and 9.
 *
 * @example
 * ```ts
 * import type { Target } from "./report.ts";
 * const target: Target = { value: 1.9, comparison: ">=", threshold: 1.85, status: "PASS", note: "" };
 * ```
 */
export interface Target {
  /** The measured value, or `null` when it could not be measured. */
  value: number | null;
  /** How the value must compare with the threshold. */
  comparison: ">=" | "<=";
  /** The threshold. */
  threshold: number;
  /** PASS, MISS, or N/A when unmeasured. */
  status: "PASS" | "MISS" | "N/A";
  /** Why the threshold is what it is, or why there is no value. */
  note: string;
}

/**
 * Judges `value` against a threshold.
 *
 * @example
 * ```ts
 * import { target } from "./report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(target(2.5, "<=", 3).status, "PASS");
 * assert.equal(target(null, ">=", 0.8, "native build unavailable").status, "N/A");
 * ```
 */
export function target(
  value: number | null,
  comparison: ">=" | "<=",
  threshold: number,
  note = "",
): Target {
  const status = value === null
    ? "N/A"
    : (comparison === ">=" ? value >= threshold : value <= threshold)
    ? "PASS"
    : "MISS";
  return { value, comparison, threshold, status, note };
}

/**
 * Everything the benchmark measured; `deno task bench --json` prints this object.
 *
 * @example
 * ```ts
 * import type { BenchResult } from "./report.ts";
 * const headline = (r: BenchResult) => [r.scalingRender, r.wasmVsNative, r.bvh];
 * ```
 */
/** One path-traced throughput run of `bench/path.ts` (warm renders). */
export interface PathRun {
  /** `cornell` or `dragon871k`. */
  scene: string;
  /** Workers. */
  workers: number;
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** Samples a pixel. */
  samples: number;
  /** The warm render's time. */
  renderMs: number;
  /** Million camera paths a second: pixels × samples ÷ render time. */
  mpathsPerSecond: number;
}

export interface BenchResult {
  /** Render-phase speed-up of N workers over 1, test scene at 1920×1080. */
  scalingRender: number;
  /** Native single-thread time ÷ wasm single-worker time, same scene; `null` without native. */
  wasmVsNative: number | null;
  /** 10,000-sphere ÷ 10-sphere render time (1 worker). */
  bvh: number;
  /** {@linkcode scalingRender} from the threads' CPU times: what an idle machine would show. */
  scalingRenderCpuEstimate: number | null;
  /** {@linkcode wasmVsNative} from CPU times (native's includes loading the scene). */
  wasmVsNativeCpuEstimate: number | null;
  /** {@linkcode bvh} from CPU times (10 ms resolution on renders of ~100 ms: rough). */
  bvhCpuEstimate: number | null;
  /** Median time from process start to the first finished tile, on the CLI's path. */
  firstTileMs: number;
  /** The CLI's whole process ÷ the warm-pool render phase (test scene, 1920×1080, 2 workers). */
  overheadRatio: number;
  /** The CLI's whole process ÷ native_render's (see {@linkcode CliOverhead.native}). */
  vsNativeProcess: number | null;
  /** Scene set-up of 100,000 spheres, N workers ÷ 1 worker. */
  sceneSetupRatio: number;
  /** Best `encodePng` of the 1920×1080 test image (after a first call that loads the encoder). */
  encodeMs: number;
  /** The first `encodePng` call, loading imagescript included. */
  encodeFirstMs: number;
  /** 100,000 spheres. */
  hundredThousandSpheres: HundredThousandSpheres;
  /** The targets, judged. */
  targets: Record<
    | "scalingRender"
    | "wasmVsNative"
    | "bvh"
    | "firstTileMs"
    | "overheadRatio"
    | "vsNativeProcess"
    | "sceneSetupRatio",
    Target
  >;
  /** The machine, with its load average at the start and the end. */
  machine: Machine & { loadAverageEnd: number | null };
  /** How the benchmark ran. */
  config: {
    reps: number;
    budgetMs: number;
    /** Whether `lib/` was built from the current `rust/` (else wasm and native may differ). */
    libMatchesRust: boolean;
    /** Time to (re)build the native binary, or `null` when not built. */
    nativeBuildMs: number | null;
    /** Why there are no native figures, if there are none. */
    nativeError: string | null;
  };
  /** Per-scene figures. */
  scenes: SceneResult[];
  /** Start-up figures. */
  startup: StartupResult;
  /** The CLI's whole process. */
  cli: CliOverhead;
  /** Path-traced throughput (`bench/path.ts`), or why it was not measured. */
  pathTracing: PathRun[] | { error: string };
  /** Every encode run. */
  encodeRunsMs: number[];
  /** The benchmark's own wall time. */
  totalMs: number;
}

/**
 * Lays out rows as left-aligned text columns separated by two spaces.
 *
 * @example
 * ```ts
 * import { columns } from "./report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(columns([["a", "bb"], ["ccc", "d"]]), "a    bb\nccc  d");
 * ```
 */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]))
      .join("  ").trimEnd()
  ).join("\n");
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function diffText(diff: ImageDiff | null): string {
  if (diff === null) return "not compared";
  if (diff.differingPixels === 0) return "identical (byte for byte)";
  return `${diff.differingPixels} of ${diff.pixels} pixels differ (max channel Δ ${diff.maxChannelDelta})`;
}

/**
 * The human-readable report of a {@linkcode BenchResult}.
 *
 * @example
 * ```ts
 * import { formatReport, type BenchResult } from "./report.ts";
 * const print = (result: BenchResult) => console.log(formatReport(result));
 * ```
 */
export function formatReport(r: BenchResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `raypool benchmark: ${m.cores} cores (${
      m.cpuModel ?? "CPU model unknown"
    }), ` +
      `Deno ${m.deno} (V8 ${m.v8}), ${m.platform}, ` +
      `load average ${m.loadAverage ?? "?"} at start, ${
        m.loadAverageEnd ?? "?"
      } at end`,
  );
  out.push(
    `lib/ wasm built from the current rust/ sources: ${
      r.config.libMatchesRust
        ? "yes"
        : "NO (stale: native and wasm may legitimately differ)"
    }; up to ${r.config.reps} runs per case within ${
      r.config.budgetMs / 1000
    } s, best run used`,
  );
  out.push("");
  out.push(
    "Render phase, warm pool (wasm) / render only (native). Mpx/s counts pixels, not samples.",
  );
  out.push(
    "cpu-est: from the threads' CPU times, max(busiest thread, all CPU ÷ cores), what an idle",
  );
  out.push(
    "machine would show (native: whole process, scene load included); 10 ms resolution.",
  );
  const rows: string[][] = [[
    "scene",
    "size",
    "spp",
    "engine",
    "n",
    "best ms",
    "median ms",
    "runs",
    "Mpx/s",
    "speed-up",
    "native÷wasm",
    "cpu-est ms",
    "cpu-est speed-up",
  ]];
  for (const s of r.scenes) {
    const first = rows.length;
    for (
      const [engine, runs] of [["wasm", s.wasm], ["native", s.native]] as const
    ) {
      for (const run of runs) {
        const native = engine === "wasm"
          ? s.native.find((n) => n.parallelism === run.parallelism)
          : undefined;
        rows.push([
          rows.length === first ? `${s.label} (${s.elements} elements)` : "",
          rows.length === first ? `${s.width}×${s.height}` : "",
          rows.length === first ? String(s.samples) : "",
          engine,
          String(run.parallelism),
          fixed(run.bestMs, 0),
          fixed(run.medianMs, 0),
          String(run.runsMs.length),
          fixed(run.mpxPerSecond, 2),
          fixed(run.speedup, 2),
          native === undefined ? "" : fixed(native.bestMs / run.bestMs, 2),
          run.idleEstimateMs === null ? "" : fixed(run.idleEstimateMs, 0),
          run.idleSpeedup === null ? "" : fixed(run.idleSpeedup, 2),
        ]);
      }
    }
  }
  out.push(columns(rows));
  out.push("");
  out.push("Images:");
  for (const s of r.scenes) {
    out.push(
      `  ${s.label}: wasm 2..N workers vs 1 worker: ${
        s.wasmWorkersDifferingPixels === 0
          ? "identical"
          : `${s.wasmWorkersDifferingPixels} pixels differ`
      }; native vs wasm: ${diffText(s.nativeVsWasm)}`,
    );
  }
  out.push("");
  const st = r.startup;
  out.push(
    `Start-up (fresh deno process, median of ${st.firstTileMs.runsMs.length}): ` +
      `first tile ${
        fixed(st.firstTileMs.medianMs, 0)
      } ms after process start ` +
      `(runs ${st.firstTileMs.runsMs.map((ms) => fixed(ms, 0)).join(", ")}); ` +
      `process wall time ${fixed(st.processWallMs.medianMs, 0)} ms`,
  );
  out.push(
    `  milestones (ms since process start): ${
      Object.entries(st.milestonesMs).map(([k, v]) => `${k} ${fixed(v, 0)}`)
        .join(", ")
    }`,
  );
  out.push(
    `  timeline of one run (ms since process start): ${
      Object.entries(st.timelineMs).map(([k, v]) => `${k} ${fixed(v, 0)}`)
        .join(", ")
    }`,
  );
  out.push(
    `  breakdown (each step alone, ms): ${
      Object.entries(st.breakdownMs).map(([k, v]) => `${k} ${fixed(v, 0)}`)
        .join(", ")
    }`,
  );
  const c = r.cli;
  const t = c.bestRunTimings;
  out.push(
    `CLI (cli.ts, fresh process, test scene ${c.width}×${c.height}, ${c.workers} workers, PNG): ` +
      `best ${
        fixed(c.processWallMs.bestMs, 0)
      } ms of ${c.processWallMs.runsMs.length} ` +
      `(median ${
        fixed(c.processWallMs.medianMs, 0)
      }); warm-pool render phase, run after each, best ${
        fixed(c.renderPhaseMs.bestMs, 0)
      } ms; pairs ${c.pairRatios.map((x) => fixed(x, 2)).join(", ")}`,
  );
  out.push(
    `  its own timings (best run, ms): load ${fixed(t.loadMs, 0)}, render ${
      fixed(t.renderMs, 0)
    }, encode ${fixed(t.encodeMs, 0)}, total ${fixed(t.totalMs, 0)}; ` +
      `outside its clock (Deno start, imports, exit) ${
        fixed(c.processWallMs.bestMs - t.totalMs, 0)
      }`,
  );
  if (c.native !== null) {
    out.push(
      `  native_render, ${c.workers} threads, whole process (toolchain call less ${
        fixed(c.native.toolchainMs, 0)
      } ms): best ${fixed(c.native.processWallMs.bestMs, 0)} ms (median ${
        fixed(c.native.processWallMs.medianMs, 0)
      })`,
    );
  }
  out.push(
    `Encode: encodePng of the 1920×1080 test image: best ${
      fixed(r.encodeMs, 0)
    } ms (first call ${
      fixed(r.encodeFirstMs, 0)
    } ms, loading imagescript included)`,
  );
  const h = r.hundredThousandSpheres;
  out.push(
    `100,000 spheres at ${h.width}×${h.height}: load ${
      fixed(h.loadMs, 0)
    } ms ` +
      `(validate ${fixed(h.validateMs, 0)} + pack ${fixed(h.packMs, 0)} + ` +
      `prepare/BVH ${
        fixed(h.prepareMs, 0)
      }, once per scene); each worker reads ` +
      `the ${(h.preparedBytes / 1e6).toFixed(1)} MB in ${
        fixed(h.readMs, 0)
      } ms; ` +
      `re-render ${fixed(h.renderMs, 0)} ms with ${h.workers} workers`,
  );
  out.push(
    `  set-up (render start → every worker read the scene, best): ${
      h.setup.runs.map((s) =>
        `${s.workers} worker${s.workers === 1 ? "" : "s"} ${
          fixed(s.bestMs, 0)
        } ms (worker read ${fixed(s.workerReadMs, 0)})`
      ).join(", ")
    }: ratio ${fixed(h.setup.ratio, 2)}`,
  );
  out.push(
    `Native build: ${
      r.config.nativeBuildMs === null
        ? `skipped (${r.config.nativeError ?? "disabled"})`
        : `${fixed(r.config.nativeBuildMs / 1000, 1)} s`
    }. Benchmark wall time: ${fixed(r.totalMs / 1000, 1)} s.`,
  );
  out.push("");
  // Only the load before the run says whether others were busy: the one at the end counts
  // the benchmark's own workers.
  if ((m.loadAverage ?? 0) > m.cores / 2) {
    out.push(
      "Other processes were using the CPUs (see the load average): wall-clock ratios are",
    );
    out.push("unreliable; the cpu-est figures are the better guide.");
  }
  out.push("Targets (judged on wall-clock best runs; cpu-est alongside):");
  const estimates: Record<string, number | null> = {
    scalingRender: r.scalingRenderCpuEstimate,
    wasmVsNative: r.wasmVsNativeCpuEstimate,
    bvh: r.bvhCpuEstimate,
  };
  out.push(columns(
    Object.entries(r.targets).map(([name, t]) => {
      const estimate = estimates[name];
      const passes = (v: number) =>
        t.comparison === ">=" ? v >= t.threshold : v <= t.threshold;
      return [
        `  ${name}`,
        t.value === null ? "—" : String(round(t.value, 2)),
        `${t.comparison === ">=" ? "≥" : "≤"} ${t.threshold}`,
        t.status,
        estimate === undefined || estimate === null
          ? ""
          : `cpu-est ${round(estimate, 2)} ${
            passes(estimate) ? "PASS" : "MISS"
          }`,
        t.note,
      ];
    }),
  ));
  out.push("");
  out.push(
    "Path-traced throughput (bench/path.ts, warm): million camera paths a second",
  );
  if ("error" in r.pathTracing) {
    out.push(`  not measured: ${r.pathTracing.error}`);
  } else {
    out.push(columns(r.pathTracing.map((p) => [
      `  ${p.scene}`,
      `${p.workers} worker${p.workers === 1 ? "" : "s"}`,
      `${p.width}×${p.height}, ${p.samples} spp`,
      `${p.renderMs} ms`,
      `${p.mpathsPerSecond} Mpaths/s`,
    ])));
  }
  return out.join("\n");
}

/**
 * JSON indented by two spaces, except that an object or array that fits in `width`
 * characters stays on one line: a run's figures read as one row. `JSON.parse` gives back
 * the same value as from `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { compactJson } from "./report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   compactJson({ a: { b: 1, c: [2, 3] }, d: "x" }, 30),
 *   '{\n  "a": {"b": 1, "c": [2, 3]},\n  "d": "x"\n}',
 * );
 * ```
 */
export function compactJson(value: unknown, width = 100): string {
  // `lead` is what precedes the value on its line (indent and key), counted against width;
  // −Infinity lays the value out flat, as part of a parent already known to fit.
  const format = (v: unknown, indent: string, lead: number): string => {
    if (typeof v !== "object" || v === null) return JSON.stringify(v) ?? "null";
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((item) => ["", item])
      : Object.entries(v).filter(([, item]) => item !== undefined)
        .map(([k, item]) => [`${JSON.stringify(k)}: `, item]);
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) return `${open}${close}`;
    const line = `${open}${
      entries.map(([k, item]) => k + format(item, "", -Infinity)).join(", ")
    }${close}`;
    if (lead + line.length <= width) return line;
    const inner = indent + "  ";
    return `${open}\n${
      entries.map(([k, item]) =>
        inner + k + format(item, inner, inner.length + k.length)
      ).join(",\n")
    }\n${indent}${close}`;
  };
  return format(value, "", 0);
}
