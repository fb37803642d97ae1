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
import type { Region } from "../src/types.ts";

function grid(region: Region, size: number): Region[] {
  const rects = [];
  for (let y = region.y; y < region.y + region.height; y += size) {
    for (let x = region.x; x < region.x + region.width; x += size) {
      rects.push({
        x,
        y,
        width: Math.min(size, region.x + region.width - x),
        height: Math.min(size, region.y + region.height - y),
      });
    }
  }
  return rects;
}

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
  const jobs = grid(region, 11).map((rect) => ({ rect }));
  const pieces: PieceResult[] = jobs.flatMap(({ rect }, job) =>
    grid(rect, 4).map((piece) => ({
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
  const assembler = new BandAssembler(region, 7, jobs, (y, rgba) => {
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

Deno.test("BandAssembler: a piece outside its job, or a differing duplicate, is refused", () => {
  const region = { x: 0, y: 0, width: 8, height: 8 };
  const jobs = grid(region, 4).map((rect) => ({ rect }));
  const assembler = new BandAssembler(region, 8, jobs, () => Promise.resolve());
  const piece = (job: number, rect: Region, node = "a"): PieceResult => ({
    kind: "piece",
    renderId: "r",
    job,
    node,
    rect,
    pixels: pixelsOf(rect),
  });
  assert.throws(
    () => assembler.add(piece(0, { x: 2, y: 2, width: 4, height: 4 }, "rogue")),
    {
      name: "RangeError",
      message: "node rogue sent piece 2,2 4×4 outside job 0",
    },
  );
  assert.throws(
    () => assembler.add(piece(9, { x: 0, y: 0, width: 1, height: 1 })),
    RangeError,
  );
  const first = piece(1, { x: 4, y: 0, width: 4, height: 4 }, "a");
  assembler.add(first);
  const other = { ...first, node: "b", pixels: first.pixels.map((v) => v ^ 1) };
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
    version: 1,
    renderId: "abc",
    job: 0,
    build: BUILD,
    scene: "f".repeat(64),
    width: 10,
    height: 10,
    samples: 1,
    rect: { x: 8, y: 8, width: 2, height: 2 },
    pieceSize: 2,
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
    () => decodeJob(encodeJob({ ...job, version: 2 })),
    /protocol version 2/,
  );
});

Deno.test("farm server URLs: tokens, users, TLS, default port; secrets never in the display", () => {
  assert.deepEqual(parseFarmServer("nats://t0k@farm:4333"), {
    address: "farm:4333",
    display: "nats://farm:4333",
    tls: false,
    token: "t0k",
  });
  assert.deepEqual(parseFarmServer("farm.local"), {
    address: "farm.local:4222",
    display: "nats://farm.local:4222",
    tls: false,
  });
  assert.equal(parseFarmServer("tls://u:p%40ss@h").pass, "p@ss");
  assert.throws(() => parseFarmServer("https://farm"), /nats:\/\/ or tls:\/\//);
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
