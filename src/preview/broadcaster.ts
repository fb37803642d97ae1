/**
 * Sends a render's tiles and progress to every open preview page, coalesced: tiles are painted
 * into one {@linkcode PreviewCanvas} as they land, and a few times a second each page gets
 * binary frames of the rectangle that changed since its last ones, so a fast render never
 * floods a page. A page (or network) that does not keep up is sent nothing while its queue is
 * over a limit, and then the latest of everything at once: what a page costs is bounded,
 * however long it stays silent.
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
  /**
   * The most bytes a page may have queued (sent, not yet taken by its connection): past
   * this, nothing more is sent to it — not the frame on connect, not the last pixels before
   * "written" — and what it misses is coalesced (the latest of each message and the union of
   * the changed rectangles) until it catches up. Default 128 KiB; a page can thus hold at most
   * this plus one frame band ({@linkcode FRAME_BAND_BYTES}).
   */
  maxBufferedBytes?: number;
}

/** Pixel bytes of one binary frame at most: bigger rectangles go out as bands of rows. */
export const FRAME_BAND_BYTES = 64 * 1024;

/** How soon a page that is taking what it is sent, but is owed more, is sent the next part. */
const CATCH_UP_MS = 5;

type RenderMessage = Extract<PreviewMessage, { type: "render" }>;
type ProgressMessage = Extract<PreviewMessage, { type: "progress" }>;

interface Shown {
  message: RenderMessage;
  canvas: PreviewCanvas;
  progress: ProgressMessage | undefined;
}

/** How far a page got in one pump. */
type Pumped = "done" | "draining" | "stuck";

/** What one page is owed: the latest of each message, and the pixels that changed. */
interface Owed {
  /** The current render message. */
  render: boolean;
  /** The canvas rectangle the page has not been sent since it changed. */
  dirty: CanvasRect | undefined;
  /** The latest progress. */
  progress: boolean;
  /** The outcome (written or failed). */
  outcome: boolean;
  /** A render message was missed: with the next one, the page gets the whole canvas. */
  resync: boolean;
}

