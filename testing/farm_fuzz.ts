/**
 * The farm-protocol fuzzer (issue 19): what a rogue peer holding the token may send. Seeded,
 * mutated and random job and result messages through the decoders and the node's plan check,
 * rogue pieces mixed into an honest render's through the submitter's assembler, and — with a
 * `nats-server` — the same bytes published on a live farm while an honest render runs.
 *
 * - A job either decodes to one that keeps every invariant (an id matching the subject
 *   pattern, a rectangle inside the view and within the pixel limit, pieces within the
 *   server's payload limit) and is planned or refused with an error naming the option, or is
 *   refused with a one-line `TypeError`.
 * - A result decodes to one whose pixels fit its rectangle, or is refused with a `TypeError`.
 * - An assembly round ends with the exact image, or stopped by a `FaultyNodeError`.
 * - A live round ends with the exact image or a clean refusal, and the node keeps running.
 *
 * Anything else is a failure. Used by `tests/farm_protocol_fuzz_test.ts` (a few thousand cases)
 * and `deno task fuzz --kind farm`.
 *
 * @example
 * ```ts
 * import { jobCase, runJobCase } from "./farm_fuzz.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(jobCase(7, 3), jobCase(7, 3));
 * assert.ok(["decoded", "refused"].includes(runJobCase(jobCase(7, 3))));
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import { render, type Scene } from "../mod.ts";
import { BandAssembler, FaultyNodeError } from "../src/farm/assembly.ts";
import {
  BUILD,
  decodeJob,
  decodeResult,
  encodeJob,
  encodeResult,
  type JobMessage,
  MAX_JOB_PIXELS,
  pieceMessageBytes,
  PROTOCOL_VERSION,
  RENDER_ID,
  resultSubject,
} from "../src/farm/protocol.ts";
import { farmBackend, farmJobRects } from "../src/farm/submit.ts";
import {
  optionOf,
  planPacked,
  planRender,
  splitTiles,
} from "../src/render/plan.ts";
import type { Region } from "../src/types.ts";
import { farmWithRogue } from "./farm_rogue.ts";
import { oneSphere, sun } from "./scenes.ts";

/** The payload limit the decoders are given (nats-server's default). */
export const MAX_PAYLOAD = 1024 * 1024;

/** A seeded xorshift generator. */
export function random(seed: number): {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Uint8Array;
} {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)],
    bytes: (n: number) => Uint8Array.from({ length: n }, () => int(256)),
  };
}

type Rng = ReturnType<typeof random>;

/** The generator of case `index` of the run seeded `seed` (cases are independent). */
function caseRandom(seed: number, index: number, salt: number): Rng {
  const mixed = Math.imul(seed ^ salt, 0x9e3779b1) ^
    Math.imul(index + 1, 0x85ebca77);
  const rng = random(mixed ^ (mixed >>> 16));
  for (let i = 0; i < 4; i++) rng.next();
  return rng;
}

const ODD_VALUES: unknown[] = [
  -1,
  0,
  1,
  2,
  1.5,
  -0,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e308,
  null,
  true,
  "",
  "a.b",
  ">",
  "*",
  "x".repeat(70_000),
  [],
  {},
  { x: 0, y: 0, width: 1, height: 1 },
  "0".repeat(64),
];

/** The valid job the mutated ones start from. */
export const JOB: JobMessage = {
  kind: "job",
  version: PROTOCOL_VERSION,
  renderId: "r1",
  job: 0,
  build: BUILD,
  scene: "ab".repeat(32),
  view: {
    width: 640,
    height: 480,
    fov: 90,
    samples: 4,
    camera: {
      position: { x: 0, y: 0, z: 0 },
      look_at: { x: 0, y: 0, z: -1 },
      up: { x: 0, y: 1, z: 0 },
    },
  },
  rect: { x: 64, y: 64, width: 128, height: 128 },
  tileSize: 64,
};

/** A copy of `value` with one field somewhere inside set to an odd value, or deleted. */
function mutateField(value: Record<string, unknown>, rng: Rng): unknown {
  const copy = structuredClone(value);
  let node = copy as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    const key = rng.pick(keys);
    const child = node[key];
    if (
      typeof child === "object" && child !== null && !Array.isArray(child) &&
      rng.next() < 0.6
    ) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (rng.next() < 0.1) delete node[key];
    else node[key] = rng.pick(ODD_VALUES);
    break;
  }
  return copy;
}

