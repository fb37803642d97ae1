/**
 * Small measuring helpers shared by the benchmark's parts: repetitions, summaries, image
 * comparison and a description of the machine.
 *
 * @module
 */

import { readProc } from "./proc.ts";
import type { Timings } from "../src/cli/summary.ts";

/**
 * Timings of one case: every run, the best and the median, in milliseconds.
 *
 * @example
 * ```ts
 * import type { Timing } from "./measure.ts";
 * const timing: Timing = { runsMs: [12, 10, 11], bestMs: 10, medianMs: 11 };
 * ```
 */
export interface Timing {
  /** Every measured run, in order. */
  runsMs: number[];
  /** The fastest run: on a shared machine the one least disturbed by other processes. */
  bestMs: number;
  /** The median run. */
  medianMs: number;
}

/**
 * Rounds to 0.1 ms (or to `digits` decimals), for reports that stay readable.
 *
 * @example
 * ```ts
 * import { round } from "./measure.ts";
 * import assert from "node:assert/strict";
 * assert.equal(round(1.2345), 1.2);
 * assert.equal(round(1.2345, 3), 1.235);
 * ```
 */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Summarises run times (at least one) as a {@linkcode Timing}.
 *
 * @example
 * ```ts
 * import { summarize } from "./measure.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(summarize([30, 10, 20, 40]), {
 *   runsMs: [30, 10, 20, 40], bestMs: 10, medianMs: 25,
 * });
 * ```
 */
export function summarize(runsMs: readonly number[]): Timing {
  if (runsMs.length === 0) throw new RangeError("no runs to summarize");
  const sorted = [...runsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
  return {
    runsMs: runsMs.map((ms) => round(ms)),
    bestMs: round(sorted[0]),
    medianMs: round(median),
  };
}

/**
 * Runs `measure` (which returns the milliseconds of one run) `reps` times, but stops early
 * once `budgetMs` has been spent, so that slow cases get fewer repetitions and the whole
 * benchmark keeps to its time limit. Always runs at least once.
 *
 * @example
 * ```ts
 * import { repeat } from "./measure.ts";
 * import assert from "node:assert/strict";
 * let calls = 0;
 * const runs = await repeat(() => Promise.resolve(++calls * 100), 5, 250);
 * assert.deepEqual(runs, [100, 200]);
 * ```
 */
export async function repeat(
  measure: () => Promise<number>,
  reps: number,
  budgetMs: number,
): Promise<number[]> {
  const runs: number[] = [];
  let spent = 0;
  while (runs.length < reps && (runs.length === 0 || spent < budgetMs)) {
    const ms = await measure();
    runs.push(ms);
    spent += ms;
  }
  return runs;
}

/**
 * How two RGBA8 images of the same size differ.
 *
 * @example
 * ```ts
 * import type { ImageDiff } from "./measure.ts";
 * const identical: ImageDiff = { pixels: 4, differingPixels: 0, maxChannelDelta: 0 };
 * ```
 */
export interface ImageDiff {
  /** Pixels compared. */
  pixels: number;
  /** Pixels with at least one channel different. */
  differingPixels: number;
  /** The largest difference of one channel, 0..255. */
  maxChannelDelta: number;
}

/**
 * Compares two RGBA8 images pixel by pixel. Throws a `RangeError` if their lengths differ.
 *
 * @example
 * ```ts
 * import { compareImages } from "./measure.ts";
 * import assert from "node:assert/strict";
 * const a = new Uint8Array([1, 2, 3, 255, 9, 9, 9, 255]);
 * const b = new Uint8Array([1, 2, 4, 255, 9, 9, 9, 255]);
 * assert.deepEqual(compareImages(a, b), { pixels: 2, differingPixels: 1, maxChannelDelta: 1 });
 * ```
 */
export function compareImages(a: Uint8Array, b: Uint8Array): ImageDiff {
  if (a.length !== b.length || a.length % 4 !== 0) {
    throw new RangeError(
      `images of ${a.length} and ${b.length} bytes cannot be compared`,
    );
  }
  let differingPixels = 0;
  let maxChannelDelta = 0;
  for (let i = 0; i < a.length; i += 4) {
    let differs = false;
    for (let c = i; c < i + 4; c++) {
      if (a[c] !== b[c]) {
        differs = true;
        maxChannelDelta = Math.max(maxChannelDelta, Math.abs(a[c] - b[c]));
      }
    }
    if (differs) differingPixels++;
  }
  return { pixels: a.length / 4, differingPixels, maxChannelDelta };
}

/**
 * The machine a benchmark ran on.
 *
 * @example
 * ```ts
 * import type { Machine } from "./measure.ts";
 * const describe = (m: Machine) => `${m.cores} × ${m.cpuModel ?? "unknown CPU"}`;
 * ```
 */
export interface Machine {
  /** `navigator.hardwareConcurrency`. */
  cores: number;
  /** The first `model name` of `/proc/cpuinfo`, if readable. */
  cpuModel: string | null;
  /** `Deno.version.deno`. */
  deno: string;
  /** `Deno.version.v8`. */
  v8: string;
  /** `os-arch`. */
  platform: string;
  /** The 1-minute load average when asked, if readable: other processes' share of the CPUs. */
  loadAverage: number | null;
}

/**
 * The 1-minute load average from `/proc/loadavg`, or `null` where it is unreadable.
 *
 * @example
 * ```ts
 * import { loadAverage } from "./measure.ts";
 * const load = loadAverage();
 * if (load !== null && !(load >= 0)) throw new Error("bad load average");
 * ```
 */
export function loadAverage(): number | null {
  const text = readProc("/proc/loadavg");
  const value = text === null ? NaN : Number(text.split(" ")[0]);
  return Number.isFinite(value) ? value : null;
}

/**
 * Describes this machine. Reads `/proc/cpuinfo` and `/proc/loadavg` where permitted (see
 * {@linkcode readProc}).
 *
 * @example
 * ```ts
 * import { machine } from "./measure.ts";
 * import assert from "node:assert/strict";
 * assert.ok(machine().cores >= 1);
 * ```
 */
export function machine(): Machine {
  const cpuinfo = readProc("/proc/cpuinfo");
  const model = cpuinfo === null
    ? undefined
    : /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1];
  return {
    cores: navigator.hardwareConcurrency,
    cpuModel: model?.trim() ?? null,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    platform: `${Deno.build.os}-${Deno.build.arch}`,
    loadAverage: loadAverage(),
  };
}

