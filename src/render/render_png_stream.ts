/**
 * Rendering straight to a PNG, band by band, for images too large to hold whole.
 *
 * @module
 */

import { abortable, abortError } from "../_abort.ts";
import { show } from "../_format.ts";
import { type ByteSink, PngStreamWriter } from "../png/png_stream_writer.ts";
import type { Scene, SceneDescription } from "../types.ts";
import { localBackend } from "./backend.ts";
import {
  planBands,
  planRender,
  type RenderOptions,
  resolveScene,
} from "./plan.ts";
import { Renderer } from "./renderer.ts";

/**
 * Options for {@linkcode renderPngStream}: those of a render, plus the banding and the
 * compression.
 *
 * @example
 * ```ts
 * import type { RenderPngStreamOptions } from "../../mod.ts";
 * const options: RenderPngStreamOptions = { width: 32000, height: 24000, level: 3 };
 * ```
 */
export interface RenderPngStreamOptions extends RenderOptions {
  /**
   * Rows rendered and encoded at a time. Default: the whole tile rows that fit in 32 MiB of
   * RGBA (at least one tile row). A multiple of the tile size renders exactly the tiles one
   * whole-image render would.
   */
  bandRows?: number;
  /** zlib compression level, 0–9; default 3 (see `PngStreamWriter`). */
  level?: number;
  /**
   * The renderer whose workers render the bands; it is left open. Default: a new one with
   * `workers` workers, closed before this resolves or rejects.
   */
  renderer?: Renderer;
}

/**
 * What {@linkcode renderPngStream} wrote.
 *
 * @example
 * ```ts
 * import type { RenderPngStreamResult } from "../../mod.ts";
 * const describe = (r: RenderPngStreamResult) => `${r.width}×${r.height}, ${r.bytes} bytes`;
 * ```
 */
export interface RenderPngStreamResult {
  /** Width of the image written (the region's, with `region`). */
  width: number;
  /** Height of the image written. */
  height: number;
  /** Tiles rendered, over all bands. */
  tiles: number;
  /** Bands the image was rendered in. */
  bands: number;
  /** Bytes of PNG written. */
  bytes: number;
  /** Milliseconds until the last band was rendered (encoding overlaps with rendering). */
  renderMs: number;
  /** Milliseconds until the last byte was handed to the sink. */
  totalMs: number;
}

/**
 * A function sink is used as is; a stream is written through one writer, held throughout.
 * Shared with `renderLinearStream`.
 */
export function toSink(
  sink: ByteSink | WritableStream<Uint8Array>,
): {
  write: ByteSink;
  close(): Promise<void>;
  abort(reason: unknown): Promise<void>;
} {
  if (typeof sink === "function") {
    return { write: sink, close: async () => {}, abort: async () => {} };
  }
  if (!(sink instanceof WritableStream)) {
    throw new TypeError(
      `sink must be a function or a WritableStream, got ${show(sink)}`,
    );
  }
  const writer = sink.getWriter();
  return {
    write: (bytes) => writer.write(bytes),
    close: () => writer.close(),
    // Not awaited by the caller: a stream whose write never settles would hold it forever.
    abort: (reason) => writer.abort(reason).catch(() => {}),
  };
}

/**
 * Renders `scene` to a PNG written to `sink` as it goes, in horizontal bands, so memory is a
 * few bands' worth whatever the image size: the original's 32000×24000 (3 GiB of RGBA) is
 * written in about 325 MB, where rendering it whole and encoding it in one call needs the
 * full 3 GiB and more. The next band renders while the previous one is filtered, compressed
 * and written. The pixels are exactly those of `render` with the same options.
 *
 * `sink` is a function called with the file's bytes in order (each call awaited before the
 * next), or a `WritableStream`, which is closed at the end (aborted on failure). A function
 * sink is neither closed nor cleaned up: on a rejection what it got is a partial file.
 *
 * `onProgress` covers the whole image: tiles and pixels over all bands, time since the start.
 * Encoding needs no `--allow-ffi` (the compression is `node:zlib`).
 *
 * Rejects with a `TypeError`/`RangeError` for bad options, an `AbortError` `DOMException`
 * when `options.signal` aborts, the renderer's error for a failed tile, or the sink's error.
 *
 * @example Render to a PNG file
 * ```ts
 * import { directionalLight, material, point, renderPngStream, rgb, scene, sphere, vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const description = scene({
 *   width: 64,
 *   height: 48,
 *   elements: [sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) })],
 *   lights: [directionalLight({ direction: vector(0, 0, -1), color: rgb(1, 1, 1), intensity: 1 })],
 * });
 * await Deno.mkdir("out", { recursive: true });
 * const path = await Deno.makeTempFile({ dir: "out", suffix: ".png" });
 * const file = await Deno.open(path, { write: true, truncate: true });
 * const result = await renderPngStream(description, file.writable, { workers: 2, bandRows: 16 });
 * assert.equal(result.bands, 3);
 * assert.equal((await Deno.stat(path)).size, result.bytes);
 * await Deno.remove(path);
 * ```
 */
export async function renderPngStream(
  scene: Scene | SceneDescription,
  sink: ByteSink | WritableStream<Uint8Array>,
  options: RenderPngStreamOptions = {},
): Promise<RenderPngStreamResult> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const { bandRows, level, renderer: given, ...renderOptions } = options;
  if (given !== undefined && !(given instanceof Renderer)) {
    throw new TypeError(`renderer must be a Renderer, got ${show(given)}`);
  }
  const prepared = await resolveScene(scene, renderOptions.signal);
  // Planned here once, so that a bad option fails before any byte is written.
  const plan = planRender(prepared, renderOptions, given?.workers ?? 1);
  const bands = planBands(plan, bandRows);
  let bytes = 0;
  const png = new PngStreamWriter(
    plan.region.width,
    plan.region.height,
    async (chunk) => {
      bytes += chunk.length;
      await output.write(chunk);
    },
    level === undefined ? {} : { level },
  );
  // Taken last: a stream's writer stays locked once taken, so every check comes first.
  const output = toSink(sink);
  const renderer = given ?? new Renderer({ workers: plan.workers });
  const start = performance.now();
  const { signal } = plan;
  try {
    const report = await localBackend(renderer).renderBands(
      plan,
      bands,
      (_band, rgba) => png.writeRows(rgba),
    );
    await abortable(png.finish(), signal);
    await abortable(output.close(), signal);
    return {
      width: plan.region.width,
      height: plan.region.height,
      tiles: report.tiles,
      bands: bands.length,
      bytes,
      renderMs: report.renderMs,
      totalMs: performance.now() - start,
    };
  } catch (error) {
    output.abort(error);
    throw signal?.aborted ? abortError(signal) : error;
  } finally {
    if (given === undefined) await renderer.close();
  }
}