/** `bytes` with one to four bytes changed, runs deleted or runs inserted. */
function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = [...bytes];
  const edits = 1 + rng.int(4);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(3)) {
      case 0:
        out[at] = rng.int(256);
        break;
      case 1:
        out.splice(at, 1 + rng.int(8));
        break;
      default:
        out.splice(at, 0, ...rng.bytes(1 + rng.int(8)));
    }
  }
  return new Uint8Array(out);
}

/** Job message `index` of the run seeded `seed`: the valid job's bytes mutated, one field mutated, or random bytes. */
export function jobCase(seed: number, index: number): Uint8Array {
  const rng = caseRandom(seed, index, 0x10b);
  switch (index % 3) {
    case 0:
      return mutateBytes(encodeJob(JOB), rng);
    case 1:
      return new TextEncoder().encode(
        JSON.stringify(
          mutateField(JOB as unknown as Record<string, unknown>, rng),
        ),
      );
    default:
      return rng.bytes(rng.int(64));
  }
}

/** Decodes a job case and checks what the decoder let through; throws on a failure. */
export function runJobCase(bytes: Uint8Array): "decoded" | "refused" {
  let job: JobMessage;
  try {
    job = decodeJob(bytes, MAX_PAYLOAD);
  } catch (error) {
    assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
    assert.ok(error.message.length < 300, `a long message: ${error.message}`);
    assert.ok(!error.message.includes("\n"), `two lines: ${error.message}`);
    return "refused";
  }
  assert.ok(RENDER_ID.test(job.renderId), `render id ${job.renderId}`);
  const { rect, view } = job;
  assert.ok(rect.x + rect.width <= view.width, "rectangle beyond the view");
  assert.ok(rect.y + rect.height <= view.height, "rectangle beyond the view");
  assert.ok(rect.width * rect.height <= MAX_JOB_PIXELS, "too many pixels");
  assert.ok(
    pieceMessageBytes(
      Math.min(job.tileSize, Math.max(rect.width, rect.height)),
    ) <= MAX_PAYLOAD,
    "pieces over the payload limit",
  );
  // The node's plan check: a plan, or an error naming the option.
  try {
    planPacked(new Uint8Array(0), { ...view, camera: view.camera }, 1, {
      region: rect,
      tileSize: job.tileSize,
    });
  } catch (error) {
    assert.ok(optionOf(error) !== undefined, `no option: ${error}`);
  }
  return "decoded";
}

/** Result message `index` of the run seeded `seed` for the render `renderId`: a valid piece or failure mutated, or random bytes. */
export function resultCase(
  seed: number,
  index: number,
  renderId = "r1",
): Uint8Array {
  const rng = caseRandom(seed, index, 0x4e5);
  if (index % 2 === 1) return rng.bytes(rng.int(96));
  const rect = { x: 8, y: 16, width: 8, height: 4 };
  const base = rng.next() < 0.5
    ? encodeResult({
      kind: "piece",
      renderId,
      job: rng.int(4),
      node: "n",
      rect,
      pixels: new Uint8Array(8 * 4 * 4).fill(7),
    })
    : encodeResult({
      kind: "failed",
      renderId,
      job: rng.int(4),
      node: "n",
      attempt: 4,
      final: true,
      message: "boom",
    });
  return mutateBytes(base, rng);
}

/** Decodes a result case and checks what the decoder let through; throws on a failure. */
export function runResultCase(bytes: Uint8Array): "decoded" | "refused" {
  let result;
  try {
    result = decodeResult(bytes);
  } catch (error) {
    assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
    return "refused";
  }
  assert.ok(RENDER_ID.test(result.renderId), `render id ${result.renderId}`);
  if (result.kind === "piece") {
    assert.equal(
      result.pixels.length,
      result.rect.width * result.rect.height * 4,
      "pixels that do not fit the rectangle",
    );
  }
  return "decoded";
}

/** A pixel's value from its position, so misplaced bytes show. */
function pixelsOf(rect: Region, salt = 0): Uint8Array {
  const data = new Uint8Array(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      data.set(
        [rect.x + x, rect.y + y, (rect.x + x) ^ (rect.y + y) ^ salt, 255],
        (y * rect.width + x) * 4,
      );
    }
  }
  return data;
}

/**
 * Assembly round `index` of the run seeded `seed`: an honest render's pieces with rogue ones
 * (off the grid, overlapping, for jobs the render has not, forged pixels on the grid) mixed in,
 * in a random order, through the submitter's assembler. Resolves "exact" when the image is the
 * honest one, "stopped" when a `FaultyNodeError` stopped it; throws on anything else.
 */
