/**
 * Start-up probe, run by `bench/main.ts` in a fresh `deno` process: how long from process
 * start until the first tile of the original's test scene (1920×1080, default workers) is
 * finished. `performance.now()`'s time origin is the start of the process, so the figure
 * includes Deno's own start, module loading, the scene's texture decoding, compiling the
 * wasm, starting the workers and building the scene in them. Prints one JSON line.
 *
 * ```sh
 * deno run --allow-read=. --allow-ffi=./node_modules/.deno/imagescript@1.3.1 \
 *   --allow-env=IMAGESCRIPT_WASM_SIMD,RAYPOOL_DEBUG bench/startup.ts [--breakdown]
 * ```
 *
 * `--breakdown` instead times each step on its own, in order, to show where the time goes:
 * importing imagescript, importing `mod.ts`, loading the scene, compiling the wasm, starting
 * N workers (cold), then on fresh pools 1 worker and N workers (equal if they start in
 * parallel), and the first tile on a warm pool.
 *
 * @module
 */

import { parseArgs } from "node:util";

// Taken before any import of the renderer, which is why those imports are dynamic.
const moduleStartMs = performance.now();

const testScene = new URL(
  "../tests/fixtures/original/test_800x600.json",
  import.meta.url,
);
const HD = { width: 1920, height: 1080 };

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

async function firstTile(): Promise<Record<string, number>> {
  const { loadScene, render } = await import("../mod.ts");
  const importedMs = performance.now();
  const scene = await loadScene(testScene);
  const sceneLoadedMs = performance.now();
  const controller = new AbortController();
  let firstTileMs = NaN;
  try {
    await render(scene, {
      ...HD,
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
  return {
    timeOrigin: performance.timeOrigin,
    workers: navigator.hardwareConcurrency,
    moduleStartMs,
    importedMs,
    sceneLoadedMs,
    firstTileMs,
  };
}

async function breakdown(): Promise<Record<string, number>> {
  const step = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const workers = navigator.hardwareConcurrency;
  // deno-lint-ignore no-import-prefix
  const imagescriptImportMs = await step(() => import("npm:imagescript@1.3.1"));
  let mod!: typeof import("../mod.ts");
  const modImportMs = await step(async () => mod = await import("../mod.ts"));
  let scene!: Awaited<ReturnType<typeof mod.loadScene>>;
  const sceneLoadMs = await step(async () =>
    scene = await mod.loadScene(testScene)
  );
  // The renderer shares this module-level cache, so its renders below compile nothing.
  const { loadWasmModule } = await import("../src/render/wasm.ts");
  const wasmCompileMs = await step(() => loadWasmModule());
  // Four 8-pixel tiles per worker, so that every worker of the pool renders some.
  const tiny = (n: number) => ({ width: 32 * n, height: 8, tileSize: 8 });
  const pool = async (n: number) => {
    await using renderer = new mod.Renderer({ workers: n });
    return await step(() => renderer.render(scene, tiny(n)));
  };
  const workersColdMs = await pool(workers);
  const oneWorkerMs = await pool(1);
  const nWorkersMs = await pool(workers);
  await using renderer = new mod.Renderer({ workers });
  await renderer.render(scene, tiny(workers));
  const controller = new AbortController();
  let firstTileWarmMs = NaN;
  try {
    await renderer.render(scene, {
      ...HD,
      signal: controller.signal,
      onProgress(progress) {
        if (Number.isNaN(firstTileWarmMs)) firstTileWarmMs = progress.elapsedMs;
        controller.abort();
      },
    });
  } catch (error) {
    if (!isAbort(error)) throw error;
  }
  return {
    workers,
    moduleStartMs,
    imagescriptImportMs,
    modImportMs,
    sceneLoadMs,
    wasmCompileMs,
    workersColdMs,
    oneWorkerMs,
    nWorkersMs,
    firstTileWarmMs,
  };
}

const { values } = parseArgs({
  args: Deno.args,
  options: { breakdown: { type: "boolean", default: false } },
});
const result = values.breakdown ? await breakdown() : await firstTile();
console.log(JSON.stringify(result));
