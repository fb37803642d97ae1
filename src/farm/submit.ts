/**
 * Rendering on the farm: upload the scene, enqueue one job per tile, and put the pixels the
 * nodes send back together, band by band, exactly as a local render would have them.
 *
 * @module
 */

import { show } from "../_format.ts";
import {
  planRender,
  type RenderOptions,
  resolveScene,
} from "../render/plan.ts";
import type { RenderedImage, Scene, SceneDescription } from "../types.ts";
import type { Region } from "../types.ts";
import { BandAssembler, describeRect } from "./assembly.ts";
import {
  connectFarm,
  type FarmConnection,
  type FarmConnectionOptions,
} from "./connection.ts";
import {
  BUILD,
  CANCEL_SUBJECT,
  decodeResult,
  encodeJob,
  type JobMessage,
  JOBS_STREAM,
  jobSubject,
  MAX_DELIVER,
  NODES_CONSUMER,
  PROTOCOL_VERSION,
  RESULTS_STREAM,
  resultSubject,
} from "./protocol.ts";
import { uploadScene } from "./scene_store.ts";

/**
 * The tile edge of a farm job when `tileSize` is not given. Much bigger than a local render's
 * tile: every job is a render call on its node, which waits for its slowest tile before the
 * next job starts, and costs messages. Measured with `deno task bench:farm` (2 cores, one
 * node): at 3840×2160, 256-pixel jobs (135) took 2.27× the local time, 512-pixel jobs (40)
 * 1.78×. A 512-pixel job splits into 16 pieces of 128 pixels for the node's workers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FARM_DEFAULT_TILE_SIZE } from "./submit.ts";
 * assert.equal(FARM_DEFAULT_TILE_SIZE, 512);
 * ```
 */
export const FARM_DEFAULT_TILE_SIZE = 512;

/** Default seconds without any node taking a job before a render gives up. */
export const FARM_DEFAULT_TIMEOUT_SECONDS = 60;

/** Memory for bands waiting for pieces; jobs further ahead are enqueued later. */
const PENDING_BAND_BYTES = 128 * 1024 * 1024;

/**
 * Options for {@linkcode renderOnFarm}: those of a local render (but `workers`, which each
 * node decides for itself), plus where the farm is.
 *
 * @example
 * ```ts
 * import type { FarmRenderOptions } from "./submit.ts";
 * const options: FarmRenderOptions = { server: "nats://127.0.0.1:4222", width: 640, height: 480 };
 * ```
 */
export interface FarmRenderOptions
  extends RenderOptions, FarmConnectionOptions {
  /**
   * Seconds without any node taking a job (none holds one, no result arrives) before the
   * render fails; default {@linkcode FARM_DEFAULT_TIMEOUT_SECONDS}.
   */
  timeoutSeconds?: number;
}

/**
 * No node took a job for the whole timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FarmTimeoutError } from "./submit.ts";
 * assert.equal(new FarmTimeoutError("x").name, "FarmTimeoutError");
 * ```
 */
export class FarmTimeoutError extends Error {
  /** Makes one; the message names the server. */
  constructor(message: string) {
    super(message);
    this.name = "FarmTimeoutError";
  }
}

/**
 * How a farm render hands its pixels on: `bandRows` rows at a time, in order.
 *
 * @example
 * ```ts
 * import type { FarmBands } from "./submit.ts";
 * const bands: FarmBands = { bandRows: 256, onBand: () => Promise.resolve() };
 * ```
 */
export interface FarmBands {
  /** Rows per band; default the whole region at once. */
  bandRows?: number;
  /** Receives each band's top row (full-image coordinates) and its RGBA8, in order. */
  onBand(y: number, rgba: Uint8Array): Promise<void>;
}

/**
 * What a farm render did.
 *
 * @example
 * ```ts
 * import type { FarmRenderResult } from "./submit.ts";
 * const line = (r: FarmRenderResult) => `${r.jobs} jobs on ${r.nodes.length} nodes`;
 * ```
 */
export interface FarmRenderResult {
  /** Width of the region rendered. */
  width: number;
  /** Height of the region rendered. */
  height: number;
  /** Jobs (farm tiles). */
  jobs: number;
  /** Pieces received (the progress reports' tiles). */
  tiles: number;
  /** Names of the nodes that sent pixels, sorted. */
  nodes: string[];
  /** Milliseconds from connecting until the last band was handed on. */
  renderMs: number;
}

function randomId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(8)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

function grid(region: Region, size: number): Region[] {
  const rects: Region[] = [];
  for (let y = region.y; y < region.y + region.height; y += size) {
    const height = Math.min(size, region.y + region.height - y);
    for (let x = region.x; x < region.x + region.width; x += size) {
      rects.push({
        x,
        y,
        width: Math.min(size, region.x + region.width - x),
        height,
      });
    }
  }
  return rects;
}

