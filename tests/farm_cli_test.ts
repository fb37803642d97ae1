// The farm end to end through the CLI: `cli.ts SCENE --farm URL` against `cli.ts farm-node`
// subprocesses and a real nats-server, compared byte for byte with local renders of the CLI.

import assert from "node:assert/strict";
import { connectFarm } from "../src/farm/connection.ts";
import {
  JOBS_STREAM,
  NODES_CONSUMER,
  RESULTS_STREAM,
} from "../src/farm/protocol.ts";
import {
  cliCommand,
  listDir,
  PERMISSIONS,
  ROOT,
  runCli,
  withTempDir,
} from "./fixtures/cli/helpers.ts";
import {
  NODE_PERMISSIONS,
  ORIGINAL_SCENE,
  startNode,
  SUBMIT_PERMISSIONS,
} from "../testing/farm_nodes.ts";
import { startNats } from "../testing/nats.ts";
import { testsNeeding } from "../testing/process.ts";

/** Deno.test, skipped (one line naming the Debian package) without nats-server. */
const test = await testsNeeding("nats-server", "nats-server");

async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** With the variable set, the CLI may read it (as the task cannot). */
function readingEnv(permissions: string[], env: Record<string, string>) {
  const names = Object.keys(env);
  return names.length === 0
    ? permissions
    : permissions.map((flag) =>
      flag.startsWith("--allow-env=") ? `${flag},${names.join(",")}` : flag
    );
}

async function local(
  args: string[],
  output: string,
  env: Record<string, string> = {},
) {
  const result = await runCli([ORIGINAL_SCENE, ...args, "-o", output], {
    env,
    permissions: readingEnv(PERMISSIONS, env),
  });
  assert.equal(result.code, 0, result.stderr);
}

function farm(
  server: string,
  args: string[],
  output: string,
  env: Record<string, string> = {},
) {
  return runCli(
    [ORIGINAL_SCENE, ...args, "--farm", server, "-o", output],
    { permissions: readingEnv(SUBMIT_PERMISSIONS, env), env },
  );
}

/** Polls `check` until it holds, for at most `ms`. */
async function eventually(
  ms: number,
  check: () => Promise<boolean>,
  what: string,
) {
  const deadline = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("farm CLI: a glTF model, path traced, gives the local CLI's bytes (its meshes, instances and textures travel in the packed scene)", async () => {
  await using nats = await startNats();
  await using node = await startNode(nats.url, "gltf");
  await withTempDir(async (dir) => {
    const model = `${ROOT}examples/models/blocks.glb`;
    const args = [
      "--width",
      "48",
      "--height",
      "36",
      "--samples",
      "3",
      "--tile",
      "16",
    ];
    const here = await runCli([model, ...args, "-o", `${dir}/local.png`], {
      permissions: PERMISSIONS,
    });
    assert.equal(here.code, 0, here.stderr);
    const there = await runCli(
      [model, ...args, "--farm", nats.url, "-o", `${dir}/farm.png`],
      { permissions: SUBMIT_PERMISSIONS },
    );
    assert.equal(there.code, 0, there.stderr + node.log());
    assert.ok(await sameFile(`${dir}/local.png`, `${dir}/farm.png`));
  });
  assert.equal(await node.stop(), 0);
});

test("farm CLI: two nodes give the local CLI's bytes, whole and streamed, and say so", async () => {
  await using nats = await startNats();
  await using a = await startNode(nats.url, "alpha");
  await using b = await startNode(nats.url, "beta");
  await withTempDir(async (dir) => {
    const args = [
      "--width",
      "203",
      "--height",
      "151",
      "--tile",
      "37",
      "--samples",
      "4",
    ];
    await local(args, `${dir}/local.png`);
    const result = await farm(nats.url, args, `${dir}/farm.png`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /2 nodes of nats:\/\/127\.0\.0\.1:\d+\)\n$/);
    assert.ok(await sameFile(`${dir}/local.png`, `${dir}/farm.png`));

    // JPEG, with a region.
    const jpeg = [
      "--width",
      "90",
      "--height",
      "70",
      "--region",
      "10,5,61,43",
      "--quality",
      "80",
    ];
    await local(jpeg, `${dir}/local.jpg`);
    const farmJpeg = await farm(nats.url, jpeg, `${dir}/farm.jpg`);
    assert.equal(farmJpeg.code, 0, farmJpeg.stderr);
    assert.ok(await sameFile(`${dir}/local.jpg`, `${dir}/farm.jpg`));

    // Band by band through PngStreamWriter, as the local streaming path writes it.
    const stream = { RAYPOOL_PNG_STREAM_BYTES: "0" };
    const banded = ["--width", "130", "--height", "300", "--tile", "20"];
    await local(banded, `${dir}/local_stream.png`, stream);
    const streamed = await farm(
      nats.url,
      banded,
      `${dir}/farm_stream.png`,
      stream,
    );
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.ok(
      await sameFile(`${dir}/local_stream.png`, `${dir}/farm_stream.png`),
    );
    // The streamed file differs from a whole-image encode: the streaming path was taken.
    await local(banded, `${dir}/local_whole.png`);
    assert.ok(
      !await sameFile(`${dir}/local_whole.png`, `${dir}/farm_stream.png`),
    );
  });
  assert.equal(await a.stop(), 0);
  assert.equal(await b.stop(), 0);
});

