/**
 * The raypool API as a CLI render uses it: the real modules, with one `Renderer` started
 * early (while the scene loads) and closed when the run ends.
 *
 * @module
 */

import { encodeJpeg } from "../encode/jpeg.ts";
import { encodePng } from "../encode/png.ts";
import { PngStreamWriter } from "../png/png_stream_writer.ts";
import { localBackend } from "../render/backend.ts";
import {
  prepareForRender,
  Renderer,
  warmRenderer,
} from "../render/renderer.ts";
import { checkImageSize } from "../scene/check_image_size.ts";
import { loadScene } from "../scene/load.ts";
import type { RaypoolApi } from "./run.ts";

/**
 * The API `runRender` uses unless a test passes a stand-in.
 *
 * @example
 * ```ts
 * import { defaultApi } from "./api.ts";
 * import assert from "node:assert/strict";
 * const api = defaultApi();
 * assert.equal(typeof api.backend, "function");
 * await api.close?.();
 * ```
 */
export function defaultApi(
  apiOptions: {
    /** Told each warning line of a loaded scene (a glTF model's unsupported extensions). */
    onWarning?: (line: string) => void;
  } = {},
): RaypoolApi {
  let renderer: Renderer | undefined;
  const rendererFor = (workers: number | undefined) =>
    renderer ??= new Renderer(workers === undefined ? {} : { workers });
  return {
    warm(workers) {
      // A failure to start shows again, with its message, when the render needs the workers.
      warmRenderer(rendererFor(workers)).catch(() => {});
    },
    close: async () => {
      // A watching CLI renders again after this, with a new one.
      const closing = renderer;
      renderer = undefined;
      await closing?.close();
    },
    loadScene: async (path, options) => {
      const scene = await loadScene(path, options);
      for (const model of scene.gltf?.values() ?? []) {
        for (const line of model.warnings) apiOptions.onWarning?.(line);
      }
      // Packing and building the BVH are part of loading: done once here, on this thread,
      // the render finds the scene prepared and its workers only take it in.
      await prepareForRender(scene);
      return scene;
    },
    checkImageSize,
    backend: (workers) => localBackend(rendererFor(workers)),
    encodePng,
    encodeJpeg,
    pngStream: (width, height, sink) =>
      new PngStreamWriter(width, height, sink),
  };
}
