/**
 * One CLI render from start to finish: check the output path, load the scene, render, encode,
 * write atomically. Errors in the first two steps are the user's input ({@linkcode InputError});
 * errors after them are failures.
 *
 * @module
 */

import { applyPathFlags } from "./path_flags.ts";
import { abortable, abortError } from "../_abort.ts";
import type { ByteSink } from "../png/png_stream_writer.ts";
import type { BackendReport, RenderBackend } from "../render/backend.ts";
import {
  checkWorkers,
  defaultWorkers,
  optionOf,
  planBands,
  planRender,
  type RenderedTile,
  type RenderPlan,
  type RenderProgress,
} from "../render/plan.ts";
import type { RenderedImage, Scene } from "../types.ts";
import type { RenderCommand } from "./args.ts";
import { writeAtomically, writeFileAtomic } from "./atomic_write.ts";
import { errorMessage as oneLineMessage, InputError } from "../_errors.ts";
import {
  checkJpegSize,
  checkPngSize,
  PNG_STREAM_THRESHOLD_BYTES,
  streamsPng,
} from "./limits.ts";
import {
  checkOutputPath,
  defaultOutputPath,
  type ImageFormat,
  imageFormatOf,
} from "./output.ts";
import { ExrStreamWriter } from "../encode/exr.ts";
import { HdrStreamWriter } from "../encode/hdr.ts";
import { linearBandRows } from "../render/render_linear_stream.ts";
import type { RenderSummary, Timings } from "./summary.ts";
import { passSamples } from "../render/passes.ts";
import { isPath } from "../scene/validate.ts";
import { roundTimings } from "./summary.ts";

/** How long an aborted run waits for its backend to clean up, unless the backend says. */
const BACKEND_SETTLE_MS = 2_000;

/** A PNG written band by band: the streaming encoder's part the CLI uses. */
export interface PngRowWriter {
  /** Filters and compresses the next rows (whole rows of RGBA8). */
  writeRows(rgba: Uint8Array): Promise<void>;
  /** Writes the end of the file once every row is in. */
  finish(): Promise<void>;
}

/** The part of raypool's API a CLI render uses (`defaultApi` in `api.ts`); tests pass stand-ins. */
export interface RaypoolApi {
  /** Starts `workers` workers while the scene loads, for the render that follows. */
  warm?(workers: number): void;
  /** Ends what `warm` or a render started; called once the run is over, however it ends. */
  close?(): Promise<void>;
  /** Reads, validates and prepares a scene file; `options.signal` aborts it. */
  loadScene(
    path: string,
    options?: { signal?: AbortSignal; camera?: number },
  ): Promise<Scene>;
  /** Throws a `RangeError` when a `width × height` image cannot be allocated. */
  checkImageSize(width: number, height: number): void;
  /** This machine's workers as a render backend. */
  backend(workers: number): RenderBackend;
  /** Encodes a PNG. */
  encodePng(image: RenderedImage): Promise<Uint8Array>;
  /** Encodes a JPEG. */
  encodeJpeg(image: RenderedImage, quality?: number): Promise<Uint8Array>;
  /** A PNG encoder taking rows as they come, for PNGs past the streaming threshold. */
  pngStream(width: number, height: number, sink: ByteSink): PngRowWriter;
}

/** What the render is about to do, told once its input has been checked. */
export interface RenderStart {
  /** The scene file. */
  scene: string;
  /** Where the image will go. */
  output: string;
  /** Width of the image written (the region's, with `--region`). */
  width: number;
  /** Height of the image written. */
  height: number;
  /** Workers rendering. */
  workers: number;
}

/** Hooks and controls for {@linkcode runRender}. */
export interface RunOptions {
  /** Aborting stops the run wherever it is; nothing is left on disk. */
  signal?: AbortSignal;
  /** Called once the input has been checked, before rendering. */
  onStart?: (start: RenderStart) => void;
  /** The renderer's progress reports (over the whole image when it renders in bands). */
  onProgress?: (progress: RenderProgress) => void;
  /** Each finished tile's pixels, as the renderer's `onTile` (for the live preview). */
  onTile?: (tile: RenderedTile) => void;
  /**
   * PNGs with more RGBA bytes than this are rendered and written band by band; default
   * {@linkcode PNG_STREAM_THRESHOLD_BYTES}.
   */
  pngStreamThresholdBytes?: number;
  /** Rows per band on the streaming path; default the library's. Lets tests force many. */
  pngBandRows?: number;
}