/**
 * Fans one render's events out to any number of pages; feed it {@linkcode RenderOptions.onTile}
 * and `onProgress`. Every page's queue is bounded ({@linkcode PreviewBroadcasterOptions}): a
 * page that does not read costs a fixed, small amount (about 200 KB), whatever it is sent; a
 * page that reads is sent the next part as soon as it has taken the last.
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
  readonly #clients = new Map<PreviewClient, Owed>();
  #generation = 0;
  #shown: Shown | undefined;
  #lastGood: Shown | undefined;
  #outcome: PreviewMessage | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Frames encoded during one flush, by generation and rectangle. */
  readonly #frames = new Map<string, Uint8Array<ArrayBuffer>>();

  /** A broadcaster with no page yet. */
  constructor(options: PreviewBroadcasterOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 200;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 128 * 1024;
  }

  /** Pages connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** A new page: it gets the current image, progress and outcome at once (as its queue allows). */
  add(client: PreviewClient): void {
    const shown = this.#shown;
    this.#clients.set(client, {
      render: shown !== undefined,
      dirty: shown === undefined ? undefined : fullRect(shown.canvas),
      progress: shown?.progress !== undefined,
      outcome: this.#outcome !== undefined,
      resync: false,
    });
    this.#after(this.#pumpOne(client));
  }

  /** A page that went away: everything owed to it is dropped. */
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
    const kept = previous !== undefined &&
      previous.width === canvas.width && previous.height === canvas.height;
    if (kept) canvas.pixels.set(previous.pixels);
    this.#outcome = undefined;
    for (const owed of this.#clients.values()) {
      owed.outcome = false;
      // A resized canvas starts blank on both sides: nothing of the old one is owed.
      if (!kept) owed.dirty = undefined;
    }
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
    for (const owed of this.#clients.values()) {
      owed.dirty = unionRect(owed.dirty, rect);
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
    for (const owed of this.#clients.values()) owed.progress = true;
    this.#schedule();
  }

  /**
   * The image was written: it becomes the last good one. Each page gets its last pixels and
   * then "written", in that order — at once, or when a page that is behind catches up.
   */
  written(timings: PreviewTimings): void {
    const shown = this.#shown;
    if (shown === undefined) return;
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
    for (const owed of this.#clients.values()) owed.outcome = true;
    this.#flush();
  }

  /** The scene or the render failed: show `message` and the last good image again. */
  failed(message: string): void {
    const good = this.#lastGood;
    if (good !== undefined) {
      this.#show({
        message: { ...good.message, generation: ++this.#generation },
        canvas: good.canvas.clone(),
        progress: good.progress &&
          { ...good.progress, generation: this.#generation },
      }, true);
    }
    this.#outcome = { type: "failed", message };
    for (const owed of this.#clients.values()) owed.outcome = true;
    this.#flush();
  }

  /** Stops the timer; pages get nothing more. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #show(shown: Shown, repaint: boolean): void {
    this.#shown = shown;
    for (const owed of this.#clients.values()) {
      // A page that never got the previous render message may not have its pixels either.
      if (owed.render) owed.resync = true;
      owed.render = true;
      owed.progress = shown.progress !== undefined;
      // Otherwise the page's canvas already matches: blank when resized, as ours is, or with
      // the same pixels kept.
      if (repaint) owed.dirty = fullRect(shown.canvas);
    }
    this.#flush();
  }

  #schedule(delayMs = this.#intervalMs): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      if (delayMs >= this.#intervalMs) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, delayMs);
  }

  /** Pumps one page, then forgets the frames encoded for it. */
  #pumpOne(client: PreviewClient): Pumped {
    try {
      return this.#pump(client);
    } finally {
      this.#frames.clear();
    }
  }

  /** Plans the next flush after pumping: soon when a page is draining, else in an interval. */
  #after(state: Pumped): void {
    if (state === "draining") this.#schedule(CATCH_UP_MS);
    else if (state === "stuck") this.#schedule();
  }

  /** Sends every page what it is owed, as far as its queue allows. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let worst: Pumped = "done";
    try {
      for (const client of this.#clients.keys()) {
        const state = this.#pump(client);
        if (state === "draining" || (state === "stuck" && worst === "done")) {
          worst = state;
        }
      }
    } finally {
      this.#frames.clear();
    }
    this.#after(worst);
  }

  /**
   * Sends `client` what it is owed, in order (the render message, the changed pixels in
   * bands, the progress, the outcome), stopping while its queue is over the limit: "done"
   * when it is owed nothing more, "draining" when it took something and is owed more,
   * "stuck" when it took nothing.
   */
  #pump(client: PreviewClient): Pumped {
    const owed = this.#clients.get(client);
    const shown = this.#shown;
    if (owed === undefined) return "done";
    let sent = false;
    const full = () => {
      if (!this.#over(client)) return false;
      blocked = sent ? "draining" : "stuck";
      return true;
    };
    let blocked: Pumped = "stuck";
    if (owed.render && shown !== undefined) {
      if (full()) return blocked;
      if (!this.#sendTo(client, shown.message)) return "done";
      sent = true;
      owed.render = false;
    }
    if (owed.resync && shown !== undefined) {
      owed.dirty = fullRect(shown.canvas);
      owed.resync = false;
    }
    while (owed.dirty !== undefined && shown !== undefined) {
      if (full()) return blocked;
      const { canvas, message } = shown;
      const rect = owed.dirty;
      const rows = Math.max(
        1,
        Math.floor(FRAME_BAND_BYTES / (4 * Math.max(1, rect.width))),
      );
      const band = { ...rect, height: Math.min(rows, rect.height) };
      owed.dirty = band.height === rect.height ? undefined : {
        ...rect,
        y: rect.y + band.height,
        height: rect.height - band.height,
      };
      // Pages owed the same band share one encoding (most pages are owed the same).
      const key =
        `${message.generation} ${band.x} ${band.y} ${band.width} ${band.height}`;
      let frame = this.#frames.get(key);
      if (frame === undefined) {
        frame = encodePixelFrame(
          message.generation,
          canvas.pixels,
          canvas.width,
          band,
        );
        this.#frames.set(key, frame);
      }
      if (!this.#sendTo(client, frame)) return "done";
      sent = true;
    }
    const progress = shown?.progress;
    if (owed.progress && progress !== undefined) {
      if (full()) return blocked;
      if (!this.#sendTo(client, progress)) return "done";
    }
    owed.progress = false;
    if (owed.outcome && this.#outcome !== undefined) {
      if (full()) return blocked;
      if (!this.#sendTo(client, this.#outcome)) return "done";
    }
    owed.outcome = false;
    return "done";
  }

  /** Whether the page's queue is over the limit. */
  #over(client: PreviewClient): boolean {
    let buffered: number;
    try {
      buffered = client.bufferedAmount;
    } catch {
      buffered = Infinity;
    }
    return !(buffered <= this.#maxBufferedBytes);
  }

  /** Sends; false when the page is gone (it is dropped then). */
  #sendTo(
    client: PreviewClient,
    message: PreviewMessage | Uint8Array<ArrayBuffer>,
  ): boolean {
    try {
      client.send(
        message instanceof Uint8Array ? message : JSON.stringify(message),
      );
      return true;
    } catch {
      // A page closing as we send is simply gone; the server removes it on its close event.
      this.#clients.delete(client);
      return false;
    }
  }
}

function fullRect(canvas: PreviewCanvas): CanvasRect {
  return { x: 0, y: 0, width: canvas.width, height: canvas.height };
}
