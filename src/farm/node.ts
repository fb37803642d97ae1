/**
 * A render node: takes jobs from the farm's work queue, renders them on its own worker pool,
 * publishes the pixels and acknowledges the job.
 *
 * @module
 */

import {
  planPacked,
  type RenderOptions,
  type RenderPlan,
} from "../render/plan.ts";
import { Renderer, renderPlanned } from "../render/renderer.ts";
import { checkSamples } from "../render/options.ts";
import { errorMessage } from "../_errors.ts";
import {
  connectFarm,
  type FarmConnection,
  type FarmConnectionOptions,
} from "./connection.ts";
import {
  BUILD,
  CANCEL_SUBJECT,
  decodeJob,
  encodeResult,
  type JobMessage,
  JOBS_STREAM,
  MAX_DELIVER,
  NODES_CONSUMER,
  RENDER_ID,
  resultSubject,
  WORKING_INTERVAL_MS,
} from "./protocol.ts";
import {
  type ChunkCache,
  MAX_PACKED_SCENE_BYTES,
  readPacked,
} from "./scene_store.ts";

/**
 * What a node reports as it works (for logs).
 *
 * @example
 * ```ts
 * import type { FarmNodeEvent } from "./node.ts";
 * const log = (e: FarmNodeEvent) => e.kind === "job" ? `${e.renderId}#${e.job}` : e.kind;
 * ```
 */
export type FarmNodeEvent =
  | { kind: "ready"; name: string; server: string; workers: number }
  | {
    kind: "job";
    renderId: string;
    job: number;
    /** Pixels rendered. */
    pixels: number;
    ms: number;
  }
  | { kind: "failed"; renderId: string; job: number; message: string }
  | { kind: "cancelled"; renderId: string }
  | { kind: "trouble"; message: string }
  | { kind: "stopped"; jobs: number };

/**
 * Options for {@linkcode startFarmNode}.
 *
 * @example
 * ```ts
 * import type { FarmNodeOptions } from "./node.ts";
 * const options: FarmNodeOptions = { server: "nats://127.0.0.1:4222", workers: 2, name: "box1" };
 * ```
 */
export interface FarmNodeOptions extends FarmConnectionOptions {
  /** Render workers; default all cores. */
  workers?: number;
  /** The node's name in results and errors; default `hostname-pid`. */
  name?: string;
  /** Aborting stops the node as {@linkcode FarmNode.stop} does. */
  signal?: AbortSignal;
  /** Called with each event. */
  onEvent?: (event: FarmNodeEvent) => void;
  /**
   * The largest packed scene taken, in bytes, stored and inflated alike; checked before it is
   * allocated. Default {@linkcode MAX_PACKED_SCENE_BYTES}.
   */
  maxSceneBytes?: number;
  /**
   * Milliseconds without a job after which the node lets go of its scenes and workers, so an
   * idle node holds little memory; default 10,000.
   */
  idleReleaseMs?: number;
}

/**
 * A running render node.
 *
 * @example
 * ```ts
 * import type { FarmNode } from "./node.ts";
 * const stopLater = (node: FarmNode) => setTimeout(() => node.stop(), 1000);
 * ```
 */