/** A render of a few seconds: 640×480 at 16 samples is 1,200 pieces of 16×16 (tile 32). */
const LONG = [
  "--width",
  "640",
  "--height",
  "480",
  "--samples",
  "16",
  "--tile",
  "32",
];
const LONG_PIECES = 40 * 30;

/** Waits until between 10% and 50% of the pieces have been published: mid-render. */
async function midRender(server: string) {
  const watcher = await connectFarm({ server }, "test watcher");
  try {
    let results = 0;
    await eventually(30_000, async () => {
      results = (await watcher.jsm.streams.info(RESULTS_STREAM)).state.messages;
      return results >= LONG_PIECES / 10;
    }, "results arrive");
    assert.ok(results < LONG_PIECES / 2, `already ${results} pieces in`);
  } finally {
    await watcher.connection.close();
  }
}

test("farm CLI: SIGKILL of one of two nodes mid-render, and the render completes identical", async () => {
  await using nats = await startNats();
  await using victim = await startNode(nats.url, "victim");
  await using survivor = await startNode(nats.url, "survivor");
  await withTempDir(async (dir) => {
    const submit = cliCommand(
      [ORIGINAL_SCENE, ...LONG, "--farm", nats.url, "-o", `${dir}/farm.png`],
      { permissions: SUBMIT_PERMISSIONS },
    ).spawn();
    await midRender(nats.url);
    await victim.kill();
    const output = await submit.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    // The victim's pixels up to its death are in the image too.
    assert.match(stderr, /2 nodes of/);
    await local(LONG, `${dir}/local.png`);
    assert.ok(await sameFile(`${dir}/local.png`, `${dir}/farm.png`));
  });
  assert.equal(await survivor.stop(), 0);
});

test("farm CLI: a nats-server restart mid-render is waited out, identical", async () => {
  await using nats = await startNats();
  await using node = await startNode(nats.url, "steady", 2);
  await withTempDir(async (dir) => {
    const submit = cliCommand(
      [ORIGINAL_SCENE, ...LONG, "--farm", nats.url, "-o", `${dir}/farm.png`],
      { permissions: SUBMIT_PERMISSIONS },
    ).spawn();
    await midRender(nats.url);
    await nats.restart();
    const output = await submit.output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    await local(LONG, `${dir}/local.png`);
    assert.ok(await sameFile(`${dir}/local.png`, `${dir}/farm.png`));
    assert.match(node.log(), /lost the server/);
  });
  assert.equal(await node.stop(), 0);
});

test("farm CLI: Ctrl-C withdraws the render: exit 130, no file, stream empty, nodes idle", async () => {
  await using nats = await startNats();
  await using node = await startNode(nats.url, "worker", 1);
  const watcher = await connectFarm({ server: nats.url }, "test watcher");
  try {
    await withTempDir(async (dir) => {
      const submit = cliCommand(
        [
          ORIGINAL_SCENE,
          ...["--width", "800", "--height", "600", "--samples", "16"],
          ...["--farm", nats.url, "-o", `${dir}/farm.png`],
        ],
        { permissions: SUBMIT_PERMISSIONS },
      ).spawn();
      await eventually(20_000, async () => {
        const info = await watcher.jsm.consumers.info(
          JOBS_STREAM,
          NODES_CONSUMER,
        );
        return info.num_ack_pending > 0;
      }, "the node holds a job");
      await new Promise((resolve) => setTimeout(resolve, 300));
      submit.kill("SIGINT");
      const output = await submit.output();
      assert.equal(output.code, 130, new TextDecoder().decode(output.stderr));
      assert.deepEqual(await listDir(dir), []);
      // Liveness, not speed: the node may finish the job it holds before it sees the
      // withdrawal, which takes seconds on a loaded 2-core machine (5 s flaked in CI).
      await eventually(60_000, async () => {
        const jobs = await watcher.jsm.streams.info(JOBS_STREAM);
        const results = await watcher.jsm.streams.info(RESULTS_STREAM);
        const consumer = await watcher.jsm.consumers.info(
          JOBS_STREAM,
          NODES_CONSUMER,
        );
        return jobs.state.messages === 0 && results.state.messages === 0 &&
          consumer.num_ack_pending === 0;
      }, "the jobs are gone and the node is idle");
      assert.match(node.log(), /withdrawn/);
    });
  } finally {
    await watcher.connection.close();
  }
  assert.equal(await node.stop(), 0);
});

