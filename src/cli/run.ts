/**
 * One CLI render from start to finish: check the output path, load the scene, render, encode,
 * write atomically. Errors in the first two steps are the user's input ({@linkcode InputError});
 * errors after them are failures.
 *
 * @module
 */

import { applyPathFlags } from "./path_flags.ts";
import { abortable } from "../_format.ts";
import {
  defaultWorkers,
  planRender,
  type RenderedTile,
  type RenderOptions,
  type RenderProgress,
} from "../render/plan.ts";
import type {
  RenderPngStreamOptions,
  RenderPngStreamResult,
} from "../render/render_png_stream.ts";
import type { RenderedImage, Scene } from "../types.ts";
import type { RenderCommand } from "./args.ts";
import { writeAtomically, writeFileAtomic } from "./atomic_write.ts";
import { InputError, oneLineMessage } from "./errors.ts";
import {
  checkJpegSize,
  checkPngSize,
  PNG_STREAM_THRESHOLD_BYTES,
  streamsPng,
} from "./limits.ts";
import { checkOutputPath, defaultOutputPath, imageFormatOf } from "./output.ts";
import type { RenderSummary } from "./summary.ts";
import { roundTimings } from "./summary.ts";

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
  /** Renders a scene. */
  render(scene: Scene, options: RenderOptions): Promise<RenderedImage>;
  /** Encodes a PNG. */
  encodePng(image: RenderedImage): Promise<Uint8Array>;
  /** Encodes a JPEG. */
  encodeJpeg(image: RenderedImage, quality?: number): Promise<Uint8Array>;
  /** Renders straight to PNG bytes, band by band; needed for PNGs past the threshold. */
  renderPngStream?(
    scene: Scene,
    sink: (bytes: Uint8Array) => Promise<void>,
    options: RenderPngStreamOptions,
  ): Promise<RenderPngStreamResult>;
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
 * Runs a parsed render command with `api`, and returns its summary.
 *
 * @throws {InputError} for bad input: output path, scene file, textures, sizes, region.
 * @throws the renderer's, encoder's or file system's error for a failure after that, or the
 * signal's reason when aborted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runRender } from "./run.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * const scene = { width: 4, height: 2, fov: 90, elements: [], lights: [],
 *   shadow_bias: 1e-13, max_recursion_depth: 10 };
 * const api = { // a stand-in renderer that paints everything black
 *   loadScene: () => Promise.resolve({ description: scene, textures: new Map() }),
 *   checkImageSize: () => {},
 *   render: (_: unknown, o: { width?: number; height?: number }) =>
 *     Promise.resolve({ width: o.width!, height: o.height!, data: new Uint8Array(o.width! * o.height! * 4) }),
 *   encodePng: () => Promise.resolve(new Uint8Array([1, 2, 3])),
 *   encodeJpeg: () => Promise.resolve(new Uint8Array([4, 5, 6])),
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
    return await runWith(command, api, options, workers);
  } finally {
    await api.close?.();
  }
}

async function runWith(
  command: RenderCommand,
  api: RaypoolApi,
  options: RunOptions,
  workers: number,
): Promise<RenderSummary> {
  const { signal, onStart, onProgress } = options;
  const startedAt = performance.now();
  const {
    output,
    format,
    scene,
    loadedAt,
    renderOptions,
    outputWidth,
    outputHeight,
    streaming,
  } = await checkInput(command, api, options, workers);
  onStart?.({
    scene: command.scene,
    output,
    width: outputWidth,
    height: outputHeight,
    workers,
  });

  if (streaming) {
    if (api.renderPngStream === undefined) {
      throw new TypeError(
        `the API given cannot stream PNGs, needed for ${outputWidth}×${outputHeight}`,
      );
    }
    // Not raced against the signal like the steps below: the temporary file must be gone
    // before this returns, and the stream stops by itself at once when the signal aborts.
    const result = await writeAtomically(
      output,
      (write) =>
        api.renderPngStream!(scene, write, {
          ...renderOptions,
          onProgress,
          ...(options.pngBandRows === undefined
            ? {}
            : { bandRows: options.pngBandRows }),
        }),
      { signal },
    );
    const writtenAt = performance.now();
    return {
      output,
      width: result.width,
      height: result.height,
      workers,
      tiles: result.tiles,
      timings: roundTimings({
        loadMs: loadedAt - startedAt,
        renderMs: result.renderMs,
        // Compression overlaps rendering; this is what was left once the last band rendered.
        encodeMs: writtenAt - loadedAt - result.renderMs,
        totalMs: writtenAt - startedAt,
      }),
    };
  }

  let tiles = 0;
  const image = await abortable(
    api.render(scene, {
      ...renderOptions,
      onProgress: (progress) => {
        tiles = progress.tilesTotal;
        onProgress?.(progress);
      },
    }),
    signal,
  );
  const renderedAt = performance.now();

  const bytes = await abortable(
    format === "jpeg"
      ? api.encodeJpeg(image, command.quality)
      : api.encodePng(image),
    signal,
  );
  const encodedAt = performance.now();

  await writeFileAtomic(output, bytes, { signal });
  const writtenAt = performance.now();

  return {
    output,
    width: image.width,
    height: image.height,
    workers,
    tiles,
    timings: roundTimings({
      loadMs: loadedAt - startedAt,
      renderMs: renderedAt - loadedAt,
      encodeMs: encodedAt - renderedAt,
      totalMs: writtenAt - startedAt,
    }),
  };
}