/**
 * Pieces a job is split into by its node: small enough to spread over the node's workers,
 * large enough that messages cost little (128-pixel pieces: 1.29× the local time at
 * 3840×2160 where 64-pixel ones took 1.43×, `deno task bench:farm` on 2 cores).
 */
function pieceSizeFor(jobSize: number): number {
  return Math.min(128, Math.max(8, Math.ceil(jobSize / 4)));
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("aborted", "AbortError");
}

/**
 * Renders `scene` on the farm and hands the pixels on band by band through `bands`: the
 * building block of {@linkcode renderOnFarm} and of the CLI's streaming PNG output, which
 * keeps only the bands still waiting for pieces in memory.
 *
 * @throws {FarmConnectError} when the server cannot be reached or refuses the credentials.
 * @throws {FarmTimeoutError} when no node takes a job for `timeoutSeconds`.
 * @throws {FaultyNodeError} when two nodes send different pixels for one tile.
 * @throws {Error} naming the tile when a job fails on every delivery.
 * @throws {TypeError | RangeError} for a scene the validator rejects or a bad option.
 */
export async function renderBandsOnFarm(
  scene: Scene | SceneDescription,
  options: FarmRenderOptions,
  bands: FarmBands,
): Promise<FarmRenderResult> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `options must be an object, got ${show(options)}`,
    );
  }
  const prepared = await resolveScene(scene, options.signal);
  const {
    server: _server,
    credentials: _credentials,
    timeoutSeconds,
    ...rest
  } = options;
  const plan = planRender(prepared, rest, 1);
  const timeoutMs = 1000 *
    (timeoutSeconds === undefined
      ? FARM_DEFAULT_TIMEOUT_SECONDS
      : positiveSeconds(timeoutSeconds));
  const { region, signal, onProgress } = plan;
  const bandRows = bands.bandRows ?? region.height;
  if (!Number.isSafeInteger(bandRows) || bandRows < 1) {
    throw new RangeError(
      `bandRows must be a positive integer, got ${bandRows}`,
    );
  }
  if (signal?.aborted) throw abortError(signal);
  const jobSize = options.tileSize ?? FARM_DEFAULT_TILE_SIZE;
  const pieceSize = pieceSizeFor(jobSize);
  const rects = grid(region, jobSize);
  const piecesTotal = rects.reduce(
    (sum, rect) =>
      sum +
      Math.ceil(rect.width / pieceSize) * Math.ceil(rect.height / pieceSize),
    0,
  );

  const farm = await connectFarm(options, "raypool-submitter");
  const start = performance.now();
  const renderId = randomId();
  try {
    const sceneHash = await abortable(
      uploadScene(farm.scenes, prepared),
      signal,
    );
    const jobs: JobMessage[] = rects.map((rect, job) => ({
      kind: "job",
      version: PROTOCOL_VERSION,
      renderId,
      job,
      build: BUILD,
      scene: sceneHash,
      width: plan.view.width,
      height: plan.view.height,
      samples: plan.view.samples,
      rect,
      pieceSize,
    }));
    const run = new FarmRun(farm, renderId, jobs, {
      region,
      bandRows,
      onBand: bands.onBand,
      timeoutMs,
      signal,
      onProgress: (piecesDone, pixelsDone) =>
        onProgress?.({
          tilesDone: piecesDone,
          tilesTotal: piecesTotal,
          pixelsDone,
          elapsedMs: performance.now() - start,
        }),
    });
    const nodes = await run.run();
    return {
      width: region.width,
      height: region.height,
      jobs: jobs.length,
      tiles: piecesTotal,
      nodes,
      renderMs: performance.now() - start,
    };
  } finally {
    await farm.connection.close().catch(() => {});
  }
}

/**
 * Renders `scene` on a render farm: NATS JetStream with render nodes
 * ({@linkcode startFarmNode}, or `deno task farm-node`) attached. The pixels are exactly those
 * of a local {@linkcode render} with the same options, whichever nodes rendered them. Nodes
 * that die mid-render have their jobs taken over by others; a server restart is waited out.
 *
 * @throws {FarmConnectError} when the server cannot be reached or refuses the credentials.
 * @throws {FarmTimeoutError} when no node takes a job for `timeoutSeconds` (default 60).
 * @throws {FaultyNodeError} when two nodes send different pixels for one tile.
 * @throws {DOMException} named `AbortError` when `signal` aborts; the render's remaining
 * jobs are withdrawn from the farm first.
 *
 * @example Render a poster on a farm (type-checked; calling it needs a NATS server with JetStream)
 * ```ts
 * import { encodePng, loadScene, renderOnFarm } from "../../mod.ts";
 *
 * // server: e.g. "nats://farm.local:4222", with nodes started by `deno task farm-node`.
 * export async function renderPoster(server: string): Promise<void> {
 *   const scene = await loadScene("examples/showcase.json");
 *   const image = await renderOnFarm(scene, {
 *     server,
 *     width: 3840,
 *     height: 2160,
 *     samples: 16,
 *     timeoutSeconds: 30,
 *     onProgress: ({ tilesDone, tilesTotal }) => console.log(`${tilesDone}/${tilesTotal}`),
 *   });
 *   await Deno.writeFile("out/poster.png", await encodePng(image));
 * }
 * ```
 */
