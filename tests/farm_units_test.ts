// The farm's pure parts: band assembly in any order, results and jobs on the wire, server
// URLs, and the CLI's farm options.

import assert from "node:assert/strict";
import { BandAssembler, FaultyNodeError } from "../src/farm/assembly.ts";
import { parseFarmServer } from "../src/farm/connection.ts";
import {
  BUILD,
  decodeJob,
  decodeResult,
  encodeJob,
  encodeResult,
  type PieceResult,
} from "../src/farm/protocol.ts";
import { parseCliArgs } from "../src/cli/args.ts";
import { splitTiles } from "../src/render/plan.ts";
import type { Region } from "../src/types.ts";

/** A pixel's value from its full-image position, so misplaced bytes show. */
function pixelsOf(rect: Region): Uint8Array {
  const data = new Uint8Array(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      const i = (y * rect.width + x) * 4;
      data.set([rect.x + x, rect.y + y, (rect.x + x) ^ (rect.y + y), 255], i);
    }
  }
  return data;
}

Deno.test("BandAssembler: shuffled and repeated pieces, jobs across bands, give the image in order", async () => {
  const region = { x: 5, y: 3, width: 37, height: 29 };
  const jobs = splitTiles(region, 12).map((rect) => ({ rect }));
  const pieces: PieceResult[] = jobs.flatMap(({ rect }, job) =>
    splitTiles(rect, 4).map((piece) => ({
      kind: "piece" as const,
      renderId: "r",
      job,
      node: "n",
      rect: piece,
      pixels: pixelsOf(piece),
    }))
  );
  // Shuffled deterministically, with every fifth piece sent twice.
  const order = pieces.map((_, i) => (i * 37) % pieces.length);
  assert.equal(new Set(order).size, pieces.length);
  const bands: { y: number; rgba: Uint8Array }[] = [];
  const assembler = new BandAssembler(region, 7, jobs, 4, (y, rgba) => {
    bands.push({ y, rgba: rgba.slice() });
    return Promise.resolve();
  });
  let duplicates = 0;
  for (const [n, i] of order.entries()) {
    assert.equal(assembler.add(pieces[i]).kind, "new");
    if (n % 5 === 0) {
      assert.equal(assembler.add(pieces[i]).kind, "duplicate");
      duplicates++;
    }
    await assembler.flush();
  }
  assert.ok(duplicates > 0 && assembler.done);
  assert.deepEqual(bands.map((band) => band.y), [3, 10, 17, 24, 31]);
  const whole = new Uint8Array(region.width * region.height * 4);
  let offset = 0;
  for (const band of bands) {
    whole.set(band.rgba, offset);
    offset += band.rgba.length;
  }
  assert.deepEqual(whole, pixelsOf(region));
});

