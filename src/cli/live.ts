/**
 * `--preview` and `--watch`: a render shown live in a browser page, and renders again when the
 * scene changes. Built on the public render API's `onTile`, `onProgress` and `signal`.
 *
 * @module
 */

import type { Scene } from "../types.ts";
import type { RenderedTile } from "../render/plan.ts";
import { PreviewBroadcaster } from "../preview/broadcaster.ts";
import { PreviewServer } from "../preview/server.ts";
import type { RenderCommand } from "./args.ts";
import { errorMessage as oneLineMessage, InputError } from "../_errors.ts";
import { type RaypoolApi, type RunOptions, runRender } from "./run.ts";
import type { RenderSummary } from "./summary.ts";
import { filesUsedBy, watchRenders } from "./watch.ts";

/** Hooks and controls for {@linkcode runLive}. */
export interface LiveOptions extends RunOptions {
  /** Aborting (Ctrl-C) ends the session; a render in progress stops and leaves nothing behind. */
  signal: AbortSignal;
  /** The preview page's address, once the server listens. */
  onListening?: (url: string) => void;
  /** An image was written. */
  onWritten?: (summary: RenderSummary) => void;
  /** A render failed in watch mode (the session goes on, waiting for the next change). */
  onFailed?: (error: unknown) => void;
  /** Quiet time after a change before rendering again; default 150 ms. */
  debounceMs?: number;
  /**
   * How to grant listening on `host`, for the error when it is not granted; default
   * `run deno with --allow-net=HOST`. The installed command says how to reinstall instead.
   */
  allowNetHint?: (host: string) => string;
}

/**
 * Runs `command` with a preview server (`command.preview`) and/or watching (`command.watch`)
 * until `options.signal` aborts, and returns whether an image was written. Without `--watch`,
 * a failed render throws as {@linkcode runRender} does; with it, failures are reported through
 * `onFailed` and the session waits for the scene to change.
 *
 * @throws {InputError} when the preview cannot listen (address in use, no permission).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runLive } from "./live.ts";
 * import type { RenderBackend } from "../render/backend.ts";
 * await Deno.mkdir("out", { recursive: true });
 * const folder = await Deno.makeTempDir({ dir: "out" });
 * const description = { width: 2, height: 2, fov: 90, elements: [], lights: [],
 *   shadow_bias: 1e-13, max_recursion_depth: 10 };
 * const api = { // a stand-in renderer that paints one white tile
 *   loadScene: () => Promise.resolve({ description, textures: new Map() }),
 *   checkImageSize: () => {},
 *   backend: (): RenderBackend => ({
 *     renderBands: async (plan, bands, sink) => {
 *       plan.onTile?.({ x: 0, y: 0, width: 2, height: 2, pixels: new Uint8Array(16).fill(255) });
 *       await sink(bands[0], new Uint8Array(16).fill(255));
 *       return { tiles: 1, renderMs: 1, by: { kind: "workers", workers: 1 } };
 *     },
 *   }),
 *   encodePng: () => Promise.resolve(new Uint8Array([1])),
 *   encodeJpeg: () => Promise.resolve(new Uint8Array([2])),
 *   pngStream: () => ({ writeRows: () => Promise.resolve(), finish: () => Promise.resolve() }),
 * };
 * const stop = new AbortController();
 * let url = "";
 * const written = await runLive(
 *   { kind: "render", scene: "scene.json", output: `${folder}/a.png`, preview: 0, json: false, quiet: true },
 *   api,
 *   { signal: stop.signal, onListening: (at) => url = at, onWritten: () => stop.abort() },
 * );
 * assert.ok(written && url.startsWith("http://127.0.0.1:"));
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function runLive(
  command: RenderCommand,
  api: RaypoolApi,
  options: LiveOptions,
): Promise<boolean> {
  const { signal } = options;
  const broadcaster = command.preview === undefined
    ? undefined
    : new PreviewBroadcaster();
  const server = broadcaster &&
    startServer(command, broadcaster, options.allowNetHint);
  if (server !== undefined) options.onListening?.(server.url);
  let written = false;

  // Reports an attempt's outcome everywhere; `attempt` drops what an aborted render still says.
  const renderOnce = async (attempt: AbortSignal, renderApi: RaypoolApi) => {
    const onTile = (tile: RenderedTile) => {
      if (!attempt.aborted) broadcaster?.tile(tile);
    };
    const summary = await runRender(command, renderApi, {
      ...options,
      signal: attempt,
      onStart: (start) => {
        broadcaster?.begin({
          ...start,
          originX: command.region?.x ?? 0,
          originY: command.region?.y ?? 0,
        });
        options.onStart?.(start);
      },
      onProgress: (progress) => {
        if (attempt.aborted) return;
        broadcaster?.progress(progress);
        options.onProgress?.(progress);
      },
      // Only the preview shows tiles (and a linear .exr/.hdr render has none to show).
      onTile: broadcaster === undefined ? undefined : onTile,
    });
    written = true;
    broadcaster?.written(summary.timings);
    options.onWritten?.(summary);
  };

  try {
    if (!command.watch) {
      try {
        await renderOnce(signal, api);
      } catch (error) {
        if (!signal.aborted) broadcaster?.failed(oneLineMessage(error));
        throw error;
      }
      // The page stays up to be looked at until Ctrl-C.
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return written;
    }

    // The loaded scene names the files to watch besides the scene file (its textures).
    let lastScene: Scene | undefined;
    const watchedApi: RaypoolApi = {
      ...api,
      // Kept open between renders (closed below): each re-render finds the workers ready,
      // and an unchanged scene (only the camera moved, say) already built.
      close: undefined,
      loadScene: async (path, loading) =>
        lastScene = await api.loadScene(path, loading),
    };
    await watchRenders({
      signal,
      files: () => filesUsedBy(command.scene, lastScene),
      debounceMs: options.debounceMs,
      renderOnce: async (attempt) => {
        try {
          await renderOnce(attempt, watchedApi);
        } catch (error) {
          if (attempt.aborted) return;
          broadcaster?.failed(oneLineMessage(error));
          options.onFailed?.(error);
        }
      },
    });
    return written;
  } finally {
    broadcaster?.close();
    await server?.close();
    await api.close?.();
  }
}

function startServer(
  command: RenderCommand,
  broadcaster: PreviewBroadcaster,
  allowNetHint = (host: string) => `run deno with --allow-net=${host}`,
): PreviewServer {
  const hostname = command.host ?? "127.0.0.1";
  try {
    return PreviewServer.start({
      broadcaster,
      hostname,
      port: command.preview,
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new InputError(
        `--preview: no permission to listen on ${hostname} (${
          allowNetHint(hostname)
        })`,
        { cause: error },
      );
    }
    throw new InputError(`--preview: ${oneLineMessage(error)}`, {
      cause: error,
    });
  }
}
