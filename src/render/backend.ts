/**
 * The seam between a render and what renders it: this machine's worker pool
 * ({@linkcode localBackend}) or the farm (`farmBackend` in `src/farm/submit.ts`). Both take a
 * checked {@linkcode RenderPlan} and the bands `planBands` cut it into, render them on the
 * plan's tiles, pass each tile to the plan's `onTile` as it lands, and hand each band over,
 * in order, once it is whole. Whatever follows (a PNG written band by band, an image encoded
 * whole, the atomic write, the timings) is the same for both.
 *
 * @module
 */

import { abortable, abortError } from "../_abort.ts";
import type { RenderedImage } from "../types.ts";
import type { Region } from "../types.ts";
import type { PixelFormat } from "./messages.ts";
import type { RenderPlan, RenderProgress } from "./plan.ts";
import { type Renderer, renderPlanned } from "./renderer.ts";

/**
 * What a backend did.
 *
 * @example
 * ```ts
 * import type { BackendReport } from "./backend.ts";
 * const line = (r: BackendReport) => `${r.tiles} tiles in ${r.renderMs} ms`;
 * ```
 */
export interface BackendReport {
  /** Tiles rendered, over all bands. */
  tiles: number;
  /** Milliseconds from the start until the last band was rendered. */
  renderMs: number;
  /** Who rendered: the workers, or the farm's nodes (sorted) and its jobs. */
  by:
    | { kind: "workers"; workers: number }
    | {
      kind: "farm";
      server: string;
      nodes: string[];
      jobs: number;
      /** Results refused: malformed, of another render, off the grid, forged failures. */
      ignored: number;
    };
}

/**
 * Receives each band (its rectangle and its RGBA8, rows top first) in order; awaited before the
 * next band is handed over. The bytes are the backend's: copy what must outlive the call.
 */
export type BandSink = (band: Region, rgba: Uint8Array) => Promise<void>;

/**
 * Receives each band's linear radiance before tone mapping (3 f32 a pixel, rows top first) in
 * order, as {@linkcode BandSink} does its RGBA8.
 */
export type LinearBandSink = (band: Region, rgb: Float32Array) => Promise<void>;

/**
 * Renders a plan's bands.
 *
 * @example
 * ```ts
 * import type { RenderBackend } from "./backend.ts";
 * const bandsOf = (backend: RenderBackend) => backend.renderBands;
 * ```
 */
export interface RenderBackend {
  /**
   * How long a caller that gave up on an aborted render waits for the backend to finish
   * cleaning up (the farm withdraws its jobs from the server); default 2,000 ms.
   */
  readonly abortGraceMs?: number;
  /**
   * Renders `bands` (consecutive rows of `plan.region`, as `planBands` makes them) and hands
   * each to `sink` in order. Rejects with the plan signal's `AbortError` when it aborts.
   */
  renderBands(
    plan: RenderPlan,
    bands: readonly Region[],
    sink: BandSink,
  ): Promise<BackendReport>;
  /**
   * As `renderBands`, with each band's linear radiance (for `.exr` and `.hdr` output);
   * absent where the backend cannot (the farm's nodes send RGBA8).
   */
  renderLinearBands?(
    plan: RenderPlan,
    bands: readonly Region[],
    sink: LinearBandSink,
  ): Promise<BackendReport>;
}

/**
 * The worker pool of `renderer` as a backend: each band renders while the one before it is
 * handed over, into two buffers used in turn (fresh buffers per band would pile up, as the
 * workers keep each one alive until their garbage collector runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localBackend } from "./backend.ts";
 * import { planBands, planRender } from "./plan.ts";
 * import { Renderer, scene } from "../../mod.ts";
 * await using renderer = new Renderer({ workers: 1 });
 * const prepared = { description: scene({ width: 8, height: 8, elements: [], lights: [] }), textures: new Map() };
 * const plan = planRender(prepared, { tileSize: 4 }, 1);
 * const rows: number[] = [];
 * await localBackend(renderer).renderBands(plan, planBands(plan, 4), (band) => {
 *   rows.push(band.y);
 *   return Promise.resolve();
 * });
 * assert.deepEqual(rows, [0, 4]);
 * ```
 */
export function localBackend(renderer: Renderer): RenderBackend {
  return {
    renderBands: (plan, bands, sink) =>
      renderLocalBands(renderer, plan, bands, "rgba8", sink),
    renderLinearBands: (plan, bands, sink) =>
      renderLocalBands(
        renderer,
        plan,
        bands,
        "linear",
        (band, data) =>
          sink(
            band,
            new Float32Array(
              data.buffer,
              data.byteOffset,
              band.width * band.height * 3,
            ),
          ),
      ),
  };
}

async function renderLocalBands(
  renderer: Renderer,
  plan: RenderPlan,
  bands: readonly Region[],
  pixels: PixelFormat,
  sink: BandSink,
): Promise<BackendReport> {
  const { signal, onProgress, tileSize } = plan;
  const tilesPerBand = bands.map((band) =>
    Math.ceil(band.width / tileSize) * Math.ceil(band.height / tileSize)
  );
  const tilesTotal = tilesPerBand.reduce((sum, n) => sum + n, 0);
  // Aborted when the caller's signal is, and also on a failure of ours, to stop the band
  // that is rendering ahead.
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const bandBytes = Math.max(
    ...bands.map((b) => b.width * b.height * (pixels === "linear" ? 12 : 4)),
  );
  const buffers = bands.length === 1
    ? [new SharedArrayBuffer(bandBytes)]
    : [new SharedArrayBuffer(bandBytes), new SharedArrayBuffer(bandBytes)];
  const start = performance.now();
  let tilesBefore = 0;
  let pixelsBefore = 0;
  const renderBand = (index: number) => {
    const band = bands[index];
    const before = { tiles: tilesBefore, pixels: pixelsBefore };
    tilesBefore += tilesPerBand[index];
    pixelsBefore += band.height * band.width;
    const rendering = renderPlanned(renderer, {
      ...plan,
      region: band,
      signal: controller.signal,
      onProgress: onProgress &&
        ((progress: RenderProgress) =>
          onProgress({
            tilesDone: before.tiles + progress.tilesDone,
            tilesTotal,
            pixelsDone: before.pixels + progress.pixelsDone,
            elapsedMs: performance.now() - start,
          })),
    }, { output: buffers[index % buffers.length], pixels });
    // The band rendering ahead can be aborted while the previous one is still handed over,
    // before anything awaits it; its rejection is seen where it is awaited.
    rendering.catch(() => {});
    return rendering;
  };
  let ahead: Promise<RenderedImage> | undefined;
  try {
    let renderMs = 0;
    ahead = renderBand(0);
    for (let i = 0; i < bands.length; i++) {
      const image: RenderedImage = await ahead!;
      ahead = i + 1 < bands.length ? renderBand(i + 1) : undefined;
      if (ahead === undefined) renderMs = performance.now() - start;
      // A sink that never takes the band must not hold an aborted render.
      await abortable(sink(bands[i], image.data), controller.signal);
      if (signal?.aborted) throw abortError(signal);
    }
    return {
      tiles: tilesTotal,
      renderMs,
      by: { kind: "workers", workers: plan.workers },
    };
  } catch (error) {
    controller.abort(error);
    await ahead?.catch(() => {});
    throw signal?.aborted ? abortError(signal) : error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
