/**
 * Sends a render's tiles and progress to every open preview page, coalesced: tiles are painted
 * into one {@linkcode PreviewCanvas} as they land, and a few times a second each page gets one
 * binary frame of the rectangle that changed since its last one, so a fast render never floods
 * a page, and a slow page (or network) only ever falls behind by one frame.
 *
 * @module
 */

import type { RenderedTile, RenderProgress } from "../render/plan.ts";
import { PreviewCanvas, unionRect } from "./canvas.ts";
import {
  type CanvasRect,
  encodePixelFrame,
  type PreviewMessage,
  type PreviewTimings,
} from "./protocol.ts";

/** What the broadcaster needs of a page's socket; a server-side `WebSocket` is one. */
export interface PreviewClient {
  /** Sends a text or binary message. */
  send(data: string | Uint8Array<ArrayBuffer>): void;
  /** Bytes queued but not yet sent. */
  readonly bufferedAmount: number;
}

/** A render about to start, as the page is told. */
export interface PreviewRenderInfo {
  /** The scene file. */
  scene: string;
  /** The image file. */
  output: string;
  /** Width of the image (the region's, for a region). */
  width: number;
  /** Height of the image. */
  height: number;
  /** The image's left edge in the full image (a region's); default 0. */
  originX?: number;
  /** The image's top edge in the full image; default 0. */
  originY?: number;
  /** Workers rendering. */
  workers: number;
}

/** Options for a {@linkcode PreviewBroadcaster}. */
export interface PreviewBroadcasterOptions {
  /** Least time between two frames to a page; default 200 ms (five a second). */
  intervalMs?: number;
  /** A page with more bytes than this still queued is skipped until it catches up; default 8 MiB. */
  maxBufferedBytes?: number;
}

type RenderMessage = Extract<PreviewMessage, { type: "render" }>;
type ProgressMessage = Extract<PreviewMessage, { type: "progress" }>;

interface Shown {
  message: RenderMessage;
  canvas: PreviewCanvas;
  progress: ProgressMessage | undefined;
}

/**
 * Fans one render's events out to any number of pages; feed it {@linkcode RenderOptions.onTile}
 * and `onProgress`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreviewBroadcaster } from "./broadcaster.ts";
 * const sent: (string | Uint8Array)[] = [];
 * const broadcaster = new PreviewBroadcaster({ intervalMs: 10 });
 * broadcaster.add({ send: (data) => sent.push(data), bufferedAmount: 0 });
 * broadcaster.begin({ scene: "s.json", output: "s.png", width: 2, height: 1, workers: 1 });
 * broadcaster.tile({ x: 0, y: 0, width: 2, height: 1, pixels: new Uint8Array(8).fill(255) });
 * await new Promise((resolve) => setTimeout(resolve, 30));
 * broadcaster.close();
 * assert.equal(JSON.parse(sent[0] as string).type, "render");
 * assert.equal((sent.at(-1) as Uint8Array).length, 20 + 8);
 * ```
 */
export class PreviewBroadcaster {
  readonly #intervalMs: number;
  readonly #maxBufferedBytes: number;
  readonly #clients = new Map<PreviewClient, CanvasRect | undefined>();
  #generation = 0;
  #shown: Shown | undefined;
  #lastGood: Shown | undefined;
  #outcome: PreviewMessage | undefined;
  #progressPending = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** A broadcaster with no page yet. */
  constructor(options: PreviewBroadcasterOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 200;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  }