export interface FarmNode {
  /** Its name. */
  readonly name: string;
  /** Settles once the node has stopped (rejects only on an unexpected failure). */
  readonly finished: Promise<void>;
  /**
   * Stops taking jobs, hands back (naks) the ones it holds so other nodes take them at once,
   * and closes the connection and the workers.
   */
  stop(): Promise<void>;
  /** Same as `stop`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Jobs held at once: one rendering, one fetched and waiting, so the workers never idle. */
const HELD_JOBS = 2;
/** Scenes kept fetched; an animation's frames are one scene each. */
const SCENE_CACHE = 4;
/** Bytes of scene chunks kept for the next scenes (an animation's frames share most). */
const CHUNK_CACHE_BYTES = 256 * 1024 * 1024;
/** Withdrawn renders remembered, so their queued jobs are dropped unrendered. */
const CANCELLED_MEMORY = 1024;

function defaultName(): string {
  let host = "node";
  try {
    host = Deno.hostname();
  } catch {
    // No --allow-sys=hostname: the pid alone still tells processes apart.
  }
  return `${host}-${Deno.pid}`;
}

/**
 * Starts a render node: connects to the farm (creating its streams if needed), and takes jobs
 * until stopped. While a job renders the node tells the server it is still working on it, so
 * a node that dies has its jobs handed to others within seconds. A server restart is waited
 * out: the node reconnects and carries on.
 *
 * @throws {FarmConnectError} when the server cannot be reached or refuses the credentials.
 *
 * @example Run a node until Ctrl-C (type-checked; calling it needs a NATS server with JetStream)
 * ```ts
 * import { startFarmNode } from "../../mod.ts";
 *
 * // server: e.g. "nats://farm.local:4222"; a token, if the server wants one, in `token`.
 * export async function serve(server: string): Promise<void> {
 *   const controller = new AbortController();
 *   Deno.addSignalListener("SIGINT", () => controller.abort());
 *   const node = await startFarmNode({ server, workers: 2, signal: controller.signal });
 *   console.log(`node ${node.name} is taking jobs`);
 *   await node.finished; // after Ctrl-C, once its jobs are handed back
 * }
 * ```
 */
export async function startFarmNode(
  options: FarmNodeOptions,
): Promise<FarmNode> {
  const name = options.name ?? defaultName();
  if (!/^[\w.-]{1,64}$/.test(name)) {
    throw new TypeError(
      `node name must be 1–64 letters, digits, '.', '_' or '-', got ${
        JSON.stringify(name)
      }`,
    );
  }
  const farm = await connectFarm(options, `raypool-node ${name}`);
  const node = new NodeLoop(farm, name, options);
  const finished = node.run();
  finished.catch(() => {});
  const stop = async () => {
    node.stop();
    await finished.catch(() => {});
  };
  if (options.signal?.aborted) node.stop();
  options.signal?.addEventListener("abort", () => node.stop(), { once: true });
  options.onEvent?.({
    kind: "ready",
    name,
    server: farm.server.display,
    workers: node.workers,
  });
  return { name, finished, stop, [Symbol.asyncDispose]: stop };
}

interface HeldJob {
  renderId: string;
  controller: AbortController;
}

class NodeLoop {
  readonly #farm: FarmConnection;
  readonly #workers: number | undefined;
  #renderer: Renderer;
  readonly #name: string;
  readonly #onEvent: (event: FarmNodeEvent) => void;
  readonly #maxSceneBytes: number;
  readonly #idleReleaseMs: number;
  readonly #held = new Set<HeldJob>();
  readonly #cancelled = new Set<string>();
  readonly #scenes = new Map<string, Promise<Uint8Array>>();
  readonly #chunks = new BoundedChunks(CHUNK_CACHE_BYTES);
  #stopping = false;
  #jobsDone = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: () => void = () => {};

  constructor(farm: FarmConnection, name: string, options: FarmNodeOptions) {
    this.#farm = farm;
    this.#workers = options.workers;
    this.#renderer = this.#newRenderer();
    this.#name = name;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#maxSceneBytes = options.maxSceneBytes ?? MAX_PACKED_SCENE_BYTES;
    this.#idleReleaseMs = options.idleReleaseMs ?? 10_000;
  }

  get workers(): number {
    return this.#renderer.workers;
  }

  #newRenderer(): Renderer {
    return new Renderer(
      this.#workers === undefined ? {} : { workers: this.#workers },
    );
  }

