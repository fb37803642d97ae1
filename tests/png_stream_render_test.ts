// renderPngStream: the banded render-to-PNG path gives exactly the pixels of a one-buffer
// render, whatever the bands, tiles and workers; its progress covers the whole image; an
// abort or a failing sink stops it without leaving a worker behind.
import assert from "node:assert/strict";
import { WorkerPool } from "../src/render/pool.ts";
import { render } from "../src/render/render.ts";
import { Renderer, renderPlanned } from "../src/render/renderer.ts";
import { renderPngStream } from "../src/render/render_png_stream.ts";
import { planRender, type RenderProgress } from "../src/render/plan.ts";
import { loadScene } from "../src/scene/mod.ts";

const scene = await loadScene(
  new URL("./fixtures/original/test_800x600.json", import.meta.url),
);

/** Fails the test if a worker outlives it. */
function test(name: string, fn: () => Promise<void>) {
  Deno.test(name, async () => {
    await fn();
    assert.equal(WorkerPool.live, 0, "a worker was left running");
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function decode(png: Uint8Array) {
  // deno-lint-ignore no-import-prefix
  const { Image } = await import("npm:imagescript@1.3.1");
  const image = await Image.decode(png);
  return {
    width: image.width,
    height: image.height,
    data: new Uint8Array(image.bitmap),
  };
}

/** The PNG bytes a function sink received, copied as they came. */
function collector() {
  const parts: Uint8Array[] = [];
  return {
    sink: (bytes: Uint8Array) => {
      parts.push(bytes.slice());
      return Promise.resolve();
    },
    bytes: () => concat(parts),
  };
}

for (
  const [workers, bandRows, tileSize] of [
    [1, 7, 16],
    [2, 16, 16],
    [3, 5, 8],
  ] as const
) {
  test(`bands of ${bandRows} rows, ${tileSize}px tiles, ${workers} worker(s): same pixels as one render`, async () => {
    const size = { width: 120, height: 90 };
    const whole = await render(scene, { ...size, workers, tileSize });
    const out = collector();
    const result = await renderPngStream(scene, out.sink, {
      ...size,
      workers,
      tileSize,
      bandRows,
    });
    assert.equal(result.bands, Math.ceil(90 / bandRows));
    assert.equal(result.bytes, out.bytes().length);
    const decoded = await decode(out.bytes());
    assert.deepEqual([decoded.width, decoded.height], [120, 90]);
    assert.ok(
      decoded.data.every((v, i) => v === whole.data[i]),
      "pixels differ from the one-buffer render",
    );
  });
}

test("a region streams the same pixels as a region render, with samples", async () => {
  const options = {
    width: 200,
    height: 150,
    samples: 4,
    region: { x: 30, y: 17, width: 61, height: 43 },
    workers: 2,
  };
  const whole = await render(scene, options);
  const out = collector();
  const result = await renderPngStream(scene, out.sink, {
    ...options,
    bandRows: 10,
  });
  assert.deepEqual([result.width, result.height, result.bands], [61, 43, 5]);
  const decoded = await decode(out.bytes());
  assert.deepEqual([decoded.width, decoded.height], [61, 43]);
  assert.ok(decoded.data.every((v, i) => v === whole.data[i]));
});

test("progress counts tiles and pixels over all bands, up to the whole image", async () => {
  const reports: RenderProgress[] = [];
  const result = await renderPngStream(scene, collector().sink, {
    width: 100,
    height: 70,
    tileSize: 16,
    bandRows: 32,
    workers: 2,
    onProgress: (progress) => reports.push(progress),
  });
  // 7 tiles across; bands of 32, 32 and 6 rows: 2 + 2 + 1 tile rows.
  assert.equal(result.tiles, 7 * 5);
  assert.equal(reports.length, result.tiles);
  reports.forEach((report, i) => {
    assert.equal(report.tilesDone, i + 1);
    assert.equal(report.tilesTotal, result.tiles);
    if (i > 0) {
      assert.ok(report.pixelsDone > reports[i - 1].pixelsDone);
      assert.ok(report.elapsedMs >= reports[i - 1].elapsedMs);
    }
  });
  assert.equal(reports.at(-1)!.pixelsDone, 100 * 70);
});

test("a WritableStream sink gets the file and is closed; a given Renderer stays open", async () => {
  await Deno.mkdir("out", { recursive: true });
  const path = await Deno.makeTempFile({ dir: "out", suffix: ".png" });
  try {
    await using renderer = new Renderer({ workers: 2 });
    const file = await Deno.open(path, { write: true, truncate: true });
    const result = await renderPngStream(scene, file.writable, {
      width: 64,
      height: 48,
      bandRows: 20,
      renderer,
    });
    assert.equal(renderer.closed, false);
    const png = await Deno.readFile(path);
    assert.equal(png.length, result.bytes);
    const whole = await renderer.render(scene, { width: 64, height: 48 });
    assert.ok((await decode(png)).data.every((v, i) => v === whole.data[i]));
  } finally {
    await Deno.remove(path);
  }
});

test("aborting between bands rejects with an AbortError and stops writing", async () => {
  const controller = new AbortController();
  let writes = 0;
  let writesAtAbort = -1;
  await assert.rejects(
    renderPngStream(scene, () => {
      writes++;
      return Promise.resolve();
    }, {
      width: 160,
      height: 120,
      tileSize: 16,
      bandRows: 16,
      workers: 2,
      signal: controller.signal,
      onProgress: ({ tilesDone }) => {
        // Into the third band: the first has been filtered and the signature written.
        if (tilesDone === 25 && writes > 0) {
          writesAtAbort = writes;
          controller.abort(new DOMException("stop", "AbortError"));
        }
      },
    }),
    { name: "AbortError" },
  );
  assert.ok(writesAtAbort > 0, "aborted before anything was written");
  assert.equal(writes, writesAtAbort, "written to after the abort");
});

test("a sink that fails stops the render and its error comes out", async () => {
  let tilesAfterFailure = 0;
  let failed = false;
  await assert.rejects(
    renderPngStream(scene, () => {
      failed = true;
      return Promise.reject(new Error("disk full"));
    }, {
      width: 160,
      height: 160,
      tileSize: 16,
      bandRows: 16,
      workers: 2,
      onProgress: () => {
        if (failed) tilesAfterFailure++;
      },
    }),
    { message: "disk full" },
  );
  // The band rendering ahead is stopped: far fewer than the remaining 90 tiles come in.
  assert.ok(tilesAfterFailure < 30, `${tilesAfterFailure} tiles after`);
});

test("a sink that never takes the bytes does not hold an aborted render", async () => {
  for (const kind of ["function", "stream"] as const) {
    const controller = new AbortController();
    let writes = 0;
    const stalled = () => {
      writes++;
      return new Promise<void>(() => {});
    };
    const sink = kind === "function"
      ? stalled
      : new WritableStream<Uint8Array>({ write: stalled });
    const streaming = renderPngStream(scene, sink, {
      width: 64,
      height: 48,
      bandRows: 16,
      workers: 2,
      signal: controller.signal,
    });
    while (writes === 0) await new Promise((r) => setTimeout(r, 5));
    const start = performance.now();
    controller.abort(Object.create(null));
    await assert.rejects(streaming, { name: "AbortError" });
    const latency = performance.now() - start;
    assert.ok(latency < 100, `${kind} sink: the abort took ${latency} ms`);
  }
});

test("bad options are refused before anything is written or rendered", async () => {
  const out = collector();
  await assert.rejects(
    renderPngStream(scene, out.sink, { bandRows: 0 }),
    {
      name: "RangeError",
      message: "bandRows must be a positive integer, got 0",
    },
  );
  await assert.rejects(
    renderPngStream(scene, out.sink, { level: 12 }),
    {
      name: "RangeError",
      message: "PNG compression level must be an integer from 0 to 9, got 12",
    },
  );
  await assert.rejects(
    renderPngStream(scene, out.sink, {
      region: { x: 0, y: 0, width: 900, height: 1 },
    }),
    { name: "RangeError", message: /does not fit in the 800×600 image/ },
  );
  await assert.rejects(
    // @ts-expect-error: not a sink
    renderPngStream(scene, "out.png"),
    {
      name: "TypeError",
      message: 'sink must be a function or a WritableStream, got "out.png"',
    },
  );
  assert.equal(out.bytes().length, 0);
});

test("the renderer renders into a given buffer, which must be large enough", async () => {
  await using renderer = new Renderer({ workers: 2 });
  const output = new SharedArrayBuffer(40 * 30 * 4 + 100);
  const region = { x: 5, y: 7, width: 20, height: 10 };
  const plan = planRender(scene, { width: 40, height: 30, region }, 2);
  const image = await renderPlanned(renderer, plan, { output });
  assert.equal(image.data.buffer, output);
  assert.equal(image.data.length, 20 * 10 * 4);
  const fresh = await renderer.render(scene, { width: 40, height: 30, region });
  assert.deepEqual(image.data, fresh.data);
  await assert.rejects(
    renderPlanned(renderer, plan, { output: new SharedArrayBuffer(799) }),
    {
      name: "RangeError",
      message:
        "output must hold at least 800 bytes for a 20×10 region, got 799",
    },
  );
});