/**
 * CPU time (user + system) of every thread of this process so far, in milliseconds, keyed by
 * thread id; `null` where `/proc` is unreadable (see {@linkcode readProc}). The resolution
 * is one clock tick (10 ms).
 *
 * @example
 * ```ts
 * import { threadCpuMs } from "./measure.ts";
 * const before = threadCpuMs();
 * if (before !== null && before.size === 0) throw new Error("a process has threads");
 * ```
 */
export function threadCpuMs(): Map<string, number> | null {
  const text = readProc(`/proc/${Deno.pid}/task/*/stat`);
  if (text === null) return null;
  const threads = new Map<string, number>();
  for (const line of text.trim().split("\n")) {
    // Fields after the parenthesised name, which may itself hold spaces: state is the
    // first, utime and stime the 12th and 13th, in ticks of 10 ms.
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    threads.set(
      line.slice(0, line.indexOf(" ")),
      (Number(fields[11]) + Number(fields[12])) * 10,
    );
  }
  return threads;
}

/**
 * The CPU each thread spent between two {@linkcode threadCpuMs} readings, busiest first,
 * idle threads left out.
 *
 * @example
 * ```ts
 * import { cpuBetween } from "./measure.ts";
 * import assert from "node:assert/strict";
 * const before = new Map([["1", 100], ["2", 50]]);
 * const after = new Map([["1", 130], ["2", 50], ["3", 20]]);
 * assert.deepEqual(cpuBetween(before, after), [30, 20]);
 * ```
 */
export function cpuBetween(
  before: Map<string, number>,
  after: Map<string, number>,
): number[] {
  return [...after]
    .map(([tid, ms]) => ms - (before.get(tid) ?? 0))
    .filter((ms) => ms > 0)
    .sort((a, b) => b - a);
}

/**
 * What a run would take on an otherwise idle machine with `cores` cores, from its threads'
 * CPU times: as long as its busiest thread, or its total CPU spread over every core,
 * whichever is longer. Other processes inflate wall time but hardly the CPU time a thread
 * needs, so ratios of these estimates survive a busy machine better than wall-clock ones.
 *
 * @example
 * ```ts
 * import { idleEstimateMs } from "./measure.ts";
 * import assert from "node:assert/strict";
 * assert.equal(idleEstimateMs([1000, 100], 2), 1000);
 * assert.equal(idleEstimateMs([600, 600, 600], 2), 900);
 * ```
 */
export function idleEstimateMs(
  cpuMs: readonly number[],
  cores: number,
): number {
  const total = cpuMs.reduce((a, b) => a + b, 0);
  return Math.max(cpuMs[0] ?? 0, total / cores);
}

/**
 * Runs `cli.ts` with `args` in the folder `cwd` (the repository), as the render task does but
 * reading only `.` and writing only `out`, with `--json --quiet`; returns the whole process's
 * wall time and the summary's timings.
 *
 * @throws when the CLI fails, with its stderr.
 */
export async function timeCli(
  cwd: URL,
  args: string[],
): Promise<{ wallMs: number; timings: Timings }> {
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read=.",
      "--allow-write=out",
      "--allow-ffi=./node_modules/.deno/imagescript@1.3.1",
      "--allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG",
      "cli.ts",
      ...args,
      "--json",
      "--quiet",
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - start;
  if (!output.success) {
    throw new Error(
      `cli.ts exited with ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  const stdout = new TextDecoder().decode(output.stdout).trim();
  return {
    wallMs,
    timings: JSON.parse(stdout.split("\n").at(-1) ?? "").timings,
  };
}