/**
 * Runs a parsed render command with `api` on this machine's workers, and returns its summary.
 *
 * @throws {InputError} for bad input: output path, scene file, textures, sizes, region.
 * @throws the renderer's, encoder's or file system's error for a failure after that, or the
 * signal's reason when aborted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runRender } from "./run.ts";
 * import type { RenderBackend } from "../render/backend.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * const scene = { width: 4, height: 2, fov: 90, elements: [], lights: [],
 *   shadow_bias: 1e-13, max_recursion_depth: 10 };
 * const api = { // a stand-in backend that paints everything black
 *   loadScene: () => Promise.resolve({ description: scene, textures: new Map() }),
 *   checkImageSize: () => {},
 *   backend: (): RenderBackend => ({
 *     renderBands: async (_plan, bands, sink) => {
 *       for (const band of bands) await sink(band, new Uint8Array(band.width * band.height * 4));
 *       return { tiles: 1, renderMs: 1, by: { kind: "workers", workers: 1 } };
 *     },
 *   }),
 *   encodePng: () => Promise.resolve(new Uint8Array([1, 2, 3])),
 *   encodeJpeg: () => Promise.resolve(new Uint8Array([4, 5, 6])),
 *   pngStream: () => ({ writeRows: () => Promise.resolve(), finish: () => Promise.resolve() }),
 * };
 * const summary = await runRender(
 *   { kind: "render", scene: "scene.json", output: `${folder}/a.png`, workers: 1, json: false, quiet: true },
 *   api,
 * );
 * assert.deepEqual([summary.width, summary.height], [4, 2]);
 * assert.equal((await Deno.readFile(`${folder}/a.png`)).length, 3);
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function runRender(
  command: RenderCommand,
  api: RaypoolApi,
  options: RunOptions = {},
): Promise<RenderSummary> {
  const workers = command.workers ?? defaultWorkers();
  try {
    const input = await checkInput(command, api, options, workers);
    const { summary } = await runPipeline(
      input,
      api.backend(workers),
      api,
      command,
      options,
    );
    return summary;
  } finally {
    await api.close?.();
  }
}

/**
 * The one render pipeline, for any backend: render the plan (in bands when the PNG streams),
 * encode, write atomically, and time it all. Tells `onStart` first.
 *
 * @throws the backend's, encoder's or file system's error, or the signal's reason.
 */
