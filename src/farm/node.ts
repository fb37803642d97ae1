/**
 * A render node: takes jobs from the farm's work queue, renders them on its own worker pool,
 * publishes the pixels and acknowledges the job.
 *
 * @module
 */

import { Renderer } from "../render/renderer.ts";
import type { Scene } from "../types.ts";
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
  resultSubject,
  WORKING_INTERVAL_MS,
} from "./protocol.ts";
import { fetchScene } from "./scene_store.ts";

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
  | { kind: "job"; renderId: string; job: number; ms: number }
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
/** Scenes kept decoded; an animation's frames are one scene each. */
const SCENE_CACHE = 4;

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
 * // server: e.g. "nats://farm.local:4222" or "nats://TOKEN@farm.local:4222".
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
  const renderer = new Renderer(
    options.workers === undefined ? {} : { workers: options.workers },
  );
  const node = new NodeLoop(farm, renderer, name, options.onEvent);
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
    workers: renderer.workers,
  });
  return { name, finished, stop, [Symbol.asyncDispose]: stop };
}

interface HeldJob {
  renderId: string;
  controller: AbortController;
}

class NodeLoop {
  readonly #farm: FarmConnection;
  readonly #renderer: Renderer;
  readonly #name: string;
  readonly #onEvent: (event: FarmNodeEvent) => void;
  readonly #held = new Set<HeldJob>();
  readonly #cancelled = new Set<string>();
  readonly #scenes = new Map<string, Promise<Scene>>();
  #stopping = false;
  #jobsDone = 0;
  #wake: () => void = () => {};

  constructor(
    farm: FarmConnection,
    renderer: Renderer,
    name: string,
    onEvent: ((event: FarmNodeEvent) => void) | undefined,
  ) {
    this.#farm = farm;
    this.#renderer = renderer;
    this.#name = name;
    this.#onEvent = onEvent ?? (() => {});
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
        this.#cancelled.add(renderId);
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
      job = decodeJob(message.data);
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
      const scene = await this.#scene(job.scene);
      const subject = resultSubject(job.renderId);
      const publishes: Promise<unknown>[] = [];
      await this.#renderer.render(scene, {
        width: job.width,
        height: job.height,
        samples: job.samples,
        region: job.rect,
        tileSize: job.pieceSize,
        signal: held.controller.signal,
        onTile: (tile) => {
          publishes.push(this.#farm.js.publish(
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
          ));
        },
      });
      rendered = true;
      await Promise.all(publishes);
      await message.ackAck().catch(() => false);
      this.#jobsDone++;
      this.#onEvent({
        kind: "job",
        renderId: job.renderId,
        job: job.job,
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
      await this.#farm.js.publish(
        resultSubject(job.renderId),
        encodeResult({
          kind: "failed",
          renderId: job.renderId,
          job: job.job,
          node: this.#name,
          attempt,
          final,
          message: text,
        }),
      ).catch(() => {});
      if (final) message.term();
      else message.nak(1_000);
    } finally {
      clearInterval(heartbeat);
      this.#held.delete(held);
    }
  }

  #scene(hash: string): Promise<Scene> {
    let scene = this.#scenes.get(hash);
    if (scene === undefined) {
      scene = fetchScene(this.#farm.scenes, hash);
      scene.catch(() => this.#scenes.delete(hash));
      this.#scenes.set(hash, scene);
      if (this.#scenes.size > SCENE_CACHE) {
        this.#scenes.delete(this.#scenes.keys().next().value!);
      }
    }
    return scene;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
