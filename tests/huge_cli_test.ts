// Huge images in the CLI: PNGs past the threshold go through the banded streaming path by
// themselves (here forced on small images, so CI runs the same path in seconds), with the same
// pixels, the same --json shape, the atomic-write and Ctrl-C guarantees; JPEGs past
// imagescript's limit are refused before rendering.
import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultApi } from "../src/cli/api.ts";
import type { RenderCommand } from "../src/cli/args.ts";
import { InputError } from "../src/_errors.ts";
import {
  JPEG_MAX_PIXELS,
  JPEG_MAX_SIDE,
  PNG_STREAM_THRESHOLD_BYTES,
  PNG_STREAM_THRESHOLD_VARIABLE,
} from "../src/cli/limits.ts";
import { type RaypoolApi, runRender } from "../src/cli/run.ts";
import type { Scene } from "../src/types.ts";
import {
  decodeImage,
  listDir,
  PERMISSIONS,
  runCli,
  spawnCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";

const PRECIOUS = "an image that must survive\n";
const ORIGINAL = "tests/fixtures/original/test_800x600.json";
/** The task's permissions, plus reading the threshold's variable. */
const STREAM_PERMISSIONS = PERMISSIONS.map((flag) =>
  flag.startsWith("--allow-env=")
    ? `${flag},${PNG_STREAM_THRESHOLD_VARIABLE}`
    : flag
);
const ALWAYS_STREAM = { [PNG_STREAM_THRESHOLD_VARIABLE]: "0" };
/** At 203×151 in bands of 9 rows: 4 tiles across (64 px), 17 bands of one tile row each. */
const BANDED_TILES = 4 * 17;

function command(
  output: string,
  extra: Partial<RenderCommand> = {},
): RenderCommand {
  return {
    kind: "render",
    scene: ORIGINAL,
    output,
    json: false,
    quiet: true,
    ...extra,
  };
}

/** A stand-in API that renders nothing and records which path was taken. */
function fakeApi(): RaypoolApi & { calls: string[] } {
  const calls: string[] = [];
  const scene: Scene = {
    description: {
      width: 8,
      height: 8,
      fov: 90,
      elements: [],
      lights: [],
      shadow_bias: 1e-13,
      max_recursion_depth: 10,
    },
    textures: new Map(),
  };
  return {
    calls,
    loadScene: () => Promise.resolve(scene),
    checkImageSize: () => {},
    backend: () => ({
      renderBands: async (plan, bands, sink) => {
        calls.push(
          bands.length === 1 && plan.region === bands[0] ? "render" : "stream",
        );
        // The pixels are never looked at; a tiny buffer keeps huge sizes cheap to pretend.
        await sink(bands[0], new Uint8Array(4));
        return { tiles: 1, renderMs: 1, by: { kind: "workers", workers: 1 } };
      },
    }),
    encodePng: () => {
      calls.push("png");
      return Promise.resolve(new Uint8Array([1]));
    },
    encodeJpeg: () => {
      calls.push("jpeg");
      return Promise.resolve(new Uint8Array([2]));
    },
    pngStream: (_width, _height, sink) => ({
      writeRows: () => Promise.resolve(),
      finish: () => sink(new Uint8Array([3])),
    }),
  };
}

Deno.test("the CLI streams PNGs past the threshold and keeps imagescript up to it", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "a.png");
    const side = Math.sqrt(PNG_STREAM_THRESHOLD_BYTES / 4);
    const cases = [
      // Exactly at the threshold: imagescript.
      [{ width: side, height: side }, undefined, ["render", "png"]],
      [{ width: side, height: side + 1 }, undefined, ["stream"]],
      // The region is what is encoded, not the full image.
      [
        {
          width: side,
          height: side + 1,
          region: { x: 0, y: 0, width: 10, height: 10 },
        },
        undefined,
        ["render", "png"],
      ],
      [{ width: 10, height: 10 }, 399, ["stream"]],
      [{ width: 10, height: 10 }, 400, ["render", "png"]],
    ] as const;
    for (const [size, threshold, calls] of cases) {
      const api = fakeApi();
      const summary = await runRender(
        command(output, size),
        api,
        threshold === undefined ? {} : { pngStreamThresholdBytes: threshold },
      );
      assert.deepEqual(api.calls, calls, JSON.stringify(size));
      assert.deepEqual(Object.keys(summary), [
        "output",
        "width",
        "height",
        "workers",
        "tiles",
        "timings",
      ]);
    }
    // JPEG never streams.
    const api = fakeApi();
    await runRender(command(join(dir, "a.jpg")), api, {
      pngStreamThresholdBytes: 0,
    });
    assert.deepEqual(api.calls, ["render", "jpeg"]);
  });
});

