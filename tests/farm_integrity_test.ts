// What the submitter does with bad results, against fake nodes that answer jobs by hand: a
// tile that fails on every attempt fails the render naming the tile; two different answers
// for one tile name the faulty node; a job for a scene not in the store is reported by a
// real node as failed, delivery after delivery, until the last one.

import assert from "node:assert/strict";
import { renderOnFarm, startFarmNode } from "../mod.ts";
import { connectFarm, type FarmConnection } from "../src/farm/connection.ts";
import {
  BUILD,
  decodeJob,
  decodeResult,
  encodeJob,
  encodeResult,
  type FailureResult,
  JOBS_STREAM,
  MAX_DELIVER,
  NODES_CONSUMER,
  PROTOCOL_VERSION,
  type ResultMessage,
  RESULTS_STREAM,
  resultSubject,
} from "../src/farm/protocol.ts";
import { splitTiles } from "../src/render/plan.ts";
import { startNats } from "../testing/nats.ts";
import { oneSphere, sun } from "../testing/scenes.ts";
import { testsNeeding } from "../testing/process.ts";

/** Deno.test, skipped (one line naming the Debian package) without nats-server. */
const test = await testsNeeding("nats-server", "nats-server");

const SCENE = oneSphere({
  width: 16,
  height: 8,
  color: { red: 1, green: 0, blue: 0 },
  light: sun({ x: 0, y: 0, z: -1 }, 1),
});

/** Answers every job with `answer`'s results, then acks it. */
function fakeNode(
  farm: FarmConnection,
  answer: (job: ReturnType<typeof decodeJob>) => ResultMessage[],
): Promise<void> {
  return (async () => {
    const consumer = await farm.js.consumers.get(JOBS_STREAM, NODES_CONSUMER);
    const messages = await consumer.consume({ max_messages: 1 });
    for await (const message of messages) {
      const job = decodeJob(message.data);
      // Ended first, as a real node does: a failure the server cannot confirm is ignored.
      await message.ackAck();
      for (const result of answer(job)) {
        await farm.js.publish(
          resultSubject(job.renderId),
          encodeResult(result),
        );
      }
    }
  })().catch(() => {});
}

test("farm: a tile that fails on every attempt fails the render, naming the tile", async () => {
  await using nats = await startNats();
  const farm = await connectFarm({ server: nats.url }, "fake node");
  try {
    fakeNode(farm, (job) => [{
      kind: "failed",
      renderId: job.renderId,
      job: job.job,
      node: "flaky",
      attempt: MAX_DELIVER,
      final: true,
      message: "out of memory",
    }]);
    await assert.rejects(
      renderOnFarm(SCENE, {
        server: nats.url,
        tileSize: 8,
        timeoutSeconds: 10,
      }),
      {
        message:
          "tile 0,0 8×8 failed on every attempt (last on node flaky): out of memory",
      },
    );
  } finally {
    await farm.connection.close();
  }
});

test("farm: a tile handed back on every delivery fails the render, naming the tile", async () => {
  await using nats = await startNats();
  const farm = await connectFarm({ server: nats.url }, "fake node");
  try {
    (async () => {
      const consumer = await farm.js.consumers.get(JOBS_STREAM, NODES_CONSUMER);
      const messages = await consumer.consume({ max_messages: 1 });
      for await (const message of messages) message.nak();
    })().catch(() => {});
    await assert.rejects(
      renderOnFarm(SCENE, {
        server: nats.url,
        width: 8,
        height: 8,
        timeoutSeconds: 10,
      }),
      {
        message:
          `tile 0,0 8×8 was handed to nodes ${MAX_DELIVER} times and never finished (nodes died or gave it back each time)`,
      },
    );
  } finally {
    await farm.connection.close();
  }
});

test("farm: two different answers for one tile name the faulty node", async () => {
  await using nats = await startNats();
  const farm = await connectFarm({ server: nats.url }, "fake node");
  try {
    fakeNode(farm, (job) =>
      // Every tile of the job, sent twice, with different pixels the second time.
      splitTiles(job.rect, job.tileSize).flatMap((rect) =>
        [["good", 1], ["bad", 2]].map(([node, value]) => ({
          kind: "piece" as const,
          renderId: job.renderId,
          job: job.job,
          node: node as string,
          rect,
          pixels: new Uint8Array(rect.width * rect.height * 4).fill(
            value as number,
          ),
        }))
      ));
    await assert.rejects(
      renderOnFarm(SCENE, {
        server: nats.url,
        tileSize: 8,
        timeoutSeconds: 10,
      }),
      {
        name: "FaultyNodeError",
        message:
          "nodes good and bad rendered tile 0,0 8×8 differently; one of them is faulty",
      },
    );
  } finally {
    await farm.connection.close();
  }
});

test("farm: a node reports jobs it cannot render (no scene, another build) on each delivery, the last as final", async () => {
  await using nats = await startNats();
  await using _node = await startFarmNode({
    server: nats.url,
    workers: 1,
    name: "n1",
  });
  const farm = await connectFarm({ server: nats.url }, "test");
  try {
    const renderId = "norender";
    const results = await farm.js.consumers.get(RESULTS_STREAM, {
      filter_subjects: resultSubject(renderId),
    });
    const messages = await results.consume();
    const job = (index: number, build: string) =>
      encodeJob({
        kind: "job",
        version: PROTOCOL_VERSION,
        renderId,
        job: index,
        build,
        scene: "0".repeat(64), // not in the store
        view: { width: 8, height: 8, fov: 90, samples: 1 },
        rect: { x: 0, y: 0, width: 8, height: 8 },
        tileSize: 8,
      });
    await farm.js.publish(`raypool.jobs.${renderId}`, job(0, BUILD));
    await farm.js.publish(`raypool.jobs.${renderId}`, job(1, "raypool 99.0.0"));
    const failures: FailureResult[] = [];
    for await (const message of messages) {
      const result = decodeResult(message.data);
      assert.equal(result.kind, "failed");
      failures.push(result as FailureResult);
      if (failures.length === 2 * MAX_DELIVER) break;
    }
    for (const index of [0, 1]) {
      const ofJob = failures.filter((f) => f.job === index);
      assert.deepEqual(
        ofJob.map((f) => [f.attempt, f.final, f.node]),
        Array.from(
          { length: MAX_DELIVER },
          (_, i) => [i + 1, i + 1 === MAX_DELIVER, "n1"],
        ),
      );
    }
    const messageOf = (index: number) =>
      failures.find((f) => f.job === index)!.message;
    assert.match(messageOf(0), /is not in the farm's object store/);
    assert.equal(
      messageOf(1),
      `node runs ${BUILD}, the render needs raypool 99.0.0 (pixels may differ between builds)`,
    );
  } finally {
    await farm.connection.close();
  }
});
