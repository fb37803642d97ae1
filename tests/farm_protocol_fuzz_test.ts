// The farm protocol against what a rogue peer may send (issue 19): seeded, mutated and random
// job and result messages through the decoders, the node's plan check and the submitter's
// assembler. Decoding either succeeds with a message that keeps every invariant or throws a
// TypeError; a job the decoder passes is planned or refused with an option error; and
// whatever pieces arrive, the assembled image is exact or the render stops (a faulty node).

import assert from "node:assert/strict";
import { BandAssembler, FaultyNodeError } from "../src/farm/assembly.ts";
import {
  BUILD,
  decodeJob,
  decodeResult,
  encodeJob,
  encodeResult,
  type JobMessage,
  MAX_JOB_PIXELS,
  pieceMessageBytes,
  PROTOCOL_VERSION,
  RENDER_ID,
} from "../src/farm/protocol.ts";
import { farmJobRects } from "../src/farm/submit.ts";
import { optionOf, planPacked, splitTiles } from "../src/render/plan.ts";
import type { Region } from "../src/types.ts";

const CASES = 20_000;
const MAX_PAYLOAD = 1024 * 1024;

function random(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T =>
      items[Math.floor(next() * items.length)],
  };
}

const ODD_VALUES: unknown[] = [
  -1,
  0,
  1,
  2,
  1.5,
  -0,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e308,
  null,
  true,
  "",
  "a.b",
  ">",
  "*",
  "x".repeat(70_000),
  [],
  {},
  { x: 0, y: 0, width: 1, height: 1 },
  "0".repeat(64),
];

const JOB: JobMessage = {
  kind: "job",
  version: PROTOCOL_VERSION,
  renderId: "r1",
  job: 0,
  build: BUILD,
  scene: "ab".repeat(32),
  view: {
    width: 640,
    height: 480,
    fov: 90,
    samples: 4,
    camera: {
      position: { x: 0, y: 0, z: 0 },
      look_at: { x: 0, y: 0, z: -1 },
      up: { x: 0, y: 1, z: 0 },
    },
  },
  rect: { x: 64, y: 64, width: 128, height: 128 },
  tileSize: 64,
};

/** A copy of `value` with one field somewhere inside set to `replacement`. */
function mutateField(
  value: Record<string, unknown>,
  rng: ReturnType<typeof random>,
): unknown {
  const copy = structuredClone(value);
  let node = copy as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    const key = rng.pick(keys);
    const child = node[key];
    if (
      typeof child === "object" && child !== null && !Array.isArray(child) &&
      rng.next() < 0.6
    ) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (rng.next() < 0.1) delete node[key];
    else node[key] = rng.pick(ODD_VALUES);
    break;
  }
  return copy;
}

function mutateBytes(
  bytes: Uint8Array,
  rng: ReturnType<typeof random>,
): Uint8Array {
  const out = [...bytes];
  const edits = 1 + rng.int(4);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(3)) {
      case 0:
        out[at] = rng.int(256);
        break;
      case 1:
        out.splice(at, 1 + rng.int(8));
        break;
      default:
        out.splice(
          at,
          0,
          ...Array.from({ length: 1 + rng.int(8) }, () => rng.int(256)),
        );
    }
  }
  return new Uint8Array(out);
}

function checkJob(job: JobMessage) {
  assert.ok(RENDER_ID.test(job.renderId));
  const { rect, view } = job;
  assert.ok(rect.x + rect.width <= view.width);
  assert.ok(rect.y + rect.height <= view.height);
  assert.ok(rect.width * rect.height <= MAX_JOB_PIXELS);
  assert.ok(
    pieceMessageBytes(
      Math.min(job.tileSize, Math.max(rect.width, rect.height)),
    ) <=
      MAX_PAYLOAD,
  );
  // The node's plan check: a plan, or an error naming the option.
  try {
    planPacked(new Uint8Array(0), { ...view, camera: view.camera }, 1, {
      region: rect,
      tileSize: job.tileSize,
    });
  } catch (error) {
    assert.ok(optionOf(error) !== undefined, String(error));
  }
}

Deno.test("farm protocol fuzz: mutated and random jobs decode to checked jobs or a TypeError", () => {
  const rng = random(0x5eed);
  const counts = { decoded: 0, refused: 0 };
  const base = encodeJob(JOB);
  for (let i = 0; i < CASES; i++) {
    const bytes = i % 3 === 0
      ? mutateBytes(base, rng)
      : i % 3 === 1
      ? new TextEncoder().encode(
        JSON.stringify(
          mutateField(JOB as unknown as Record<string, unknown>, rng),
        ),
      )
      : crypto.getRandomValues(new Uint8Array(rng.int(64)));
    let job: JobMessage;
    try {
      job = decodeJob(bytes, MAX_PAYLOAD);
    } catch (error) {
      assert.ok(error instanceof TypeError, `case ${i}: ${error}`);
      assert.ok(
        (error as Error).message.length < 300,
        (error as Error).message,
      );
      counts.refused++;
      continue;
    }
    checkJob(job);
    counts.decoded++;
  }
  assert.ok(
    counts.decoded > 100 && counts.refused > 100,
    JSON.stringify(counts),
  );
});