export async function runPipeline(
  input: CheckedInput,
  backend: RenderBackend,
  api: RaypoolApi,
  command: RenderCommand,
  options: RunOptions,
): Promise<{ summary: RenderSummary; report: BackendReport }> {
  const { signal, onStart } = options;
  const { output, format, plan, startedAt, loadedAt, streaming } = input;
  const { width, height } = plan.region;
  const workers = (report?: BackendReport) =>
    report === undefined
      ? plan.workers
      : report.by.kind === "workers"
      ? report.by.workers
      : report.by.nodes.length;
  onStart?.({
    scene: command.scene,
    output,
    width,
    height,
    workers: command.farm === undefined ? plan.workers : 0,
  });
  let report: BackendReport;
  let timings: Timings;
  let keptSamples: number | undefined;
  if (format === "exr" || format === "hdr") {
    // Linear radiance, always band by band: 3 f32 a pixel, the bands a third as tall as the
    // PNG's so a band holds as many bytes.
    const renderLinear = backend.renderLinearBands;
    if (renderLinear === undefined) {
      throw new InputError(
        `${output}: this backend cannot write .${format} (linear) output; use .png or .jpg`,
      );
    }
    const bands = planBands(
      plan,
      options.pngBandRows ?? linearBandRows(plan),
    );
    report = await writeAtomically(output, async (write) => {
      const writer = format === "exr"
        ? new ExrStreamWriter(width, height, write, "float")
        : new HdrStreamWriter(width, height, write);
      const report = await renderLinear.call(
        backend,
        plan,
        bands,
        (_band, rgb) => writer.writeRows(rgb),
      );
      await abortable(writer.finish(), signal);
      return report;
    }, { signal });
    const writtenAt = performance.now();
    timings = {
      loadMs: loadedAt - startedAt,
      renderMs: report.renderMs,
      encodeMs: writtenAt - loadedAt - report.renderMs,
      totalMs: writtenAt - startedAt,
    };
  } else if (streaming) {
    const bands = planBands(
      plan,
      options.pngBandRows,
    );
    // The write is not raced against the signal like the steps below: the temporary file
    // must be gone before this returns, and the backend stops by itself when it aborts.
    report = await writeAtomically(output, async (write) => {
      const png = api.pngStream(width, height, write);
      const report = await backend.renderBands(
        plan,
        bands,
        (_band, rgba) => png.writeRows(rgba),
      );
      await abortable(png.finish(), signal);
      return report;
    }, { signal });
    const writtenAt = performance.now();
    timings = {
      loadMs: loadedAt - startedAt,
      renderMs: report.renderMs,
      // Compression overlaps rendering; this is what was left once the last band rendered.
      encodeMs: writtenAt - loadedAt - report.renderMs,
      totalMs: writtenAt - startedAt,
    };
  } else {
    let image: RenderedImage | undefined;
    let rendered: BackendReport | undefined;
    // One pass, or a refining render's passes (`input.passes`): each later pass only within
    // --time, measured from the end of loading; the first always finishes.
    const deadline = command.time === undefined
      ? undefined
      : loadedAt + command.time * 1000;
    for (const [i, samples] of input.passes.entries()) {
      const left = deadline === undefined || i === 0
        ? undefined
        : deadline - performance.now();
      if (left !== undefined && left <= 0) break;
      const timeUp = left === undefined ? undefined : AbortSignal.timeout(left);
      const passSignal = timeUp === undefined
        ? signal
        : signal === undefined
        ? timeUp
        : AbortSignal.any([signal, timeUp]);
      const passPlan = input.passes.length === 1 ? plan : {
        ...plan,
        view: { ...plan.view, samples },
        signal: passSignal,
      };
      let data: Uint8Array | undefined;
      const rendering = backend.renderBands(
        passPlan,
        [plan.region],
        (_band, rgba) => {
          data = rgba;
          return Promise.resolve();
        },
      );
      try {
        rendered = await abortable(rendering, passSignal);
      } catch (error) {
        // A backend stops by itself when the signal aborts, cleaning up after itself (the
        // farm withdraws its jobs): that is waited for, briefly, in case one ignores it.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          rendering.catch(() => {}),
          new Promise((resolve) =>
            timer = setTimeout(
              resolve,
              backend.abortGraceMs ?? BACKEND_SETTLE_MS,
            )
          ),
        ]);
        clearTimeout(timer);
        // Out of time: the previous pass is the image.
        if (timeUp?.aborted && !signal?.aborted) break;
        throw error;
      }
      image = { width, height, data: data! };
      keptSamples = samples;
    }
    report = rendered!;
    const renderedAt = performance.now();
    const bytes = await abortable(
      format === "jpeg"
        ? api.encodeJpeg(image!, command.quality)
        : api.encodePng(image!),
      signal,
    );
    const encodedAt = performance.now();
    await writeFileAtomic(output, bytes, { signal });
    const writtenAt = performance.now();
    timings = {
      loadMs: loadedAt - startedAt,
      renderMs: renderedAt - loadedAt,
      encodeMs: encodedAt - renderedAt,
      totalMs: writtenAt - startedAt,
    };
  }
  return {
    summary: {
      output,
      width,
      height,
      workers: workers(report),
      tiles: report.tiles,
      timings: roundTimings(timings),
      ...(input.passes.length > 1 && keptSamples !== undefined
        ? { samples: keptSamples }
        : {}),
    },
    report,
  };
}

/** What {@linkcode checkInput} found: the run's checked input. */
export interface CheckedInput {
  /** The output file. */
  output: string;
  /** Its format. */
  format: ImageFormat;
  /** The render plan: the loaded scene and every option, checked. */
  plan: RenderPlan;
  /** When the run started (`performance.now()`). */
  startedAt: number;
  /** When the scene had loaded. */
  loadedAt: number;
  /** Whether the PNG goes band by band through the streaming writer. */
  streaming: boolean;
  /**
   * The samples of each pass: one pass, or a path-traced render refining in passes
   * (`passSamples`) when tiles are shown as they land (the preview) or `--time` is given.
   */
  passes: number[];
}

/**
 * Everything a render checks before it starts, for this machine's renders and the farm's
 * alike: the output path and format, the scene (loaded with `api`), and the options through
 * the render plan's rules. `workers` is undefined for a farm render (each node has its own).
 *
 * @throws {InputError} for anything wrong with the input.
 */