export async function renderOnFarm(
  scene: Scene | SceneDescription,
  options: FarmRenderOptions,
): Promise<RenderedImage> {
  let data: Uint8Array = new Uint8Array(0);
  const { width, height } = await renderBandsOnFarm(scene, options, {
    onBand: (_y, rgba) => {
      data = rgba;
      return Promise.resolve();
    },
  });
  return { width, height, data };
}

function positiveSeconds(value: unknown): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `timeoutSeconds must be a positive number, got ${show(value)}`,
    );
  }
  return value;
}

function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}

interface RunOptions {
  region: Region;
  bandRows: number;
  onBand: (y: number, rgba: Uint8Array) => Promise<void>;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: (piecesDone: number, pixelsDone: number) => void;
}

/** One render on the farm, from enqueueing its first job to cleaning up after it. */
class FarmRun {
  readonly #farm: FarmConnection;
  readonly #renderId: string;
  readonly #jobs: JobMessage[];
  readonly #options: RunOptions;
  readonly #assembler: BandAssembler;
  readonly #nodes = new Set<string>();
  #enqueued = 0;
  /** Stream sequence → job index, from the server's acknowledgements. */
  readonly #jobBySequence = new Map<number, number>();
  #failure: { error: unknown } | undefined;
  #stopConsuming: () => void = () => {};

