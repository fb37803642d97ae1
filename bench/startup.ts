/**
 * Start-up probe, run by `bench/main.ts` in a fresh `deno` process: how long from process
 * start until the first tile of the original's test scene (1920×1080, default workers) is
 * finished, on the path the CLI takes (`src/cli/api.ts`): the workers are started and the
 * wasm compiled while the scene is read and its textures decoded, then the scene is packed
 * and given its BVH once, and the workers read it. `performance.now()`'s time origin is the
 * start of the process, so the figure includes Deno's own start and module loading. Prints
 * one JSON line.
 *
 * ```sh
 * deno run --allow-read=. --allow-ffi=./node_modules/.deno/imagescript@1.3.1 \
 *   --allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG bench/startup.ts [--timeline | --breakdown]
 * ```
 *
 * `--timeline` takes the same path through the renderer's internal entry point, to note when
 * each step ended (ms since process start): imports, the core compiled and the workers
 * spawned (`warmed`), the scene loaded, each worker's read of the shared scene (`sceneBuilt`,
 * with the worker's own time for it) and the first tile.
 *
 * `--breakdown` instead times each step on its own, one after the other, to show where the
 * time goes: importing imagescript (the scene's textures need it), importing the CLI's API
 * modules, loading the scene, compiling the wasm, sharing the scene (pack, hash, BVH on the
 * main thread: the first time includes instantiating the core there), starting N workers
 * cold, then on fresh pools 1 worker and N workers (equal if they start in parallel), and
 * the first tile on a warm pool.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

// Taken before any import of the renderer, which is why those imports are dynamic.
const moduleStartMs = performance.now();

const testScene = fileURLToPath(
  new URL("../tests/fixtures/original/test_800x600.json", import.meta.url),
);
const HD = { width: 1920, height: 1080 };

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** Renders until the first tile lands, then aborts; the time it landed. */
async function untilFirstTile(
  render: (options: {
    signal: AbortSignal;
    onProgress: () => void;
  }) => Promise<unknown>,
): Promise<number> {
  const controller = new AbortController();
  let firstTileMs = NaN;
  try {
    await render({
      signal: controller.signal,
      onProgress() {
        if (Number.isNaN(firstTileMs)) firstTileMs = performance.now();
        // The rest of the image is not part of start-up.
        controller.abort();
      },
    });
  } catch (error) {
    if (!isAbort(error)) throw error;
  }
  return firstTileMs;
}

async function firstTile(): Promise<Record<string, number>> {
  const { defaultApi } = await import("../src/cli/api.ts");
  const { defaultWorkers, planRender } = await import(
    "../src/render/plan.ts"
  );
  const importedMs = performance.now();
  const api = defaultApi();
  const workers = defaultWorkers();
  try {
    // As `runRender` does: warm first, then load.
    api.warm?.(workers);
    const scene = await api.loadScene(testScene);
    const sceneLoadedMs = performance.now();
    // The CLI's pipeline: one plan, rendered by this machine's backend.
    const firstTileMs = await untilFirstTile((options) => {
      const plan = planRender(scene, { ...HD, workers, ...options }, workers);
      return api.backend(workers).renderBands(
        plan,
        [plan.region],
        () => Promise.resolve(),
      );
    });
    return {
      timeOrigin: performance.timeOrigin,
      workers,
      moduleStartMs,
      importedMs,
      sceneLoadedMs,
      firstTileMs,
    };
  } finally {
    await api.close?.();
  }
}

async function timeline(): Promise<Record<string, number>> {
  const [plan, renderer, { loadScene }] = await Promise.all([
    import("../src/render/plan.ts"),
    import("../src/render/renderer.ts"),
    import("../src/scene/load.ts"),
  ]);
  const importedMs = performance.now();
  const workers = plan.defaultWorkers();
  await using pool = new renderer.Renderer({ workers });
  let warmedMs = NaN;
  renderer.warmRenderer(pool).then(() => warmedMs = performance.now());
  const scene = await loadScene(testScene);
  const sceneLoadedMs = performance.now();
  const built: number[] = [];
  const workerReadMs: number[] = [];
  const firstTileMs = await untilFirstTile((options) =>
    renderer.renderPlanned(
      pool,
      plan.planRender(scene, { ...HD, ...options }, workers),
      {
        onSceneBuilt(ms) {
          built.push(performance.now());
          workerReadMs.push(ms);
        },
      },
    )
  );
  return {
    workers,
    moduleStartMs,
    importedMs,
    warmedMs,
    sceneLoadedMs,
    firstSceneBuiltMs: Math.min(...built),
    lastSceneBuiltMs: Math.max(...built),
    workerReadMs: Math.max(...workerReadMs),
    firstTileMs,
  };
}

async function breakdown(): Promise<Record<string, number>> {
  const step = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const { loadImagescript } = await import("../src/_imagescript.ts");
  const imagescriptImportMs = await step(() => loadImagescript());
  let api!: typeof import("../src/cli/api.ts");
  let plan!: typeof import("../src/render/plan.ts");
  let renderer!: typeof import("../src/render/renderer.ts");
  let shared!: typeof import("../src/render/shared_scene.ts");
  const apiImportMs = await step(async () => {
    [api, plan, renderer, shared] = await Promise.all([
      import("../src/cli/api.ts"),
      import("../src/render/plan.ts"),
      import("../src/render/renderer.ts"),
      import("../src/render/shared_scene.ts"),
    ]);
  });
  const workers = plan.defaultWorkers();
  let scene!: Awaited<
    ReturnType<ReturnType<typeof api.defaultApi>["loadScene"]>
  >;
  const sceneLoadMs = await step(async () =>
    scene = await api.defaultApi().loadScene(testScene)
  );
  // The renderer shares this module-level cache, so its renders below compile nothing.
  const { loadWasmModule } = await import("../src/render/wasm.ts");
  const wasmCompileMs = await step(() => loadWasmModule());
  const shareSceneFirstMs = await step(() => shared.shareScene(scene));
  const shareSceneMs = await step(() => shared.shareScene(scene));
  // Four 8-pixel tiles per worker, so that every worker of the pool renders some.
  const tiny = (n: number) => ({ width: 32 * n, height: 8, tileSize: 8 });
  const pool = async (n: number) => {
    await using r = new renderer.Renderer({ workers: n });
    return await step(() => r.render(scene, tiny(n)));
  };
  const workersColdMs = await pool(workers);
  const oneWorkerMs = await pool(1);
  const nWorkersMs = await pool(workers);
  await using warm = new renderer.Renderer({ workers });
  await warm.render(scene, tiny(workers));
  const start = performance.now();
  const firstTileWarmMs =
    await untilFirstTile((options) =>
      warm.render(scene, { ...HD, ...options })
    ) - start;
  return {
    workers,
    moduleStartMs,
    imagescriptImportMs,
    apiImportMs,
    sceneLoadMs,
    wasmCompileMs,
    shareSceneFirstMs,
    shareSceneMs,
    workersColdMs,
    oneWorkerMs,
    nWorkersMs,
    firstTileWarmMs,
  };
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    breakdown: { type: "boolean", default: false },
    timeline: { type: "boolean", default: false },
  },
});
const result = values.breakdown
  ? await breakdown()
  : values.timeline
  ? await timeline()
  : await firstTile();
console.log(JSON.stringify(result));
