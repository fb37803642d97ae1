// The README's secured farm, as written: the server started from examples/farm/nats-server.conf
// (passwords from the environment, per-role users with subject permissions), a node and a
// submitter started with `deno task` and their secrets in environment variables. Renders
// exactly; the secrets appear in no output, the tasks' echoed command lines included; each
// role is refused what it has no business doing.

import assert from "node:assert/strict";
import { render, type Scene, startFarmNode } from "../mod.ts";
import { connectFarm } from "../src/farm/connection.ts";
import { encodeJob, encodeResult, JOBS_STREAM } from "../src/farm/protocol.ts";
import { renderOnFarm } from "../src/farm/submit.ts";
import { ROOT, runCli, withTempDir } from "./fixtures/cli/helpers.ts";
import { ORIGINAL_SCENE, SUBMIT_PERMISSIONS } from "../testing/farm_nodes.ts";
import { startNats } from "../testing/nats.ts";
import { rogueJob } from "../testing/farm_rogue.ts";
import { oneSphere, sun } from "../testing/scenes.ts";
import { networkEnvironment, testsNeeding } from "../testing/process.ts";

/** Deno.test, skipped (one line naming the Debian package) without nats-server. */
const test = await testsNeeding("nats-server", "nats-server");

const CONFIG = new URL("../examples/farm/nats-server.conf", import.meta.url);
const SUBMITTER_PASSWORD = "sub-3f9a1c7e5b2d";
const NODE_PASSWORD = "node-8e4b6d0a2c91";
const PASSWORDS = {
  RAYPOOL_SUBMITTER_PASSWORD: SUBMITTER_PASSWORD,
  RAYPOOL_NODE_PASSWORD: NODE_PASSWORD,
};

const SCENE: Scene = {
  description: oneSphere({
    width: 40,
    height: 30,
    color: { red: 0.2, green: 0.6, blue: 1 },
    light: sun({ x: 0, y: -1, z: -1 }, 2),
  }),
  textures: new Map(),
};

/** `deno task NAME ARGS` in the repository, with `env`, to the end or until `until` says. */
function task(name: string, args: string[], env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", name, ...args],
    cwd: ROOT,
    env: { ...networkEnvironment(), NO_COLOR: "1", RAYPOOL_DEBUG: "", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

test("farm: the README's per-role server config renders exactly, and each role is refused the other's part", async () => {
  await using nats = await startNats({ config: CONFIG, env: PASSWORDS });
  await using _node = await startFarmNode({
    server: nats.url,
    user: "node",
    password: NODE_PASSWORD,
    workers: 1,
    name: "n1",
  });
  const image = await renderOnFarm(SCENE, {
    server: nats.url,
    user: "submitter",
    password: SUBMITTER_PASSWORD,
    tileSize: 16,
    timeoutSeconds: 20,
  });
  assert.deepEqual(
    image.data,
    (await render(SCENE, { workers: 1, tileSize: 16 })).data,
  );

  // A submitter cannot publish results: no forged pixels or failures.
  const submitter = await connectFarm({
    server: nats.url,
    user: "submitter",
    password: SUBMITTER_PASSWORD,
  }, "rogue submitter");
  try {
    await assert.rejects(
      submitter.js.publish(
        "raypool.results.someone",
        encodeResult({
          kind: "failed",
          renderId: "someone",
          job: 0,
          node: "x",
          attempt: 4,
          final: true,
          message: "forged",
        }),
        { timeout: 2_000 },
      ),
    );
    // Nor delete the streams, nor read the job queue (where other renders' ids are).
    await assert.rejects(submitter.jsm.streams.delete(JOBS_STREAM));
    await assert.rejects(
      (async () => {
        const consumer = await submitter.js.consumers.get(JOBS_STREAM);
        await consumer.next({ expires: 1_000 });
      })(),
    );
  } finally {
    await submitter.connection.close().catch(() => {});
  }

  // A node cannot enqueue jobs, nor purge the queue.
  const node = await connectFarm({
    server: nats.url,
    user: "node",
    password: NODE_PASSWORD,
  }, "rogue node");
  try {
    await assert.rejects(
      node.js.publish(
        "raypool.jobs.fake",
        encodeJob(rogueJob({ renderId: "fake" })),
        { timeout: 2_000 },
      ),
    );
    await assert.rejects(node.jsm.streams.purge(JOBS_STREAM));
  } finally {
    await node.connection.close().catch(() => {});
  }
  // Anyone else: refused at the door (in a child process: a refused client's socket may
  // report the server's reset after the refusal, which is no business of this process).
  await withTempDir(async (dir) => {
    const stranger = await runCli(
      [ORIGINAL_SCENE, "--farm", nats.url, "-o", `${dir}/x.png`, "--quiet"],
      { permissions: SUBMIT_PERMISSIONS },
    );
    assert.equal(stranger.code, 2, stranger.stderr);
    assert.match(
      stranger.stderr,
      /cannot connect to the farm at .*Authorization/,
    );
  });
});

test("farm: `deno task render:farm` and `deno task farm-node` with secrets in the environment print them nowhere", async () => {
  await using nats = await startNats({ config: CONFIG, env: PASSWORDS });
  const node = task("farm-node", [
    "--server",
    nats.url,
    "--workers",
    "1",
    "--name",
    "tasknode",
  ], { RAYPOOL_FARM_USER: "node", RAYPOOL_FARM_PASSWORD: NODE_PASSWORD })
    .spawn();
  node.stdout.cancel();
  let nodeLog = "";
  const nodeReading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of node.stderr) nodeLog += decoder.decode(chunk);
  })();
  try {
    const deadline = Date.now() + 60_000;
    while (!/taking jobs/.test(nodeLog)) {
      assert.ok(Date.now() < deadline, `the node never started: ${nodeLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await withTempDir(async (dir) => {
      const output = `${dir}/farm.png`;
      const result = await task("render:farm", [
        ORIGINAL_SCENE,
        "--width",
        "48",
        "--height",
        "36",
        "--farm",
        nats.url,
        "-o",
        output,
      ], {
        RAYPOOL_FARM_USER: "submitter",
        RAYPOOL_FARM_PASSWORD: SUBMITTER_PASSWORD,
      }).output();
      const stdout = new TextDecoder().decode(result.stdout);
      const stderr = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 0, stderr);
      // The task's echo of its command line is in what was searched.
      assert.match(stderr, /Task render:farm /);
      assert.match(
        stderr,
        /Wrote .*farm\.png: 48×36 .*1 node of nats:\/\/127\.0\.0\.1:\d+\)/,
      );
      for (const secret of [SUBMITTER_PASSWORD, NODE_PASSWORD]) {
        assert.ok(!stderr.includes(secret) && !stdout.includes(secret));
      }
      assert.ok((await Deno.stat(output)).size > 0);
    });
  } finally {
    node.kill("SIGTERM");
    await node.status;
    await nodeReading;
  }
  assert.match(nodeLog, /Task farm-node /);
  assert.match(nodeLog, /job 0 of render \S+…: \d+ pixels in /);
  assert.ok(!nodeLog.includes(NODE_PASSWORD), nodeLog);
});