Deno.test("BandAssembler: pieces off the job's tile grid are refused, so forged ones never write or complete a band", async () => {
  // Issue 19.3: a token holder sent a whole job as one piece, and overlapping pieces; they
  // counted towards coverage and a band was handed on with pixels never rendered.
  const region = { x: 0, y: 0, width: 16, height: 8 };
  const jobs = splitTiles(region, 8).map((rect) => ({ rect }));
  const bands: Uint8Array[] = [];
  const assembler = new BandAssembler(region, 8, jobs, 4, (_y, rgba) => {
    bands.push(rgba.slice());
    return Promise.resolve();
  });
  const piece = (job: number, rect: Region, node = "a", fill?: number) => ({
    kind: "piece" as const,
    renderId: "r",
    job,
    node,
    rect,
    pixels: fill === undefined
      ? pixelsOf(rect)
      : new Uint8Array(rect.width * rect.height * 4).fill(fill),
  });
  const forged = [
    piece(0, { x: 0, y: 0, width: 8, height: 8 }, "rogue", 7), // the whole job as one piece
    piece(0, { x: 2, y: 2, width: 4, height: 4 }, "rogue", 7), // overlapping two tiles
    piece(0, { x: 0, y: 0, width: 4, height: 2 }, "rogue", 7), // part of a tile
    piece(0, { x: 8, y: 0, width: 4, height: 4 }, "rogue", 7), // job 1's tile sent as job 0's
    piece(5, { x: 0, y: 0, width: 4, height: 4 }, "rogue", 7), // a job the render has not
    piece(1, { x: 16, y: 0, width: 4, height: 4 }, "rogue", 7), // outside the image
  ];
  for (const result of forged) {
    assert.equal(
      assembler.add(result).kind,
      "refused",
      JSON.stringify(result.rect),
    );
    await assembler.flush();
  }
  assert.equal(bands.length, 0);
  for (const [job, { rect }] of jobs.entries()) {
    for (const tile of splitTiles(rect, 4)) {
      assert.equal(assembler.add(piece(job, tile)).kind, "new");
      // Forged again between real ones: still refused, the band still waits.
      assert.equal(assembler.add(forged[1]).kind, "refused");
      await assembler.flush();
    }
    assert.ok(assembler.jobDone(job));
  }
  assert.ok(assembler.done);
  assert.deepEqual(bands, [pixelsOf(region)]);
  // A tile sent again with other pixels names both nodes.
  const other = { ...piece(0, { x: 0, y: 0, width: 4, height: 4 }, "b", 9) };
  assert.throws(() => assembler.add(other), FaultyNodeError);
});

Deno.test("protocol: results and jobs survive the wire and bad ones are refused", () => {
  const piece: PieceResult = {
    kind: "piece",
    renderId: "abc",
    job: 3,
    node: "n1",
    rect: { x: 1, y: 2, width: 3, height: 2 },
    pixels: pixelsOf({ x: 1, y: 2, width: 3, height: 2 }),
  };
  const bytes = encodeResult(piece);
  assert.deepEqual(decodeResult(bytes), piece);
  assert.throws(() => decodeResult(bytes.subarray(0, bytes.length - 1)), {
    message:
      'piece {"x":1,"y":2,"width":3,"height":2} carries 23 bytes, expected 24',
  });
  const job = {
    kind: "job" as const,
    version: 2,
    renderId: "abc",
    job: 0,
    build: BUILD,
    scene: "f".repeat(64),
    view: { width: 10, height: 10, fov: 90, samples: 1 },
    rect: { x: 8, y: 8, width: 2, height: 2 },
    tileSize: 2,
  };
  assert.deepEqual(decodeJob(encodeJob(job)), job);
  assert.throws(
    () => decodeJob(encodeJob({ ...job, rect: { ...job.rect, width: 3 } })),
    {
      message:
        'job rect {"x":8,"y":8,"width":3,"height":2} is outside the 10×10 image',
    },
  );
  assert.throws(
    () => decodeJob(encodeJob({ ...job, version: 1 })),
    /protocol version 1/,
  );
});

