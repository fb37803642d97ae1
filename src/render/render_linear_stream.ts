/**
 * Rendering the linear radiance before tone mapping straight to an OpenEXR or Radiance file,
 * band by band.
 *
 * @module
 */

import { abortable, abortError } from "../_abort.ts";
import { show } from "../_format.ts";
import { type ExrPixelType, ExrStreamWriter } from "../encode/exr.ts";
import { HdrStreamWriter } from "../encode/hdr.ts";
import type { ByteSink } from "../png/png_stream_writer.ts";
import type { Scene, SceneDescription } from "../types.ts";
import { localBackend } from "./backend.ts";
import {
  DEFAULT_BAND_BYTES,
  planBands,
  planRender,
  type RenderOptions,
  type RenderPlan,
  resolveScene,
} from "./plan.ts";
import { toSink } from "./render_png_stream.ts";
import { Renderer } from "./renderer.ts";

/**
 * Options for {@linkcode renderLinearStream}: those of a render (but `onTile`, which shows
 * tone-mapped tiles), plus the file format and the banding.
 *
 * @example
 * ```ts
 * import type { RenderLinearStreamOptions } from "../../mod.ts";
 * const options: RenderLinearStreamOptions = { format: "exr", exrType: "half", bandRows: 64 };
 * ```
 */
export interface RenderLinearStreamOptions extends RenderOptions {
  /** `"exr"` (OpenEXR scanline, uncompressed) or `"hdr"` (Radiance RGBE). */
  format: "exr" | "hdr";
  /** The EXR's pixel type, `"float"` (default) or `"half"`. */
  exrType?: ExrPixelType;
  /**
   * Rows rendered and encoded at a time. Default: the whole tile rows that fit in 32 MiB of
   * linear RGB (3 f32 a pixel), at least one tile row.
   */
  bandRows?: number;
  /** The renderer to use, left open; default a new one, closed before this settles. */
  renderer?: Renderer;
}

/**
 * The default rows of a linear band: the whole tile rows that fit in 32 MiB of 3 f32 a pixel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearBandRows } from "./render_linear_stream.ts";
 * assert.equal(linearBandRows({ region: { x: 0, y: 0, width: 32768, height: 9 }, tileSize: 16 }), 80);
 * ```
 */
export function linearBandRows(
  plan: Pick<RenderPlan, "region" | "tileSize">,
): number {
  const { region, tileSize } = plan;
  return tileSize *
    Math.max(
      1,
      Math.floor(DEFAULT_BAND_BYTES / (region.width * 12) / tileSize),
    );
}

/**
 * Renders `scene` and writes its linear radiance (before exposure and tone mapping; under
 * the Whitted integrator, the colour the original's gamma encodes) to `sink` as an OpenEXR or
 * Radiance `.hdr` file, band by band, so memory is a few bands whatever the image size. The
 * sink is a function (each call awaited) or a `WritableStream` (closed at the end, aborted on
 * failure). Rejects as `renderPngStream` does.
 *
 * @example Write an EXR
 * ```ts
 * import { renderLinearStream, scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const parts: Uint8Array[] = [];
 * const description = {
 *   ...scene({ width: 8, height: 4, elements: [], lights: [] }),
 *   integrator: { Path: { max_bounces: 2 } },
 *   environment: { Color: { red: 2, green: 1, blue: 0.5 } },
 * };
 * const result = await renderLinearStream(description, async (bytes) => {
 *   parts.push(bytes);
 * }, { format: "exr", workers: 1 });
 * assert.equal(result.bytes, parts.reduce((n, p) => n + p.length, 0));
 * ```
 */
export async function renderLinearStream(
  scene: Scene | SceneDescription,
  sink: ByteSink | WritableStream<Uint8Array>,
  options: RenderLinearStreamOptions,
): Promise<{ width: number; height: number; bands: number; bytes: number }> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const { format, exrType, bandRows, renderer: given, ...renderOptions } =
    options;
  if (format !== "exr" && format !== "hdr") {
    throw new RangeError(`format must be "exr" or "hdr", got ${show(format)}`);
  }
  if (renderOptions.onTile !== undefined) {
    throw new TypeError(
      "onTile shows tone-mapped tiles; a linear render has none",
    );
  }
  if (given !== undefined && !(given instanceof Renderer)) {
    throw new TypeError(`renderer must be a Renderer, got ${show(given)}`);
  }
  const prepared = await resolveScene(scene, renderOptions.signal);
  const plan = planRender(prepared, renderOptions, given?.workers ?? 1);
  const { width, height } = plan.region;
  const bands = planBands(plan, bandRows ?? linearBandRows(plan));
  let bytes = 0;
  const write = async (chunk: Uint8Array) => {
    bytes += chunk.length;
    await output.write(chunk);
  };
  const writer = format === "exr"
    ? new ExrStreamWriter(width, height, write, exrType ?? "float")
    : new HdrStreamWriter(width, height, write);
  const output = toSink(sink);
  const renderer = given ?? new Renderer({ workers: plan.workers });
  const { signal } = plan;
  try {
    await localBackend(renderer).renderLinearBands!(
      plan,
      bands,
      (_band, rgb) => writer.writeRows(rgb),
    );
    await abortable(writer.finish(), signal);
    await abortable(output.close(), signal);
    return { width, height, bands: bands.length, bytes };
  } catch (error) {
    output.abort(error);
    throw signal?.aborted ? abortError(signal) : error;
  } finally {
    if (given === undefined) await renderer.close();
  }
}
