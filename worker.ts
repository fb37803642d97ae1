/**
 * The raypool render worker: instantiates the wasm core from the module the main thread
 * sends, keeps the last scene it built (renders of the same scene with another view reuse
 * it), and renders the tiles it is handed straight into the shared output image. Started by
 * the worker pool; not meant to be imported.
 *
 * @module
 */

import { initSync, RenderScene } from "./lib/raypool.js";
import { errorMessage } from "./src/_errors.ts";
import type {
  FromWorker,
  PixelFormat,
  ToWorker,
} from "./src/render/messages.ts";

interface Current {
  renderId: number;
  pixels: PixelFormat;
  /** A view of the shared output made once per render: bytes, or f32 values. */
  output: Uint8Array | Float32Array;
  outputWidth: number;
  originX: number;
  originY: number;
  cancel: { cancelled(): boolean };
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  onmessageerror: (() => void) | null;
  postMessage(message: FromWorker): void;
};

/** The core's memory, whose size each `sceneBuilt` reports. */
let memory: WebAssembly.Memory | undefined;
/** The scene last built, by content key; kept across renders. */
let held: { key: string; scene: RenderScene } | undefined;
let current: Current | undefined;

function startRender(message: Extract<ToWorker, { kind: "render" }>): void {
  current = undefined;
  const { renderId } = message;
  try {
    if (held?.key !== message.scene.key) {
      held?.scene.free();
      held = undefined;
      const started = performance.now();
      const scene = RenderScene.from_packed(
        new Uint8Array(message.scene.bytes),
      );
      held = { key: message.scene.key, scene };
      scope.postMessage({
        kind: "sceneBuilt",
        renderId,
        ms: performance.now() - started,
        memoryBytes: memory?.buffer.byteLength ?? 0,
      });
    }
    const { width, height, fov, samples, camera } = message.view;
    held.scene.set_view(width, height, fov, samples, camera);
  } catch (error) {
    scope.postMessage({
      kind: "renderError",
      renderId,
      message: errorMessage(error),
    });
    return;
  }
  const flag = new Int32Array(message.cancel);
  current = {
    renderId,
    pixels: message.pixels,
    output: message.pixels === "rgba8"
      ? new Uint8Array(message.output)
      : new Float32Array(message.output),
    outputWidth: message.outputWidth,
    originX: message.originX,
    originY: message.originY,
    cancel: { cancelled: () => Atomics.load(flag, 0) !== 0 },
  };
}

function renderTile(message: Extract<ToWorker, { kind: "tile" }>): void {
  // The scene failed to build and that was reported: the render is failing already.
  if (held === undefined || current?.renderId !== message.renderId) return;
  const { x, y, width, height } = message.tile;
  const { output, outputWidth, originX, originY, cancel } = current;
  // One crossing per tile whatever the format: the encoded bytes, or f32 values.
  const format = current.pixels;
  let pixels: Uint8Array | Float32Array;
  try {
    pixels = format === "linear"
      ? held.scene.render_tile_linear(x, y, width, height, cancel)
      : format === "features"
      ? held.scene.render_tile_features(x, y, width, height, cancel)
      : held.scene.render_tile(x, y, width, height, cancel);
  } catch (error) {
    // A cancelled render is over; the main thread has stopped listening.
    if (cancel.cancelled()) return;
    scope.postMessage({
      kind: "tileError",
      renderId: message.renderId,
      index: message.index,
      message: errorMessage(error),
    });
    return;
  }
  const channels = format === "linear" ? 3 : format === "features" ? 9 : 4;
  const rowValues = width * channels;
  let at = ((y - originY) * outputWidth + (x - originX)) * channels;
  if (width === outputWidth) {
    output.set(pixels, at);
  } else {
    for (let row = 0; row < height; row++, at += outputWidth * channels) {
      output.set(pixels.subarray(row * rowValues, (row + 1) * rowValues), at);
    }
  }
  scope.postMessage({
    kind: "tileDone",
    renderId: message.renderId,
    index: message.index,
  });
}

function handle(message: ToWorker): void {
  switch (message.kind) {
    case "init":
      // A failure here is left uncaught: the worker dies and the pool replaces it.
      memory = initSync({ module: message.module }).memory;
      return;
    case "render":
      return startRender(message);
    case "tile":
      return renderTile(message);
    case "release":
      if (current?.renderId === message.renderId) current = undefined;
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