Deno.test("farm protocol fuzz: mutated and random results decode to checked results or a TypeError", () => {
  const rng = random(0xbeef);
  const rect = { x: 8, y: 16, width: 8, height: 4 };
  const bases = [
    encodeResult({
      kind: "piece",
      renderId: "r1",
      job: 3,
      node: "n",
      rect,
      pixels: new Uint8Array(8 * 4 * 4).fill(7),
    }),
    encodeResult({
      kind: "failed",
      renderId: "r1",
      job: 3,
      node: "n",
      attempt: 4,
      final: true,
      message: "boom",
    }),
  ];
  let decoded = 0;
  for (let i = 0; i < CASES; i++) {
    const bytes = i % 2 === 0
      ? mutateBytes(rng.pick(bases), rng)
      : crypto.getRandomValues(new Uint8Array(rng.int(96)));
    try {
      const result = decodeResult(bytes);
      assert.ok(RENDER_ID.test(result.renderId));
      if (result.kind === "piece") {
        assert.equal(
          result.pixels.length,
          result.rect.width * result.rect.height * 4,
        );
      }
      decoded++;
    } catch (error) {
      assert.ok(error instanceof TypeError, `case ${i}: ${error}`);
    }
  }
  assert.ok(decoded > 100, `${decoded} decoded`);
});

/** A pixel's value from its position, so misplaced bytes show. */
function pixelsOf(rect: Region, salt = 0): Uint8Array {
  const data = new Uint8Array(rect.width * rect.height * 4);
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      data.set(
        [rect.x + x, rect.y + y, (rect.x + x) ^ (rect.y + y) ^ salt, 255],
        (y * rect.width + x) * 4,
      );
    }
  }
  return data;
}

Deno.test("farm protocol fuzz: whatever pieces a rogue mixes in, the image is exact or the render stops", async () => {
  const rng = random(0xfa12);
  const outcomes = { exact: 0, stopped: 0 };
  for (let round = 0; round < 200; round++) {
    const region = {
      x: rng.int(20),
      y: rng.int(20),
      width: 1 + rng.int(90),
      height: 1 + rng.int(70),
    };
    const tileSize = 1 + rng.int(24);
    const jobs = farmJobRects(region, tileSize).map((rect) => ({ rect }));
    const bandRows = 1 + rng.int(40);
    const bands: Uint8Array[] = [];
    const assembler = new BandAssembler(
      region,
      bandRows,
      jobs,
      tileSize,
      (_y, rgba) => {
        bands.push(rgba.slice());
        return Promise.resolve();
      },
    );
    const honest = jobs.flatMap(({ rect }, job) =>
      splitTiles(rect, tileSize).map((tile) => ({ job, rect: tile, salt: 0 }))
    );
    const rogue = Array.from({ length: 1 + rng.int(30) }, () => {
      const job = rng.int(jobs.length + 2);
      const on = jobs[job]?.rect ?? region;
      const grid = splitTiles(on, tileSize);
      const rect = rng.next() < 0.08 && grid.length > 0
        ? rng.pick(grid) // on the grid, forged pixels (or, by chance, honest ones)
        : {
          x: on.x + rng.int(on.width),
          y: on.y + rng.int(on.height),
          width: 1 + rng.int(on.width),
          height: 1 + rng.int(on.height),
        };
      return { job, rect, salt: rng.int(3) };
    });
    const all = [...honest, ...rogue];
    for (let i = all.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [all[i], all[j]] = [all[j], all[i]];
    }
    let faulty = false;
    try {
      for (const { job, rect, salt } of all) {
        assembler.add({
          kind: "piece",
          renderId: "r",
          job,
          node: salt === 0 ? "honest" : "rogue",
          rect,
          pixels: pixelsOf(rect, salt),
        });
        await assembler.flush();
      }
    } catch (error) {
      assert.ok(error instanceof FaultyNodeError, String(error));
      faulty = true;
    }
    if (faulty) {
      outcomes.stopped++;
      continue;
    }
    outcomes.exact++;
    // Not stopped: every pixel came exactly once, and the image is the honest one.
    assert.ok(assembler.done, `round ${round}`);
    const whole = new Uint8Array(region.width * region.height * 4);
    let at = 0;
    for (const band of bands) {
      whole.set(band, at);
      at += band.length;
    }
    assert.equal(at, whole.length);
    assert.deepEqual(whole, pixelsOf(region), `round ${round}`);
  }
  // Both ends were reached: rogue pieces all refused, and rogue pieces that stopped it.
  assert.ok(
    outcomes.exact > 20 && outcomes.stopped > 20,
    JSON.stringify(outcomes),
  );
});
