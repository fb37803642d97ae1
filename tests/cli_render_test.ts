import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import {
  decodeImage,
  listDir,
  type Pixels,
  ROOT,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

// The CLI end to end, as a subprocess: what it writes and what it prints when all goes well.

const REFERENCE_SCENE = "tests/fixtures/original/test_800x600.json";
const REFERENCE_IMAGE =
  `${ROOT}tests/fixtures/original/test_800x600.reference.png`;
const TINY = "tests/fixtures/cli/tiny.json";

/** Compares `actual` with the `region` of `expected`: the share of identical pixels, the worst channel. */
function compare(
  actual: Pixels,
  expected: Pixels,
  region = { x: 0, y: 0, width: expected.width, height: expected.height },
) {
  assert.equal(actual.width, region.width);
  assert.equal(actual.height, region.height);
  let identical = 0, worst = 0;
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      const a = (y * region.width + x) * 4;
      const e = ((region.y + y) * expected.width + region.x + x) * 4;
      let same = true;
      for (let c = 0; c < 4; c++) {
        const diff = Math.abs(actual.data[a + c] - expected.data[e + c]);
        worst = Math.max(worst, diff);
        if (diff !== 0) same = false;
      }
      if (same) identical++;
    }
  }
  return { identicalShare: identical / (region.width * region.height), worst };
}

Deno.test("renders the original's scene to its reference image, with a --json summary", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "reference.png");
    const result = await runCli([
      REFERENCE_SCENE,
      "-o",
      output,
      "--workers",
      "2",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "", "--json prints no progress");
    assert.equal(result.stdout.split("\n").length, 2, "one line of JSON");
    const summary = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(summary).sort(), [
      "height",
      "output",
      "tiles",
      "timings",
      "width",
      "workers",
    ]);
    assert.equal(summary.output, output);
    assert.equal(summary.width, 800);
    assert.equal(summary.height, 600);
    assert.equal(summary.workers, 2);
    assert.ok(
      Number.isInteger(summary.tiles) && summary.tiles >= 2,
      `tiles: ${summary.tiles}`,
    );
    const { loadMs, renderMs, encodeMs, totalMs } = summary.timings;
    for (const ms of [loadMs, renderMs, encodeMs, totalMs]) {
      assert.ok(
        typeof ms === "number" && ms >= 0 && ms < 120_000,
        `timings: ${result.stdout}`,
      );
    }
    assert.ok(renderMs > 0);
    assert.ok(
      totalMs >= loadMs + renderMs + encodeMs - 1,
      `timings: ${result.stdout}`,
    );

    assert.deepEqual(await listDir(dir), ["reference.png"]);
    const { identicalShare, worst } = compare(
      await decodeImage(output),
      await decodeImage(REFERENCE_IMAGE),
    );
    assert.ok(
      identicalShare >= 0.999,
      `only ${(identicalShare * 100).toFixed(3)}% identical`,
    );
    assert.ok(worst <= 2, `a channel is off by ${worst}`);
  });
});

Deno.test("--region renders that rectangle of the full image, --samples 1 is the original's", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "region.png");
    const region = { x: 170, y: 130, width: 100, height: 70 };
    const result = await runCli([
      REFERENCE_SCENE,
      "--output",
      output,
      "--region",
      `${region.x},${region.y},${region.width},${region.height}`,
      "--samples",
      "1",
      "--tile",
      "16",
      "--quiet",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "", "--quiet prints nothing");
    assert.equal(result.stdout, "");
    const { identicalShare, worst } = compare(
      await decodeImage(output),
      await decodeImage(REFERENCE_IMAGE),
      region,
    );
    assert.ok(
      identicalShare >= 0.999 && worst <= 2,
      `${identicalShare} identical, worst ${worst}`,
    );
  });
});

Deno.test("--width and --height override the scene's size; an old file is replaced; a summary line", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "sized.png");
    await Deno.writeTextFile(output, "an older image");
    const result = await runCli([
      TINY,
      "-o",
      output,
      "--width",
      "50",
      "--height",
      "30",
      "--workers",
      "1",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    const image = await decodeImage(output);
    assert.equal(image.width, 50);
    assert.equal(image.height, 30);
    // Not a terminal: no redraws, just a start line and the summary.
    assert.ok(
      !result.stderr.includes("\r") && !result.stderr.includes("\x1b"),
      JSON.stringify(result.stderr),
    );
    const lines = result.stderr.trimEnd().split("\n");
    assert.match(
      lines[0],
      /^Rendering tests\/fixtures\/cli\/tiny\.json at 50×30 with 1 worker to .*sized\.png$/,
    );
    assert.match(
      lines.at(-1)!,
      /^Wrote .*sized\.png: 50×30 in \d[\d.]*m?s \(rendered in \d[\d.]*m?s, [\d.]+ Mpx\/s, 1 worker\)$/,
    );
    assert.deepEqual(await listDir(dir), ["sized.png"]);
  });
});

Deno.test("a .jpg or .jpeg output is a JPEG of the right size", async () => {
  await withTempDir(async (dir) => {
    for (
      const [name, quality] of [["a.jpg", "85"], ["b.JPEG", undefined]] as const
    ) {
      const output = join(dir, name);
      const args = [
        TINY,
        "-o",
        output,
        "--quiet",
        ...(quality ? ["--quality", quality] : []),
      ];
      const result = await runCli(args);
      assert.equal(result.code, 0, result.stderr);
      const bytes = await Deno.readFile(output);
      assert.deepEqual(
        [...bytes.subarray(0, 3)],
        [0xff, 0xd8, 0xff],
        "JPEG magic",
      );
      const image = await decodeImage(output);
      assert.equal(image.width, 64);
      assert.equal(image.height, 48);
    }
    assert.deepEqual(await listDir(dir), ["a.jpg", "b.JPEG"]);
  });
});

Deno.test("without --output the image is <scene name>.png in the current folder", async () => {
  await withTempDir(async (dir) => {
    const result = await runCli([`${ROOT}${TINY}`, "--quiet"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await listDir(dir), ["tiny.png"]);
    assert.equal((await decodeImage(join(dir, "tiny.png"))).width, 64);
  });
});

Deno.test("--help prints usage with examples, --version the version in deno.json", async () => {
  const [help, short, version] = await Promise.all([
    runCli(["--help"]),
    runCli(["-h"]),
    runCli(["--version"]),
  ]);
  assert.equal(help.code, 0);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /^raypool \S+ — a parallel ray tracer\n/);
  for (
    const option of [
      "--output",
      "--width",
      "--height",
      "--workers",
      "--tile",
      "--samples",
      "--region",
    ]
  ) {
    assert.ok(help.stdout.includes(option), option);
  }
  for (
    const option of [
      "--quality",
      "--json",
      "--quiet",
      "--help",
      "--version",
      "Examples:",
    ]
  ) {
    assert.ok(help.stdout.includes(option), option);
  }
  assert.deepEqual(short, help);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `raypool ${denoJson.version}\n`);
  assert.equal(version.stderr, "");
});