test("farm CLI: no node gives one line naming the server and exit 1 after --farm-timeout", async () => {
  await using nats = await startNats();
  await withTempDir(async (dir) => {
    const started = Date.now();
    const result = await farm(
      nats.url,
      ["--width", "32", "--height", "24", "--farm-timeout", "2", "--quiet"],
      `${dir}/farm.png`,
    );
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `raypool: no render node is taking jobs from ${nats.url} (none for 2 s); ` +
        `start one with: deno task farm-node --server ${nats.url}\n`,
    );
    assert.ok(Date.now() - started < 15_000);
    assert.deepEqual(await listDir(dir), []);
  });
});

test("farm CLI: wrong credentials or no server give one line and exit 2", async () => {
  await using tokenServer = await startNats({ args: ["--auth", "s3cret"] });
  await using userServer = await startNats({
    args: ["--user", "ann", "--pass", "right"],
  });
  await withTempDir(async (dir) => {
    const tiny = ["--width", "8", "--height", "6", "--quiet"];
    const cases: [string, Record<string, string>][] = [
      [tokenServer.url, { RAYPOOL_FARM_TOKEN: "wrong" }],
      [tokenServer.url, {}],
      [userServer.url, {
        RAYPOOL_FARM_USER: "ann",
        RAYPOOL_FARM_PASSWORD: "wrong",
      }],
    ];
    for (const [server, env] of cases) {
      const result = await farm(server, tiny, `${dir}/farm.png`, env);
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /^raypool: cannot connect to the farm at nats:\/\/127\.0\.0\.1:\d+: .*\n$/,
      );
      assert.doesNotMatch(result.stderr, /wrong|s3cret/);
    }
    // A secret in the URL is refused (command lines are echoed), without quoting it.
    const inUrl = await farm(
      tokenServer.url.replace("//", "//s3cret@"),
      tiny,
      `${dir}/farm.png`,
    );
    assert.equal(inUrl.code, 2, inUrl.stderr);
    assert.match(
      inUrl.stderr,
      /^raypool: --farm: the farm's token or password goes in \$RAYPOOL_FARM_TOKEN/,
    );
    assert.doesNotMatch(inUrl.stderr, /s3cret/);
    // A node with wrong credentials refuses to start the same way.
    const nodeEnv = {
      RAYPOOL_FARM_USER: "ann",
      RAYPOOL_FARM_PASSWORD: "wrong",
    };
    const node = await runCli(
      ["farm-node", "--server", userServer.url],
      { permissions: readingEnv(NODE_PERMISSIONS, nodeEnv), env: nodeEnv },
    );
    assert.equal(node.code, 2, node.stderr);
    assert.match(node.stderr, /^raypool: cannot connect to the farm at /);
    assert.doesNotMatch(node.stderr, /wrong/);
    // A credentials file that is missing, or is not one.
    const missing = await farm(
      tokenServer.url,
      [...tiny, "--farm-creds", `${dir}/missing.creds`],
      `${dir}/farm.png`,
    );
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(
      missing.stderr,
      `raypool: --farm-creds: cannot read "${dir}/missing.creds": No such file or directory\n`,
    );
    await Deno.writeTextFile(`${dir}/bad.creds`, "not a credentials file\n");
    const bad = await farm(
      tokenServer.url,
      [...tiny, "--farm-creds", `${dir}/bad.creds`],
      `${dir}/farm.png`,
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /^raypool: cannot connect to the farm at nats:\/\/127\.0\.0\.1:\d+: .*\n$/,
    );
    await Deno.remove(`${dir}/bad.creds`);
    // Nothing listening.
    await userServer.stop();
    const refused = await farm(userServer.url, tiny, `${dir}/farm.png`);
    assert.equal(refused.code, 2, refused.stderr);
    assert.deepEqual(await listDir(dir), []);
  });
  // The right token renders.
  const token = { RAYPOOL_FARM_TOKEN: "s3cret" };
  await using node = await startNode(tokenServer.url, "trusted", 1, [], token);
  await withTempDir(async (dir) => {
    const result = await farm(
      tokenServer.url,
      ["--width", "16", "--height", "12"],
      `${dir}/farm.png`,
      token,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr + node.log(), /s3cret/);
    await local(["--width", "16", "--height", "12"], `${dir}/local.png`);
    assert.ok(await sameFile(`${dir}/local.png`, `${dir}/farm.png`));
  });
  assert.equal(await node.stop(), 0);
});

Deno.test("farm CLI: farm-node --help names the command as it was invoked, and where secrets go", async () => {
  // Installed (no INIT_CWD): `raypool farm-node`; as a task: `deno task farm-node`.
  const installed = await runCli(["farm-node", "--help"], {
    permissions: NODE_PERMISSIONS,
  });
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(
    installed.stdout,
    /^Usage: raypool farm-node --server nats:\/\/HOST:4222 \[options\]\n/,
  );
  assert.match(installed.stdout, /\$RAYPOOL_FARM_TOKEN/);
  const asTask = await runCli(["farm-node", "--help"], {
    permissions: readingEnv(NODE_PERMISSIONS, { INIT_CWD: "" }),
    env: { INIT_CWD: ROOT },
  });
  assert.equal(asTask.code, 0, asTask.stderr);
  assert.match(asTask.stdout, /^Usage: deno task farm-node --server /);
});
