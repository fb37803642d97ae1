/**
 * A farm with a rogue on it, for the tests and the fuzzer that play a client holding the
 * token: a throwaway `nats-server`, one in-process render node whose events are kept, a
 * connection for the rogue, and the jobs a rogue publishes. Development-only.
 *
 * @module
 */

import { type FarmNodeOptions, startFarmNode } from "../mod.ts";
import { connectFarm, type FarmConnection } from "../src/farm/connection.ts";
import type { FarmNodeEvent } from "../src/farm/node.ts";
import {
  BUILD,
  type JobMessage,
  PROTOCOL_VERSION,
} from "../src/farm/protocol.ts";
import { type NatsServer, startNats } from "./nats.ts";

/** What {@linkcode farmWithRogue} started; disposing of it stops them all. */
export interface RogueFarm {
  nats: NatsServer;
  /** The node's events so far. */
  events: FarmNodeEvent[];
  /** The rogue's connection. */
  rogue: FarmConnection;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a `nats-server`, a node (one worker, named `n1` unless `node` says otherwise, with
 * `node`'s other options) and the rogue's connection.
 */
export async function farmWithRogue(
  node: Omit<FarmNodeOptions, "server"> = {},
): Promise<RogueFarm> {
  const nats = await startNats();
  const events: FarmNodeEvent[] = [];
  try {
    const started = await startFarmNode({
      workers: 1,
      name: "n1",
      ...node,
      server: nats.url,
      onEvent: (event) => events.push(event),
    });
    try {
      const rogue = await connectFarm({ server: nats.url }, "rogue");
      return {
        nats,
        events,
        rogue,
        async [Symbol.asyncDispose]() {
          await rogue.connection.close();
          await started[Symbol.asyncDispose]();
          await nats[Symbol.asyncDispose]();
        },
      };
    } catch (error) {
      await started[Symbol.asyncDispose]();
      throw error;
    }
  } catch (error) {
    await nats[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * A job as a rogue client publishes it: an 8×8 render of a scene that is not stored, with
 * `fields` in place of the defaults (the encoder checks nothing, so any value goes).
 */
export function rogueJob(fields: Record<string, unknown> = {}): JobMessage {
  return {
    kind: "job",
    version: PROTOCOL_VERSION,
    renderId: "rogue",
    job: 0,
    build: BUILD,
    scene: "0".repeat(64),
    view: { width: 8, height: 8, fov: 90, samples: 1 },
    rect: { x: 0, y: 0, width: 8, height: 8 },
    tileSize: 8,
    ...fields,
  } as unknown as JobMessage;
}
