/**
 * The long scene fuzz (`deno task fuzz [--seed N] [--cases N] [--timeout MS]`): 100,000 seeded
 * scenes by default, valid and mutated, each taken through `parseScene` and a 4×3 render on
 * one shared `Renderer`. Prints the seed, then the counts by outcome (image, clean error,
 * aborted at the time limit, FAILURE) every 10,000 cases and at the end, and the first
 * failures with their inputs. A case still rendering after `--timeout` ms (default 20,000) is
 * aborted; it fails only if it then does not settle within 5 s. Exits 1 if any case failed,
 * 2 for a bad argument.
 *
 * The CI version is `tests/scene_property_test.ts`; both use `tests/fixtures/scene_fuzz.ts`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Renderer } from "../mod.ts";
import { fuzz, type FuzzReport } from "../tests/fixtures/scene_fuzz.ts";

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
  return `seed ${report.seed}: ${report.cases} cases in ${
    seconds.toFixed(1)
  } s: image ${report.image}, clean error ${report.clean}, aborted at the time limit ${report.aborted}, FAILURE ${report.failure}`;
}

async function main(args: string[]): Promise<number> {
  let seed: number;
  let cases: number;
  let timeoutMs: number;
  try {
    const { values } = parseArgs({
      args,
      options: {
        seed: { type: "string" },
        cases: { type: "string" },
        timeout: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
    seed = values.seed === undefined
      ? crypto.getRandomValues(new Uint32Array(1))[0]
      : integer("seed", values.seed, 0xffffffff);
    cases = values.cases === undefined
      ? 100_000
      : integer("cases", values.cases, 1e9);
    timeoutMs = values.timeout === undefined
      ? 20_000
      : integer("timeout", values.timeout, 1e9);
  } catch (error) {
    console.error(
      `fuzz: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error(
      "usage: deno task fuzz [--seed N] [--cases N] [--timeout MS]",
    );
    return 2;
  }
  console.log(`fuzz: seed ${seed}, ${cases} cases`);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
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
  for (const failure of report.failures) {
    console.log(`FAILURE case ${failure.index}: ${failure.reason}`);
    console.log(`  input: ${failure.input}`);
  }
  console.log(counts(report, seconds()));
  return report.failure === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
