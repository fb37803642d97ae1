/**
 * The long fuzz (`deno task fuzz [--kind all|scenes|meshes|preview|farm] [--seed N] [--cases N]
 * [--preview-cases N] [--live-rounds N] [--timeout MS]`), of everything users and peers send:
 *
 * - scenes (`testing/scene_fuzz.ts`): 100,000 seeded scenes by default, valid and mutated,
 *   each taken through `parseScene` and a 4×3 render on one shared `Renderer`; outcomes image,
 *   clean error, aborted at the time limit (`--timeout` ms, default 20,000; a case that does
 *   not settle 5 s after its abort fails), FAILURE;
 * - meshes (`testing/mesh_fuzz.ts`): 100,000 OBJ, PLY and gzip files by default, valid and
 *   hostile, each through `parseMesh` with a time limit (10 s) and a memory limit (1.5 GB
 *   resident); outcomes mesh, clean error, FAILURE;
 * - the preview server (`testing/preview_fuzz.ts`): 1,000 cases by default of silent pages,
 *   pages over the limit, garbage and stalled connections during renders, each with a time
 *   limit (20 s) and the same memory limit; outcomes ok, FAILURE;
 * - the farm protocol (`testing/farm_fuzz.ts`): 100,000 job and 100,000 result messages by
 *   default, mutated and random, through the decoders and the node's plan check, an assembly
 *   round of rogue pieces per 100 cases, then 20 live rounds by default (`--live-rounds`) in
 *   which a rogue client publishes fuzzed jobs and results on a `nats-server` while an honest
 *   render runs; each with a time limit (10 s, a live round 60 s) and the memory limit;
 *   outcomes per message, assembly round and live round, FAILURE.
 *
 * Prints the seed, the counts per kind as it goes and at the end, and the first failures with
 * their inputs. Exits 1 if any case failed, 2 for a bad argument. The CI version of the scene
 * fuzz is `tests/scene_property_test.ts`; `tests/mesh_hostile_test.ts` runs the mesh one and
 * `tests/farm_protocol_fuzz_test.ts` the farm one (without live rounds).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../mod.ts";
import { fuzz, type FuzzReport } from "../testing/scene_fuzz.ts";
import { meshFuzz, type MeshFuzzReport } from "../testing/mesh_fuzz.ts";
import { farmFuzz, type FarmFuzzReport } from "../testing/farm_fuzz.ts";
import {
  previewFuzz,
  type PreviewFuzzReport,
} from "../testing/preview_fuzz.ts";

const KINDS = ["scenes", "meshes", "preview", "farm"] as const;

function integer(name: string, text: string, max: number): number {
  const value = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value <= max)) {
    throw new RangeError(
      `--${name} must be a whole number from 0 to ${max}, got ${
        JSON.stringify(text)
      }`,
    );
  }
  return value;
}

function counts(report: FuzzReport, seconds: number): string {
  return `scenes, seed ${report.seed}: ${report.cases} cases in ${
    seconds.toFixed(1)
  } s: image ${report.image}, clean error ${report.clean}, aborted at the time limit ${report.aborted}, FAILURE ${report.failure}`;
}

function meshCounts(report: MeshFuzzReport, seconds: number): string {
  return `meshes, seed ${report.seed}: ${report.cases} cases in ${
    seconds.toFixed(1)
  } s: mesh ${report.mesh}, clean error ${report.clean}, FAILURE ${report.failure}`;
}

function previewCounts(report: PreviewFuzzReport, seconds: number): string {
  return `preview, seed ${report.seed}: ${report.cases} cases in ${
    seconds.toFixed(1)
  } s: ok ${report.ok}, FAILURE ${report.failure} (${report.pages} silent pages, ${report.garbage} garbage connections)`;
}

function farmCounts(report: FarmFuzzReport, seconds: number): string {
  const { jobs, results, assembly, live } = report;
  return `farm, seed ${report.seed}: ${report.cases} cases in ${
    seconds.toFixed(1)
  } s: jobs decoded ${jobs.decoded}, refused ${jobs.refused}; results decoded ${results.decoded}, refused ${results.refused}; assembly rounds exact ${assembly.exact}, stopped ${assembly.stopped}; live rounds exact ${live.exact}, refused ${live.refused} (${live.published} rogue messages); FAILURE ${report.failure}`;
}

async function main(args: string[]): Promise<number> {
  let seed: number;
  let cases: number;
  let previewCases: number;
  let liveRounds: number;
  let timeoutMs: number;
  let kinds: readonly string[];
  try {
    const { values } = parseArgs({
      args,
      options: {
        kind: { type: "string" },
        seed: { type: "string" },
        cases: { type: "string" },
        "preview-cases": { type: "string" },
        "live-rounds": { type: "string" },
        timeout: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    const kind = values.kind ?? "all";
    if (kind !== "all" && !(KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(
        `--kind must be all, ${KINDS.join(", ")}, got ${JSON.stringify(kind)}`,
      );
    }
    kinds = kind === "all" ? KINDS : [kind];
    seed = values.seed === undefined
      ? crypto.getRandomValues(new Uint32Array(1))[0]
      : integer("seed", values.seed, 0xffffffff);
    cases = values.cases === undefined
      ? 100_000
      : integer("cases", values.cases, 1e9);
    previewCases = values["preview-cases"] === undefined
      ? 1_000
      : integer("preview-cases", values["preview-cases"], 1e9);
    liveRounds = values["live-rounds"] === undefined
      ? 20
      : integer("live-rounds", values["live-rounds"], 1e6);
    timeoutMs = values.timeout === undefined
      ? 20_000
      : integer("timeout", values.timeout, 1e9);
  } catch (error) {
    console.error(
      `fuzz: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error(
      "usage: deno task fuzz [--kind all|scenes|meshes|preview|farm] [--seed N] [--cases N] [--preview-cases N] [--live-rounds N] [--timeout MS]",
    );
    return 2;
  }
  console.log(
    `fuzz: seed ${seed}, ${kinds.join(", ")}: ${cases} cases each${
      kinds.includes("preview") ? `, ${previewCases} for the preview` : ""
    }`,
  );
  const lines: string[] = [];
  let failed = 0;
  const clock = () => {
    const started = performance.now();
    return () => (performance.now() - started) / 1000;
  };
  const printFailures = (
    failures: { index: number; reason: string; input?: string }[],
  ) => {
    for (const failure of failures) {
      console.log(`FAILURE case ${failure.index}: ${failure.reason}`);
      if (failure.input !== undefined) console.log(`  input: ${failure.input}`);
    }
  };
  if (kinds.includes("scenes")) {
    const seconds = clock();
    const renderer = new Renderer({ workers: 1 });
    let report: FuzzReport;
    try {
      report = await fuzz({
        seed,
        cases,
        renderer,
        timeoutMs,
        every: 10_000,
        onProgress: (so) => console.log(counts(so, seconds())),
      });
    } finally {
      await renderer.close();
    }
    printFailures(report.failures);
    lines.push(counts(report, seconds()));
    failed += report.failure;
  }
  if (kinds.includes("meshes")) {
    const seconds = clock();
    const report = await meshFuzz({
      seed,
      cases,
      every: 10_000,
      onProgress: (so) => console.log(meshCounts(so, seconds())),
    });
    printFailures(report.failures);
    lines.push(meshCounts(report, seconds()));
    failed += report.failure;
  }
  if (kinds.includes("preview")) {
    const seconds = clock();
    const report = await previewFuzz({
      seed,
      cases: previewCases,
      every: 100,
      onProgress: (so) => console.log(previewCounts(so, seconds())),
    });
    printFailures(report.failures);
    lines.push(previewCounts(report, seconds()));
    failed += report.failure;
  }
  if (kinds.includes("farm")) {
    const seconds = clock();
    const report = await farmFuzz({
      seed,
      cases,
      liveRounds,
      every: 10_000,
      onProgress: (so) => console.log(farmCounts(so, seconds())),
    });
    printFailures(report.failures);
    lines.push(farmCounts(report, seconds()));
    failed += report.failure;
  }
  for (const line of lines) console.log(line);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