Deno.test("protocol: hostile jobs and results are refused before use (ids, sizes, payload)", () => {
  // Issues 19.4 and 19.11: a job whose pieces cannot be published killed every node; ids of
  // 100 KB, or with '.', '*' or '>', broke subjects.
  const job = {
    kind: "job" as const,
    version: 2,
    renderId: "abc",
    job: 0,
    build: BUILD,
    scene: "f".repeat(64),
    view: { width: 4096, height: 4096, fov: 90, samples: 1 },
    rect: { x: 0, y: 0, width: 4096, height: 4096 },
    tileSize: 64,
  };
  const maxPayload = 1024 * 1024;
  assert.deepEqual(decodeJob(encodeJob(job), maxPayload), job);
  assert.throws(
    () => decodeJob(encodeJob({ ...job, tileSize: 1024 }), maxPayload),
    /tiles of 1024 pixels make results over the server's max_payload of 1048576 bytes/,
  );
  assert.throws(
    () =>
      decodeJob(
        encodeJob({
          ...job,
          view: { ...job.view, width: 8192 },
          rect: { ...job.rect, width: 8192 },
        }),
      ),
    /over 16777216 pixels/,
  );
  for (const renderId of ["a.b.c", ">", "*", "x".repeat(100_000), "", "a b"]) {
    assert.throws(
      () => decodeJob(encodeJob({ ...job, renderId })),
      /renderId must be 1–64 letters/,
    );
    const result = encodeResult({
      kind: "failed",
      renderId,
      job: 0,
      node: "n",
      attempt: 1,
      final: true,
      message: "x",
    });
    assert.throws(
      () => decodeResult(result),
      /renderId must be 1–64 letters|result header of 100089 bytes, over 1024/,
    );
  }
  // A long id is quoted cut short, not in full.
  assert.throws(
    () => decodeJob(encodeJob({ ...job, renderId: "y".repeat(100_000) })),
    (error: Error) => error.message.length < 200,
  );
  // Garbage: never anything but a TypeError.
  for (
    const bytes of [
      new Uint8Array(7).fill(0xff),
      new Uint8Array([0, 0, 0, 2, 123, 125]),
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 1]),
    ]
  ) {
    assert.throws(() => decodeResult(bytes), TypeError);
    assert.throws(() => decodeJob(bytes), TypeError);
  }
});

Deno.test("farm server URLs: TLS, default port; a secret in the URL is refused without quoting it", () => {
  assert.deepEqual(parseFarmServer("nats://farm:4333"), {
    address: "farm:4333",
    display: "nats://farm:4333",
    tls: false,
  });
  assert.deepEqual(parseFarmServer("farm.local"), {
    address: "farm.local:4222",
    display: "nats://farm.local:4222",
    tls: false,
  });
  assert.equal(parseFarmServer("tls://h").tls, true);
  assert.throws(() => parseFarmServer("https://farm"), /nats:\/\/ or tls:\/\//);
  // Issue 20.6: command lines are echoed (`deno task`) and shown (`ps`).
  for (const url of ["nats://t0k3n@farm:4333", "tls://u:p%40ss@h"]) {
    assert.throws(() => parseFarmServer(url), (error: Error) => {
      assert.match(error.message, /not in the URL/);
      assert.ok(!/t0k3n|p%40ss|p@ss/.test(error.message), error.message);
      return true;
    });
  }
});

Deno.test("CLI farm options: --farm and its companions, and the farm-node subcommand", () => {
  const render = parseCliArgs([
    "s.json",
    "--farm",
    "nats://h:1",
    "--farm-timeout",
    "5",
  ]);
  assert.ok(render.kind === "render");
  assert.deepEqual(render.farm, { server: "nats://h:1", timeoutSeconds: 5 });
  assert.throws(() => parseCliArgs(["s.json", "--farm-creds", "x.creds"]), {
    name: "InputError",
    message: "--farm-creds applies to --farm renders only",
  });
  assert.throws(() => parseCliArgs(["s.json", "--farm", "http://h"]), {
    message: "--farm: farm server must be nats:// or tls://, got http://",
  });
  assert.throws(
    () => parseCliArgs(["s.json", "--farm", "nats://h", "--farm-timeout", "0"]),
    {
      message: "--farm-timeout must be between 1 and 86400, got 0",
    },
  );
  assert.deepEqual(
    parseCliArgs([
      "farm-node",
      "--server",
      "nats://h:1",
      "--workers",
      "3",
      "--name",
      "box-1",
    ]),
    { kind: "farm-node", server: "nats://h:1", workers: 3, name: "box-1" },
  );
  assert.deepEqual(parseCliArgs(["farm-node", "--help"]), {
    kind: "farm-node-help",
  });
  assert.throws(
    () => parseCliArgs(["farm-node", "--server", "nats://h", "--name", "a b"]),
    {
      name: "InputError",
    },
  );
});