  /**
   * Once no job has come for a while: drops the fetched scenes and ends the workers (their
   * memory holds the last scene and its BVH); the next job starts new ones.
   */
  #armIdleRelease() {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#held.size > 0 || this.#stopping) return;
      this.#scenes.clear();
      this.#chunks.clear();
      const old = this.#renderer;
      this.#renderer = this.#newRenderer();
      old.close().catch(() => {});
    }, this.#idleReleaseMs);
  }

  stop() {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const job of this.#held) {
      job.controller.abort(new DOMException("node stopping", "AbortError"));
    }
    this.#wake();
  }

  async run(): Promise<void> {
    const { connection, js } = this.#farm;
    const cancels = connection.subscribe(CANCEL_SUBJECT, {
      callback: (_error, message) => {
        const renderId = message.string();
        if (!RENDER_ID.test(renderId)) return;
        this.#cancelled.add(renderId);
        if (this.#cancelled.size > CANCELLED_MEMORY) {
          this.#cancelled.delete(this.#cancelled.values().next().value!);
        }
        let holding = false;
        for (const job of this.#held) {
          if (job.renderId === renderId) {
            holding = true;
            job.controller.abort(
              new DOMException("render withdrawn", "AbortError"),
            );
          }
        }
        if (holding) this.#onEvent({ kind: "cancelled", renderId });
      },
    });
    const status = this.#watchStatus();
    const running = new Set<Promise<void>>();
    try {
      let consumer = await js.consumers.get(JOBS_STREAM, NODES_CONSUMER);
      while (!this.#stopping) {
        if (running.size >= HELD_JOBS) {
          await Promise.race([
            ...running,
            new Promise<void>((resolve) => this.#wake = resolve),
          ]);
          continue;
        }
        let message;
        try {
          message = await consumer.next({ expires: 2_000 });
        } catch (error) {
          if (this.#stopping) break;
          if (connection.isClosed()) {
            throw new Error(
              `the connection to ${this.#farm.server.display} closed for good: ${
                errorMessage(error)
              }`,
            );
          }
          this.#onEvent({
            kind: "trouble",
            message: `taking a job failed: ${errorMessage(error)}`,
          });
          await delay(500);
          consumer = await js.consumers.get(JOBS_STREAM, NODES_CONSUMER)
            .catch(() => consumer);
          continue;
        }
        if (message === null) continue;
        if (this.#stopping) {
          message.nak();
          break;
        }
        const task = this.#handle(message).catch((error) =>
          this.#onEvent({ kind: "trouble", message: errorMessage(error) })
        );
        running.add(task);
        task.finally(() => running.delete(task));
      }
      await Promise.all(running);
    } finally {
      cancels.unsubscribe();
      status.stop();
      clearTimeout(this.#idleTimer);
      await connection.drain().catch(() => connection.close());
      await this.#renderer.close();
      this.#onEvent({ kind: "stopped", jobs: this.#jobsDone });
    }
  }

  #watchStatus() {
    const { connection } = this.#farm;
    let stopped = false;
    (async () => {
      for await (const status of connection.status()) {
        if (stopped) break;
        if (status.type === "disconnect" || status.type === "reconnect") {
          this.#onEvent({
            kind: "trouble",
            message: `${
              status.type === "disconnect" ? "lost" : "regained"
            } the server`,
          });
        }
      }
    })().catch(() => {});
    return { stop: () => stopped = true };
  }

  async #handle(
    message:
      & Awaited<
        ReturnType<
          Awaited<ReturnType<FarmConnection["js"]["consumers"]["get"]>>["next"]
        >
      >
      & object,
  ): Promise<void> {
    let job: JobMessage;
    try {
      job = decodeJob(
        message.data,
        this.#farm.connection.info?.max_payload ?? 1024 * 1024,
      );
      // The plan's rules on the view, region and tiles, before any scene is fetched. Whether
      // the samples must be a perfect square depends on the scene's integrator (any count
      // when path traced): their range now, their shape with the scene (`planJob` below).
      checkSamples(job.view.samples, "samples", false);
      planJob(
        new Uint8Array(0),
        { ...job, view: { ...job.view, samples: 1 } },
        1,
        undefined,
      );
    } catch (error) {
      this.#onEvent({
        kind: "trouble",
        message: `dropped a malformed job: ${errorMessage(error)}`,
      });
      message.term();
      return;
    }
    if (this.#cancelled.has(job.renderId)) {
      message.term();
      return;
    }
    const held: HeldJob = {
      renderId: job.renderId,
      controller: new AbortController(),
    };
    this.#held.add(held);
    const heartbeat = setInterval(() => message.working(), WORKING_INTERVAL_MS);
    const started = performance.now();
    let rendered = false;
    try {
      if (job.build !== BUILD) {
        throw new Error(
          `node runs ${BUILD}, the render needs ${job.build} (pixels may differ between builds)`,
        );
      }
      const packed = await this.#scene(job.scene);
      const subject = resultSubject(job.renderId);
      const publishes: Promise<unknown>[] = [];
      const plan = planJob(packed, job, this.#renderer.workers, {
        signal: held.controller.signal,
        onTile: (tile) => {
          const publish = this.#farm.js.publish(
            subject,
            encodeResult({
              kind: "piece",
              renderId: job.renderId,
              job: job.job,
              node: this.#name,
              rect: {
                x: tile.x,
                y: tile.y,
                width: tile.width,
                height: tile.height,
              },
              pixels: tile.pixels,
            }),
          );
          // Seen where they are awaited, after the render; never unhandled before that.
          publish.catch(() => {});
          publishes.push(publish);
        },
      });
      await renderPlanned(this.#renderer, plan);
      rendered = true;
      await Promise.all(publishes);
      await message.ackAck().catch(() => false);
      this.#jobsDone++;
      this.#onEvent({
        kind: "job",
        renderId: job.renderId,
        job: job.job,
        pixels: job.rect.width * job.rect.height,
        ms: performance.now() - started,
      });
    } catch (error) {
      if (held.controller.signal.aborted) {
        if (this.#cancelled.has(job.renderId)) message.term();
        else message.nak();
        return;
      }
      if (rendered) {
        // The pixels did not reach the server (it is restarting?): another try, here or
        // elsewhere, is not a failure of the job.
        message.nak(500);
        this.#onEvent({
          kind: "trouble",
          message: `handing back job ${job.job}: ${errorMessage(error)}`,
        });
        return;
      }
      const attempt = message.info.deliveryCount;
      const final = attempt >= MAX_DELIVER;
      const text = errorMessage(error);
      this.#onEvent({
        kind: "failed",
        renderId: job.renderId,
        job: job.job,
        message: text,
      });
      // Ended before the failure is told, so the submitter finds the job gone from the queue
      // when it checks (a failure it cannot confirm it ignores).
      if (final) await message.ackAck({ timeout: 5_000 }).catch(() => false);
      else message.nak(1_000);
      await this.#farm.js.publish(
        resultSubject(job.renderId),
        encodeResult({
          kind: "failed",
          renderId: job.renderId,
          job: job.job,
          node: this.#name,
          attempt,
          final,
          message: text.length > 500 ? `${text.slice(0, 500)}…` : text,
        }),
      ).catch(() => {});
    } finally {
      clearInterval(heartbeat);
      this.#held.delete(held);
      this.#armIdleRelease();
    }
  }

  #scene(hash: string): Promise<Uint8Array> {
    let scene = this.#scenes.get(hash);
    if (scene === undefined) {
      scene = readPacked(
        this.#farm.scenes,
        hash,
        this.#maxSceneBytes,
        this.#chunks,
      );
      scene.catch(() => this.#scenes.delete(hash));
      this.#scenes.set(hash, scene);
      if (this.#scenes.size > SCENE_CACHE) {
        this.#scenes.delete(this.#scenes.keys().next().value!);
      }
    }
    return scene;
  }
}

