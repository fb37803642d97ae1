/**
 * Rendering on the farm: a {@linkcode RenderBackend} whose tiles are rendered by render nodes.
 * It uploads the packed scene, enqueues the plan's tiles in jobs of whole tiles, and puts the
 * pieces the nodes send back together, band by band, exactly as a local render would have
 * them. Every message is untrusted: garbage, pieces off the plan's grid and failures the
 * server does not confirm are refused and counted, never fatal; the image is exact or not
 * written at all.
 *
 * @module
 */

import { abortable, abortError } from "../_abort.ts";
import { show } from "../_format.ts";
import type {
  BackendReport,
  BandSink,
  RenderBackend,
} from "../render/backend.ts";
import { packScene } from "../render/packed_scene.ts";
import {
  optionError,
  planRender,
  type RenderOptions,
  type RenderPlan,
  resolveScene,
  splitTiles,
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
  MAX_JOB_PIXELS,
  newRenderId,
  NODES_CONSUMER,
  pieceMessageBytes,
  PROTOCOL_VERSION,
  RESULTS_STREAM,
  resultSubject,
} from "./protocol.ts";
import { uploadPacked } from "./scene_store.ts";

/**
 * The edge a farm job aims for, in pixels: jobs are squares of whole tiles of the render
 * plan, as many as make about this. Every job is a render call on its node, which waits for
 * its slowest tile before the next job starts, and costs messages: measured with
 * `deno task bench:farm` (2 cores, one node) at 3840×2160, 256-pixel jobs took 2.27× the
 * local time, 512-pixel jobs 1.78×.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FARM_JOB_EDGE } from "./submit.ts";
 * assert.equal(FARM_JOB_EDGE, 512);
 * ```
 */
export const FARM_JOB_EDGE = 512;

/** Jobs a render is cut into at least (when it has that many tiles), to spread over nodes. */
const MIN_JOBS = 16;

/** Default seconds without any node taking a job before a render gives up. */
export const FARM_DEFAULT_TIMEOUT_SECONDS = 60;

/** Memory for bands waiting for pieces; jobs further ahead are enqueued later. */
const PENDING_BAND_BYTES = 128 * 1024 * 1024;

/** How long a confirmed final failure waits for pieces of its job already on their way. */
const FAILURE_GRACE_MS = 2_000;

/**
 * Where the farm is and how long to wait for it: what {@linkcode farmBackend} needs beyond
 * the plan.
 *
 * @example
 * ```ts
 * import type { FarmBackendOptions } from "./submit.ts";
 * const options: FarmBackendOptions = { server: "nats://127.0.0.1:4222", timeoutSeconds: 30 };
 * ```
 */