export async function runAssemblyRound(
  seed: number,
  index: number,
): Promise<"exact" | "stopped"> {
  const rng = caseRandom(seed, index, 0xa55);
  const region = {
    x: rng.int(20),
    y: rng.int(20),
    width: 1 + rng.int(90),
    height: 1 + rng.int(70),
  };
  const tileSize = 1 + rng.int(24);
  const jobs = farmJobRects(region, tileSize).map((rect) => ({ rect }));
  const bandRows = 1 + rng.int(40);
  const bands: Uint8Array[] = [];
  const assembler = new BandAssembler(
    region,
    bandRows,
    jobs,
    tileSize,
    (_y, rgba) => {
      bands.push(rgba.slice());
      return Promise.resolve();
    },
  );
  const honest = jobs.flatMap(({ rect }, job) =>
    splitTiles(rect, tileSize).map((tile) => ({ job, rect: tile, salt: 0 }))
  );
  const rogue = Array.from({ length: 1 + rng.int(30) }, () => {
    const job = rng.int(jobs.length + 2);
    const on = jobs[job]?.rect ?? region;
    const grid = splitTiles(on, tileSize);
    const rect = rng.next() < 0.08 && grid.length > 0
      ? rng.pick(grid) // on the grid, forged pixels (or, by chance, honest ones)
      : {
        x: on.x + rng.int(on.width),
        y: on.y + rng.int(on.height),
        width: 1 + rng.int(on.width),
        height: 1 + rng.int(on.height),
      };
    return { job, rect, salt: rng.int(3) };
  });
  const all = [...honest, ...rogue];
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  try {
    for (const { job, rect, salt } of all) {
      assembler.add({
        kind: "piece",
        renderId: "r",
        job,
        node: salt === 0 ? "honest" : "rogue",
        rect,
        pixels: pixelsOf(rect, salt),
      });
      await assembler.flush();
    }
  } catch (error) {
    assert.ok(error instanceof FaultyNodeError, `not a faulty node: ${error}`);
    return "stopped";
  }
  // Not stopped: every pixel came exactly once, and the image is the honest one.
  assert.ok(assembler.done, "not done, not stopped");
  const whole = new Uint8Array(region.width * region.height * 4);
  let at = 0;
  for (const band of bands) {
    whole.set(band, at);
    at += band.length;
  }
  assert.equal(at, whole.length, "bands of the wrong size");
  assert.deepEqual(whole, pixelsOf(region), "a wrong image");
  return "exact";
}

/** Counts of a farm run. */
export interface FarmFuzzReport {
  seed: number;
  /** Cases run, of each of jobs and results. */
  cases: number;
  jobs: { decoded: number; refused: number };
  results: { decoded: number; refused: number };
  assembly: { exact: number; stopped: number };
  /** Live rounds on a nats-server (none without `live`). */
  live: { exact: number; refused: number; published: number };
  failure: number;
  /** Up to 20 failures: index, reason and the start of the input. */
  failures: { index: number; reason: string; input?: string }[];
}

