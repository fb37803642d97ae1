/**
 * The raypool render worker: instantiates the wasm core from the module the main thread
 * sends, builds each render's scene once, and renders the tiles it is handed straight into
 * the shared output image. Started by the worker pool; not meant to be imported.
 *
 * @module
 */

import { initSync, type RenderScene, SceneBuilder } from "./lib/raypool.js";
import type { FromWorker, ToWorker } from "./src/render/messages.ts";
import { buildScene } from "./src/render/scene_to_wasm.ts";

interface Current {
  renderId: number;
  scene: RenderScene;
  output: Uint8Array;
  outputWidth: number;
  originX: number;
  originY: number;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  onmessageerror: (() => void) | null;
  postMessage(message: FromWorker): void;
};

let current: Current | undefined;

function release(): void {
  current?.scene.free();
  current = undefined;
}

function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

function handle(message: ToWorker): void {
  switch (message.kind) {
    case "init":
      // A failure here is left uncaught: the worker dies and the pool replaces it.
      initSync({ module: message.module });
      return;
    case "scene":
      release();
      try {
        current = {
          renderId: message.renderId,
          scene: buildScene(SceneBuilder, message.scene),
          output: new Uint8Array(message.output),
          outputWidth: message.outputWidth,
          originX: message.originX,
          originY: message.originY,
        };
      } catch (error) {
        scope.postMessage({
          kind: "sceneError",
          renderId: message.renderId,
          message: describe(error),
        });
      }
      return;
    case "tile": {
      // The scene failed to build and that was reported: the render is failing already.
      if (current === undefined || current.renderId !== message.renderId) {
        return;
      }
      const { x, y, width, height } = message.tile;
      try {
        const pixels = current.scene.render_tile(x, y, width, height);
        const rowBytes = width * 4;
        if (pixels.length !== rowBytes * height) {
          throw new Error(
            `render_tile returned ${pixels.length} bytes, expected ${
              rowBytes * height
            }`,
          );
        }
        const { output, outputWidth, originX, originY } = current;
        let at = ((y - originY) * outputWidth + (x - originX)) * 4;
        if (width === outputWidth) {
          output.set(pixels, at);
        } else {
          for (let row = 0; row < height; row++, at += outputWidth * 4) {
            output.set(
              pixels.subarray(row * rowBytes, (row + 1) * rowBytes),
              at,
            );
          }
        }
      } catch (error) {
        scope.postMessage({
          kind: "tileError",
          renderId: message.renderId,
          index: message.index,
          message: describe(error),
        });
        return;
      }
      scope.postMessage({
        kind: "tileDone",
        renderId: message.renderId,
        index: message.index,
      });
      return;
    }
    case "release":
      if (current?.renderId === message.renderId) release();
      return;
    default: {
      const _exhaustive: never = message;
      throw new TypeError(`unknown message ${JSON.stringify(_exhaustive)}`);
    }
  }
}

scope.onmessage = (event) => handle(event.data);
// A tile message that cannot be read would otherwise be lost and the render would wait for it
// forever; dying instead makes the main thread retry the tile on a fresh worker.
scope.onmessageerror = () => {
  throw new Error("a message from the main thread could not be read");
};