  constructor(
    farm: FarmConnection,
    renderId: string,
    jobs: JobMessage[],
    options: RunOptions,
  ) {
    this.#farm = farm;
    this.#renderId = renderId;
    this.#jobs = jobs;
    this.#options = options;
    this.#assembler = new BandAssembler(
      options.region,
      options.bandRows,
      jobs,
      options.onBand,
    );
  }

  #fail(error: unknown) {
    this.#failure ??= { error };
    this.#stopConsuming();
  }

  async run(): Promise<string[]> {
    const { js } = this.#farm;
    const { signal } = this.#options;
    const onAbort = () => this.#fail(abortError(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    let lastActivity = performance.now();
    let serverAnswers = true;
    const display = this.#farm.server.display;
    const seconds = Math.round(this.#options.timeoutMs / 1000);
    const watchdog = setInterval(async () => {
      try {
        const info = await this.#farm.jsm.consumers.info(
          JOBS_STREAM,
          NODES_CONSUMER,
        );
        serverAnswers = true;
        if (info.num_ack_pending > 0) lastActivity = performance.now();
      } catch {
        // The server is away (restarting?): the timeout still runs.
        serverAnswers = false;
      }
      if (performance.now() - lastActivity > this.#options.timeoutMs) {
        this.#fail(
          new FarmTimeoutError(
            serverAnswers
              ? `no render node is taking jobs from ${display} (none for ${seconds} s); ` +
                `start one with: deno task farm-node --server ${display}`
              : `the farm server ${display} is not answering (nothing for ${seconds} s)`,
          ),
        );
      }
    }, Math.min(1000, this.#options.timeoutMs / 4));
    // A job whose every delivery ended without a result (its nodes died on it, or handed it
    // back) is dropped by the server, which says so in an advisory.
    const advisories = this.#farm.connection.subscribe(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOBS_STREAM}.${NODES_CONSUMER}`,
      {
        callback: (_error, message) => {
          let sequence: unknown;
          try {
            sequence = (message.json() as { stream_seq?: unknown }).stream_seq;
          } catch {
            return;
          }
          const job = this.#jobBySequence.get(sequence as number);
          if (job === undefined) return;
          this.#fail(
            new Error(
              `tile ${
                describeRect(this.#jobs[job].rect)
              } was handed to nodes ${MAX_DELIVER} times and never finished (nodes died or gave it back each time)`,
            ),
          );
        },
      },
    );
    try {
      const consumer = await js.consumers.get(RESULTS_STREAM, {
        filter_subjects: resultSubject(this.#renderId),
      });
      // Short pull requests and heartbeats: after a server restart the pull pending on the old
      // server is gone, and this notices within seconds rather than the default 30.
      const messages = await consumer.consume({
        max_messages: 512,
        expires: 4_000,
        idle_heartbeat: 1_000,
      });
      this.#stopConsuming = () => messages.stop();
      if (this.#failure !== undefined) messages.stop();
      const enqueuing = this.#enqueueAhead().catch((error) =>
        this.#fail(error)
      );
      let pieces = 0;
      let pixels = 0;
      for await (const message of messages) {
        lastActivity = performance.now();
        const result = decodeResult(message.data);
        if (result.renderId !== this.#renderId) continue;
        switch (result.kind) {
          case "piece": {
            const outcome = this.#assembler.add(result);
            if (outcome.kind === "duplicate") break;
            this.#nodes.add(result.node);
            pieces++;
            pixels += outcome.pixels;
            this.#options.onProgress(pieces, pixels);
            const bandBefore = this.#assembler.nextBand;
            await this.#assembler.flush();
            if (this.#assembler.done) messages.stop();
            else if (this.#assembler.nextBand !== bandBefore) {
              this.#enqueueAhead().catch((error) => this.#fail(error));
            }
            break;
          }
          case "failed":
            if (result.final) {
              throw new Error(
                `tile ${
                  describeRect(this.#jobs[result.job]?.rect ?? result)
                } failed on every attempt (last on node ${result.node}): ${result.message}`,
              );
            }
            break;
          default:
            throw new TypeError(
              `unknown result ${
                JSON.stringify((result as { kind: unknown }).kind)
              }`,
            );
        }
        if (this.#failure !== undefined) break;
      }
      await enqueuing;
      if (this.#failure !== undefined) throw this.#failure.error;
      if (!this.#assembler.done) {
        throw new Error(
          `the results from ${this.#farm.server.display} ended before the image was complete`,
        );
      }
      await this.#cleanUp(false);
      return [...this.#nodes].sort();
    } catch (error) {
      const reason = this.#failure?.error ?? error;
      this.#failure ??= { error };
      await this.#cleanUp(true);
      throw reason;
    } finally {
      clearInterval(watchdog);
      advisories.unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Enqueues the jobs whose rows fall within the bands that may be held in memory. */
  async #enqueueAhead(): Promise<void> {
    const { region, bandRows } = this.#options;
    const bandBytes = region.width * bandRows * 4;
    // At least the bands one job can span (plus the one being finished), or a job taller
    // than the window would never be enqueued.
    const jobRows = this.#jobs[0]?.rect.height ?? 1;
    const bandsAhead = Math.max(
      2 + Math.ceil(jobRows / bandRows),
      Math.floor(PENDING_BAND_BYTES / bandBytes),
    );
    const limit = this.#assembler.nextBand + bandsAhead;
    const batch: JobMessage[] = [];
    while (this.#enqueued < this.#jobs.length) {
      const job = this.#jobs[this.#enqueued];
      if (this.#assembler.bandOf(job.rect.y + job.rect.height - 1) >= limit) {
        break;
      }
      batch.push(job);
      this.#enqueued++;
    }
    // In parallel (the server acknowledges each), retried through a server restart; the
    // message id makes a retried publish count once.
    const subject = jobSubject(this.#renderId);
    for (let i = 0; i < batch.length; i += 256) {
      await Promise.all(
        batch.slice(i, i + 256).map((job) =>
          this.#retry(() =>
            this.#farm.js.publish(subject, encodeJob(job), {
              msgID: `${this.#renderId}.${job.job}`,
            })
          ).then((ack) => this.#jobBySequence.set(ack.seq, job.job))
        ),
      );
    }
  }

  async #retry<T>(action: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      if (this.#failure !== undefined) throw this.#failure.error;
      try {
        return await action();
      } catch (error) {
        if (attempt >= 120) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * Removes the render's traces: its results, and, when it stops early, its remaining jobs,
   * and tells the nodes to drop the jobs they hold.
   */
  async #cleanUp(withdraw: boolean) {
    const { jsm, connection } = this.#farm;
    const attempts: Promise<unknown>[] = [];
    if (withdraw) {
      attempts.push(
        jsm.streams.purge(JOBS_STREAM, { filter: jobSubject(this.#renderId) }),
      );
      connection.publish(CANCEL_SUBJECT, this.#renderId);
    }
    attempts.push(
      jsm.streams.purge(RESULTS_STREAM, {
        filter: resultSubject(this.#renderId),
      }),
    );
    // A failure here must not fail a finished image: leftover results expire by themselves.
    await Promise.allSettled(attempts);
    // The cancel goes out before the connection closes.
    await connection.flush().catch(() => {});
  }
}