/** Options of {@linkcode farmFuzz}. */
export interface FarmFuzzOptions {
  seed: number;
  /** Job cases and result cases, each; an assembly round per 100 cases (at least one). */
  cases: number;
  /** Live rounds on a nats-server started for the run (default 0: none). */
  liveRounds?: number;
  /** Messages a rogue publishes in each live round (default 200). */
  liveMessages?: number;
  /** A case's time limit, in milliseconds (default 10 s; a live round's 60 s). */
  timeoutMs?: number;
  /** The process's resident size after a case must stay under this (default 1.5 GB). */
  memoryLimit?: number;
  every?: number;
  onProgress?: (report: FarmFuzzReport) => void;
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes.subarray(0, 200), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/** Runs the farm fuzz seeded `seed`. */
export async function farmFuzz(
  options: FarmFuzzOptions,
): Promise<FarmFuzzReport> {
  const {
    seed,
    cases,
    liveRounds = 0,
    liveMessages = 200,
    timeoutMs = 10_000,
    memoryLimit = 1.5e9,
    every = 10_000,
    onProgress,
  } = options;
  const report: FarmFuzzReport = {
    seed,
    cases: 0,
    jobs: { decoded: 0, refused: 0 },
    results: { decoded: 0, refused: 0 },
    assembly: { exact: 0, stopped: 0 },
    live: { exact: 0, refused: 0, published: 0 },
    failure: 0,
    failures: [],
  };
  const fail = (index: number, reason: string, input?: Uint8Array) => {
    report.failure++;
    if (report.failures.length < 20) {
      report.failures.push({
        index,
        reason,
        ...(input === undefined ? {} : { input: hex(input) }),
      });
    }
  };
  const limits = (index: number, started: number, limitMs: number) => {
    const ms = performance.now() - started;
    if (ms > limitMs) fail(index, `over the time limit: ${ms.toFixed(0)} ms`);
    const rss = Deno.memoryUsage().rss;
    if (rss > memoryLimit) fail(index, `resident ${rss} bytes after the case`);
  };
  for (let index = 0; index < cases; index++) {
    const started = performance.now();
    const job = jobCase(seed, index);
    try {
      report.jobs[runJobCase(job)]++;
    } catch (error) {
      fail(index, `job: ${(error as Error).message}`, job);
    }
    const result = resultCase(seed, index);
    try {
      report.results[runResultCase(result)]++;
    } catch (error) {
      fail(index, `result: ${(error as Error).message}`, result);
    }
    if (index % 100 === 0) {
      try {
        report.assembly[await runAssemblyRound(seed, index)]++;
      } catch (error) {
        fail(index, `assembly round: ${(error as Error).message}`);
      }
    }
    report.cases++;
    limits(index, started, timeoutMs);
    if (onProgress !== undefined && (index + 1) % every === 0) {
      onProgress(report);
    }
  }
  if (liveRounds > 0) {
    await liveFuzz(
      seed,
      liveRounds,
      liveMessages,
      report,
      fail,
      (i, t) => limits(i, t, Math.max(timeoutMs, 60_000)),
    );
  }
  return report;
}

const LIVE_SCENE: Scene = {
  description: oneSphere({
    width: 24,
    height: 16,
    radius: 1.5,
    color: { red: 1, green: 0.3, blue: 0 },
    light: sun({ x: -1, y: -1, z: -1 }, 2),
  }),
  textures: new Map(),
};

/**
 * Live rounds: a nats-server, one node, and a rogue connection holding the same (absent)
 * token that publishes fuzzed jobs on the job subjects and fuzzed results on each honest
 * render's results subject while it runs. Each render must give the exact image or fail with
 * a clean refusal (a faulty node named), and the node must keep running.
 */
async function liveFuzz(
  seed: number,
  rounds: number,
  messages: number,
  report: FarmFuzzReport,
  fail: (index: number, reason: string) => void,
  limits: (index: number, started: number) => void,
): Promise<void> {
  const tileSize = 8;
  const expected = (await render(LIVE_SCENE, { workers: 1, tileSize })).data;
  await using farm = await farmWithRogue({ name: "honest" });
  const { nats, events, rogue } = farm;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const base = round * messages;
    // Jobs first: the node must drop each and go on.
    for (let i = 0; i < messages / 2; i++) {
      await rogue.js.publish("raypool.jobs.rogue", jobCase(seed, base + i));
      report.live.published++;
    }
    // Results on the honest render's subject, once its first job shows.
    const seen = new Set<string>();
    const subscription = rogue.connection.subscribe("raypool.jobs.*", {
      callback: (_error, message) => {
        if (message.subject === "raypool.jobs.rogue") return;
        let renderId: string;
        try {
          renderId = decodeJob(message.data).renderId;
        } catch {
          return; // one of the rogue's own
        }
        if (seen.has(renderId)) return;
        seen.add(renderId);
        (async () => {
          for (let i = messages / 2; i < messages; i++) {
            await rogue.js.publish(
              resultSubject(renderId),
              resultCase(seed, base + i, renderId),
            );
            report.live.published++;
          }
        })().catch(() => {});
      },
    });
    try {
      const plan = planRender(LIVE_SCENE, { tileSize }, 1);
      let pixels = new Uint8Array(0);
      await farmBackend({ server: nats.url, timeoutSeconds: 30 })
        .renderBands(plan, [plan.region], (_band, rgba) => {
          pixels = rgba.slice();
          return Promise.resolve();
        });
      if (
        pixels.length !== expected.length ||
        !pixels.every((v, i) => v === expected[i])
      ) fail(round, "live: a wrong image");
      else report.live.exact++;
    } catch (error) {
      if (error instanceof FaultyNodeError) report.live.refused++;
      else fail(round, `live: ${(error as Error).message}`);
    } finally {
      subscription.unsubscribe();
    }
    if (events.some((e) => e.kind === "stopped")) {
      fail(round, "live: the node stopped");
      return;
    }
    limits(round, started);
  }
}