Deno.test("a JPEG past imagescript's limit is an input error before rendering", async () => {
  await withTempDir(async (dir) => {
    const api = fakeApi();
    for (
      const [width, height] of [
        [32768, 32769],
        [JPEG_MAX_SIDE + 1, 1],
        [1, JPEG_MAX_SIDE + 1],
      ]
    ) {
      await assert.rejects(
        runRender(command(join(dir, "a.jpg"), { width, height }), api),
        (error: unknown) =>
          error instanceof InputError &&
          error.message ===
            `JPEG output is limited to ${JPEG_MAX_PIXELS} pixels and ${JPEG_MAX_SIDE} a side, ` +
              `got ${width}×${height}; use .png`,
      );
    }
    assert.deepEqual(api.calls, []);
    assert.deepEqual(await listDir(dir), []);
    // Up to the limit, and a small crop of a larger image, are fine.
    for (
      const size of [
        { width: 32768, height: 32768 },
        {
          width: 40000,
          height: 30000,
          region: { x: 0, y: 0, width: 100, height: 100 },
        },
      ]
    ) {
      await runRender(command(join(dir, "a.jpg"), size), api);
    }
    assert.deepEqual(api.calls, ["render", "jpeg", "render", "jpeg"]);
  });
});

Deno.test("a PNG wider or taller than 2^31 - 1 is an input error before rendering", async () => {
  await withTempDir(async (dir) => {
    const api = fakeApi();
    for (const [width, height] of [[2 ** 31, 1], [1, 2 ** 31]]) {
      await assert.rejects(
        runRender(command(join(dir, "a.png"), { width, height }), api, {
          pngStreamThresholdBytes: 0,
        }),
        (error: unknown) =>
          error instanceof InputError &&
          error.message ===
            `PNG output is limited to 2147483647 pixels a side, got ${width}×${height}`,
      );
    }
    assert.deepEqual(api.calls, []);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("the streaming path writes the same pixels as imagescript, band by band", async () => {
  await withTempDir(async (dir) => {
    const streamed = join(dir, "streamed.png");
    const whole = join(dir, "whole.png");
    await Deno.writeTextFile(streamed, PRECIOUS);
    const size = { width: 203, height: 151, samples: 4, workers: 2 };
    const progress: number[] = [];
    const summary = await runRender(command(streamed, size), defaultApi(), {
      pngStreamThresholdBytes: 0,
      pngBandRows: 9,
      onProgress: ({ tilesDone, tilesTotal }) => {
        progress.push(tilesDone);
        assert.equal(tilesTotal, BANDED_TILES);
      },
    });
    const reference = await runRender(command(whole, size), defaultApi());
    assert.equal(summary.tiles, BANDED_TILES);
    assert.equal(progress.at(-1), summary.tiles);
    const [a, b] = await Promise.all([
      decodeImage(streamed),
      decodeImage(whole),
    ]);
    assert.deepEqual([a.width, a.height], [203, 151]);
    assert.ok(a.data.every((v, i) => v === b.data[i]), "pixels differ");
    assert.ok(reference.tiles < summary.tiles, "bands of 9 rows split tiles");
    assert.deepEqual(await listDir(dir), ["streamed.png", "whole.png"]);
  });
});

Deno.test("aborting mid-stream leaves the old file and no temporary file", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "big.png");
    await Deno.writeTextFile(output, PRECIOUS);
    const controller = new AbortController();
    let temporarySize = 0;
    await assert.rejects(
      runRender(
        command(output, { width: 400, height: 300, tileSize: 16, workers: 2 }),
        defaultApi(),
        {
          signal: controller.signal,
          pngStreamThresholdBytes: 0,
          pngBandRows: 16,
          onProgress: () => {
            if (controller.signal.aborted) return;
            for (const entry of Deno.readDirSync(dir)) {
              if (!entry.name.endsWith(".tmp")) continue;
              temporarySize = Deno.statSync(join(dir, entry.name)).size;
              // Part of the PNG is on disk: abort now, mid-stream.
              if (temporarySize > 0) {
                controller.abort(new DOMException("interrupted", "AbortError"));
              }
            }
          },
        },
      ),
      { name: "AbortError" },
    );
    assert.ok(temporarySize > 0, "the stream had not started writing");
    assert.equal(await Deno.readTextFile(output), PRECIOUS);
    assert.deepEqual(await listDir(dir), ["big.png"]);
  });
});