export async function checkInput(
  command: RenderCommand,
  api: RaypoolApi,
  options: RunOptions,
  workers: number | undefined,
): Promise<CheckedInput> {
  const startedAt = performance.now();
  const { signal } = options;
  const output = command.output ?? defaultOutputPath(command.scene);
  // The path first: `-o somefolder` is a folder, which says more than its lack of extension.
  await checkOutputPath(output, command.scene);
  const format = imageFormatOf(output);
  if (command.quality !== undefined && format !== "jpeg") {
    throw new InputError(
      `--quality applies to JPEG output only, and ${output} is ${
        format === "png" ? "a PNG" : `an ${format.toUpperCase()}`
      }`,
    );
  }
  if (command.denoise && (format === "exr" || format === "hdr")) {
    throw new InputError(
      `--denoise writes the tone-mapped image; ${output} holds the linear radiance (use .png or .jpg)`,
    );
  }
  if (command.denoise && workers === undefined) {
    throw new InputError(
      "--denoise renders on this machine only, not with --farm",
    );
  }
  if (
    (format === "exr" || format === "hdr") && options.onTile !== undefined
  ) {
    throw new InputError(
      `${output}: --preview shows tone-mapped tiles; preview a .png and render the .${format} without it`,
    );
  }
  // The workers start and the core compiles while the scene is read and decoded (once the
  // plan's rule has passed their number).
  if (workers !== undefined) {
    try {
      checkWorkers(workers);
    } catch (error) {
      throw new InputError(planErrorMessage(error), { cause: error });
    }
    api.warm?.(workers);
  }

  const scene = await abortable(
    api.loadScene(command.scene, {
      signal,
      ...(command.camera === undefined ? {} : { camera: command.camera }),
    }).then((loaded) =>
      command.path === undefined
        ? loaded
        : applyPathFlags(loaded, command.path, command.scene, signal)
    ).catch((error) => {
      if (signal?.aborted) throw abortError(signal);
      throw new InputError(sceneErrorMessage(command.scene, error), {
        cause: error,
      });
    }),
    signal,
  );
  const loadedAt = performance.now();

  // The render plan owns every rule about options; what it refuses is the user's input.
  let plan: RenderPlan;
  try {
    plan = planRender(scene, {
      ...(workers === undefined ? {} : { workers }),
      tileSize: command.tileSize,
      width: command.width,
      height: command.height,
      samples: command.samples,
      region: command.region,
      signal,
      onProgress: options.onProgress,
      onTile: options.onTile,
      ...(command.denoise ? { denoise: true } : {}),
    }, workers ?? 1);
    api.checkImageSize(plan.view.width, plan.view.height);
  } catch (error) {
    throw new InputError(planErrorMessage(error), { cause: error });
  }
  const { width, height } = plan.region;
  if (format === "jpeg") checkJpegSize(width, height);
  else if (format === "png") checkPngSize(width, height);
  const streaming = format === "png" &&
    streamsPng(
      width,
      height,
      options.pngStreamThresholdBytes ?? PNG_STREAM_THRESHOLD_BYTES,
    );
  const path = isPath(scene.description.integrator);
  if (command.time !== undefined) {
    const refusal = !path
      ? "--time applies to the path tracer (--integrator path)"
      : command.denoise
      ? "--time refines in passes, and --denoise filters one whole render; use one"
      : format !== "png" && format !== "jpeg"
      ? `--time writes a tone-mapped pass; ${output} holds the linear radiance (use .png or .jpg)`
      : streaming
      ? `--time keeps a whole pass in memory; ${width}×${height} is written band by band without it`
      : workers === undefined
      ? "--time renders on this machine only, not with --farm"
      : undefined;
    if (refusal !== undefined) throw new InputError(refusal);
  }
  const refining = path && !command.denoise && !streaming &&
    (format === "png" || format === "jpeg") &&
    (command.time !== undefined || options.onTile !== undefined);
  const passes = refining
    ? passSamples(plan.view.samples)
    : [plan.view.samples];
  return { output, format, plan, startedAt, loadedAt, streaming, passes };
}

/** The scene module's errors start with a JSON path or name the file; say which file. */
function sceneErrorMessage(scenePath: string, error: unknown): string {
  const message = oneLineMessage(error);
  return message.includes(scenePath) ? message : `${scenePath}: ${message}`;
}

/** The flag that sets each option the plan checks. */
const FLAGS: Record<string, string> = {
  tileSize: "--tile",
  width: "--width",
  height: "--height",
  samples: "--samples",
  denoise: "--denoise",
  workers: "--workers",
  region: "--region",
  "region.x": "--region x",
  "region.y": "--region y",
  "region.width": "--region width",
  "region.height": "--region height",
};

/**
 * A plan error names its option (its `option` field); the CLI names the flag instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planErrorMessage } from "./run.ts";
 * import { optionError } from "../render/plan.ts";
 * assert.equal(
 *   planErrorMessage(optionError(RangeError, "tileSize", "must be a positive integer, got 0")),
 *   "--tile must be a positive integer, got 0",
 * );
 * ```
 */
export function planErrorMessage(error: unknown): string {
  const message = oneLineMessage(error);
  const option = optionOf(error);
  const flag = option === undefined ? undefined : FLAGS[option];
  return flag !== undefined && message.startsWith(`${option} `)
    ? `${flag}${message.slice(option!.length)}`
    : message;
}
