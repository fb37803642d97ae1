import assert from "node:assert/strict";
import { join } from "node:path";
import { listDir as entries, withTempDir } from "./fixtures/cli/helpers.ts";
import type { RenderCommand } from "../src/cli/args.ts";
import { InputError } from "../src/_errors.ts";
import { type RaypoolApi, runRender } from "../src/cli/run.ts";
import type { Scene } from "../src/types.ts";

// runRender against a stand-in for mod.ts: which errors count as input, and what is left on
// disk. The real renderer is exercised end to end in cli_render_test.ts.

const scene: Scene = {
  description: {
    width: 40,
    height: 30,
    fov: 90,
    elements: [],
    lights: [],
    shadow_bias: 1e-13,
    max_recursion_depth: 10,
  },
  textures: new Map(),
};

function fakeApi(
  overrides: Partial<RaypoolApi> = {},
): RaypoolApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    loadScene: () => Promise.resolve(scene),
    checkImageSize: (width, height) => {
      if (width * height > 1e6) {
        throw new RangeError(`${width * height * 4} bytes is too many`);
      }
    },
    backend: () => ({
      renderBands: async (plan, bands, sink) => {
        calls.push(
          `render ${
            JSON.stringify({
              workers: plan.workers,
              tileSize: plan.tileSize,
              width: plan.view.width,
              height: plan.view.height,
              samples: plan.view.samples,
              region: plan.region,
            })
          }`,
        );
        plan.onProgress?.({
          tilesDone: 1,
          tilesTotal: 3,
          pixelsDone: 1,
          elapsedMs: 1,
        });
        for (const band of bands) {
          await sink(band, new Uint8Array(band.width * band.height * 4));
        }
        return {
          tiles: 3,
          renderMs: 1,
          by: { kind: "workers", workers: plan.workers },
        };
      },
    }),
    pngStream: () => ({
      writeRows: () => Promise.resolve(),
      finish: () => Promise.resolve(),
    }),
    encodePng: () => {
      calls.push("png");
      return Promise.resolve(new Uint8Array([137, 80, 78, 71]));
    },
    encodeJpeg: (_image, quality) => {
      calls.push(`jpeg ${quality}`);
      return Promise.resolve(new Uint8Array([255, 216]));
    },
    ...overrides,
  };
}

function command(
  output: string,
  extra: Partial<RenderCommand> = {},
): RenderCommand {
  return {
    kind: "render",
    scene: "scene.json",
    output,
    json: false,
    quiet: true,
    ...extra,
  };
}

Deno.test("runRender passes the options on and summarises the run", async () => {
  await withTempDir(async (dir) => {
    const api = fakeApi();
    const output = join(dir, "a.jpg");
    const starts: unknown[] = [];
    const summary = await runRender(
      command(output, {
        width: 80,
        height: 60,
        workers: 3,
        tileSize: 8,
        samples: 4,
        region: { x: 10, y: 10, width: 20, height: 5 },
        quality: 70,
      }),
      api,
      { onStart: (start) => starts.push(start) },
    );
    assert.deepEqual(starts, [{
      scene: "scene.json",
      output,
      width: 20,
      height: 5,
      workers: 3,
    }]);
    assert.deepEqual(api.calls, [
      `render {"workers":3,"tileSize":8,"width":80,"height":60,"samples":4,"region":{"x":10,"y":10,"width":20,"height":5}}`,
      "jpeg 70",
    ]);
    assert.deepEqual({ ...summary, timings: undefined }, {
      output,
      width: 20,
      height: 5,
      workers: 3,
      tiles: 3,
      timings: undefined,
    });
    const { loadMs, renderMs, encodeMs, totalMs } = summary.timings;
    for (const ms of [loadMs, renderMs, encodeMs, totalMs]) assert.ok(ms >= 0);
    assert.ok(totalMs >= loadMs + renderMs + encodeMs - 0.3);
    assert.deepEqual(await Deno.readFile(output), new Uint8Array([255, 216]));
  });
});

Deno.test("runRender reports input problems as InputError, before rendering", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "a.png");
    const cases: [RenderCommand, Partial<RaypoolApi>, RegExp][] = [
      [
        command(output, { quality: 50 }),
        {},
        /--quality applies to JPEG output only/,
      ],
      [command(join(dir, "a.bmp")), {}, /unsupported output type \.bmp/],
      [command(join(dir, "nope", "a.png")), {}, /does not exist/],
      [
        command(output, { width: 2000, height: 2000 }),
        {},
        /^16000000 bytes is too many$/,
      ],
      [
        command(output, { region: { x: 30, y: 0, width: 11, height: 1 } }),
        {},
        /does not fit in the 40×30 image/,
      ],
      [
        command(output),
        {
          loadScene: () =>
            Promise.reject(
              new RangeError("elements[0].Sphere.radius must be positive"),
            ),
        },
        /^scene\.json: elements\[0\]\.Sphere\.radius must be positive$/,
      ],
      [
        command(output),
        {
          loadScene: () =>
            Promise.reject(
              new Deno.errors.NotFound("cannot read scene.json: not found"),
            ),
        },
        /^cannot read scene\.json: not found$/,
      ],
    ];
    for (const [cmd, overrides, message] of cases) {
      const api = fakeApi(overrides);
      await assert.rejects(runRender(cmd, api), (error: unknown) => {
        assert.ok(error instanceof InputError, String(error));
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(api.calls, [], "nothing rendered");
    }
    assert.deepEqual(await entries(dir), []);
  });
});

Deno.test("render and encode failures are not input errors, and leave the old image", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "a.png");
    await Deno.writeTextFile(output, "old");
    const failures: Partial<RaypoolApi>[] = [
      {
        backend: () => ({
          renderBands: () => Promise.reject(new TypeError("worker died")),
        }),
      },
      { encodePng: () => Promise.reject(new Error("out of memory")) },
    ];
    for (const overrides of failures) {
      await assert.rejects(
        runRender(command(output), fakeApi(overrides)),
        (error: unknown) => {
          assert.ok(!(error instanceof InputError));
          return true;
        },
      );
    }
    assert.equal(await Deno.readTextFile(output), "old");
    assert.deepEqual(await entries(dir), ["a.png"]);
  });
});

Deno.test("aborting stops even a load or render that ignores the signal, leaving nothing", async () => {
  await withTempDir(async (dir) => {
    const output = join(dir, "a.png");
    const never = () => new Promise<never>(() => {});
    for (
      const overrides of [{ loadScene: never }, {
        backend: () => ({ renderBands: never }),
      }, {
        encodePng: never,
      }]
    ) {
      const controller = new AbortController();
      const reason = new DOMException("interrupted", "AbortError");
      const running = runRender(command(output), fakeApi(overrides), {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(reason), 20);
      await assert.rejects(running, (error) => error === reason);
    }
    assert.deepEqual(await entries(dir), []);
  });
});