Deno.test("end to end: the CLI streams with the threshold variable, same --json shape", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "a.png");
    const args = [
      "tests/fixtures/cli/tiny.json",
      "-o",
      output,
      "--width",
      "300",
      "--height",
      "200",
      "--json",
    ];
    const streamed = await runCli(args, {
      permissions: STREAM_PERMISSIONS,
      env: ALWAYS_STREAM,
    });
    assert.equal(streamed.code, 0, streamed.stderr);
    const summary = JSON.parse(streamed.stdout);
    assert.deepEqual(Object.keys(summary), [
      "output",
      "width",
      "height",
      "workers",
      "tiles",
      "timings",
    ]);
    assert.deepEqual(Object.keys(summary.timings), [
      "loadMs",
      "renderMs",
      "encodeMs",
      "totalMs",
    ]);
    const a = await decodeImage(output);
    const plain = await runCli(args.with(2, join(dir, "b.png")));
    assert.equal(plain.code, 0, plain.stderr);
    const b = await decodeImage(join(dir, "b.png"));
    assert.ok(a.data.every((v, i) => v === b.data[i]), "pixels differ");

    const bad = await runCli(args, {
      permissions: STREAM_PERMISSIONS,
      env: { [PNG_STREAM_THRESHOLD_VARIABLE]: "lots" },
    });
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      `raypool: ${PNG_STREAM_THRESHOLD_VARIABLE} must be a whole number of bytes, got "lots"\n`,
    );
  });
});

Deno.test("end to end: a huge JPEG exits 2 before rendering", async () => {
  await withTempDir(async (dir) => {
    const result = await runCli([
      "tests/fixtures/cli/tiny.json",
      "-o",
      join(dir, "huge.jpg"),
      "--width",
      "40000",
      "--height",
      "30000",
    ]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `raypool: JPEG output is limited to ${JPEG_MAX_PIXELS} pixels and 65535 a side, ` +
        "got 40000×30000; use .png\n",
    );
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test({
  name:
    "end to end: SIGINT mid-stream exits 130, leaving the old image and no temp file",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, "big.png");
      await Deno.writeTextFile(out, PRECIOUS);
      // 16000 wide: bands of 512 rows, so the first is written long before the last renders.
      const cli = spawnCli([
        "tests/fixtures/cli/tiny.json",
        "-o",
        out,
        "--width",
        "16000",
        "--height",
        "12000",
        "--workers",
        "1",
        "--quiet",
      ], { permissions: STREAM_PERMISSIONS, env: ALWAYS_STREAM });

      const temporarySize = async () => {
        for (const name of await listDir(dir)) {
          if (name.endsWith(".tmp")) {
            return (await Deno.stat(join(dir, name))).size;
          }
        }
        return 0;
      };
      await cli.waitFor(async () => await temporarySize() > 0);

      const result = await cli.stop("SIGINT");
      assert.equal(result.code, 130, result.stderr);
      assert.ok(
        result.exitMs < 1000,
        `took ${result.exitMs.toFixed(0)} ms to exit`,
      );
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, "raypool: interrupted\n");
      assert.equal(await Deno.readTextFile(out), PRECIOUS);
      assert.deepEqual(await listDir(dir), ["big.png"]);
    });
  },
});