  /** Pages connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** A new page: it gets the current image, progress and outcome at once. */
  add(client: PreviewClient): void {
    const shown = this.#shown;
    if (shown !== undefined) {
      this.#sendTo(client, shown.message);
      this.#clients.set(client, fullRect(shown.canvas));
      this.#flushTo(client);
      if (shown.progress !== undefined) this.#sendTo(client, shown.progress);
    } else {
      this.#clients.set(client, undefined);
    }
    if (this.#outcome !== undefined) this.#sendTo(client, this.#outcome);
  }

  /** A page that went away. */
  remove(client: PreviewClient): void {
    this.#clients.delete(client);
  }

  /**
   * A render starts. The canvas keeps its pixels when the size is the same, so the previous
   * image stays in view until the new tiles cover it.
   */
  begin(info: PreviewRenderInfo): void {
    this.#flush();
    const originX = info.originX ?? 0;
    const originY = info.originY ?? 0;
    const previous = this.#shown?.canvas;
    const canvas = new PreviewCanvas(info.width, info.height, originX, originY);
    if (
      previous !== undefined && previous.width === canvas.width &&
      previous.height === canvas.height
    ) {
      canvas.pixels.set(previous.pixels);
    }
    this.#outcome = undefined;
    this.#show({
      message: {
        type: "render",
        generation: ++this.#generation,
        scene: info.scene,
        output: info.output,
        width: info.width,
        height: info.height,
        canvasWidth: canvas.width,
        canvasHeight: canvas.height,
        workers: info.workers,
      },
      canvas,
      progress: undefined,
    }, false);
  }

  /** A tile landed. */
  tile(tile: RenderedTile): void {
    const shown = this.#shown;
    if (shown === undefined) return;
    const rect = shown.canvas.paint(tile);
    if (rect === undefined) return;
    for (const [client, dirty] of this.#clients) {
      this.#clients.set(client, unionRect(dirty, rect));
    }
    this.#schedule();
  }

  /** The render's progress; only the latest is sent. */
  progress(progress: RenderProgress): void {
    const shown = this.#shown;
    if (shown === undefined) return;
    shown.progress = {
      type: "progress",
      generation: shown.message.generation,
      ...progress,
      pixelsTotal: shown.message.width * shown.message.height,
    };
    this.#progressPending = true;
    this.#schedule();
  }

  /** The image was written: it becomes the last good one. */
  written(timings: PreviewTimings): void {
    const shown = this.#shown;
    if (shown === undefined) return;
    // The page must have every pixel before it is told the image is done.
    this.#flush(true);
    this.#lastGood = {
      message: shown.message,
      canvas: shown.canvas.clone(),
      progress: shown.progress,
    };
    this.#outcome = {
      type: "written",
      generation: shown.message.generation,
      output: shown.message.output,
      width: shown.message.width,
      height: shown.message.height,
      timings,
    };
    this.#broadcast(this.#outcome);
  }

  /** The scene or the render failed: show `message` and the last good image again. */
  failed(message: string): void {
    this.#flush();
    const good = this.#lastGood;
    if (good !== undefined) {
      this.#show({
        message: { ...good.message, generation: ++this.#generation },
        canvas: good.canvas.clone(),
        progress: good.progress &&
          { ...good.progress, generation: this.#generation },
      }, true);
      this.#flush(true);
    }
    this.#outcome = { type: "failed", message };
    this.#broadcast(this.#outcome);
  }

  /** Stops the timer; pages get nothing more. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #show(shown: Shown, repaint: boolean): void {
    this.#shown = shown;
    this.#broadcast(shown.message);
    // Otherwise the page's canvas already matches: blank when resized, as ours is, or with
    // the same pixels kept.
    if (repaint) {
      for (const client of this.#clients.keys()) {
        this.#clients.set(client, fullRect(shown.canvas));
      }
    }
    if (shown.progress !== undefined) this.#progressPending = true;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#intervalMs);
  }

  /** Sends what changed; `force` sends even to pages that are behind (before an outcome). */
  #flush(force = false): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let behind = false;
    for (const client of this.#clients.keys()) {
      if (!this.#flushTo(client, force)) behind = true;
    }
    const progress = this.#shown?.progress;
    if (this.#progressPending && progress !== undefined) {
      this.#broadcast(progress);
    }
    this.#progressPending = false;
    if (behind) this.#schedule();
  }

  /** Sends `client` its changed rectangle; false when it is too far behind to take it now. */
  #flushTo(client: PreviewClient, force = false): boolean {
    const dirty = this.#clients.get(client);
    const shown = this.#shown;
    if (dirty === undefined || shown === undefined) return true;
    if (!force && client.bufferedAmount > this.#maxBufferedBytes) return false;
    this.#clients.set(client, undefined);
    const { canvas, message } = shown;
    this.#sendTo(
      client,
      encodePixelFrame(message.generation, canvas.pixels, canvas.width, dirty),
    );
    return true;
  }

  #broadcast(message: PreviewMessage): void {
    for (const client of this.#clients.keys()) this.#sendTo(client, message);
  }

  #sendTo(
    client: PreviewClient,
    message: PreviewMessage | Uint8Array<ArrayBuffer>,
  ): void {
    try {
      client.send(
        message instanceof Uint8Array ? message : JSON.stringify(message),
      );
    } catch {
      // A page closing as we send is simply gone; the server removes it on its close event.
      this.#clients.delete(client);
    }
  }
}

function fullRect(canvas: PreviewCanvas): CanvasRect {
  return { x: 0, y: 0, width: canvas.width, height: canvas.height };
}