export interface FarmBackendOptions extends FarmConnectionOptions {
  /**
   * Seconds without any node taking a job (none holds one, no result arrives) before the
   * render fails; default {@linkcode FARM_DEFAULT_TIMEOUT_SECONDS}.
   */
  timeoutSeconds?: number;
}

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
export interface FarmRenderOptions extends RenderOptions, FarmBackendOptions {}

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
 * The jobs of a plan: squares of whole tiles (`splitTiles` of the region at a multiple of the
 * tile size, so each job's `splitTiles` gives exactly the plan's tiles inside it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { farmJobRects } from "./submit.ts";
 * const jobs = farmJobRects({ x: 0, y: 0, width: 4000, height: 2000 }, 64);
 * assert.deepEqual(jobs.slice(0, 8).map((r) => r.width), [512, 512, 512, 512, 512, 512, 512, 416]);
 * // A small image: jobs of fewer tiles, so that several nodes share it.
 * assert.equal(farmJobRects({ x: 0, y: 0, width: 256, height: 256 }, 64).length, 16);
 * ```
 */
export function farmJobRects(region: Region, tileSize: number): Region[] {
  let perSide = Math.max(
    1,
    Math.min(
      Math.round(FARM_JOB_EDGE / tileSize),
      Math.floor(Math.sqrt(MAX_JOB_PIXELS) / tileSize),
    ),
  );
  // A small image is still spread over several nodes: smaller jobs until there are enough.
  const jobs = (n: number) =>
    Math.ceil(region.width / (tileSize * n)) *
    Math.ceil(region.height / (tileSize * n));
  while (perSide > 1 && jobs(perSide) < MIN_JOBS) perSide--;
  return splitTiles(region, tileSize * perSide);
}

/**
 * The farm as a {@linkcode RenderBackend}: the plan's tiles are rendered by the nodes
 * attached to the NATS JetStream server of `options.server`.
 *
 * @throws {FarmConnectError} when the server cannot be reached or refuses the credentials.
 * @throws {FarmTimeoutError} when no node takes a job for `timeoutSeconds`.
 * @throws {FaultyNodeError} when two nodes send different pixels for one tile.
 * @throws {RangeError} with `option` "tileSize" when tiles are too big for the server's
 * `max_payload`.
 * @throws {Error} naming the tile when a job fails on every delivery.
 *
 * @example
 * ```ts
 * import { farmBackend } from "./submit.ts";
 * const backend = farmBackend({ server: "nats://127.0.0.1:4222" });
 * void backend.renderBands;
 * ```
 */
export function farmBackend(options: FarmBackendOptions): RenderBackend {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const timeoutMs = 1000 *
    (options.timeoutSeconds === undefined
      ? FARM_DEFAULT_TIMEOUT_SECONDS
      : positiveSeconds(options.timeoutSeconds));
  return {
    // Withdrawing the jobs takes a few round trips to the server, slower on a busy one.
    abortGraceMs: 15_000,
    renderBands: (plan, bands, sink) =>
      renderFarmBands(options, timeoutMs, plan, bands, sink),
  };
}

async function renderFarmBands(
  options: FarmConnectionOptions,
  timeoutMs: number,
  plan: RenderPlan,
  bands: readonly Region[],
  sink: BandSink,
): Promise<BackendReport> {
  const { region, signal, onProgress, tileSize, scene } = plan;
  if ("packed" in scene) {
    throw new TypeError("the farm renders a Scene, not packed bytes");
  }
  const bandRows = bands[0]?.height ?? region.height;
  if (signal?.aborted) throw abortError(signal);
  const tiles = splitTiles(region, tileSize).length;
  const rects = farmJobRects(region, tileSize);
  const packed = packScene(scene);

  const farm = await abortable(
    connectFarm(options, "raypool-submitter"),
    signal,
    { onLateValue: (farm) => void farm.connection.close().catch(() => {}) },
  );
  const start = performance.now();
  const renderId = newRenderId();
  try {
    const maxPayload = farm.connection.info?.max_payload ?? 1024 * 1024;
    const pieceBytes = pieceMessageBytes(
      Math.min(tileSize, Math.max(region.width, region.height)),
    );
    if (pieceBytes > maxPayload) {
      throw optionError(
        RangeError,
        "tileSize",
        `must be at most ${
          Math.floor(Math.sqrt((maxPayload - pieceMessageBytes(0)) / 4))
        } on the farm at ${farm.server.display} (its max_payload is ${maxPayload} bytes), got ${tileSize}`,
      );
    }
    const sceneHash = await abortable(
      uploadPacked(farm.scenes, packed),
      signal,
    );
    const { width, height, fov, samples, camera } = plan.view;
    const jobs: JobMessage[] = rects.map((rect, job) => ({
      kind: "job",
      version: PROTOCOL_VERSION,
      renderId,
      job,
      build: BUILD,
      scene: sceneHash,
      view: {
        width,
        height,
        fov,
        samples,
        ...(camera === undefined ? {} : { camera }),
      },
      rect,
      tileSize,
    }));
    const run = new FarmRun(farm, renderId, jobs, {
      region,
      bandRows,
      tileSize,
      onBand: (y, rgba) =>
        sink({
          x: region.x,
          y,
          width: region.width,
          height: Math.min(bandRows, region.y + region.height - y),
        }, rgba),
      timeoutMs,
      signal,
      onProgress: (piecesDone, pixelsDone) =>
        onProgress?.({
          tilesDone: piecesDone,
          tilesTotal: tiles,
          pixelsDone,
          elapsedMs: performance.now() - start,
        }),
    });
    const { nodes, ignored } = await run.run();
    return {
      tiles,
      renderMs: performance.now() - start,
      by: {
        kind: "farm",
        server: farm.server.display,
        nodes,
        jobs: jobs.length,
        ignored,
      },
    };
  } finally {
    await farm.connection.close().catch(() => {});
  }
}

/**
 * Renders `scene` on a render farm: NATS JetStream with render nodes
 * ({@linkcode startFarmNode}, or `raypool farm-node`) attached. The pixels are exactly those
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
 * // server: e.g. "nats://farm.local:4222", with nodes started by `raypool farm-node`.
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
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const {
    server,
    credentials,
    token,
    user,
    password,
    timeoutSeconds,
    ...renderOptions
  } = options;
  const backend = farmBackend({
    server,
    ...(credentials === undefined ? {} : { credentials }),
    ...(token === undefined ? {} : { token }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  });
  const prepared = await resolveScene(scene, renderOptions.signal);
  const plan = planRender(prepared, renderOptions, 1);
  let data: Uint8Array = new Uint8Array(0);
  await backend.renderBands(plan, [plan.region], (_band, rgba) => {
    data = rgba;
    return Promise.resolve();
  });
  return { width: plan.region.width, height: plan.region.height, data };
}

function positiveSeconds(value: unknown): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `timeoutSeconds must be a positive number, got ${show(value)}`,
    );
  }
  return value;
}

interface RunOptions {
  region: Region;
  bandRows: number;
  tileSize: number;
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
  /** Job index → its stream sequence. */
  readonly #sequenceOfJob = new Map<number, number>();
  /** Results refused: malformed, of another render, off the grid, unconfirmed failures. */
  #ignored = 0;
  /** Final failures the server confirmed, waiting out their grace period. */
  readonly #failing = new Map<number, ReturnType<typeof setTimeout>>();
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
      options.tileSize,
      options.onBand,
    );
  }

  #fail(error: unknown) {
    this.#failure ??= { error };
    this.#stopConsuming();
  }

  async run(): Promise<{ nodes: string[]; ignored: number }> {
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
        let result;
        try {
          result = decodeResult(message.data);
        } catch {
          this.#ignored++;
          continue;
        }
        if (result.renderId !== this.#renderId) {
          this.#ignored++;
          continue;
        }
        switch (result.kind) {
          case "piece": {
            const outcome = this.#assembler.add(result);
            if (outcome.kind === "refused") {
              this.#ignored++;
              break;
            }
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
            // Only a failure the server confirms counts: the job is no longer queued (its
            // last node ended it) and none of its pieces follow within the grace period.
            if (
              !result.final || this.#jobs[result.job] === undefined ||
              this.#assembler.jobDone(result.job) ||
              this.#failing.has(result.job) ||
              !(await this.#jobEnded(result.job))
            ) {
              if (result.final) this.#ignored++;
              break;
            }
            this.#failing.set(
              result.job,
              setTimeout(() => {
                if (this.#assembler.jobDone(result.job)) return;
                this.#fail(
                  new Error(
                    `tile ${
                      describeRect(this.#jobs[result.job].rect)
                    } failed on every attempt (last on node ${result.node}): ${result.message}`,
                  ),
                );
              }, FAILURE_GRACE_MS),
            );
            break;
          default:
            this.#ignored++;
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
      return { nodes: [...this.#nodes].sort(), ignored: this.#ignored };
    } catch (error) {
      const reason = this.#failure?.error ?? error;
      this.#failure ??= { error };
      await this.#cleanUp(true);
      throw reason;
    } finally {
      clearInterval(watchdog);
      for (const timer of this.#failing.values()) clearTimeout(timer);
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
          ).then((ack) => {
            this.#jobBySequence.set(ack.seq, job.job);
            this.#sequenceOfJob.set(job.job, ack.seq);
          })
        ),
      );
    }
  }

  /** Whether the server no longer holds job `job` (done or ended by its last node). */
  async #jobEnded(job: number): Promise<boolean> {
    const seq = this.#sequenceOfJob.get(job);
    if (seq === undefined) return false;
    try {
      const message = await this.#farm.jsm.streams.getMessage(JOBS_STREAM, {
        seq,
      });
      return message === null;
    } catch (error) {
      return /no message found|not found/i.test(String(error));
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
