/**
 * The worker pool: starts, replaces and terminates the workers that render tiles.
 *
 * @module
 */

import type { FromWorker, ToWorker } from "./messages.ts";

let live = 0;

/**
 * One worker of a {@linkcode WorkerPool}. The render using it sets `onMessage` and `onDeath`;
 * between renders messages are ignored and a death just removes the worker from the pool.
 *
 * @example
 * ```ts
 * import type { PoolWorker } from "./pool.ts";
 * const describe = (w: PoolWorker) => `${w.name} is ${w.alive ? "alive" : "gone"}`;
 * ```
 */
export interface PoolWorker {
  /** `raypool worker #<n>`, n counting from 1 per pool: tests' fixtures key off it. */
  readonly name: string;
  /** False once terminated or dead. */
  readonly alive: boolean;
  /** Posts a message to the worker (dropped once it is gone). */
  post(message: ToWorker): void;
  /** Receives the worker's messages. */
  onMessage: (message: FromWorker) => void;
  /** Called once if the worker dies (an uncaught error, or a message it cannot read). */
  onDeath: (reason: string) => void;
}

/**
 * A set of workers running one worker module, each sent the compiled wasm module once when it
 * starts. Workers stay alive between renders until discarded or {@linkcode terminateAll}.
 *
 * @example
 * ```ts
 * import { WorkerPool } from "./pool.ts";
 * import { loadWasmModule } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const pool = new WorkerPool(new URL("../../worker.ts", import.meta.url));
 * const [worker] = pool.acquire(1, await loadWasmModule(), 0);
 * assert.equal(worker.name, "raypool worker #1");
 * assert.equal(pool.size, 1);
 * pool.terminateAll();
 * assert.equal(WorkerPool.live, 0);
 * ```
 */
export class WorkerPool {
  readonly #url: URL;
  #seq = 0;
  readonly #workers = new Set<PoolWorker>();

  /** Workers alive in this process, over all pools: lets tests catch a leaked worker. */
  static get live(): number {
    return live;
  }

  /** A pool running the worker module at `url`; starts no worker yet. */
  constructor(url: URL) {
    this.#url = url;
  }

  /** Workers currently in the pool. */
  get size(): number {
    return this.#workers.size;
  }

  /**
   * Returns `count` live workers, starting the missing ones at once (they start in parallel;
   * messages posted meanwhile wait in their queues).
   */
  acquire(
    count: number,
    module: WebAssembly.Module,
    renderId: number,
  ): PoolWorker[] {
    const workers = [...this.#workers].slice(0, count);
    while (workers.length < count) workers.push(this.spawn(module, renderId));
    return workers;
  }

  /** Starts one new worker and sends it the wasm module. */
  spawn(module: WebAssembly.Module, renderId: number): PoolWorker {
    const name = `raypool worker #${++this.#seq}`;
    const member = new Member(
      new Worker(this.#url, { type: "module", name }),
      name,
      (m) => this.discard(m),
    );
    live++;
    this.#workers.add(member);
    member.post({ kind: "init", renderId, module });
    return member;
  }

  /** Terminates `member` and removes it from the pool; does nothing if already gone. */
  discard(member: PoolWorker): void {
    if (!(member instanceof Member) || !member.alive) return;
    member.terminate();
    this.#workers.delete(member);
    live--;
  }

  /** Terminates every worker in the pool. */
  terminateAll(): void {
    for (const member of [...this.#workers]) this.discard(member);
  }
}

class Member implements PoolWorker {
  readonly name: string;
  alive = true;
  readonly #worker: Worker;
  readonly #discard: (member: Member) => void;
  onMessage: (message: FromWorker) => void = () => {};
  onDeath: (reason: string) => void = () => {};

  constructor(worker: Worker, name: string, discard: (member: Member) => void) {
    this.#worker = worker;
    this.name = name;
    this.#discard = discard;
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      if (this.alive) this.onMessage(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      // Without this the worker's uncaught error would be rethrown in the main thread.
      event.preventDefault();
      this.#die(event.message || String(event.error));
    };
    worker.onmessageerror = () =>
      this.#die("a message from the worker could not be read");
  }

  post(message: ToWorker): void {
    if (this.alive) this.#worker.postMessage(message);
  }

  terminate(): void {
    this.alive = false;
    this.#worker.terminate();
  }

  #die(reason: string): void {
    if (!this.alive) return;
    const onDeath = this.onDeath;
    // A worker that died is never reused, whatever the render using it decides.
    this.#discard(this);
    onDeath(reason);
  }
}