/** What {@linkcode checkInput} found: the run's checked input. */
export interface CheckedInput {
  /** The output file. */
  output: string;
  /** Its format. */
  format: "png" | "jpeg";
  /** The loaded scene. */
  scene: Scene;
  /** When the scene had loaded (`performance.now()`). */
  loadedAt: number;
  /** The render's options, sizes resolved, as the plan checked them. */
  renderOptions: RenderOptions;
  /** Width of the full image. */
  width: number;
  /** Height of the full image. */
  height: number;
  /** Width of the image written (the region's, with `--region`). */
  outputWidth: number;
  /** Height of the image written. */
  outputHeight: number;
  /** Whether the PNG goes band by band through the streaming writer. */
  streaming: boolean;
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
  const { signal } = options;
  const output = command.output ?? defaultOutputPath(command.scene);
  // The path first: `-o somefolder` is a folder, which says more than its lack of extension.
  await checkOutputPath(output, command.scene);
  const format = imageFormatOf(output);
  if (command.quality !== undefined && format !== "jpeg") {
    throw new InputError(
      `--quality applies to JPEG output only, and ${output} is a PNG`,
    );
  }
  // The workers start and the core compiles while the scene is read and decoded.
  if (workers !== undefined) api.warm?.(workers);

  const scene = await abortable(
    api.loadScene(command.scene, {
      signal,
      ...(command.camera === undefined ? {} : { camera: command.camera }),
    }).then((loaded) =>
      command.path === undefined
        ? loaded
        : applyPathFlags(loaded, command.path, command.scene, signal)
    ).catch((error) => {
      if (signal?.aborted) throw signal.reason;
      throw new InputError(sceneErrorMessage(command.scene, error), {
        cause: error,
      });
    }),
    signal,
  );
  const loadedAt = performance.now();

  const renderOptions: RenderOptions = {
    ...(workers === undefined ? {} : { workers }),
    tileSize: command.tileSize,
    width: command.width,
    height: command.height,
    samples: command.samples,
    region: command.region,
    signal,
    ...(options.onTile === undefined ? {} : { onTile: options.onTile }),
  };
  // The render plan owns every rule about options; what it refuses is the user's input.
  let plan;
  try {
    api.checkImageSize(
      command.width ?? scene.description.width,
      command.height ?? scene.description.height,
    );
    plan = planRender(scene, renderOptions, workers ?? 1);
  } catch (error) {
    throw new InputError(planErrorMessage(error), { cause: error });
  }
  const { width, height } = plan.view;
  Object.assign(renderOptions, { width, height });
  const outputWidth = plan.region.width;
  const outputHeight = plan.region.height;
  if (format === "jpeg") checkJpegSize(outputWidth, outputHeight);
  else checkPngSize(outputWidth, outputHeight);
  const streaming = format === "png" &&
    streamsPng(
      outputWidth,
      outputHeight,
      options.pngStreamThresholdBytes ?? PNG_STREAM_THRESHOLD_BYTES,
    );
  return {
    output,
    format,
    scene,
    loadedAt,
    renderOptions,
    width,
    height,
    outputWidth,
    outputHeight,
    streaming,
  };
}

/** The scene module's errors start with a JSON path or name the file; say which file. */
function sceneErrorMessage(scenePath: string, error: unknown): string {
  const message = oneLineMessage(error);
  return message.includes(scenePath) ? message : `${scenePath}: ${message}`;
}

/** Options are named as the flags that set them. */
function planErrorMessage(error: unknown): string {
  const message = oneLineMessage(error);
  const flags: [RegExp, string][] = [
    [/^tileSize\b/, "--tile"],
    [/^region(\.\w+)?\b/, "--region"],
    [/^(width|height|samples|workers)\b/, "--$1"],
  ];
  for (const [pattern, flag] of flags) {
    if (pattern.test(message)) return message.replace(pattern, flag);
  }
  return message;
}
