// A path-traced render refining in passes (issue 18): the preview's tiles arrive pass by
// pass, the last pass is byte for byte the one-pass image, and --time keeps the last pass
// that fits (the first always finishes).

import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultApi } from "../src/cli/api.ts";
import type { RenderCommand } from "../src/cli/args.ts";
import { runRender } from "../src/cli/run.ts";
import type { RenderedTile } from "../src/render/plan.ts";
import {
  decodeImage,
  ROOT,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

const CORNELL = join(ROOT, "examples/cornell.json");
const SIZE = ["--width", "32", "--height", "24", "--workers", "2"];

function command(output: string, samples: number): RenderCommand {
  return {
    kind: "render",
    scene: CORNELL,
    output,
    width: 32,
    height: 24,
    samples,
    workers: 2,
    tileSize: 8,
    json: false,
    quiet: true,
  };
}

Deno.test("with tiles shown as they land, a path-traced render comes in passes of 1, 4 and 16 samples, the last the one-pass image", async () => {
  await withTempDir(async (dir) => {
    const api = defaultApi();
    try {
      const tiles: RenderedTile[] = [];
      const refined = await runRender(command(join(dir, "a.png"), 16), api, {
        onTile: (tile) => tiles.push({ ...tile, pixels: tile.pixels.slice() }),
      });
      const once = await runRender(command(join(dir, "b.png"), 16), api);
      // 12 tiles of 8×8 a pass, three passes.
      assert.equal(tiles.length, 3 * 12);
      assert.equal(refined.samples, 16);
      assert.equal(once.samples, undefined);
      const [a, b] = [
        await decodeImage(join(dir, "a.png")),
        await decodeImage(join(dir, "b.png")),
      ];
      assert.ok(
        a.data.every((v, i) => v === b.data[i]),
        "the last pass differs",
      );
      // The last pass's tiles are the image; the first pass's are a 1-sample image.
      const one = await runRender(command(join(dir, "c.png"), 1), api);
      assert.equal(one.samples, undefined);
      const c = await decodeImage(join(dir, "c.png"));
      const pixelOf = (image: { data: Uint8Array }, x: number, y: number) =>
        image.data.slice((y * 32 + x) * 4, (y * 32 + x) * 4 + 4);
      for (const [pass, image] of [[0, c], [2, a]] as const) {
        for (const tile of tiles.slice(pass * 12, pass * 12 + 12)) {
          for (let y = 0; y < tile.height; y++) {
            for (let x = 0; x < tile.width; x++) {
              const at = (y * tile.width + x) * 4;
              assert.deepEqual(
                tile.pixels.slice(at, at + 4),
                pixelOf(image, tile.x + x, tile.y + y),
                `pass ${pass}, tile ${tile.x},${tile.y}`,
              );
            }
          }
        }
      }
      // The first and last passes are different images (the noise falls).
      assert.ok(c.data.some((v, i) => v !== b.data[i]));
    } finally {
      await api.close?.();
    }
  });
});

Deno.test("--time keeps the last pass that fits: none but the first when time is up at once, all of them with time to spare", async () => {
  await withTempDir(async (dir) => {
    const run = async (name: string, extra: string[]) => {
      const out = join(dir, name);
      const result = await runCli([
        CORNELL,
        ...SIZE,
        "-o",
        out,
        "--json",
        ...extra,
      ]);
      assert.equal(result.code, 0, result.stderr);
      return {
        summary: JSON.parse(result.stdout),
        image: await decodeImage(out),
      };
    };
    const [soon, spare, one, full] = [
      await run("soon.png", ["--samples", "16", "--time", "0.000001"]),
      await run("spare.png", ["--samples", "16", "--time", "3600"]),
      await run("one.png", ["--samples", "1"]),
      await run("full.png", ["--samples", "16"]),
    ];
    assert.equal(soon.summary.samples, 1);
    assert.equal(spare.summary.samples, 16);
    assert.deepEqual(soon.image.data, one.image.data);
    assert.deepEqual(spare.image.data, full.image.data);
  });
});

Deno.test("--time is refused in one line where it cannot refine", async () => {
  await withTempDir(async (dir) => {
    const cases: [string[], RegExp][] = [
      [
        [join(ROOT, "tests/fixtures/cli/tiny.json"), "--time", "1"],
        /--time applies to the path tracer/,
      ],
      [
        [CORNELL, "--time", "0"],
        /--time must be a positive number of seconds, got "0"/,
      ],
      [
        [CORNELL, "--time", "soon"],
        /--time must be a positive number of seconds/,
      ],
      [
        [CORNELL, "--time", "1", "--denoise"],
        /--time refines in passes, and --denoise/,
      ],
      [
        [CORNELL, "--time", "1", "-o", join(dir, "x.exr")],
        /--time writes a tone-mapped pass/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await runCli([
        ...args,
        ...SIZE,
        ...(args.includes("-o") ? [] : ["-o", join(dir, "x.png")]),
      ]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    }
  });
});