/** Chunks by hash, the oldest dropped once they hold more than `limit` bytes. */
class BoundedChunks implements ChunkCache {
  readonly #limit: number;
  readonly #chunks = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(hash: string): Uint8Array | undefined {
    const chunk = this.#chunks.get(hash);
    if (chunk !== undefined) {
      // Most recently used last.
      this.#chunks.delete(hash);
      this.#chunks.set(hash, chunk);
    }
    return chunk;
  }

  set(hash: string, bytes: Uint8Array) {
    if (this.#chunks.has(hash) || bytes.length > this.#limit) return;
    this.#chunks.set(hash, bytes);
    this.#bytes += bytes.length;
    for (const [oldest, chunk] of this.#chunks) {
      if (this.#bytes <= this.#limit) break;
      this.#chunks.delete(oldest);
      this.#bytes -= chunk.length;
    }
  }

  clear() {
    this.#chunks.clear();
    this.#bytes = 0;
  }
}

/** A job's render plan: its view, rectangle and tiles through the plan's rules. */
function planJob(
  packed: Uint8Array,
  job: JobMessage,
  workers: number,
  options: Pick<RenderOptions, "signal" | "onTile"> | undefined,
): RenderPlan {
  return planPacked(packed, { ...job.view, camera: job.view.camera }, workers, {
    ...options,
    region: job.rect,
    tileSize: job.tileSize,
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
