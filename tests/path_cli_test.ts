// The path tracer's CLI flags: parsed with one-line errors naming the flag, applied to a scene
// file (the original's scene, path traced under an environment colour), and --samples takes
// any count once the path tracer is asked for.

import assert from "node:assert/strict";
import { join } from "node:path";
import { parseCliArgs } from "../src/cli/args.ts";
import { parsePathFlags } from "../src/cli/path_flags.ts";
import { InputError } from "../src/_errors.ts";
import { ROOT, runCli, withTempDir } from "./fixtures/cli/helpers.ts";

Deno.test("path flags: parsed into the command, bad values refused naming the flag", () => {
  const command = parseCliArgs([
    "a.json",
    "--integrator",
    "path",
    "--samples",
    "3",
    "--max-bounces",
    "5",
    "--environment",
    "0.5,0.6,0.7",
    "--tone-map",
    "neutral",
    "--exposure",
    "-1.5",
  ]);
  assert.ok(command.kind === "render");
  assert.equal(command.samples, 3);
  assert.deepEqual(command.path, {
    integrator: "path",
    maxBounces: 5,
    environment: { Color: { red: 0.5, green: 0.6, blue: 0.7 } },
    toneMap: "Neutral",
    exposure: -1.5,
  });
  const hdr = parsePathFlags({ environment: "sky.HDR" });
  assert.ok(
    hdr?.environment && "Hdr" in hdr.environment &&
      hdr.environment.Hdr.path.endsWith("sky.HDR"),
  );
  assert.equal(parsePathFlags({}), undefined);
  for (
    const [args, message] of [
      [
        ["--integrator", "bidir"],
        /--integrator must be whitted or path, got "bidir"/,
      ],
      [
        ["--max-bounces", "0"],
        /--max-bounces must be an integer from 1 to 1024, got "0"/,
      ],
      [
        ["--integrator", "whitted", "--max-bounces", "3"],
        /--max-bounces applies to --integrator path only/,
      ],
      [["--environment", "1,2"], /--environment must be R,G,B/],
      [["--environment", "1,-2,3"], /--environment must be R,G,B/],
      [["--tone-map", "filmic"], /--tone-map must be clamp, neutral or aces/],
      [["--exposure", "ten"], /--exposure must be a number of stops/],
    ] as const
  ) {
    assert.throws(
      () => parseCliArgs(["a.json", ...args]),
      (e: unknown) => e instanceof InputError && message.test(e.message),
      args.join(" "),
    );
  }
});

Deno.test("path flags: the original's scene path traced from the command line", async () => {
  await withTempDir(async (dir) => {
    const scene = join(ROOT, "tests/fixtures/original/test.json");
    const whitted = join(dir, "whitted.png");
    const path = join(dir, "path.png");
    const small = [
      "--width",
      "40",
      "--height",
      "30",
      "--workers",
      "2",
      "--quiet",
    ];
    let result = await runCli([scene, "-o", whitted, ...small]);
    assert.equal(result.code, 0, result.stderr);
    result = await runCli([
      scene,
      "-o",
      path,
      ...small,
      "--integrator",
      "path",
      "--samples",
      "2",
      "--environment",
      "0.2,0.3,0.5",
      "--tone-map",
      "aces",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const [a, b] = [await Deno.readFile(whitted), await Deno.readFile(path)];
    assert.notDeepEqual(a, b);
    result = await runCli([
      scene,
      "-o",
      path,
      ...small,
      "--environment",
      join(dir, "missing.hdr"),
      "--integrator",
      "path",
    ]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /environment\.Hdr\.path: environment .*missing\.hdr.* not found/,
    );
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  });
});
