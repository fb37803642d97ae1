/**
 * The worker pool: starts, lends out, replaces and terminates the workers that render tiles.
 *
 * @module
 */

import type { FromWorker, ToWorker } from "./messages.ts";

let live = 0;

/**
 * What a render does with the messages and the death of a worker it has leased.
 *
 * @example
 * ```ts
 * import type { LeaseHandlers } from "./pool.ts";
 * const handlers: LeaseHandlers = { onMessage: () => {}, onDeath: (reason) => void reason };
 * ```
 */
export interface LeaseHandlers {
  /** Receives the worker's messages while the lease lasts. */
  onMessage(message: FromWorker): void;
  /** Called once if the worker dies during the lease (it is gone from the pool already). */
  onDeath(reason: string): void;
}

/**
 * A worker lent to one render. Its messages go to the render's handlers until the lease ends
 * by {@linkcode Lease.release} (the worker goes back to the pool) or
 * {@linkcode Lease.discard} (it is terminated).
 *
 * @example
 * ```ts
 * import type { Lease } from "./pool.ts";
 * const done = (lease: Lease) => lease.release();
 * ```
 */
export interface Lease {
  /** `raypool worker #<n>`, n counting from 1 per pool: tests' fixtures key off it. */
  readonly name: string;
  /** Posts a message to the worker (dropped once the lease has ended). */
  post(message: ToWorker): void;
  /** Ends the lease; the worker stays in the pool for the next render. */
  release(): void;
  /** Ends the lease and terminates the worker. */
  discard(): void;
}

/**
 * A set of workers running one worker module, each sent the compiled wasm module once when it
 * starts. Workers stay alive between renders until {@linkcode WorkerPool.terminateAll}.
 *
 * @example
 * ```ts
 * import { WorkerPool } from "./pool.ts";
 * import { loadWasmModule } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const pool = new WorkerPool(new URL("../../worker.ts", import.meta.url));
 * const [lease] = pool.lease(1, await loadWasmModule(), () => ({ onMessage() {}, onDeath() {} }));
 * assert.equal(lease.name, "raypool worker #1");
 * lease.release();
 * assert.equal(pool.size, 1);
 * pool.terminateAll();
 * assert.equal(WorkerPool.live, 0);
 * ```
 */
export class WorkerPool {
  readonly #url: URL;
  #seq = 0;
  readonly #workers = new Set<Member>();

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

  /** Starts workers until the pool has `count`, so a render that follows finds them ready. */
  warm(count: number, module: WebAssembly.Module): void {
    while (this.#workers.size < count) this.#spawn(module);
  }

  /**
   * Lends `count` workers, idle ones first, starting the missing ones at once (they start in
   * parallel; messages posted meanwhile wait in their queues). `handlers` is asked for each
   * lease's handlers.
   */
  lease(
    count: number,
    module: WebAssembly.Module,
    handlers: (lease: Lease) => LeaseHandlers,
  ): Lease[] {
    const idle = [...this.#workers].filter((m) => m.idle).slice(0, count);
    while (idle.length < count) idle.push(this.#spawn(module));
    return idle.map((member) => member.lend(handlers));
  }

  /** Terminates every worker in the pool. */
  terminateAll(): void {
    for (const member of [...this.#workers]) this.#remove(member);
  }

  #spawn(module: WebAssembly.Module): Member {
    const name = `raypool worker #${++this.#seq}`;
    const member = new Member(
      new Worker(this.#url, { type: "module", name }),
      name,
      (m) => this.#remove(m),
    );
    live++;
    this.#workers.add(member);
    member.post({ kind: "init", module });
    return member;
  }

  #remove(member: Member): void {
    if (!this.#workers.delete(member)) return;
    member.terminate();
    live--;
  }
}

class Member {
  readonly name: string;
  readonly #worker: Worker;
  readonly #remove: (member: Member) => void;
  #handlers: LeaseHandlers | undefined;
  #lease = 0;

  constructor(worker: Worker, name: string, remove: (member: Member) => void) {
    this.#worker = worker;
    this.name = name;
    this.#remove = remove;
    worker.onmessage = (event: MessageEvent<FromWorker>) =>
      this.#handlers?.onMessage(event.data);
    worker.onerror = (event: ErrorEvent) => {
      // Without this the worker's uncaught error would be rethrown in the main thread.
      event.preventDefault();
      this.#die(event.message || String(event.error));
    };
    worker.onmessageerror = () =>
      this.#die("a message from the worker could not be read");
  }

  get idle(): boolean {
    return this.#handlers === undefined;
  }

  post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  lend(handlers: (lease: Lease) => LeaseHandlers): Lease {
    const id = ++this.#lease;
    const current = () => this.#lease === id;
    const lease: Lease = {
      name: this.name,
      post: (message) => {
        if (current()) this.post(message);
      },
      release: () => {
        if (current()) this.#end();
      },
      discard: () => {
        if (!current()) return;
        this.#end();
        this.#remove(this);
      },
    };
    this.#handlers = handlers(lease);
    return lease;
  }

  terminate(): void {
    this.#end();
    this.#worker.terminate();
  }

  #end(): void {
    this.#lease++;
    this.#handlers = undefined;
  }

  #die(reason: string): void {
    const handlers = this.#handlers;
    // A worker that died is never reused, whatever the render using it decides.
    this.#remove(this);
    handlers?.onDeath(reason);
  }
}
